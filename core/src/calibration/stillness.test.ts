import { describe, expect, it } from 'vitest';
import { createPrng } from '@hipmon/simulator';
import { DEG } from '../math/quat.js';
import { StillnessDetector } from './stillness.js';

const G = 9.81;

/** Feeds `seconds` at 100 Hz of a sensor with gyroscope bias `bias` (rad/s) turning at `rate` (rad/s) about x. */
function feed(
  d: StillnessDetector,
  from: number,
  seconds: number,
  rate: number,
  bias = 0.5 * DEG,
  seed = 'still',
): void {
  const prng = createPrng(seed);
  let angle = 0;
  for (let k = 0; k < seconds * 100; k++) {
    const t = from + k / 100;
    angle += rate / 100;
    const noise = () => prng.gaussian(0, 0.1 * DEG);
    d.update(
      t,
      [rate + bias + noise(), bias + noise(), -bias + noise()],
      [prng.gaussian(0, 0.012), G * Math.sin(angle) + prng.gaussian(0, 0.012), G * Math.cos(angle)],
    );
  }
}

describe('StillnessDetector', () => {
  it('keeps one still run for a still sensor with a gyroscope bias, and reports its means', () => {
    const d = new StillnessDetector();
    feed(d, 0, 3, 0);
    expect(d.still).toBe(true);
    expect(d.runStart).toBe(0);
    expect(d.count).toBe(300);
    const [gx, gy, gz] = d.meanGyr();
    expect(gx / DEG).toBeCloseTo(0.5, 1);
    expect(gy / DEG).toBeCloseTo(0.5, 1);
    expect(gz / DEG).toBeCloseTo(-0.5, 1);
    expect(d.meanAcc()[2]).toBeCloseTo(G, 2);
  });

  it('ends the run at a slow, steady turn that stays below the absolute rate threshold', () => {
    const d = new StillnessDetector();
    feed(d, 0, 2, 0);
    // 4 °/s: under the 6 °/s bound, but 4 °/s away from the run's mean rate.
    feed(d, 2, 0.5, 4 * DEG, 0.5 * DEG, 'turn');
    expect(d.still).toBe(false);
    expect(Number.isNaN(d.runStart)).toBe(true);
  });

  it('starts a new run after movement, with fresh means', () => {
    const d = new StillnessDetector();
    feed(d, 0, 1, 0);
    feed(d, 1, 0.3, 60 * DEG, 0.5 * DEG, 'move');
    expect(d.still).toBe(false);
    feed(d, 1.3, 1, 0, 0.2 * DEG, 'again');
    expect(d.still).toBe(true);
    expect(d.runStart).toBeCloseTo(1.3, 9);
    expect(d.meanGyr()[0] / DEG).toBeCloseTo(0.2, 1);
  });

  it('is not still under linear acceleration (specific force far from gravity)', () => {
    const d = new StillnessDetector();
    for (let k = 0; k < 100; k++) d.update(k / 100, [0, 0, 0], [0, 0, G + 2]);
    expect(d.still).toBe(false);
  });
});
