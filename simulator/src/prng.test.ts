import { describe, expect, it } from 'vitest';
import { createPrng } from './prng.js';

const draw = (seed: number | string, n: number) => {
  const p = createPrng(seed);
  return Array.from({ length: n }, () => p.nextUint32());
};

describe('seeded PRNG', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    expect(draw(42, 100)).toEqual(draw(42, 100));
    expect(draw('patient-7', 100)).toEqual(draw('patient-7', 100));
    expect(draw(42, 100)).not.toEqual(draw(43, 100));
    expect(draw(1, 100)).not.toEqual(draw(2 ** 32 + 1, 100));
    expect(draw('a', 100)).not.toEqual(draw('b', 100));
  });

  it('draws uniform values in [0, 1) with the right mean and spread', () => {
    const p = createPrng(7);
    const n = 200_000;
    let sum = 0,
      sumSq = 0,
      min = 1,
      max = 0;
    for (let i = 0; i < n; i++) {
      const u = p.next();
      sum += u;
      sumSq += u * u;
      min = Math.min(min, u);
      max = Math.max(max, u);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(sum / n).toBeCloseTo(0.5, 2);
    expect(sumSq / n - (sum / n) ** 2).toBeCloseTo(1 / 12, 3);
    const q = createPrng(8);
    for (let i = 0; i < 1000; i++) {
      const v = q.uniform(-3, 5);
      expect(v).toBeGreaterThanOrEqual(-3);
      expect(v).toBeLessThan(5);
    }
  });

  it('draws gaussians with the requested mean and SD', () => {
    const p = createPrng(11);
    const n = 200_000;
    let sum = 0,
      sumSq = 0,
      beyond2sd = 0;
    for (let i = 0; i < n; i++) {
      const g = p.gaussian(3, 2);
      sum += g;
      sumSq += g * g;
      if (Math.abs(g - 3) > 4) beyond2sd++;
    }
    const mean = sum / n;
    expect(mean).toBeCloseTo(3, 1);
    expect(Math.sqrt(sumSq / n - mean * mean)).toBeCloseTo(2, 1);
    // 4.55 % of a normal lies beyond ±2 SD.
    expect(beyond2sd / n).toBeGreaterThan(0.04);
    expect(beyond2sd / n).toBeLessThan(0.051);
  });

  it('draws integers in range covering every value, and shuffles into a permutation', () => {
    const p = createPrng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const k = p.int(-2, 5);
      expect(Number.isInteger(k) && k >= -2 && k < 5).toBe(true);
      seen.add(k);
    }
    expect(seen.size).toBe(7);
    expect(() => p.int(3, 3)).toThrow(/empty integer range/);
    const items = Array.from({ length: 20 }, (_, i) => i);
    const shuffled = p.shuffled(items);
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items);
    expect(shuffled).not.toEqual(items);
    expect(items[0]).toBe(0);
  });

  it('forks independent, reproducible streams that do not disturb the parent', () => {
    const a = createPrng(5);
    const b = createPrng(5);
    const forkA = a.fork('noise');
    expect(a.nextUint32()).toBe(b.nextUint32());
    expect(draw(5, 1)).not.toEqual([forkA.nextUint32()]);
    expect(createPrng(5).fork('noise').next()).toBe(createPrng(5).fork('noise').next());
    expect(createPrng(5).fork('noise').next()).not.toBe(createPrng(5).fork('bias').next());
  });

  it('rejects non-finite seeds', () => {
    expect(() => createPrng(Number.NaN)).toThrow(/finite/);
  });
});
