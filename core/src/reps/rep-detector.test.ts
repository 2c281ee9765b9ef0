/**
 * The repetition detector against the simulator's ground truth (simulator/src/kinematics/rep-truth.ts): every
 * repetition exercise of the catalogue, both sides, several seeds, noise-free and with realistic angle errors.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ExerciseId } from '../exercises/catalogue.js';
import { EXERCISE_IDS, getExercise } from '../exercises/catalogue.js';
import type { Side } from '../joint/hip-angles.js';
import type { MotionOptions } from '@hipmon/simulator';
import type { MovementDetectorOptions } from './options.js';
import { createMovementDetector, detectMovements } from './movement-detector.js';
import type { AngleErrorOptions, Scenario } from './test-scenarios.js';
import { createScenario } from './test-scenarios.js';
import type { AngleSample, MovementPhase, RepEvent } from './types.js';

const REP_EXERCISES = EXERCISE_IDS.filter((id) => getExercise(id).kind === 'reps');
const SIDES: Side[] = ['left', 'right'];
const CASES = REP_EXERCISES.flatMap((exercise) => SIDES.map((side) => [exercise, side] as [ExerciseId, Side]));
const SEEDS = [1, 2, 3];

/** Realistic angle-level errors of the hip-angle tracker. */
const NOISY: AngleErrorOptions = { noiseDeg: 1.5, offsetDeg: 3, driftDeg: 3, fidgetDeg: 2 };

interface Run {
  scenario: Scenario;
  reps: RepEvent[];
  count: number;
  partialCount: number;
}

function run(
  motion: MotionOptions,
  errors: AngleErrorOptions = {},
  detector: Partial<MovementDetectorOptions> = {},
): Run {
  const scenario = createScenario(motion, errors);
  const d = createMovementDetector({
    exercise: motion.exercise,
    targetRomDeg: scenario.script.romDeg,
    ...detector,
  });
  const reps: RepEvent[] = [];
  for (const s of scenario.samples) {
    const ev = d.push(s);
    if (ev?.type === 'rep') reps.push(ev);
  }
  for (const ev of d.flush()) if (ev.type === 'rep') reps.push(ev);
  return { scenario, reps, count: d.count, partialCount: d.partialCount };
}

/**
 * Exact counts, partial flags, start/end within 0.3 s, reported within 0.5 s of the true end — and never before it
 * on exact angles (with noise and drift the detected end itself may come a little early).
 */
function expectMatchesTruth(r: Run, exactAngles = false): void {
  const truth = r.scenario.script.reps;
  expect(r.reps).toHaveLength(truth.length);
  expect(r.count).toBe(truth.filter((t) => !t.partial).length);
  expect(r.partialCount).toBe(truth.filter((t) => t.partial).length);
  r.reps.forEach((rep, i) => {
    const t = truth[i]!;
    expect(rep.partial).toBe(t.partial);
    expect(Math.abs(rep.start - t.start)).toBeLessThanOrEqual(0.3);
    expect(Math.abs(rep.end - t.end)).toBeLessThanOrEqual(0.3);
    const latency = rep.reportedAt - t.end;
    expect(latency).toBeLessThanOrEqual(0.5);
    if (exactAngles) expect(latency).toBeGreaterThanOrEqual(0);
  });
}

/** Every detected rep overlaps a true movement: none was invented during rest. */
function expectNoFalseReps(r: Run): void {
  const mv = r.scenario.script.movements;
  for (const rep of r.reps) expect(mv.some((m) => rep.start < m.tEnd && rep.end > m.t0)).toBe(true);
}

describe.each(CASES)('%s, %s side', (exercise, side) => {
  const variability = { rom: 0.08, tempo: 0.2, offPlaneDeg: 2 };

  it.each(SEEDS)(
    'noise-free, seed %i: exact count, partial reps apart, peaks within 1°, times within 0.3 s',
    (seed) => {
      const r = run({ exercise, side, seed, reps: 8, partialShare: 0.25, variability });
      expectMatchesTruth(r, true);
      r.reps.forEach((rep, i) => {
        const t = r.scenario.script.reps[i]!;
        expect(Math.abs(rep.peak.flexion - t.peak.flexion)).toBeLessThanOrEqual(1);
        expect(Math.abs(rep.peak.abduction - t.peak.abduction)).toBeLessThanOrEqual(1);
        expect(Math.abs(rep.peak.rotation - t.peak.rotation)).toBeLessThanOrEqual(1);
        expect(Math.abs(rep.rom - t.romDeg)).toBeLessThanOrEqual(1);
      });
    },
  );

  it.each(SEEDS)('1.5° noise, 3° offset and drift, fidgeting at rest, seed %i: still exact', (seed) => {
    const r = run({ exercise, side, seed, reps: 8, partialShare: 0.25, variability }, { ...NOISY, seed });
    expectMatchesTruth(r);
    expectNoFalseReps(r);
    r.reps.forEach((rep, i) => expect(Math.abs(rep.rom - r.scenario.script.reps[i]!.romDeg)).toBeLessThanOrEqual(2));
  });
});

