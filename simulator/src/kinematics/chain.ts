/**
 * The kinematic chain: patient frame → earth, pelvis pose → hip joint centre → thigh pose, sensor poses.
 *
 * The *patient frame* P is the pelvis frame of the calibration pose with its origin on the floor below the pelvis:
 * x forward (the facing direction), y up, z to the patient's right. Exercise models describe the body in P; the
 * heading (compass azimuth of the facing direction, degrees clockwise from north) and an origin place P in the
 * earth frame (ENU): x_P → (sin ψ, cos ψ, 0), y_P → (0, 0, 1), z_P → (cos ψ, −sin ψ, 0).
 */
import {
  DEG,
  hipRotationFromAngles,
  quatFromAxes,
  quatFromAxisAngle,
  quatMultiply,
  quatRotate,
  vecAdd,
} from '@hipmon/core';
import type { HipAngles, Quat, Side, Vec3 } from '@hipmon/core';
import type { Anthropometry } from './anthropometry.js';
import { hipCentreInPelvis } from './anthropometry.js';
import type { BodyState, Pose } from './types.js';

export interface PatientPlacement {
  /** Patient frame → earth rotation. */
  q: Quat;
  /** Patient frame origin in earth (metres). */
  origin: Vec3;
}

export function patientPlacement(headingDeg: number, origin: Readonly<Vec3> = [0, 0, 0]): PatientPlacement {
  const psi = headingDeg * DEG;
  const forward: Vec3 = [Math.sin(psi), Math.cos(psi), 0];
  const right: Vec3 = [Math.cos(psi), -Math.sin(psi), 0];
  return { q: quatFromAxes(forward, [0, 0, 1], right), origin: [...origin] };
}

/** A pose given in the patient frame, expressed in earth. */
export function poseToEarth(placement: PatientPlacement, pose: Readonly<Pose>): Pose {
  return { q: quatMultiply(placement.q, pose.q), p: vecAdd(placement.origin, quatRotate(placement.q, pose.p)) };
}

/** Rotation about the patient z axis (pointing right) by φ degrees: + tips the anterior axis up (posterior tilt). */
export const pitch = (phiDeg: number): Quat => quatFromAxisAngle([0, 0, 1], phiDeg * DEG);

/** Rotation about the patient x axis (pointing forward) by φ degrees: + tips the superior axis to the right. */
export const roll = (phiDeg: number): Quat => quatFromAxisAngle([1, 0, 0], phiDeg * DEG);

/** Femur long axis (knee → hip, the femur's +Y) in the patient frame for a purely sagittal thigh pitched θ degrees. */
export function sagittalThighAxis(thetaDeg: number): Vec3 {
  const t = thetaDeg * DEG;
  return [-Math.sin(t), Math.cos(t), 0];
}

/** Pelvis origin for a pelvis rotation q whose `side` hip joint centre is at `hipCentre` (same frame). */
export function pelvisOriginFromHip(
  q: Readonly<Quat>,
  hipCentre: Readonly<Vec3>,
  body: Anthropometry,
  side: Side,
): Vec3 {
  const offset = quatRotate(q, hipCentreInPelvis(body, side));
  return [hipCentre[0] - offset[0], hipCentre[1] - offset[1], hipCentre[2] - offset[2]];
}

/** The chain's last link: thigh = pelvis ⊗ hipRotation(angles), positioned at the treated hip joint centre. */
export function bodyStateFromPelvis(pelvis: Pose, angles: HipAngles, side: Side, body: Anthropometry): BodyState {
  const thighQ = quatMultiply(pelvis.q, hipRotationFromAngles(angles, side));
  const thighP = vecAdd(pelvis.p, quatRotate(pelvis.q, hipCentreInPelvis(body, side)));
  return { pelvis, thigh: { q: thighQ, p: thighP }, angles };
}

/**
 * Pose of a sensor on a segment: `leverArm` is its position in the segment frame, `sensorToSegment` its rotation
 * (see core placement). The IMU synthesis differentiates this pose.
 */
export function sensorPose(segment: Readonly<Pose>, leverArm: Readonly<Vec3>, sensorToSegment: Readonly<Quat>): Pose {
  return {
    q: quatMultiply(segment.q, sensorToSegment),
    p: vecAdd(segment.p, quatRotate(segment.q, leverArm)),
  };
}
