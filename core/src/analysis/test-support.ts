/**
 * Tests and benchmark (not exported by the package): a simulated session (ground truth from @hipmon/simulator) run
 * through the hip-angle tracker, scored against the true hip angles.
 */
import { createMotionScript, recordMotion } from '@hipmon/simulator';
import type {
  ErrorPreset,
  ExerciseMotionScript,
  ImuErrorConfig,
  MotionOptions,
  SimulatedRecording,
} from '@hipmon/simulator';
import type { Vec3 } from '../math/quat.js';
import type { RecordingSample } from '../recording/csv.js';
import { EXERCISE_IDS } from '../exercises/catalogue.js';
import type { ExerciseId } from '../exercises/catalogue.js';
import type { HipAngles, Side } from '../joint/hip-angles.js';
import { HIP_ANGLE_NAMES } from '../joint/hip-angles.js';
import { HipAngleTracker } from './hip-angle-tracker.js';
import type { HipAngleFrame, HipAngleTrackerOptions } from './hip-angle-tracker.js';

export interface SessionOptions {
  exercise: ExerciseId;
  side: Side;
  mode: '6d' | '9d';
  /** Misplacement of each sensor: Euler angles drawn uniformly within ±misplacementDeg per axis. */
  misplacementDeg: number;
  noise: ErrorPreset;
  seed: number;
  reps?: number;
  motion?: Partial<MotionOptions>;
  errors?: Partial<ImuErrorConfig>;
  /** Exact misplacements (Euler x, y, z in degrees) overriding the drawn ones. */
  pelvisMisplacementDeg?: Vec3;
  thighMisplacementDeg?: Vec3;
}

export interface SimulatedSession {
  script: ExerciseMotionScript;
  recording: SimulatedRecording;
}

export function simulateSession(o: SessionOptions): SimulatedSession {
  const script = createMotionScript({
    exercise: o.exercise,
    side: o.side,
    reps: o.reps ?? 4,
    seed: o.seed,
    ...o.motion,
  });
  const recording = recordMotion(script, {
    noise: o.noise,
    misplacementDeg: o.misplacementDeg,
    seed: o.seed,
    mag: o.mode === '9d',
    ...(o.errors && { errors: o.errors }),
    ...(o.pelvisMisplacementDeg && { pelvis: { misplacementDeg: o.pelvisMisplacementDeg } }),
    ...(o.thighMisplacementDeg && { thigh: { misplacementDeg: o.thighMisplacementDeg } }),
  });
  return { script, recording };
}

/** A copy of the fields of a frame worth keeping. */
export interface FrameRecord extends HipAngles {
  t: number;
  gap: boolean;
  pelvis: HipAngleFrame['pelvis'];
}

export function runTracker(
  samples: Iterable<RecordingSample>,
  options: Omit<HipAngleTrackerOptions, 'onFrame'>,
): { tracker: HipAngleTracker; frames: FrameRecord[] } {
  const frames: FrameRecord[] = [];
  const tracker = new HipAngleTracker({
    ...options,
    onFrame: (f) =>
      frames.push({
        t: f.t,
        flexion: f.flexion,
        abduction: f.abduction,
        rotation: f.rotation,
        gap: f.gap,
        pelvis: { ...f.pelvis },
      }),
  });
  for (const s of samples) tracker.pushSample(s);
  tracker.finish();
  return { tracker, frames };
}

export interface AngleErrors {
  /** RMSE per plane (degrees) over the scored frames. */
  rmse: HipAngles;
  /** Largest absolute error per plane (degrees). */
  max: HipAngles;
  /** Mean (signed) error per plane (degrees). */
  mean: HipAngles;
  frames: number;
}

/** Errors of the frames with t in [from, to] against the script's true angles at the same instants. */
export function scoreFrames(
  frames: readonly FrameRecord[],
  script: ExerciseMotionScript,
  from = script.calibrationEnd,
  to = Infinity,
): AngleErrors {
  const sq = { flexion: 0, abduction: 0, rotation: 0 };
  const sum = { flexion: 0, abduction: 0, rotation: 0 };
  const max = { flexion: 0, abduction: 0, rotation: 0 };
  let n = 0;
  for (const f of frames) {
    if (f.t < from || f.t > to) continue;
    const truth = script.stateAt(f.t).angles;
    for (const k of HIP_ANGLE_NAMES) {
      const e = f[k] - truth[k];
      sq[k] += e * e;
      sum[k] += e;
      max[k] = Math.max(max[k], Math.abs(e));
    }
    n++;
  }
  const per = (o: HipAngles, g: (x: number) => number): HipAngles => ({
    flexion: g(o.flexion),
    abduction: g(o.abduction),
    rotation: g(o.rotation),
  });
  return { rmse: per(sq, (x) => Math.sqrt(x / n)), max, mean: per(sum, (x) => x / n), frames: n };
}

/** Simulate, track with the exercise's functional refinement, score after the calibration window. */
export function trackSession(
  o: SessionOptions,
): SimulatedSession & { errors: AngleErrors; tracker: HipAngleTracker; frames: FrameRecord[] } {
  const session = simulateSession(o);
  const { tracker, frames } = runTracker(session.recording.samples, {
    side: o.side,
    mode: o.mode,
    exercise: o.exercise,
  });
  return { ...session, tracker, frames, errors: scoreFrames(frames, session.script) };
}

/** A pipeline benchmark cell (bench/pipeline.ts): the recording `trackSession` reproduces with `benchSeed`. */
export interface BenchCell {
  exercise: ExerciseId;
  noise: ErrorPreset;
  mode: '6d' | '9d';
  side: Side;
  mis: number;
  variant: 'nominal' | 'partial' | 'variable';
  seed: number;
}

/** The benchmark's seed for a cell (bench/pipeline.ts `simulate`). */
export function benchSeed(c: BenchCell): number {
  return (
    c.seed * 1_000_003 +
    EXERCISE_IDS.indexOf(c.exercise) * 7919 +
    ['low', 'typical', 'high'].indexOf(c.noise) * 613 +
    (c.mode === '9d' ? 101 : 0) +
    (c.side === 'right' ? 31 : 0) +
    c.mis * 3 +
    ['nominal', 'partial', 'variable'].indexOf(c.variant)
  );
}
