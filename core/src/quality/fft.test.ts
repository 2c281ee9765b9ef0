import { describe, expect, it } from 'vitest';
import { createPrng } from '@hipmon/simulator';
import { fftInPlace, isPowerOfTwo, nextPowerOfTwo } from './fft.js';

function naiveDft(re: number[], im: number[]): { re: number[]; im: number[] } {
  const n = re.length;
  const outRe: number[] = [];
  const outIm: number[] = [];
  for (let k = 0; k < n; k++) {
    let sr = 0,
      si = 0;
    for (let j = 0; j < n; j++) {
      const a = (-2 * Math.PI * j * k) / n;
      sr += re[j]! * Math.cos(a) - im[j]! * Math.sin(a);
      si += re[j]! * Math.sin(a) + im[j]! * Math.cos(a);
    }
    outRe.push(sr);
    outIm.push(si);
  }
  return { re: outRe, im: outIm };
}

describe('fftInPlace', () => {
  it.each([1, 2, 8, 64, 512])('matches the direct DFT for length %i', (n) => {
    const rnd = createPrng(`fft${n}`);
    const re = Array.from({ length: n }, () => rnd.gaussian());
    const im = Array.from({ length: n }, () => rnd.gaussian());
    const expected = naiveDft(re, im);
    const a = Float64Array.from(re);
    const b = Float64Array.from(im);
    fftInPlace(a, b);
    for (let k = 0; k < n; k++) {
      expect(a[k]).toBeCloseTo(expected.re[k]!, 8);
      expect(b[k]).toBeCloseTo(expected.im[k]!, 8);
    }
  });

  it('rejects lengths that are not powers of two', () => {
    expect(() => fftInPlace(new Float64Array(6), new Float64Array(6))).toThrow(/power of two/);
    expect(isPowerOfTwo(1024)).toBe(true);
    expect(isPowerOfTwo(1000)).toBe(false);
    expect(nextPowerOfTwo(1000)).toBe(1024);
    expect(nextPowerOfTwo(1)).toBe(1);
  });
});
