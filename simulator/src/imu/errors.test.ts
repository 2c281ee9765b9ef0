import type { ImuSample, Vec3 } from '@hipmon/core';
import { describe, expect, it } from 'vitest';
import { createPrng } from '../prng.js';
import { ERROR_PRESET_CONFIGS, LSB, resolveErrorConfig, SensorErrorModel } from './errors.js';
import type { ExactImuSignals, ImuErrorConfig } from './errors.js';

const RATE = 100;

/** Smoothly varying exact signals, so errors are measured on a moving input, not a constant. */
const exactAt = (t: number): ExactImuSignals => ({
  t,
  gyr: [Math.sin(t), 0.5 * Math.cos(0.7 * t), -0.3],
  acc: [9.81 * Math.cos(0.1 * t), 1 + Math.sin(0.3 * t), -2],
  mag: [20 * Math.cos(0.2 * t), 20 * Math.sin(0.2 * t), -44],
});

interface Run {
  model: SensorErrorModel;
  /** Index-aligned: the exact input and the measured sample (undefined = dropped). */
  exact: ExactImuSignals[];
  measured: (ImuSample | undefined)[];
}

function run(overrides: Partial<ImuErrorConfig>, n: number, seed: number | string = 7): Run {
  const model = new SensorErrorModel(resolveErrorConfig('none', overrides), RATE, createPrng(seed));
  const exact: ExactImuSignals[] = [];
  const measured: (ImuSample | undefined)[] = [];
  for (let k = 0; k < n; k++) {
    const e = exactAt(model.sampleTime(k));
    exact.push(e);
    measured.push(model.measure(k, e));
  }
  return { model, exact, measured };
}

const std = (xs: readonly number[]): number => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Residuals measured − exact of one sensor type, all axes pooled. */
const residuals = (r: Run, key: 'gyr' | 'acc' | 'mag', axis?: number): number[] =>
  r.measured.flatMap((s, k) =>
    s ? [0, 1, 2].filter((i) => axis === undefined || i === axis).map((i) => s[key]![i]! - r.exact[k]![key]![i]!) : [],
  );

