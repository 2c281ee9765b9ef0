/**
 * Regressions of the exercise measurement's model error (functional.ts `modelError`, pipeline benchmark cells with
 * rep-to-rep variability, 3° off-plane): a patient's off-plane deviation persists through a repetition, so the
 * errors of its 50-ms increments are correlated. At 0.1 of the increment, taken as independent, one repetition's
 * off-plane habit moved the pelvis yaw ε and the drift δ by several degrees:
 * - mini_squat/right/9d/typical/mis 0/variable/seed 2: rotation RMSE 6.15° (now 3.9°);
 * - glute_bridge/right/9d/typical/mis 0/variable/seed 5: abduction / rotation RMSE 4.23° / 2.37° (now 2.8° / 1.4°).
 */
import { describe, expect, it } from 'vitest';
import { benchSeed, trackSession } from './test-support.js';
import type { BenchCell } from './test-support.js';

const VARIABLE = { variability: { rom: 0.1, tempo: 0.3, offPlaneDeg: 3 } };

function run(cell: BenchCell) {
  return trackSession({ ...cell, misplacementDeg: cell.mis, seed: benchSeed(cell), reps: 6, motion: VARIABLE });
}

describe('exercise measurement model error (off-plane motion is correlated within a repetition)', () => {
  it('mini squat with off-plane variability: rotation RMSE ≤ 4.5° (was 6.15°)', () => {
    const { errors } = run({
      exercise: 'mini_squat',
      noise: 'typical',
      mode: '9d',
      side: 'right',
      mis: 0,
      variant: 'variable',
      seed: 2,
    });
    expect(errors.rmse.rotation).toBeLessThanOrEqual(4.5);
    expect(errors.rmse.flexion).toBeLessThanOrEqual(2);
    expect(errors.rmse.abduction).toBeLessThanOrEqual(2);
  });

  it('glute bridge with off-plane variability: abduction RMSE ≤ 3.3° (was 4.23°), rotation ≤ 2° (was 2.37°)', () => {
    const { errors } = run({
      exercise: 'glute_bridge',
      noise: 'typical',
      mode: '9d',
      side: 'right',
      mis: 0,
      variant: 'variable',
      seed: 5,
    });
    expect(errors.rmse.abduction).toBeLessThanOrEqual(3.3);
    expect(errors.rmse.rotation).toBeLessThanOrEqual(2);
    expect(errors.rmse.flexion).toBeLessThanOrEqual(2);
  });
});
