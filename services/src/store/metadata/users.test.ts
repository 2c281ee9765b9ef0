import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addPatient, addTherapist, errorCode, errorMessage, memoryStore, MONDAY } from './test-fixtures.js';

const HASH = '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';

describe('users and patients: constraints', () => {
  it('logins and e-mails are unique regardless of case', () => {
    const store = memoryStore();
    const anna = store.createUser({ role: 'therapist', login: 'Anna', email: 'anna@clinic.example', displayName: 'A' });
    expect(anna).toMatchObject({ role: 'therapist', login: 'Anna', createdAt: MONDAY, disabledAt: null });
    expect(errorCode(() => addTherapist(store, 'anna'))).toBe('conflict');
    expect(
      errorCode(() =>
        store.createUser({ role: 'admin', login: 'boss', email: 'ANNA@clinic.example', displayName: 'B' }),
      ),
    ).toBe('conflict');
    expect(errorCode(() => addPatient(store, 'p1', { login: 'ANNA' }))).toBe('conflict');
    // The failed patient left no user behind (user and profile commit together).
    expect(store.listUsers().map((u) => u.login)).toEqual(['Anna']);
    // Patients without a login do not collide with each other.
    addPatient(store, 'p1');
    addPatient(store, 'p2');
    expect(store.listUsers('patient')).toHaveLength(2);
    expect(errorCode(() => addPatient(store, 'p1'))).toBe('conflict');
  });

  it('the login path finds the hash case-insensitively; only argon2 PHC strings are stored', () => {
    const store = memoryStore();
    const anna = store.createUser({ role: 'therapist', login: 'anna', displayName: 'Anna', passwordHash: HASH });
    expect(store.findUserByLogin('ANNA')).toMatchObject({ id: anna.id, passwordHash: HASH });
    expect(store.getUser(anna.id)).not.toHaveProperty('passwordHash');
    expect(errorMessage(() => store.setPasswordHash(anna.id, 'hunter2'))).toMatch(/^passwordHash: must match/);
    expect(store.findUserByLogin('nobody')).toBeNull();
  });

  it('foreign keys and role rules hold in the schema itself', () => {
    const store = memoryStore();
    const anna = addTherapist(store, 'anna');
    const bob = addPatient(store, 'p1');
    const raw =
      (sql: string, ...params: unknown[]) =>
      () =>
        store.db.prepare(sql).run(...params);
    expect(raw('INSERT INTO therapist_patients VALUES (?, ?, 0)', anna.id, 'nobody')).toThrow(/FOREIGN KEY/);
    expect(raw('INSERT INTO therapist_patients VALUES (?, ?, 0)', 999, 'p1')).toThrow(/FOREIGN KEY/);
    expect(raw('INSERT INTO therapist_patients VALUES (?, ?, 0)', bob.userId, 'p1')).toThrow(/only a therapist/);
    expect(
      raw("INSERT INTO patients (id, user_id, treated_side, surgery_type) VALUES ('p9', ?, 'left', 'other')", anna.id),
    ).toThrow(/role patient/);
    expect(
      raw("INSERT INTO patients (id, user_id, treated_side, surgery_type) VALUES ('p9', 999, 'left', 'other')"),
    ).toThrow(/FOREIGN KEY/);
    expect(raw("UPDATE users SET role = 'admin' WHERE id = ?", anna.id)).toThrow(/role cannot change/);
    expect(raw('DELETE FROM users WHERE id = ?', bob.userId)).toThrow(/FOREIGN KEY/);
  });

  it('rejects bad input with a message naming the field', () => {
    const store = memoryStore();
    const cases: [() => unknown, RegExp][] = [
      [() => addPatient(store, 'a/b'), /^patient\.id: must match/],
      [() => addPatient(store, 'x'.repeat(65)), /^patient\.id: must be 1…64 characters long/],
      [() => addPatient(store, 'p1', { surgeryDate: '2025-02-30' }), /^patient\.surgeryDate: is not a calendar date/],
      [
        () => addPatient(store, 'p1', { treatedSide: 'both' as never }),
        /^patient\.treatedSide: must be one of left, right/,
      ],
      [() => addPatient(store, 'p1', { surgeryType: 'knee' as never }), /^patient\.surgeryType: must be one of/],
      [() => addPatient(store, 'p1', { nickname: 'B' } as never), /^patient\.nickname: unknown field/],
      [() => store.createUser({ role: 'therapist', displayName: 'T' }), /^user\.login: is required for a therapist/],
      [() => store.createUser({ role: 'patient', login: 'pp', displayName: 'P' }), /^user\.role: patients are created/],
      [
        () => store.createUser({ role: 'therapist', login: 'okay', displayName: '' }),
        /^user\.displayName: must be 1…200/,
      ],
      [() => store.createUser({ role: 'therapist', login: 'a b', displayName: 'T' }), /^user\.login: must match/],
      [
        () => store.createUser({ role: 'therapist', login: 'tomas', email: 'no-at', displayName: 'T' }),
        /^user\.email:/,
      ],
    ];
    for (const [fn, message] of cases) expect(errorMessage(fn)).toMatch(message);
    expect(store.listUsers()).toEqual([]);
  });

  it('updates a profile and keeps what is not changed', () => {
    const store = memoryStore();
    addPatient(store, 'p1', { surgeryDate: '2025-02-26', notes: 'uses a walker' });
    const updated = store.updatePatientProfile('p1', {
      displayName: 'Bob B.',
      treatedSide: 'right',
      surgeryDate: null,
    });
    expect(updated).toMatchObject({
      displayName: 'Bob B.',
      treatedSide: 'right',
      surgeryType: 'tha_posterior',
      surgeryDate: null,
      notes: 'uses a walker',
    });
    expect(errorCode(() => store.updatePatientProfile('p2', { notes: '' }))).toBe('not_found');
  });
});

