import { describe, expect, it } from 'vitest';
import { decodeJsonPayload, encodeJsonPayload, planPayloadSchema } from '@hipmon/core';
import { effectiveLimits, targetPeakAngle } from './precautions.js';
import type { NewPlanVersion } from './plans.js';
import { toPlanPayload } from './plans.js';
import { addPatient, addTherapist, DAY, errorCode, errorMessage, memoryStore, MONDAY } from './test-fixtures.js';

function setUp() {
  const store = memoryStore();
  const anna = addTherapist(store, 'anna');
  const other = addTherapist(store, 'other');
  addPatient(store, 'p1', { treatedSide: 'right', surgeryDate: '2025-02-26' });
  store.assignTherapist(anna.id, 'p1');
  const plan = (extra: Partial<NewPlanVersion> = {}): NewPlanVersion => ({
    patientId: 'p1',
    authorId: anna.id,
    sessionsPerWeek: 5,
    items: [
      { exercise: 'standing_hip_abduction', sets: 3, reps: 10, targetRomDeg: 25, tempoSeconds: 4 },
      { exercise: 'hip_flexor_stretch', sets: 1, reps: 3, holdSeconds: 30, notes: 'gently' },
    ],
    precautions: { preset: 'posterior_tha' },
    ...extra,
  });
  return { store, anna, other, plan };
}

