/**
 * The live chart's playout clock: which sample time the right edge of the chart shows at a given wall time.
 *
 * Live angles come at 25 Hz but reach the browser in bursts, one per gateway frame (2–3 samples every ~100 ms,
 * late by tens of ms now and then). Drawing up to the newest sample makes the chart jump ten times a second.
 * Like an audio jitter buffer, this clock runs smoothly a small, fixed delay behind the stream instead: a line
 * t = a + b·wall fitted to the last seconds of arrivals gives the stream's pace (b ≈ 1 live, 10 for a
 * simulator replaying ten times faster) and position; the edge runs at that pace towards that line minus the
 * delay, easing out the small shift each refit brings, never past the newest sample and never backwards. Pure:
 * the caller passes the wall time (seconds, any origin).
 */

/** Delay of the edge behind the arrivals' fitted line, s: one gateway frame (100 ms) plus room for late ones. */
export const PLAYOUT_DELAY_S = 0.25;
/** No new sample for this long (wall s): the stream is idle and the chart may stop redrawing. */
export const PLAYOUT_IDLE_S = 1;

export interface PlayoutOptions {
  delayS?: number;
  idleS?: number;
  /** wall seconds of arrivals the pace is fitted over */
  fitWindowS?: number;
}

/** Below this wall span of arrivals the pace is not fitted: the stream is taken as real time. */
const MIN_FIT_SPAN_S = 0.5;
/** Time constant (wall s) over which the edge eases onto a refitted line: a refit moves it by a few ms. */
const EASE_S = 0.5;
/** Further than this (stream s, per unit of pace) from the line, the edge jumps instead of easing (a resync). */
const RESYNC_S = 0.5;
/** Bounds on the fitted pace: outside, the fit is noise (a stall, a clock step), not a replay speed. */
const MIN_PACE = 0.2;
const MAX_PACE = 100;

export class PlayoutClock {
  readonly delayS: number;
  private readonly idleS: number;
  private readonly fitWindowS: number;
  /** arrivals kept for the fit, from index `head` on (older ones are cut in batches) */
  private readonly wall: number[] = [];
  private readonly time: number[] = [];
  private head = 0;
  private fitStale = true;
  /** the fitted line t = lineT + pace·(wall − lineWall) */
  private lineWall = 0;
  private lineT = 0;
  private pace = 1;
  /** the edge last returned, and when */
  private shown = -Infinity;
  private shownAtS = -Infinity;
  private newestT = -Infinity;
  private newestAtS = -Infinity;

  constructor(options: PlayoutOptions = {}) {
    this.delayS = options.delayS ?? PLAYOUT_DELAY_S;
    this.idleS = options.idleS ?? PLAYOUT_IDLE_S;
    this.fitWindowS = options.fitWindowS ?? 2;
  }

  /** The newest sample time received, or null before the first. */
  get newest(): number | null {
    return this.newestAtS === -Infinity ? null : this.newestT;
  }

  /** A sample of time `t` arrived at wall time `wallS`. A sample not newer than the newest is ignored. */
  arrive(t: number, wallS: number): void {
    if (t <= this.newestT) return;
    // After a pause the old arrivals say nothing about the stream's pace now: fit afresh.
    if (wallS - this.newestAtS > this.idleS) this.restartFit();
    this.newestT = t;
    this.newestAtS = wallS;
    this.wall.push(wallS);
    this.time.push(t);
    while (this.head < this.wall.length && this.wall[this.head]! < wallS - this.fitWindowS) this.head++;
    if (this.head > 256) {
      this.wall.splice(0, this.head);
      this.time.splice(0, this.head);
      this.head = 0;
    }
    this.fitStale = true;
  }

  /** The sample time at the chart's right edge at wall time `wallS`; null before the first sample. */
  edge(wallS: number): number | null {
    if (this.newest === null) return null;
    if (this.fitStale) this.fit();
    const target = this.lineT + this.pace * (wallS - this.lineWall) - this.delayS;
    const dt = wallS - this.shownAtS;
    const predicted = this.shown + this.pace * dt;
    const next =
      dt > 0 && Math.abs(target - predicted) < RESYNC_S * this.pace
        ? predicted + (target - predicted) * Math.min(1, dt / EASE_S)
        : target;
    this.shown = Math.max(this.shown, Math.min(next, this.newestT));
    this.shownAtS = wallS;
    return this.shown;
  }

  /** True once no new sample arrived for the idle time (or none ever did). */
  idle(wallS: number): boolean {
    return wallS - this.newestAtS > this.idleS;
  }

  /** Forgets everything: a new session starts. */
  reset(): void {
    this.restartFit();
    this.shown = -Infinity;
    this.shownAtS = -Infinity;
    this.newestT = -Infinity;
    this.newestAtS = -Infinity;
  }

  private restartFit(): void {
    this.wall.length = 0;
    this.time.length = 0;
    this.head = 0;
    this.fitStale = true;
  }

  /** Least squares over the kept arrivals, in coordinates centred on their means (no cancellation). */
  private fit(): void {
    this.fitStale = false;
    const n = this.wall.length - this.head;
    const span = n > 0 ? this.wall.at(-1)! - this.wall[this.head]! : 0;
    if (span < MIN_FIT_SPAN_S) {
      // Too little to fit: real time, through the newest sample.
      this.lineWall = this.newestAtS;
      this.lineT = this.newestT;
      this.pace = 1;
      return;
    }
    let meanW = 0;
    let meanT = 0;
    for (let i = this.head; i < this.wall.length; i++) {
      meanW += this.wall[i]!;
      meanT += this.time[i]!;
    }
    meanW /= n;
    meanT /= n;
    let sww = 0;
    let swt = 0;
    for (let i = this.head; i < this.wall.length; i++) {
      const dw = this.wall[i]! - meanW;
      sww += dw * dw;
      swt += dw * (this.time[i]! - meanT);
    }
    this.lineWall = meanW;
    this.lineT = meanT;
    this.pace = Math.min(MAX_PACE, Math.max(MIN_PACE, swt / sww));
  }
}
