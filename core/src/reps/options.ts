/**
 * Detector options: what a therapist's plan may set (target ROM, partial share, hold time) and the tuning knobs
 * (smoothing, baseline, stillness), resolved against the exercise catalogue into one validated configuration.
 */
import type { ExerciseDefinition, ExerciseId } from '../exercises/catalogue.js';
import { getExercise } from '../exercises/catalogue.js';

export interface MovementDetectorOptions {
  exercise: ExerciseId | ExerciseDefinition;
  /** Prescribed excursion of the primary angle (degrees, positive). Default: the catalogue's target. */
  targetRomDeg?: number;
  /** Nominal analysis rate; sizes the smoothing window and the buffers. Default 100 Hz. */
  sampleRateHz?: number;
  /** Band around the rest angle that counts as "at rest". Default min(catalogue band, 0.25 · target). */
  restBandDeg?: number;
  /** An excursion must reach this share of the target to be a repetition at all (below: fidgeting). Default 0.3. */
  minAmplitudeShare?: number;
  /**
   * Repetitions whose excursion stays below this share of the target are partial: reported, not counted.
   * Default 0.65: between the 40–60 % of a typical half-done rep and the ~70 % low end of full ones.
   */
  partialShare?: number;
  /** Shorter excursions are not repetitions (twitches, glitches). Default 0.4 s. */
  minRepDurationS?: number;
  /**
   * A repetition (or the approach to a hold) still away from rest after this long is abandoned, and its position
   * becomes the new rest. Default 30 s.
   */
  maxRepDurationS?: number;
  /** Half-width of the centred moving average; also the detector's built-in delay. Default 0.1 s. */
  smoothingHalfWindowS?: number;
  /** Time constant with which the rest angle follows slow drift while still at rest. Default 3 s. */
  baselineTimeConstantS?: number;
  /** Window over which "still" is judged. Default 0.5 s. */
  stillWindowS?: number;
  /**
   * Largest range of the smoothed primary angle over the still window that still counts as still. Default: adaptive,
   * max(1°, 6 × the estimated noise of the smoothed angle).
   */
  stillRangeDeg?: number;
  /**
   * A still position outside the rest band (below it, or above it short of the minimum amplitude), held this long,
   * becomes the new rest. Default 1 s.
   */
  resettleS?: number;
  /** Hold exercises: share of the target the held position must reach. Default 0.5. */
  holdShare?: number;
  /** Hold exercises: a hold shorter than this is not reported. Default 5 s. */
  minHoldS?: number;
  /** Hold exercises: the prescribed hold time (a hold is `complete` from here). Default: the catalogue's. */
  prescribedHoldS?: number;
}

export interface DetectorConfig {
  definition: ExerciseDefinition;
  kind: 'reps' | 'hold';
  /** Primary angle and its working direction. */
  primaryIndex: 0 | 1 | 2;
  direction: 1 | -1;
  targetRomDeg: number;
  sampleRateHz: number;
  restBandDeg: number;
  minAmplitudeDeg: number;
  partialDeg: number;
  minRepDurationS: number;
  maxRepDurationS: number;
  smoothingHalfWidth: number;
  baselineTimeConstantS: number;
  stillWindowS: number;
  /** NaN = adaptive. */
  stillRangeDeg: number;
  resettleS: number;
  holdDeg: number;
  minHoldS: number;
  prescribedHoldS: number;
  /**
   * Samples the history buffer holds: the longest repetition (or approach of a hold) plus a margin. Holds themselves
   * may last longer: their statistics are accumulated as they go, only approach and return are read back.
   */
  historyCapacity: number;
}

const ANGLE_INDEX = { flexion: 0, abduction: 1, rotation: 2 } as const;
/** Samples kept before a movement's start (for the approach of a hold and the onset of a rep). */
const PRE_START_S = 2;

