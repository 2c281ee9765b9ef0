/// <reference lib="dom" />
// Progress over weeks, on a time axis of session starts: the peak ROM of each exercise per session (with its
// prescribed target), and per session the repetitions done against those prescribed with the share done (adherence).
import uPlot from 'uplot';
import { markChartPaint } from './chart-paint.js';

export interface ProgressSeries {
  exercise: string;
  points: { sessionId: string; startedAt: number; peakRomDeg: number; targetRomDeg: number | null }[];
}
export interface SessionTotals {
  session: { id: string; startedAt: number };
  totals: { repsDone: number; repsPrescribed: number };
}

const COLOURS = ['#1565c0', '#2e7d32', '#ef6c00', '#6a1b9a', '#c62828', '#00838f', '#5d4037', '#ad1457', '#455a64'];
const HEIGHT = 240;
const DAY_S = 86_400;
/** Half a week of margin around the sessions: a single session would otherwise span uPlot's default years. */
const weeksAxis: uPlot.Scale = { time: true, range: (_u, min, max) => [min - 3.5 * DAY_S, max + 3.5 * DAY_S] };

/** Rows of an aligned table: the union of x values, each series null where it has no point. */
export function alignByTime(columns: Map<number, number | null>[]): (number | null)[][] {
  const xs = [...new Set(columns.flatMap((c) => [...c.keys()]))].sort((a, b) => a - b);
  return [xs, ...columns.map((c) => xs.map((x) => c.get(x) ?? null))];
}

function chart(container: HTMLElement, opts: Omit<uPlot.Options, 'width' | 'height'>, data: uPlot.AlignedData) {
  const hooks = { ...opts.hooks, draw: [markChartPaint] };
  return new uPlot(
    { width: Math.max(320, container.clientWidth || 800), height: HEIGHT, ...opts, hooks },
    data,
    container,
  );
}

/** Peak ROM per exercise per session, dashed target lines; one colour per exercise. */
export function peakRomChart(container: HTMLElement, progress: ProgressSeries[], names: Map<string, string>): uPlot {
  const columns: Map<number, number | null>[] = [];
  const series: uPlot.Series[] = [{ label: 'session' }];
  progress.forEach((p, i) => {
    const stroke = COLOURS[i % COLOURS.length]!;
    const name = names.get(p.exercise) ?? p.exercise;
    columns.push(new Map(p.points.map((pt) => [pt.startedAt / 1000, pt.peakRomDeg])));
    series.push({ label: `${name} peak °`, stroke, width: 2, points: { show: true, size: 6 }, spanGaps: true });
    columns.push(new Map(p.points.map((pt) => [pt.startedAt / 1000, pt.targetRomDeg])));
    series.push({ label: `${name} target °`, stroke, width: 1, dash: [6, 4], spanGaps: true, points: { show: false } });
  });
  return chart(
    container,
    { scales: { x: weeksAxis }, axes: [{}, { label: 'peak ROM °' }], series },
    alignByTime(columns) as uPlot.AlignedData,
  );
}

/** Repetitions done and prescribed per session (left axis) and done/prescribed in % (right axis). */
export function adherenceChart(container: HTMLElement, sessions: SessionTotals[]): uPlot {
  const ordered = [...sessions].sort((a, b) => a.session.startedAt - b.session.startedAt);
  const x = ordered.map((s) => s.session.startedAt / 1000);
  const done = ordered.map((s) => s.totals.repsDone);
  const prescribed = ordered.map((s) => s.totals.repsPrescribed);
  const share = ordered.map((s) =>
    s.totals.repsPrescribed > 0 ? (100 * s.totals.repsDone) / s.totals.repsPrescribed : null,
  );
  return chart(
    container,
    {
      scales: { x: weeksAxis, pct: { range: [0, 120] } },
      axes: [{}, { label: 'repetitions' }, { label: 'adherence %', scale: 'pct', side: 1, grid: { show: false } }],
      series: [
        { label: 'session' },
        { label: 'reps done', stroke: '#1565c0', width: 2, points: { show: true, size: 6 } },
        { label: 'reps prescribed', stroke: '#90a4ae', width: 2, dash: [6, 4] },
        { label: 'adherence %', stroke: '#2e7d32', width: 1, scale: 'pct', points: { show: true, size: 5 } },
      ],
    },
    [x, done, prescribed, share] as uPlot.AlignedData,
  );
}