describe('plan versions', () => {
  it('each change is a new immutable version; current and history follow', () => {
    const { store, plan } = setUp();
    expect(store.currentPlan('p1')).toBeNull();
    expect(store.planPayload('p1')).toBeNull();
    const v1 = store.createPlanVersion(plan({ createdAt: MONDAY }));
    const v2 = store.createPlanVersion(
      plan({ createdAt: MONDAY + DAY, items: [{ exercise: 'glute_bridge', sets: 2, reps: 12 }], notes: 'progressing' }),
    );
    expect([v1.version, v2.version]).toEqual([1, 2]);
    expect(v1.items).toEqual([
      {
        position: 1,
        exercise: 'standing_hip_abduction',
        sets: 3,
        reps: 10,
        targetRomDeg: 25,
        holdSeconds: null,
        tempoSeconds: 4,
        notes: '',
      },
      {
        position: 2,
        exercise: 'hip_flexor_stretch',
        sets: 1,
        reps: 3,
        targetRomDeg: null,
        holdSeconds: 30,
        tempoSeconds: null,
        notes: 'gently',
      },
    ]);
    expect(store.currentPlan('p1')).toEqual(v2);
    expect(store.planHistory('p1')).toEqual([v2, v1]);
    expect(store.planVersion('p1', 1)).toEqual(v1);
    expect(store.planInForceAt('p1', MONDAY + DAY - 1)?.version).toBe(1);
    expect(store.planInForceAt('p1', MONDAY + DAY)?.version).toBe(2);
    expect(store.planInForceAt('p1', MONDAY - 1)).toBeNull();
    expect(() => store.db.prepare('UPDATE plan_items SET reps = 99').run()).toThrow(/immutable/);
    expect(() => store.db.prepare('DELETE FROM plan_versions').run()).toThrow(/immutable/);
    expect(store.planHistory('p1')).toEqual([v2, v1]);
  });

  it('a new version applies from the next session; a running session keeps its version', () => {
    const { store, plan } = setUp();
    store.createPlanVersion(plan({ createdAt: MONDAY }));
    const a = store.startSession({ patientId: 'p1', sessionId: 'a', side: 'right', startedAt: MONDAY + 10 });
    store.createPlanVersion(plan({ createdAt: MONDAY + 20, sessionsPerWeek: 3 }));
    store.endSession('p1', 'a', MONDAY + 30);
    const b = store.startSession({ patientId: 'p1', sessionId: 'b', side: 'right', startedAt: MONDAY + 40 });
    expect([a.planVersion, store.getSession('p1', 'a')?.planVersion, b.planVersion]).toEqual([1, 1, 2]);
  });

  it('only an assigned therapist or an admin prescribes', () => {
    const { store, plan, other } = setUp();
    const admin = store.createUser({ role: 'admin', login: 'root', displayName: 'Admin' });
    const patientUser = store.getPatient('p1')!.userId;
    expect(errorCode(() => store.createPlanVersion(plan({ authorId: other.id })))).toBe('forbidden');
    expect(errorCode(() => store.createPlanVersion(plan({ authorId: patientUser })))).toBe('forbidden');
    expect(errorCode(() => store.createPlanVersion(plan({ authorId: 999 })))).toBe('not_found');
    expect(errorCode(() => store.createPlanVersion(plan({ patientId: 'p9' })))).toBe('not_found');
    expect(store.createPlanVersion(plan({ authorId: admin.id })).createdBy).toBe(admin.id);
  });

  it('rejects bad plans with a message naming the field, and stores nothing', () => {
    const { store, plan } = setUp();
    const item = { exercise: 'glute_bridge' as const, sets: 2, reps: 10 };
    const cases: [Partial<NewPlanVersion>, RegExp][] = [
      [{ items: [] }, /^plan\.items: must be a list of 1…50/],
      [{ items: Array.from({ length: 51 }, () => item) }, /^plan\.items: must be a list of 1…50/],
      [{ items: [item, { ...item, sets: 3 }] }, /^plan\.items\[1\]\.exercise: glute_bridge is already in the plan/],
      [{ items: [{ ...item, sets: 0 }] }, /^plan\.items\[0\]\.sets: must be an integer 1…20/],
      [{ items: [{ ...item, reps: 2.5 }] }, /^plan\.items\[0\]\.reps: must be an integer/],
      [{ items: [{ ...item, exercise: 'push_up' as never }] }, /^plan\.items\[0\]\.exercise: must be one of/],
      [{ items: [{ ...item, holdSeconds: 0 }] }, /^plan\.items\[0\]\.holdSeconds: must be a number > 0/],
      [{ items: [{ ...item, targetRomDeg: Number.NaN }] }, /^plan\.items\[0\]\.targetRomDeg: must be a number/],
      [{ items: [{ ...item, notes: 'x'.repeat(501) }] }, /^plan\.items\[0\]\.notes: must be 0…500/],
      [{ items: [{ ...item, weight: 2 } as never] }, /^plan\.items\[0\]\.weight: unknown field/],
      [{ sessionsPerWeek: 0 }, /^plan\.sessionsPerWeek: must be an integer 1…21/],
      [{ precautions: { preset: 'knee' as never } }, /^plan\.precautions\.preset: must be one of posterior_tha/],
      [{ precautions: { limits: { flexion: { min: 10, max: 5 } } } }, /flexion: min 10° must be below max 5°/],
      // The preset's max 90° stays; a custom min of 95° cannot sit above it.
      [{ precautions: { preset: 'posterior_tha', limits: { flexion: { min: 95 } } } }, /min 95° must be below max 90°/],
      [{ precautions: { limits: { pelvis: {} } as never } }, /^plan\.precautions\.limits\.pelvis: unknown field/],
    ];
    for (const [extra, message] of cases)
      expect(errorMessage(() => store.createPlanVersion(plan(extra)))).toMatch(message);
    expect(store.planHistory('p1')).toEqual([]);
  });

  it('a target beyond the precautions is refused, naming the angle and the limit', () => {
    const { store, plan } = setUp();
    // Standing hip flexion starts at 0°: a 100° target reaches flexion 100°, past posterior_tha's 90°.
    expect(targetPeakAngle('standing_hip_flexion', 100)).toEqual({ angle: 'flexion', value: 100 });
    const flexion = { exercise: 'standing_hip_flexion' as const, sets: 2, reps: 10, targetRomDeg: 100 };
    expect(errorMessage(() => store.createPlanVersion(plan({ items: [flexion] })))).toBe(
      'plan.items[0].targetRomDeg: standing_hip_flexion: target 100° takes flexion to 100°, above the precaution limit of 90°',
    );
    expect(store.createPlanVersion(plan({ items: [{ ...flexion, targetRomDeg: 90 }] })).version).toBe(1);
    // A glute bridge from 50° of flexion with a 60° target reaches −10°: past anterior_tha's "no extension".
    expect(targetPeakAngle('glute_bridge', 60)).toEqual({ angle: 'flexion', value: -10 });
    const bridge = { exercise: 'glute_bridge' as const, sets: 2, reps: 10, targetRomDeg: 60 };
    expect(
      errorMessage(() => store.createPlanVersion(plan({ items: [bridge], precautions: { preset: 'anterior_tha' } }))),
    ).toMatch(/takes flexion to -10°, below the precaution limit of 0°/);
    // A custom bound loosens the preset for a patient cleared for it.
    const cleared = { preset: 'anterior_tha' as const, limits: { flexion: { min: -15 } } };
    expect(store.createPlanVersion(plan({ items: [bridge], precautions: cleared })).precautions).toEqual({
      preset: 'anterior_tha',
      limits: { flexion: { min: -15 }, rotation: { min: 0 } },
    });
  });

  it('effective limits: a preset, with custom bounds replacing the same side of the same angle', () => {
    expect(effectiveLimits('posterior_tha')).toEqual({
      flexion: { max: 90 },
      abduction: { min: 0 },
      rotation: { max: 0 },
    });
    expect(effectiveLimits('posterior_tha', { flexion: { max: 80, min: -10 }, rotation: { min: -20 } })).toEqual({
      flexion: { min: -10, max: 80 },
      abduction: { min: 0 },
      rotation: { min: -20, max: 0 },
    });
    expect(effectiveLimits(null, { abduction: { max: 30 } })).toEqual({ abduction: { max: 30 } });
    expect(effectiveLimits(null)).toEqual({});
  });
});

