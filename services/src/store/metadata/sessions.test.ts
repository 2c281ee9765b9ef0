import { describe, expect, it } from 'vitest';
import type { ExerciseSummary } from './types.js';
import { addPatient, addTherapist, errorCode, errorMessage, memoryStore, MONDAY } from './test-fixtures.js';

const summary = (s: Partial<ExerciseSummary> & Pick<ExerciseSummary, 'exercise'>): ExerciseSummary => ({
  setsDone: 0,
  repsDone: 0,
  partialReps: 0,
  peakRomDeg: { sagittal: null, frontal: null, transverse: null },
  timeUnderTensionS: 0,
  holdTimeS: 0,
  ...s,
});

function setUp() {
  const store = memoryStore();
  const anna = addTherapist(store, 'anna');
  addPatient(store, 'p1');
  addPatient(store, 'p2');
  store.assignTherapist(anna.id, 'p1');
  store.createPlanVersion({
    patientId: 'p1',
    authorId: anna.id,
    sessionsPerWeek: 5,
    createdAt: MONDAY - 1,
    items: [
      { exercise: 'standing_hip_abduction', sets: 3, reps: 10 },
      { exercise: 'glute_bridge', sets: 2, reps: 12 },
      { exercise: 'hip_flexor_stretch', sets: 1, reps: 3, holdSeconds: 30 },
    ],
  });
  return { store, anna };
}

