import { describe, expect, it } from 'vitest';
import { ButterworthLowPass, firstOrderGain } from './lowpass.js';

describe('ButterworthLowPass', () => {
  it('outputs the running mean while warming up, then holds a constant input exactly', () => {
    const lp = new ButterworthLowPass(2, 0.05, 0.01); // 5 warm-up samples
    expect(Array.from(lp.step([1, 10]))).toEqual([1, 10]);
    expect(Array.from(lp.step([3, 20]))).toEqual([2, 15]);
    for (let i = 0; i < 3; i++) lp.step([2, 15]);
    for (let i = 0; i < 100; i++) {
      const y = lp.step([2, 15]);
      expect(y[0]).toBeCloseTo(2, 12);
      expect(y[1]).toBeCloseTo(15, 12);
    }
  });

  it('has a step response set by tau in seconds, whatever the sample rate', () => {
    const responseAt = (rate: number, t: number): number => {
      const lp = new ButterworthLowPass(1, 1, 1 / rate);
      for (let i = 0; i < rate; i++) lp.step([0]); // warm up on zero for 1 s
      let y = 0;
      for (let i = 0; i < Math.round(t * rate); i++) y = lp.step([1])[0]!;
      return y;
    };
    for (const t of [0.5, 1, 3]) {
      expect(Math.abs(responseAt(50, t) - responseAt(1000, t))).toBeLessThan(0.02);
    }
    // Second-order Butterworth with ωc = √2/τ: about 0.5 after one τ, settled after a few.
    expect(responseAt(1000, 1)).toBeGreaterThan(0.4);
    expect(responseAt(1000, 1)).toBeLessThan(0.7);
    expect(responseAt(1000, 5)).toBeCloseTo(1, 2);
  });

  it('passes signals through when tau is 0', () => {
    const lp = new ButterworthLowPass(1, 0, 0.01);
    expect(lp.step([3])[0]).toBe(3);
    expect(lp.step([-1])[0]).toBe(-1);
  });

  it('forgets everything on reset', () => {
    const lp = new ButterworthLowPass(1, 0.02, 0.01);
    for (let i = 0; i < 10; i++) lp.step([5]);
    lp.reset();
    expect(lp.step([1])[0]).toBe(1);
  });
});

describe('firstOrderGain', () => {
  it('is 1 − e^(−Ts/τ), and 1 without time constant', () => {
    expect(firstOrderGain(9, 0.01)).toBeCloseTo(1 - Math.exp(-0.01 / 9), 15);
    expect(firstOrderGain(0, 0.01)).toBe(1);
  });
});
