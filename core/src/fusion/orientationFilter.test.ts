import { describe, expect, it } from 'vitest';
import type { Quat, Vec3 } from '../math/quat.js';
import { DEG } from '../math/quat.js';
import { createOrientationFilter } from './orientationFilter.js';
import { fuseSeries } from './series.js';
import {
  axisAngleDeg,
  compose,
  EARTH_FIELD,
  errorsDeg,
  maxErrorDeg,
  signedHeadingErrorDeg,
  synthesize,
  X,
  Y,
  Z,
} from './synthetic.testutil.js';
import type { SyntheticData } from './synthetic.testutil.js';

const TWO_PI = 2 * Math.PI;
const sin = Math.sin;

/** Tilt about all axes plus heading swings, as in a limb exercise (angular rate mostly above 20 °/s). */
const swinging = (t: number): Quat =>
  compose(
    axisAngleDeg(Z, 30 * sin(TWO_PI * 0.3 * t)),
    axisAngleDeg(X, 40 * sin(TWO_PI * 0.5 * t)),
    axisAngleDeg(Y, 25 * sin(TWO_PI * 0.7 * t + 1)),
  );
/** Bounded-velocity movement accelerations (m/s², earth frame), up to 0.4 g. */
const shaking = (t: number): Vec3 => [
  3 * sin(TWO_PI * 1.1 * t),
  2 * Math.cos(TWO_PI * 0.9 * t),
  1.5 * sin(TWO_PI * 1.3 * t),
];

const imu = (d: SyntheticData) => ({ gyr: d.gyr, acc: d.acc });

function rmsErrorDeg(
  q: Float64Array,
  d: SyntheticData,
  kind: 'total' | 'heading' | 'inclination',
  from: number,
): number {
  let sum = 0,
    count = 0;
  for (let i = 0; i < d.t.length; i++) {
    if (d.t[i]! < from) continue;
    sum += errorsDeg(q, d.truth, i)[kind] ** 2;
    count++;
  }
  return Math.sqrt(sum / count);
}

describe('orientation filter: inclination', () => {
  it('converges to the true inclination of a static tilt, from an identity start', () => {
    const tilt = compose(axisAngleDeg(Z, 50), axisAngleDeg(Y, 20), axisAngleDeg(X, 30));
    const clean = synthesize({ sampleRate: 100, duration: 10, orientation: () => tilt });
    const q = fuseSeries(imu(clean), { sampleRate: 100, mode: '6d' });
    // The first accelerometer sample already levels the estimate.
    expect(maxErrorDeg(q, clean, 'inclination')).toBeLessThan(0.01);

    const noisy = synthesize({
      sampleRate: 100,
      duration: 10,
      orientation: () => tilt,
      gyroNoise: 0.005,
      accNoise: 0.05,
      seed: 3,
    });
    const qn = fuseSeries(imu(noisy), { sampleRate: 100, mode: '6d' });
    expect(maxErrorDeg(qn, noisy, 'inclination', 2)).toBeLessThan(0.2);
  });

  it('tracks rotation about all axes despite 0.4 g movement accelerations, at any sample rate', () => {
    const rms: number[] = [];
    for (const sampleRate of [50, 100, 400]) {
      const d = synthesize({ sampleRate, duration: 60, orientation: swinging, linearAcc: shaking });
      const q = fuseSeries(imu(d), { sampleRate, mode: '6d' });
      rms.push(rmsErrorDeg(q, d, 'inclination', 10));
      expect(maxErrorDeg(q, d, 'inclination', 10)).toBeLessThan(0.7);
    }
    for (const r of rms) expect(r).toBeLessThan(0.3);
    // Time constants are in seconds: the result does not depend on the sample rate.
    expect(Math.max(...rms) - Math.min(...rms)).toBeLessThan(0.02);
  });

  it('follows a constant-rate rotation about a tilted axis (6D and 9D)', () => {
    const axis: Vec3 = [1 / Math.sqrt(3), 1 / Math.sqrt(3), 1 / Math.sqrt(3)];
    const d = synthesize({ sampleRate: 100, duration: 30, orientation: (t) => axisAngleDeg(axis, 60 * t) });
    const q6 = fuseSeries(imu(d), { sampleRate: 100, mode: '6d' });
    const q9 = fuseSeries(d, { sampleRate: 100, mode: '9d' });
    expect(maxErrorDeg(q6, d, 'inclination')).toBeLessThan(0.05);
    expect(maxErrorDeg(q9, d, 'total', 5)).toBeLessThan(0.1);
  });
});

