/**
 * Gateway-clock seconds ↔ stored integer nanoseconds. The rule (docs/storage.md): round to the nearest whole
 * microsecond (the resolution of the wire format's explicit timestamps; float64 seconds below 2^32 carry nothing
 * finer), then × 1000. The same float always gives the same integer, so a re-sent sample lands on the same point.
 * The three sub-microsecond digits are free for one job: telling apart samples of one frame that share a
 * microsecond (explicit timing may repeat a timestamp), which get +1 ns, +2 ns, … in frame order.
 */
import { MAX_TIMESTAMP_S } from '@hipmon/core';
import { SeriesInputError } from './series-store.js';

export const NS_PER_US = 1000n;
export const MINUTE_NS = 60_000_000_000n;

/** Whole microseconds of a time in s; throws for anything outside the wire's [0, 2^32) s. */
export function timeToMicros(t: number): number {
  if (!(t >= 0 && t < MAX_TIMESTAMP_S)) throw new SeriesInputError(`time ${t} s is outside [0, 2^32) s`);
  return Math.round(t * 1e6);
}

/** The time as it reads back from the store. */
export const roundToMicros = (t: number): number => timeToMicros(t) / 1e6;

export const timeToNs = (t: number): bigint => BigInt(timeToMicros(t)) * NS_PER_US;

/** Seconds of a stored timestamp (the tie-break nanoseconds are not part of the time). */
export const nsToTime = (ns: bigint): number => Number(ns / NS_PER_US) / 1e6;

/** Stored timestamps of a frame's samples: µs-rounded, samples sharing a microsecond spread over 1, 2, … ns. */
export function sampleTimesNs(times: readonly number[]): bigint[] {
  const seen = new Map<number, number>();
  return times.map((t) => {
    const us = timeToMicros(t);
    const earlier = seen.get(us) ?? 0;
    seen.set(us, earlier + 1);
    return BigInt(us) * NS_PER_US + BigInt(earlier);
  });
}

export const floorToMinuteNs = (ns: bigint): bigint => (ns / MINUTE_NS) * MINUTE_NS;
export const ceilToMinuteNs = (ns: bigint): bigint => ((ns + MINUTE_NS - 1n) / MINUTE_NS) * MINUTE_NS;

/** [from, to) in ns; an absent bound is open. */
export interface NsRange {
  fromNs?: bigint;
  toNs?: bigint;
}

export function rangeNs(from?: number, to?: number): NsRange {
  const range: NsRange = {};
  if (from !== undefined) range.fromNs = timeToNs(from);
  if (to !== undefined) range.toNs = timeToNs(to);
  return range;
}

/**
 * The samples that make up the trend buckets whose minute starts in [from, to): a bucket starts at or after
 * `from` iff its samples are at or after ceil(from), and before `to` iff they are before ceil(to).
 */
export function trendSampleRangeNs(from: number, to: number): { fromNs: bigint; toNs: bigint } {
  return { fromNs: ceilToMinuteNs(timeToNs(from)), toNs: ceilToMinuteNs(timeToNs(to)) };
}

/**
 * Buckets for angles(…, {maxPoints}): `count` points in [fromNs, toNs) → null when they fit, else the bucket width
 * (whole ns, ≥ 1) such that the range holds at most maxPoints buckets aligned at fromNs.
 */
export function downsampleWidthNs(fromNs: bigint, toNs: bigint, count: number, maxPoints: number): bigint | null {
  if (!Number.isInteger(maxPoints) || maxPoints < 1) throw new SeriesInputError(`maxPoints must be an integer ≥ 1`);
  if (count <= maxPoints) return null;
  const span = toNs - fromNs;
  const points = BigInt(maxPoints);
  return span <= 0n ? 1n : (span + points - 1n) / points;
}
