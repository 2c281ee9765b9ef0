import { describe, expect, it } from 'vitest';
import type { Side } from '../joint/hip-angles.js';
import { DEG, quatAngleBetween, quatFromAxisAngle, quatMultiply } from '../math/quat.js';
import type { Vec3 } from '../math/quat.js';
import type { PelvisChange } from './pelvis.js';
import { pelvisChangeInto, pelvisQuatFromAnglesInto } from './pelvis.js';

/** Pelvis frame (ISB): X anterior, Y superior, Z right. */
const X: Vec3 = [1, 0, 0];
const Y: Vec3 = [0, 1, 0];
const Z: Vec3 = [0, 0, 1];

const change = (axis: Vec3, deg: number, side: Side, reference = quatFromAxisAngle(Y, 0)): PelvisChange =>
  pelvisChangeInto(
    { obliquity: NaN, tilt: NaN, rotation: NaN },
    reference,
    quatMultiply(reference, quatFromAxisAngle(axis, deg * DEG)),
    side,
  );

describe('pelvisChangeInto', () => {
  it('reads a hike of the treated side as positive obliquity on both sides', () => {
    // A positive turn about the anterior axis tips the superior axis to the right: the right side drops.
    const right = change(X, -10, 'right');
    expect(right.obliquity).toBeCloseTo(10, 9);
    expect(right.tilt).toBeCloseTo(0, 9);
    expect(right.rotation).toBeCloseTo(0, 9);
    expect(change(X, 10, 'left').obliquity).toBeCloseTo(10, 9);
    expect(change(X, 10, 'right').obliquity).toBeCloseTo(-10, 9);
  });

  it('reads anterior tilt as positive tilt, whatever the side', () => {
    // A positive turn about the right-pointing axis tips the anterior axis up: posterior tilt.
    for (const side of ['left', 'right'] as const) {
      expect(change(Z, -8, side).tilt).toBeCloseTo(8, 9);
      expect(change(Z, 8, side).tilt).toBeCloseTo(-8, 9);
      expect(change(Z, 8, side).obliquity).toBeCloseTo(0, 9);
    }
  });

  it('reads the treated side moving forward as positive rotation', () => {
    // A positive turn about the superior axis moves the right side forward.
    expect(change(Y, 5, 'right').rotation).toBeCloseTo(5, 9);
    expect(change(Y, 5, 'left').rotation).toBeCloseTo(-5, 9);
  });

  it('measures the change from the reference, in the reference pelvis frame, whatever the posture', () => {
    const lying = quatFromAxisAngle(Z, 90 * DEG);
    const sideLying = quatMultiply(quatFromAxisAngle(X, -90 * DEG), quatFromAxisAngle(Y, 30 * DEG));
    for (const reference of [lying, sideLying]) {
      expect(change(X, -6, 'right', reference).obliquity).toBeCloseTo(6, 9);
      expect(change(Z, -4, 'left', reference).tilt).toBeCloseTo(4, 9);
      expect(change(Y, 7, 'right', reference).rotation).toBeCloseTo(7, 9);
    }
  });

  it('rebuilds the orientation exactly from the tracker-style angles, even lying on the side (the singularity)', () => {
    const identity = quatFromAxisAngle(Y, 0);
    const orientations = [
      quatMultiply(quatFromAxisAngle(Z, 90 * DEG), quatFromAxisAngle(X, 7 * DEG)),
      quatMultiply(quatFromAxisAngle(X, -90 * DEG), quatFromAxisAngle(Y, -12 * DEG)),
      quatMultiply(quatFromAxisAngle(X, 90 * DEG), quatFromAxisAngle(Z, 20 * DEG)),
      quatMultiply(quatFromAxisAngle(Y, 40 * DEG), quatFromAxisAngle(Z, -30 * DEG)),
    ];
    for (const side of ['left', 'right'] as const) {
      for (const q of orientations) {
        const angles = pelvisChangeInto({ obliquity: 0, tilt: 0, rotation: 0 }, identity, q, side);
        const rebuilt = pelvisQuatFromAnglesInto([0, 0, 0, 0], angles, side);
        expect(quatAngleBetween(rebuilt, q)).toBeLessThan(1e-7);
      }
    }
  });
});
