/**
 * What the rep and hold detectors share: the smoothing front end, the live progress record, and the forwarding of
 * samples to a per-sample `step` that each detector implements.
 *
 * Allocation-free per sample: per-sample values travel in fields (the front end's t and x, a detector's excursion
 * e), not in arguments or return values, because V8 boxes a double passed to or returned from a call it does not
 * inline — a new HeapNumber per sample. (It may even box a double on every sample for a call that is made only in
 * a rare branch: the conversion is placed where it dominates all its uses.)
 */
import { DetectorFrontEnd } from './front-end.js';
import type { DetectorConfig } from './options.js';
import type { AngleSample, MovementProgress } from './types.js';

export abstract class DetectorBase<Event> {
  readonly progress: MovementProgress;
  readonly frontEnd: DetectorFrontEnd;

  constructor(protected readonly config: DetectorConfig) {
    this.frontEnd = new DetectorFrontEnd(config);
    this.progress = {
      t: Number.NaN,
      phase: 'rest',
      phaseSince: Number.NaN,
      excursion: Number.NaN,
      share: Number.NaN,
      restAngle: Number.NaN,
      count: 0,
      partialCount: 0,
      heldS: Number.NaN,
    };
    // Created as NaN, then zeroed: V8 lays a field out as a double only if its first value is one. Otherwise the
    // first fraction stored changes the record's layout, and the optimized code reading it is dropped (the hold
    // detector's heldS did that to the rep detector's code, which shares the layout).
    this.progress.excursion = this.progress.share = this.progress.heldS = 0;
  }

  push(t: number, flexion: number, abduction: number, rotation: number): Event | null {
    return this.frontEnd.push(t, flexion, abduction, rotation) ? this.step() : null;
  }

  /** `push` of a sample object (see CenteredSmoother.pushSample). */
  pushSample(s: Readonly<AngleSample>): Event | null {
    return this.frontEnd.pushSample(s) ? this.step() : null;
  }

  /** Processes the samples still inside the smoothing window; returns their events. */
  protected drainPending(): Event[] {
    const events: Event[] = [];
    while (this.frontEnd.drain()) {
      const ev = this.step();
      if (ev) events.push(ev);
    }
    return events;
  }

  /** One smoothed sample is ready in the front end. */
  protected abstract step(): Event | null;
}
