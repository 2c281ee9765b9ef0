import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { postOpWeek, weekStartOf } from './time.js';
import type { ExerciseSummary } from './types.js';
import { addPatient, addTherapist, DAY, errorCode, HOUR, memoryStore, MONDAY } from './test-fixtures.js';

const MIN = 60_000;
const WEEK = 7 * DAY;

/**
 * Patient p1 (surgery Wednesday 2025-02-26), the week of Monday 2025-03-03 and its neighbours:
 *   plan v1 (2025-02-20): 5 sessions/week, abduction 3×10 (target 25°), bridge 2×10  → 50 reps per session
 *   plan v2 (Thursday):   4 sessions/week, abduction 2×10 (target 30°), bridge 2×10  → 40 reps per session
 *   session   started             plan  abduction reps / frontal peak   bridge reps / sagittal peak
 *   prev      Sun 03-02 23:59     v1    30 / 18°                        20 / –
 *   s1        Mon 03-03 09:00     v1    30 / 20°                        20 / 40°
 *   s2        Wed 03-05 09:00     v1    35 / 24°                        10 / –
 *   s3        Sun 03-09 23:30     v2    10 / 26°                         0 / –
 *   next      Mon 03-10 00:00     v2    20 / 30°                         – / –
 *   s4        Tue 03-11 10:00     v2     8 / (none)                      – / –
 */
function setUp() {
  const store = memoryStore();
  const anna = addTherapist(store, 'anna');
  const bert = addTherapist(store, 'bert');
  const admin = store.createUser({ role: 'admin', login: 'root', displayName: 'Admin' });
  addPatient(store, 'p1', { displayName: 'Alice', surgeryDate: '2025-02-26' });
  addPatient(store, 'p2', { displayName: 'Bruno' });
  addPatient(store, 'p3', { displayName: 'Chen' });
  store.assignTherapist(anna.id, 'p1');
  store.assignTherapist(anna.id, 'p2');
  store.assignTherapist(bert.id, 'p3');
  const items = (abductionSets: number, target: number) => [
    { exercise: 'standing_hip_abduction' as const, sets: abductionSets, reps: 10, targetRomDeg: target },
    { exercise: 'glute_bridge' as const, sets: 2, reps: 10 },
  ];
  store.createPlanVersion({
    patientId: 'p1',
    authorId: anna.id,
    sessionsPerWeek: 5,
    items: items(3, 25),
    createdAt: Date.UTC(2025, 1, 20),
  });
  store.createPlanVersion({
    patientId: 'p1',
    authorId: anna.id,
    sessionsPerWeek: 4,
    items: items(2, 30),
    createdAt: MONDAY + 3 * DAY,
  });

  const session = (
    id: string,
    startedAt: number,
    abduction: [number, number | null],
    bridge?: [number, number | null],
  ) => {
    store.startSession({ patientId: 'p1', sessionId: id, side: 'left', startedAt });
    store.endSession('p1', id, startedAt + 20 * MIN);
    const exercises: ExerciseSummary[] = [
      {
        exercise: 'standing_hip_abduction',
        setsDone: 3,
        repsDone: abduction[0],
        partialReps: 0,
        peakRomDeg: { sagittal: 3, frontal: abduction[1], transverse: 2 },
        timeUnderTensionS: 60,
        holdTimeS: 0,
      },
    ];
    if (bridge) {
      exercises.push({
        exercise: 'glute_bridge',
        setsDone: 2,
        repsDone: bridge[0],
        partialReps: 0,
        peakRomDeg: { sagittal: bridge[1], frontal: null, transverse: null },
        timeUnderTensionS: 40,
        holdTimeS: 0,
      });
    }
    store.recordSessionSummary({ patientId: 'p1', sessionId: id, exercises });
  };
  session('prev', MONDAY - MIN, [30, 18], [20, null]);
  session('s1', MONDAY + 9 * HOUR, [30, 20], [20, 40]);
  session('s2', MONDAY + 2 * DAY + 9 * HOUR, [35, 24], [10, null]);
  session('s3', MONDAY + 6 * DAY + 23.5 * HOUR, [10, 26], [0, null]);
  session('next', MONDAY + WEEK, [20, 30]);
  session('s4', MONDAY + WEEK + DAY + 10 * HOUR, [8, null]);

  store.startSession({ patientId: 'p3', sessionId: 'x1', side: 'right', startedAt: MONDAY });
  const alert = (patientId: string, sessionId: string, at: number) =>
    store.recordAlert({ patientId, sessionId, at, level: 'warning', kind: 'rom_above_limit' });
  const a1 = alert('p1', 's1', MONDAY + 9 * HOUR + MIN);
  alert('p1', 's2', MONDAY + 2 * DAY + 9 * HOUR + MIN);
  const a3 = alert('p3', 'x1', MONDAY + MIN);
  store.acknowledgeAlert(a1.id, anna.id, MONDAY + 10 * HOUR);
  return { store, anna, bert, admin, a3 };
}