describe('orientation filter: heading', () => {
  it('9D: heading converges to the magnetometer at once and follows turns', () => {
    const heading = (t: number): number => 120 + (t < 10 ? 0 : t < 20 ? 20 * (t - 10) : 200);
    const d = synthesize({
      sampleRate: 100,
      duration: 40,
      orientation: (t) => compose(axisAngleDeg(Z, heading(t)), axisAngleDeg(X, 10)),
      magNoise: 0.5,
      gyroNoise: 0.003,
      accNoise: 0.03,
    });
    const q = fuseSeries(d, { sampleRate: 100, mode: '9d' });
    // The state starts at identity, 120° away; the first magnetometer samples set heading at once.
    expect(errorsDeg(new Float64Array([1, 0, 0, 0]), d.truth, 0).heading).toBeCloseTo(120, 0);
    expect(maxErrorDeg(q, d, 'heading', 0.05)).toBeLessThan(1);
    expect(maxErrorDeg(q, d, 'heading', 1)).toBeLessThan(0.5);
  });

  it('6D: heading drifts only with the gyroscope bias (rate × time)', () => {
    const run = (biasZ: number): { drift: number; inclination: number } => {
      const d = synthesize({
        sampleRate: 100,
        duration: 60,
        orientation: (t) => compose(axisAngleDeg(Z, 40 * sin(TWO_PI * 0.2 * t)), axisAngleDeg(X, 20)),
        gyroBias: [0, 0, biasZ],
      });
      // Bias estimation off: the test isolates what the filter does with an uncorrected bias.
      const q = fuseSeries(imu(d), {
        sampleRate: 100,
        mode: '6d',
        restBiasEstimation: false,
        motionBiasEstimation: false,
      });
      const last = d.t.length - 1;
      return {
        drift: signedHeadingErrorDeg(q, d.truth, last) - signedHeadingErrorDeg(q, d.truth, 0),
        inclination: maxErrorDeg(q, d, 'inclination'),
      };
    };
    const unbiased = run(0);
    expect(Math.abs(unbiased.drift)).toBeLessThan(0.01);
    expect(unbiased.inclination).toBeLessThan(0.05);
    // 0.5 °/s about the sensor z axis, tilted 20°: the vertical share (cos 20°) turns heading; the horizontal
    // share (0.17 °/s) is corrected by the accelerometer with a lag of about tauAcc (3 s → ≈ 0.5°).
    const biased = run(0.5 * DEG);
    expect(biased.drift).toBeCloseTo(0.5 * 60 * Math.cos(20 * DEG), 0);
    expect(biased.inclination).toBeLessThan(0.6);
  });

  it('9D: a nearby magnet (added field) does not pull heading, and is flagged', () => {
    const magnet: Vec3 = [EARTH_FIELD[0] + 25, EARTH_FIELD[1], EARTH_FIELD[2]];
    const motion = (t: number): Quat =>
      compose(axisAngleDeg(Z, 60 * sin(TWO_PI * 0.1 * t)), axisAngleDeg(X, 25 * sin(TWO_PI * 0.25 * t)));
    const d = synthesize({
      sampleRate: 100,
      duration: 90,
      orientation: motion,
      field: (t) => (t >= 40 && t < 55 ? magnet : EARTH_FIELD),
      gyroNoise: 0.003,
      accNoise: 0.03,
      magNoise: 0.3,
    });
    const worstHeading = (rejection: boolean): { during: number; flagged: number } => {
      const f = createOrientationFilter({ sampleRate: 100, mode: '9d', magDisturbanceRejection: rejection });
      const q = new Float64Array(4);
      let during = 0,
        flagged = 0,
        samplesDuring = 0;
      for (let i = 0; i < d.t.length; i++) {
        f.update(d.gyr.subarray(3 * i, 3 * i + 3), d.acc.subarray(3 * i, 3 * i + 3), d.mag.subarray(3 * i, 3 * i + 3));
        f.quaternionInto(q);
        if (d.t[i]! >= 40.5 && d.t[i]! < 55) {
          during = Math.max(during, errorsDeg(q, d.truth.subarray(4 * i, 4 * i + 4), 0).heading);
          flagged += f.isMagDisturbed() ? 1 : 0;
          samplesDuring++;
        }
      }
      return { during, flagged: flagged / samplesDuring };
    };
    const rejected = worstHeading(true);
    expect(rejected.during).toBeLessThan(1);
    expect(rejected.flagged).toBeGreaterThan(0.99);
    // The same data without rejection: the magnet drags heading by tens of degrees.
    expect(worstHeading(false).during).toBeGreaterThan(10);
  });

  it('9D: a lasting new homogeneous field is accepted after magNewTime of movement (fallback)', () => {
    const stronger: Vec3 = [EARTH_FIELD[0] * 1.3, EARTH_FIELD[1] * 1.3, EARTH_FIELD[2] * 1.3];
    const d = synthesize({
      sampleRate: 100,
      duration: 100,
      orientation: (t) =>
        compose(axisAngleDeg(Z, 60 * sin(TWO_PI * 0.1 * t)), axisAngleDeg(X, 25 * sin(TWO_PI * 0.25 * t))),
      field: (t) => (t >= 40 ? stronger : EARTH_FIELD),
      magNoise: 0.3,
    });
    const f = createOrientationFilter({ sampleRate: 100, mode: '9d' });
    const q = new Float64Array(4 * d.t.length);
    const flagAt = (t: number): boolean => flags[Math.round(t * 100)]!;
    const flags: boolean[] = [];
    for (let i = 0; i < d.t.length; i++) {
      f.update(d.gyr.subarray(3 * i, 3 * i + 3), d.acc.subarray(3 * i, 3 * i + 3), d.mag.subarray(3 * i, 3 * i + 3));
      f.quaternionInto(q, 4 * i);
      flags.push(f.isMagDisturbed());
    }
    expect(flagAt(35)).toBe(false); // reference learned while moving
    expect(flagAt(50)).toBe(true); // 30 % stronger: disturbed at first
    expect(flagAt(70)).toBe(false); // accepted as the new reference
    expect(f.magneticReference().norm).toBeCloseTo(Math.hypot(...stronger), 0);
    expect(maxErrorDeg(q, d, 'heading', 3)).toBeLessThan(1);
  });
});

