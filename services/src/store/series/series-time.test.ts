import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeriesInputError } from './series-store.js';
import {
  ceilToMinuteNs,
  downsampleWidthNs,
  floorToMinuteNs,
  nsToTime,
  roundToMicros,
  sampleTimesNs,
  timeToMicros,
  timeToNs,
  trendSampleRangeNs,
} from './series-time.js';

describe('series time rules', () => {
  it('rounds gateway seconds to whole microseconds', () => {
    expect(timeToMicros(0)).toBe(0);
    expect(timeToMicros(1.0000004)).toBe(1_000_000);
    expect(timeToMicros(1.0000006)).toBe(1_000_001);
    expect(timeToNs(1700000000.25)).toBe(1_700_000_000_250_000_000n);
    expect(roundToMicros(12.3456789)).toBe(12.345679);
    expect(nsToTime(1_700_000_000_012_346_002n)).toBe(1700000000.012346);
  });

  it('refuses times outside the wire range [0, 2^32) s', () => {
    for (const t of [-1e-9, 2 ** 32, NaN, Infinity]) expect(() => timeToNs(t)).toThrow(SeriesInputError);
  });

  it('maps a time to the same nanoseconds every time, and reads back as the rounded time', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 2 ** 32 - 1, noNaN: true }), (t) => {
        expect(timeToNs(t)).toBe(timeToNs(t));
        expect(nsToTime(timeToNs(t))).toBe(roundToMicros(t));
        expect(Math.abs(roundToMicros(t) - t)).toBeLessThanOrEqual(5e-7 + 2 ** -21);
      }),
    );
  });

  it('spreads samples of one frame that share a microsecond over consecutive nanoseconds', () => {
    expect(sampleTimesNs([1, 1.0000001, 1.0000002, 1.01, 1.01])).toEqual([
      1_000_000_000n,
      1_000_000_001n,
      1_000_000_002n,
      1_010_000_000n,
      1_010_000_001n,
    ]);
  });

  it('aligns minutes and picks the samples of the buckets starting in [from, to)', () => {
    expect(floorToMinuteNs(119_999_999_999n)).toBe(60_000_000_000n);
    expect(ceilToMinuteNs(60_000_000_000n)).toBe(60_000_000_000n);
    expect(ceilToMinuteNs(60_000_000_001n)).toBe(120_000_000_000n);
    // The only bucket starting in [61 s, 180 s) is the minute at 120 s: its samples are those in [120 s, 180 s).
    expect(trendSampleRangeNs(61, 180)).toEqual({ fromNs: 120_000_000_000n, toNs: 180_000_000_000n });
    expect(trendSampleRangeNs(60, 180.5)).toEqual({ fromNs: 60_000_000_000n, toNs: 240_000_000_000n });
  });

  it('chooses a bucket width that gives at most maxPoints buckets', () => {
    expect(downsampleWidthNs(0n, 1000n, 10, 10)).toBeNull();
    expect(downsampleWidthNs(0n, 1000n, 11, 10)).toBe(100n);
    expect(downsampleWidthNs(0n, 1001n, 11, 10)).toBe(101n);
    expect(downsampleWidthNs(5n, 5n, 3, 1)).toBe(1n);
    expect(() => downsampleWidthNs(0n, 10n, 5, 0)).toThrow(SeriesInputError);
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 15n }), fc.integer({ min: 1, max: 5000 }), (span, max) => {
        const width = downsampleWidthNs(0n, span, max + 1, max)!;
        expect((span + width - 1n) / width).toBeLessThanOrEqual(BigInt(max));
      }),
    );
  });
});
