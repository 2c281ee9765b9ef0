/**
 * Hip precautions: limits a patient must not cross (after a total hip replacement, typically), watched on every
 * sample of the angle stream.
 *
 * For each limit: an alert on the very sample whose angle goes beyond limit + tolerance in the restricted
 * direction; then nothing more for that excursion, however the angle jitters; a clear once the angle has been back
 * within limit + tolerance − hysteresis (by default: the limit itself) for `clearAfterS`, stamped with the first
 * sample of that spell. So one excursion gives exactly one alert and one clear — no alert storms from noise around
 * the threshold — and the alert costs no latency.
 *
 * The raw angles are watched (no smoothing): smoothing would delay the alert, and the tolerance absorbs the noise.
 */
import type { ExerciseId } from '../exercises/catalogue.js';
import { getExercise } from '../exercises/catalogue.js';
import type { HipAngleName } from '../joint/hip-angles.js';
import type { AngleSample } from '../reps/types.js';

export interface PrecautionLimit {
  /** Stable id, e.g. 'flexion_over_90'. */
  id: string;
  angle: HipAngleName;
  /** 'above': the angle must stay ≤ limitDeg; 'below': ≥ limitDeg. */
  bound: 'above' | 'below';
  limitDeg: number;
  /** Overrides the monitor's tolerance for this limit. */
  toleranceDeg?: number;
  label: string;
}

export interface PrecautionOptions {
  limits: readonly PrecautionLimit[];
  /** Degrees past the limit before alerting. Default 2. */
  toleranceDeg?: number;
  /** Degrees back inside the alert threshold before clearing. Default 2 (= back at the limit with the defaults). */
  hysteresisDeg?: number;
  /** Time back in range before clearing, s. Default 0.3. */
  clearAfterS?: number;
}

export interface PrecautionAlert {
  type: 'precaution_alert';
  id: string;
  label: string;
  angle: HipAngleName;
  limitDeg: number;
  /** Time and value of the sample that crossed. */
  t: number;
  valueDeg: number;
}

export interface PrecautionClear {
  type: 'precaution_clear';
  id: string;
  label: string;
  angle: HipAngleName;
  limitDeg: number;
  /** First sample back in range. */
  t: number;
  /** When the alert was raised, and the furthest the angle went past the limit (degrees beyond it, positive). */
  alertT: number;
  worstExcessDeg: number;
}

export type PrecautionEvent = PrecautionAlert | PrecautionClear;

export type PrecautionPresetId = 'posterior_tha' | 'anterior_tha';

/**
 * Common protocols. Posterior-approach THA: no hip flexion past 90°, no adduction past neutral, no internal
 * rotation past neutral. Anterior-approach THA: no extension past neutral, no external rotation past neutral.
 * Local protocols differ; build your own list for anything else.
 */
export const PRECAUTION_PRESETS: Readonly<Record<PrecautionPresetId, readonly PrecautionLimit[]>> = {
  posterior_tha: [
    { id: 'flexion_over_90', angle: 'flexion', bound: 'above', limitDeg: 90, label: 'hip flexion beyond 90°' },
    {
      id: 'adduction_past_midline',
      angle: 'abduction',
      bound: 'below',
      limitDeg: 0,
      label: 'adduction past neutral',
    },
    {
      id: 'internal_rotation',
      angle: 'rotation',
      bound: 'above',
      limitDeg: 0,
      label: 'internal rotation past neutral',
    },
  ],
  anterior_tha: [
    { id: 'extension', angle: 'flexion', bound: 'below', limitDeg: 0, label: 'hip extension past neutral' },
    {
      id: 'external_rotation',
      angle: 'rotation',
      bound: 'below',
      limitDeg: 0,
      label: 'external rotation past neutral',
    },
  ],
};

export function isPrecautionPresetId(value: unknown): value is PrecautionPresetId {
  return typeof value === 'string' && Object.hasOwn(PRECAUTION_PRESETS, value);
}

/** The catalogue's plausible/safe envelope of an exercise as six limits (ids `<angle>_max` / `<angle>_min`). */
export function exerciseEnvelopeLimits(exercise: ExerciseId): PrecautionLimit[] {
  const range = getExercise(exercise).precautions.safeRange;
  return (['flexion', 'abduction', 'rotation'] as const).flatMap((angle): PrecautionLimit[] => [
    {
      id: `${angle}_max`,
      angle,
      bound: 'above',
      limitDeg: range[angle].max,
      label: `${angle} above ${range[angle].max}° for this exercise`,
    },
    {
      id: `${angle}_min`,
      angle,
      bound: 'below',
      limitDeg: range[angle].min,
      label: `${angle} below ${range[angle].min}° for this exercise`,
    },
  ]);
}

/**
 * One limit's state. A class whose fractional fields start as NaN (each is set before it is read): V8 lays a field
 * out as a double only if its first value is one, so the layout is the same whatever the limits (integral or
 * fractional degrees) and the sample loop never meets a new one (which would drop its optimized code).
 */