describe('orientation filter: gyroscope bias and rest', () => {
  it('detects rest after restMinTime and estimates the bias from it', () => {
    const bias: Vec3 = [0.5 * DEG, -0.8 * DEG, 0.3 * DEG];
    const d = synthesize({
      sampleRate: 100,
      duration: 20,
      orientation: () => axisAngleDeg(Y, 30),
      gyroBias: bias,
      gyroNoise: 0.005,
      accNoise: 0.05,
    });
    const f = createOrientationFilter({ sampleRate: 100, mode: '6d' });
    const sigma0 = f.gyroBiasSigma();
    let restAt = NaN;
    for (let i = 0; i < d.t.length; i++) {
      f.update(d.gyr.subarray(3 * i, 3 * i + 3), d.acc.subarray(3 * i, 3 * i + 3));
      if (Number.isNaN(restAt) && f.isAtRest()) restAt = d.t[i]!;
    }
    expect(restAt).toBeCloseTo(1.5, 1); // restMinTime
    const estimate = f.gyroBias();
    for (let k = 0; k < 3; k++) expect(Math.abs(estimate[k]! - bias[k]!)).toBeLessThan(0.02 * DEG);
    expect(f.gyroBiasSigma()).toBeLessThan(sigma0 / 10);
  });

  it('estimates the horizontal bias during motion (no rest), keeping inclination exact', () => {
    const bias: Vec3 = [0.4 * DEG, -0.3 * DEG, 0.5 * DEG];
    const d = synthesize({
      sampleRate: 100,
      duration: 300,
      orientation: swinging,
      gyroBias: bias,
      gyroNoise: 0.005,
      accNoise: 0.05,
    });
    const f = createOrientationFilter({ sampleRate: 100, mode: '6d' });
    const q = new Float64Array(4 * d.t.length);
    for (let i = 0; i < d.t.length; i++) {
      f.update(d.gyr.subarray(3 * i, 3 * i + 3), d.acc.subarray(3 * i, 3 * i + 3));
      f.quaternionInto(q, 4 * i);
      expect(f.isAtRest()).toBe(false);
    }
    const estimate = f.gyroBias();
    // x and y spend most of the time horizontal: observable from the inclination correction.
    expect(Math.abs(estimate[0]! - bias[0]!)).toBeLessThan(0.03 * DEG);
    expect(Math.abs(estimate[1]! - bias[1]!)).toBeLessThan(0.03 * DEG);
    expect(maxErrorDeg(q, d, 'inclination', 60)).toBeLessThan(0.5);
  });
});

