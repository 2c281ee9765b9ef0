/**
 * Streaming repetition detector for one exercise.
 *
 * Works on the primary excursion e = direction · (primary angle) − rest, smoothed by a centred moving average, with
 * two thresholds relative to the prescription:
 * - the rest band (default min(catalogue band, 25 % of the target)): a repetition starts at the last instant e is
 *   inside it before the extreme and ends at the first instant it is back inside — the definition of the
 *   simulator's ground truth, so the detector's times are directly comparable;
 * - the minimum amplitude (default 30 % of the target): an excursion that leaves the band but never gets this far is
 *   fidgeting and is dropped. Between the two lies the hysteresis that keeps noise from splitting or inventing reps.
 * A repetition whose extreme stays below the partial share of the target is reported with `partial: true` and not
 * counted. The rep is reported on the sample at which e re-enters the band, so the live delay is the smoothing
 * delay (0.1 s at the defaults) plus one sample.
 *
 * The rest angle follows drift only while the patient is still at rest, and jumps to a new still position
 * (posture change, new resting spot), so excursions against the working direction (lying down into a flexed start
 * position, the trunk lean before seat-off) never start a repetition.
 */
import type { HipAngles } from '../joint/hip-angles.js';
import { DetectorBase } from './detector-base.js';
import type { MovementPhase, RepEvent } from './types.js';

const enum State {
  Rest,
  /** Left the band, not yet the minimum amplitude. */
  Candidate,
  Rep,
}

/** A rise of the excursion by more than the peak tolerance within this time keeps the phase "concentric". */
const RISING_WINDOW_S = 0.3;

export class RepDetector extends DetectorBase<RepEvent> {
  count = 0;
  partialCount = 0;

  /*
   * The fractional fields start as NaN (each is set before it is read): V8 lays a field out as a double only if its
   * first value is one; a field starting at 0 changes layout at its first fraction, dropping the optimized code.
   */
  private state = State.Rest;
  /** Last released sample inside the rest band (time, excursion), for the start crossing. */
  private inT = Number.NaN;
  private inE = Number.NaN;
  /** Previous released sample's excursion, for the end crossing. */
  private prevT = Number.NaN;
  private prevE = Number.NaN;
  private start = Number.NaN;
  private startSample = 0;
  private restAtStart = Number.NaN;
  private maxE = Number.NaN;
  private riseLevel = Number.NaN;
  private riseT = Number.NaN;
  private reported = 0;
  /** Excursion of the sample being analysed, for updateProgress (see DetectorBase on fields, not arguments). */
  private e = Number.NaN;
  /**
   * Tolerance below the extreme that still counts as "the peak": noise-aware, at least 0.5°. Set on each analysed
   * sample (the noise estimate changes only when a sample is observed), read by the helpers that need it.
   */
  private peakTolerance = Number.NaN;

  /** End of the stream: processes the samples still inside the smoothing window; returns their events. */
  flush(): RepEvent[] {
    return this.drainPending();
  }

  protected step(): RepEvent | null {
    // Not armed until the first still moment gives the rest angle: excursion 0 until then. (No branch of its own
    // with the progress update: V8 would compile it without feedback, and deoptimize at each new detector's start.)
    this.e = 0;
    this.peakTolerance = Math.max(0.5, 2.5 * this.frontEnd.rest.smoothedNoise);
    const event = Number.isNaN(this.frontEnd.rest.rest) ? null : this.track();
    this.updateProgress();
    return event;
  }

  /** The state machine on the analysed sample, once armed; sets `e`. */
  private track(): RepEvent | null {
    const fe = this.frontEnd;
    const c = this.config;
    const rest = fe.rest;
    const t = fe.t;
    const x = fe.x;
    let e = x - rest.rest;
    let event: RepEvent | null = null;

    if (this.state === State.Rest) {
      if (e > c.restBandDeg) {
        this.e = e;
        this.begin();
      } else {
        rest.atRest();
        e = x - rest.rest;
        this.inT = t;
        this.inE = e;
      }
    } else {
      if (e > this.maxE) this.maxE = e;
      if (e > this.riseLevel + this.peakTolerance) {
        this.riseLevel = e;
        this.riseT = t;
      }
      if (this.state === State.Candidate && this.maxE >= c.minAmplitudeDeg) this.state = State.Rep;
      if (e <= c.restBandDeg) {
        this.e = e;
        event = this.end();
        this.state = State.Rest;
        this.inT = t;
        this.inE = e;
      } else if (
        // Still, short of a repetition, for long enough — or never came back: the patient rests here now.
        (this.state === State.Candidate && rest.still && t - Math.max(rest.stillSince, this.start) >= c.resettleS) ||
        t - this.start > c.maxRepDurationS ||
        fe.history.next - this.startSample >= fe.history.capacity
      ) {
        rest.settle(x);
        e = 0;
        this.state = State.Rest;
        this.inT = t;
        this.inE = 0;
      }
    }
    this.prevT = t;
    this.prevE = e;
    this.e = e;
    return event;
  }

