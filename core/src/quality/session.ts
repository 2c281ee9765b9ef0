/**
 * A whole session offline, the way the live service runs it: every sample goes to the movement detector, the
 * quality tracker and (optionally) the precaution monitor; each repetition or hold is assessed the moment it is
 * reported, so the numbers equal the live ones.
 */
import type { NumArray } from '../math/quat.js';
import type { MovementSummary } from '../reps/movement-detector.js';
import { createMovementDetector } from '../reps/movement-detector.js';
import type { AngleSample, DetectorEvent, HoldEvent, RepEvent } from '../reps/types.js';
import type { PrecautionEvent, PrecautionLimit } from './precautions.js';
import { PrecautionMonitor } from './precautions.js';
import type { QualityOptions } from './quality-tracker.js';
import { createQualityTracker } from './quality-tracker.js';
import type { PelvisOrientationAngles } from './pelvis.js';
import type { HoldQuality, RepQuality } from './rep-quality.js';
import type { SetQuality } from './sets.js';

export interface SessionOptions extends QualityOptions {
  /** Precaution limits to watch (none by default). */
  precautions?: readonly PrecautionLimit[];
  precautionToleranceDeg?: number;
  precautionHysteresisDeg?: number;
}

export interface SessionAnalysis extends MovementSummary {
  repQuality: RepQuality[];
  holdQuality: HoldQuality[];
  sets: SetQuality[];
  precautionEvents: PrecautionEvent[];
}

/**
 * `pelvis[i]` is the pelvis orientation relative to calibration at `samples[i]` (quaternion w,x,y,z or the tracker's
 * pelvis angles); omit it (or give null entries) when unknown: compensation is then not assessed.
 */
export function analyzeSession(
  samples: readonly Readonly<AngleSample>[],
  options: SessionOptions,
  pelvis?: readonly (Readonly<NumArray> | Readonly<PelvisOrientationAngles> | null)[],
): SessionAnalysis {
  const detector = createMovementDetector(options);
  const tracker = createQualityTracker(options);
  const monitor = options.precautions
    ? new PrecautionMonitor({
        limits: options.precautions,
        toleranceDeg: options.precautionToleranceDeg,
        hysteresisDeg: options.precautionHysteresisDeg,
      })
    : null;
  const reps: RepEvent[] = [];
  const holds: HoldEvent[] = [];
  const repQuality: RepQuality[] = [];
  const holdQuality: HoldQuality[] = [];
  const precautionEvents: PrecautionEvent[] = [];
  const handle = (ev: DetectorEvent | null): void => {
    if (ev?.type === 'rep') {
      reps.push(ev);
      repQuality.push(tracker.assessRep(ev));
    } else if (ev?.type === 'hold') {
      holds.push(ev);
      holdQuality.push(tracker.assessHold(ev));
    }
  };
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    tracker.push(s, pelvis?.[i] ?? null);
    if (monitor) precautionEvents.push(...monitor.push(s));
    handle(detector.push(s));
  }
  for (const ev of detector.flush()) handle(ev);
  return {
    exercise: detector.config.definition.id,
    kind: detector.config.kind,
    count: detector.count,
    partialCount: detector.partialCount,
    reps,
    holds,
    repQuality,
    holdQuality,
    sets: tracker.sets(),
    precautionEvents,
  };
}