describe('orientation filter: numerical behaviour', () => {
  it('is deterministic', () => {
    const d = synthesize({
      sampleRate: 100,
      duration: 30,
      orientation: swinging,
      linearAcc: shaking,
      gyroNoise: 0.01,
      accNoise: 0.1,
      magNoise: 0.5,
      seed: 7,
    });
    const a = fuseSeries(d, { sampleRate: 100, mode: '9d' });
    const b = fuseSeries(d, { sampleRate: 100, mode: '9d' });
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  });

  it('keeps the quaternion normalized over a long noisy run (1 h at 50 Hz)', () => {
    const d = synthesize({
      sampleRate: 50,
      duration: 3600,
      orientation: (t) => compose(axisAngleDeg(Z, 37 * t), swinging(t)),
      linearAcc: shaking,
      gyroNoise: 0.02,
      accNoise: 0.2,
      magNoise: 1,
      gyroBias: [0.01, -0.02, 0.015],
      seed: 11,
    });
    const q = fuseSeries(d, { sampleRate: 50, mode: '9d' });
    let worst = 0;
    for (let i = 0; i < d.t.length; i++) {
      worst = Math.max(worst, Math.abs(Math.hypot(q[4 * i]!, q[4 * i + 1]!, q[4 * i + 2]!, q[4 * i + 3]!) - 1));
    }
    expect(worst).toBeLessThan(1e-9);
    expect(rmsErrorDeg(q, d, 'inclination', 60)).toBeLessThan(1);
  });

  it('skips non-finite and all-zero samples instead of corrupting the state', () => {
    const f = createOrientationFilter({ sampleRate: 100, mode: '9d' });
    const tilt = axisAngleDeg(X, 20);
    const d = synthesize({ sampleRate: 100, duration: 5, orientation: () => tilt });
    for (let i = 0; i < d.t.length; i++) {
      const bad = i % 50 === 25;
      f.update(
        bad ? [NaN, 0, 0] : d.gyr.subarray(3 * i, 3 * i + 3),
        bad ? [0, 0, 0] : d.acc.subarray(3 * i, 3 * i + 3),
        bad ? [Infinity, 1, 1] : d.mag.subarray(3 * i, 3 * i + 3),
      );
    }
    const q = new Float64Array(f.quaternion());
    expect(q.every(Number.isFinite)).toBe(true);
    expect(errorsDeg(q, new Float64Array(tilt), 0).total).toBeLessThan(0.1);
  });

  it('bridges a gap with the time step given to update()', () => {
    // 90 °/s about the vertical, 0.3 s of samples missing.
    const d = synthesize({ sampleRate: 100, duration: 4, orientation: (t) => axisAngleDeg(Z, 90 * t) });
    const withDt = createOrientationFilter({ sampleRate: 100, mode: '6d' });
    const withoutDt = createOrientationFilter({ sampleRate: 100, mode: '6d' });
    let previous = 0;
    for (let i = 0; i < d.t.length; i++) {
      if (d.t[i]! > 2 && d.t[i]! <= 2.3) continue;
      const g = d.gyr.subarray(3 * i, 3 * i + 3),
        a = d.acc.subarray(3 * i, 3 * i + 3);
      withDt.update(g, a, undefined, i === 0 ? undefined : d.t[i]! - d.t[previous]!);
      withoutDt.update(g, a);
      previous = i;
    }
    const last = d.t.length - 1;
    const truth = d.truth.subarray(4 * last, 4 * last + 4);
    expect(errorsDeg(new Float64Array(withDt.quaternion()), truth, 0).heading).toBeLessThan(1);
    expect(errorsDeg(new Float64Array(withoutDt.quaternion()), truth, 0).heading).toBeGreaterThan(25);
  });

  it('rejects options that cannot work', () => {
    expect(() => createOrientationFilter({ sampleRate: 0, mode: '6d' })).toThrow(RangeError);
    expect(() => createOrientationFilter({ sampleRate: 100, mode: '7d' as '6d' })).toThrow(RangeError);
    expect(() => createOrientationFilter({ sampleRate: 100, mode: '6d', tauAcc: -1 })).toThrow(/tauAcc/);
    expect(() => createOrientationFilter({ sampleRate: 100, mode: '6d', tauMag: NaN })).toThrow(/tauMag/);
  });
});
