/**
 * Quality of one repetition (or hold) from the samples around it: range against the target, pelvic compensation,
 * smoothness (SPARC of the primary angular speed) and tempo. Pure: arrays in, assessment out.
 */
import type { RepTempo } from '../exercises/catalogue.js';
import type { Side } from '../joint/hip-angles.js';
import type { HoldEvent, RepEvent } from '../reps/types.js';
import type { CompensationAssessment, CompensationFlag, CompensationLimits } from './compensation.js';
import { compensationFlags } from './compensation.js';
import type { PelvisChange } from './pelvis.js';
import { pelvisChangeInto } from './pelvis.js';
import { sparc } from './smoothness.js';
import type { TempoAssessment, TempoBounds } from './tempo.js';
import { assessTempo } from './tempo.js';

export type RepQualityFlag = 'partial' | 'low_rom' | CompensationFlag | 'too_fast' | 'too_slow';

export interface RepQuality {
  index: number;
  start: number;
  end: number;
  partial: boolean;
  romDeg: number;
  targetRomDeg: number;
  /** romDeg / targetRomDeg. */
  romShare: number;
  /** Null when no pelvis orientation was available. */
  compensation: CompensationAssessment | null;
  /**
   * Smoothness: spectral arc length of the primary angular speed (negative; closer to 0 = smoother), of the
   * concentric phase (start → peak time), the eccentric phase (peak time → end), and their mean. Each phase is one
   * point-to-point movement, the kind of profile SPARC is defined for; a pause at the top would otherwise count as
   * unsmooth.
   */
  sparc: number;
  sparcConcentric: number;
  sparcEccentric: number;
  tempo: TempoAssessment;
  flags: RepQualityFlag[];
}

export interface RepQualitySettings {
  side: Side;
  /** Working direction of the primary angle (+1 / −1). */
  direction: 1 | -1;
  targetRomDeg: number;
  restBandDeg: number;
  sampleRateHz: number;
  /** Half-width (samples) of the centred average applied to the angle before differentiating it. */
  smoothingHalfWidth: number;
  compensationLimits: CompensationLimits;
  tempo: RepTempo;
  tempoBounds: TempoBounds;
  /** A full repetition below this share of the target is flagged `low_rom`. */
  lowRomShare: number;
}

/** Samples of one window, oldest first: times, primary angle (degrees), pelvis quaternions (4 per sample, NaN = none). */
export interface QualityWindow {
  t: ArrayLike<number>;
  primary: ArrayLike<number>;
  pelvis: ArrayLike<number>;
  length: number;
}

/** Work buffers for the speed profile, reused between calls by a tracker. */
export interface QualityScratch {
  speed: Float64Array;
  work: Float64Array;
}

/**
 * Seconds of signal kept on each side of a repetition for the speed profile (part of its slow start and end). No
 * more than the detector's reporting delay, so a live assessment made the moment the rep is reported sees the same
 * samples as an offline one.
 */
export const SPEED_MARGIN_S = 0.1;

export function assessRepQuality(
  rep: Readonly<RepEvent>,
  window: QualityWindow,
  settings: Readonly<RepQualitySettings>,
  scratch: QualityScratch = { speed: new Float64Array(window.length), work: new Float64Array(window.length) },
): RepQuality {
  const first = firstAtOrAfter(window, rep.start - SPEED_MARGIN_S);
  const last = lastAtOrBefore(window, rep.end + SPEED_MARGIN_S);
  const peak = lastAtOrBefore(window, rep.peakTime);
  const onset = movementOnset(window, firstAtOrAfter(window, rep.start), rep, settings);
  const compensation = assessCompensation(window, onset, last, settings);
  const sparcConcentric = speedSparc(window, first, peak, settings, scratch);
  const sparcEccentric = speedSparc(window, peak, last, settings, scratch);
  const tempo = assessTempo(rep, settings.tempo, settings.restBandDeg, settings.tempoBounds);
  const romShare = rep.rom / settings.targetRomDeg;
  const flags: RepQualityFlag[] = [];
  if (rep.partial) flags.push('partial');
  else if (romShare < settings.lowRomShare) flags.push('low_rom');
  if (compensation) flags.push(...compensation.flags);
  if (tempo.flag) flags.push(tempo.flag);
  return {
    index: rep.index,
    start: rep.start,
    end: rep.end,
    partial: rep.partial,
    romDeg: rep.rom,
    targetRomDeg: settings.targetRomDeg,
    romShare,
    compensation,
    sparc: 0.5 * (sparcConcentric + sparcEccentric),
    sparcConcentric,
    sparcEccentric,
    tempo,
    flags,
  };
}

