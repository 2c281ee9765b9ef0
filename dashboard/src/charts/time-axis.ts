/**
 * The x range of the progress charts (session start times, Unix seconds). uPlot widens a single x value to a
 * range of its own before any range function sees it (86 400 of the scale's units: with seconds, a thousand
 * days), so the range is derived from the sessions' extent here, not from what uPlot proposes. Pure; the web UI
 * bundles it and the unit tests check it.
 */

export const DAY_S = 86_400;
/** Margin either side of the sessions: a share of their span, at least a day (one session: its day ± 1 day). */
const PAD_SHARE = 0.05;

/** The sessions' first and last start padded, so that even one session sits mid-axis on a readable date range. */
export function sessionTimeRange(firstS: number, lastS: number): [number, number] {
  const pad = Math.max(DAY_S, PAD_SHARE * (lastS - firstS));
  return [firstS - pad, lastS + pad];
}

/**
 * The x range for uPlot's range hook: the padded session range, unless uPlot asks for a range strictly inside the
 * sessions (the user dragged to zoom), which is kept as asked. `xs` are the sorted session starts.
 */
export function timeAxisRange(xs: ArrayLike<number>, min: number | null, max: number | null): [number, number] {
  if (xs.length === 0) return [min ?? 0, max ?? (min ?? 0) + DAY_S]; // no session: nothing to place
  const first = xs[0]!;
  const last = xs[xs.length - 1]!;
  const zoomed = min !== null && max !== null && max > min && (min > first || max < last);
  return zoomed ? [min, max] : sessionTimeRange(first, last);
}

/**
 * Tick spacings of a dates axis: days, weeks, then months (uPlot steps by calendar months for multiples of 30 days
 * and by years for 365), never hours: sessions are compared day by day.
 */
export const DATE_TICK_INCREMENTS_S = [1, 2, 7, 14, 30, 60, 90, 180, 365].map((days) => days * DAY_S);
