import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles the cap up to the maximum, with the jitter in the upper half', () => {
    const low = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
    const high = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.999999 });
    const lows = Array.from({ length: 7 }, () => low.next());
    const highs = Array.from({ length: 7 }, () => high.next());
    expect(lows).toEqual([50, 100, 200, 400, 500, 500, 500]);
    expect(highs).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('starts over after reset()', () => {
    const b = new Backoff({ initialMs: 10, maxMs: 80, random: () => 0.5 });
    expect([b.next(), b.next(), b.next()]).toEqual([8, 15, 30]);
    b.reset();
    expect(b.attempts).toBe(0);
    expect(b.next()).toBe(8);
  });

  it('rejects a nonsensical configuration', () => {
    expect(() => new Backoff({ initialMs: 0, maxMs: 10 })).toThrow(RangeError);
    expect(() => new Backoff({ initialMs: 20, maxMs: 10 })).toThrow(RangeError);
  });
});
