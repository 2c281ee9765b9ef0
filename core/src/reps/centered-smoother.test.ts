import { describe, expect, it } from 'vitest';
import { CenteredSmoother } from './centered-smoother.js';

/** Pushes n samples of f(k) (time k/100) then drains; returns the released (t, flexion) pairs in order. */
function runSmoother(h: number, n: number, f: (k: number) => number): { t: number; v: number; atInput: number }[] {
  const s = new CenteredSmoother(h, 0);
  const out: { t: number; v: number; atInput: number }[] = [];
  for (let k = 0; k < n; k++) {
    if (s.push(k / 100, f(k), 2 * f(k), -f(k))) {
      expect(s.abduction).toBeCloseTo(2 * s.flexion, 9);
      expect(s.rotation).toBeCloseTo(-s.flexion, 9);
      out.push({ t: s.t, v: s.flexion, atInput: k });
    }
  }
  while (s.drain()) out.push({ t: s.t, v: s.flexion, atInput: n });
  return out;
}

describe('CenteredSmoother', () => {
  it('releases every input sample exactly once, in order', () => {
    for (const [h, n] of [
      [0, 5],
      [3, 2],
      [3, 7],
      [10, 500],
    ] as const) {
      const out = runSmoother(h, n, (k) => k);
      expect(out.map((o) => Math.round(o.t * 100))).toEqual(Array.from({ length: n }, (_, k) => k));
    }
  });

  it('has no phase error: a straight line comes out unchanged, including the shrunken windows at both ends', () => {
    const out = runSmoother(10, 300, (k) => 3 + 0.25 * k);
    for (const o of out) expect(o.v).toBeCloseTo(3 + 0.25 * Math.round(o.t * 100), 9);
  });

  it('delays by exactly the half-width once the window is full', () => {
    const out = runSmoother(10, 300, (k) => Math.sin(k / 20));
    for (const o of out.filter((x) => x.atInput >= 20 && x.atInput < 300)) {
      expect(Math.round(o.t * 100)).toBe(o.atInput - 10);
    }
  });

  it('averages the 2h + 1 samples around the released one', () => {
    const values = Array.from({ length: 50 }, (_, k) => ((k * 7919) % 13) - 6);
    const out = runSmoother(4, values.length, (k) => values[k]!);
    const k = 20;
    const expected = values.slice(k - 4, k + 5).reduce((a, b) => a + b, 0) / 9;
    expect(out[k]!.v).toBeCloseTo(expected, 12);
  });
});
