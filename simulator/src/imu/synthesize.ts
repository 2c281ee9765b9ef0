/**
 * Exact (noise-free) IMU signals of a sensor rigidly attached to a moving body segment.
 *
 * The segment pose comes from a smooth motion (segment→earth rotation, origin position in ENU metres). The sensor
 * sits at `leverArm` (segment frame, m) with orientation `segment ⊗ mounting`, so
 *   q_sensor(t) = q_segment(t) ⊗ q_mount,   p_sensor(t) = p_segment(t) + R_segment(t)·leverArm.
 * From these:
 *   gyro  ω = body-frame angular rate of q_sensor (what a rate gyro measures), rad/s;
 *   acc   f = R_sensorᵀ·(p̈_sensor − g), g = (0, 0, −9.81): specific force, +9.81 on the up axis at rest, m/s²;
 *   mag   m = R_sensorᵀ·(B_earth + disturbances(t)), µT.
 *
 * Derivatives are taken numerically from the pose function on a fine, symmetric 5-point stencil (step 1 ms,
 * fourth-order accurate): rate errors stay below 1e-8 rad/s and acceleration errors below 1e-7 m/s² for human
 * movement, orders of magnitude under any sensor noise, and the motion scripts need not provide derivatives.
 */
import { DEG, quatConjugate, quatMultiply, quatRotateInverse, quatToRotationVector } from '@hipmon/core';
import type { Quat, Vec3 } from '@hipmon/core';
import { sensorPose } from '../kinematics/chain.js';
import type { Pose } from '../kinematics/types.js';

export const GRAVITY = 9.81;

/** How a sensor is fixed to its segment. */
export interface SensorMount {
  /** Sensor frame → segment frame (nominal placement ⊗ misplacement). */
  rotation: Quat;
  /** Sensor origin in the segment frame, m (from the segment origin). */
  leverArm: Vec3;
}

/** An extra field (earth frame, µT) over [start, end] s, faded in and out over `ramp` s (e.g. a metal bed frame). */
export interface MagDisturbance {
  start: number;
  end: number;
  field: Vec3;
  ramp?: number;
}

export interface MagneticEnvironment {
  /** Undisturbed earth field, ENU, µT. */
  earth: Vec3;
  disturbances?: MagDisturbance[];
}

/** Everything true about one sensor at one instant: its pose and the exact signals it would measure. */
export interface TrueImuSignals {
  t: number;
  /** Sensor → earth. */
  q: Quat;
  /** Sensor position, ENU m. */
  p: Vec3;
  gyr: Vec3;
  acc: Vec3;
  mag?: Vec3;
}

/**
 * Earth field in ENU (µT) of the given total intensity, inclination (dip below horizontal, + downward as in the
 * northern hemisphere) and declination (east of true north). Default: 49 µT, 65°, 0° — central Europe.
 */
export function earthMagneticField(totalMicroTesla = 49, inclinationDeg = 65, declinationDeg = 0): Vec3 {
  const horizontal = totalMicroTesla * Math.cos(inclinationDeg * DEG);
  return [
    horizontal * Math.sin(declinationDeg * DEG),
    horizontal * Math.cos(declinationDeg * DEG),
    -totalMicroTesla * Math.sin(inclinationDeg * DEG),
  ];
}

/** Field (ENU, µT) at time t: earth plus every active disturbance with its smooth (raised-cosine) fade. */
export function magneticFieldAt(env: MagneticEnvironment, t: number): Vec3 {
  const b: Vec3 = [env.earth[0], env.earth[1], env.earth[2]];
  for (const d of env.disturbances ?? []) {
    const w = disturbanceWeight(d, t);
    if (w === 0) continue;
    b[0] += w * d.field[0];
    b[1] += w * d.field[1];
    b[2] += w * d.field[2];
  }
  return b;
}

function disturbanceWeight(d: MagDisturbance, t: number): number {
  if (t < d.start || t > d.end) return 0;
  const ramp = Math.min(d.ramp ?? 0, (d.end - d.start) / 2);
  if (ramp <= 0) return 1;
  const edge = Math.min(t - d.start, d.end - t);
  return edge >= ramp ? 1 : 0.5 - 0.5 * Math.cos((Math.PI * edge) / ramp);
}

/** Stencil step (s): small enough for fourth-order truncation to vanish, large enough to keep rounding harmless. */
const STEP = 1e-3;

/**
 * Exact signals of a sensor mounted on the segment whose pose over time is `segmentPoseAt`.
 * The pose function is evaluated at t, t ± STEP and t ± 2·STEP.
 */
export function synthesizeImu(
  segmentPoseAt: (t: number) => Pose,
  mount: SensorMount,
  t: number,
  magnetic?: MagneticEnvironment,
): TrueImuSignals {
  const h = STEP;
  const at = (dt: number): Pose => sensorPose(segmentPoseAt(t + dt), mount.leverArm, mount.rotation);
  const m2 = at(-2 * h),
    m1 = at(-h),
    c = at(0),
    p1 = at(h),
    p2 = at(2 * h);

  // Body-frame rate: the symmetric difference rotv(q(t−k)* ⊗ q(t+k)) / 2k is even in k, so Richardson
  // extrapolation of k = h and k = 2h cancels the h² term.
  const near = quatToRotationVector(quatMultiply(quatConjugate(m1.q), p1.q));
  const far = quatToRotationVector(quatMultiply(quatConjugate(m2.q), p2.q));
  const gyr: Vec3 = [0, 0, 0];
  for (let i = 0; i < 3; i++) gyr[i] = (4 * (near[i]! / (2 * h)) - far[i]! / (4 * h)) / 3;

  // Fourth-order central second difference of the sensor position.
  const accEarth: Vec3 = [0, 0, 0];
  for (let i = 0; i < 3; i++) {
    accEarth[i] = (-m2.p[i]! + 16 * m1.p[i]! - 30 * c.p[i]! + 16 * p1.p[i]! - p2.p[i]!) / (12 * h * h);
  }
  accEarth[2] += GRAVITY; // a − g with g = (0, 0, −9.81)
  const signals: TrueImuSignals = { t, q: c.q, p: c.p, gyr, acc: quatRotateInverse(c.q, accEarth) };
  if (magnetic) signals.mag = quatRotateInverse(c.q, magneticFieldAt(magnetic, t));
  return signals;
}
