import type { NumArray } from '../math/quat.js';

/**
 * Allocation-free 3×3 matrix helpers (row-major, 9 numbers) for the gyroscope bias Kalman filter.
 * Outputs may not alias inputs unless stated.
 */

/** out = a · b */
export function mat3Multiply(out: NumArray, a: Readonly<NumArray>, b: Readonly<NumArray>): void {
  for (let r = 0; r < 3; r++) {
    const a0 = a[3 * r]!,
      a1 = a[3 * r + 1]!,
      a2 = a[3 * r + 2]!;
    for (let c = 0; c < 3; c++) out[3 * r + c] = a0 * b[c]! + a1 * b[3 + c]! + a2 * b[6 + c]!;
  }
}

/** out = a · bᵀ */
export function mat3MultiplyTransposedRight(out: NumArray, a: Readonly<NumArray>, b: Readonly<NumArray>): void {
  for (let r = 0; r < 3; r++) {
    const a0 = a[3 * r]!,
      a1 = a[3 * r + 1]!,
      a2 = a[3 * r + 2]!;
    for (let c = 0; c < 3; c++) out[3 * r + c] = a0 * b[3 * c]! + a1 * b[3 * c + 1]! + a2 * b[3 * c + 2]!;
  }
}

/** out = a⁻¹ via the adjugate; returns false (out untouched) when a is singular. out may alias a. */
export function mat3Invert(out: NumArray, a: Readonly<NumArray>): boolean {
  const m00 = a[0]!,
    m01 = a[1]!,
    m02 = a[2]!,
    m10 = a[3]!,
    m11 = a[4]!,
    m12 = a[5]!,
    m20 = a[6]!,
    m21 = a[7]!,
    m22 = a[8]!;
  const c00 = m11 * m22 - m12 * m21;
  const c01 = m12 * m20 - m10 * m22;
  const c02 = m10 * m21 - m11 * m20;
  const det = m00 * c00 + m01 * c01 + m02 * c02;
  if (det === 0 || !Number.isFinite(det)) return false;
  const inv = 1 / det;
  out[0] = c00 * inv;
  out[1] = (m02 * m21 - m01 * m22) * inv;
  out[2] = (m01 * m12 - m02 * m11) * inv;
  out[3] = c01 * inv;
  out[4] = (m00 * m22 - m02 * m20) * inv;
  out[5] = (m02 * m10 - m00 * m12) * inv;
  out[6] = c02 * inv;
  out[7] = (m01 * m20 - m00 * m21) * inv;
  out[8] = (m00 * m11 - m01 * m10) * inv;
  return true;
}

/** Row-major rotation matrix of the unit quaternion q (columns = rotated frame's axes). */
export function mat3FromQuat(out: NumArray, q: Readonly<NumArray>): void {
  const w = q[0]!,
    x = q[1]!,
    y = q[2]!,
    z = q[3]!;
  out[0] = 1 - 2 * (y * y + z * z);
  out[1] = 2 * (x * y - w * z);
  out[2] = 2 * (x * z + w * y);
  out[3] = 2 * (x * y + w * z);
  out[4] = 1 - 2 * (x * x + z * z);
  out[5] = 2 * (y * z - w * x);
  out[6] = 2 * (x * z - w * y);
  out[7] = 2 * (y * z + w * x);
  out[8] = 1 - 2 * (x * x + y * y);
}
