/**
 * Streaming hold detector (the hip flexor stretch): how long the stretch position is held.
 *
 * A hold is an excursion of the primary angle beyond the hold threshold (default 50 % of the target) that comes to
 * rest there. Its start is the instant the position is reached and its end the instant the return begins (the
 * simulator's ground truth). Both are moments of zero velocity that a threshold can only see late (start) or early
 * (end), the more so the noisier the signal, so the detector estimates them from the well-measured middle of the
 * approach and of the return instead: for levels at 20…80 % of the way from rest to the held level it measures when
 * the angle passes them — as the time spent beyond each level, which averages the noise out instead of catching its
 * first spike — and fits a minimum-jerk movement (minimum-jerk.ts) through those instants; the fitted movement's
 * end is the arrival, and the fitted return's beginning the departure.
 *
 * Holds are reported after the return is complete and the patient is still again (a second or so later); a hold
 * shorter than the minimum hold time is not reported.
 */
import { DetectorBase } from './detector-base.js';
import type { DetectorFrontEnd } from './front-end.js';
import { minimumJerkTime } from './minimum-jerk.js';
import type { HoldEvent, MovementPhase } from './types.js';

const enum State {
  Rest,
  Approach,
  Holding,
  Return,
}

/** A hold this much shorter than prescribed still counts as complete: the boundaries are measured to ~0.3 s. */
const COMPLETE_TOLERANCE_S = 0.5;
/** Fractions of the way from rest to the held level whose passage times are fitted. */
const LEVELS = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8] as const;
const LEVEL_TAU = LEVELS.map(minimumJerkTime);
/**
 * The held level at the arrival is the mean over [confirmation + ARRIVAL_LEVEL_FROM_S, + ARRIVAL_LEVEL_TO_S]: the
 * stillness test that confirms a hold tolerates a few noise-widths of movement, so with noisy angles it may fire
 * during the last, slow part of the approach, and that tail must not drag the level down.
 */
const ARRIVAL_LEVEL_FROM_S = 1;
const ARRIVAL_LEVEL_TO_S = 3;
/**
 * The return is anchored on the instant it falls below the hold threshold (about half-way, where it is fastest, so
 * noise cannot move that instant much): the held level before it is the mean over [exit − DEPARTURE_LEVEL_FROM_S,
 * exit − DEPARTURE_LEVEL_TO_S], and its passages are measured from exit − DEPARTURE_LEVEL_TO_S on. Any return
 * taking up to twice that lead time starts after the window.
 */
const DEPARTURE_LEVEL_FROM_S = 5;
const DEPARTURE_LEVEL_TO_S = 3;
/** The approach's passages are measured from this long before it left the rest band (it starts below every level). */
const APPROACH_LEAD_S = 1;
/**
 * The return re-enters the rest band well before it ends (a smooth movement's last part is slow): the rest angle
 * after it is read once the patient is still at least RETURN_TAIL_S later, or at SETTLE_WAIT_S whatever happens.
 */
const RETURN_TAIL_S = 1;
const SETTLE_WAIT_S = 2.5;

export class HoldDetector extends DetectorBase<HoldEvent> {
  count = 0;

  /* The fractional fields start as NaN (each is set before it is read), for their layout: see RepDetector. */
  private state = State.Rest;
  private approachT = Number.NaN;
  private restAtStart = Number.NaN;
  private confirmT = Number.NaN;
  /** Arrival estimate; NaN until the approach fit has run. */
  private start = Number.NaN;
  private provisionalStart = Number.NaN;
  private lastStillT = Number.NaN;
  private exitT = Number.NaN;
  private returnedT = Number.NaN;
  private n = 0;
  private sumE = Number.NaN;
  private sumF = Number.NaN;
  private sumA = Number.NaN;
  private sumR = Number.NaN;
  private reported = 0;
  /** Excursion of the sample being analysed, for accumulate and updateProgress (see DetectorBase). */
  private e = Number.NaN;
  private readonly fitX = new Float64Array(LEVELS.length);
  private readonly fitY = new Float64Array(LEVELS.length);

  /** End of the stream: processes the pending samples, and reports a hold still in progress if long enough. */
  flush(): HoldEvent[] {
    const events = this.drainPending();
    const t = this.frontEnd.t;
    let last: HoldEvent | null = null;
    // Held until the very end, or on the way back: the hold happened, report it.
    if (this.state === State.Holding) last = this.finish(t, t);
    else if (this.state === State.Return) last = this.finish(this.fitDeparture(this.restNow(), t), t);
    if (last) events.push(last);
    this.state = State.Rest;
    return events;
  }

  protected step(): HoldEvent | null {
    // Not armed until the first still moment gives the rest angle: excursion 0 until then. (No branch of its own
    // with the progress update: V8 would compile it without feedback, and deoptimize at each new detector's start.)
    this.e = 0;
    const event = Number.isNaN(this.frontEnd.rest.rest) ? null : this.track();
    this.updateProgress();
    return event;
  }

