import type { Quat, Vec3 } from '@hipmon/core';
import type { HipAngles, Side, ExerciseId } from '@hipmon/core';

/** A rigid segment's pose in the earth frame (ENU, z up, metres): rotation segment-frame→earth, origin position. */
export interface Pose {
  q: Quat;
  p: Vec3;
}

/**
 * Body state at one instant. `pelvis.p` is the pelvis segment origin (midpoint of the two hip joint centres);
 * `thigh.p` is the treated-side hip joint centre (the femur segment origin). Both rotations are ISB segment frames
 * (X anterior, Y superior, Z right) → earth.
 */
export interface BodyState {
  pelvis: Pose;
  thigh: Pose;
  angles: HipAngles;
}

/** One repetition of the ground truth; times in s, angles in degrees (see rep-truth.ts for the exact definition). */
export interface RepTruth {
  start: number;
  end: number;
  peak: HipAngles;
  peakTime: number;
  romDeg: number;
  partial: boolean;
}

export interface HoldTruth {
  start: number;
  end: number;
  duration: number;
  angles: HipAngles;
}

/** A deterministic, smooth (C² in time) movement: everything the IMU synthesis and the ground truth need. */
export interface MotionScript {
  exercise: ExerciseId;
  side: Side;
  duration: number /* s */;
  /** Calibration window (standing upright, still): [0, calibrationEnd]. */
  calibrationEnd: number;
  stateAt(t: number): BodyState;
  reps: RepTruth[];
  holds: HoldTruth[];
}
