/** Per-repetition and per-set quality over simulated sessions (ground truth: the simulator's options and truth). */
import { describe, expect, it } from 'vitest';
import type { ExerciseId } from '../exercises/catalogue.js';
import { EXERCISE_IDS, getExercise } from '../exercises/catalogue.js';
import type { Side } from '../joint/hip-angles.js';
import type { MotionOptions } from '@hipmon/simulator';
import type { AngleErrorOptions } from '../reps/test-scenarios.js';
import { createScenario } from '../reps/test-scenarios.js';
import { DEFAULT_COMPENSATION_LIMITS } from './compensation.js';
import { pelvisChangeInto } from './pelvis.js';
import { PRECAUTION_PRESETS } from './precautions.js';
import type { SessionOptions } from './session.js';
import { analyzeSession } from './session.js';

const REP_EXERCISES = EXERCISE_IDS.filter((id) => getExercise(id).kind === 'reps');
/** Exercises in which the pelvis tilts as part of the movement (tilt is not a compensation there). */
const TILTING: ExerciseId[] = ['glute_bridge', 'sit_to_stand', 'mini_squat'];

function analyze(motion: MotionOptions, errors: AngleErrorOptions = {}, options: Partial<SessionOptions> = {}) {
  const scenario = createScenario(motion, errors);
  const analysis = analyzeSession(
    scenario.samples,
    { exercise: motion.exercise, side: motion.side, targetRomDeg: scenario.script.romDeg, ...options },
    scenario.pelvis,
  );
  return { scenario, analysis };
}

describe.each(REP_EXERCISES.flatMap((e) => (['left', 'right'] as Side[]).map((s) => [e, s] as const)))(
  '%s, %s side: pelvic compensation',
  (exercise, side) => {
    it('measures a hip hike of 8° and an anterior lean of 6° at the top of each rep (within 0.5°), and flags them', () => {
      const { analysis } = analyze(
        { exercise, side, seed: 2, reps: 4, compensations: { hipHikeDeg: 8, trunkLeanAnteriorDeg: 6 } },
        { noiseDeg: 1, seed: 2 },
      );
      expect(analysis.count).toBe(4);
      const limits = DEFAULT_COMPENSATION_LIMITS[exercise];
      for (const q of analysis.repQuality) {
        expect(q.compensation).not.toBeNull();
        expect(Math.abs(q.compensation!.peak.obliquity - 8)).toBeLessThanOrEqual(0.5);
        if (!TILTING.includes(exercise)) expect(Math.abs(q.compensation!.peak.tilt - 6)).toBeLessThanOrEqual(0.5);
        expect(q.flags.includes('hip_hike')).toBe(8 > limits.obliquity!);
      }
    });

    it('finds no compensation when the pelvis stays put (open chain) or moves only as the exercise requires', () => {
      const { analysis } = analyze({ exercise, side, seed: 3, reps: 4 }, { noiseDeg: 1, seed: 3 });
      for (const q of analysis.repQuality) {
        expect(Math.abs(q.compensation!.peak.obliquity)).toBeLessThan(0.5);
        if (!TILTING.includes(exercise)) expect(Math.abs(q.compensation!.peak.tilt)).toBeLessThan(0.5);
        expect(q.compensation!.flags).toEqual([]);
      }
    });
  },
);

describe("pelvis given as the tracker's angles instead of quaternions", () => {
  it('gives the same compensation, also for the side-lying clamshell', () => {
    const scenario = createScenario({
      exercise: 'side_lying_clamshell',
      side: 'left',
      seed: 12,
      reps: 3,
      compensations: { hipHikeDeg: 6, trunkLeanAnteriorDeg: -5 },
    });
    const identity = [1, 0, 0, 0];
    const asAngles = scenario.pelvis.map((q) =>
      pelvisChangeInto({ obliquity: 0, tilt: 0, rotation: 0 }, identity, q, 'left'),
    );
    const options = { exercise: 'side_lying_clamshell', side: 'left' } as const;
    const fromQuats = analyzeSession(scenario.samples, options, scenario.pelvis);
    const fromAngles = analyzeSession(scenario.samples, options, asAngles);
    expect(fromAngles.repQuality).toHaveLength(3);
    fromAngles.repQuality.forEach((q, i) => {
      const ref = fromQuats.repQuality[i]!.compensation!.peak;
      expect(q.compensation!.peak.obliquity).toBeCloseTo(ref.obliquity, 4);
      expect(q.compensation!.peak.tilt).toBeCloseTo(ref.tilt, 4);
      expect(q.compensation!.peak.obliquity).toBeCloseTo(6, 0);
      expect(q.compensation!.peak.tilt).toBeCloseTo(-5, 0);
    });
  });
});