describe('sessions', () => {
  it('opens, moves through states, ends once; ids are unique per patient only', () => {
    const { store } = setUp();
    const s = store.startSession({ patientId: 'p1', sessionId: '20250303-0930', side: 'left', startedAt: MONDAY });
    expect(s).toEqual({
      patientId: 'p1',
      id: '20250303-0930',
      gatewayId: null,
      side: 'left',
      startedAt: MONDAY,
      endedAt: null,
      state: 'idle',
      planVersion: 1,
    });
    // The gateway chooses session ids: another patient may use the same one.
    expect(
      store.startSession({ patientId: 'p2', sessionId: '20250303-0930', side: 'left', startedAt: MONDAY }).planVersion,
    ).toBeNull();
    expect(
      errorCode(() =>
        store.startSession({ patientId: 'p1', sessionId: '20250303-0930', side: 'left', startedAt: MONDAY }),
      ),
    ).toBe('conflict');
    expect(store.setSessionState('p1', '20250303-0930', 'in_set', MONDAY + 5).state).toBe('in_set');
    expect(errorMessage(() => store.endSession('p1', '20250303-0930', MONDAY - 1))).toBe(
      'at: a session cannot end before it started',
    );
    expect(store.endSession('p1', '20250303-0930', MONDAY + 600_000)).toMatchObject({
      state: 'ended',
      endedAt: MONDAY + 600_000,
    });
    expect(errorCode(() => store.setSessionState('p1', '20250303-0930', 'ready'))).toBe('conflict');
    expect(errorCode(() => store.setSessionState('p1', 'nope', 'ready'))).toBe('not_found');
    expect(errorMessage(() => store.setSessionState('p2', '20250303-0930', 'paused' as never))).toMatch(
      /^state: must be one of idle, calibrating/,
    );
  });

  it('a session names an existing gateway', () => {
    const { store } = setUp();
    const start = { patientId: 'p1', sessionId: 's1', side: 'left' as const, startedAt: MONDAY, gatewayId: 'gw-1' };
    expect(errorCode(() => store.startSession(start))).toBe('not_found');
    store.markGatewaySeen('p1', 'gw-1', MONDAY);
    expect(store.startSession(start).gatewayId).toBe('gw-1');
    expect(errorMessage(() => store.startSession({ ...start, sessionId: 'a+b' }))).toMatch(/^sessionId: must match/);
  });

  it('a summary sets each exercise against the plan version of the session (hand-computed totals)', () => {
    const { store } = setUp();
    store.startSession({ patientId: 'p1', sessionId: 's1', side: 'left', startedAt: MONDAY });
    store.endSession('p1', 's1', MONDAY + 25 * 60_000);
    const report = store.recordSessionSummary({
      patientId: 'p1',
      sessionId: 's1',
      exercises: [
        // abduction: 32 reps done against 30 prescribed, 2 partial
        summary({
          exercise: 'standing_hip_abduction',
          setsDone: 3,
          repsDone: 32,
          partialReps: 2,
          peakRomDeg: { sagittal: 6.5, frontal: 27.25, transverse: 4 },
          timeUnderTensionS: 96.5,
          holdTimeS: 16,
        }),
        // bridge: 18 of 24
        summary({
          exercise: 'glute_bridge',
          setsDone: 2,
          repsDone: 18,
          peakRomDeg: { sagittal: 48, frontal: null, transverse: null },
          timeUnderTensionS: 72,
        }),
        // mini squat: not in the plan
        summary({ exercise: 'mini_squat', setsDone: 1, repsDone: 5, timeUnderTensionS: 20 }),
        // the stretch (1 × 3 holds of 30 s) was not done at all
      ],
    });
    store.recordAlert({ patientId: 'p1', sessionId: 's1', at: MONDAY + 1, level: 'warning', kind: 'compensation' });
    store.recordAlert({ patientId: 'p1', sessionId: 's1', at: MONDAY + 2, level: 'info', kind: 'sensor_data_gap' });

    expect(report.durationS).toBe(1500);
    expect(report.alertsCount).toBe(0);
    expect(report.exercises.map((e) => [e.exercise, e.repsDone, e.prescribedReps, e.prescribedSets])).toEqual([
      ['standing_hip_abduction', 32, 30, 3],
      ['glute_bridge', 18, 24, 2],
      ['hip_flexor_stretch', 0, 3, 1],
      ['mini_squat', 5, 0, 0],
    ]);
    expect(report.exercises[2]!.peakRomDeg).toEqual({ sagittal: null, frontal: null, transverse: null });
    expect(report.exercises[0]!.peakRomDeg).toEqual({ sagittal: 6.5, frontal: 27.25, transverse: 4 });
    // repsDone 32 + 18 + 0 + 5 = 55; prescribed 30 + 24 + 3 = 57; credited min(32,30) + min(18,24) + 0 + min(5,0) = 48
    expect(store.sessionReport('p1', 's1').totals).toEqual({
      repsDone: 55,
      repsPrescribed: 57,
      creditedReps: 48,
      partialReps: 2,
      timeUnderTensionS: 188.5,
      holdTimeS: 16,
    });
    expect(store.sessionReport('p1', 's1').alertsCount).toBe(2);

    // Re-summarising replaces the earlier summary, it does not add to it.
    store.recordSessionSummary({
      patientId: 'p1',
      sessionId: 's1',
      exercises: [summary({ exercise: 'glute_bridge', setsDone: 2, repsDone: 24 })],
    });
    expect(store.exerciseSummaries('p1', 's1').map((e) => [e.exercise, e.repsDone])).toEqual([['glute_bridge', 24]]);
    expect(store.sessionReport('p1', 's1').totals.creditedReps).toBe(24);
  });

  it('rejects bad summaries without touching the stored one', () => {
    const { store } = setUp();
    store.startSession({ patientId: 'p1', sessionId: 's1', side: 'left', startedAt: MONDAY });
    const ok = summary({ exercise: 'glute_bridge', repsDone: 3 });
    store.recordSessionSummary({ patientId: 'p1', sessionId: 's1', exercises: [ok] });
    const bad: [ExerciseSummary[], RegExp][] = [
      [[ok, ok], /^summary\.exercises\[1\]\.exercise: glute_bridge appears twice/],
      [[{ ...ok, repsDone: -1 }], /^summary\.exercises\[0\]\.repsDone: must be an integer 0…10000/],
      [
        [{ ...ok, peakRomDeg: { sagittal: 400, frontal: null, transverse: null } }],
        /peakRomDeg\.sagittal: must be a number/,
      ],
      [[{ ...ok, timeUnderTensionS: Infinity }], /timeUnderTensionS: must be a number/],
      [
        [{ ...ok, peakRomDeg: { sagittal: 1, coronal: 2 } as never }],
        /^summary\.exercises\[0\]\.peakRomDeg\.coronal: unknown field/,
      ],
    ];
    for (const [exercises, message] of bad) {
      expect(errorMessage(() => store.recordSessionSummary({ patientId: 'p1', sessionId: 's1', exercises }))).toMatch(
        message,
      );
    }
    expect(store.exerciseSummaries('p1', 's1')).toEqual([ok]);
  });
});

