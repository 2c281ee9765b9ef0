/// <reference lib="dom" />
// Paint signals of the charts, read by the browser test and `bench/dashboard.ts`: a performance mark at the
// first chart paint of the document (page load → first chart), and a `chartdraw` event per redraw of the live
// chart carrying the newest sample time it shows (frame published → chart updated).

export const FIRST_CHART_PAINT = 'hipmon:first-chart-paint';
export const CHART_DRAW_EVENT = 'chartdraw';

let painted = false;

export function markChartPaint(): void {
  if (painted) return;
  painted = true;
  performance.mark(FIRST_CHART_PAINT);
}