describe('range, smoothness and tempo', () => {
  it.each(REP_EXERCISES)('%s: ROM share ≈ 1, smooth (SPARC ≈ −1.5) and on tempo for a nominal session', (exercise) => {
    const { analysis } = analyze({ exercise, side: 'right', seed: 4, reps: 5 });
    for (const q of analysis.repQuality) {
      expect(Math.abs(q.romShare - 1)).toBeLessThan(0.04);
      expect(q.sparcConcentric).toBeGreaterThan(-1.7);
      expect(q.sparcEccentric).toBeGreaterThan(-1.7);
      expect(q.sparc).toBeLessThan(-1.3);
      expect(q.tempo.flag).toBeNull();
      // The sit-to-stand's forward lean delays the hip's extension: its observed phases are ~60 % of nominal.
      const [lo, hi] = exercise === 'sit_to_stand' ? [0.5, 0.75] : [0.9, 1.1];
      for (const ratio of [q.tempo.concentricRatio, q.tempo.eccentricRatio]) {
        expect(ratio).toBeGreaterThan(lo);
        expect(ratio).toBeLessThan(hi);
      }
      expect(q.flags).toEqual([]);
    }
  });

  it('flags reps done far too fast or too slow', () => {
    const fast = analyze({
      exercise: 'standing_hip_abduction',
      side: 'left',
      seed: 5,
      tempo: { repS: 1.5, peakHoldS: 0.2 },
    });
    expect(fast.analysis.repQuality.every((q) => q.tempo.flag === 'too_fast' && q.flags.includes('too_fast'))).toBe(
      true,
    );
    const slow = analyze({ exercise: 'standing_hip_abduction', side: 'left', seed: 5, tempo: { repS: 9 } });
    expect(slow.analysis.repQuality.every((q) => q.tempo.flag === 'too_slow')).toBe(true);
  });

  it('rates a hesitant movement (two sub-movements with a stop half-way) less smooth than a fluent one', () => {
    const fluent = analyze({ exercise: 'standing_hip_flexion', side: 'right', seed: 6, reps: 3 });
    // Same session with each rise interrupted: add a plateau half-way up by holding the angle for 0.4 s.
    const scenario = createScenario({ exercise: 'standing_hip_flexion', side: 'right', seed: 6, reps: 3 });
    const hesitant = scenario.samples.map((s) => ({ ...s }));
    for (const mv of scenario.script.movements) {
      const mid = 0.5 * (mv.t0 + mv.tTop);
      const delay = 0.4;
      for (const s of hesitant) {
        if (s.t < mid || s.t > mv.tTop + delay) continue;
        const source = Math.max(mid, s.t - delay);
        const original = scenario.samples[Math.round(source * 100)]!;
        s.flexion = original.flexion;
      }
    }
    const result = analyzeSession(hesitant, { exercise: 'standing_hip_flexion', side: 'right' }, scenario.pelvis);
    expect(result.count).toBe(3);
    fluent.analysis.repQuality.forEach((q, i) => {
      expect(result.repQuality[i]!.sparcConcentric).toBeLessThan(q.sparcConcentric - 0.3);
    });
  });

  it('flags full reps short of the target as low ROM, and partial ones as partial', () => {
    const { analysis } = analyze(
      { exercise: 'supine_straight_leg_raise', side: 'left', seed: 7, reps: 10, partialShare: 0.3, romDeg: 35 },
      {},
      { targetRomDeg: 45 },
    );
    const partial = analysis.repQuality.filter((q) => q.partial);
    expect(partial).toHaveLength(3);
    for (const q of partial) expect(q.flags).toContain('partial');
    for (const q of analysis.repQuality.filter((x) => !x.partial)) {
      expect(q.romShare).toBeCloseTo(35 / 45, 1);
      expect(q.flags).toContain('low_rom');
    }
  });
});

describe('sets', () => {
  it('splits two sets separated by a 60 s rest and summarises each', () => {
    const { scenario, analysis } = analyze(
      {
        exercise: 'side_lying_clamshell',
        side: 'right',
        seed: 8,
        reps: 6,
        sets: 2,
        restBetweenSetsS: 60,
        partialShare: 0.25,
      },
      { noiseDeg: 1, driftDeg: 2, fidgetDeg: 2, seed: 8 },
    );
    expect(analysis.sets).toHaveLength(2);
    for (const [i, set] of analysis.sets.entries()) {
      const truth = scenario.script.reps.filter((_, k) => scenario.script.movements[k]!.set === i);
      expect(set.reps).toBe(truth.filter((r) => !r.partial).length);
      expect(set.partialReps).toBe(truth.filter((r) => r.partial).length);
      expect(Math.abs(set.start - truth[0]!.start)).toBeLessThan(0.3);
      expect(Math.abs(set.end - truth[truth.length - 1]!.end)).toBeLessThan(0.3);
      expect(Math.abs(set.meanRomShare - 1)).toBeLessThan(0.05);
      expect(set.romCvPct).toBeLessThan(5);
      expect(set.compensatedReps).toBe(0);
    }
  });
});

describe('holds and precautions in a session', () => {
  it('assesses each hold against the prescribed time', () => {
    const { analysis } = analyze(
      { exercise: 'hip_flexor_stretch', side: 'left', seed: 9, reps: 2, holdS: 20 },
      {},
      { prescribedHoldS: 30 },
    );
    expect(analysis.holdQuality).toHaveLength(2);
    for (const h of analysis.holdQuality) {
      expect(h.durationShare).toBeCloseTo(20 / 30, 1);
      expect(h.flags).toContain('short_hold');
      expect(h.excursionShare).toBeCloseTo(1, 1);
    }
  });

  it('reports precaution events alongside the reps', () => {
    const { analysis } = analyze(
      { exercise: 'standing_hip_flexion', side: 'right', seed: 10, reps: 4, romDeg: 100 },
      {},
      { precautions: PRECAUTION_PRESETS.posterior_tha, targetRomDeg: 100 },
    );
    expect(analysis.count).toBe(4);
    expect(analysis.precautionEvents.filter((e) => e.type === 'precaution_alert')).toHaveLength(4);
    expect(analysis.precautionEvents.filter((e) => e.type === 'precaution_clear')).toHaveLength(4);
  });
});