  /** The state machine on the analysed sample, once armed; sets `e`. */
  private track(): HoldEvent | null {
    const fe = this.frontEnd;
    const c = this.config;
    const rest = fe.rest;
    const t = fe.t;
    const x = fe.x;
    let e = x - rest.rest;
    let event: HoldEvent | null = null;

    switch (this.state) {
      case State.Rest:
        if (e > c.restBandDeg) {
          this.state = State.Approach;
          this.approachT = t;
          this.restAtStart = rest.rest;
        } else {
          rest.atRest();
          e = x - rest.rest;
        }
        break;
      case State.Approach:
        if (e <= c.restBandDeg) {
          this.state = State.Rest;
        } else if (rest.still && e >= c.holdDeg) {
          this.state = State.Holding;
          this.confirmT = t;
          this.provisionalStart = rest.stillSince;
          this.start = Number.NaN;
          this.lastStillT = t;
          this.n = this.sumE = this.sumF = this.sumA = this.sumR = 0;
        } else if (
          (rest.still && t - Math.max(rest.stillSince, this.approachT) >= c.resettleS) ||
          t - this.approachT > c.maxRepDurationS
        ) {
          rest.settle(x);
          e = 0;
          this.state = State.Rest;
        }
        break;
      case State.Holding:
        this.e = e;
        this.accumulate();
        if (rest.still) this.lastStillT = t;
        if (Number.isNaN(this.start) && t - this.confirmT >= ARRIVAL_LEVEL_TO_S) this.start = this.fitArrival();
        if (e < c.holdDeg) {
          this.state = State.Return;
          this.exitT = t;
          this.returnedT = Number.NaN;
        }
        break;
      case State.Return: {
        if (e >= c.holdDeg && rest.still) {
          // Back in the stretch after a dip: the same hold goes on.
          this.state = State.Holding;
          this.e = e;
          this.accumulate();
          break;
        }
        if (e <= c.restBandDeg && Number.isNaN(this.returnedT)) this.returnedT = t;
        // Complete: back at rest after the return, settled somewhere else, or the return is taking far too long.
        // (Here, not in a method: one that small is not compiled on its own, and V8 may not inline it.)
        const sinceReturn = t - this.returnedT; // NaN until back in the rest band
        if (
          (rest.still && sinceReturn >= RETURN_TAIL_S) ||
          // Still since after the return began, for long enough, short of the rest band: resting there now.
          (rest.still && t - Math.max(rest.stillSince, this.exitT) >= c.resettleS) ||
          sinceReturn >= SETTLE_WAIT_S ||
          t - this.lastStillT > c.maxRepDurationS
        ) {
          const restAfter = this.restNow();
          event = this.finish(this.fitDeparture(restAfter, t), t);
          rest.settle(restAfter);
          e = x - rest.rest;
          this.state = State.Rest;
        }
        break;
      }
    }
    this.e = e;
    return event;
  }

  /** The rest value after a return: the last still window (the return's slow tail is over by then). */
  private restNow(): number {
    const fe = this.frontEnd;
    return meanX(fe, fe.t - this.config.stillWindowS, fe.t);
  }

  /** Adds the analysed sample (excursion this.e) to the hold's statistics. */
  private accumulate(): void {
    const s = this.frontEnd.smoother;
    this.n++;
    this.sumE += this.e;
    this.sumF += s.flexion;
    this.sumA += s.abduction;
    this.sumR += s.rotation;
  }

  /** Arrival at the held position: minimum-jerk fit of the approach's level passages (see the header). */
  private fitArrival(): number {
    const fe = this.frontEnd;
    const h = fe.history;
    const rest0 = this.restAtStart;
    let level = meanX(fe, this.confirmT + ARRIVAL_LEVEL_FROM_S, this.confirmT + ARRIVAL_LEVEL_TO_S);
    // A hold ending that early (only with a tiny minimum hold time): the stillness window that confirmed it.
    if (Number.isNaN(level)) level = meanX(fe, this.confirmT - this.config.stillWindowS, this.confirmT);
    const held = level - rest0;
    const first = Math.max(sampleAtOrAfter(fe, this.approachT - APPROACH_LEAD_S), h.oldest);
    const last = h.next - 1;
    if (!(held > 0) || last <= first) return this.provisionalStart;
    for (let k = 0; k < LEVELS.length; k++) {
      const level = rest0 + LEVELS[k]! * held;
      let above = 0;
      for (let i = first + 1; i <= last; i++) {
        const s = h.slot(i);
        if (h.x[s]! > level) above += h.t[s]! - h.t[h.slot(i - 1)]!;
      }
      this.fitX[k] = LEVEL_TAU[k]!;
      this.fitY[k] = h.t[h.slot(last)]! - above;
    }
    const fit = this.fitLine();
    // The fitted movement must be a plausible approach ending after it started; else fall back to stillness.
    if (!(fit.slope > 0) || fit.slope > this.config.maxRepDurationS) return this.provisionalStart;
    return fit.intercept + fit.slope;
  }

