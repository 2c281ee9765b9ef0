/**
 * Ring buffer of the smoothed samples (time, working-direction primary signal, the three angles), addressed by an
 * ever-increasing sample number. A repetition or hold is analysed from here when it ends, so the per-sample path
 * only writes five numbers. Allocation-free after construction.
 */
export class SampleHistory {
  /** Number of the next sample to be written (= samples written so far). */
  next = 0;
  readonly t: Float64Array;
  readonly x: Float64Array;
  readonly flexion: Float32Array;
  readonly abduction: Float32Array;
  readonly rotation: Float32Array;

  constructor(readonly capacity: number) {
    this.t = new Float64Array(capacity);
    this.x = new Float64Array(capacity);
    this.flexion = new Float32Array(capacity);
    this.abduction = new Float32Array(capacity);
    this.rotation = new Float32Array(capacity);
  }

  push(t: number, x: number, flexion: number, abduction: number, rotation: number): void {
    const slot = this.next % this.capacity;
    this.t[slot] = t;
    this.x[slot] = x;
    this.flexion[slot] = flexion;
    this.abduction[slot] = abduction;
    this.rotation[slot] = rotation;
    this.next++;
  }

  /** Oldest sample number still held. */
  get oldest(): number {
    return Math.max(0, this.next - this.capacity);
  }

  /** Buffer slot of sample number n (n must be in [oldest, next)). */
  slot(n: number): number {
    return n % this.capacity;
  }

  reset(): void {
    this.next = 0;
  }
}