describe('alerts', () => {
  it('are recorded with angle, value and limit, and acknowledged once by a clinician who sees the patient', () => {
    const { store, anna } = setUp();
    const stranger = addTherapist(store, 'stranger');
    store.startSession({ patientId: 'p1', sessionId: 's1', side: 'left', startedAt: MONDAY });
    const alert = store.recordAlert({
      patientId: 'p1',
      sessionId: 's1',
      at: MONDAY + 60_000,
      t: 1240,
      level: 'warning',
      kind: 'rom_above_limit',
      angle: 'flexion',
      valueDeg: 97.5,
      limitDeg: 90,
      message: 'Hip flexion above 90° after hip replacement',
    });
    expect(alert).toMatchObject({
      id: 1,
      angle: 'flexion',
      valueDeg: 97.5,
      limitDeg: 90,
      acknowledgedBy: null,
      acknowledgedAt: null,
    });
    expect(errorCode(() => store.acknowledgeAlert(alert.id, stranger.id))).toBe('forbidden');
    expect(errorCode(() => store.acknowledgeAlert(alert.id, store.getPatient('p1')!.userId))).toBe('forbidden');
    const acked = store.acknowledgeAlert(alert.id, anna.id, MONDAY + 120_000);
    expect(acked).toMatchObject({ acknowledgedBy: anna.id, acknowledgedAt: MONDAY + 120_000 });
    expect(errorMessage(() => store.acknowledgeAlert(alert.id, anna.id))).toBe(
      `alert 1 was already acknowledged by user ${anna.id}`,
    );
    expect(errorCode(() => store.acknowledgeAlert(99, anna.id))).toBe('not_found');
    expect(() => store.db.prepare('UPDATE alerts SET acknowledged_by = NULL').run()).toThrow(/CHECK constraint/);
    expect(store.alertsOfSession('p1', 's1')).toEqual([acked]);
    expect(errorMessage(() => store.recordAlert({ ...alert, id: undefined } as never))).toMatch(
      /^alert\.id: unknown field/,
    );
    expect(
      errorMessage(() =>
        store.recordAlert({ patientId: 'p1', sessionId: 's1', at: MONDAY, level: 'warning', kind: 'ROM high' }),
      ),
    ).toMatch(/^alert\.kind: must match/);
    expect(
      errorCode(() => store.recordAlert({ patientId: 'p1', sessionId: 'nope', at: MONDAY, level: 'info', kind: 'x' })),
    ).toBe('not_found');
  });
});

describe('gateways', () => {
  it('keep the last status; last seen moves forward only on signs of life', () => {
    const { store } = setUp();
    const online = {
      state: 'online' as const,
      t: 86400.5,
      software: 'hipmon-gateway 0.1.0',
      sensors: [
        { role: 'pelvis' as const, connected: true, batteryPct: 81 },
        { role: 'thigh_left' as const, connected: false },
      ],
    };
    expect(store.recordGatewayStatus({ patientId: 'p1', gatewayId: 'gw-1', status: online, at: MONDAY })).toEqual({
      id: 'gw-1',
      patientId: 'p1',
      lastStatus: 'online',
      lastStatusAt: MONDAY,
      software: 'hipmon-gateway 0.1.0',
      sensors: online.sensors,
      lastSeenAt: MONDAY,
    });
    store.markGatewaySeen('p1', 'gw-1', MONDAY + 5000);
    store.markGatewaySeen('p1', 'gw-1', MONDAY + 3000); // a late frame does not move it back
    // The broker's will says offline: status changes, last seen and the last known sensors stay.
    const will = store.recordGatewayStatus({
      patientId: 'p1',
      gatewayId: 'gw-1',
      status: { state: 'offline' },
      at: MONDAY + 9000,
    });
    expect(will).toMatchObject({
      lastStatus: 'offline',
      lastStatusAt: MONDAY + 9000,
      lastSeenAt: MONDAY + 5000,
      software: 'hipmon-gateway 0.1.0',
      sensors: online.sensors,
    });
    expect(store.gatewaysOf('p1').map((g) => g.id)).toEqual(['gw-1']);
    // Reissued to another home, it follows its new patient.
    store.recordGatewayStatus({ patientId: 'p2', gatewayId: 'gw-1', status: online, at: MONDAY + 10_000 });
    expect([store.gatewaysOf('p1'), store.getGateway('gw-1')?.patientId]).toEqual([[], 'p2']);
    expect(
      errorMessage(() =>
        store.recordGatewayStatus({
          patientId: 'p1',
          gatewayId: 'gw-1',
          status: { state: 'online', sensors: [{ role: 'pelvis', connected: true, batteryPct: 120 }] },
          at: MONDAY,
        }),
      ),
    ).toMatch(/^status: sensors\.0\.batteryPct/);
    expect(
      errorCode(() => store.recordGatewayStatus({ patientId: 'p1', gatewayId: 'gw/1', status: online, at: MONDAY })),
    ).toBe('invalid');
    expect(errorCode(() => store.markGatewaySeen('p9', 'gw-2', MONDAY))).toBe('not_found');
  });
});
