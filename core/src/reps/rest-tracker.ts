/**
 * The rest angle of the primary angle, tracked while the patient is at rest: it differs from the calibration zero
 * (lying, sitting, kneeling) and drifts slowly (sensor drift, the patient settling). The detector decides when the
 * patient is at rest; this class says whether the angle is still, estimates the noise, and moves the rest angle:
 *
 * - `follow`: slow exponential tracking (time constant τ) while still inside the rest band: absorbs drift of a few
 *   degrees per minute without following the first, slow part of a repetition;
 * - `settle`: jump to the current value once it has been still away from the rest angle (a posture change, such as
 *   lying down after the calibration, or a new resting position after a set).
 *
 * "Still" = the smoothed angle's range over the last `stillWindowS` is below a threshold that adapts to the noise
 * (estimated from the residual between raw and smoothed samples), unless a fixed one is configured.
 */
const NOISE_TIME_CONSTANT_S = 5;
/** Noise variance assumed before any data (0.5° per sample). */
const INITIAL_NOISE_VAR = 0.25;

export class RestTracker {
  /** Current rest value of the signal (the primary angle times the working direction), degrees. */
  rest = Number.NaN;
  /** Whether the last `stillWindowS` of the signal was still, and since when without interruption. */
  still = false;
  stillSince = Number.NaN;

  private readonly window: Float64Array;
  private readonly windowTimes: Float64Array;
  private count = 0;
  /** Mean square residual of the raw signal around its smoothed value: the noise variance seen at rest. */
  private residualVar: number;
  private lastT = Number.NaN;
  private noiseSamples = 0;
  /** Since when the signal is below the rest band (NaN: it is not). */
  private belowSince = Number.NaN;
  /**
   * Sliding minimum and maximum of the window (monotonic deques of sample numbers, rings of windowSamples): the
   * same values as scanning the window, in constant time per sample.
   */
  private readonly minQueue: Int32Array;
  private readonly maxQueue: Int32Array;
  private minHead = 0;
  private minSize = 0;
  private maxHead = 0;
  private maxSize = 0;
  private rangeLo = Number.NaN;
  private rangeHi = Number.NaN;

  constructor(
    private readonly windowSamples: number,
    private readonly stillWindowS: number,
    private readonly timeConstantS: number,
    /** NaN = adaptive. */
    private readonly fixedStillRange: number,
    /** Samples in the smoothing window (the noise of a mean of n samples is σ/√n). */
    private readonly smoothingSamples: number,
  ) {
    this.window = new Float64Array(windowSamples);
    this.windowTimes = new Float64Array(windowSamples);
    this.minQueue = new Int32Array(windowSamples);
    this.maxQueue = new Int32Array(windowSamples);
    this.residualVar = INITIAL_NOISE_VAR;
  }

  /** Standard deviation of the smoothed signal's noise, degrees. */
  get smoothedNoise(): number {
    return Math.sqrt(this.residualVar / this.smoothingSamples);
  }

  get stillRange(): number {
    return Number.isNaN(this.fixedStillRange) ? Math.max(1, 6 * this.smoothedNoise) : this.fixedStillRange;
  }