describe.each(REP_EXERCISES)('%s: robustness', (exercise) => {
  it('no false reps during long rests with fidgeting, nor during the posture change after calibration', () => {
    const r = run(
      { exercise, side: 'right', seed: 5, reps: 4, tempo: { pauseS: 12 } },
      { ...NOISY, fidgetDeg: 2.5, seed: 5 },
    );
    expect(r.scenario.fidgets.length).toBeGreaterThan(10);
    expectNoFalseReps(r);
    expectMatchesTruth(r);
    expect(r.reps[0]!.start).toBeGreaterThan(r.scenario.script.movements[0]!.t0);
  });

  it('pauses at the top (6 s) do not split or lose repetitions', () => {
    expectMatchesTruth(
      run({ exercise, side: 'left', seed: 6, reps: 5, tempo: { peakHoldS: 6 } }, { ...NOISY, seed: 6 }),
    );
  });

  it('two sets with a 60 s rest between them', () => {
    const r = run(
      { exercise, side: 'left', seed: 7, reps: 6, sets: 2, restBetweenSetsS: 60, partialShare: 0.2 },
      { ...NOISY, seed: 7 },
    );
    expectMatchesTruth(r);
    expectNoFalseReps(r);
  });

  it.each([1.5, 5])('tempo %s s per repetition', (repS) => {
    // A 1.5 s repetition leaves no time to pause at the top.
    const tempo = repS < 2 ? { repS, peakHoldS: 0.2 } : { repS };
    expectMatchesTruth(run({ exercise, side: 'right', seed: 8, reps: 8, tempo }, { ...NOISY, seed: 8 }));
  });

  it('back-to-back repetitions (no pause at the start position)', () => {
    expectMatchesTruth(run({ exercise, side: 'right', seed: 9, reps: 8, tempo: { pauseS: 0 } }, { ...NOISY, seed: 9 }));
  });
});

describe('prescription and options', () => {
  it('judges partial repetitions against the prescribed target, not the catalogue', () => {
    const scenario = createScenario({ exercise: 'standing_hip_abduction', side: 'right', seed: 1, reps: 5 });
    const asPrescribed = detectMovements(scenario.samples, { exercise: 'standing_hip_abduction', targetRomDeg: 25 });
    expect([asPrescribed.count, asPrescribed.partialCount]).toEqual([5, 0]);
    // The same movements against a 45° prescription reach 56 %: all partial.
    const ambitious = detectMovements(scenario.samples, { exercise: 'standing_hip_abduction', targetRomDeg: 45 });
    expect([ambitious.count, ambitious.partialCount]).toEqual([0, 5]);
    for (const rep of ambitious.reps) expect(rep.romShare).toBeCloseTo(25 / 45, 1);
  });

  it('makes the partial share configurable', () => {
    const scenario = createScenario({
      exercise: 'mini_squat',
      side: 'left',
      seed: 2,
      reps: 10,
      partialShare: 0.4,
      partialRange: [0.45, 0.55],
    });
    const byDefault = detectMovements(scenario.samples, { exercise: 'mini_squat' });
    expect([byDefault.count, byDefault.partialCount]).toEqual([6, 4]);
    const lenient = detectMovements(scenario.samples, { exercise: 'mini_squat', partialShare: 0.4 });
    expect([lenient.count, lenient.partialCount]).toEqual([10, 0]);
  });

  it('reports the last repetition on flush() when the stream stops within the smoothing delay of its end', () => {
    const scenario = createScenario({ exercise: 'glute_bridge', side: 'left', seed: 3, reps: 3 });
    const lastEnd = scenario.script.reps[2]!.end;
    const cut = scenario.samples.filter((s) => s.t <= lastEnd + 0.03);
    const d = createMovementDetector({ exercise: 'glute_bridge' });
    const live = cut.map((s) => d.push(s)).filter((e) => e !== null);
    expect(live).toHaveLength(2);
    const flushed = d.flush();
    expect(flushed).toHaveLength(1);
    expect(Math.abs(flushed[0]!.end - lastEnd)).toBeLessThan(0.05);
    expect(d.count).toBe(3);
  });

  it('rejects options outside their range with a readable error', () => {
    expect(() => createMovementDetector({ exercise: 'mini_squat', targetRomDeg: -5 })).toThrow(/targetRomDeg/);
    expect(() => createMovementDetector({ exercise: 'mini_squat', partialShare: 0.1 })).toThrow(/partialShare/);
    expect(() => createMovementDetector({ exercise: 'jumping_jacks' as ExerciseId })).toThrow(/unknown exercise/);
  });
});

