import { describe, expect, it } from 'vitest';
import { PatientLiveState, setProgressText } from './patient-live-state.js';
import type { LiveSocketMessage } from './patient-live-state.js';

const P = 'p1';
const state = (sessionId: string, payload: Record<string, unknown>): LiveSocketMessage => ({
  type: 'state',
  patientId: P,
  sessionId,
  payload: { t: 1, ...payload },
});
const rep = (sessionId: string, set: number, n: number, rom: number, exercise = 'glute_bridge'): LiveSocketMessage => ({
  type: 'reps',
  patientId: P,
  sessionId,
  payload: { exercise, side: 'left', set, rep: n, start: n, end: n + 1, rom, peak: {} },
});

describe('PatientLiveState', () => {
  it('counts each repetition once, with the last and best ROM', () => {
    const live = new PatientLiveState();
    const roms = [20, 31.5, 27, 30];
    for (const [i, rom] of roms.entries()) live.apply(rep('s1', 1, i + 1, rom));
    // The same rep events again (a resent QoS 1 message, a reconnect): nothing changes.
    for (const [i, rom] of roms.entries()) expect(live.apply(rep('s1', 1, i + 1, rom))).toEqual([]);
    expect(live.repCount).toBe(4);
    expect(live.lastRep).toEqual({ exercise: 'glute_bridge', set: 1, rep: 4, romDeg: 30 });
    expect(live.bestRomDeg).toBe(31.5);
    // Rep 1 of the second set and of another exercise are different repetitions.
    live.apply(rep('s1', 2, 1, 10));
    live.apply(rep('s1', 1, 1, 12, 'mini_squat'));
    expect(live.repCount).toBe(6);
    expect(live.bestRomDeg).toBe(31.5);
  });

  it('takes over a new running session from zero, and leaves an ended session it did not show alone', () => {
    const live = new PatientLiveState();
    // Retained states of past sessions come with each subscription: none of them is shown.
    expect(live.apply(state('old', { state: 'ended' }))).toEqual([]);
    expect(live.sessionId).toBeNull();

    expect(live.apply(state('s1', { state: 'idle' }))).toEqual([
      { kind: 'session', sessionId: 's1' },
      { kind: 'state', info: { state: 'idle', exercise: null, set: null, setReps: null, targetReps: null } },
    ]);
    expect(setProgressText(live.info!)).toBe('–');
    live.apply(rep('s1', 1, 1, 25));
    expect(live.repCount).toBe(1);

    // Another old session's retained end while s1 runs: s1 stays.
    expect(live.apply(state('old', { state: 'ended' }))).toEqual([]);
    expect([live.sessionId, live.repCount, live.ended]).toEqual(['s1', 1, false]);

    const angles = {
      type: 'angles',
      patientId: P,
      sessionId: 's2',
      payload: { t: 5, flexion: 1, abduction: 2, rotation: 3 },
    };
    expect(live.apply(angles)).toEqual([
      { kind: 'session', sessionId: 's2' },
      { kind: 'angles', t: 5, flexion: 1, abduction: 2, rotation: 3 },
    ]);
    expect([live.sessionId, live.repCount, live.lastRep, live.bestRomDeg, live.info]).toEqual([
      's2',
      0,
      null,
      null,
      null,
    ]);
  });

  it('keeps the exercise and set of the last state when a state without them comes (rest, end)', () => {
    const live = new PatientLiveState();
    live.apply(state('s1', { state: 'in_set', exercise: 'standing_hip_abduction', set: 2, reps: 4, targetReps: 10 }));
    expect(live.info).toEqual({
      state: 'in_set',
      exercise: 'standing_hip_abduction',
      set: 2,
      setReps: 4,
      targetReps: 10,
    });
    live.apply(state('s1', { state: 'ended' }));
    expect(live.ended).toBe(true);
    expect(live.info).toEqual({
      state: 'ended',
      exercise: 'standing_hip_abduction',
      set: 2,
      setReps: 4,
      targetReps: 10,
    });
    expect(setProgressText(live.info!)).toBe('standing_hip_abduction, set 2: 4/10');
    expect(setProgressText(live.info!, (id) => (id === 'standing_hip_abduction' ? 'Standing hip abduction' : id))).toBe(
      'Standing hip abduction, set 2: 4/10',
    );
    // The ended session stays shown until another one starts.
    expect(live.sessionId).toBe('s1');
  });

  it('marks the crossed precaution limits among the alerts', () => {
    const live = new PatientLiveState();
    const alert = (code: string, level = 'warning') =>
      live.apply({ type: 'alerts', patientId: P, sessionId: 's1', payload: { t: 3, level, code, message: code } });
    const kinds = [
      'abduction_above_limit',
      'rotation_below_limit',
      'rom_above_limit',
      'sensor_data_gap',
      'compensation',
    ];
    const precaution = kinds.map((code) => {
      const updates = alert(code);
      const last = updates.at(-1)!;
      return last.kind === 'alert' ? last.alert.precaution : null;
    });
    expect(precaution).toEqual([true, true, true, false, false]);
  });

  it('follows the gateway status and ignores what it cannot read', () => {
    const live = new PatientLiveState();
    expect(live.gatewayOnline).toBeNull();
    expect(live.apply({ type: 'gateway', patientId: P, gatewayId: 'g', payload: { state: 'online' } })).toEqual([
      { kind: 'gateway', online: true },
    ]);
    // A deleted retained status (null payload) is no value, not "offline".
    expect(live.apply({ type: 'gateway', patientId: P, gatewayId: 'g', payload: null })).toEqual([]);
    expect(live.gatewayOnline).toBe(true);
    live.apply({ type: 'gateway', patientId: P, gatewayId: 'g', payload: { state: 'offline' } });
    expect(live.gatewayOnline).toBe(false);

    live.apply(state('s1', { state: 'in_set' }));
    const bad: LiveSocketMessage[] = [
      { type: 'reps', sessionId: 's1', payload: { exercise: 'glute_bridge', set: 1, rep: 1 } }, // no rom
      { type: 'angles', sessionId: 's1', payload: { t: 1, flexion: 'x', abduction: 0, rotation: 0 } },
      { type: 'alerts', sessionId: 's1', payload: { level: 'warning' } },
      { type: 'subscribed', patientId: P },
      { type: 'reps', payload: { exercise: 'glute_bridge', set: 1, rep: 1, rom: 3 } }, // no session
    ];
    for (const m of bad) expect(live.apply(m)).toEqual([]);
    expect([live.sessionId, live.repCount]).toEqual(['s1', 0]);
  });
});