export type HoldQualityFlag = 'short_hold' | 'shallow' | CompensationFlag;

export interface HoldQuality {
  index: number;
  start: number;
  end: number;
  duration: number;
  prescribedS: number;
  /** duration / prescribed hold time. */
  durationShare: number;
  excursionDeg: number;
  excursionShare: number;
  /** Pelvis change from the start to the end of the hold (null without pelvis data). */
  compensation: CompensationAssessment | null;
  flags: HoldQualityFlag[];
}

export function assessHoldQuality(
  hold: Readonly<HoldEvent>,
  window: QualityWindow,
  settings: Readonly<RepQualitySettings>,
  prescribedS: number,
): HoldQuality {
  const compensation = assessCompensation(
    window,
    firstAtOrAfter(window, hold.start),
    lastAtOrBefore(window, hold.end),
    settings,
  );
  const flags: HoldQualityFlag[] = [];
  if (!hold.complete) flags.push('short_hold');
  if (hold.excursionShare < settings.lowRomShare) flags.push('shallow');
  if (compensation) flags.push(...compensation.flags);
  return {
    index: hold.index,
    start: hold.start,
    end: hold.end,
    duration: hold.duration,
    prescribedS,
    durationShare: prescribedS > 0 ? hold.duration / prescribedS : Number.NaN,
    excursionDeg: hold.excursion,
    excursionShare: hold.excursionShare,
    compensation,
    flags,
  };
}

/** How far before a repetition's start its movement onset is searched for, s. */
const ONSET_SEARCH_S = 3;

/**
 * The sample where the movement began — the pelvis reference, since by the time the rep leaves the rest band the
 * pelvis has already followed part of the movement. It is the lowest point of the (centred-averaged) primary angle
 * in the working direction before the start: the rest before the rep, or the turning point when repetitions
 * follow without a pause. If that lowest point lies clearly below the rest angle — a countermovement, like the
 * forward lean that flexes the hip before seat-off in a sit-to-stand — the onset is where that dip began.
 */
function movementOnset(
  w: QualityWindow,
  startIndex: number,
  rep: Readonly<RepEvent>,
  settings: Readonly<RepQualitySettings>,
): number {
  const from = firstAtOrAfter(w, w.t[startIndex]! - ONSET_SEARCH_S);
  const h = settings.smoothingHalfWidth;
  const rest = settings.direction * rep.restAngle;
  const excursion = (i: number): number => {
    const half = Math.min(h, i, w.length - 1 - i);
    let sum = 0;
    for (let j = i - half; j <= i + half; j++) sum += w.primary[j]!;
    return (settings.direction * sum) / (2 * half + 1) - rest;
  };
  let lowest = startIndex;
  let lowestValue = Infinity;
  for (let i = startIndex; i >= from; i--) {
    const e = excursion(i);
    if (e < lowestValue) {
      lowestValue = e;
      lowest = i;
    }
  }
  const dipTolerance = Math.max(1, 0.5 * settings.restBandDeg);
  let onset = lowest;
  while (onset > from && excursion(onset) < -dipTolerance) onset--;
  return onset;
}

