/// <reference lib="dom" />
// Progress over weeks, on a time axis of session starts: the peak ROM of each exercise per session (with its
// prescribed target), and per session the repetitions done against those prescribed with the share done (adherence).
import uPlot from 'uplot';
import { DATE_TICK_INCREMENTS_S, timeAxisRange } from '../../src/charts/time-axis.js';
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
/** Session starts on a dates axis: padded around the sessions (one session included), zoomable by dragging. */
const sessionsScale: uPlot.Scale = { time: true, range: (u, min, max) => timeAxisRange(u.data[0], min, max) };
const dayLabel = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const yearLabel = new Intl.DateTimeFormat(undefined, { year: 'numeric' });
/** Day ticks labelled with the date; the year under the first tick and wherever it changes. */
const datesAxis: uPlot.Axis = {
  incrs: DATE_TICK_INCREMENTS_S,
  space: 60,
  values: (_u, splits) =>
    splits.map((s, i) => {
      const date = new Date(s * 1000);
      const newYear = i === 0 || new Date(splits[i - 1]! * 1000).getFullYear() !== date.getFullYear();
      return newYear ? `${dayLabel.format(date)}\n${yearLabel.format(date)}` : dayLabel.format(date);
    }),
};
/** Degrees and repetitions count from zero: a lone value must not fill the whole height. */
const fromZero: uPlot.Scale = { range: { min: { soft: 0, mode: 1 }, max: { pad: 0.1 } } };

/** Rows of an aligned table: the union of x values, each series null where it has no point. */
export function alignByTime(columns: Map<number, number | null>[]): (number | null)[][] {
  const xs = [...new Set(columns.flatMap((c) => [...c.keys()]))].sort((a, b) => a - b);
  return [xs, ...columns.map((c) => xs.map((x) => c.get(x) ?? null))];
}

function chart(container: HTMLElement, opts: Omit<uPlot.Options, 'width' | 'height'>, data: uPlot.AlignedData) {
  // The x range in effect (Unix s) on the container: the axis is canvas, and the browser test checks the range.
  const showRange = (u: uPlot, key: string) => {
    if (key !== 'x') return;
    container.dataset.xMin = String(u.scales.x!.min);
    container.dataset.xMax = String(u.scales.x!.max);
  };
  const hooks = { ...opts.hooks, draw: [markChartPaint], setScale: [showRange] };
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
    series.push({
      label: `${name} peak °`,
      stroke,
      width: 2,
      points: { show: true, size: 7, fill: stroke },
      spanGaps: true,
    });
    columns.push(new Map(p.points.map((pt) => [pt.startedAt / 1000, pt.targetRomDeg])));
    // Hollow points: with one session there is no line, and the target must still show.
    series.push({
      label: `${name} target °`,
      stroke,
      width: 1,
      dash: [6, 4],
      spanGaps: true,
      points: { show: true, size: 6 },
    });
  });
  return chart(
    container,
    { scales: { x: sessionsScale, y: fromZero }, axes: [datesAxis, { label: 'peak ROM °' }], series },
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
      scales: { x: sessionsScale, y: fromZero, pct: { range: [0, 120] } },
      axes: [
        datesAxis,
        { label: 'repetitions' },
        { label: 'adherence %', scale: 'pct', side: 1, grid: { show: false } },
      ],
      series: [
        { label: 'session' },
        { label: 'reps done', stroke: '#1565c0', width: 2, points: { show: true, size: 7, fill: '#1565c0' } },
        { label: 'reps prescribed', stroke: '#90a4ae', width: 2, dash: [6, 4], points: { show: true, size: 6 } },
        { label: 'adherence %', stroke: '#2e7d32', width: 1, scale: 'pct', points: { show: true, size: 5 } },
      ],
    },
    [x, done, prescribed, share] as uPlot.AlignedData,
  );
}
