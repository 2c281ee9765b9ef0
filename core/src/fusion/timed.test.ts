import { describe, expect, it } from 'vitest';
import type { ImuSample } from '../wire/types.js';
import { estimateSampleRate, fuseTimedSamples } from './timed.js';
import { axisAngleDeg, errorsDeg, synthesize, Z } from './synthetic.testutil.js';
import type { SyntheticData } from './synthetic.testutil.js';

function samplesOf(d: SyntheticData, withMag: boolean, keep: (t: number) => boolean = () => true): ImuSample[] {
  const out: ImuSample[] = [];
  for (let i = 0; i < d.t.length; i++) {
    if (!keep(d.t[i]!)) continue;
    const v = (a: Float64Array): [number, number, number] => [a[3 * i]!, a[3 * i + 1]!, a[3 * i + 2]!];
    out.push({ t: d.t[i]!, gyr: v(d.gyr), acc: v(d.acc), ...(withMag ? { mag: v(d.mag) } : {}) });
  }
  return out;
}

describe('estimateSampleRate', () => {
  it('is the inverse median step, robust to gaps, jitter and duplicates', () => {
    expect(estimateSampleRate([0, 0.01, 0.02, 0.03, 0.5, 0.51, 0.51, 0.52])).toBeCloseTo(100, 9);
    expect(estimateSampleRate([0, 0.0098, 0.0201, 0.0301, 0.04, 0.0501])).toBeCloseTo(100, 6);
  });

  it('is NaN without two distinct timestamps', () => {
    expect(estimateSampleRate([1])).toBeNaN();
    expect(estimateSampleRate([2, 2, 2])).toBeNaN();
  });
});

describe('fuseTimedSamples', () => {
  const turning = synthesize({
    sampleRate: 100,
    duration: 6,
    orientation: (t) => axisAngleDeg(Z, 30 + 45 * t),
    magNoise: 0.2,
  });

  it('picks 9D when every sample has a magnetometer reading, else 6D', () => {
    const nine = fuseTimedSamples(samplesOf(turning, true));
    expect(nine.mode).toBe('9d');
    expect(nine.sampleRate).toBeCloseTo(100, 6);
    const last = turning.t.length - 1;
    expect(errorsDeg(nine.quaternions, turning.truth, last).total).toBeLessThan(0.5);
    expect(fuseTimedSamples(samplesOf(turning, false)).mode).toBe('6d');
  });

  it('bridges gaps with the actual time step and counts them', () => {
    const gappy = samplesOf(turning, false, (t) => t < 2 || t > 2.4);
    const r = fuseTimedSamples(gappy);
    expect(r.gaps).toBe(1);
    expect(r.quaternions.length).toBe(4 * gappy.length);
    // 6D: heading relative to the start must still be right after the gap (45 °/s × 0.4 s = 18° bridged).
    const start = errorsDeg(r.quaternions, turning.truth, 0);
    const lastT = gappy[gappy.length - 1]!.t;
    const lastIndex = Math.round(lastT * 100);
    const endQ = r.quaternions.subarray(r.quaternions.length - 4);
    const end = errorsDeg(endQ, turning.truth.subarray(4 * lastIndex, 4 * lastIndex + 4), 0);
    expect(Math.abs(end.heading - start.heading)).toBeLessThan(0.5);
  });

  it('refuses input whose rate cannot be known or whose time goes backwards', () => {
    const s = samplesOf(turning, false);
    expect(() => fuseTimedSamples([s[0]!])).toThrow(/sample rate/);
    expect(() => fuseTimedSamples([s[0]!, s[2]!, s[1]!, s[3]!])).toThrow(/backwards/);
  });
});
