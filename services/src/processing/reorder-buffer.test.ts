import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReorderBuffer } from './reorder-buffer.js';
import type { ReorderRelease } from './reorder-buffer.js';

const frames = (out: ReorderRelease<string>[]) => out.filter((r) => r.kind === 'frame').map((r) => r.seq);

describe('ReorderBuffer', () => {
  it('releases in seq order, holding frames behind a missing one until it arrives', () => {
    const buffer = new ReorderBuffer<string>();
    expect(frames(buffer.push(10, 'a', 0))).toEqual([10]);
    expect(buffer.push(12, 'c', 1)).toEqual([]);
    expect(buffer.push(13, 'd', 2)).toEqual([]);
    expect(buffer.heldFrames).toBe(2);
    expect(buffer.push(11, 'b', 3)).toEqual([
      { kind: 'frame', seq: 11, item: 'b' },
      { kind: 'frame', seq: 12, item: 'c' },
      { kind: 'frame', seq: 13, item: 'd' },
    ]);
    expect(buffer.counters).toMatchObject({ released: 4, duplicates: 0, gaps: 0, late: 0 });
  });

  it('drops duplicates, whether already released or still held', () => {
    const buffer = new ReorderBuffer<string>();
    buffer.push(0, 'a', 0);
    buffer.push(2, 'c', 0);
    expect(buffer.push(0, 'a', 0)).toEqual([]);
    expect(buffer.push(2, 'c', 0)).toEqual([]);
    expect(buffer.counters.duplicates).toBe(2);
  });

  it('declares a gap after maxHeldFrames, and a frame arriving after that is late', () => {
    const buffer = new ReorderBuffer<string>({ maxHeldFrames: 3 });
    buffer.push(0, 'x', 0);
    const out = [2, 3, 4, 5].flatMap((seq) => buffer.push(seq, String(seq), 0));
    expect(out).toEqual([
      { kind: 'gap', fromSeq: 1, count: 1 },
      { kind: 'frame', seq: 2, item: '2' },
      { kind: 'frame', seq: 3, item: '3' },
      { kind: 'frame', seq: 4, item: '4' },
      { kind: 'frame', seq: 5, item: '5' },
    ]);
    expect(buffer.push(1, 'late', 0)).toEqual([{ kind: 'late', seq: 1, item: 'late' }]);
    expect(buffer.push(1, 'late', 0)).toEqual([]);
    expect(buffer.counters).toMatchObject({ released: 5, late: 1, duplicates: 1, gaps: 1, missing: 0 });
  });

  it('declares a gap when the oldest held frame has waited maxWaitMs', () => {
    const buffer = new ReorderBuffer<string>({ maxWaitMs: 500 });
    buffer.push(0, 'a', 0);
    buffer.push(3, 'd', 100);
    buffer.push(4, 'e', 300);
    expect(buffer.expire(599)).toEqual([]);
    expect(buffer.expire(600)).toEqual([
      { kind: 'gap', fromSeq: 1, count: 2 },
      { kind: 'frame', seq: 3, item: 'd' },
      { kind: 'frame', seq: 4, item: 'e' },
    ]);
    expect(buffer.counters.missing).toBe(2);
  });

  it('orders across the wrap of the seq counter and resumes from a given seq', () => {
    const buffer = new ReorderBuffer<number>({ nextSeq: 0xfffffffe });
    const out = [0, 0xffffffff, 1, 0xfffffffe].flatMap((seq) => buffer.push(seq, seq, 0));
    expect(frames(out as ReorderRelease<string>[])).toEqual([0xfffffffe, 0xffffffff, 0, 1]);
    // Redelivered frames from before the resume point are duplicates, not new data.
    const resumed = new ReorderBuffer<number>({ nextSeq: 50 });
    expect(resumed.push(49, 49, 0)).toEqual([]);
    expect(resumed.counters.duplicates).toBe(1);
  });

  it('treats a jump backwards by more than the window as a restart of the stream', () => {
    const buffer = new ReorderBuffer<string>({ window: 16 });
    buffer.push(100, 'a', 0);
    buffer.push(102, 'c', 0);
    const out = buffer.push(5, 'new', 0);
    expect(out).toEqual([
      { kind: 'gap', fromSeq: 101, count: 1 },
      { kind: 'frame', seq: 102, item: 'c' },
      { kind: 'frame', seq: 5, item: 'new' },
    ]);
    expect(buffer.counters.restarts).toBe(1);
  });

  it('any shuffled, duplicated delivery within the hold bound gives every frame once, in order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 1e9 }),
        fc.array(fc.integer({ min: 0, max: 199 }), { maxLength: 40 }),
        (n, origin, seed, repeats) => {
          // Local shuffles: each frame moves at most 3 places, so never more than 5 frames are held.
          const order = [...Array(n).keys()];
          let s = seed;
          for (let i = 1; i < n; i++) {
            s = (s * 1103515245 + 12345) % 2 ** 31;
            const j = Math.max(1, i - (s % 4));
            [order[i], order[j]] = [order[j]!, order[i]!];
          }
          const delivery = [...order, ...repeats.filter((r) => r < n)];
          const buffer = new ReorderBuffer<number>({ nextSeq: origin });
          const out = delivery.flatMap((k) => buffer.push((origin + k) >>> 0, k, 0));
          out.push(...buffer.flush());
          expect(out.every((r) => r.kind === 'frame')).toBe(true);
          expect(out.map((r) => (r.kind === 'frame' ? r.item : -1))).toEqual([...Array(n).keys()]);
          expect(buffer.counters.duplicates).toBe(delivery.length - n);
        },
      ),
    );
  });

  it('with losses, every delivered frame comes out exactly once, as a frame or late, gaps covering the rest', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 150 })
          .chain((n) =>
            fc.tuple(fc.constant(n), fc.shuffledSubarray([...Array(n).keys()], { minLength: 1, maxLength: n })),
          ),
        ([n, delivered]) => {
          const buffer = new ReorderBuffer<number>({ maxHeldFrames: 4 });
          const out = delivered.flatMap((k) => buffer.push(k, k, 0));
          out.push(...buffer.flush());
          const got = out.flatMap((r) => (r.kind === 'gap' ? [] : [r.item]));
          expect([...got].sort((a, b) => a - b)).toEqual([...delivered].sort((a, b) => a - b));
          // In-order frames increase; gaps plus frames cover the range from the first frame to the last one.
          const inOrder = out.flatMap((r) => (r.kind === 'frame' ? [r.seq] : []));
          expect(inOrder).toEqual([...inOrder].sort((a, b) => a - b));
          const gapFrames = out.reduce((sum, r) => sum + (r.kind === 'gap' ? r.count : 0), 0);
          expect(inOrder.length + gapFrames).toBe(inOrder.at(-1)! - delivered[0]! + 1);
          expect(n).toBeGreaterThanOrEqual(got.length);
        },
      ),
    );
  });
});
