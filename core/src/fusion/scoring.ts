import type { NumArray } from '../math/quat.js';
import { RAD } from '../math/quat.js';

/**
 * Orientation error metrics of the BROAD benchmark (Laidig et al. 2021): the error quaternion is expressed in the
 * earth frame, e = q_est ⊗ q_ref⁻¹, and split into a rotation about the vertical (heading) and the rest
 * (inclination). All angles here are in radians, RMSE summaries in degrees.
 */

/** out = normalize(est ⊗ ref⁻¹) for unit quaternions read at the given offsets. */
export function errorQuaternionInto(
  out: NumArray,
  est: Readonly<NumArray>,
  ref: Readonly<NumArray>,
  estOffset = 0,
  refOffset = 0,
): void {
  const aw = est[estOffset]!,
    ax = est[estOffset + 1]!,
    ay = est[estOffset + 2]!,
    az = est[estOffset + 3]!;
  const bw = ref[refOffset]!,
    bx = -ref[refOffset + 1]!,
    by = -ref[refOffset + 2]!,
    bz = -ref[refOffset + 3]!;
  const w = aw * bw - ax * bx - ay * by - az * bz;
  const x = aw * bx + ax * bw + ay * bz - az * by;
  const y = aw * by - ax * bz + ay * bw + az * bx;
  const z = aw * bz + ax * by - ay * bx + az * bw;
  const n = Math.hypot(w, x, y, z) || 1;
  out[0] = w / n;
  out[1] = x / n;
  out[2] = y / n;
  out[3] = z / n;
}

/** Total rotation angle of the error quaternion (rad, 0..π). */
export const totalErrorAngle = (e: Readonly<NumArray>): number => 2 * Math.acos(Math.min(1, Math.abs(e[0]!)));

/** Heading part: angle of the rotation about the earth vertical (rad, 0..π). */
export function headingErrorAngle(e: Readonly<NumArray>): number {
  const w = e[0]!,
    z = e[3]!;
  if (w === 0) return z === 0 ? 0 : Math.PI;
  return 2 * Math.atan(Math.abs(z / w));
}

/** Inclination part: angle of the remaining rotation about a horizontal axis (rad, 0..π). */
export const inclinationErrorAngle = (e: Readonly<NumArray>): number =>
  2 * Math.acos(Math.min(1, Math.sqrt(e[0]! ** 2 + e[3]! ** 2)));

export interface OrientationRmse {
  /** RMSE in degrees over the scored samples. */
  total: number;
  heading: number;
  inclination: number;
  /** Number of samples scored (movement and a valid reference). */
  count: number;
}

export interface ScoreOptions {
  /** Score sample i only when mask[i] is truthy (BROAD: movement === 1). Default: all samples. */
  mask?: Readonly<NumArray>;
  /**
   * Constant heading offset (rad) removed from the estimate before scoring: q_est ← Rz(−offset) ⊗ q_est. Used
   * when the estimate's earth frame differs from the reference's by a rotation about the vertical.
   */
  headingOffset?: number;
}

/**
 * RMSE of the total / heading / inclination errors between two series of quaternions (flat arrays, 4 numbers
 * per sample). Samples whose reference is not finite (occluded markers) are skipped.
 */
export function scoreOrientation(
  est: Readonly<NumArray>,
  ref: Readonly<NumArray>,
  options: ScoreOptions = {},
): OrientationRmse {
  const n = Math.min(est.length, ref.length) >> 2;
  const { mask, headingOffset = 0 } = options;
  const c = Math.cos(headingOffset / 2),
    s = Math.sin(headingOffset / 2);
  const e = new Float64Array(4);
  const aligned = new Float64Array(4);
  let sumT = 0,
    sumH = 0,
    sumI = 0,
    count = 0;
  for (let i = 0; i < n; i++) {
    if (mask && !mask[i]) continue;
    const o = 4 * i;
    if (!isFiniteQuat(ref, o) || !isFiniteQuat(est, o)) continue;
    // Rz(−offset) ⊗ est
    const w = est[o]!,
      x = est[o + 1]!,
      y = est[o + 2]!,
      z = est[o + 3]!;
    aligned[0] = c * w + s * z;
    aligned[1] = c * x + s * y;
    aligned[2] = c * y - s * x;
    aligned[3] = c * z - s * w;
    errorQuaternionInto(e, aligned, ref, 0, o);
    sumT += totalErrorAngle(e) ** 2;
    sumH += headingErrorAngle(e) ** 2;
    sumI += inclinationErrorAngle(e) ** 2;
    count++;
  }
  if (count === 0) return { total: NaN, heading: NaN, inclination: NaN, count };
  return {
    total: Math.sqrt(sumT / count) * RAD,
    heading: Math.sqrt(sumH / count) * RAD,
    inclination: Math.sqrt(sumI / count) * RAD,
    count,
  };
}

/**
 * The constant heading offset δ (rad) that best aligns the estimate's earth frame with the reference's:
 * maximises Σ w² of Rz(−δ) ⊗ e over the scored samples (equivalently minimises the summed squared chordal
 * distance). Closed form: the principal eigenvector of the 2×2 matrix Σ [e_w, e_z]ᵀ[e_w, e_z].
 */
export function estimateHeadingOffset(
  est: Readonly<NumArray>,
  ref: Readonly<NumArray>,
  mask?: Readonly<NumArray>,
): number {
  const n = Math.min(est.length, ref.length) >> 2;
  const e = new Float64Array(4);
  let sww = 0,
    swz = 0,
    szz = 0;
  for (let i = 0; i < n; i++) {
    if (mask && !mask[i]) continue;
    const o = 4 * i;
    if (!isFiniteQuat(ref, o) || !isFiniteQuat(est, o)) continue;
    errorQuaternionInto(e, est, ref, o, o);
    sww += e[0]! * e[0]!;
    swz += e[0]! * e[3]!;
    szz += e[3]! * e[3]!;
  }
  // Principal eigenvector direction of [[sww, swz], [swz, szz]] is at angle φ with tan 2φ = 2 swz / (sww − szz);
  // the eigenvector is [cos(δ/2), sin(δ/2)], so δ = 2φ.
  return Math.atan2(2 * swz, sww - szz);
}

function isFiniteQuat(q: Readonly<NumArray>, o: number): boolean {
  return Number.isFinite(q[o]) && Number.isFinite(q[o + 1]) && Number.isFinite(q[o + 2]) && Number.isFinite(q[o + 3]);
}
