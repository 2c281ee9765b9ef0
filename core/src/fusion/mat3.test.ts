import { describe, expect, it } from 'vitest';
import { quatFromAxisAngle, quatRotate } from '../math/quat.js';
import { mat3FromQuat, mat3Invert, mat3Multiply, mat3MultiplyTransposedRight } from './mat3.js';

const A = [4, 1, -2, 0.5, 3, 1, -1, 2, 5];
const IDENTITY = [1, 0, 0, 0, 1, 0, 0, 0, 1];

describe('mat3 helpers', () => {
  it('invert: A · A⁻¹ = I, in place too; singular matrices are refused', () => {
    const inv = new Float64Array(9);
    expect(mat3Invert(inv, A)).toBe(true);
    const product = new Float64Array(9);
    mat3Multiply(product, A, inv);
    product.forEach((v, i) => expect(v).toBeCloseTo(IDENTITY[i]!, 12));
    const same = Float64Array.from(A);
    mat3Invert(same, same);
    same.forEach((v, i) => expect(v).toBeCloseTo(inv[i]!, 12));
    const untouched = new Float64Array(9).fill(7);
    expect(mat3Invert(untouched, [1, 2, 3, 2, 4, 6, 0, 1, 1])).toBe(false);
    expect(Array.from(untouched)).toEqual(new Array(9).fill(7));
  });

  it('multiplyTransposedRight: a · bᵀ', () => {
    const out = new Float64Array(9);
    mat3MultiplyTransposedRight(out, IDENTITY, A); // I · Aᵀ = Aᵀ
    expect(Array.from(out)).toEqual([4, 0.5, -1, 1, 3, 2, -2, 1, 5]);
  });

  it('fromQuat: rotates vectors like the quaternion; orthonormal', () => {
    const q = quatFromAxisAngle([1, -2, 0.5], 1.1);
    const r = new Float64Array(9);
    mat3FromQuat(r, q);
    const v = [0.3, -1.2, 2];
    const rv = [0, 1, 2].map((i) => r[3 * i]! * v[0]! + r[3 * i + 1]! * v[1]! + r[3 * i + 2]! * v[2]!);
    quatRotate(q, v).forEach((x, i) => expect(rv[i]).toBeCloseTo(x, 12));
    const rrt = new Float64Array(9);
    mat3MultiplyTransposedRight(rrt, r, r);
    rrt.forEach((x, i) => expect(x).toBeCloseTo(IDENTITY[i]!, 12));
  });
});
