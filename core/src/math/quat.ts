/**
 * Quaternion and 3-vector helpers. Quaternions are [w, x, y, z], Hamilton convention,
 * and by project convention they rotate sensor-frame vectors into the earth frame (ENU).
 *
 * Two flavours: allocating helpers returning fresh tuples (clear, for tests and setup code)
 * and `*Into` variants writing into a caller-owned array (for allocation-free inner loops).
 */
export type Vec3 = [number, number, number];
export type Quat = [number, number, number, number];
/** Anything indexable that holds numbers: tuples, plain arrays, Float64Array views. */
export type NumArray = { [index: number]: number; length: number };

export const DEG = Math.PI / 180;
export const RAD = 180 / Math.PI;

export const quatIdentity = (): Quat => [1, 0, 0, 0];

export function quatMultiply(a: Readonly<NumArray>, b: Readonly<NumArray>): Quat {
  const out: Quat = [0, 0, 0, 0];
  quatMultiplyInto(out, a, b);
  return out;
}

/** out = a ⊗ b; out may alias a or b. */
export function quatMultiplyInto(out: NumArray, a: Readonly<NumArray>, b: Readonly<NumArray>): void {
  const aw = a[0]!,
    ax = a[1]!,
    ay = a[2]!,
    az = a[3]!;
  const bw = b[0]!,
    bx = b[1]!,
    by = b[2]!,
    bz = b[3]!;
  out[0] = aw * bw - ax * bx - ay * by - az * bz;
  out[1] = aw * bx + ax * bw + ay * bz - az * by;
  out[2] = aw * by - ax * bz + ay * bw + az * bx;
  out[3] = aw * bz + ax * by - ay * bx + az * bw;
}

/**
 * `quatMultiplyInto` for Float64Array operands only, for the per-sample paths: the generic one also sees plain
 * arrays, and V8 then compiles its element loads for both kinds (slower, and too big to inline). out may alias.
 */
export function quatMultiplyF64Into(out: Float64Array, a: Float64Array, b: Float64Array): void {
  const aw = a[0]!,
    ax = a[1]!,
    ay = a[2]!,
    az = a[3]!;
  const bw = b[0]!,
    bx = b[1]!,
    by = b[2]!,
    bz = b[3]!;
  out[0] = aw * bw - ax * bx - ay * by - az * bz;
  out[1] = aw * bx + ax * bw + ay * bz - az * by;
  out[2] = aw * by - ax * bz + ay * bw + az * bx;
  out[3] = aw * bz + ax * by - ay * bx + az * bw;
}

/** `quatNormalizeInPlace` for a Float64Array (see quatMultiplyF64Into). */
export function quatNormalizeF64InPlace(q: Float64Array): void {
  const w = q[0]!,
    x = q[1]!,
    y = q[2]!,
    z = q[3]!;
  const n = Math.sqrt(w * w + x * x + y * y + z * z);
  if (n === 0) {
    q[0] = 1;
    q[1] = q[2] = q[3] = 0;
    return;
  }
  q[0] = w / n;
  q[1] = x / n;
  q[2] = y / n;
  q[3] = z / n;
}

export const quatConjugate = (q: Readonly<NumArray>): Quat => [q[0]!, -q[1]!, -q[2]!, -q[3]!];

export function quatNormalize(q: Readonly<NumArray>): Quat {
  const out: Quat = [q[0]!, q[1]!, q[2]!, q[3]!];
  quatNormalizeInPlace(out);
  return out;
}

export function quatNormalizeInPlace(q: NumArray): void {
  const n = Math.sqrt(q[0]! * q[0]! + q[1]! * q[1]! + q[2]! * q[2]! + q[3]! * q[3]!);
  if (n === 0) {
    q[0] = 1;
    q[1] = q[2] = q[3] = 0;
    return;
  }
  q[0] = q[0]! / n;
  q[1] = q[1]! / n;
  q[2] = q[2]! / n;
  q[3] = q[3]! / n;
}

/** Rotation of `angle` rad about the unit `axis`. */
export function quatFromAxisAngle(axis: Readonly<NumArray>, angle: number): Quat {
  const s = Math.sin(angle / 2);
  const n = Math.sqrt(axis[0]! * axis[0]! + axis[1]! * axis[1]! + axis[2]! * axis[2]!) || 1;
  return [Math.cos(angle / 2), (axis[0]! / n) * s, (axis[1]! / n) * s, (axis[2]! / n) * s];
}

/** Rotation by the rotation vector v (axis * angle, rad): the exponential map. */
export function quatFromRotationVector(v: Readonly<NumArray>): Quat {
  const angle = Math.sqrt(v[0]! * v[0]! + v[1]! * v[1]! + v[2]! * v[2]!);
  if (angle < 1e-12) return quatNormalize([1, v[0]! / 2, v[1]! / 2, v[2]! / 2]);
  return quatFromAxisAngle(v, angle);
}

