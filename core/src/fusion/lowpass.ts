import type { NumArray } from '../math/quat.js';

/**
 * Second-order Butterworth low-pass filter over `channels` parallel signals, parametrised by a time constant.
 *
 * The cut-off frequency is fc = √2 / (2π·tau), so that the filter's step response settles on the scale of `tau`
 * whatever the sample rate. Coefficients come from the bilinear transform with frequency pre-warping.
 *
 * Start-up: instead of trusting the very first sample, the output is the running mean of the samples seen so far
 * until `tau` seconds have elapsed; the filter state is then set to the steady state for that mean. This keeps a
 * single noisy (or accelerated) first sample from dominating the first seconds.
 */
export class ButterworthLowPass {
  /** Latest output, one value per channel (overwritten by each `step`). */
  readonly out: Float64Array;
  private readonly b0: number;
  private readonly b1: number;
  private readonly b2: number;
  private readonly a1: number;
  private readonly a2: number;
  /** Direct form II transposed: two state values per channel. */
  private readonly state: Float64Array;
  private readonly sum: Float64Array;
  private count = 0;
  private warm = false;
  private readonly warmUpSamples: number;
  private readonly passThrough: boolean;

  constructor(
    readonly channels: number,
    tau: number,
    samplePeriod: number,
  ) {
    this.out = new Float64Array(channels);
    this.state = new Float64Array(2 * channels);
    this.sum = new Float64Array(channels);
    this.passThrough = !(tau > 0);
    this.warmUpSamples = this.passThrough ? 0 : Math.max(1, Math.ceil(tau / samplePeriod - 1e-9));
    if (this.passThrough) {
      this.b0 = 1;
      this.b1 = this.b2 = this.a1 = this.a2 = 0;
      return;
    }
    const fc = Math.SQRT2 / (2 * Math.PI * tau);
    const c = Math.tan(Math.PI * Math.min(fc * samplePeriod, 0.499));
    const d = c * c + Math.SQRT2 * c + 1;
    this.b0 = (c * c) / d;
    this.b1 = 2 * this.b0;
    this.b2 = this.b0;
    this.a1 = (2 * (c * c - 1)) / d;
    this.a2 = (1 - Math.SQRT2 * c + c * c) / d;
  }

  /** Feeds one sample (`channels` values) and returns `out`. */
  step(x: Readonly<NumArray>): Float64Array {
    const out = this.out;
    const n = this.channels;
    if (this.passThrough) {
      for (let i = 0; i < n; i++) out[i] = x[i]!;
      return out;
    }
    if (!this.warm) {
      this.count++;
      for (let i = 0; i < n; i++) {
        this.sum[i] = this.sum[i]! + x[i]!;
        out[i] = this.sum[i]! / this.count;
      }
      if (this.count >= this.warmUpSamples) {
        for (let i = 0; i < n; i++) this.setSteadyState(i, out[i]!);
        this.warm = true;
      }
      return out;
    }
    const s = this.state;
    for (let i = 0; i < n; i++) {
      const xi = x[i]!;
      const y = this.b0 * xi + s[2 * i]!;
      s[2 * i] = this.b1 * xi - this.a1 * y + s[2 * i + 1]!;
      s[2 * i + 1] = this.b2 * xi - this.a2 * y;
      out[i] = y;
    }
    return out;
  }

  /** Restarts the start-up averaging, forgetting all past samples. */
  reset(): void {
    this.count = 0;
    this.warm = false;
    this.sum.fill(0);
    this.state.fill(0);
    this.out.fill(0);
  }

  private setSteadyState(channel: number, value: number): void {
    // Constant input `value` with output `value` (unit DC gain): solve the two state equations.
    const s1 = (this.b2 - this.a2) * value;
    this.state[2 * channel + 1] = s1;
    this.state[2 * channel] = (this.b1 - this.a1) * value + s1;
  }
}

/** Gain of a first-order low-pass with time constant `tau` sampled every `samplePeriod` s (1 when tau ≤ 0). */
export function firstOrderGain(tau: number, samplePeriod: number): number {
  if (!(tau > 0)) return 1;
  return 1 - Math.exp(-samplePeriod / tau);
}