describe('dashboard: adherence and the patient list', () => {
  it('adherence of a week: sessions and credited reps against the plan in force at its end (hand-computed)', () => {
    const { store, anna } = setUp();
    // Sessions s1, s2, s3; credited reps 50 (30+20), 40 (min(35,30)+10), 10 (min(10,20)+0) = 100;
    // prescribed by v2: 4 sessions × 40 reps = 160.
    expect(store.weeklyAdherence(anna.id, 'p1', MONDAY)).toEqual({
      weekStart: MONDAY,
      weekEnd: MONDAY + WEEK,
      planVersion: 2,
      sessionsDone: 3,
      sessionsPrescribed: 4,
      repsDone: 100,
      repsPrescribed: 160,
      sessionRatio: 0.75,
      repRatio: 0.625,
    });
    // The week before: only 'prev' (50 credited reps) against v1's 5 × 50.
    expect(store.weeklyAdherence(anna.id, 'p1', MONDAY - WEEK)).toMatchObject({
      planVersion: 1,
      sessionsDone: 1,
      repsDone: 50,
      repsPrescribed: 250,
      sessionRatio: 0.2,
      repRatio: 0.2,
    });
  });

  it("lists only the viewer's patients, with last session, adherence and open alerts", () => {
    const { store, anna, bert, admin } = setUp();
    const list = store.patientList(anna.id, { weekStart: MONDAY });
    expect(list.map((e) => e.patient.id)).toEqual(['p1', 'p2']);
    const [alice, bruno] = list as [(typeof list)[0], (typeof list)[0]];
    expect(alice.lastSession).toMatchObject({ id: 's4', startedAt: MONDAY + WEEK + DAY + 10 * HOUR });
    expect(alice.adherence.repRatio).toBe(0.625);
    expect(alice.openAlerts).toBe(1);
    expect(bruno).toEqual({
      patient: expect.objectContaining({ id: 'p2', displayName: 'Bruno' }),
      lastSession: null,
      adherence: {
        weekStart: MONDAY,
        weekEnd: MONDAY + WEEK,
        planVersion: null,
        sessionsDone: 0,
        sessionsPrescribed: 0,
        repsDone: 0,
        repsPrescribed: 0,
        sessionRatio: null,
        repRatio: null,
      },
      openAlerts: 0,
    });
    expect(store.patientList(bert.id, { weekStart: MONDAY }).map((e) => [e.patient.id, e.openAlerts])).toEqual([
      ['p3', 1],
    ]);
    expect(store.patientList(admin.id, { weekStart: MONDAY }).map((e) => e.patient.id)).toEqual(['p1', 'p2', 'p3']);
  });

  it('open alerts: unacknowledged, of visible patients only, newest first', () => {
    const { store, anna, bert, admin, a3 } = setUp();
    expect(store.openAlerts(anna.id).map((a) => [a.patientId, a.sessionId, a.patientName])).toEqual([
      ['p1', 's2', 'Alice'],
    ]);
    expect(store.openAlerts(bert.id).map((a) => a.id)).toEqual([a3.id]);
    expect(store.openAlerts(admin.id).map((a) => a.sessionId)).toEqual(['s2', 'x1']);
    expect(store.openAlerts(admin.id, { patientId: 'p3' }).map((a) => a.sessionId)).toEqual(['x1']);
    expect(store.openAlerts(admin.id, { limit: 1 }).map((a) => a.sessionId)).toEqual(['s2']);
    expect(errorCode(() => store.openAlerts(anna.id, { patientId: 'p3' }))).toBe('forbidden');
  });

  it('session history: newest first, paged, each against its own plan version; others are forbidden', () => {
    const { store, anna, bert } = setUp();
    const page = store.sessionHistory(anna.id, 'p1', { limit: 2 });
    expect(page.map((r) => [r.session.id, r.session.planVersion, r.totals.creditedReps])).toEqual([
      ['s4', 2, 8],
      ['next', 2, 20],
    ]);
    const older = store.sessionHistory(anna.id, 'p1', { before: MONDAY + 9 * HOUR });
    expect(older.map((r) => [r.session.id, r.totals.repsPrescribed, r.durationS])).toEqual([['prev', 50, 1200]]);
    expect(store.sessionHistory(anna.id, 'p1').map((r) => r.session.id)).toEqual([
      's4',
      'next',
      's3',
      's2',
      's1',
      'prev',
    ]);
    expect(store.sessionHistory(anna.id, 'p1', { limit: 6 })[1]!.alertsCount).toBe(0);
    expect(store.sessionHistory(anna.id, 'p1')[3]!.alertsCount).toBe(1);
    expect(errorCode(() => store.sessionHistory(bert.id, 'p1'))).toBe('forbidden');
    expect(errorCode(() => store.weeklyAdherence(bert.id, 'p1', MONDAY))).toBe('forbidden');
    expect(errorCode(() => store.exerciseProgress(bert.id, 'p1'))).toBe('forbidden');
  });
});

