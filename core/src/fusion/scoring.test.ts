import { describe, expect, it } from 'vitest';
import type { Quat } from '../math/quat.js';
import { quatMultiply } from '../math/quat.js';
import {
  errorQuaternionInto,
  estimateHeadingOffset,
  headingErrorAngle,
  inclinationErrorAngle,
  scoreOrientation,
  totalErrorAngle,
} from './scoring.js';
import { axisAngleDeg, compose, X, Y, Z } from './synthetic.testutil.js';

const DEG = Math.PI / 180;
const REF: Quat = compose(axisAngleDeg(Z, 70), axisAngleDeg(Y, -35), axisAngleDeg(X, 15));

function angles(est: Quat, ref: Quat): { total: number; heading: number; inclination: number } {
  const e = new Float64Array(4);
  errorQuaternionInto(e, est, ref);
  return {
    total: totalErrorAngle(e) / DEG,
    heading: headingErrorAngle(e) / DEG,
    inclination: inclinationErrorAngle(e) / DEG,
  };
}

describe('BROAD error angles', () => {
  it('are zero for identical orientations, whatever the quaternion sign', () => {
    const minus: Quat = [-REF[0], -REF[1], -REF[2], -REF[3]];
    for (const est of [REF, minus]) {
      const a = angles(est, REF);
      expect(a.total).toBeCloseTo(0, 6);
      expect(a.heading).toBeCloseTo(0, 6);
      expect(a.inclination).toBeCloseTo(0, 6);
    }
  });

  it('split an error about the earth vertical into heading only', () => {
    const a = angles(quatMultiply(axisAngleDeg(Z, 10), REF), REF);
    expect(a.total).toBeCloseTo(10, 9);
    expect(a.heading).toBeCloseTo(10, 9);
    expect(a.inclination).toBeCloseTo(0, 9);
  });

  it('split an error about a horizontal earth axis into inclination only', () => {
    const a = angles(quatMultiply(axisAngleDeg([1, 1, 0], -12), REF), REF);
    expect(a.total).toBeCloseTo(12, 9);
    expect(a.heading).toBeCloseTo(0, 9);
    expect(a.inclination).toBeCloseTo(12, 9);
  });

  it('separate heading and inclination of a combined earth-frame error (Rz(30°)·Rx(40°))', () => {
    const a = angles(compose(axisAngleDeg(Z, 30), axisAngleDeg(X, 40), REF), REF);
    expect(a.heading).toBeCloseTo(30, 9);
    expect(a.inclination).toBeCloseTo(40, 9);
    // cos(total/2) = cos 15° · cos 20°
    expect(a.total).toBeCloseTo((2 * Math.acos(Math.cos(15 * DEG) * Math.cos(20 * DEG))) / DEG, 9);
  });

  it('measure the error in the earth frame: a rotation about the sensor z axis is not pure heading', () => {
    const a = angles(quatMultiply(REF, axisAngleDeg(Z, 10)), REF);
    expect(a.total).toBeCloseTo(10, 9);
    expect(a.inclination).toBeGreaterThan(1);
  });
});

describe('scoreOrientation', () => {
  const series = (qs: Quat[]): Float64Array => new Float64Array(qs.flat());

  it('is the RMSE over masked samples with a finite reference', () => {
    const ref = series([REF, REF, REF, [NaN, NaN, NaN, NaN], REF]);
    const est = series([
      quatMultiply(axisAngleDeg(X, 3), REF),
      quatMultiply(axisAngleDeg(Y, 4), REF),
      quatMultiply(axisAngleDeg(Z, 50), REF), // masked out
      REF, // reference occluded
      quatMultiply(axisAngleDeg(Z, 2), REF),
    ]);
    const r = scoreOrientation(est, ref, { mask: new Uint8Array([1, 1, 0, 1, 1]) });
    expect(r.count).toBe(3);
    expect(r.total).toBeCloseTo(Math.sqrt((9 + 16 + 4) / 3), 9);
    expect(r.inclination).toBeCloseTo(Math.sqrt((9 + 16) / 3), 9);
    expect(r.heading).toBeCloseTo(Math.sqrt(4 / 3), 9);
  });

  it('returns NaN figures when nothing can be scored', () => {
    const r = scoreOrientation(series([REF]), series([REF]), { mask: new Uint8Array([0]) });
    expect(r.count).toBe(0);
    expect(r.total).toBeNaN();
  });

  it('removes a constant heading offset found by estimateHeadingOffset', () => {
    const refs: Quat[] = [],
      ests: Quat[] = [];
    for (let i = 0; i < 50; i++) {
      const r = compose(axisAngleDeg(Z, 7 * i), axisAngleDeg(X, 20 * Math.sin(i)), axisAngleDeg(Y, 10 * Math.cos(i)));
      refs.push(r);
      // 25° frame offset plus a small, zero-mean wobble about a horizontal axis
      ests.push(compose(axisAngleDeg(Z, 25), axisAngleDeg(X, i % 2 === 0 ? 0.5 : -0.5), r));
    }
    const est = series(ests),
      ref = series(refs);
    const offset = estimateHeadingOffset(est, ref);
    expect(offset / DEG).toBeCloseTo(25, 6);
    expect(scoreOrientation(est, ref).heading).toBeCloseTo(25, 1);
    const aligned = scoreOrientation(est, ref, { headingOffset: offset });
    expect(aligned.heading).toBeCloseTo(0, 6);
    expect(aligned.total).toBeCloseTo(0.5, 6);
  });
});
