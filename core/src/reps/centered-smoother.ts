import type { AngleSample } from './types.js';

/**
 * Centred moving average of the three hip angles, streaming: each input sample releases the smoothed value of the
 * sample `halfWidth` samples earlier. Being symmetric it has no phase error: crossing times, peaks and their times
 * come out where they are in the input, and the only cost is a fixed delay of `halfWidth` samples (0.1 s at the
 * defaults), which is the whole latency the smoothing adds. At the two ends of the stream the window shrinks
 * symmetrically, so every input sample gets exactly one output.
 *
 * Allocation-free after construction: results are read from the public fields after `push`/`drain` return true.
 */
export class CenteredSmoother {
  /** The released (centred, smoothed) sample: valid after push()/drain() returned true. */
  t = Number.NaN;
  flexion = 0;
  abduction = 0;
  rotation = 0;
  /** The raw value of the released sample's channel `noiseChannel`, for the noise estimate. */
  raw = 0;

  private readonly size: number;
  private readonly ts: Float64Array;
  private readonly ch: [Float64Array, Float64Array, Float64Array];
  /** Input samples received, and samples released. */
  private received = 0;
  private released = 0;

  constructor(
    private readonly halfWidth: number,
    private readonly noiseChannel: 0 | 1 | 2,
  ) {
    this.size = 2 * halfWidth + 1;
    this.ts = new Float64Array(this.size);
    this.ch = [new Float64Array(this.size), new Float64Array(this.size), new Float64Array(this.size)];
  }

  /** Adds one input sample; returns true when a smoothed sample was released. */
  push(t: number, flexion: number, abduction: number, rotation: number): boolean {
    const slot = this.received % this.size;
    this.ts[slot] = t;
    this.ch[0][slot] = flexion;
    this.ch[1][slot] = abduction;
    this.ch[2][slot] = rotation;
    return this.admit();
  }

  /** `push` of a sample object (its fields read here: no doubles passed, so none boxed, per call). */
  pushSample(s: Readonly<AngleSample>): boolean {
    const slot = this.received % this.size;
    this.ts[slot] = s.t;
    this.ch[0][slot] = s.flexion;
    this.ch[1][slot] = s.abduction;
    this.ch[2][slot] = s.rotation;
    return this.admit();
  }

  private admit(): boolean {
    this.received++;
    // Release sample k once its symmetric window [k − w, k + w] (shrunk at the start) is complete.
    const last = this.received - 1;
    const k = this.released;
    const w = Math.min(this.halfWidth, k);
    if (k + w > last) return false;
    this.release(k, w);
    return true;
  }

  /** End of the stream: releases the next pending sample with a shrunken window; false when none is left. */
  drain(): boolean {
    const last = this.received - 1;
    const k = this.released;
    if (k > last) return false;
    this.release(k, Math.min(this.halfWidth, k, last - k));
    return true;
  }

  /** Forget everything (a new stream). */
  reset(): void {
    this.received = 0;
    this.released = 0;
    this.t = Number.NaN;
  }

  private release(k: number, w: number): void {
    let f = 0,
      a = 0,
      r = 0;
    // Samples k − w … k + w in order, the ring walked without a modulo per sample (same sums, same order).
    const size = this.size;
    const cf = this.ch[0],
      ca = this.ch[1],
      cr = this.ch[2];
    let i = (k - w) % size;
    for (let left = 2 * w + 1; left > 0; left--) {
      f += cf[i]!;
      a += ca[i]!;
      r += cr[i]!;
      if (++i === size) i = 0;
    }
    const n = 2 * w + 1;
    const slot = k % this.size;
    this.t = this.ts[slot]!;
    this.flexion = f / n;
    this.abduction = a / n;
    this.rotation = r / n;
    this.raw = this.ch[this.noiseChannel][slot]!;
    this.released++;
  }
}
