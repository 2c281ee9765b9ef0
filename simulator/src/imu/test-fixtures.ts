/**
 * Test-only motions with known derivatives, independent of the exercise generators, and a reference gyro
 * integrator. Used by the IMU tests; not exported from the package.
 */
import {
  hipAnglesFromRotation,
  quatConjugate,
  quatFromAxisAngle,
  quatFromAxes,
  quatMultiply,
  quatNormalize,
  quatRotate,
  vecCross,
  vecNormalize,
} from '@hipmon/core';
import type { Quat, Side, Vec3 } from '@hipmon/core';
import type { MotionScript, Pose } from '../kinematics/types.js';

/** A segment turning about a fixed (tilted) body axis k by θ(t) while its origin translates. */
export interface AnalyticMotion {
  poseAt(t: number): Pose;
  /** Body-frame (segment-frame) angular rate. */
  omegaBody(t: number): Vec3;
  /** Earth-frame linear acceleration of the point at `leverArm` (segment frame). */
  pointAcceleration(t: number, leverArm: Readonly<Vec3>): Vec3;
}

const TWO_PI = 2 * Math.PI;

/**
 * q(t) = q0 ⊗ Rot(k, θ(t)), θ = a1·sin(2π f1 t) + a2·sin(2π f2 t + 1), p(t) = p0 + three sinusoids.
 * Two frequencies keep θ̈ and θ̇ from vanishing together; the defaults resemble a brisk leg swing (up to ~4 rad/s).
 */
export function tiltedSwing(
  opts: { axis?: Vec3; q0?: Quat; a1?: number; f1?: number; a2?: number; f2?: number; translate?: number } = {},
): AnalyticMotion {
  const k = vecNormalize(opts.axis ?? [0.3, -0.5, 0.8]);
  const q0 = opts.q0 ?? quatNormalize([0.9, 0.1, -0.3, 0.2]);
  const a1 = opts.a1 ?? 0.6,
    f1 = opts.f1 ?? 0.8,
    a2 = opts.a2 ?? 0.15,
    f2 = opts.f2 ?? 2.3;
  const amp = opts.translate ?? 0.1;
  const w1 = TWO_PI * f1,
    w2 = TWO_PI * f2;
  const theta = (t: number): [number, number, number] => [
    a1 * Math.sin(w1 * t) + a2 * Math.sin(w2 * t + 1),
    a1 * w1 * Math.cos(w1 * t) + a2 * w2 * Math.cos(w2 * t + 1),
    -a1 * w1 * w1 * Math.sin(w1 * t) - a2 * w2 * w2 * Math.sin(w2 * t + 1),
  ];
  const wp: Vec3 = [TWO_PI * 0.5, TWO_PI * 0.7, TWO_PI * 1.1];
  const position = (t: number): Vec3 => [
    0.4 + amp * Math.sin(wp[0] * t),
    -1 + amp * Math.cos(wp[1] * t),
    0.9 + 0.5 * amp * Math.sin(wp[2] * t),
  ];
  const positionAcc = (t: number): Vec3 => [
    -amp * wp[0] ** 2 * Math.sin(wp[0] * t),
    -amp * wp[1] ** 2 * Math.cos(wp[1] * t),
    -0.5 * amp * wp[2] ** 2 * Math.sin(wp[2] * t),
  ];
  const rotationAt = (t: number): Quat => quatMultiply(q0, quatFromAxisAngle(k, theta(t)[0]));
  return {
    poseAt: (t) => ({ q: rotationAt(t), p: position(t) }),
    omegaBody: (t) => {
      const rate = theta(t)[1];
      return [k[0] * rate, k[1] * rate, k[2] * rate];
    },
    pointAcceleration(t, leverArm) {
      const [th, rate, accel] = theta(t);
      // u = Rot(k, θ)·r; ü = θ̈ k×u + θ̇² k×(k×u), then into earth by q0.
      const u = quatRotate(quatFromAxisAngle(k, th), leverArm);
      const ku = vecCross(k, u);
      const kku = vecCross(k, ku);
      const local: Vec3 = [0, 0, 0];
      for (let i = 0; i < 3; i++) local[i] = accel * ku[i]! + rate * rate * kku[i]!;
      const a = quatRotate(q0, local);
      const ap = positionAcc(t);
      return [a[0] + ap[0], a[1] + ap[1], a[2] + ap[2]];
    },
  };
}

/** Quintic smoothstep (C², zero slope and curvature at both ends). */
const smooth = (x: number): number => {
  const u = Math.min(1, Math.max(0, x));
  return u * u * u * (10 - 15 * u + 6 * u * u);
};

/** ISB pelvis frame of a person standing upright facing north: X anterior = north, Y up, Z right = east. */
export const UPRIGHT_FACING_NORTH: Quat = quatFromAxes([0, 1, 0], [0, 0, 1], [1, 0, 0]);

/**
 * A small MotionScript: 2 s standing still (calibration), then the thigh swings forward and out about a tilted
 * hip axis while the pelvis sways and translates a little, all smooth (C²). Counts no repetitions.
 */
