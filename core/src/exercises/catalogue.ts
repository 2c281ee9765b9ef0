/**
 * The home-exercise catalogue: what each exercise is, how the hip moves in it and what "normal" looks like.
 * Pure data plus lookup, shared by the simulator (virtual patients), rep/hold detection and the dashboard.
 *
 * Angles are ISB hip angles in degrees with clinical signs (flexion +, abduction +, internal rotation +);
 * `primary.direction` is the sign of the primary angle's change during the working (concentric) phase, so
 * extension is flexion with direction −1 and external rotation is rotation with direction −1.
 */
import type { HipAngleName, HipAngles } from '../joint/hip-angles.js';

export const EXERCISE_IDS = [
  'standing_hip_abduction',
  'standing_hip_flexion',
  'standing_hip_extension',
  'supine_straight_leg_raise',
  'side_lying_clamshell',
  'glute_bridge',
  'sit_to_stand',
  'mini_squat',
  'hip_flexor_stretch',
] as const;

export type ExerciseId = (typeof EXERCISE_IDS)[number];
export type ExerciseKind = 'reps' | 'hold';
export type Posture = 'standing' | 'supine' | 'hook_lying' | 'side_lying' | 'sitting' | 'half_kneeling';
export type MotionPlane = 'sagittal' | 'frontal' | 'transverse';

/** Movements that total-hip-arthroplasty dislocation precautions restrict (posterior: the first three). */
export type PrecautionMovement =
  'flexion_over_90' | 'adduction_past_midline' | 'internal_rotation' | 'extension' | 'external_rotation';

export interface PrimaryMotion {
  angle: HipAngleName;
  /** Sign of the angle's change in the working phase: +1 or −1. */
  direction: 1 | -1;
  plane: MotionPlane;
  /** Clinical name of the movement, e.g. 'extension' for flexion with direction −1. */
  movement: string;
}

/** A typical repetition; the simulator varies it, the detector uses it only as a plausibility scale. */
export interface RepTempo {
  concentricS: number;
  /** Still time at the top of the movement (0 = turn straight round). */
  peakHoldS: number;
  eccentricS: number;
  /** Rest at the start position between two repetitions. */
  pauseS: number;
}

export interface HoldSpec {
  holdS: number;
  /** Time to move into (and out of) the held position. */
  rampS: number;
  /** Rest between two holds. */
  restS: number;
}

export interface AngleRange {
  min: number;
  max: number;
}

export interface PrecautionInfo {
  /** Restricted movements this exercise moves toward (empty: none beyond the usual care). */
  movesToward: readonly PrecautionMovement[];
  /** Default plausible/safe envelope of the hip angles; outside it the monitor flags the movement for review. */
  safeRange: Readonly<Record<HipAngleName, AngleRange>>;
  note: string;
}

export interface ExerciseDefinition {
  id: ExerciseId;
  name: string;
  kind: ExerciseKind;
  posture: Posture;
  primary: PrimaryMotion;
  /** Typical hip angles at the start position (the rest position between repetitions). */
  restAngles: Readonly<HipAngles>;
  /** Other angles moving with the primary one: degrees of each per degree of primary excursion. */
  coupled: Readonly<Partial<Record<HipAngleName, number>>>;
  /** Typical target excursion of the primary angle from the start position (degrees, positive). */
  targetRomDeg: number;
  /** Range of targets therapists commonly prescribe (degrees, positive excursions). */
  romRangeDeg: AngleRange;
  /** Band (degrees) around the start value within which the primary angle counts as "at rest". */
  restBandDeg: number;
  /** Repetition tempo for 'reps' exercises; also the approach/return timing of 'hold' exercises. */
  tempo: RepTempo;
  /** Present for 'hold' exercises only. */
  hold?: HoldSpec;
  precautions: PrecautionInfo;
}

const range = (min: number, max: number): AngleRange => ({ min, max });