/** Rotation vector (axis * angle, rad) of q, with angle in [0, π]. */
export function quatToRotationVector(q: Readonly<NumArray>): Vec3 {
  const sign = q[0]! < 0 ? -1 : 1;
  const w = q[0]! * sign,
    x = q[1]! * sign,
    y = q[2]! * sign,
    z = q[3]! * sign;
  const s = Math.sqrt(x * x + y * y + z * z);
  if (s < 1e-12) return [2 * x, 2 * y, 2 * z];
  const angle = 2 * Math.atan2(s, w);
  return [(x / s) * angle, (y / s) * angle, (z / s) * angle];
}

/** Angle (rad, in [0, π]) of the rotation taking a to b. */
export function quatAngleBetween(a: Readonly<NumArray>, b: Readonly<NumArray>): number {
  const dot = a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]! + a[3]! * b[3]!;
  return 2 * Math.acos(Math.min(1, Math.abs(dot)));
}

/** v expressed in the frame q rotates into: q ⊗ v ⊗ q*. */
export function quatRotate(q: Readonly<NumArray>, v: Readonly<NumArray>): Vec3 {
  const out: Vec3 = [0, 0, 0];
  quatRotateInto(out, q, v);
  return out;
}

/** out = q ⊗ v ⊗ q*, allocation-free; out may alias v. */
export function quatRotateInto(out: NumArray, q: Readonly<NumArray>, v: Readonly<NumArray>): void {
  const w = q[0]!,
    x = q[1]!,
    y = q[2]!,
    z = q[3]!;
  const vx = v[0]!,
    vy = v[1]!,
    vz = v[2]!;
  // t = 2 * (q_vec × v); v' = v + w t + q_vec × t
  const tx = 2 * (y * vz - z * vy);
  const ty = 2 * (z * vx - x * vz);
  const tz = 2 * (x * vy - y * vx);
  out[0] = vx + w * tx + (y * tz - z * ty);
  out[1] = vy + w * ty + (z * tx - x * tz);
  out[2] = vz + w * tz + (x * ty - y * tx);
}

/** v rotated by the inverse of q (earth → sensor when q is sensor-to-earth). */
export function quatRotateInverse(q: Readonly<NumArray>, v: Readonly<NumArray>): Vec3 {
  return quatRotate(quatConjugate(q), v);
}

/** Row-major 3×3 rotation matrix of q. Columns are the rotated frame's axes in the outer frame. */
export function quatToMatrix(q: Readonly<NumArray>): number[] {
  const w = q[0]!,
    x = q[1]!,
    y = q[2]!,
    z = q[3]!;
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    1 - 2 * (x * x + z * z),
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    1 - 2 * (x * x + y * y),
  ];
}

/** Quaternion of a row-major 3×3 rotation matrix (Shepperd's method: stable for every rotation). */
export function quatFromMatrix(m: Readonly<NumArray>): Quat {
  const m00 = m[0]!,
    m01 = m[1]!,
    m02 = m[2]!,
    m10 = m[3]!,
    m11 = m[4]!,
    m12 = m[5]!;
  const m20 = m[6]!,
    m21 = m[7]!,
    m22 = m[8]!;
  const trace = m00 + m11 + m22;
  let q: Quat;
  if (trace > 0) {
    const s = Math.sqrt(trace + 1) * 2;
    q = [0.25 * s, (m21 - m12) / s, (m02 - m20) / s, (m10 - m01) / s];
  } else if (m00 > m11 && m00 > m22) {
    const s = Math.sqrt(1 + m00 - m11 - m22) * 2;
    q = [(m21 - m12) / s, 0.25 * s, (m01 + m10) / s, (m02 + m20) / s];
  } else if (m11 > m22) {
    const s = Math.sqrt(1 + m11 - m00 - m22) * 2;
    q = [(m02 - m20) / s, (m01 + m10) / s, 0.25 * s, (m12 + m21) / s];
  } else {
    const s = Math.sqrt(1 + m22 - m00 - m11) * 2;
    q = [(m10 - m01) / s, (m02 + m20) / s, (m12 + m21) / s, 0.25 * s];
  }
  if (q[0] < 0) q = [-q[0], -q[1], -q[2], -q[3]];
  return quatNormalize(q);
}

/** Rotation whose columns are the given orthonormal axes (each expressed in the outer frame). */
export function quatFromAxes(xAxis: Readonly<NumArray>, yAxis: Readonly<NumArray>, zAxis: Readonly<NumArray>): Quat {
  return quatFromMatrix([
    xAxis[0]!,
    yAxis[0]!,
    zAxis[0]!,
    xAxis[1]!,
    yAxis[1]!,
    zAxis[1]!,
    xAxis[2]!,
    yAxis[2]!,
    zAxis[2]!,
  ]);
}

/**
 * Allocation-free slerp, shortest path: out = a·(1 − t) ⊕ b·t on the unit sphere, read from `a` at aOffset and `b`
 * at bOffset (e.g. rows of a Float64Array ring buffer). out may alias a or b when the offsets are 0.
 */
