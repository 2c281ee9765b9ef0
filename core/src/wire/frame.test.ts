import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeImuFrame, encodeImuFrame } from './binary.js';
import { frameFromSamples, frameSampleTimes, frameToSamples } from './frame.js';
import { seqDelta, seqNext } from './seq.js';
import type { ImuFrame, ImuSample } from './types.js';

describe('frame helpers', () => {
  it('times a regular frame at t0 + i·period', () => {
    const frame: ImuFrame = {
      role: 'pelvis',
      seq: 0,
      timing: { kind: 'regular', t0: 10, period: 0.25 },
      samples: Array.from({ length: 4 }, () => ({ gyr: [0, 0, 0], acc: [9.81, 0, 0] })),
    };
    expect(frameSampleTimes(frame)).toEqual([10, 10.25, 10.5, 10.75]);
    expect(frameToSamples(frame).map((s) => s.t)).toEqual([10, 10.25, 10.5, 10.75]);
  });

  it('frameFromSamples → binary → frameToSamples returns the samples (times within 0.5 µs)', () => {
    const samples: ImuSample[] = [
      { t: 100.000001, gyr: [0.5, 0, 0], acc: [9.75, 0, 0], mag: [20, 0, 40] },
      { t: 100.0103, gyr: [0.25, 0, 0], acc: [9.5, 0, 0], mag: [20, 1, 40] },
      { t: 100.0205, gyr: [0, 0, 0], acc: [9.75, 0.5, 0], mag: [21, 0, 40] },
    ];
    const back = frameToSamples(decodeImuFrame(encodeImuFrame(frameFromSamples({ role: 'pelvis', seq: 1 }, samples))));
    expect(back.map(({ gyr, acc, mag }) => ({ gyr, acc, mag }))).toEqual(
      samples.map(({ gyr, acc, mag }) => ({ gyr, acc, mag })),
    );
    back.forEach((s, i) => expect(Math.abs(s.t - samples[i]!.t)).toBeLessThanOrEqual(0.5e-6));
  });
});

describe('sequence numbers', () => {
  it('wraps from 2^32 − 1 to 0', () => {
    expect(seqNext(0xfffffffe)).toBe(0xffffffff);
    expect(seqNext(0xffffffff)).toBe(0);
    expect(seqDelta(0xffffffff, 0)).toBe(1);
    expect(seqDelta(0, 0xffffffff)).toBe(-1);
    expect(seqDelta(5, 5)).toBe(0);
  });

  it('seqDelta(a, a + d mod 2^32) = d for every d in [−2^31, 2^31)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        (a, d) => {
          const b = (((a + d) % 2 ** 32) + 2 ** 32) % 2 ** 32;
          expect(seqDelta(a, b)).toBe(d);
        },
      ),
      { numRuns: 10_000 },
    );
  });
});
