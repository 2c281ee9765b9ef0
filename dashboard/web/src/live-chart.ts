/// <reference lib="dom" />
// The live hip-angle chart: the last WINDOW_S seconds of the three angles, scrolling smoothly at display rate.
// Live angles arrive in bursts (one per gateway frame, ~10 a second), so the chart does not jump to each burst:
// a playout clock (src/charts/playout-clock.ts) moves the visible window a small fixed delay behind the stream,
// redrawn on every animation frame while data flows; the loop stops when the stream is idle or the tab hidden.
// Per frame uPlot only gets a new x range (setScale); the data arrays are reused and handed over again only when
// samples were added.
import uPlot from 'uplot';
import { PlayoutClock } from '../../src/charts/playout-clock.js';
import { CHART_DRAW_EVENT, markChartPaint } from './chart-paint.js';
import type { ChartDrawDetail } from './chart-paint.js';

const WINDOW_S = 20;
/** Samples older than the window are cut in one splice once this many seconds are held, not one shift each. */
const KEEP_S = WINDOW_S + 10;

const wallS = () => performance.now() / 1000;

export interface LiveChartOptions {
  /** plot height in CSS px; default 260 */
  height?: number;
  /** a small chart (a live board tile): no axis titles, no legend */
  compact?: boolean;
  /**
   * Redraw only when the window has scrolled by at least a canvas pixel (and on the last frame before idling),
   * instead of on every animation frame. A 300 px chart of a 20 s window moves 15 px a second: most of 60 frames a
   * second would repaint the same picture, which a board of many tiles cannot afford.
   */
  pixelStep?: boolean;
}

export class LiveChart {
  /** seconds since the session's first sample, and the three angles */
  private readonly x: number[] = [];
  private readonly flexion: number[] = [];
  private readonly abduction: number[] = [];
  private readonly rotation: number[] = [];
  private readonly data: uPlot.AlignedData = [this.x, this.flexion, this.abduction, this.rotation];
  /** the session's first sample time (s, gateway clock): x = t − origin keeps the axis in session seconds */
  private origin: number | null = null;
  private readonly clock = new PlayoutClock();
  private readonly plot: uPlot;
  private frame = 0;
  private dataChanged = false;
  /** the right edge drawn last (s since the session's first sample) */
  private edge: number | null = null;
  private readonly pixelStep: boolean;

  constructor(
    private readonly container: HTMLElement,
    options: LiveChartOptions = {},
  ) {
    const compact = options.compact ?? false;
    this.pixelStep = options.pixelStep ?? false;
    this.plot = new uPlot(
      {
        width: Math.max(compact ? 200 : 320, container.clientWidth || 800),
        height: options.height ?? 260,
        scales: { x: { time: false, auto: false, min: -WINDOW_S, max: 0 } },
        hooks: { draw: [() => this.painted()] },
        legend: { show: !compact },
        axes: [
          // The window starts left of the session's first sample: no labels for the time before it.
          {
            ...(!compact && { label: 's since the session started' }),
            values: (_u, splits) => splits.map((v) => (v < 0 ? '' : v)),
          },
          compact ? { size: 36 } : { label: '°' },
        ],
        series: [
          { label: 't (s)' },
          { label: 'flexion', stroke: '#1565c0', width: 2 },
          { label: 'abduction', stroke: '#2e7d32', width: 2 },
          { label: 'rotation', stroke: '#ef6c00', width: 2 },
        ],
      },
      this.data,
      container,
    );
    document.addEventListener('visibilitychange', this.visibilityChanged);
  }

  push(t: number, flexion: number, abduction: number, rotation: number): void {
    // A new session (its clock restarts, or jumps back): start a fresh window.
    if (this.origin !== null && t - this.origin < (this.x.at(-1) ?? -Infinity)) this.clear();
    this.origin ??= t;
    const x = t - this.origin;
    this.x.push(x);
    this.flexion.push(flexion);
    this.abduction.push(abduction);
    this.rotation.push(rotation);
    if (x - this.x[0]! > KEEP_S) {
      const keepFrom = this.x.findIndex((v) => v >= x - WINDOW_S - 1);
      for (const column of this.data) (column as number[]).splice(0, keepFrom);
    }
    this.clock.arrive(x, wallS());
    this.dataChanged = true;
    this.start();
  }

  clear(): void {
    for (const column of this.data) (column as number[]).length = 0;
    this.origin = null;
    this.edge = null;
    this.clock.reset();
    this.dataChanged = true;
    this.draw(this.clock.edge(wallS()));
  }

  destroy(): void {
    this.stop();
    document.removeEventListener('visibilitychange', this.visibilityChanged);
    this.plot.destroy();
  }

  private start(): void {
    if (this.frame === 0 && document.visibilityState === 'visible') this.frame = requestAnimationFrame(this.tick);
  }

  private stop(): void {
    if (this.frame !== 0) cancelAnimationFrame(this.frame);
    this.frame = 0;
  }

  private readonly visibilityChanged = () => {
    // A hidden tab gets no animation frames anyway; not asking for them keeps a background tab idle.
    if (document.visibilityState === 'visible') this.start();
    else this.stop();
  };

  private readonly tick = (frameMs: DOMHighResTimeStamp) => {
    this.frame = 0;
    const now = frameMs / 1000;
    const edge = this.clock.edge(now);
    // Idle: the clock has played out to the newest sample by now (the delay is shorter than the idle time).
    const idle = this.clock.idle(now);
    if (idle || this.movedVisibly(edge)) this.draw(edge);
    if (!idle) this.start();
  };

  private movedVisibly(edge: number | null): boolean {
    if (!this.pixelStep || edge === null || this.edge === null) return true;
    // bbox is in canvas pixels: on a high-density screen a pixel is a smaller step.
    return edge - this.edge >= WINDOW_S / Math.max(1, this.plot.bbox.width);
  }

  private draw(edge: number | null): void {
    this.edge = edge;
    const max = this.edge ?? 0;
    this.plot.batch(() => {
      if (this.dataChanged) {
        this.plot.setData(this.data, false);
        this.dataChanged = false;
      }
      this.plot.setScale('x', { min: max - WINDOW_S, max });
    });
  }

  /** After each paint: the first-paint mark, and the chart-draw event with the newest sample on screen. */
  private painted(): void {
    markChartPaint();
    if (this.origin === null || this.edge === null) return;
    const shown = lastIndexAtOrBefore(this.x, this.edge);
    const detail: ChartDrawDetail = {
      t: shown < 0 ? null : this.origin + this.x[shown]!,
      edge: this.origin + this.edge,
      newest: this.origin + this.x.at(-1)!,
    };
    this.container.dispatchEvent(new CustomEvent(CHART_DRAW_EVENT, { detail }));
  }
}

/** Index of the last value ≤ v in ascending `xs`; −1 when none is. */
function lastIndexAtOrBefore(xs: number[], v: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