export function quatSlerpInto(
  out: NumArray,
  a: Readonly<NumArray>,
  b: Readonly<NumArray>,
  t: number,
  aOffset = 0,
  bOffset = 0,
): void {
  SLERP_FRACTION[0] = t;
  quatSlerpAtInto(out, a, b, SLERP_FRACTION, aOffset, bOffset);
}

const SLERP_FRACTION = new Float64Array(1);

/**
 * quatSlerpInto with the fraction read from fraction[0]. For per-sample paths: this body is too large for V8 to
 * inline, and a double argument of a call that is not inlined is allocated on the heap; an array is not.
 */
export function quatSlerpAtInto(
  out: NumArray,
  a: Readonly<NumArray>,
  b: Readonly<NumArray>,
  fraction: Readonly<Float64Array>,
  aOffset: number,
  bOffset: number,
): void {
  const t = fraction[0]!;
  const aw = a[aOffset]!,
    ax = a[aOffset + 1]!,
    ay = a[aOffset + 2]!,
    az = a[aOffset + 3]!;
  let bw = b[bOffset]!,
    bx = b[bOffset + 1]!,
    by = b[bOffset + 2]!,
    bz = b[bOffset + 3]!;
  let dot = aw * bw + ax * bx + ay * by + az * bz;
  if (dot < 0) {
    dot = -dot;
    bw = -bw;
    bx = -bx;
    by = -by;
    bz = -bz;
  }
  let sa: number, sb: number;
  if (dot > 0.9995) {
    // Nearly parallel: linear interpolation is exact to rounding and avoids dividing by sin θ ≈ 0.
    sa = 1 - t;
    sb = t;
  } else {
    const theta = Math.acos(dot);
    const s = Math.sin(theta);
    sa = Math.sin((1 - t) * theta) / s;
    sb = Math.sin(t * theta) / s;
  }
  const w = sa * aw + sb * bw,
    x = sa * ax + sb * bx,
    y = sa * ay + sb * by,
    z = sa * az + sb * bz;
  // Normalised here rather than by quatNormalizeInPlace: one call less on the per-frame path.
  const n = Math.sqrt(w * w + x * x + y * y + z * z);
  if (n === 0) {
    out[0] = 1;
    out[1] = out[2] = out[3] = 0;
    return;
  }
  out[0] = w / n;
  out[1] = x / n;
  out[2] = y / n;
  out[3] = z / n;
}

/** out = q* (the inverse of a unit quaternion); out may alias q. */
export function quatConjugateInto(out: NumArray, q: Readonly<NumArray>): void {
  out[0] = q[0]!;
  out[1] = -q[1]!;
  out[2] = -q[2]!;
  out[3] = -q[3]!;
}

/** Spherical linear interpolation, shortest path. */
export function quatSlerp(a: Readonly<NumArray>, b: Readonly<NumArray>, t: number): Quat {
  let bw = b[0]!,
    bx = b[1]!,
    by = b[2]!,
    bz = b[3]!;
  let dot = a[0]! * bw + a[1]! * bx + a[2]! * by + a[3]! * bz;
  if (dot < 0) {
    dot = -dot;
    bw = -bw;
    bx = -bx;
    by = -by;
    bz = -bz;
  }
  if (dot > 0.9995) {
    return quatNormalize([
      a[0]! + t * (bw - a[0]!),
      a[1]! + t * (bx - a[1]!),
      a[2]! + t * (by - a[2]!),
      a[3]! + t * (bz - a[3]!),
    ]);
  }
  const theta = Math.acos(dot);
  const sa = Math.sin((1 - t) * theta) / Math.sin(theta);
  const sb = Math.sin(t * theta) / Math.sin(theta);
  return [sa * a[0]! + sb * bw, sa * a[1]! + sb * bx, sa * a[2]! + sb * by, sa * a[3]! + sb * bz];
}

export const vecAdd = (a: Readonly<NumArray>, b: Readonly<NumArray>): Vec3 => [
  a[0]! + b[0]!,
  a[1]! + b[1]!,
  a[2]! + b[2]!,
];
export const vecSub = (a: Readonly<NumArray>, b: Readonly<NumArray>): Vec3 => [
  a[0]! - b[0]!,
  a[1]! - b[1]!,
  a[2]! - b[2]!,
];
export const vecScale = (a: Readonly<NumArray>, s: number): Vec3 => [a[0]! * s, a[1]! * s, a[2]! * s];
export const vecDot = (a: Readonly<NumArray>, b: Readonly<NumArray>): number =>
  a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
export const vecCross = (a: Readonly<NumArray>, b: Readonly<NumArray>): Vec3 => [
  a[1]! * b[2]! - a[2]! * b[1]!,
  a[2]! * b[0]! - a[0]! * b[2]!,
  a[0]! * b[1]! - a[1]! * b[0]!,
];
export const vecNorm = (a: Readonly<NumArray>): number => Math.sqrt(a[0]! * a[0]! + a[1]! * a[1]! + a[2]! * a[2]!);
export function vecNormalize(a: Readonly<NumArray>): Vec3 {
  const n = vecNorm(a);
  return n === 0 ? [0, 0, 0] : [a[0]! / n, a[1]! / n, a[2]! / n];
}