const DEFINITIONS: readonly ExerciseDefinition[] = [
  {
    id: 'standing_hip_abduction',
    name: 'Standing hip abduction',
    kind: 'reps',
    posture: 'standing',
    primary: { angle: 'abduction', direction: 1, plane: 'frontal', movement: 'abduction' },
    restAngles: { flexion: 0, abduction: 0, rotation: 0 },
    coupled: {},
    targetRomDeg: 25,
    romRangeDeg: range(15, 35),
    restBandDeg: 3.5,
    tempo: { concentricS: 1.5, peakHoldS: 0.5, eccentricS: 1.5, pauseS: 1 },
    precautions: {
      movesToward: ['adduction_past_midline'],
      safeRange: { flexion: range(-15, 30), abduction: range(-5, 45), rotation: range(-25, 25) },
      note: 'Stand tall holding a support; no trunk lean or hip hiking; do not cross the midline on the way back.',
    },
  },
  {
    id: 'standing_hip_flexion',
    name: 'Standing hip flexion (knee raise)',
    kind: 'reps',
    posture: 'standing',
    primary: { angle: 'flexion', direction: 1, plane: 'sagittal', movement: 'flexion' },
    restAngles: { flexion: 0, abduction: 0, rotation: 0 },
    coupled: {},
    targetRomDeg: 60,
    romRangeDeg: range(30, 90),
    restBandDeg: 5,
    tempo: { concentricS: 1.5, peakHoldS: 0.5, eccentricS: 1.5, pauseS: 1 },
    precautions: {
      movesToward: ['flexion_over_90'],
      safeRange: { flexion: range(-10, 95), abduction: range(-10, 25), rotation: range(-25, 25) },
      note: 'Posterior-approach precautions: keep the knee below hip height (flexion ≤ 90°).',
    },
  },
  {
    id: 'standing_hip_extension',
    name: 'Standing hip extension',
    kind: 'reps',
    posture: 'standing',
    primary: { angle: 'flexion', direction: -1, plane: 'sagittal', movement: 'extension' },
    restAngles: { flexion: 0, abduction: 0, rotation: 0 },
    coupled: {},
    targetRomDeg: 15,
    romRangeDeg: range(10, 25),
    restBandDeg: 2.5,
    tempo: { concentricS: 1.5, peakHoldS: 0.5, eccentricS: 1.5, pauseS: 1 },
    precautions: {
      movesToward: ['extension'],
      safeRange: { flexion: range(-30, 15), abduction: range(-10, 20), rotation: range(-25, 25) },
      note: 'Anterior-approach precautions may limit extension; keep the back straight (no lumbar arching).',
    },
  },
  {
    id: 'supine_straight_leg_raise',
    name: 'Supine straight leg raise',
    kind: 'reps',
    posture: 'supine',
    primary: { angle: 'flexion', direction: 1, plane: 'sagittal', movement: 'flexion' },
    restAngles: { flexion: 0, abduction: 0, rotation: 0 },
    coupled: {},
    targetRomDeg: 45,
    romRangeDeg: range(30, 60),
    restBandDeg: 5,
    tempo: { concentricS: 2, peakHoldS: 1, eccentricS: 2, pauseS: 1.5 },
    precautions: {
      movesToward: [],
      safeRange: { flexion: range(-10, 75), abduction: range(-10, 25), rotation: range(-25, 25) },
      note: 'Knee straight, other knee bent; lift slowly to the height of the bent knee.',
    },
  },
  {
    id: 'side_lying_clamshell',
    name: 'Side-lying clamshell',
    kind: 'reps',
    posture: 'side_lying',
    primary: { angle: 'abduction', direction: 1, plane: 'frontal', movement: 'abduction' },
    restAngles: { flexion: 45, abduction: 0, rotation: 0 },
    coupled: { rotation: -0.6 },
    targetRomDeg: 30,
    romRangeDeg: range(20, 40),
    restBandDeg: 4,
    tempo: { concentricS: 1.5, peakHoldS: 1, eccentricS: 1.5, pauseS: 1 },
    precautions: {
      movesToward: ['external_rotation'],
      safeRange: { flexion: range(20, 75), abduction: range(-10, 50), rotation: range(-45, 15) },
      note: 'Hips flexed about 45°, feet together; open the knee without rolling the pelvis back.',
    },
  },
  {
    id: 'glute_bridge',
    name: 'Glute bridge',
    kind: 'reps',
    posture: 'hook_lying',
    primary: { angle: 'flexion', direction: -1, plane: 'sagittal', movement: 'extension' },
    restAngles: { flexion: 50, abduction: 0, rotation: 0 },
    coupled: {},
    targetRomDeg: 50,
    romRangeDeg: range(35, 60),
    restBandDeg: 5,
    tempo: { concentricS: 2, peakHoldS: 2, eccentricS: 2, pauseS: 1.5 },
    precautions: {
      movesToward: ['extension'],
      safeRange: { flexion: range(-15, 75), abduction: range(-10, 20), rotation: range(-25, 25) },
      note: 'Lift until shoulders, hips and knees line up; do not arch the back beyond neutral.',
    },
  },
  {
    id: 'sit_to_stand',
    name: 'Sit to stand',
    kind: 'reps',
    posture: 'sitting',
    primary: { angle: 'flexion', direction: -1, plane: 'sagittal', movement: 'extension' },
    restAngles: { flexion: 90, abduction: 0, rotation: 0 },
    coupled: {},
    targetRomDeg: 90,
    romRangeDeg: range(70, 100),
    restBandDeg: 5,
    tempo: { concentricS: 2, peakHoldS: 0.5, eccentricS: 2.5, pauseS: 1.5 },
    precautions: {
      movesToward: ['flexion_over_90'],
      safeRange: { flexion: range(-10, 115), abduction: range(-10, 20), rotation: range(-25, 25) },
      note: 'The forward lean before seat-off takes the hip past 90°: posterior-approach patients use a raised seat.',
    },
  },
  {
    id: 'mini_squat',
    name: 'Mini squat',
    kind: 'reps',
    posture: 'standing',
    primary: { angle: 'flexion', direction: 1, plane: 'sagittal', movement: 'flexion' },
    restAngles: { flexion: 0, abduction: 0, rotation: 0 },
    coupled: {},
    targetRomDeg: 40,
    romRangeDeg: range(30, 45),
    restBandDeg: 5,
    tempo: { concentricS: 2, peakHoldS: 0.5, eccentricS: 2, pauseS: 1 },
    precautions: {
      movesToward: [],
      safeRange: { flexion: range(-10, 70), abduction: range(-10, 20), rotation: range(-25, 25) },
      note: 'Shallow squat holding a support; knees over the toes, weight even on both legs.',
    },
  },
  {
    id: 'hip_flexor_stretch',
    name: 'Half-kneeling hip flexor stretch',
    kind: 'hold',
    posture: 'half_kneeling',
    primary: { angle: 'flexion', direction: -1, plane: 'sagittal', movement: 'extension' },
    restAngles: { flexion: 0, abduction: 0, rotation: 0 },
    coupled: {},
    targetRomDeg: 15,
    romRangeDeg: range(10, 25),
    restBandDeg: 3,
    tempo: { concentricS: 3, peakHoldS: 30, eccentricS: 3, pauseS: 10 },
    hold: { holdS: 30, rampS: 3, restS: 10 },
    precautions: {
      movesToward: ['extension'],
      safeRange: { flexion: range(-30, 20), abduction: range(-10, 20), rotation: range(-25, 25) },
      note: 'Kneel on the treated side; tuck the pelvis and shift forward gently; anterior approach: within limits.',
    },
  },
];

export const EXERCISE_CATALOGUE: Readonly<Record<ExerciseId, ExerciseDefinition>> = Object.freeze(
  Object.fromEntries(DEFINITIONS.map((d) => [d.id, d])) as Record<ExerciseId, ExerciseDefinition>,
);

export const EXERCISES: readonly ExerciseDefinition[] = DEFINITIONS;

export function isExerciseId(value: unknown): value is ExerciseId {
  return typeof value === 'string' && (EXERCISE_IDS as readonly string[]).includes(value);
}

/** The catalogue entry for `id`; throws a readable error for anything that is not a catalogue id. */
export function getExercise(id: string): ExerciseDefinition {
  if (!isExerciseId(id)) {
    throw new Error(`unknown exercise "${id}"; expected one of: ${EXERCISE_IDS.join(', ')}`);
  }
  return EXERCISE_CATALOGUE[id];
}