export function swingScript(
  opts: { duration?: number; side?: Side; swingDeg?: number; period?: number } = {},
): MotionScript {
  const duration = opts.duration ?? 20;
  const side = opts.side ?? 'right';
  const swing = ((opts.swingDeg ?? 40) * Math.PI) / 180;
  const period = opts.period ?? 2.5;
  const hipAxis = vecNormalize([0.2, 0.3, side === 'right' ? 0.93 : -0.93]);
  const hipOffset: Vec3 = [0, 0, side === 'right' ? 0.085 : -0.085];
  const stateAt = (t: number) => {
    const ramp = smooth((t - 2) / 2);
    const phase = TWO_PI * Math.max(0, t - 2);
    const pelvisQ = quatMultiply(
      UPRIGHT_FACING_NORTH,
      quatFromAxisAngle([1, 0.2, 0], 0.05 * ramp * Math.sin(phase / (1.7 * period))),
    );
    const pelvis: Pose = {
      q: pelvisQ,
      p: [0.02 * ramp * Math.sin(phase / (3 * period)), 0.03 * ramp * Math.sin(phase / (2 * period)), 0.9],
    };
    const hip = quatFromAxisAngle(hipAxis, swing * ramp * 0.5 * (1 - Math.cos(phase / period)));
    const offset = quatRotate(pelvisQ, hipOffset);
    const thigh: Pose = {
      q: quatMultiply(pelvisQ, hip),
      p: [pelvis.p[0] + offset[0], pelvis.p[1] + offset[1], pelvis.p[2] + offset[2]],
    };
    return { pelvis, thigh, angles: hipAnglesFromRotation(hip, side) };
  };
  return {
    exercise: 'standing_hip_flexion',
    side,
    duration,
    calibrationEnd: 2,
    stateAt,
    reps: [],
    holds: [],
  };
}

/** A segment spinning at constant rate ω (rad/s) about the earth vertical through its origin. */
export function spinningScript(omega: number, duration = 10): MotionScript {
  const still = { flexion: 0, abduction: 0, rotation: 0 };
  const pose = (t: number): Pose => ({
    q: quatMultiply(quatFromAxisAngle([0, 0, 1], omega * t), UPRIGHT_FACING_NORTH),
    p: [0, 0, 1],
  });
  return {
    exercise: 'standing_hip_abduction',
    side: 'left',
    duration,
    calibrationEnd: 0,
    stateAt: (t) => ({ pelvis: pose(t), thigh: pose(t), angles: still }),
    reps: [],
    holds: [],
  };
}

/**
 * Reference strapdown integration of body-frame rates sampled on a uniform grid: the rate is interpolated by the
 * cubic through the four nearest samples and q̇ = ½ q ⊗ ω is stepped with classical RK4, so the scheme is
 * fourth-order in the sample period (at 100 Hz its own error is far below the 0.1° the tests allow).
 */
export function integrateGyro(times: readonly number[], rates: readonly Vec3[], q0: Quat): Quat[] {
  const n = times.length;
  const out: Quat[] = [q0];
  const rateAt = (k: number, s: number): Vec3 => {
    // Cubic Lagrange through samples i0..i0+3 around [k, k+1], evaluated at k + s (s ∈ [0, 1]).
    const i0 = Math.min(Math.max(k - 1, 0), n - 4);
    const x = k + s - i0;
    const w = [
      (-(x - 1) * (x - 2) * (x - 3)) / 6,
      (x * (x - 2) * (x - 3)) / 2,
      (-x * (x - 1) * (x - 3)) / 2,
      (x * (x - 1) * (x - 2)) / 6,
    ];
    const r: Vec3 = [0, 0, 0];
    for (let j = 0; j < 4; j++) for (let i = 0; i < 3; i++) r[i] += w[j]! * rates[i0 + j]![i]!;
    return r;
  };
  const deriv = (q: Quat, w: Vec3): Quat => {
    const d = quatMultiply(q, [0, w[0], w[1], w[2]]);
    return [d[0] / 2, d[1] / 2, d[2] / 2, d[3] / 2];
  };
  const step = (q: Quat, d: Quat, h: number): Quat => [
    q[0] + h * d[0],
    q[1] + h * d[1],
    q[2] + h * d[2],
    q[3] + h * d[3],
  ];
  let q = q0;
  for (let k = 0; k + 1 < n; k++) {
    const h = times[k + 1]! - times[k]!;
    const w0 = rateAt(k, 0),
      wm = rateAt(k, 0.5),
      w1 = rateAt(k, 1);
    const k1 = deriv(q, w0);
    const k2 = deriv(step(q, k1, h / 2), wm);
    const k3 = deriv(step(q, k2, h / 2), wm);
    const k4 = deriv(step(q, k3, h), w1);
    q = quatNormalize([
      q[0] + (h / 6) * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]),
      q[1] + (h / 6) * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]),
      q[2] + (h / 6) * (k1[2] + 2 * k2[2] + 2 * k3[2] + k4[2]),
      q[3] + (h / 6) * (k1[3] + 2 * k2[3] + 2 * k3[3] + k4[3]),
    ]);
    out.push(q);
  }
  return out;
}

/** Angle (degrees) between two orientations. */
export const angleDeg = (a: Quat, b: Quat): number => {
  const d = quatMultiply(quatConjugate(a), b);
  return (2 * Math.atan2(Math.hypot(d[1], d[2], d[3]), Math.abs(d[0])) * 180) / Math.PI;
};