  /** The analysed sample (time frontEnd.t, excursion this.e) has left the rest band. */
  private begin(): void {
    const c = this.config;
    const t = this.frontEnd.t;
    const e = this.e;
    this.state = State.Candidate;
    this.start = Number.isNaN(this.inT) ? t : crossing(this.inT, this.inE, t, e, c.restBandDeg);
    // The sample inside the band just before the crossing is part of the movement's record.
    this.startSample = Math.max(this.frontEnd.history.oldest, this.frontEnd.history.next - 2);
    this.restAtStart = this.frontEnd.rest.rest;
    this.maxE = e;
    this.riseLevel = e;
    this.riseT = t;
  }

  /** The analysed sample is back inside the rest band: the repetition, if the excursion was one. */
  private end(): RepEvent | null {
    const c = this.config;
    const end = crossing(this.prevT, this.prevE, this.frontEnd.t, this.e, c.restBandDeg);
    return this.state === State.Rep && end - this.start >= c.minRepDurationS ? this.finish(end) : null;
  }

  private finish(end: number): RepEvent {
    const c = this.config;
    const h = this.frontEnd.history;
    const first = Math.max(this.startSample, h.oldest);
    const last = h.next - 1;
    const base = this.restAtStart;
    // Peak: mean over the samples within the peak tolerance of the extreme (the whole plateau when the patient
    // pauses at the top; a few samples around a sharp turn).
    const peakLevel = this.maxE - this.peakTolerance;
    let n = 0,
      sumT = 0,
      sumE = 0,
      sumF = 0,
      sumA = 0,
      sumR = 0;
    for (let i = first; i <= last; i++) {
      const s = h.slot(i);
      const ei = h.x[s]! - base;
      if (ei < peakLevel) continue;
      n++;
      sumT += h.t[s]!;
      sumE += ei;
      sumF += h.flexion[s]!;
      sumA += h.abduction[s]!;
      sumR += h.rotation[s]!;
    }
    const rom = sumE / n;
    // Top of the movement: within 10 % of the excursion (or the noise tolerance) of the extreme.
    const topLevel = this.maxE - Math.max(this.peakTolerance, 0.1 * rom);
    let reach = Number.NaN,
      leave = Number.NaN;
    for (let i = first; i <= last; i++) {
      const s = h.slot(i);
      if (h.x[s]! - base >= topLevel) {
        if (Number.isNaN(reach)) reach = h.t[s]!;
        leave = h.t[s]!;
      }
    }
    // Judged on the averaged peak, not the single highest sample, which noise pushes up.
    const partial = rom < c.partialDeg;
    if (partial) this.partialCount++;
    else this.count++;
    const peak: HipAngles = { flexion: sumF / n, abduction: sumA / n, rotation: sumR / n };
    return {
      type: 'rep',
      index: this.reported++,
      start: this.start,
      end,
      duration: end - this.start,
      peak,
      peakTime: sumT / n,
      rom,
      romShare: rom / c.targetRomDeg,
      concentricS: Math.max(0, reach - this.start),
      topS: Math.max(0, leave - reach),
      eccentricS: Math.max(0, end - leave),
      restAngle: c.direction * base,
      partial,
      reportedAt: this.frontEnd.lastInputT,
    };
  }

  /** The progress record at the analysed sample (time frontEnd.t, excursion this.e). */
  private updateProgress(): void {
    const p = this.progress;
    const t = this.frontEnd.t;
    const e = this.e;
    let phase: MovementPhase = 'rest';
    if (this.state !== State.Rest) {
      const topLevel = this.maxE - Math.max(this.peakTolerance, 0.1 * this.maxE);
      if (e < topLevel) phase = this.riseT === t || e >= this.riseLevel ? 'concentric' : 'eccentric';
      else phase = t - this.riseT <= RISING_WINDOW_S ? 'concentric' : 'top';
    }
    if (phase !== p.phase || Number.isNaN(p.phaseSince)) {
      p.phase = phase;
      p.phaseSince = t;
    }
    p.t = t;
    p.excursion = e;
    p.share = e / this.config.targetRomDeg;
    p.restAngle = this.config.direction * this.frontEnd.rest.rest;
    p.count = this.count;
    p.partialCount = this.partialCount;
  }
}

/** Time at which a linear segment from (t0, e0) to (t1, e1) crosses `level` (clamped to the segment). */
function crossing(t0: number, e0: number, t1: number, e1: number, level: number): number {
  if (Number.isNaN(t0) || e1 === e0) return t1;
  const f = (level - e0) / (e1 - e0);
  return t0 + Math.min(1, Math.max(0, f)) * (t1 - t0);
}