  /** Beginning of the return: minimum-jerk fit of the return's level passages, from the held level to restAfter. */
  private fitDeparture(restAfter: number, now: number): number {
    const fe = this.frontEnd;
    const h = fe.history;
    // Short holds: keep the level window inside the hold.
    const levelFrom = Math.max(this.exitT - DEPARTURE_LEVEL_FROM_S, this.confirmT + ARRIVAL_LEVEL_FROM_S);
    const from = Math.max(this.exitT - DEPARTURE_LEVEL_TO_S, levelFrom);
    let level = meanX(fe, levelFrom, from);
    if (Number.isNaN(level)) level = meanX(fe, this.lastStillT - this.config.stillWindowS, this.lastStillT);
    const held = level - restAfter;
    const first = Math.max(sampleAtOrAfter(fe, from), h.oldest);
    const last = h.next - 1;
    if (!(held > 0) || last <= first) return this.lastStillT;
    const t0 = h.t[h.slot(first)]!;
    for (let k = 0; k < LEVELS.length; k++) {
      const level = restAfter + LEVELS[k]! * held;
      let above = 0;
      for (let i = first + 1; i <= last; i++) {
        const s = h.slot(i);
        if (h.x[s]! > level) above += h.t[s]! - h.t[h.slot(i - 1)]!;
      }
      // The return passes level f at progress 1 − f.
      this.fitX[k] = 1 - LEVEL_TAU[k]!;
      this.fitY[k] = t0 + above;
    }
    const fit = this.fitLine();
    if (!(fit.slope > 0) || fit.slope > this.config.maxRepDurationS) return Math.min(this.lastStillT, now);
    return fit.intercept;
  }

  private fitLine(): { intercept: number; slope: number } {
    const n = LEVELS.length;
    let mx = 0,
      my = 0;
    for (let k = 0; k < n; k++) {
      mx += this.fitX[k]!;
      my += this.fitY[k]!;
    }
    mx /= n;
    my /= n;
    let sxy = 0,
      sxx = 0;
    for (let k = 0; k < n; k++) {
      const dx = this.fitX[k]! - mx;
      sxy += dx * (this.fitY[k]! - my);
      sxx += dx * dx;
    }
    const slope = sxy / sxx;
    return { intercept: my - slope * mx, slope };
  }

  private finish(end: number, now: number): HoldEvent | null {
    const c = this.config;
    const start = Number.isNaN(this.start) ? this.fitArrival() : this.start;
    const duration = end - start;
    if (!(duration >= c.minHoldS) || this.n === 0) return null;
    this.count++;
    const excursion = this.sumE / this.n;
    return {
      type: 'hold',
      index: this.reported++,
      start,
      end,
      duration,
      angles: { flexion: this.sumF / this.n, abduction: this.sumA / this.n, rotation: this.sumR / this.n },
      excursion,
      excursionShare: excursion / c.targetRomDeg,
      complete: duration >= c.prescribedHoldS - COMPLETE_TOLERANCE_S,
      reportedAt: Math.max(now, this.frontEnd.lastInputT),
    };
  }

  /** The progress record at the analysed sample (time frontEnd.t, excursion this.e). */
  private updateProgress(): void {
    const p = this.progress;
    const t = this.frontEnd.t;
    const e = this.e;
    const phase: MovementPhase =
      this.state === State.Rest
        ? 'rest'
        : this.state === State.Approach
          ? 'approach'
          : this.state === State.Holding
            ? 'holding'
            : 'return';
    if (phase !== p.phase || Number.isNaN(p.phaseSince)) {
      p.phase = phase;
      p.phaseSince = t;
    }
    p.t = t;
    p.excursion = e;
    p.share = e / this.config.targetRomDeg;
    p.restAngle = this.config.direction * this.frontEnd.rest.rest;
    p.count = this.count;
    // Frozen at the last still instant while the patient moves (adjusting, or already on the way back).
    const since = Number.isNaN(this.start) ? this.provisionalStart : this.start;
    p.heldS = this.state === State.Holding ? Math.max(0, (this.frontEnd.rest.still ? t : this.lastStillT) - since) : 0;
  }
}

/** Mean of the history's x over samples with t in [from, to]; NaN if there are none. */
function meanX(fe: DetectorFrontEnd, from: number, to: number): number {
  const h = fe.history;
  let sum = 0,
    n = 0;
  for (let i = h.next - 1; i >= h.oldest; i--) {
    const s = h.slot(i);
    const ti = h.t[s]!;
    if (ti < from) break;
    if (ti <= to) {
      sum += h.x[s]!;
      n++;
    }
  }
  return n > 0 ? sum / n : Number.NaN;
}

/** First history sample number with t ≥ time (the oldest if all are later). */
function sampleAtOrAfter(fe: DetectorFrontEnd, time: number): number {
  const h = fe.history;
  let i = h.next - 1;
  while (i > h.oldest && h.t[h.slot(i - 1)]! >= time) i--;
  return i;
}
