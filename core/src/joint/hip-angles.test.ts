import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEG, quatFromAxisAngle, quatMultiply, quatRotate } from '../math/quat.js';
import type { Quat, Vec3 } from '../math/quat.js';
import { hipAnglesFromRotation, hipAnglesFromRotationInto, hipRotationFromAngles } from './hip-angles.js';
import type { HipAngles, Side } from './hip-angles.js';

const SIDES: Side[] = ['right', 'left'];
const angles = (flexion: number, abduction: number, rotation: number): HipAngles => ({ flexion, abduction, rotation });
/** Knee direction (distal femur, −Y of the femur) in the pelvis frame. */
const kneeDir = (a: HipAngles, side: Side): Vec3 => quatRotate(hipRotationFromAngles(a, side), [0, -1, 0]);
/** Femur anterior axis (+X of the femur) in the pelvis frame. */
const femurAnterior = (a: HipAngles, side: Side): Vec3 => quatRotate(hipRotationFromAngles(a, side), [1, 0, 0]);
const maxAngleError = (a: HipAngles, b: HipAngles) =>
  Math.max(Math.abs(a.flexion - b.flexion), Math.abs(a.abduction - b.abduction), Math.abs(a.rotation - b.rotation));

describe('hip angles: round trips', () => {
  it.each(SIDES)('recovers every angle on a grid over the physiological range (%s) within 1e-9°', (side) => {
    let worst = 0;
    for (let f = -30; f <= 125; f += 5) {
      for (let ab = -35; ab <= 50; ab += 5) {
        for (let r = -45; r <= 45; r += 5) {
          const a = angles(f, ab, r);
          worst = Math.max(worst, maxAngleError(hipAnglesFromRotation(hipRotationFromAngles(a, side), side), a));
        }
      }
    }
    expect(worst).toBeLessThan(1e-9);
  });

  it('round-trips random angles on both sides (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -40, max: 130, noNaN: true }),
        fc.double({ min: -45, max: 60, noNaN: true }),
        fc.double({ min: -60, max: 60, noNaN: true }),
        fc.constantFrom<Side>('left', 'right'),
        (f, ab, r, side) => {
          const a = angles(f, ab, r);
          expect(maxAngleError(hipAnglesFromRotation(hipRotationFromAngles(a, side), side), a)).toBeLessThan(1e-9);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('ignores the quaternion scale and sign', () => {
    const a = angles(40, 12, -20);
    const q = hipRotationFromAngles(a, 'right');
    const scaledNegated: Quat = [-3 * q[0], -3 * q[1], -3 * q[2], -3 * q[3]];
    expect(maxAngleError(hipAnglesFromRotation(scaledNegated, 'right'), a)).toBeLessThan(1e-9);
  });

  it('the allocation-free variant writes into the caller object and agrees with the allocating one', () => {
    const out: HipAngles = { flexion: 99, abduction: 99, rotation: 99 };
    const q = hipRotationFromAngles(angles(-12, 33, 17), 'left');
    const returned = hipAnglesFromRotationInto(out, q, 'left');
    expect(returned).toBe(out);
    expect(maxAngleError(out, hipAnglesFromRotation(q, 'left'))).toBe(0);
    expect(maxAngleError(out, angles(-12, 33, 17))).toBeLessThan(1e-9);
  });
});

describe('hip angles: ISB Cardan Z-X-Y composition', () => {
  it('equals Rz(α)·Rx(β)·Ry(γ) with α = flexion, β = −abduction (right) / +abduction (left), γ = ±rotation', () => {
    const a = angles(35, 20, 15);
    const compose = (alpha: number, beta: number, gamma: number) =>
      quatMultiply(
        quatMultiply(quatFromAxisAngle([0, 0, 1], alpha * DEG), quatFromAxisAngle([1, 0, 0], beta * DEG)),
        quatFromAxisAngle([0, 1, 0], gamma * DEG),
      );
    const right = hipRotationFromAngles(a, 'right');
    const left = hipRotationFromAngles(a, 'left');
    const expectedRight = compose(35, -20, 15);
    const expectedLeft = compose(35, 20, -15);
    for (let i = 0; i < 4; i++) {
      expect(right[i]).toBeCloseTo(expectedRight[i]!, 14);
      expect(left[i]).toBeCloseTo(expectedLeft[i]!, 14);
    }
  });
});

describe('hip angles: physical directions in the pelvis frame (X anterior, Y superior, Z right)', () => {
  it.each(SIDES)('flexion moves the %s knee anteriorly, extension posteriorly', (side) => {
    const flexed = kneeDir(angles(90, 0, 0), side);
    expect(flexed[0]).toBeCloseTo(1, 12);
    const extended = kneeDir(angles(-20, 0, 0), side);
    expect(extended[0]).toBeCloseTo(-Math.sin(20 * DEG), 12);
    expect(extended[2]).toBeCloseTo(0, 12);
  });

  it('right abduction moves the right knee to the right (+Z), adduction to the left', () => {
    expect(kneeDir(angles(0, 30, 0), 'right')[2]).toBeCloseTo(Math.sin(30 * DEG), 12);
    expect(kneeDir(angles(0, -10, 0), 'right')[2]).toBeCloseTo(-Math.sin(10 * DEG), 12);
  });

  it('left abduction moves the left knee to the left (−Z), adduction to the right', () => {
    expect(kneeDir(angles(0, 30, 0), 'left')[2]).toBeCloseTo(-Math.sin(30 * DEG), 12);
    expect(kneeDir(angles(0, -10, 0), 'left')[2]).toBeCloseTo(Math.sin(10 * DEG), 12);
  });

  it('internal rotation turns the femur anterior surface medially on both sides', () => {
    // Medial is −Z (left) for the right femur and +Z for the left femur.
    expect(femurAnterior(angles(0, 0, 25), 'right')[2]).toBeCloseTo(-Math.sin(25 * DEG), 12);
    expect(femurAnterior(angles(0, 0, 25), 'left')[2]).toBeCloseTo(Math.sin(25 * DEG), 12);
    // External rotation (negative) turns it laterally.
    expect(femurAnterior(angles(0, 0, -25), 'right')[2]).toBeCloseTo(Math.sin(25 * DEG), 12);
    expect(femurAnterior(angles(0, 0, -25), 'left')[2]).toBeCloseTo(-Math.sin(25 * DEG), 12);
    // Rotation about the femur's own long axis leaves the knee where it is.
    const knee = kneeDir(angles(0, 0, 40), 'right');
    expect(knee[1]).toBeCloseTo(-1, 12);
  });

  it('mirrors the two sides: the same clinical angles are mirror images about the sagittal plane', () => {
    const a = angles(50, 25, -15);
    const r = kneeDir(a, 'right');
    const l = kneeDir(a, 'left');
    expect(l[0]).toBeCloseTo(r[0], 12);
    expect(l[1]).toBeCloseTo(r[1], 12);
    expect(l[2]).toBeCloseTo(-r[2], 12);
  });

  it('reads clinical angles from physically built rotations', () => {
    // Right leg swung 30° out to the right about the anterior axis: 30° abduction, nothing else.
    const outToRight = quatFromAxisAngle([1, 0, 0], -30 * DEG);
    expect(quatRotate(outToRight, [0, -1, 0])[2]).toBeGreaterThan(0);
    const a = hipAnglesFromRotation(outToRight, 'right');
    expect(maxAngleError(a, angles(0, 30, 0))).toBeLessThan(1e-9);
    // The same rotation seen as the left hip is 30° adduction (the knee crosses toward the right).
    expect(maxAngleError(hipAnglesFromRotation(outToRight, 'left'), angles(0, -30, 0))).toBeLessThan(1e-9);
  });
});

describe('hip angles: gimbal lock', () => {
  it.each([90, -90])('returns finite angles that rebuild the rotation at β = %d°', (beta) => {
    const q = quatMultiply(
      quatMultiply(quatFromAxisAngle([0, 0, 1], 20 * DEG), quatFromAxisAngle([1, 0, 0], beta * DEG)),
      quatFromAxisAngle([0, 1, 0], 35 * DEG),
    );
    const a = hipAnglesFromRotation(q, 'right');
    expect(Number.isFinite(a.flexion) && Number.isFinite(a.abduction) && Number.isFinite(a.rotation)).toBe(true);
    expect(a.abduction).toBeCloseTo(-beta, 9);
    expect(a.rotation).toBe(0);
    const rebuilt = hipRotationFromAngles(a, 'right');
    const dot = Math.abs(rebuilt[0] * q[0] + rebuilt[1] * q[1] + rebuilt[2] * q[2] + rebuilt[3] * q[3]);
    expect(dot).toBeCloseTo(1, 12);
  });
});