describe('dashboard: progress per exercise', () => {
  it('peak ROM per session in the primary plane, by calendar week (hand-computed)', () => {
    const { store, anna } = setUp();
    const [abduction, bridge] = store.exerciseProgress(anna.id, 'p1');
    expect(abduction!.exercise).toBe('standing_hip_abduction');
    expect(abduction!.plane).toBe('frontal');
    // s4 has no frontal peak: left out.
    expect(abduction!.points.map((p) => [p.sessionId, p.peakRomDeg, p.targetRomDeg, p.postOpWeek])).toEqual([
      ['prev', 18, 25, 0],
      ['s1', 20, 25, 0],
      ['s2', 24, 25, 1],
      ['s3', 26, 30, 1],
      ['next', 30, 30, 1],
    ]);
    expect(abduction!.weeks).toHaveLength(3);
    expect(abduction!.weeks[0]).toEqual({
      weekStart: MONDAY - WEEK,
      postOpWeek: null,
      sessions: 1,
      bestPeakRomDeg: 18,
      meanPeakRomDeg: 18,
    });
    expect(abduction!.weeks[1]).toMatchObject({ weekStart: MONDAY, sessions: 3, bestPeakRomDeg: 26 });
    expect(abduction!.weeks[1]!.meanPeakRomDeg).toBeCloseTo(70 / 3, 12);
    expect(abduction!.weeks[2]).toMatchObject({ weekStart: MONDAY + WEEK, sessions: 1, bestPeakRomDeg: 30 });
    // The bridge's progress is sagittal; only s1 has a sagittal peak.
    expect(bridge).toEqual({
      exercise: 'glute_bridge',
      plane: 'sagittal',
      points: [{ sessionId: 's1', startedAt: MONDAY + 9 * HOUR, peakRomDeg: 40, targetRomDeg: null, postOpWeek: 0 }],
      weeks: [{ weekStart: MONDAY, postOpWeek: null, sessions: 1, bestPeakRomDeg: 40, meanPeakRomDeg: 40 }],
    });
  });

  it("weeks in the clinic's time zone, weeks since surgery, and filters", () => {
    const { store, anna } = setUp();
    // UTC+1: 'prev' (Sun 23:59 UTC) falls on local Monday 03-03, s3 (Sun 23:30 UTC) on local Monday 03-10.
    const [cet] = store.exerciseProgress(anna.id, 'p1', { exercise: 'standing_hip_abduction', utcOffsetMinutes: 60 });
    expect(cet!.weeks.map((w) => [w.weekStart, w.sessions, w.bestPeakRomDeg, w.meanPeakRomDeg])).toEqual([
      [MONDAY - HOUR, 3, 24, 62 / 3],
      [MONDAY + WEEK - HOUR, 2, 30, 28],
    ]);
    // Post-operative weeks from Wednesday 02-26: week 0 = 02-26…03-04 (prev, s1), week 1 = 03-05…03-11.
    const [postOp] = store.exerciseProgress(anna.id, 'p1', {
      exercise: 'standing_hip_abduction',
      weekBasis: 'post_op',
    });
    expect(
      postOp!.weeks.map((w) => [w.postOpWeek, w.weekStart, w.sessions, w.bestPeakRomDeg, w.meanPeakRomDeg]),
    ).toEqual([
      [0, Date.UTC(2025, 1, 26), 2, 20, 19],
      [1, Date.UTC(2025, 2, 5), 3, 30, 80 / 3],
    ]);
    const window = store.exerciseProgress(anna.id, 'p1', { from: MONDAY, to: MONDAY + WEEK });
    expect(window.map((e) => [e.exercise, e.points.map((p) => p.sessionId)])).toEqual([
      ['standing_hip_abduction', ['s1', 's2', 's3']],
      ['glute_bridge', ['s1']],
    ]);
    expect(store.exerciseProgress(anna.id, 'p1', { exercise: 'mini_squat' })).toEqual([]);
    expect(errorCode(() => store.exerciseProgress(anna.id, 'p2', { weekBasis: 'post_op' }))).toBe('invalid');
  });
});