function check(name: string, value: number, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`${name} must be a number in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

/**
 * The number fields of a config, created as doubles (NaN) before the values are set. V8 lays a field out as a double
 * only if its first value is one; otherwise the first config with a fraction where others had integers (another
 * exercise) changes the layout, and the detectors' optimized per-sample code, which reads configs, is dropped and
 * runs unoptimized for a while, allocating on every sample. The integer fields stay integers (0).
 */
const NUMBER_LAYOUT = {
  targetRomDeg: Number.NaN,
  sampleRateHz: Number.NaN,
  restBandDeg: Number.NaN,
  minAmplitudeDeg: Number.NaN,
  partialDeg: Number.NaN,
  minRepDurationS: Number.NaN,
  maxRepDurationS: Number.NaN,
  smoothingHalfWidth: 0,
  baselineTimeConstantS: Number.NaN,
  stillWindowS: Number.NaN,
  stillRangeDeg: Number.NaN,
  resettleS: Number.NaN,
  holdDeg: Number.NaN,
  minHoldS: Number.NaN,
  prescribedHoldS: Number.NaN,
  historyCapacity: 0,
} satisfies Omit<DetectorConfig, 'definition' | 'kind' | 'primaryIndex' | 'direction'>;

export function resolveDetectorOptions(options: MovementDetectorOptions): DetectorConfig {
  const def = typeof options.exercise === 'string' ? getExercise(options.exercise) : options.exercise;
  const target = check('targetRomDeg', options.targetRomDeg ?? def.targetRomDeg, 1, 180);
  const rate = check('sampleRateHz', options.sampleRateHz ?? 100, 5, 2000);
  const band = check('restBandDeg', options.restBandDeg ?? Math.min(def.restBandDeg, 0.25 * target), 0.1, 0.5 * target);
  const minShare = check('minAmplitudeShare', options.minAmplitudeShare ?? 0.3, 0.05, 1);
  const partialShare = check('partialShare', options.partialShare ?? 0.65, minShare, 1);
  const maxRep = check('maxRepDurationS', options.maxRepDurationS ?? 30, 2, 600);
  const minHoldS = check('minHoldS', options.minHoldS ?? 5, 0.5, 600);
  const kind = def.kind;
  return {
    definition: def,
    kind,
    primaryIndex: ANGLE_INDEX[def.primary.angle],
    direction: def.primary.direction,
    ...NUMBER_LAYOUT,
    targetRomDeg: target,
    sampleRateHz: rate,
    restBandDeg: band,
    // The minimum amplitude must clear the rest band, or a rep could end before it began.
    minAmplitudeDeg: Math.max(minShare * target, 1.2 * band),
    partialDeg: Math.max(partialShare * target, 1.2 * band),
    minRepDurationS: check('minRepDurationS', options.minRepDurationS ?? 0.4, 0, 10),
    maxRepDurationS: maxRep,
    smoothingHalfWidth: Math.max(
      0,
      Math.round(check('smoothingHalfWindowS', options.smoothingHalfWindowS ?? 0.1, 0, 1) * rate),
    ),
    baselineTimeConstantS: check('baselineTimeConstantS', options.baselineTimeConstantS ?? 1, 0.1, 600),
    stillWindowS: check('stillWindowS', options.stillWindowS ?? 0.5, 0.05, 10),
    stillRangeDeg:
      options.stillRangeDeg === undefined ? Number.NaN : check('stillRangeDeg', options.stillRangeDeg, 0.01, 45),
    resettleS: check('resettleS', options.resettleS ?? 1, 0.2, 60),
    holdDeg: check('holdShare', options.holdShare ?? 0.5, 0.05, 1) * target,
    minHoldS,
    prescribedHoldS: check('prescribedHoldS', options.prescribedHoldS ?? def.hold?.holdS ?? minHoldS, 0, 3600),
    historyCapacity: Math.ceil((maxRep + PRE_START_S) * rate * 1.25) + 16,
  };
}
