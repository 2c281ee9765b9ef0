import { describe, expect, it } from 'vitest';
import { createPrng } from '@hipmon/simulator';
import { SmallKalman } from './small-kalman.js';

/** Solves the 3×3 system A x = b (Cramer's rule is plenty here). */
function solve3(a: number[][], b: number[]): number[] {
  const det = (m: number[][]) =>
    m[0]![0]! * (m[1]![1]! * m[2]![2]! - m[1]![2]! * m[2]![1]!) -
    m[0]![1]! * (m[1]![0]! * m[2]![2]! - m[1]![2]! * m[2]![0]!) +
    m[0]![2]! * (m[1]![0]! * m[2]![1]! - m[1]![1]! * m[2]![0]!);
  const d = det(a);
  return [0, 1, 2].map((c) => det(a.map((row, i) => row.map((v, j) => (j === c ? b[i]! : v)))) / d);
}

describe('SmallKalman', () => {
  it('equals the batch least-squares posterior of a linear Gaussian problem, with 1- and 2-row updates', () => {
    const prng = createPrng('small-kalman');
    const truth = [0.3, -0.2, 0.1];
    const prior = [4, 2, 1]; // variances, zero prior mean
    const kf = new SmallKalman(3, 1e9);
    for (let i = 0; i < 3; i++) kf.p[4 * i] = prior[i]!;
    // Information form accumulators: Λ = P0⁻¹ + Σ hᵀh/σ², η = Σ hᵀ z/σ².
    const info = [0, 1, 2].map((i) => [0, 1, 2].map((j) => (i === j ? 1 / prior[i]! : 0)));
    const eta = [0, 0, 0];
    for (let k = 0; k < 30; k++) {
      const rows = (k % 2) + 1;
      const noise = [0.05, 0.2];
      const residuals: number[] = [];
      for (let m = 0; m < rows; m++) {
        const h = [prng.uniform(-1, 1), prng.uniform(-1, 1), prng.uniform(-1, 1)];
        const z = h.reduce((s, v, i) => s + v * truth[i]!, 0) + prng.gaussian(0, Math.sqrt(noise[m]!));
        for (let i = 0; i < 3; i++) kf.h[3 * m + i] = h[i]!;
        // Residual convention: r = h·x̂ − z.
        residuals.push(h.reduce((s, v, i) => s + v * kf.x[i]!, 0) - z);
        for (let i = 0; i < 3; i++) {
          eta[i] = eta[i]! + (h[i]! * z) / noise[m]!;
          for (let j = 0; j < 3; j++) info[i]![j] = info[i]![j]! + (h[i]! * h[j]!) / noise[m]!;
        }
      }
      kf.r[0] = residuals[0]!;
      kf.r[1] = residuals[1] ?? 0;
      kf.noise.set(noise);
      expect(kf.correct(rows as 1 | 2)).toBe(true);
    }
    const posterior = solve3(info, eta);
    for (let i = 0; i < 3; i++) expect(kf.x[i]).toBeCloseTo(posterior[i]!, 9);
    // Covariance: P·Λ = I.
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const v = [0, 1, 2].reduce((s, k) => s + kf.p[3 * i + k]! * info[k]![j]!, 0);
        expect(v).toBeCloseTo(i === j ? 1 : 0, 9);
      }
    }
  });

  it('rejects a measurement beyond the χ² gate and leaves the state untouched', () => {
    const kf = new SmallKalman(3, 13.8);
    kf.p[0] = kf.p[4] = kf.p[8] = 1;
    kf.h.fill(0);
    kf.h[0] = 1;
    kf.noise[0] = 1;
    // Innovation 10 with S = 1 + 1: χ² = 50.
    kf.r[0] = -10;
    expect(kf.correct(1)).toBe(false);
    expect([...kf.x]).toEqual([0, 0, 0]);
    expect(kf.variance(0)).toBe(1);
    kf.r[0] = -2;
    expect(kf.correct(1)).toBe(true);
    expect(kf.x[0]).toBeCloseTo(1, 12);
    expect(kf.variance(0)).toBeCloseTo(0.5, 12);
  });
});