describe('calendar helpers', () => {
  it('weekStartOf: Monday 00:00 local, for any instant and offset', () => {
    expect(weekStartOf(MONDAY)).toBe(MONDAY);
    expect(weekStartOf(MONDAY + WEEK - 1)).toBe(MONDAY);
    expect(weekStartOf(MONDAY + WEEK)).toBe(MONDAY + WEEK);
    expect(weekStartOf(MONDAY - 1)).toBe(MONDAY - WEEK);
    expect(weekStartOf(MONDAY - 30 * MIN, 60)).toBe(MONDAY - HOUR);
    expect(weekStartOf(MONDAY + 2 * HOUR, -300)).toBe(MONDAY - WEEK + 5 * HOUR);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: -720, max: 840 }), (at, offset) => {
        const start = weekStartOf(at, offset);
        expect(start).toBeLessThanOrEqual(at);
        expect(at - start).toBeLessThan(WEEK);
        const local = new Date(start + offset * MIN);
        expect([local.getUTCDay(), local.getUTCHours(), local.getUTCMinutes()]).toEqual([1, 0, 0]);
      }),
      { numRuns: 2000 },
    );
  });

  it('postOpWeek: 0 from the surgery day for seven days', () => {
    expect(postOpWeek(Date.UTC(2025, 1, 26), '2025-02-26')).toBe(0);
    expect(postOpWeek(Date.UTC(2025, 2, 4, 23, 59), '2025-02-26')).toBe(0);
    expect(postOpWeek(Date.UTC(2025, 2, 5), '2025-02-26')).toBe(1);
    expect(postOpWeek(Date.UTC(2025, 1, 25, 12), '2025-02-26')).toBe(-1);
  });
});
