/// <reference lib="dom" />
// The live hip-angle chart: the last WINDOW_S seconds of the three angles, redrawn at most once per animation
// frame however fast the 25 Hz messages come (a redraw per message would make the chart stutter under load).
import uPlot from 'uplot';
import { CHART_DRAW_EVENT, markChartPaint } from './chart-paint.js';

const WINDOW_S = 20;

export class LiveChart {
  private readonly t: number[] = [];
  private readonly series: [number[], number[], number[]] = [[], [], []];
  private readonly plot: uPlot;
  private pending = false;

  constructor(container: HTMLElement) {
    this.plot = new uPlot(
      {
        width: Math.max(320, container.clientWidth || 800),
        height: 260,
        scales: { x: { time: false } },
        hooks: {
          draw: [
            () => {
              markChartPaint();
              const last = this.t[this.t.length - 1];
              if (last !== undefined)
                container.dispatchEvent(new CustomEvent(CHART_DRAW_EVENT, { detail: { t: last } }));
            },
          ],
        },
        axes: [{ label: 's' }, { label: '°' }],
        series: [
          { label: 't (s)' },
          { label: 'flexion', stroke: '#1565c0', width: 2 },
          { label: 'abduction', stroke: '#2e7d32', width: 2 },
          { label: 'rotation', stroke: '#ef6c00', width: 2 },
        ],
      },
      [[], [], [], []],
      container,
    );
  }

  push(t: number, flexion: number, abduction: number, rotation: number): void {
    // A new session (its clock restarts, or jumps back): start a fresh window.
    if (this.t.length > 0 && t < this.t[this.t.length - 1]!) this.clear();
    this.t.push(t);
    this.series[0].push(flexion);
    this.series[1].push(abduction);
    this.series[2].push(rotation);
    while (this.t.length > 0 && this.t[0]! < t - WINDOW_S) {
      this.t.shift();
      for (const s of this.series) s.shift();
    }
    if (!this.pending) {
      this.pending = true;
      requestAnimationFrame(() => {
        this.pending = false;
        const t0 = this.t[0] ?? 0;
        this.plot.setData([this.t.map((x) => x - t0), ...this.series]);
      });
    }
  }

  clear(): void {
    this.t.length = 0;
    for (const s of this.series) s.length = 0;
  }

  destroy(): void {
    this.plot.destroy();
  }
}
