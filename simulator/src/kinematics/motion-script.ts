/**
 * createMotionScript: a whole recorded session of one exercise as a deterministic, C²-smooth body movement.
 *
 * Timeline: [0, calibrationEnd] standing upright and still (calibration pose, hip angles 0, facing the heading)
 * → a minimum-jerk transition into the exercise's start position (lying down, sitting, kneeling; none for standing
 * exercises) → a short settle → the repetitions or holds (sets separated by a rest) → a short still rest.
 */
import {
  DEG,
  getExercise,
  quatFromRotationVector,
  quatMultiply,
  quatRotate,
  quatToRotationVector,
  sideSign,
} from '@hipmon/core';
import type { ExerciseDefinition, ExerciseId, HipAngles, Quat, Side, Vec3 } from '@hipmon/core';
import { createPrng } from '../prng.js';
import type { Anthropometry } from './anthropometry.js';
import { resolveAnthropometry, standingPelvisHeight } from './anthropometry.js';
import { bodyStateFromPelvis, patientPlacement, poseToEarth } from './chain.js';
import type { ExerciseModel } from './exercise-models.js';
import { createExerciseModel } from './exercise-models.js';
import { minimumJerk } from './profiles.js';
import { holdTruthOf, repTruthOf } from './rep-truth.js';
import type { TruthContext } from './rep-truth.js';
import { movementAt, movementProgress, scheduleMovements } from './schedule.js';
import type { Movement } from './schedule.js';
import type { BodyState, MotionScript, Pose } from './types.js';

export interface TempoOptions {
  /** Seconds per repetition: rise + still time at the extreme + return (pauses not included). */
  repS?: number;
  /** Share of the moving time spent rising (concentric), in (0, 1). */
  concentricShare?: number;
  peakHoldS?: number;
  /** Rest at the start position between repetitions of a set (between holds for a hold exercise). */
  pauseS?: number;
}

export interface CompensationOptions {
  /** Pelvic obliquity raising the treated side, at the extreme of a full repetition (degrees). */
  hipHikeDeg?: number;
  /** Pelvis (with the trunk) tilting its top toward the untreated side, at the extreme (degrees). */
  trunkLeanLateralDeg?: number;
  /** Pelvic anterior tilt (+) or posterior tilt (−) at the extreme (degrees). */
  trunkLeanAnteriorDeg?: number;
}

export interface VariabilityOptions {
  /** Relative SD of the ROM of full repetitions (0.05 = 5 %). */
  rom?: number;
  /** Relative SD of each phase duration. */
  tempo?: number;
  /** SD (degrees) of the off-plane excursion of the non-primary angles at each extreme. */
  offPlaneDeg?: number;
}

export interface MotionOptions {
  exercise: ExerciseId;
  side: Side;
  /** Repetitions per set; for hip_flexor_stretch the number of holds per set. Default 10 (holds: 3). */
  reps?: number;
  /** Default 1. The truth lists reps × sets movements. */
  sets?: number;
  restBetweenSetsS?: number;
  /** Target excursion of the primary angle (degrees, positive). Default: the catalogue target. */
  romDeg?: number;
  tempo?: TempoOptions;
  /** Default: none (every rep identical). */
  variability?: VariabilityOptions;
  /** Share (0…1) of repetitions that reach only `partialRange` of the ROM. Ignored for holds. */
  partialShare?: number;
  /** Default [0.4, 0.6]. */
  partialRange?: [number, number];
  compensations?: CompensationOptions;
  /** Facing direction, compass degrees clockwise from north (0 = facing north, 90 = east). Default 0. */
  headingDeg?: number;
  /** Where the patient stands (earth, metres; the floor point below the pelvis). Default origin. */
  origin?: Vec3;
  /** Hold duration for hold exercises (s). Default: catalogue. */
  holdS?: number;
  /** Standing-still calibration time at the start (s, ≥ 2). Default 3. */
  calibrationS?: number;
  anthropometry?: Partial<Anthropometry>;
  seed?: number | string;
}

/** The script plus what it was built from (for reports and checks downstream). */
export interface ExerciseMotionScript extends MotionScript {
  definition: ExerciseDefinition;
  romDeg: number;
  /** Rest band of the primary angle used by the repetition truth (see rep-truth.ts). */
  restBandDeg: number;
  headingDeg: number;
  anthropometry: Anthropometry;
  movements: readonly Movement[];
}

const SETTLE_AFTER_TRANSITION_S = 1.5;
const SETTLE_STANDING_S = 1;
const FINAL_REST_S = 2;
const DEFAULT_REPS = 10;
const DEFAULT_HOLDS = 3;
const DEFAULT_SET_REST_S = 15;