describe('the retained plan payload', () => {
  it('is the current version with the treated side, and validates against the wire schema', () => {
    const { store, plan } = setUp();
    store.createPlanVersion(plan({ notes: 'twice a day if you can' }));
    const payload = store.planPayload('p1')!;
    expect(payload).toEqual({
      version: 1,
      exercises: [
        { exercise: 'standing_hip_abduction', sets: 3, reps: 10, targetRomDeg: 25, tempoSeconds: 4 },
        { exercise: 'hip_flexor_stretch', sets: 1, reps: 3, holdSeconds: 30, notes: 'gently' },
      ],
      side: 'right',
      sessionsPerWeek: 5,
      precautions: {
        preset: 'posterior_tha',
        limits: { flexion: { max: 90 }, abduction: { min: 0 }, rotation: { max: 0 } },
      },
      notes: 'twice a day if you can',
    });
    expect(planPayloadSchema.safeParse(payload).success).toBe(true);
    expect(decodeJsonPayload(planPayloadSchema, encodeJsonPayload(planPayloadSchema, payload))).toEqual(payload);
  });

  it('leaves out what is absent, so a plan without precautions is the minimal form', () => {
    const { store, plan } = setUp();
    const v = store.createPlanVersion(
      plan({ items: [{ exercise: 'mini_squat', sets: 2, reps: 8 }], precautions: undefined }),
    );
    expect(toPlanPayload(v)).toEqual({
      version: 1,
      exercises: [{ exercise: 'mini_squat', sets: 2, reps: 8 }],
      sessionsPerWeek: 5,
    });
  });

  it('the extended wire schema rejects inconsistent limits and stays open to fields it does not know', () => {
    const base = { version: 1, exercises: [{ exercise: 'mini_squat', sets: 1, reps: 5 }] };
    const parse = (extra: object) => planPayloadSchema.safeParse({ ...base, ...extra });
    expect(parse({ precautions: { limits: { flexion: { min: 10, max: 5 } } } }).success).toBe(false);
    expect(parse({ precautions: { preset: 'Posterior THA', limits: {} } }).success).toBe(false);
    expect(parse({ sessionsPerWeek: 0 }).success).toBe(false);
    expect(parse({ side: 'both' }).success).toBe(false);
    expect(parse({ futureField: true }).data).toEqual(base);
  });
});
