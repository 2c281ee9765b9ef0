/** The hold detector (hip flexor stretch) against the simulator's hold truth. */
import { describe, expect, it } from 'vitest';
import type { Side } from '../joint/hip-angles.js';
import type { MotionOptions } from '@hipmon/simulator';
import type { MovementDetectorOptions } from './options.js';
import { createMovementDetector } from './movement-detector.js';
import type { AngleErrorOptions, Scenario } from './test-scenarios.js';
import { createScenario } from './test-scenarios.js';
import type { HoldEvent, MovementPhase } from './types.js';

const EXERCISE = 'hip_flexor_stretch';
const NOISY: AngleErrorOptions = { noiseDeg: 1, offsetDeg: 3, driftDeg: 3, fidgetDeg: 2 };

function run(
  motion: Omit<MotionOptions, 'exercise'>,
  errors: AngleErrorOptions = {},
  detector: Partial<MovementDetectorOptions> = {},
): { scenario: Scenario; holds: HoldEvent[]; count: number } {
  const scenario = createScenario({ exercise: EXERCISE, ...motion }, errors);
  const d = createMovementDetector({ exercise: EXERCISE, targetRomDeg: scenario.script.romDeg, ...detector });
  const holds: HoldEvent[] = [];
  for (const s of scenario.samples) {
    const ev = d.push(s);
    if (ev?.type === 'hold') holds.push(ev);
  }
  for (const ev of d.flush()) if (ev.type === 'hold') holds.push(ev);
  return { scenario, holds, count: d.count };
}

function expectHoldsMatch(r: ReturnType<typeof run>, toleranceS: number): void {
  const truth = r.scenario.script.holds;
  expect(r.holds).toHaveLength(truth.length);
  expect(r.count).toBe(truth.length);
  r.holds.forEach((h, i) => {
    const t = truth[i]!;
    expect(Math.abs(h.duration - t.duration)).toBeLessThanOrEqual(toleranceS);
    expect(Math.abs(h.start - t.start)).toBeLessThanOrEqual(toleranceS);
    expect(Math.abs(h.end - t.end)).toBeLessThanOrEqual(toleranceS);
  });
}

describe.each(['left', 'right'] as Side[])('hip flexor stretch, %s side', (side) => {
  it.each([1, 2, 3, 4])('noise-free, seed %i: count, and duration within 0.2 s, held angles within 0.5°', (seed) => {
    const r = run({ side, seed, reps: 3, variability: { rom: 0.1, tempo: 0.2, offPlaneDeg: 2 } });
    expectHoldsMatch(r, 0.2);
    r.holds.forEach((h, i) => {
      const t = r.scenario.script.holds[i]!.angles;
      expect(Math.abs(h.angles.flexion - t.flexion)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(h.angles.abduction - t.abduction)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(h.angles.rotation - t.rotation)).toBeLessThanOrEqual(0.5);
      expect(h.complete).toBe(true);
    });
  });

  it.each([1, 2, 3, 4])(
    '1° noise, 3° offset and drift, fidgeting, seed %i: count, and duration within 0.5 s',
    (seed) => {
      expectHoldsMatch(
        run({ side, seed, reps: 3, variability: { rom: 0.1, tempo: 0.2, offPlaneDeg: 2 } }, { ...NOISY, seed }),
        0.5,
      );
    },
  );

  it.each([10, 45])('%s s holds in two sets with a 60 s rest', (holdS) => {
    expectHoldsMatch(
      run({ side, seed: 11, reps: 2, sets: 2, restBetweenSetsS: 60, holdS }, { ...NOISY, seed: 11 }),
      0.5,
    );
  });
});

describe('hold options and edges', () => {
  it('does not report holds shorter than the minimum hold time', () => {
    const r = run({ side: 'left', seed: 1, reps: 3, holdS: 3 }, {}, { minHoldS: 5 });
    expect(r.holds).toHaveLength(0);
    const lenient = run({ side: 'left', seed: 1, reps: 3, holdS: 3 }, {}, { minHoldS: 2 });
    expect(lenient.holds).toHaveLength(3);
    for (const h of lenient.holds) expect(Math.abs(h.duration - 3)).toBeLessThan(0.2);
  });

  it('marks a hold complete only from the prescribed time on', () => {
    const r = run({ side: 'right', seed: 2, reps: 2, holdS: 20 }, {}, { prescribedHoldS: 30 });
    expect(r.holds.map((h) => h.complete)).toEqual([false, false]);
    expect(r.holds[0]!.excursionShare).toBeCloseTo(1, 1);
  });

  it('shows approach → holding → return live, with the time held growing', () => {
    const scenario = createScenario({ exercise: EXERCISE, side: 'right', seed: 3, reps: 1, holdS: 12 });
    const d = createMovementDetector({ exercise: EXERCISE });
    const phases: MovementPhase[] = [];
    let maxHeld = 0;
    for (const s of scenario.samples) {
      d.push(s);
      if (phases[phases.length - 1] !== d.progress.phase) phases.push(d.progress.phase);
      maxHeld = Math.max(maxHeld, d.progress.heldS);
    }
    d.flush();
    expect(phases).toEqual(['rest', 'approach', 'holding', 'return', 'rest']);
    expect(maxHeld).toBeGreaterThan(11);
    expect(maxHeld).toBeLessThan(13);
  });

  it('reports a hold still in progress when the stream ends (flush)', () => {
    const scenario = createScenario({ exercise: EXERCISE, side: 'left', seed: 4, reps: 1, holdS: 20 });
    const truth = scenario.script.holds[0]!;
    const d = createMovementDetector({ exercise: EXERCISE });
    for (const s of scenario.samples) if (s.t <= truth.start + 15) expect(d.push(s)).toBeNull();
    const events = d.flush();
    expect(events).toHaveLength(1);
    expect(Math.abs(events[0]!.start - truth.start)).toBeLessThan(0.2);
    expect(events[0]!.end).toBeCloseTo(truth.start + 15, 1);
  });
});
