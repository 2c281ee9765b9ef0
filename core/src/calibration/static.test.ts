/**
 * Static calibration on exact sensor orientations (the simulator's true poses, seen through arbitrary per-filter
 * heading frames, as 6D filters report them).
 */
import { describe, expect, it } from 'vitest';
import { createMotionScript, createPrng } from '@hipmon/simulator';
import { applyMisplacement, nominalSensorToSegment } from '../body/placement.js';
import { EXERCISE_IDS } from '../exercises/catalogue.js';
import { hipAnglesFromRotation } from '../joint/hip-angles.js';
import type { Side } from '../joint/hip-angles.js';
import { quatConjugate, quatFromAxisAngle, quatMultiply, quatToRotationVector, RAD } from '../math/quat.js';
import type { Quat, Vec3 } from '../math/quat.js';
import { hipRotationOf } from './alignment.js';
import { staticCalibration } from './static.js';

const SIDES: Side[] = ['left', 'right'];

/** A sensor's orientation in a filter's earth frame whose heading is `headingDeg` off true ENU. */
function filterView(segment: Quat, mount: Quat, headingDeg: number): Quat {
  return quatMultiply(quatFromAxisAngle([0, 0, 1], headingDeg / RAD), quatMultiply(segment, mount));
}

/** Rotation vector (degrees) of a ⊗ b*. */
const difference = (a: Quat, b: Quat): Vec3 =>
  quatToRotationVector(quatMultiply(a, quatConjugate(b))).map((x) => x * RAD) as Vec3;

describe('staticCalibration', () => {
  it.each(SIDES)('recovers the nominal placement exactly, whatever the filters’ headings (%s side)', (side) => {
    const script = createMotionScript({ exercise: 'standing_hip_flexion', side, headingDeg: 37 });
    const pose = script.stateAt(1);
    const pelvisMount = nominalSensorToSegment('pelvis', side);
    const thighMount = nominalSensorToSegment('thigh', side);
    const cal = staticCalibration({
      side,
      pelvis: filterView(pose.pelvis.q, pelvisMount, 123),
      thigh: filterView(pose.thigh.q, thighMount, -71),
    });
    for (const x of difference(pelvisMount, cal.alignment.pelvisSensorToSegment))
      expect(Math.abs(x)).toBeLessThan(1e-9);
    for (const x of difference(thighMount, cal.alignment.thighSensorToSegment)) expect(Math.abs(x)).toBeLessThan(1e-9);
  });

  it('leaves only a rotation about the segment’s superior axis unknown for misplaced sensors, and zero hip angles', () => {
    const prng = createPrng('static-calibration');
    for (let trial = 0; trial < 40; trial++) {
      const side = SIDES[trial % 2]!;
      const exercise = EXERCISE_IDS[trial % EXERCISE_IDS.length]!;
      const script = createMotionScript({ exercise, side, headingDeg: prng.uniform(-180, 180) });
      const pose = script.stateAt(0.5);
      const draw = (): Vec3 => [prng.uniform(-15, 15), prng.uniform(-15, 15), prng.uniform(-15, 15)];
      const pelvisMount = applyMisplacement(nominalSensorToSegment('pelvis', side), draw());
      const thighMount = applyMisplacement(nominalSensorToSegment('thigh', side), draw());
      const qPelvis = filterView(pose.pelvis.q, pelvisMount, prng.uniform(-180, 180));
      const qThigh = filterView(pose.thigh.q, thighMount, prng.uniform(-180, 180));
      const cal = staticCalibration({ side, pelvis: qPelvis, thigh: qThigh });
      // True and estimated segment frames differ by a pure rotation about Y (superior): x and z components vanish.
      for (const [truth, estimate] of [
        [pelvisMount, cal.alignment.pelvisSensorToSegment],
        [thighMount, cal.alignment.thighSensorToSegment],
      ] as const) {
        const d = difference(truth, estimate);
        expect(Math.hypot(d[0], d[2])).toBeLessThan(1e-6);
        expect(Math.abs(d[1])).toBeLessThan(2 * 15 * Math.SQRT2 + 1); // bounded by the misplacement
      }
      const angles = hipAnglesFromRotation(hipRotationOf(cal.alignment, qPelvis, qThigh), side);
      expect(Math.abs(angles.flexion) + Math.abs(angles.abduction) + Math.abs(angles.rotation)).toBeLessThan(1e-6);
    }
  });
});
