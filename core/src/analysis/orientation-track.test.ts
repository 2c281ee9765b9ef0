import { describe, expect, it } from 'vitest';
import { createPrng } from '@hipmon/simulator';
import { DEG, quatToRotationVector, RAD } from '../math/quat.js';
import type { Quat } from '../math/quat.js';
import { OrientationTrack } from './orientation-track.js';

const G = 9.81;

/**
 * Stamps of a 100 Hz sensor whose clock runs 30 ppm fast, with 0.5 ms stamp jitter and the samples in `lost`
 * (indices) missing; the sensor turns about the vertical at `rate` (rad/s) from `turnFrom` (s) on.
 */
function feed(
  track: OrientationTrack,
  seconds: number,
  rate: number,
  turnFrom = 0,
  lost: (k: number) => boolean = () => false,
) {
  const prng = createPrng('track');
  const period = 0.01 * (1 - 30e-6);
  for (let k = 0; k < seconds * 100; k++) {
    const t = k * period + prng.gaussian(0, 0.0005);
    if (lost(k)) continue;
    const turning = k >= turnFrom ? rate : 0;
    track.push(t, [0, 0, turning], [0, 0, G]);
  }
}

/** Heading (degrees, unwrapped by the caller) of an orientation about the vertical. */
const headingDeg = (q: Quat): number => quatToRotationVector(q)[2] * RAD;

describe('OrientationTrack', () => {
  it('estimates the true sample rate through stamp jitter (30 ppm clock error, 0.5 ms jitter)', () => {
    const track = new OrientationTrack({ mode: '6d' });
    feed(track, 10, 0);
    expect(track.sampleRate).toBeCloseTo(100 / (1 - 30e-6), 1);
  });

  it('integrates with the true period: a 90 °/s turn for 1.5 s ends 135° away, within 0.2°', () => {
    const track = new OrientationTrack({ mode: '6d' });
    feed(track, 3.5, 90 * DEG, 200);
    const q: Quat = [1, 0, 0, 0];
    track.orientationAt(track.latestTime, q);
    // 3.5 s at 100 Hz = 350 samples; the turn covers samples 200…349: 150 periods.
    expect(Math.abs(headingDeg(q) - 135)).toBeLessThan(0.2);
  });

  it('bridges short gaps: 50 ms lost mid-turn changes nothing beyond 0.2°', () => {
    const track = new OrientationTrack({ mode: '6d' });
    feed(track, 3.5, 90 * DEG, 200, (k) => k >= 260 && k < 265);
    const q: Quat = [1, 0, 0, 0];
    track.orientationAt(track.latestTime, q);
    expect(track.lostSamples).toBe(5);
    expect(track.restarts).toBe(0);
    expect(Math.abs(headingDeg(q) - 135)).toBeLessThan(0.2);
  });

  it('restarts after a long silence and keeps the heading frame when the sensor did not turn meanwhile', () => {
    const track = new OrientationTrack({ mode: '6d' });
    // Turns 45° (1.5 s at 30 °/s), then 2 s of silence while still, then still again.
    const prng = createPrng('restart');
    let heading = 0;
    for (let k = 0; k < 700; k++) {
      const t = k / 100 + prng.gaussian(0, 0.0005);
      const rate = k >= 200 && k < 350 ? 30 * DEG : 0;
      heading += rate / 100;
      if (k >= 400 && k < 600) continue;
      track.push(t, [0, 0, rate], [0, 0, G]);
    }
    expect(track.restarts).toBe(1);
    const q: Quat = [1, 0, 0, 0];
    track.orientationAt(track.latestTime, q);
    expect(Math.abs(headingDeg(q) - heading * RAD)).toBeLessThan(0.2);
  });

  /** Heading (degrees) at the end of a turn whose rate ramps up at 180 °/s² (a movement speeding up), samples [from, to) lost. */
  function rampingTurn(from: number, to: number) {
    const track = new OrientationTrack({ mode: '6d', rate: 100 });
    for (let k = 0; k < 300; k++) {
      const rate = k >= 100 ? Math.min(180, 1.8 * (k - 100)) * DEG : 0;
      if (k >= from && k < to) continue;
      track.push(k / 100, [0, 0, rate], [0, 0, G]);
    }
    const q: Quat = [1, 0, 0, 0];
    track.orientationAt(track.latestTime, q);
    return { track, headingDeg: headingDeg(q) };
  }
  const unbroken = rampingTurn(0, 0).headingDeg;
  /** |a − b| in degrees, wrapped to [0, 180]. */
  const headingDifference = (a: number, b: number): number => Math.abs(((((a - b) % 360) + 540) % 360) - 180);

  it('bridges a gap with the mean of the rates on either side: 200 ms lost while the turn speeds up', () => {
    const { track, headingDeg } = rampingTurn(140, 160);
    expect(track.restarts).toBe(0);
    expect(track.lostSamples).toBe(20);
    // The rate after the gap alone would overshoot by about half the rate's change times the gap: ½ · 37.8 °/s · 0.21 s.
    expect(headingDifference(headingDeg, unbroken)).toBeLessThan(0.2);
  });

  it('restarts after a 400 ms drop-out mid-turn and carries the heading across it by the mean rate', () => {
    const { track, headingDeg } = rampingTurn(140, 180);
    expect(track.restarts).toBe(1);
    // Assuming no turn during the silence would be about 28° off (what the sensor turned while silent).
    expect(headingDifference(headingDeg, unbroken)).toBeLessThan(0.5);
    // The heading carried across is reported with its uncertainty (8° per second of silence, 2° at least).
    expect(Math.sqrt(track.takeRestartHeadingVariance())).toBeCloseTo(8 * 0.41, 6);
    expect(track.takeRestartHeadingVariance()).toBe(0);
  });

  it('interpolates between stored orientations and holds the newest one beyond it', () => {
    const track = new OrientationTrack({ mode: '6d', rate: 100 });
    for (let k = 0; k <= 300; k++) track.push(k / 100, [0, 0, k >= 100 ? 10 * DEG : 0], [0, 0, G]);
    const a: Quat = [1, 0, 0, 0],
      b: Quat = [1, 0, 0, 0],
      mid: Quat = [1, 0, 0, 0],
      beyond: Quat = [1, 0, 0, 0];
    track.orientationAt(2.5, a);
    track.orientationAt(2.51, b);
    track.orientationAt(2.505, mid);
    expect(headingDeg(mid)).toBeCloseTo((headingDeg(a) + headingDeg(b)) / 2, 9);
    track.orientationAt(10, beyond);
    track.orientationAt(3, a);
    expect(beyond).toEqual(a);
  });

  it('answers "still since when" at a past instant from the stored samples', () => {
    const track = new OrientationTrack({ mode: '6d', rate: 100 });
    for (let k = 0; k <= 400; k++) {
      const moving = k >= 200 && k < 250;
      track.push(k / 100, [0, 0, moving ? 30 * DEG : 0], [0, 0, G]);
    }
    expect(track.stillSinceAt(1.5)).toBe(0);
    expect(Number.isNaN(track.stillSinceAt(2.2))).toBe(true);
    expect(track.stillSinceAt(3.5)).toBeCloseTo(2.5, 9);
  });

  it('ignores samples whose stamp does not advance', () => {
    const track = new OrientationTrack({ mode: '6d', rate: 100 });
    expect(track.push(1, [0, 0, 0], [0, 0, G])).toBe(true);
    expect(track.push(1, [0, 0, 0], [0, 0, G])).toBe(false);
    expect(track.push(0.5, [0, 0, 0], [0, 0, G])).toBe(false);
    expect(track.outOfOrder).toBe(2);
  });
});