describe('visibility: who sees which patient', () => {
  it('therapists see exactly their assigned patients; admins all; a patient themself; disabled users nobody', () => {
    const store = memoryStore();
    const [t1, t2, t3] = ['tom', 'tia', 'ted'].map((login) => addTherapist(store, login)) as [
      ReturnType<typeof addTherapist>,
      ReturnType<typeof addTherapist>,
      ReturnType<typeof addTherapist>,
    ];
    const admin = store.createUser({ role: 'admin', login: 'root', displayName: 'Admin' });
    const patients = ['pa', 'pb', 'pc', 'pd', 'pe'].map((id) => addPatient(store, id));
    // t1: pa, pb; t2: pb, pc; t3: nobody; pd has two therapists; pe none.
    const assignments: [number, string][] = [
      [t1.id, 'pa'],
      [t1.id, 'pb'],
      [t2.id, 'pb'],
      [t2.id, 'pc'],
      [t1.id, 'pd'],
      [t2.id, 'pd'],
    ];
    for (const [t, p] of assignments) expect(store.assignTherapist(t, p)).toBe(true);
    expect(store.assignTherapist(t1.id, 'pa')).toBe(false);

    expect(store.patientsVisibleTo(t1.id).map((p) => p.id)).toEqual(['pa', 'pb', 'pd']);
    expect(store.patientsVisibleTo(t2.id).map((p) => p.id)).toEqual(['pb', 'pc', 'pd']);
    expect(store.patientsVisibleTo(t3.id)).toEqual([]);
    expect(store.patientsVisibleTo(admin.id).map((p) => p.id)).toEqual(['pa', 'pb', 'pc', 'pd', 'pe']);
    expect(store.patientsVisibleTo(patients[2]!.userId).map((p) => p.id)).toEqual(['pc']);
    expect(store.patientsVisibleTo(12345)).toEqual([]);
    for (const t of [t1, t2, t3]) {
      for (const p of patients) {
        const assigned = assignments.some(([ta, pa]) => ta === t.id && pa === p.id);
        expect(store.canSeePatient(t.id, p.id), `${t.login} → ${p.id}`).toBe(assigned);
      }
    }
    expect(store.therapistsOf('pd').map((u) => u.login)).toEqual(['tia', 'tom']);

    expect(store.unassignTherapist(t1.id, 'pb')).toBe(true);
    expect(store.canSeePatient(t1.id, 'pb')).toBe(false);
    expect(store.canSeePatient(t2.id, 'pb')).toBe(true);

    store.disableUser(t2.id, MONDAY + 5);
    expect(store.getUser(t2.id)?.disabledAt).toBe(MONDAY + 5);
    expect(store.patientsVisibleTo(t2.id)).toEqual([]);
    expect(store.canSeePatient(t2.id, 'pc')).toBe(false);
    expect(errorMessage(() => store.assignTherapist(t2.id, 'pe'))).toMatch(/disabled/);
    expect(errorCode(() => store.assignTherapist(admin.id, 'pe'))).toBe('invalid');
    expect(errorCode(() => store.assertCanSeePatient(t3.id, 'pa'))).toBe('forbidden');
    // A made-up patient id gets the same answer as a real one the viewer may not see.
    expect(errorCode(() => store.assertCanSeePatient(t3.id, 'zz'))).toBe('forbidden');
  });

  it('for any assignment matrix, a therapist sees exactly the assigned patients (100 random matrices)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.boolean(), { minLength: 24, maxLength: 24 }),
        (therapistCount, patientCount, bits) => {
          const store = memoryStore();
          const therapists = Array.from({ length: therapistCount }, (_, i) => addTherapist(store, `ther${i}`));
          const patientIds = Array.from({ length: patientCount }, (_, j) => addPatient(store, `p${j}`).id);
          const assigned = (i: number, j: number) => bits[i * 6 + j]!;
          therapists.forEach((t, i) => patientIds.forEach((p, j) => assigned(i, j) && store.assignTherapist(t.id, p)));
          therapists.forEach((t, i) => {
            expect(store.patientsVisibleTo(t.id).map((p) => p.id)).toEqual(patientIds.filter((_, j) => assigned(i, j)));
            patientIds.forEach((p, j) => expect(store.canSeePatient(t.id, p)).toBe(assigned(i, j)));
          });
          store.close();
        },
      ),
      { numRuns: 100 },
    );
  });
});
