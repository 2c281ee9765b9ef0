/**
 * The part both detectors share: input checks, centred smoothing, the working-direction primary signal
 * x = direction · primary angle, the rest tracker's observation and the history buffer.
 *
 * Samples that cannot be used are dropped, never thrown on: non-finite values (a sensor dropout upstream) and
 * times that do not increase (duplicates, clock steps back).
 *
 * The released sample is published in fields, which the rest tracker and the detectors read: V8 boxes a double
 * passed to (or returned from) a call it does not inline, so per-sample values travel in fields, not arguments.
 */
import { CenteredSmoother } from './centered-smoother.js';
import type { DetectorConfig } from './options.js';
import type { AngleSample } from './types.js';
import type { RestInput } from './rest-tracker.js';
import { RestTracker } from './rest-tracker.js';
import { SampleHistory } from './sample-history.js';

export class DetectorFrontEnd implements RestInput {
  readonly smoother: CenteredSmoother;
  readonly rest: RestTracker;
  readonly history: SampleHistory;
  /** Time of the latest accepted input sample: the live clock events are reported at. */
  lastInputT = Number.NaN;
  /** The released sample: time, working-direction signal x, and the raw (unsmoothed) x at the same instant. */
  t = Number.NaN;
  x = 0;
  raw = 0;
  /** Time step to the previously released sample (0 for the first). */
  dt = 0;
  droppedSamples = 0;

  constructor(private readonly config: DetectorConfig) {
    this.smoother = new CenteredSmoother(config.smoothingHalfWidth, config.primaryIndex);
    this.rest = new RestTracker(this, config);
    this.history = new SampleHistory(config.historyCapacity);
  }

  /** Accepts one input sample; true when a smoothed sample was released (read it from the fields). */
  push(t: number, flexion: number, abduction: number, rotation: number): boolean {
    if (
      !Number.isFinite(t) ||
      !Number.isFinite(flexion) ||
      !Number.isFinite(abduction) ||
      !Number.isFinite(rotation) ||
      t <= this.lastInputT
    ) {
      this.droppedSamples++;
      return false;
    }
    this.lastInputT = t;
    return this.smoother.push(t, flexion, abduction, rotation) && this.accept();
  }

  /** `push` of a sample object: the live path (see CenteredSmoother.pushSample). */
  pushSample(s: Readonly<AngleSample>): boolean {
    const t = s.t;
    if (
      !Number.isFinite(t) ||
      !Number.isFinite(s.flexion) ||
      !Number.isFinite(s.abduction) ||
      !Number.isFinite(s.rotation) ||
      t <= this.lastInputT
    ) {
      this.droppedSamples++;
      return false;
    }
    this.lastInputT = t;
    return this.smoother.pushSample(s) && this.accept();
  }

  /** End of the stream: releases the next pending sample; false when none is left. */
  drain(): boolean {
    return this.smoother.drain() && this.accept();
  }

  private accept(): boolean {
    const s = this.smoother;
    const c = this.config;
    const primary = c.primaryIndex === 0 ? s.flexion : c.primaryIndex === 1 ? s.abduction : s.rotation;
    this.dt = Number.isNaN(this.t) ? 0 : s.t - this.t;
    this.t = s.t;
    this.x = c.direction * primary;
    this.raw = c.direction * s.raw;
    this.rest.observe();
    this.history.push(s.t, this.x, s.flexion, s.abduction, s.rotation);
    return true;
  }

  reset(): void {
    this.smoother.reset();
    this.rest.reset();
    this.history.reset();
    this.lastInputT = Number.NaN;
    this.t = Number.NaN;
    this.dt = 0;
  }
}
