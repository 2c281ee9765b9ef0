/**
 * Per-sensor-stream bookkeeping of sequence numbers: which frames arrived new, again, late, or are still missing.
 * Pure; remembers the last WINDOW seqs of each stream in a ring of flags, so a duplicate is told from a late
 * arrival without keeping every seq ever seen.
 */
import { seqDelta } from '@hipmon/core';

export const SEQ_WINDOW = 4096;

export interface StreamCounts {
  frames: number;
  samples: number;
  duplicates: number;
  /** Frames skipped over (seq jumped forward) that have not arrived (yet). */
  missing: number;
  /** Frames that arrived after a later one and filled a hole. */
  late: number;
  /** Frames older than the window: cannot be told apart from duplicates, dropped. */
  stale: number;
}

export type FrameVerdict = 'new' | 'late' | 'duplicate' | 'stale';

interface Stream {
  lastSeq: number;
  seen: Uint8Array;
  counts: StreamCounts;
}

export class StreamAccounting {
  private readonly streams = new Map<string, Stream>();

  /** Records one frame of stream `key`; returns what it was. Only 'new' and 'late' frames carry data to use. */
  record(key: string, seq: number, samples: number): FrameVerdict {
    let stream = this.streams.get(key);
    if (!stream) {
      stream = {
        lastSeq: seq,
        seen: new Uint8Array(SEQ_WINDOW),
        counts: { frames: 0, samples: 0, duplicates: 0, missing: 0, late: 0, stale: 0 },
      };
      this.streams.set(key, stream);
      return this.accept(stream, seq, samples, 'new');
    }
    const delta = seqDelta(stream.lastSeq, seq);
    if (delta > 0) {
      // Forget the flags of the seqs the window slides over; the skipped ones are missing until they arrive.
      for (let k = 1; k <= Math.min(delta, SEQ_WINDOW); k++) stream.seen[(stream.lastSeq + k) % SEQ_WINDOW] = 0;
      stream.counts.missing += delta - 1;
      stream.lastSeq = seq >>> 0;
      return this.accept(stream, seq, samples, 'new');
    }
    if (delta <= -SEQ_WINDOW) {
      stream.counts.stale++;
      return 'stale';
    }
    if (stream.seen[(seq >>> 0) % SEQ_WINDOW]) {
      stream.counts.duplicates++;
      return 'duplicate';
    }
    stream.counts.missing = Math.max(0, stream.counts.missing - 1);
    stream.counts.late++;
    return this.accept(stream, seq, samples, 'late');
  }

  get(key: string): Readonly<StreamCounts> | undefined {
    return this.streams.get(key)?.counts;
  }

  keys(): string[] {
    return [...this.streams.keys()];
  }

  totals(): StreamCounts {
    const total: StreamCounts = { frames: 0, samples: 0, duplicates: 0, missing: 0, late: 0, stale: 0 };
    for (const { counts } of this.streams.values()) {
      for (const name of Object.keys(total) as (keyof StreamCounts)[]) total[name] += counts[name];
    }
    return total;
  }

  private accept(stream: Stream, seq: number, samples: number, verdict: 'new' | 'late'): FrameVerdict {
    stream.seen[(seq >>> 0) % SEQ_WINDOW] = 1;
    stream.counts.frames++;
    stream.counts.samples += samples;
    return verdict;
  }
}
