/// <reference lib="dom" />
// Paint signals of the charts, read by the browser test and `bench/dashboard.ts`: a performance mark at the
// first chart paint of the document (page load → first chart), and a `chartdraw` event per paint of the live
// chart (frame published → chart showing it, paints per second while live data flows).

export const FIRST_CHART_PAINT = 'hipmon:first-chart-paint';
export const CHART_DRAW_EVENT = 'chartdraw';

/** The `chartdraw` event's detail; sample times in s on the gateway's clock, as in the live messages. */
export interface ChartDrawDetail {
  /** the newest sample on screen (at or left of the right edge); null while none is */
  t: number | null;
  /** the time at the right edge: the playout clock, a small delay behind the newest sample received */
  edge: number;
  /** the newest sample received */
  newest: number;
}

let painted = false;

export function markChartPaint(): void {
  if (painted) return;
  painted = true;
  performance.mark(FIRST_CHART_PAINT);
}
