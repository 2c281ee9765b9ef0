/**
 * Per-sensor-stream reordering: frames of one stream (patient, session, role) come out in seq order, whatever order
 * the broker delivered them in. Duplicates are dropped. A missing seq is waited for a bounded time — until
 * `maxHeldFrames` later frames are held, or the oldest held frame has waited `maxWaitMs` (checked by `expire`) — then
 * declared a gap and skipped. A frame that arrives after its gap was declared is `late`: the caller stores it but
 * does not analyse it (the analysis has moved past its time).
 *
 * Pure: the caller passes the clock (`nowMs`), so tests replay any delivery deterministically.
 */
import { seqDelta } from '@hipmon/core';

export type ReorderRelease<T> =
  /** The next frame of the stream, in order: analyse and store it. */
  | { kind: 'frame'; seq: number; item: T }
  /** `count` frames from `fromSeq` on were given up on. */
  | { kind: 'gap'; fromSeq: number; count: number }
  /** A frame whose gap was already declared: store it, do not analyse it. */
  | { kind: 'late'; seq: number; item: T };

export interface ReorderBufferOptions {
  /** Frames held behind a missing one before the missing one is given up. Default 5 (0.5 s at 10 frames/s). */
  maxHeldFrames?: number;
  /** Longest wait (ms of the caller's clock) for a missing frame, enforced by `expire`. Default 500. */
  maxWaitMs?: number;
  /** How many seqs behind the next expected one are remembered (released or declared missing). Default 4096. */
  window?: number;
  /**
   * Resume a stream: the seq expected next (one past the last stored frame after a restart); the `window` seqs
   * before it count as seen. Without it, the first frame sets the origin and older ones are late.
   */
  nextSeq?: number;
}

export interface ReorderCounters {
  /** Frames released in order. */
  released: number;
  duplicates: number;
  /** Frames that arrived after their gap was declared. */
  late: number;
  /** Gap declarations, and frames declared missing in them. */
  gaps: number;
  missing: number;
  /** Jumps backwards by more than the window: the stream restarted. */
  restarts: number;
}

const RELEASED = 1;
const MISSING = 2;

export class ReorderBuffer<T> {
  readonly counters: ReorderCounters = { released: 0, duplicates: 0, late: 0, gaps: 0, missing: 0, restarts: 0 };
  private readonly maxHeld: number;
  private readonly maxWaitMs: number;
  private readonly window: number;
  /** Per seq (mod window), what became of it: 0 unknown, RELEASED, MISSING. */
  private readonly marks: Uint8Array;
  private readonly held = new Map<number, { item: T; at: number }>();
  private next: number | null;

  constructor(options: ReorderBufferOptions = {}) {
    this.maxHeld = options.maxHeldFrames ?? 5;
    this.maxWaitMs = options.maxWaitMs ?? 500;
    this.window = options.window ?? 4096;
    if (!(Number.isInteger(this.maxHeld) && this.maxHeld >= 0)) throw new RangeError('maxHeldFrames must be ≥ 0');
    if (!(this.maxWaitMs >= 0)) throw new RangeError('maxWaitMs must be ≥ 0');
    // A power of two divides 2^32, so seq % window stays consistent across the wrap of the seq counter.
    if (!(Number.isInteger(this.window) && this.window >= 16 && (this.window & (this.window - 1)) === 0)) {
      throw new RangeError('window must be a power of two ≥ 16');
    }
    this.marks = new Uint8Array(this.window);
    this.next = options.nextSeq === undefined ? null : options.nextSeq >>> 0;
    // A resumed stream was seen up to nextSeq: anything behind it is a redelivery.
    if (this.next !== null) this.marks.fill(RELEASED);
  }

  /** The seq expected next (null before the first frame). */
  get nextSeq(): number | null {
    return this.next;
  }

  /** Frames waiting behind a missing one. */
  get heldFrames(): number {
    return this.held.size;
  }

  push(seq: number, item: T, nowMs: number): ReorderRelease<T>[] {
    const out: ReorderRelease<T>[] = [];
    seq = seq >>> 0;
    if (this.next === null) this.next = seq;
    let delta = seqDelta(this.next, seq);
    if (delta <= -this.window) {
      // Far behind everything we know: the stream started over. Finish the old one, then follow the new one.
      this.counters.restarts++;
      this.flushInto(out);
      this.marks.fill(0);
      this.next = seq;
      delta = 0;
    }
    if (delta < 0) {
      const slot = seq % this.window;
      // Unknown (0): older than the stream's first frame here, never seen. Missing: its gap was declared.
      if (this.marks[slot] === RELEASED) {
        this.counters.duplicates++;
        return out;
      }
      if (this.marks[slot] === MISSING) this.counters.missing--;
      this.marks[slot] = RELEASED;
      this.counters.late++;
      out.push({ kind: 'late', seq, item });
      return out;
    }
    if (this.held.has(seq)) {
      this.counters.duplicates++;
      return out;
    }
    this.held.set(seq, { item, at: nowMs });
    this.drainInto(out);
    while (this.held.size > this.maxHeld) this.skipGapInto(out);
    return out;
  }

  /** Gives up on a missing frame once the oldest frame held behind it has waited maxWaitMs. */
  expire(nowMs: number): ReorderRelease<T>[] {
    const out: ReorderRelease<T>[] = [];
    while (this.held.size > 0 && nowMs - this.oldestArrival() >= this.maxWaitMs) this.skipGapInto(out);
    return out;
  }

  /** Releases everything held (end of the stream, or a shutdown), declaring the gaps in between. */
  flush(): ReorderRelease<T>[] {
    const out: ReorderRelease<T>[] = [];
    this.flushInto(out);
    return out;
  }

  private flushInto(out: ReorderRelease<T>[]): void {
    while (this.held.size > 0) this.skipGapInto(out);
  }

  private oldestArrival(): number {
    let oldest = Infinity;
    for (const { at } of this.held.values()) if (at < oldest) oldest = at;
    return oldest;
  }

  /** Declares the frames before the first held one missing and releases what follows in order. */
  private skipGapInto(out: ReorderRelease<T>[]): void {
    const next = this.next!;
    let first = -1;
    let best = Infinity;
    for (const seq of this.held.keys()) {
      const d = seqDelta(next, seq);
      if (d < best) {
        best = d;
        first = seq;
      }
    }
    if (best > 0) {
      for (let k = 0; k < Math.min(best, this.window); k++) this.marks[(next + k) % this.window] = MISSING;
      this.counters.gaps++;
      this.counters.missing += best;
      out.push({ kind: 'gap', fromSeq: next, count: best });
    }
    this.next = first >>> 0;
    this.drainInto(out);
  }

  private drainInto(out: ReorderRelease<T>[]): void {
    for (;;) {
      const next = this.next!;
      const entry = this.held.get(next);
      if (!entry) return;
      this.held.delete(next);
      this.marks[next % this.window] = RELEASED;
      this.counters.released++;
      out.push({ kind: 'frame', seq: next, item: entry.item });
      this.next = (next + 1) >>> 0;
    }
  }
}