function requireNumber(name: string, value: number, min: number, max: number, integer = false): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    throw new Error(`${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

function resolvePhases(def: ExerciseDefinition, o: MotionOptions) {
  if (def.kind === 'hold') {
    const hold = def.hold!;
    return {
      concentricS: hold.rampS,
      peakHoldS: requireNumber('holdS', o.holdS ?? hold.holdS, 0.5, 600),
      eccentricS: hold.rampS,
      pauseS: requireNumber('tempo.pauseS', o.tempo?.pauseS ?? hold.restS, 0, 600),
    };
  }
  const t = def.tempo;
  const peakHoldS = requireNumber('tempo.peakHoldS', o.tempo?.peakHoldS ?? t.peakHoldS, 0, 60);
  const share = requireNumber(
    'tempo.concentricShare',
    o.tempo?.concentricShare ?? t.concentricS / (t.concentricS + t.eccentricS),
    0.1,
    0.9,
  );
  const moving =
    o.tempo?.repS === undefined
      ? t.concentricS + t.eccentricS
      : requireNumber('tempo.repS', o.tempo.repS, peakHoldS + 0.4, 120) - peakHoldS;
  return {
    concentricS: moving * share,
    peakHoldS,
    eccentricS: moving * (1 - share),
    pauseS: requireNumber('tempo.pauseS', o.tempo?.pauseS ?? t.pauseS, 0, 600),
  };
}

/** Rotation (pelvis frame) and pivot of the compensations at progress s. */
function compensate(pelvis: Pose, s: number, comp: Required<CompensationOptions>, side: Side, pivot: Vec3): Pose {
  const obliquity = -sideSign(side) * (comp.hipHikeDeg + comp.trunkLeanLateralDeg) * DEG * s;
  const tilt = -comp.trunkLeanAnteriorDeg * DEG * s;
  if (obliquity === 0 && tilt === 0) return pelvis;
  const q = quatMultiply(pelvis.q, quatFromRotationVector([obliquity, 0, tilt]));
  // Keep the pivot where it was: p' = p + q·o − q'·o.
  const before = quatRotate(pelvis.q, pivot);
  const after = quatRotate(q, pivot);
  return {
    q,
    p: [pelvis.p[0] + before[0] - after[0], pelvis.p[1] + before[1] - after[1], pelvis.p[2] + before[2] - after[2]],
  };
}

export function createMotionScript(options: MotionOptions): ExerciseMotionScript {
  const def = getExercise(options.exercise);
  if (options.side !== 'left' && options.side !== 'right') {
    throw new Error(`side must be 'left' or 'right', got ${String(options.side)}`);
  }
  const side = options.side;
  const isHold = def.kind === 'hold';
  const romDeg = requireNumber('romDeg', options.romDeg ?? def.targetRomDeg, 1, 150);
  const reps = requireNumber('reps', options.reps ?? (isHold ? DEFAULT_HOLDS : DEFAULT_REPS), 1, 1000, true);
  const sets = requireNumber('sets', options.sets ?? 1, 1, 100, true);
  const restBetweenSetsS = requireNumber('restBetweenSetsS', options.restBetweenSetsS ?? DEFAULT_SET_REST_S, 0, 3600);
  const calibrationEnd = requireNumber('calibrationS', options.calibrationS ?? 3, 2, 600);
  const headingDeg = requireNumber('headingDeg', options.headingDeg ?? 0, -3600, 3600);
  const partialShare = isHold ? 0 : requireNumber('partialShare', options.partialShare ?? 0, 0, 1);
  const partialRange = options.partialRange ?? [0.4, 0.6];
  requireNumber('partialRange[0]', partialRange[0], 0.3, 0.95);
  requireNumber('partialRange[1]', partialRange[1], partialRange[0], 0.95);
  const variability = {
    rom: requireNumber('variability.rom', options.variability?.rom ?? 0, 0, 0.3),
    tempo: requireNumber('variability.tempo', options.variability?.tempo ?? 0, 0, 0.5),
    offPlaneDeg: requireNumber('variability.offPlaneDeg', options.variability?.offPlaneDeg ?? 0, 0, 20),
  };
  const comp: Required<CompensationOptions> = {
    hipHikeDeg: requireNumber('compensations.hipHikeDeg', options.compensations?.hipHikeDeg ?? 0, -30, 30),
    trunkLeanLateralDeg: requireNumber(
      'compensations.trunkLeanLateralDeg',
      options.compensations?.trunkLeanLateralDeg ?? 0,
      -30,
      30,
    ),
    trunkLeanAnteriorDeg: requireNumber(
      'compensations.trunkLeanAnteriorDeg',
      options.compensations?.trunkLeanAnteriorDeg ?? 0,
      -30,
      30,
    ),
  };
  const origin = options.origin ?? [0, 0, 0];
  if (origin.length !== 3 || !origin.every(Number.isFinite)) throw new Error('origin must be three finite numbers');
  const seed = options.seed ?? 1;
  const body = resolveAnthropometry(options.anthropometry);
  const model: ExerciseModel = createExerciseModel(def.id, side, romDeg, body);
  const placement = patientPlacement(headingDeg, origin);
  const phases = resolvePhases(def, options);

  const transitionStart = calibrationEnd;
  const transitionEnd = transitionStart + model.transitionS;
  const firstMovement = transitionEnd + (model.transitionS > 0 ? SETTLE_AFTER_TRANSITION_S : SETTLE_STANDING_S);
  const { movements, end } = scheduleMovements({
    start: firstMovement,
    repsPerSet: reps,
    sets,
    phases,
    restBetweenSetsS,
    romVariability: variability.rom,
    tempoVariability: variability.tempo,
    fixedPeakHold: isHold,
    partialShare,
    partialRange: [partialRange[0], partialRange[1]],
    offPlaneDeg: variability.offPlaneDeg,
    primaryAngle: def.primary.angle,
    prng: createPrng(seed),
  });
  const duration = end + FINAL_REST_S;

  const standing: Pose = { q: [1, 0, 0, 0], p: [0, standingPelvisHeight(body), 0] };
  const restPose = model.pose(0, 0);
  const restRotationVector = quatToRotationVector(restPose.pelvis.q);

  /** Pelvis pose (patient frame) and hip angles at t: the whole script before mapping to earth. */
  function patientStateAt(t: number): { pelvis: Pose; angles: HipAngles } {
    if (t <= transitionStart) return { pelvis: standing, angles: { flexion: 0, abduction: 0, rotation: 0 } };
    if (t < transitionEnd) {
      // Calibration pose → start position along the shortest rotation, minimum-jerk in time.
      const w = minimumJerk((t - transitionStart) / model.transitionS);
      const q: Quat = quatFromRotationVector([
        restRotationVector[0] * w,
        restRotationVector[1] * w,
        restRotationVector[2] * w,
      ]);
      const p0 = standing.p,
        p1 = restPose.pelvis.p;
      const r = restPose.angles;
      return {
        pelvis: { q, p: [p0[0] + (p1[0] - p0[0]) * w, p0[1] + (p1[1] - p0[1]) * w, p0[2] + (p1[2] - p0[2]) * w] },
        angles: { flexion: r.flexion * w, abduction: r.abduction * w, rotation: r.rotation * w },
      };
    }
    const mv = movementAt(movements, t);
    if (!mv) return restPose;
    const m = movementProgress(mv, t);
    const s = mv.amplitude * m;
    const pose = model.pose(s, m);
    const angles = {
      flexion: pose.angles.flexion + mv.offPlane.flexion * m,
      abduction: pose.angles.abduction + mv.offPlane.abduction * m,
      rotation: pose.angles.rotation + mv.offPlane.rotation * m,
    };
    return { pelvis: compensate(pose.pelvis, s, comp, side, model.compensationPivot), angles };
  }

  const stateAt = (t: number): BodyState => {
    const tc = Math.min(Math.max(t, 0), duration);
    const { pelvis, angles } = patientStateAt(tc);
    return bodyStateFromPelvis(poseToEarth(placement, pelvis), angles, side, body);
  };

  const restBandDeg = Math.min(def.restBandDeg, 0.25 * romDeg);
  const primary = def.primary;
  const truthContext = (mv: Movement): TruthContext => {
    const restValue = patientStateAt(mv.t0).angles[primary.angle];
    return {
      excursionAt: (t) => primary.direction * (patientStateAt(t).angles[primary.angle] - restValue),
      anglesAt: (t) => patientStateAt(t).angles,
      restBandDeg,
    };
  };
  const reps_ = isHold ? [] : movements.map((mv) => repTruthOf(mv, truthContext(mv)));
  const holds = isHold ? movements.map((mv) => holdTruthOf(mv, truthContext(mv))) : [];

  return {
    exercise: def.id,
    side,
    duration,
    calibrationEnd,
    stateAt,
    reps: reps_,
    holds,
    definition: def,
    romDeg,
    restBandDeg,
    headingDeg,
    anthropometry: body,
    movements,
  };
}
