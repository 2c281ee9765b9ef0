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
 *
 * Allocation-free per sample: the sample is read from the owner's fields (RestInput), not passed, because V8 boxes
 * a double passed to (or returned from) a call it does not inline, and `observe` is too large to be inlined.
 */
import type { DetectorConfig } from './options.js';

const NOISE_TIME_CONSTANT_S = 5;
/** Noise variance assumed before any data (0.5° per sample). */
const INITIAL_NOISE_VAR = 0.25;

/** The sample being analysed, as the owner (the detector front end) holds it in its fields. */
export interface RestInput {
  /** Time, smoothed working-direction signal x, the raw signal at the same instant, and the step to the last sample. */
  readonly t: number;
  readonly x: number;
  readonly raw: number;
  readonly dt: number;
}

export class RestTracker {
  /** Current rest value of the signal (the primary angle times the working direction), degrees. */
  rest = Number.NaN;
  /** Whether the last `stillWindowS` of the signal was still, and since when without interruption. */
  still = false;
  stillSince = Number.NaN;

  private readonly window: Float64Array;
  private readonly windowTimes: Float64Array;
  private count = 0;
  /**
   * Mean square residual of the raw signal around its smoothed value: the noise variance seen at rest. Initialised
   * here, not in the constructor: a field declared without a value starts as undefined, and V8 then keeps its
   * doubles boxed, a new HeapNumber on every store.
   */
  private residualVar = INITIAL_NOISE_VAR;
  /**
   * Standard deviation of the smoothed signal's noise, degrees: √(residualVar / smoothing samples), kept up to date
   * with residualVar (a getter would return a double, boxed where V8 does not inline the call).
   */
  smoothedNoise = Number.NaN;
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

  /** Samples in the still window, and in the smoothing window (the noise of a mean of n samples is σ/√n). */
  private readonly windowSamples: number;
  private readonly smoothingSamples: number;

  /**
   * Thresholds are read from the config (its still window, baseline time constant, still range — NaN = adaptive —,
   * rest band and resettle time) whose layout does not change, rather than copied into fields here, whose layout
   * would (integral values for one exercise, fractional for the next).
   */
  constructor(
    private readonly input: RestInput,
    private readonly config: DetectorConfig,
  ) {
    const windowSamples = Math.max(2, Math.round(config.stillWindowS * config.sampleRateHz));
    this.windowSamples = windowSamples;
    this.smoothingSamples = 2 * config.smoothingHalfWidth + 1;
    this.window = new Float64Array(windowSamples);
    this.windowTimes = new Float64Array(windowSamples);
    this.minQueue = new Int32Array(windowSamples);
    this.maxQueue = new Int32Array(windowSamples);
    this.updateNoise();
  }

  private updateNoise(): void {
    this.smoothedNoise = Math.sqrt(this.residualVar / this.smoothingSamples);
  }

  /**
   * Feeds the input's current sample (smoothed x, and the raw value at the same instant); updates `still`. The rest
   * angle is unknown (NaN) until the first still moment — every session starts with the still calibration pose —
   * and is then the mean of that still window.
   */
  observe(): void {
    const t = this.input.t,
      x = this.input.x;
    const slot = this.count % this.windowSamples;
    this.window[slot] = x;
    this.windowTimes[slot] = t;
    this.count++;
    const n = Math.min(this.count, this.windowSamples);
    this.updateRange(this.count - 1);
    const lo = this.rangeLo,
      hi = this.rangeHi;
    const oldest = this.windowTimes[this.count > this.windowSamples ? this.count % this.windowSamples : 0]!;
    // A window not yet spanning stillWindowS (start of the stream) cannot vouch for stillness.
    const spans = t - oldest >= 0.9 * this.config.stillWindowS;
    const fixedRange = this.config.stillRangeDeg;
    const stillRange = Number.isNaN(fixedRange) ? Math.max(1, 6 * this.smoothedNoise) : fixedRange;
    const nowStill = spans && hi - lo <= stillRange;
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
    const r = this.input.raw - x;
    // The residual of a mean of n samples has variance σ²(1 − 1/n); rescale to σ².
    const unbiased = (r * r) / Math.max(1 - 1 / this.smoothingSamples, 0.5);
    // A plain mean over the first samples, so the estimate is usable within a second, then a moving one.
    this.noiseSamples++;
    this.residualVar +=
      (unbiased - this.residualVar) * Math.max(1 / this.noiseSamples, Math.min(1, dt / NOISE_TIME_CONSTANT_S));
    this.updateNoise();
    this.lastT = t;
  }

  /** Sample number k (already in the window) enters; rangeLo/rangeHi ← min/max of the window. */
  private updateRange(k: number): void {
    const size = this.windowSamples;
    const win = this.window;
    const x = win[k % size]!;
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

  /**
   * The detector's rest-state update for the input's sample x, inside or below the rest band (excursion
   * e = x − rest): follow drift while still inside the band; settle on a new rest position after being still below
   * the band for `resettleS` (a still spell that began there, not just the turning point of a dip). The new
   * excursion is then x − rest (not returned: a returned double is boxed unless the call is inlined).
   */
  atRest(): void {
    const t = this.input.t,
      x = this.input.x;
    const band = this.config.restBandDeg;
    const e = x - this.rest;
    if (e >= -band) this.belowSince = Number.NaN;
    else if (Number.isNaN(this.belowSince)) this.belowSince = t;
    if (!this.still) return;
    if (e >= -band) this.follow();
    // Still since belowSince (or longer) for resettleS.
    else if (t - Math.max(this.stillSince, this.belowSince) >= this.config.resettleS) this.settle(x);
  }

  /** Exponential tracking of the input's x (see the header). */
  private follow(): void {
    const x = this.input.x;
    this.rest += (x - this.rest) * Math.min(1, Math.max(0, this.input.dt) / this.config.baselineTimeConstantS);
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
    this.updateNoise();
    this.belowSince = Number.NaN;
  }
}
