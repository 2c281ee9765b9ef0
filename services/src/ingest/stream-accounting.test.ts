import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SEQ_WINDOW, StreamAccounting } from './stream-accounting.js';

describe('StreamAccounting', () => {
  it('tells new, duplicate, late and missing frames apart', () => {
    const acc = new StreamAccounting();
    const verdicts = [0, 1, 1, 4, 2, 2, 3, 5].map((seq) => acc.record('p/s/pelvis', seq, 10));
    expect(verdicts).toEqual(['new', 'new', 'duplicate', 'new', 'late', 'duplicate', 'late', 'new']);
    expect(acc.get('p/s/pelvis')).toEqual({ frames: 6, samples: 60, duplicates: 2, missing: 0, late: 2, stale: 0 });
  });

  it('keeps streams apart and wraps at 2^32', () => {
    const acc = new StreamAccounting();
    expect(acc.record('a', 0xfffffffe, 1)).toBe('new');
    expect(acc.record('a', 0xffffffff, 1)).toBe('new');
    expect(acc.record('a', 0, 1)).toBe('new');
    expect(acc.record('b', 0, 1)).toBe('new');
    expect(acc.record('a', 0xffffffff, 1)).toBe('duplicate');
    expect(acc.totals()).toMatchObject({ frames: 4, duplicates: 1, missing: 0 });
  });

  it('calls frames older than the window stale', () => {
    const acc = new StreamAccounting();
    acc.record('a', 0, 1);
    acc.record('a', SEQ_WINDOW + 10, 1);
    expect(acc.record('a', 5, 1)).toBe('stale');
    expect(acc.get('a')!.missing).toBe(SEQ_WINDOW + 9);
  });

  it('any shuffled, duplicated delivery of 0..n-1 accounts for every frame exactly once', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 300 })
          .chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
              fc.array(fc.integer({ min: 0, max: n - 1 }), { maxLength: 50 }),
            ),
          ),
        ([n, order, repeats]) => {
          const acc = new StreamAccounting();
          // A delivery in which the first frame arrives first (the stream's origin), the rest in any order.
          const delivery = [0, ...order.filter((s) => s !== 0), ...repeats];
          const fresh = delivery.filter((seq) => ['new', 'late'].includes(acc.record('s', seq, 1)));
          expect(new Set(fresh).size).toBe(n);
          expect(fresh.length).toBe(n);
          expect(acc.get('s')).toMatchObject({ frames: n, duplicates: repeats.length, missing: 0 });
        },
      ),
    );
  });
});