describe('live progress', () => {
  it('walks rest → concentric → top → eccentric → rest, and counts the rep when it ends', () => {
    const scenario = createScenario({
      exercise: 'standing_hip_flexion',
      side: 'right',
      seed: 4,
      reps: 1,
      tempo: { peakHoldS: 3 },
    });
    const d = createMovementDetector({ exercise: 'standing_hip_flexion' });
    const phases: MovementPhase[] = [];
    let countWhenBackAtRest = -1;
    for (const s of scenario.samples) {
      d.push(s);
      const p = d.progress;
      if (phases[phases.length - 1] !== p.phase) {
        phases.push(p.phase);
        if (phases.length > 1 && p.phase === 'rest') countWhenBackAtRest = p.count;
      }
    }
    expect(phases).toEqual(['rest', 'concentric', 'top', 'eccentric', 'rest']);
    expect(countWhenBackAtRest).toBe(1);
    expect(d.progress.restAngle).toBeCloseTo(0, 0);
  });

  it('is not armed before the first still moment: no reps from a stream that starts moving', () => {
    const samples: AngleSample[] = [];
    for (let i = 0; i < 1000; i++) {
      const t = i / 100;
      samples.push({
        t,
        flexion: 30 * Math.sin(2 * Math.PI * t * 0.8) ** 2 + 40 * Math.sin(t),
        abduction: 0,
        rotation: 0,
      });
    }
    expect(detectMovements(samples, { exercise: 'standing_hip_flexion' }).reps).toHaveLength(0);
  });
});

describe('fuzzed input', () => {
  const value = fc.oneof(
    fc.double({ min: -400, max: 400, noNaN: true }),
    fc.constantFrom(Number.NaN, Infinity, -Infinity, 1e300, -0),
  );
  const sample = fc.record({
    dt: fc.oneof(fc.double({ min: -0.05, max: 0.2, noNaN: true }), fc.constant(0.01)),
    f: value,
    a: value,
    r: value,
  });

  it('never throws on random angle streams, and whatever it reports is well-formed', () => {
    fc.assert(
      fc.property(fc.constantFrom(...EXERCISE_IDS), fc.array(sample, { maxLength: 1500 }), (exercise, rows) => {
        const d = createMovementDetector({ exercise });
        let t = 0;
        const events = [];
        for (const row of rows) {
          t += row.dt;
          const ev = d.pushValues(t, row.f, row.a, row.r);
          if (ev) events.push(ev);
        }
        events.push(...d.flush());
        for (const ev of events) {
          expect(Number.isFinite(ev.start) && Number.isFinite(ev.end)).toBe(true);
          expect(ev.end).toBeGreaterThanOrEqual(ev.start);
        }
        expect(Number.isInteger(d.count) && d.count >= 0).toBe(true);
        expect(d.count + d.partialCount).toBe(events.length);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on random smooth-ish movements at the analysis rate', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...EXERCISE_IDS),
        fc.array(
          fc.record({ amp: fc.double({ min: -120, max: 120, noNaN: true }), len: fc.integer({ min: 1, max: 400 }) }),
          {
            maxLength: 40,
          },
        ),
        (exercise, segments) => {
          const d = createMovementDetector({ exercise });
          let i = 0;
          let level = 0;
          for (const seg of segments) {
            for (let k = 0; k < seg.len; k++, i++) {
              const v = level + (seg.amp - level) * (k / seg.len);
              d.pushValues(i / 100, v, v / 2, -v / 3);
            }
            level = seg.amp;
          }
          d.flush();
          expect(d.droppedSamples).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
