import { describe, expect, it } from 'vitest';
import { minimumJerkPosition } from '../reps/minimum-jerk.js';
import { sparc } from './smoothness.js';

const FS = 100;

/** Speed of a movement x(t) sampled at FS over [0, duration], by central differences. */
function speedOf(x: (t: number) => number, duration: number, fs = FS): number[] {
  const n = Math.round(duration * fs) + 1;
  const dt = 1 / fs;
  return Array.from({ length: n }, (_, i) => Math.abs(x((i + 1) * dt) - x((i - 1) * dt)) / (2 * dt));
}

const reach = (amp: number, duration: number) => (t: number) => amp * minimumJerkPosition(t / duration);

describe('sparc (Balasubramanian et al. 2015)', () => {
  it('gives a minimum-jerk movement the values reported for smooth reaching (about −1.4 to −1.6)', () => {
    const value = sparc(speedOf(reach(30, 1.5), 1.5), FS);
    expect(value).toBeGreaterThan(-1.65);
    expect(value).toBeLessThan(-1.35);
  });

  it('is dimensionless: independent of the amplitude and, for well-sampled movements, of the duration', () => {
    const base = sparc(speedOf(reach(30, 1.5), 1.5), FS);
    expect(sparc(speedOf(reach(90, 1.5), 1.5), FS)).toBeCloseTo(base, 9);
    expect(Math.abs(sparc(speedOf(reach(30, 3), 3), FS) - base)).toBeLessThan(0.05);
  });

  it('is lower (less smooth) for a movement made of two sub-movements, and lower still for three', () => {
    const one = sparc(speedOf(reach(30, 1.5), 1.5), FS);
    const two = sparc(
      speedOf((t) => reach(15, 0.7)(t) + reach(15, 0.7)(t - 0.8), 1.5),
      FS,
    );
    const three = sparc(
      speedOf((t) => reach(10, 0.45)(t) + reach(10, 0.45)(t - 0.52) + reach(10, 0.45)(t - 1.04), 1.5),
      FS,
    );
    expect(two).toBeLessThan(one - 0.5);
    expect(three).toBeLessThan(two - 0.3);
  });

  it('is lower for a movement with a tremor on top', () => {
    const smooth = sparc(speedOf(reach(30, 1.5), 1.5), FS);
    const shaky = sparc(
      speedOf((t) => reach(30, 1.5)(t) + 0.4 * Math.sin(2 * Math.PI * 6 * t), 1.5),
      FS,
    );
    expect(shaky).toBeLessThan(smooth - 0.5);
  });

  it('returns NaN for an empty or motionless profile', () => {
    expect(sparc([], FS)).toBeNaN();
    expect(sparc([0, 0, 0, 0], FS)).toBeNaN();
  });
});
