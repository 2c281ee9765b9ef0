/**
 * Synthetic IMU data with exact ground truth, for the fusion tests (not exported from the package).
 *
 * Sample k covers the step (t_k − dt, t_k]: the gyroscope value is the constant rate that turns the true
 * orientation at t_k − dt into the one at t_k exactly, the accelerometer and magnetometer describe the middle of
 * the step (an interval-averaging sensor). Randomness comes from a seeded generator only.
 */
import type { Quat, Vec3 } from '../math/quat.js';
import {
  quatConjugate,
  quatFromAxisAngle,
  quatMultiply,
  quatRotateInverse,
  quatToRotationVector,
} from '../math/quat.js';
import { errorQuaternionInto, headingErrorAngle, inclinationErrorAngle, totalErrorAngle } from './scoring.js';

export const GRAVITY = 9.81;
/** Earth field (µT, ENU): 20 µT north, 45 µT down (dip ≈ 66°, like central Europe). */
export const EARTH_FIELD: Vec3 = [0, 20, -45];

export interface SyntheticMotion {
  sampleRate: number;
  duration: number;
  /** True orientation, sensor → ENU. */
  orientation: (t: number) => Quat;
  /** Movement acceleration (m/s², earth frame), added to gravity. */
  linearAcc?: (t: number) => Vec3;
  /** Magnetic field (µT, earth frame) seen at time t; default EARTH_FIELD. */
  field?: (t: number) => Vec3;
  /** Constant gyroscope bias (rad/s, sensor frame). */
  gyroBias?: Vec3;
  /** White noise standard deviations per sample: rad/s, m/s², µT. */
  gyroNoise?: number;
  accNoise?: number;
  magNoise?: number;
  seed?: number;
}

export interface SyntheticData {
  t: Float64Array;
  gyr: Float64Array;
  acc: Float64Array;
  mag: Float64Array;
  /** True orientation at each sample time, 4 per sample. */
  truth: Float64Array;
}

export const axisAngleDeg = (axis: Vec3, deg: number): Quat => quatFromAxisAngle(axis, (deg * Math.PI) / 180);
export const X: Vec3 = [1, 0, 0];
export const Y: Vec3 = [0, 1, 0];
export const Z: Vec3 = [0, 0, 1];

/** Product of rotations, applied right to left (the last one acts first on sensor vectors). */
export const compose = (...qs: Quat[]): Quat => qs.reduce((a, b) => quatMultiply(a, b), [1, 0, 0, 0] as Quat);

/** Mulberry32: a small, well-mixed 32-bit PRNG; Box–Muller for normal deviates. */
export function gaussianSource(seed: number): () => number {
  let s = seed >>> 0;
  const uniform = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

export function synthesize(m: SyntheticMotion): SyntheticData {
  const dt = 1 / m.sampleRate;
  const n = Math.round(m.duration * m.sampleRate);
  const noise = gaussianSource(m.seed ?? 1);
  const bias = m.gyroBias ?? [0, 0, 0];
  const out: SyntheticData = {
    t: new Float64Array(n),
    gyr: new Float64Array(3 * n),
    acc: new Float64Array(3 * n),
    mag: new Float64Array(3 * n),
    truth: new Float64Array(4 * n),
  };
  let prev = m.orientation(-dt);
  for (let k = 0; k < n; k++) {
    const t = k * dt;
    const q = m.orientation(t);
    const rv = quatToRotationVector(quatMultiply(quatConjugate(prev), q));
    const mid = m.orientation(t - dt / 2);
    const a = m.linearAcc ? m.linearAcc(t - dt / 2) : [0, 0, 0];
    const accS = quatRotateInverse(mid, [a[0]!, a[1]!, a[2]! + GRAVITY]);
    const magS = quatRotateInverse(mid, m.field ? m.field(t - dt / 2) : EARTH_FIELD);
    for (let i = 0; i < 3; i++) {
      out.gyr[3 * k + i] = rv[i]! / dt + bias[i]! + (m.gyroNoise ?? 0) * noise();
      out.acc[3 * k + i] = accS[i]! + (m.accNoise ?? 0) * noise();
      out.mag[3 * k + i] = magS[i]! + (m.magNoise ?? 0) * noise();
    }
    out.t[k] = t;
    out.truth.set(q, 4 * k);
    prev = q;
  }
  return out;
}

/** Error angles (degrees) of estimate sample i against the truth. */
export function errorsDeg(
  est: Float64Array,
  truth: Float64Array,
  i: number,
): { total: number; heading: number; inclination: number } {
  const e = new Float64Array(4);
  errorQuaternionInto(e, est, truth, 4 * i, 4 * i);
  const r = 180 / Math.PI;
  return {
    total: totalErrorAngle(e) * r,
    heading: headingErrorAngle(e) * r,
    inclination: inclinationErrorAngle(e) * r,
  };
}

/** Largest error (degrees) of one kind over samples with time ≥ from. */
export function maxErrorDeg(
  est: Float64Array,
  data: SyntheticData,
  kind: 'total' | 'heading' | 'inclination',
  from = 0,
): number {
  let worst = 0;
  for (let i = 0; i < data.t.length; i++)
    if (data.t[i]! >= from) worst = Math.max(worst, errorsDeg(est, data.truth, i)[kind]);
  return worst;
}

/** Signed heading of the estimate relative to the truth (degrees, about the earth vertical) at sample i. */
export function signedHeadingErrorDeg(est: Float64Array, truth: Float64Array, i: number): number {
  const e = new Float64Array(4);
  errorQuaternionInto(e, est, truth, 4 * i, 4 * i);
  const s = e[0]! < 0 ? -1 : 1;
  return (2 * Math.atan2(s * e[3]!, s * e[0]!) * 180) / Math.PI;
}
