/** The expected relative rotation axis against the simulator's true hip movement, for every exercise and side. */
import { describe, expect, it } from 'vitest';
import { createMotionScript } from '@hipmon/simulator';
import { EXERCISE_IDS } from '../exercises/catalogue.js';
import type { ExerciseId } from '../exercises/catalogue.js';
import { hipRotationFromAngles } from '../joint/hip-angles.js';
import type { Side } from '../joint/hip-angles.js';
import { DEG, quatConjugate, quatMultiply, quatToRotationVector, RAD } from '../math/quat.js';
import type { Vec3 } from '../math/quat.js';
import { expectedAxisInto, primaryCardanRates } from './primary-axis.js';

const CASES = EXERCISE_IDS.flatMap((exercise) =>
  (['left', 'right'] as Side[]).map((side) => [exercise, side] as const),
);

describe('expectedAxisInto', () => {
  it.each(CASES)('%s (%s): the true relative angular velocity turns about the expected axis', (exercise, side) => {
    const script = createMotionScript({ exercise: exercise as ExerciseId, side, reps: 2 });
    const rates = primaryCardanRates(exercise as ExerciseId, side);
    const axis: Vec3 = [0, 0, 0];
    const h = 0.01;
    let checked = 0;
    for (const mv of script.movements) {
      for (let t = mv.t0; t < mv.tEnd; t += 0.05) {
        const a0 = script.stateAt(t).angles,
          a1 = script.stateAt(t + h).angles;
        // Ω in the pelvis frame from R(t+h)·R(t)⁻¹ (R: femur → pelvis).
        const omega = quatToRotationVector(
          quatMultiply(hipRotationFromAngles(a1, side), quatConjugate(hipRotationFromAngles(a0, side))),
        );
        const size = Math.hypot(...omega);
        if (size < 2 * DEG * h) continue; // nearly still: no direction to compare
        const r = hipRotationFromAngles(a0, side);
        const [w, x, y, z] = r;
        const alpha = Math.atan2(-2 * (x * y - w * z), 1 - 2 * (x * x + z * z));
        const beta = Math.asin(Math.max(-1, Math.min(1, 2 * (y * z + w * x))));
        expectedAxisInto(axis, rates, [alpha, beta]);
        const cos = Math.abs(omega[0] * axis[0] + omega[1] * axis[1] + omega[2] * axis[2]) / size;
        expect(Math.acos(Math.min(1, cos)) * RAD).toBeLessThan(0.5);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('maps flexion to Z and standing abduction to X', () => {
    const axis: Vec3 = [0, 0, 0];
    expectedAxisInto(axis, primaryCardanRates('standing_hip_flexion', 'right'), [0.3, 0.1]);
    expect(axis[2]).toBe(1);
    expect(Math.hypot(axis[0], axis[1])).toBe(0);
    expectedAxisInto(axis, primaryCardanRates('standing_hip_abduction', 'left'), [0, 0]);
    expect(axis[0]).toBeCloseTo(1, 12);
    expect(Math.hypot(axis[1], axis[2])).toBeLessThan(1e-12);
  });
});
