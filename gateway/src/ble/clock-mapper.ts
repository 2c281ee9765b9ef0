/**
 * Sensor clock → gateway clock. BLE notifications arrive in bursts (connection events, retransmissions, radio
 * contention), so receive time = sample time + a delay that is only ever positive. The lower envelope of
 * (sensor counter, receive time) is therefore the best estimate of when the samples were taken (plus the minimum
 * link latency, a constant). Within a sliding window we fit the line that lies below every point and minimises the
 * summed vertical gap — it is the supporting line of the lower convex hull at the window's mean counter (the linear
 * programming estimator of clock skew used in network time measurement). Its slope is the sensor's true sample
 * period: the crystal's drift is tracked; its intercept absorbs the clock offset. Pure: the caller passes times.
 */

export interface ClockMapperOptions {
  /** Nominal sample rate, Hz: the slope until the window spans enough time to measure it. */
  nominalRate: number;
  /** Sliding window, s of sensor time (default 60). Long enough to average bursts, short enough for drift changes. */
  windowSeconds?: number;
  /** Minimum span of the window before the measured slope replaces the nominal one, s (default 2). */
  minSpanSeconds?: number;
  /** Largest believable deviation of the measured rate from nominal, ppm (default 2000: cheap crystals and RC). */
  maxDriftPpm?: number;
}

export interface ClockEstimate {
  /** Sample period in gateway seconds. */
  period: number;
  /** Gateway time of counter 0 (in the unwrapped counter space). */
  intercept: number;
  /** Measured deviation from the nominal rate, ppm (+ = sensor runs fast). */
  driftPpm: number;
  /** Number of points in the window. */
  points: number;
}

interface Point {
  k: number;
  t: number;
}

export class ClockMapper {
  private readonly nominalPeriod: number;
  private readonly windowCounts: number;
  private readonly minSpanCounts: number;
  private readonly maxDrift: number;
  private readonly points: Point[] = [];
  private head = 0;
  private lastRaw: number | undefined;
  private wraps = 0;
  private cached: ClockEstimate | undefined;

  constructor(options: ClockMapperOptions) {
    if (!(options.nominalRate > 0)) throw new RangeError(`nominal rate must be > 0 Hz, got ${options.nominalRate}`);
    this.nominalPeriod = 1 / options.nominalRate;
    this.windowCounts = (options.windowSeconds ?? 60) * options.nominalRate;
    this.minSpanCounts = (options.minSpanSeconds ?? 2) * options.nominalRate;
    this.maxDrift = (options.maxDriftPpm ?? 2000) * 1e-6;
  }

  /** Unwraps a uint32 counter into a monotonic number (a sensor at 100 Hz wraps after 497 days, but be correct). */
  unwrap(counter: number): number {
    if (this.lastRaw !== undefined && counter < this.lastRaw && this.lastRaw - counter > 0x80000000) this.wraps++;
    this.lastRaw = counter;
    return counter + this.wraps * 0x100000000;
  }

  /**
   * Records that the sample with (unwrapped) counter `k` was received at gateway time `t`. Only the last sample
   * of a notification carries information about that notification's delay, but every sample is a valid upper bound.
   */
  observe(k: number, t: number): void {
    this.points.push({ k, t });
    this.cached = undefined;
    const oldest = k - this.windowCounts;
    while (this.head < this.points.length && this.points[this.head]!.k < oldest) this.head++;
    if (this.head > 4096 && this.head * 2 > this.points.length) {
      this.points.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Gateway time at which sample `k` was taken (+ the minimum link latency), or undefined before any observation. */
  map(k: number): number | undefined {
    const e = this.estimate();
    return e ? e.intercept + e.period * k : undefined;
  }

  estimate(): ClockEstimate | undefined {
    if (this.cached) return this.cached;
    const n = this.points.length - this.head;
    if (n === 0) return undefined;
    const first = this.points[this.head]!;
    const last = this.points[this.points.length - 1]!;
    let period = this.nominalPeriod;
    if (last.k - first.k >= this.minSpanCounts) {
      const measured = this.lowerEnvelopeSlope();
      if (Math.abs(measured / this.nominalPeriod - 1) <= this.maxDrift) period = measured;
    }
    // The line with this slope that touches the envelope from below.
    let intercept = Infinity;
    for (let i = this.head; i < this.points.length; i++) {
      const p = this.points[i]!;
      intercept = Math.min(intercept, p.t - period * p.k);
    }
    this.cached = { period, intercept, driftPpm: (this.nominalPeriod / period - 1) * 1e6, points: n };
    return this.cached;
  }

  /** Slope of the lower-hull edge that spans the mean counter of the window. */
  private lowerEnvelopeSlope(): number {
    const hull: Point[] = [];
    let sumK = 0;
    for (let i = this.head; i < this.points.length; i++) {
      const p = this.points[i]!;
      sumK += p.k;
      // Same counter twice (a repeated notification): keep the earlier arrival.
      const top = hull[hull.length - 1];
      if (top && top.k === p.k) {
        if (p.t >= top.t) continue;
        hull.pop();
      }
      while (hull.length >= 2) {
        const a = hull[hull.length - 2]!;
        const b = hull[hull.length - 1]!;
        // Remove b when it lies on or above the segment a→p (not convex from below).
        if ((b.t - a.t) * (p.k - a.k) >= (p.t - a.t) * (b.k - a.k)) hull.pop();
        else break;
      }
      hull.push(p);
    }
    if (hull.length < 2) return this.nominalPeriod;
    const meanK = sumK / (this.points.length - this.head);
    for (let i = 1; i < hull.length; i++) {
      if (hull[i]!.k >= meanK) return (hull[i]!.t - hull[i - 1]!.t) / (hull[i]!.k - hull[i - 1]!.k);
    }
    const a = hull[hull.length - 2]!;
    const b = hull[hull.length - 1]!;
    return (b.t - a.t) / (b.k - a.k);
  }
}
