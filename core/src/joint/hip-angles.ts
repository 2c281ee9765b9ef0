/**
 * ISB hip joint angles (Wu et al. 2002, J Biomech 35:543).
 *
 * Segment frames (pelvis and femur, both sides): X anterior, Y superior, Z to the right. The hip rotation is the
 * femur frame relative to the pelvis frame, decomposed as Cardan Z-X-Y:
 *
 *   R_rel = Rz(α) · Rx(β) · Ry(γ)      (maps femur-frame vectors into the pelvis frame)
 *
 * α about the pelvis Z (flexion axis), β about the floating X' axis, γ about the femur's own Y (long axis).
 * Clinical signs, identical meaning on both sides (the left side is mirrored):
 *   flexion  = α                       (both sides; +α swings the knee forward)
 *   abduction = −β (right), +β (left)  (+β moves the distal femur toward −Z, i.e. to the patient's left)
 *   rotation = +γ (right), −γ (left)   (+γ turns the femur's anterior surface toward −Z; internal rotation +)
 * Zero is the calibration pose (standing upright: femur frame aligned with pelvis frame).
 *
 * Gimbal lock: the decomposition is singular at β = ±90° (α and γ then turn about the same axis). That is far outside
 * hip abduction/adduction range (≈ −30°…+50°); at the singularity the extraction reports γ = 0 and puts the whole
 * coupled turn into α, so it still returns finite angles whose rotation equals the input.
 */
import { DEG, RAD } from '../math/quat.js';
import type { NumArray, Quat } from '../math/quat.js';

/** Hip joint angles in degrees, clinical signs: flexion +, abduction +, internal rotation +. */
export interface HipAngles {
  flexion: number;
  abduction: number;
  rotation: number;
}

export type Side = 'left' | 'right';

export const HIP_ANGLE_NAMES = ['flexion', 'abduction', 'rotation'] as const;
export type HipAngleName = (typeof HIP_ANGLE_NAMES)[number];

/** +1 for the right side, −1 for the left: the mirror factor of the abduction and rotation Cardan angles. */
export const sideSign = (side: Side): 1 | -1 => (side === 'right' ? 1 : -1);

/** Rotation of the femur segment frame relative to the pelvis segment frame (femur → pelvis) for clinical angles. */
export function hipRotationFromAngles(angles: Readonly<HipAngles>, side: Side): Quat {
  const q: Quat = [1, 0, 0, 0];
  hipRotationFromAnglesInto(q, angles.flexion, angles.abduction, angles.rotation, side);
  return q;
}

/** hipRotationFromAngles writing into `out`, angles in degrees as scalars: allocation-free. */
export function hipRotationFromAnglesInto(
  out: NumArray,
  flexion: number,
  abduction: number,
  rotation: number,
  side: Side,
): NumArray {
  const m = sideSign(side);
  const a = flexion * DEG * 0.5;
  const b = -m * abduction * DEG * 0.5;
  const g = m * rotation * DEG * 0.5;
  // qz(α) ⊗ qx(β) ⊗ qy(γ), expanded: qz ⊗ qx = [ca·cb, ca·sb, sa·sb, sa·cb]
  const ca = Math.cos(a),
    sa = Math.sin(a),
    cb = Math.cos(b),
    sb = Math.sin(b),
    cg = Math.cos(g),
    sg = Math.sin(g);
  const w = ca * cb,
    x = ca * sb,
    y = sa * sb,
    z = sa * cb;
  // (w, x, y, z) ⊗ (cg, 0, sg, 0)
  out[0] = w * cg - y * sg;
  out[1] = x * cg - z * sg;
  out[2] = w * sg + y * cg;
  out[3] = z * cg + x * sg;
  return out;
}

/** Clinical hip angles (degrees) of a femur-relative-to-pelvis rotation. Allocates the result. */
export function hipAnglesFromRotation(qRel: Readonly<NumArray>, side: Side): HipAngles {
  const out: HipAngles = { flexion: 0, abduction: 0, rotation: 0 };
  hipAnglesFromRotationInto(out, qRel, side);
  return out;
}

/**
 * Allocation-free variant for the live pipeline: writes the angles of qRel (need not be normalised, but must be
 * non-zero) into `out` and returns it.
 */
export function hipAnglesFromRotationInto(out: HipAngles, qRel: Readonly<NumArray>, side: Side): HipAngles {
  const a = scratchAngles;
  hipAnglesFromRotationToArray(a, qRel, side);
  out.flexion = a[0]!;
  out.abduction = a[1]!;
  out.rotation = a[2]!;
  return out;
}

const scratchAngles = new Float64Array(3);

/**
 * The decomposition behind hipAnglesFromRotationInto, written to out[0..2] (flexion, abduction, rotation): the
 * per-frame paths use this one, as stores into a typed array never box the doubles (stores into objects of many
 * shapes may).
 */
export function hipAnglesFromRotationToArray(out: Float64Array, qRel: Readonly<NumArray>, side: Side): void {
  let w = qRel[0]!,
    x = qRel[1]!,
    y = qRel[2]!,
    z = qRel[3]!;
  const n = Math.sqrt(w * w + x * x + y * y + z * z);
  w /= n;
  x /= n;
  y /= n;
  z /= n;
  // Matrix entries used by the Z-X-Y decomposition (row-major R[row][col]).
  const r01 = 2 * (x * y - w * z);
  const r11 = 1 - 2 * (x * x + z * z);
  const r21 = 2 * (y * z + w * x);
  const r20 = 2 * (x * z - w * y);
  const r22 = 1 - 2 * (x * x + y * y);
  // R21 = sin β, hypot(R01, R11) = cos β ≥ 0: atan2 keeps full precision near β = 0 (asin would not near ±90°).
  const cosB = Math.sqrt(r01 * r01 + r11 * r11);
  const beta = Math.atan2(r21, cosB);
  let alpha: number, gamma: number;
  if (cosB > 1e-12) {
    alpha = Math.atan2(-r01, r11);
    gamma = Math.atan2(-r20, r22);
  } else {
    // Gimbal lock: only α ± γ is defined; report γ = 0 and read α from the first column (R10, R00).
    const r00 = 1 - 2 * (y * y + z * z);
    const r10 = 2 * (x * y + w * z);
    alpha = Math.atan2(r10, r00);
    gamma = 0;
  }
  const m = sideSign(side);
  // + 0 normalises −0 to 0 so results compare and serialise cleanly.
  out[0] = alpha * RAD + 0;
  out[1] = -m * beta * RAD + 0;
  out[2] = m * gamma * RAD + 0;
}
