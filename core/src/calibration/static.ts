/**
 * Static sensor-to-segment calibration from the calibration pose (DESIGN.md: ≥ 2 s standing upright and still,
 * facing forward; zero hip angles = this pose).
 *
 * In that pose both segment frames coincide with the patient frame: Y (superior) is the vertical, X (anterior)
 * the facing direction. Gravity fixes Y in each sensor frame (the filters' inclination is exact at rest); the
 * facing direction is the one thing gravity cannot give, so it comes from the placement convention: the pelvis
 * sensor's nominal anterior axis (−z on the sacrum), projected onto the horizontal plane. The thigh takes the same
 * segment frame (the patient faces one way), which makes the hip angles exactly zero in the calibration pose.
 *
 * The heading offset between the two filters' (magnetometer-free) earth frames is arbitrary, so the thigh sensor's
 * nominal anterior axis (∓y on the lateral thigh) is taken to face where the pelvis sensor's does ("both segments
 * face the same way"); in 9D the functional refinement fuses the magnetometers' opinion of it.
 * What remains unknown is a rotation of each sensor about the vertical (misplacement about the segment's long axis,
 * plus the 6D heading offset error); the functional refinement (functional.ts) estimates it from the first
 * movements.
 */
import { quatConjugate, quatFromAxes, quatMultiply, quatRotate } from '../math/quat.js';
import type { Quat, Vec3 } from '../math/quat.js';
import type { Side } from '../joint/hip-angles.js';
import type { SegmentAlignment } from './alignment.js';

/** Anterior direction of each sensor in its own frame under the nominal placement (DESIGN.md). */
export const NOMINAL_ANTERIOR = {
  pelvis: [0, 0, -1] as Vec3,
  thigh_right: [0, -1, 0] as Vec3,
  thigh_left: [0, 1, 0] as Vec3,
} as const;

/** Superior axis of both sensors under the nominal placement. */
export const NOMINAL_SUPERIOR: Vec3 = [1, 0, 0];

export interface StaticCalibrationInput {
  side: Side;
  /** Pelvis sensor → earth at the calibration instant (pelvis filter). */
  pelvis: Readonly<Quat>;
  /** Thigh sensor → earth at the same instant (thigh filter). */
  thigh: Readonly<Quat>;
  /**
   * Rotation (rad) about the vertical from the thigh filter's earth frame into the pelvis filter's, when known.
   * Absent: estimated from the placement ("both segments face the same way").
   */
  headingOffset?: number;
}

export interface StaticCalibration {
  alignment: SegmentAlignment;
  /** Pelvis (= thigh) segment → pelvis filter's earth frame in the calibration pose. */
  calibrationPose: Quat;
}

/** Azimuth (rad, counter-clockwise from earth x) of a sensor axis after rotating it to earth. */
function azimuth(q: Readonly<Quat>, axis: Readonly<Vec3>): number {
  const v = quatRotate(q, axis);
  return Math.atan2(v[1], v[0]);
}

export function staticCalibration(input: StaticCalibrationInput): StaticCalibration {
  const thighAnterior = input.side === 'right' ? NOMINAL_ANTERIOR.thigh_right : NOMINAL_ANTERIOR.thigh_left;
  const pelvisAzimuth = azimuth(input.pelvis, NOMINAL_ANTERIOR.pelvis);
  const headingOffset = input.headingOffset ?? pelvisAzimuth - azimuth(input.thigh, thighAnterior);
  // Patient frame in the pelvis filter's earth: X facing, Y up, Z right.
  const x: Vec3 = [Math.cos(pelvisAzimuth), Math.sin(pelvisAzimuth), 0];
  const y: Vec3 = [0, 0, 1];
  const z: Vec3 = [x[1], -x[0], 0];
  const pose = quatFromAxes(x, y, z);
  const heading: Quat = [Math.cos(headingOffset / 2), 0, 0, Math.sin(headingOffset / 2)];
  // pose = q_pelvis ⊗ s2s* ⇒ s2s = pose* ⊗ q_pelvis; likewise for the thigh in the pelvis filter's earth frame.
  return {
    alignment: {
      pelvisSensorToSegment: quatMultiply(quatConjugate(pose), input.pelvis),
      thighSensorToSegment: quatMultiply(quatConjugate(pose), quatMultiply(heading, input.thigh)),
      headingOffset,
    },
    calibrationPose: pose,
  };
}

/**
 * Largest tilt (degrees) of a sensor's superior axis from the vertical still accepted as "upright": the ±15° of
 * placement tolerance, a natural pelvic tilt and some margin. Lying, sitting or a sensor worn upside down fail.
 */
export const MAX_UPRIGHT_TILT_DEG = 40;
