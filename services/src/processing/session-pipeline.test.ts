import { describe, expect, it } from 'vitest';
import { EXERCISE_CATALOGUE, frameSampleTimes } from '@hipmon/core';
import type { ExerciseId, PlanPayload } from '@hipmon/core';
import { SessionPipeline } from './session-pipeline.js';
import type { PipelineOutput } from './session-pipeline.js';
import { planFor, runPipeline, simulateLiveSession } from './test-sessions.js';

const VARIABLE = { rom: 0.08, tempo: 0.1, offPlaneDeg: 1 };
const of = <K extends PipelineOutput['kind']>(outputs: PipelineOutput[], kind: K) =>
  outputs.filter((o): o is Extract<PipelineOutput, { kind: K }> => o.kind === kind);

describe('SessionPipeline over simulated sessions', () => {
  const cases: [ExerciseId, 'left' | 'right', number][] = [
    ['standing_hip_abduction', 'left', 8],
    ['glute_bridge', 'right', 10],
    ['side_lying_clamshell', 'right', 9],
    ['hip_flexor_stretch', 'left', 3],
  ];
  it.each(cases)('%s (%s): rep events equal the simulator truth, states in order, summary', (exercise, side, reps) => {
    const sim = simulateLiveSession({ exercise, side, reps, seed: 11, variability: VARIABLE });
    const { outputs } = runPipeline(sim.inputs, { plan: planFor(sim.script) });
    const truth = sim.script.reps.length > 0 ? sim.script.reps.filter((r) => !r.partial) : sim.script.holds;
    const events = of(outputs, 'rep').map((o) => o.rep);
    expect(events).toHaveLength(truth.length);
    events.forEach((rep, i) => {
      expect(rep).toMatchObject({ exercise, side, set: 1, rep: i + 1 });
      // Event times on the gateway clock, within 0.5 s of the truth's.
      expect(Math.abs(rep.start - (sim.clock0 + truth[i]!.start))).toBeLessThan(0.5);
      expect(Math.abs(rep.end - (sim.clock0 + truth[i]!.end))).toBeLessThan(0.5);
    });
    const states = of(outputs, 'state').map((o) => o.state);
    const changes = states.map((s) => s.state).filter((s, i, all) => s !== all[i - 1]);
    expect(changes).toEqual(['idle', 'calibrating', 'ready', 'in_set', 'resting', 'ended']);
    // ready once 2 s of standing still were seen (the script stands still for 3 s at the start).
    const ready = states.find((s) => s.state === 'ready')!;
    expect(ready.t - sim.clock0).toBeGreaterThanOrEqual(2);
    expect(ready.t - sim.clock0).toBeLessThanOrEqual(sim.script.calibrationEnd);
    // The in_set state counts the set's reps as they come.
    const inSet = states.filter((s) => s.state === 'in_set').map((s) => s.reps);
    expect(inSet).toEqual([...Array(truth.length + 1).keys()]);
    expect(states.at(-1)).toMatchObject({ state: 'ended', exercise, set: 1, reps: truth.length, targetReps: reps });

    const [summary] = of(outputs, 'summary').map((o) => o.summary);
    expect(summary!.exercises).toHaveLength(1);
    const totals = summary!.exercises[0]!;
    expect(totals).toMatchObject({ exercise, setsDone: 1, repsDone: truth.length, partialReps: 0 });
    expect(totals).toMatchObject({ prescribedSets: 1, prescribedReps: reps });
    const plane = EXERCISE_CATALOGUE[exercise].primary.plane;
    const truthPeak = Math.max(
      ...sim.script.reps.map((r) => r.romDeg),
      ...sim.script.holds.map(() => sim.script.romDeg),
    );
    expect(Math.abs(totals.peakRomDeg[plane]! - truthPeak)).toBeLessThan(0.15 * truthPeak);
    const truthTut = truth.reduce((sum, r) => sum + (r.end - r.start), 0);
    expect(Math.abs(totals.timeUnderTensionS - truthTut)).toBeLessThan(0.15 * truthTut);

    // Angles: every frame for the store (100 Hz), every 4th live (25 Hz), tagged with the exercise during the set.
    const angles = of(outputs, 'angles');
    const span = angles.at(-1)!.sample.t - angles[0]!.sample.t;
    expect(angles.length).toBeGreaterThan(span * 100 * 0.99);
    expect(angles.filter((a) => a.live).length / angles.length).toBeCloseTo(0.25, 2);
    expect(angles.filter((a) => a.sample.exercise === exercise).length).toBeGreaterThan(0.8 * angles.length);
  });

  it('emits the angles of an instant with the frame that completes it, the two sensors sampling out of step', () => {
    // The thigh samples 4 ms before the pelvis in every 10 ms, so each thigh frame ends 4 ms before the pelvis's.
    const sim = simulateLiveSession(
      { exercise: 'standing_hip_flexion', side: 'right', reps: 4, seed: 5 },
      {
        noise: 'low',
        pelvis: { fixedErrors: { clockOffset: 0, clockDrift: 0, clockPhase: 0.006 } },
        thigh: { fixedErrors: { clockOffset: 0, clockDrift: 0, clockPhase: 0.002 } },
      },
    );
    const pipeline = new SessionPipeline({ plan: planFor(sim.script) });
    const latest = { pelvis: -Infinity, thigh: -Infinity };
    /** Per frame pushed: the sensors' newest sample time so far, and the instants emitted. */
    const reach: number[] = [];
    const emittedAt = new Map<number, number>();
    for (const input of sim.inputs) {
      if (input.kind === 'control') {
        pipeline.control(input.control);
        continue;
      }
      const outputs = pipeline.pushFrame(input.frame);
      latest[input.frame.role === 'pelvis' ? 'pelvis' : 'thigh'] = frameSampleTimes(input.frame).at(-1)!;
      reach.push(Math.min(latest.pelvis, latest.thigh));
      for (const o of of(outputs, 'angles')) emittedAt.set(o.sample.t, reach.length - 1);
    }
    // The first frame after which both sensors have a sample at or after the instant is the one that emits it
    // (holding a sample until the other sensor passed its own time waited for the other's next frame: 100 ms).
    let late = 0;
    for (const [t, at] of emittedAt) {
      if (t < sim.clock0 + sim.script.calibrationEnd) continue;
      const first = reach.findIndex((r) => r >= t);
      if (at !== first) late++;
    }
    expect(emittedAt.size).toBeGreaterThan(1000);
    expect(late).toBe(0);
  });

  it('alerts the moment a posterior-THA patient passes 90° of hip flexion in a sit-to-stand, once per excursion', () => {
    const sim = simulateLiveSession({ exercise: 'sit_to_stand', side: 'right', reps: 5, seed: 4, romDeg: 85 });
    const plan: PlanPayload = {
      ...planFor(sim.script),
      precautions: { preset: 'posterior_tha', limits: { flexion: { max: 90 } } },
    };
    const { outputs } = runPipeline(sim.inputs, { plan });
    const alerts = of(outputs, 'alert');
    expect(alerts.length).toBeGreaterThan(0);
    for (const a of alerts) {
      expect(a.alert).toMatchObject({ code: 'flexion_above_limit', level: 'warning' });
      expect(a.valueDeg).toBeGreaterThan(92);
      expect(a.limitDeg).toBe(90);
    }
    // Truth: each excursion of the true flexion beyond the alert threshold (limit + 2° tolerance), with margin.
    const crossings: number[] = [];
    let above = false;
    for (let t = sim.script.calibrationEnd; t < sim.script.duration; t += 0.01) {
      const flexion = sim.script.stateAt(t).angles.flexion;
      if (!above && flexion > 93) crossings.push(t);
      if (flexion > 93) above = true;
      else if (flexion < 89) above = false;
    }
    expect(crossings.length).toBeGreaterThan(0);
    expect(alerts).toHaveLength(crossings.length);
    alerts.forEach((a, i) => expect(Math.abs(a.alert.t - (sim.clock0 + crossings[i]!))).toBeLessThan(0.3));
    const [summary] = of(outputs, 'summary').map((o) => o.summary);
    expect(summary!.alerts).toBe(alerts.length);
  });

  it('counts partial reps apart from full ones', () => {
    const sim = simulateLiveSession({
      exercise: 'standing_hip_flexion',
      side: 'left',
      reps: 10,
      seed: 5,
      partialShare: 0.3,
    });
    const { outputs } = runPipeline(sim.inputs, { plan: planFor(sim.script) });
    const full = sim.script.reps.filter((r) => !r.partial).length;
    const partial = sim.script.reps.length - full;
    expect(partial).toBeGreaterThan(0);
    expect(of(outputs, 'rep')).toHaveLength(full);
    const totals = of(outputs, 'summary')[0]!.summary.exercises[0]!;
    expect(totals).toMatchObject({ repsDone: full, partialReps: partial });
  });

  it('fails the calibration of a session that starts moving, with an alert, and goes back to idle', () => {
    const sim = simulateLiveSession({ exercise: 'mini_squat', side: 'left', reps: 3, seed: 6 });
    // The calibrate request comes late, in the middle of the exercise: no 2 s standing still follow it.
    const calibrateAt = sim.clock0 + sim.script.reps[0]!.start + 0.2;
    const inputs = sim.inputs.map((input) =>
      input.kind === 'control' && input.control.type === 'calibrate'
        ? { kind: 'control' as const, control: { type: 'calibrate' as const, t: calibrateAt } }
        : input,
    );
    const { outputs } = runPipeline(inputs, { plan: planFor(sim.script) });
    const alert = of(outputs, 'alert').find((a) => a.alert.code === 'calibration_failed');
    expect(alert?.alert.message).toMatch(/standing still/);
    const changes = of(outputs, 'state').map((o) => o.state.state);
    expect(changes.slice(0, 3)).toEqual(['idle', 'calibrating', 'idle']);
    expect(of(outputs, 'rep')).toHaveLength(0);
    expect(changes.at(-1)).toBe('ended');
  });

  it('a session heard of only through its frames opens itself and calibrates from its first samples', () => {
    const sim = simulateLiveSession({ exercise: 'standing_hip_abduction', side: 'right', reps: 4, seed: 7 });
    const frames = sim.inputs.filter((i) => i.kind === 'frame');
    const { pipeline, outputs } = runPipeline(frames);
    expect(pipeline.side).toBe('right');
    expect(of(outputs, 'state').map((o) => o.state.state)).toEqual(['idle', 'calibrating', 'ready']);
    expect(of(outputs, 'angles').length).toBeGreaterThan(0);
  });

  it('a rebuilt pipeline (muted replay, then live) reports no repetition twice and finishes the count', () => {
    const sim = simulateLiveSession({ exercise: 'standing_hip_flexion', side: 'left', reps: 8, seed: 8 });
    const cut = Math.floor(sim.inputs.length / 2);
    const before = runPipeline(sim.inputs.slice(0, cut), { plan: planFor(sim.script) });
    const reported = of(before.outputs, 'rep').map((o) => o.rep);
    expect(reported.length).toBeGreaterThan(0);
    const rebuilt = new SessionPipeline({ plan: planFor(sim.script) });
    rebuilt.muted = true;
    for (const input of sim.inputs.slice(0, cut)) {
      if (input.kind === 'control') rebuilt.control(input.control);
      else rebuilt.pushFrame(input.frame);
    }
    rebuilt.muted = false;
    rebuilt.markReportedUntil(Math.max(...reported.map((r) => r.end)));
    const after: PipelineOutput[] = [];
    for (const input of sim.inputs.slice(cut)) {
      after.push(...(input.kind === 'control' ? rebuilt.control(input.control) : rebuilt.pushFrame(input.frame)));
    }
    const later = of(after, 'rep').map((o) => o.rep);
    expect(reported.length + later.length).toBe(8);
    expect(later.map((r) => r.rep)).toEqual([...Array(later.length).keys()].map((k) => reported.length + k + 1));
    expect(of(after, 'summary')[0]!.summary.exercises[0]!.repsDone).toBe(8);
  });
});