describe('sensor error model', () => {
  it("'none' gives the exact signals at the exact times, every sample", () => {
    const r = run({}, 1000);
    r.measured.forEach((s, k) => {
      expect(s).toEqual({ t: k / RATE, gyr: r.exact[k]!.gyr, acc: r.exact[k]!.acc, mag: r.exact[k]!.mag });
      expect(r.exact[k]!.t).toBe(k / RATE);
    });
  });

  it('white noise has the configured standard deviation (within 10 %) and zero mean', () => {
    const cfg = ERROR_PRESET_CONFIGS.typical;
    const r = run({ gyroNoise: cfg.gyroNoise, accNoise: cfg.accNoise, magNoise: cfg.magNoise }, 20000);
    for (const [key, sd] of [
      ['gyr', cfg.gyroNoise],
      ['acc', cfg.accNoise],
      ['mag', cfg.magNoise],
    ] as const) {
      for (let axis = 0; axis < 3; axis++) {
        const res = residuals(r, key, axis);
        expect(Math.abs(std(res) / sd - 1)).toBeLessThan(0.1);
        expect(Math.abs(mean(res))).toBeLessThan((4 * sd) / Math.sqrt(res.length));
      }
    }
  });

  it('turn-on biases are constant per sensor and spread as configured across sensors (sd within 10 %)', () => {
    const config = { gyroBias: 0.005, accBias: 0.05, magBias: 2 };
    const r = run(config, 500);
    for (const [key, drawn] of [
      ['gyr', r.model.draw.gyroBias],
      ['acc', r.model.draw.accBias],
      ['mag', r.model.draw.magBias],
    ] as const) {
      for (let axis = 0; axis < 3; axis++) {
        for (const x of residuals(r, key, axis)) expect(x).toBeCloseTo(drawn[axis]!, 12);
      }
    }
    const draws = Array.from(
      { length: 1000 },
      (_, seed) => new SensorErrorModel(resolveErrorConfig('none', config), RATE, createPrng(seed)).draw,
    );
    expect(Math.abs(std(draws.flatMap((d) => d.gyroBias)) / config.gyroBias - 1)).toBeLessThan(0.1);
    expect(Math.abs(std(draws.flatMap((d) => d.accBias)) / config.accBias - 1)).toBeLessThan(0.1);
    expect(Math.abs(std(draws.flatMap((d) => d.magBias)) / config.magBias - 1)).toBeLessThan(0.1);
  });

  it('the gyro bias drifts as a random walk: 1 s increments have sd = walk·√1 s (within 10 %)', () => {
    const walk = 0.001; // rad/s/√s
    const r = run({ gyroBiasWalk: walk }, 2000 * RATE + 1);
    const increments: number[] = [];
    for (let axis = 0; axis < 3; axis++) {
      const bias = residuals(r, 'gyr', axis);
      for (let k = RATE; k < bias.length; k += RATE) increments.push(bias[k]! - bias[k - RATE]!);
    }
    expect(Math.abs(std(increments) / walk - 1)).toBeLessThan(0.1);
    // Accelerometer and magnetometer have no drift.
    expect(residuals(r, 'acc').every((x) => Math.abs(x) < 1e-12)).toBe(true);
  });

  it('scale factor and misalignment: measured = M·exact with M close to identity, spread as configured', () => {
    const config = { scaleError: 0.01, misalignment: 0.005 };
    const r = run(config, 200);
    const m = r.model.draw.gyroMatrix;
    r.measured.forEach((s, k) => {
      const e = r.exact[k]!.gyr;
      for (let i = 0; i < 3; i++) {
        expect(s!.gyr[i]).toBeCloseTo(m[3 * i]! * e[0] + m[3 * i + 1]! * e[1] + m[3 * i + 2]! * e[2], 12);
      }
    });
    const draws = Array.from(
      { length: 500 },
      (_, seed) => new SensorErrorModel(resolveErrorConfig('none', config), RATE, createPrng(seed)).draw,
    );
    const diag = draws.flatMap((d) => [d.accMatrix[0]! - 1, d.accMatrix[4]! - 1, d.accMatrix[8]! - 1]);
    const off = draws.flatMap((d) => [1, 2, 3, 5, 6, 7].map((i) => d.magMatrix[i]!));
    expect(Math.abs(std(diag) / config.scaleError - 1)).toBeLessThan(0.1);
    expect(Math.abs(std(off) / config.misalignment - 1)).toBeLessThan(0.1);
  });

  it('quantizes to the 16-bit LSB (±2000 dps, ±16 g, ±4900 µT) and saturates at full scale', () => {
    const r = run({ quantize: true }, 300);
    for (const [key, lsb] of [
      ['gyr', LSB.gyr],
      ['acc', LSB.acc],
      ['mag', LSB.mag],
    ] as const) {
      r.measured.forEach((s) =>
        s![key]!.forEach((v) => expect(Math.abs(v / lsb - Math.round(v / lsb))).toBeLessThan(1e-9)),
      );
      for (const x of residuals(r, key)) expect(Math.abs(x)).toBeLessThanOrEqual(lsb / 2 + 1e-12);
    }
    expect(LSB.gyr).toBeCloseTo(((2000 / 32768) * Math.PI) / 180, 15);
    expect(LSB.acc).toBeCloseTo((16 * 9.80665) / 32768, 15);
    const model = new SensorErrorModel(resolveErrorConfig('none', { quantize: true }), RATE, createPrng(1));
    const fast = model.measure(0, { t: 0, gyr: [50, -50, 0], acc: [200, -200, 0] })!;
    expect(fast.gyr).toEqual([32767 * LSB.gyr, -32768 * LSB.gyr, 0]);
    expect(fast.acc).toEqual([32767 * LSB.acc, -32768 * LSB.acc, 0]);
  });

  it('clock: timestamps = true time + offset + drift·t, offsets and drifts spread uniformly within the bounds', () => {
    const r = run({ clockOffset: 0.005, clockDrift: 50 }, 60 * RATE);
    const { clockOffset, clockDrift, clockPhase } = r.model.draw;
    expect(Math.abs(clockOffset)).toBeLessThanOrEqual(0.005);
    expect(Math.abs(clockDrift)).toBeLessThanOrEqual(50);
    expect(clockPhase).toBeGreaterThanOrEqual(0);
    expect(clockPhase).toBeLessThan(1 / RATE);
    r.measured.forEach((s, k) => {
      const t = r.exact[k]!.t;
      expect(s!.t - t).toBeCloseTo(clockOffset + clockDrift * 1e-6 * t, 9);
      expect(s!.t).toBeCloseTo(clockPhase + k / RATE, 12); // the sensor's own, regular clock
    });
    const draws = Array.from(
      { length: 2000 },
      (_, seed) =>
        new SensorErrorModel(resolveErrorConfig('none', { clockOffset: 0.005, clockDrift: 50 }), RATE, createPrng(seed))
          .draw,
    );
    // Uniform in ±b: sd = b/√3.
    expect(Math.abs(std(draws.map((d) => d.clockOffset)) / (0.005 / Math.sqrt(3)) - 1)).toBeLessThan(0.1);
    expect(Math.abs(std(draws.map((d) => d.clockDrift)) / (50 / Math.sqrt(3)) - 1)).toBeLessThan(0.1);
    expect(Math.max(...draws.map((d) => Math.abs(d.clockOffset)))).toBeLessThanOrEqual(0.005);
  });

  it('timestamp jitter has the configured sd (within 10 %) and timestamps stay strictly increasing', () => {
    const jitter = 0.002;
    const r = run({ jitter }, 20000);
    const dev = r.measured.map((s, k) => s!.t - k / RATE);
    expect(Math.abs(std(dev) / jitter - 1)).toBeLessThan(0.1);
    for (let k = 1; k < r.measured.length; k++) expect(r.measured[k]!.t).toBeGreaterThan(r.measured[k - 1]!.t);
  });

  it('drops the configured share of samples (within 10 %) in bursts of the configured mean length', () => {
    const r = run({ dropRate: 0.05, dropBurst: 4 }, 200000);
    const lost = r.measured.map((s) => s === undefined);
    const share = lost.filter(Boolean).length / lost.length;
    let bursts = 0;
    for (let k = 0; k < lost.length; k++) if (lost[k] && !lost[k - 1]) bursts++;
    expect(Math.abs(share / 0.05 - 1)).toBeLessThan(0.1);
    expect(Math.abs(lost.filter(Boolean).length / bursts / 4 - 1)).toBeLessThan(0.1);
  });

  it('is deterministic for a seed, differs across seeds, and one error does not disturb another', () => {
    const typical = ERROR_PRESET_CONFIGS.typical;
    const a = run(typical, 3000, 42);
    const b = run(typical, 3000, 42);
    expect(b.measured).toEqual(a.measured);
    expect(b.model.draw).toEqual(a.model.draw);
    const c = run(typical, 3000, 43);
    expect(c.measured).not.toEqual(a.measured);
    // Same seed with drop-outs off: the surviving samples are identical.
    const noDrops = run({ ...typical, dropRate: 0 }, 3000, 42);
    expect(noDrops.measured.every(Boolean)).toBe(true);
    a.measured.forEach((s, k) => s && expect(noDrops.measured[k]).toEqual(s));
    expect(a.measured.some((s) => s === undefined)).toBe(true);
  });

  it('validates its configuration', () => {
    expect(() => resolveErrorConfig('typical', { gyroNoise: -1 })).toThrow(/gyroNoise/);
    expect(() => resolveErrorConfig('typical', { dropRate: 1 })).toThrow(/dropRate/);
    expect(() => resolveErrorConfig('loud' as never)).toThrow(/unknown error preset 'loud'/);
    expect(resolveErrorConfig('high', { quantize: false })).toEqual({ ...ERROR_PRESET_CONFIGS.high, quantize: false });
    const model = new SensorErrorModel(resolveErrorConfig('none'), RATE, createPrng(1));
    model.measure(5, exactAt(0.05));
    expect(() => model.measure(5, exactAt(0.05))).toThrow(/in order/);
  });

  it('pins drawn constants on request', () => {
    const fixed = { clockOffset: 0.004, gyroBias: [0.01, 0, -0.01] as Vec3 };
    const model = new SensorErrorModel(resolveErrorConfig('typical'), RATE, createPrng(3), fixed);
    expect(model.draw.clockOffset).toBe(0.004);
    expect(model.draw.gyroBias).toEqual([0.01, 0, -0.01]);
    expect(model.sampleTime(100)).toBeCloseTo(
      (model.draw.clockPhase + 1 - 0.004) / (1 + model.draw.clockDrift * 1e-6),
      12,
    );
  });
});