/** Largest pelvis rotation (per angle) from its orientation at sample `from`, over samples [from, to]. */
function assessCompensation(
  w: QualityWindow,
  from: number,
  to: number,
  settings: Readonly<RepQualitySettings>,
): CompensationAssessment | null {
  if (to < from || Number.isNaN(w.pelvis[4 * from]!)) return null;
  const ref = [w.pelvis[4 * from]!, w.pelvis[4 * from + 1]!, w.pelvis[4 * from + 2]!, w.pelvis[4 * from + 3]!];
  const now = [0, 0, 0, 0];
  const angles: PelvisChange = { obliquity: 0, tilt: 0, rotation: 0 };
  const peak: PelvisChange = { obliquity: 0, tilt: 0, rotation: 0 };
  for (let i = from; i <= to; i++) {
    if (Number.isNaN(w.pelvis[4 * i]!)) continue;
    for (let k = 0; k < 4; k++) now[k] = w.pelvis[4 * i + k]!;
    pelvisChangeInto(angles, ref, now, settings.side);
    if (Math.abs(angles.obliquity) > Math.abs(peak.obliquity)) peak.obliquity = angles.obliquity;
    if (Math.abs(angles.tilt) > Math.abs(peak.tilt)) peak.tilt = angles.tilt;
    if (Math.abs(angles.rotation) > Math.abs(peak.rotation)) peak.rotation = angles.rotation;
  }
  return { peak, flags: compensationFlags(peak, settings.compensationLimits) };
}

/**
 * SPARC of the primary angle's speed over samples [from, to]. The angle is low-passed first — three passes of the
 * detector's centred moving average, close to a Gaussian (σ ≈ 0.1 s at the defaults), zero-phase, and passing the
 * 0–2 Hz where these movements live almost untouched — then differentiated by central differences. Differentiation
 * amplifies angle noise with frequency, and SPARC's adaptive cut-off would otherwise measure the noise: even so,
 * white angle noise beyond a few tenths of a degree per sample makes SPARC more negative, so compare values measured
 * with the same set-up.
 */
function speedSparc(
  w: QualityWindow,
  from: number,
  to: number,
  settings: Readonly<RepQualitySettings>,
  scratch: QualityScratch,
): number {
  const n = to - from + 1;
  if (n < 4) return Number.NaN;
  if (scratch.speed.length < n) scratch.speed = new Float64Array(n);
  if (scratch.work.length < n) scratch.work = new Float64Array(n);
  let a = scratch.speed;
  let b = scratch.work;
  for (let i = 0; i < n; i++) a[i] = w.primary[from + i]!;
  for (let pass = 0; pass < SMOOTHING_PASSES; pass++) {
    centredAverage(a, b, n, settings.smoothingHalfWidth);
    [a, b] = [b, a];
  }
  // a holds the smoothed angle; write the speed into b.
  b[0] = Math.abs(a[1]! - a[0]!) / (w.t[from + 1]! - w.t[from]!);
  for (let i = 1; i < n - 1; i++) b[i] = Math.abs(a[i + 1]! - a[i - 1]!) / (w.t[from + i + 1]! - w.t[from + i - 1]!);
  b[n - 1] = Math.abs(a[n - 1]! - a[n - 2]!) / (w.t[to]! - w.t[to - 1]!);
  return sparc(b, settings.sampleRateHz, {}, 0, n);
}

const SMOOTHING_PASSES = 3;

/** out[i] = mean of src over the symmetric window of half-width ≤ h around i that fits in [0, n). */
function centredAverage(src: Float64Array, out: Float64Array, n: number, h: number): void {
  for (let i = 0; i < n; i++) {
    const half = Math.min(h, i, n - 1 - i);
    let sum = 0;
    for (let j = i - half; j <= i + half; j++) sum += src[j]!;
    out[i] = sum / (2 * half + 1);
  }
}

function firstAtOrAfter(w: QualityWindow, time: number): number {
  let lo = 0,
    hi = w.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (w.t[mid]! < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function lastAtOrBefore(w: QualityWindow, time: number): number {
  let lo = 0,
    hi = w.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (w.t[mid]! > time) hi = mid - 1;
    else lo = mid;
  }
  return lo;
}
