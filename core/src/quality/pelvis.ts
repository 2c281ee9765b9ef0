/**
 * Pelvic compensation angles: how the pelvis turned during a movement, from its orientation relative to the
 * calibration pose.
 *
 * Input quaternions are the pelvis segment frame (ISB: X anterior, Y superior, Z right) relative to the pelvis frame
 * of the calibration pose, q_rel = q_cal⁻¹ ⊗ q_now. The change over a repetition is the rotation from its start,
 * q_start⁻¹ ⊗ q_now (expressed in the pelvis frame at the start, so lying or sitting makes no difference), decomposed
 * with the Cardan Z-X-Y sequence of the hip joint angles (hip-angles.ts) and given clinical signs relative to the
 * treated side:
 * - obliquity: about the anterior axis, + = the treated side's iliac crest rises (hip hike);
 * - tilt: about the medio-lateral axis, + = anterior tilt (the top of the pelvis tips forward);
 * - rotation: about the superior axis, + = the treated side moves forward.
 */
import type { HipAngles, Side } from '../joint/hip-angles.js';
import { hipAnglesFromRotationInto, hipRotationFromAnglesInto } from '../joint/hip-angles.js';
import type { NumArray } from '../math/quat.js';

/** Pelvis rotation from a reference orientation, degrees, signs as above. */
export interface PelvisChange {
  obliquity: number;
  tilt: number;
  rotation: number;
}

/**
 * The pelvis orientation relative to calibration given as angles with the same decomposition and signs (what the
 * hip-angle tracker reports per frame): converted back to the quaternion exactly, so changes can be taken in the
 * pelvis frame even far from upright (side-lying is at the decomposition's singularity, where angle differences
 * would mean nothing).
 */
export interface PelvisOrientationAngles {
  tilt: number;
  obliquity: number;
  rotation: number;
}

export type PelvisChangeName = keyof PelvisChange;
export const PELVIS_CHANGE_NAMES: readonly PelvisChangeName[] = ['obliquity', 'tilt', 'rotation'];

const scratchQ = new Float64Array(4);
const scratchAngles: HipAngles = { flexion: 0, abduction: 0, rotation: 0 };

/**
 * Writes the pelvis angles of `qNow` relative to `qRef` (both relative to the calibration pose, w,x,y,z) into `out`.
 * Allocation-free.
 */
export function pelvisChangeInto(
  out: PelvisChange,
  qRef: Readonly<NumArray>,
  qNow: Readonly<NumArray>,
  side: Side,
): PelvisChange {
  // conj(qRef) ⊗ qNow
  const aw = qRef[0]!,
    ax = -qRef[1]!,
    ay = -qRef[2]!,
    az = -qRef[3]!;
  const bw = qNow[0]!,
    bx = qNow[1]!,
    by = qNow[2]!,
    bz = qNow[3]!;
  scratchQ[0] = aw * bw - ax * bx - ay * by - az * bz;
  scratchQ[1] = aw * bx + ax * bw + ay * bz - az * by;
  scratchQ[2] = aw * by - ax * bz + ay * bw + az * bx;
  scratchQ[3] = aw * bz + ax * by - ay * bx + az * bw;
  // The hip decomposition with the treated side's mirror gives exactly the signs above: its "abduction" (−β on the
  // right) is the treated side rising, its "flexion" (+ about Z) tips the anterior axis up, i.e. posterior tilt, and
  // its "rotation" turns the treated side forward.
  hipAnglesFromRotationInto(scratchAngles, scratchQ, side);
  out.obliquity = scratchAngles.abduction;
  out.tilt = -scratchAngles.flexion + 0;
  out.rotation = scratchAngles.rotation;
  return out;
}

/**
 * Writes the quaternion (w,x,y,z) of pelvis orientation angles relative to calibration into `out`: the inverse of
 * the decomposition above (Z-X-Y Cardan with the treated side's mirror, tilt = −Z angle). Allocation-free.
 */
export function pelvisQuatFromAnglesInto(
  out: NumArray,
  angles: Readonly<PelvisOrientationAngles>,
  side: Side,
): NumArray {
  // The pelvis angles are the hip decomposition with tilt = −flexion: the same Cardan Z-X-Y composition.
  return hipRotationFromAnglesInto(out, -angles.tilt, angles.obliquity, angles.rotation, side);
}
