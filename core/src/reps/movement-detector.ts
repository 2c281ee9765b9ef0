/**
 * One entry point for both kinds of exercise: repetitions (RepDetector) or holds (HoldDetector), chosen from the
 * catalogue. Live: push each sample as it arrives and act on the returned event. Offline: push the whole series,
 * then flush() — the same code, so a recording analysed afterwards gives the live session's numbers.
 */
import { HoldDetector } from './hold-detector.js';
import type { DetectorConfig, MovementDetectorOptions } from './options.js';
import { resolveDetectorOptions } from './options.js';
import { RepDetector } from './rep-detector.js';
import type { AngleSample, DetectorEvent, HoldEvent, MovementProgress, RepEvent } from './types.js';

export interface MovementDetector {
  readonly config: DetectorConfig;
  /** Live state, updated in place on every analysed sample. */
  readonly progress: Readonly<MovementProgress>;
  /** Full repetitions, or holds, so far. */
  readonly count: number;
  readonly partialCount: number;
  /** Samples ignored because a value was not finite or the time did not increase. */
  readonly droppedSamples: number;
  /** One sample; returns the event it completes, if any. Allocation-free unless an event is returned. */
  push(sample: Readonly<AngleSample>): DetectorEvent | null;
  pushValues(t: number, flexion: number, abduction: number, rotation: number): DetectorEvent | null;
  /** End of the stream: analyses the samples still in the smoothing window and returns the last events. */
  flush(): DetectorEvent[];
}

export function createMovementDetector(options: MovementDetectorOptions): MovementDetector {
  const config = resolveDetectorOptions(options);
  const inner = config.kind === 'hold' ? new HoldDetector(config) : new RepDetector(config);
  const partials = (): number => (inner instanceof RepDetector ? inner.partialCount : 0);
  return {
    config,
    progress: inner.progress,
    get count() {
      return inner.count;
    },
    get partialCount() {
      return partials();
    },
    get droppedSamples() {
      return inner.frontEnd.droppedSamples;
    },
    push: (s) => inner.pushSample(s),
    pushValues: (t, f, a, r) => inner.push(t, f, a, r),
    flush: () => inner.flush(),
  };
}

/** Everything a whole recording yields: the `analyze` result, before formatting. */
export interface MovementSummary {
  exercise: string;
  kind: 'reps' | 'hold';
  /** Full repetitions (partial ones are not counted), or holds. */
  count: number;
  partialCount: number;
  /** Every repetition in time order, partial ones flagged. */
  reps: RepEvent[];
  holds: HoldEvent[];
}

/** Offline: runs the streaming detector over a whole series (sorted by t). */
export function detectMovements(
  samples: Iterable<Readonly<AngleSample>>,
  options: MovementDetectorOptions,
): MovementSummary {
  const detector = createMovementDetector(options);
  const reps: RepEvent[] = [];
  const holds: HoldEvent[] = [];
  const collect = (ev: DetectorEvent | null): void => {
    if (ev?.type === 'rep') reps.push(ev);
    else if (ev?.type === 'hold') holds.push(ev);
  };
  for (const s of samples) collect(detector.push(s));
  for (const ev of detector.flush()) collect(ev);
  return {
    exercise: detector.config.definition.id,
    kind: detector.config.kind,
    count: detector.count,
    partialCount: detector.partialCount,
    reps,
    holds,
  };
}
