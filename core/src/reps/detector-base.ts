/**
 * What the rep and hold detectors share: the smoothing front end, the live progress record, and the forwarding of
 * samples to a per-sample `step` that each detector implements.
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
      excursion: 0,
      share: 0,
      restAngle: Number.NaN,
      count: 0,
      partialCount: 0,
      heldS: 0,
    };
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