  /**
   * Feeds one smoothed sample x (and the raw value at the same instant); updates `still`. The rest angle is unknown
   * (NaN) until the first still moment — every session starts with the still calibration pose — and is then the
   * mean of that still window.
   */
  observe(t: number, x: number, raw: number): void {
    const slot = this.count % this.windowSamples;
    this.window[slot] = x;
    this.windowTimes[slot] = t;
    this.count++;
    const n = Math.min(this.count, this.windowSamples);
    this.updateRange(this.count - 1, x);
    const lo = this.rangeLo,
      hi = this.rangeHi;
    const oldest = this.windowTimes[this.count > this.windowSamples ? this.count % this.windowSamples : 0]!;
    // A window not yet spanning stillWindowS (start of the stream) cannot vouch for stillness.
    const spans = t - oldest >= 0.9 * this.stillWindowS;
    const nowStill = spans && hi - lo <= this.stillRange;
    if (nowStill && !this.still) this.stillSince = oldest;
    this.still = nowStill;
    if (nowStill && Number.isNaN(this.rest)) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += this.window[i]!;
      this.rest = sum / n;
    }
    // Noise from the residual around the centred mean, moving or not: over a 0.2 s window the residual of a
    // human movement's curvature is a few hundredths of a degree squared, far below any sensor noise that matters.
    const dt = Number.isNaN(this.lastT) ? 0 : Math.min(t - this.lastT, 1);
    const r = raw - x;
    // The residual of a mean of n samples has variance σ²(1 − 1/n); rescale to σ².
    const unbiased = (r * r) / Math.max(1 - 1 / this.smoothingSamples, 0.5);
    // A plain mean over the first samples, so the estimate is usable within a second, then a moving one.
    this.noiseSamples++;
    this.residualVar +=
      (unbiased - this.residualVar) * Math.max(1 / this.noiseSamples, Math.min(1, dt / NOISE_TIME_CONSTANT_S));
    this.lastT = t;
  }

  /**
   * The detector's rest-state update for a sample x inside or below the rest band (excursion e = x − rest):
   * follow drift while still inside the band; settle on a new rest position after being still below the band for
   * `resettleS` (a still spell that began there, not just the turning point of a dip). Returns the new excursion.
   */
  /** Sample number k (value x, already in the window) enters; rangeLo/rangeHi ← min/max of the window. */
  private updateRange(k: number, x: number): void {
    const size = this.windowSamples;
    const win = this.window;
    const first = k - size + 1; // oldest sample number still in the window
    const minQ = this.minQueue,
      maxQ = this.maxQueue;
    while (this.minSize > 0 && minQ[this.minHead]! < first) {
      this.minHead = (this.minHead + 1) % size;
      this.minSize--;
    }
    while (this.minSize > 0 && win[minQ[(this.minHead + this.minSize - 1) % size]! % size]! >= x) this.minSize--;
    minQ[(this.minHead + this.minSize++) % size] = k;
    while (this.maxSize > 0 && maxQ[this.maxHead]! < first) {
      this.maxHead = (this.maxHead + 1) % size;
      this.maxSize--;
    }
    while (this.maxSize > 0 && win[maxQ[(this.maxHead + this.maxSize - 1) % size]! % size]! <= x) this.maxSize--;
    maxQ[(this.maxHead + this.maxSize++) % size] = k;
    this.rangeLo = win[minQ[this.minHead]! % size]!;
    this.rangeHi = win[maxQ[this.maxHead]! % size]!;
  }

  atRest(t: number, x: number, band: number, resettleS: number, dt: number): number {
    const e = x - this.rest;
    if (e >= -band) this.belowSince = Number.NaN;
    else if (Number.isNaN(this.belowSince)) this.belowSince = t;
    if (!this.still) return e;
    if (e >= -band) this.follow(x, dt);
    else if (this.stillFor(t, this.belowSince) >= resettleS) this.settle(x);
    return x - this.rest;
  }

  /** How long the signal has been still without interruption counting from `since` (0 when not still). */
  stillFor(t: number, since: number): number {
    return this.still ? t - Math.max(this.stillSince, since) : 0;
  }

  follow(x: number, dt: number): void {
    this.rest += (x - this.rest) * Math.min(1, Math.max(0, dt) / this.timeConstantS);
  }

  settle(x: number): void {
    this.rest = x;
    this.belowSince = Number.NaN;
  }

  reset(): void {
    this.rest = Number.NaN;
    this.still = false;
    this.stillSince = Number.NaN;
    this.count = 0;
    this.minSize = this.maxSize = 0;
    this.lastT = Number.NaN;
    this.noiseSamples = 0;
    this.residualVar = INITIAL_NOISE_VAR;
    this.belowSince = Number.NaN;
  }
}