class LimitState {
  /** The watched angle as 0 flexion, 1 abduction, 2 rotation: read by name, not by a computed key (see push). */
  readonly angleIndex: number;
  readonly sign: number;
  /** Work on the signed excess s·(value − limit): the alert fires above `alertAt`, clears at or below `clearAt`. */
  readonly limitDeg: number = Number.NaN;
  readonly alertAt: number = Number.NaN;
  readonly clearAt: number = Number.NaN;
  active = false;
  alertT = Number.NaN;
  worstExcess = Number.NaN;
  /** Start of the current spell back in range (NaN: not in range since the alert). */
  backSince = Number.NaN;

  constructor(
    readonly limit: PrecautionLimit,
    tolerance: number,
    hysteresis: number,
  ) {
    this.angleIndex = limit.angle === 'flexion' ? 0 : limit.angle === 'abduction' ? 1 : 2;
    this.sign = limit.bound === 'above' ? 1 : -1;
    this.limitDeg = limit.limitDeg;
    this.alertAt = limit.toleranceDeg ?? tolerance;
    this.clearAt = this.alertAt - hysteresis;
  }
}

export class PrecautionMonitor {
  private readonly states: LimitState[];
  private readonly clearAfterS: number;

  constructor(options: PrecautionOptions) {
    const tolerance = options.toleranceDeg ?? 2;
    const hysteresis = options.hysteresisDeg ?? 2;
    this.clearAfterS = options.clearAfterS ?? 0.3;
    for (const [name, v] of [
      ['toleranceDeg', tolerance],
      ['hysteresisDeg', hysteresis],
      ['clearAfterS', this.clearAfterS],
    ] as const) {
      if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be a finite number ≥ 0, got ${String(v)}`);
    }
    this.states = options.limits.map((limit) => {
      if (!Number.isFinite(limit.limitDeg)) throw new RangeError(`limit ${limit.id}: limitDeg must be finite`);
      return new LimitState(limit, tolerance, hysteresis);
    });
  }

  /** Ids of the limits currently in alert. */
  get activeIds(): string[] {
    return this.states.filter((s) => s.active).map((s) => s.limit.id);
  }

  /**
   * One sample; returns the events it raises (usually none: then a shared, frozen empty array, so the sample costs
   * no allocation). Valid until the next call: copy what you keep. Non-finite angles are ignored (they neither
   * alert nor clear).
   */
  push(sample: Readonly<AngleSample>): readonly PrecautionEvent[] {
    let events: PrecautionEvent[] | null = null;
    const t = sample.t;
    if (!Number.isFinite(t)) return NO_EVENTS;
    // Named reads: a computed key (sample[angle]) is a generic lookup that boxes the double on every sample.
    const flexion = sample.flexion,
      abduction = sample.abduction,
      rotation = sample.rotation;
    const states = this.states;
    for (let i = 0; i < states.length; i++) {
      const s = states[i]!;
      const value = s.angleIndex === 0 ? flexion : s.angleIndex === 1 ? abduction : rotation;
      if (!Number.isFinite(value)) continue;
      const excess = s.sign * (value - s.limitDeg);
      if (!s.active) {
        if (excess > s.alertAt) {
          s.active = true;
          s.alertT = t;
          s.worstExcess = excess;
          s.backSince = Number.NaN;
          events = append(events, alertEvent(s, sample));
        }
        continue;
      }
      if (excess > s.worstExcess) s.worstExcess = excess;
      if (excess > s.clearAt) {
        s.backSince = Number.NaN;
        continue;
      }
      if (Number.isNaN(s.backSince)) s.backSince = t;
      if (t - s.backSince >= this.clearAfterS) {
        s.active = false;
        events = append(events, clearEvent(s));
      }
    }
    return events ?? NO_EVENTS;
  }
}

const NO_EVENTS: readonly PrecautionEvent[] = Object.freeze([]);

/** A sample's events: a new array at the first (created holding it, so it never has to change to hold objects). */
function append(events: PrecautionEvent[] | null, event: PrecautionEvent): PrecautionEvent[] {
  if (events === null) return [event];
  events.push(event);
  return events;
}

/*
 * The events: built from the limit's state and the sample, not from doubles passed in, which V8 would box on every
 * sample when the call is not inlined (the box of a loop-invariant value is made before the loop). Their number
 * fields are created as doubles (NaN), then set, for a layout that does not change (see LimitState).
 */

function alertEvent(s: LimitState, sample: Readonly<AngleSample>): PrecautionAlert {
  const limit = s.limit;
  const e: PrecautionAlert = {
    type: 'precaution_alert',
    id: limit.id,
    label: limit.label,
    angle: limit.angle,
    limitDeg: Number.NaN,
    t: Number.NaN,
    valueDeg: Number.NaN,
  };
  e.limitDeg = limit.limitDeg;
  e.t = sample.t;
  e.valueDeg = s.angleIndex === 0 ? sample.flexion : s.angleIndex === 1 ? sample.abduction : sample.rotation;
  return e;
}

function clearEvent(s: LimitState): PrecautionClear {
  const limit = s.limit;
  const e: PrecautionClear = {
    type: 'precaution_clear',
    id: limit.id,
    label: limit.label,
    angle: limit.angle,
    limitDeg: Number.NaN,
    t: Number.NaN,
    alertT: Number.NaN,
    worstExcessDeg: Number.NaN,
  };
  e.limitDeg = limit.limitDeg;
  e.t = s.backSince;
  e.alertT = s.alertT;
  e.worstExcessDeg = s.worstExcess;
  return e;
}
