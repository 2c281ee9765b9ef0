import { describe, expect, it } from 'vitest';
import type { Quat, Vec3 } from '../math/quat.js';
import { MadgwickFilter, orientationFromAccMag } from './madgwick.js';
import { fuseSeries, runFilter } from './series.js';
import { axisAngleDeg, compose, errorsDeg, maxErrorDeg, synthesize, X, Y, Z } from './synthetic.testutil.js';

const TILT: Quat = compose(axisAngleDeg(Z, 140), axisAngleDeg(Y, 25), axisAngleDeg(X, -30));

describe('orientationFromAccMag', () => {
  it('recovers a static orientation from one accelerometer and magnetometer sample', () => {
    const d = synthesize({ sampleRate: 100, duration: 0.01, orientation: () => TILT });
    const q = orientationFromAccMag(d.acc, d.mag);
    expect(errorsDeg(new Float64Array(q), d.truth, 0).total).toBeLessThan(1e-6);
  });

  it('without magnetometer, matches inclination and puts the sensor x axis east', () => {
    const d = synthesize({ sampleRate: 100, duration: 0.01, orientation: () => TILT });
    const q = new Float64Array(orientationFromAccMag(d.acc));
    expect(errorsDeg(q, d.truth, 0).inclination).toBeLessThan(1e-6);
    const flat = orientationFromAccMag([0, 0, 9.81]);
    expect(errorsDeg(new Float64Array(flat), new Float64Array([1, 0, 0, 0]), 0).total).toBeLessThan(1e-9);
  });
});

describe('MadgwickFilter (baseline)', () => {
  const still = synthesize({ sampleRate: 100, duration: 30, orientation: () => TILT });

  it('converges from identity to a static orientation (6D: inclination, 9D: full)', () => {
    const q6 = runFilter(new MadgwickFilter({ sampleRate: 100, mode: '6d', initFromFirstSample: false }), {
      gyr: still.gyr,
      acc: still.acc,
    });
    expect(errorsDeg(q6, still.truth, 0).inclination).toBeGreaterThan(30);
    // The normalised gradient step keeps a limit cycle of about β·Ts.
    expect(maxErrorDeg(q6, still, 'inclination', 5)).toBeLessThan(0.2);
    const q9 = runFilter(new MadgwickFilter({ sampleRate: 100, mode: '9d', initFromFirstSample: false }), still);
    expect(maxErrorDeg(q9, still, 'total', 25)).toBeLessThan(0.2);
  });

  it('starts from the first sample by default', () => {
    const q9 = runFilter(new MadgwickFilter({ sampleRate: 100, mode: '9d' }), still);
    expect(maxErrorDeg(q9, still, 'total')).toBeLessThan(0.2);
  });

  it('is less accurate than the orientation filter under movement accelerations', () => {
    const shaking = (t: number): Vec3 => [3 * Math.sin(6.9 * t), 2 * Math.cos(5.7 * t), 1.5 * Math.sin(8.2 * t)];
    const swinging = (t: number): Quat =>
      compose(axisAngleDeg(X, 40 * Math.sin(3.1 * t)), axisAngleDeg(Y, 25 * Math.sin(4.4 * t + 1)));
    const d = synthesize({ sampleRate: 100, duration: 60, orientation: swinging, linearAcc: shaking });
    const imu = { gyr: d.gyr, acc: d.acc };
    const baseline = maxErrorDeg(
      runFilter(new MadgwickFilter({ sampleRate: 100, mode: '6d' }), imu),
      d,
      'inclination',
      10,
    );
    const ours = maxErrorDeg(fuseSeries(imu, { sampleRate: 100, mode: '6d' }), d, 'inclination', 10);
    expect(baseline).toBeGreaterThan(2);
    expect(ours).toBeLessThan(baseline / 3);
  });

  it('rejects a non-positive sample rate', () => {
    expect(() => new MadgwickFilter({ sampleRate: 0, mode: '6d' })).toThrow(RangeError);
  });
});
