import { describe, expect, it } from 'vitest';
import { DAY_S, sessionTimeRange, timeAxisRange } from './time-axis.js';

/** 2025-03-03T09:00:00Z in Unix seconds. */
const T = Date.UTC(2025, 2, 3, 9) / 1000;

describe('progress chart time axis', () => {
  it('puts a single session mid-axis on its day ± 1 day, whatever range uPlot proposes for it', () => {
    // uPlot widens one x value by 86 400 units before the range hook: a thousand days in seconds.
    expect(timeAxisRange([T], T, T + 86_400_000)).toEqual([T - DAY_S, T + DAY_S]);
    expect(timeAxisRange([T], T, T)).toEqual([T - DAY_S, T + DAY_S]);
  });

  it('pads two sessions close together by a day, and far apart by 5 % of their span', () => {
    expect(timeAxisRange([T, T + 3600], T, T + 3600)).toEqual([T - DAY_S, T + 3600 + DAY_S]);
    const twoWeeks = 14 * DAY_S;
    expect(timeAxisRange([T, T + twoWeeks], T, T + twoWeeks)).toEqual([T - DAY_S, T + twoWeeks + DAY_S]);
    const span = 40 * DAY_S; // 5 % = 2 days
    expect(timeAxisRange([T, T + span], T, T + span)).toEqual([T - 2 * DAY_S, T + span + 2 * DAY_S]);
  });

  it('covers many sessions over weeks with every session inside and the margin a small share', () => {
    const xs = Array.from({ length: 36 }, (_, i) => T + i * 2 * DAY_S + (i % 3) * 3600);
    const [min, max] = timeAxisRange(xs, xs[0]!, xs.at(-1)!);
    expect(min).toBeLessThan(xs[0]!);
    expect(max).toBeGreaterThan(xs.at(-1)!);
    const span = xs.at(-1)! - xs[0]!;
    expect((max - min - span) / span).toBeCloseTo(0.1, 9);
  });

  it('keeps a zoom inside the sessions as asked, and pads again when reset to all of them', () => {
    const xs = [T, T + 7 * DAY_S, T + 14 * DAY_S];
    expect(timeAxisRange(xs, T + DAY_S, T + 9 * DAY_S)).toEqual([T + DAY_S, T + 9 * DAY_S]);
    expect(timeAxisRange(xs, T - DAY_S, T + 9 * DAY_S)).toEqual([T - DAY_S, T + 9 * DAY_S]);
    expect(timeAxisRange(xs, T, T + 14 * DAY_S)).toEqual(sessionTimeRange(T, T + 14 * DAY_S));
  });
});
