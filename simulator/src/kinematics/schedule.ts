/**
 * The timeline of repetitions (or holds): when each movement starts, reaches its extreme, turns back and ends,
 * and how far it goes. Rep-to-rep variability and partial repetitions are drawn from a seeded PRNG, so a seed
 * always gives the same session.
 */
import { HIP_ANGLE_NAMES } from '@hipmon/core';
import type { HipAngleName, HipAngles } from '@hipmon/core';
import type { Prng } from '../prng.js';
import { minimumJerk } from './profiles.js';

export interface MovementPhases {
  concentricS: number;
  peakHoldS: number;
  eccentricS: number;
  /** Rest after the movement before the next one of the same set. */
  pauseS: number;
}

/** One repetition (or hold): rise [t0, tTop], still at the extreme [tTop, tDown], return [tDown, tEnd]. */
export interface Movement {
  index: number;
  set: number;
  t0: number;
  tTop: number;
  tDown: number;
  tEnd: number;
  /** Progress s at the extreme: primary excursion as a fraction of the requested ROM. */
  amplitude: number;
  partial: boolean;
  /** Extra excursion of the non-primary angles at the extreme (degrees), from the off-plane variability. */
  offPlane: HipAngles;
}

export interface ScheduleOptions {
  start: number;
  repsPerSet: number;
  sets: number;
  phases: MovementPhases;
  restBetweenSetsS: number;
  /** Relative SD of the amplitude of full repetitions (clamped to ±30 %). */
  romVariability: number;
  /** Relative SD of each phase duration (factor clamped to [0.5, 1.5]). */
  tempoVariability: number;
  /** Keep the still time at the extreme exactly as given (prescribed holds). */
  fixedPeakHold: boolean;
  /** Share of movements that are partial, and the amplitude range they reach. */
  partialShare: number;
  partialRange: [number, number];
  /** SD (degrees) of the extra excursion of each non-primary angle at the extreme. */
  offPlaneDeg: number;
  primaryAngle: HipAngleName;
  prng: Prng;
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

export function scheduleMovements(o: ScheduleOptions): { movements: Movement[]; end: number } {
  const total = o.repsPerSet * o.sets;
  const partialCount = Math.round(o.partialShare * total);
  const partialSet = new Set(
    o.prng
      .fork('partials')
      .shuffled(Array.from({ length: total }, (_, i) => i))
      .slice(0, partialCount),
  );
  const rnd = o.prng.fork('movements');
  const tempoFactor = () => (o.tempoVariability > 0 ? clamp(1 + rnd.gaussian(0, o.tempoVariability), 0.5, 1.5) : 1);

  const movements: Movement[] = [];
  let t = o.start;
  for (let set = 0; set < o.sets; set++) {
    for (let r = 0; r < o.repsPerSet; r++) {
      const index = movements.length;
      const partial = partialSet.has(index);
      // Fixed draw order per movement keeps every quantity reproducible whatever the options.
      const fullAmp = o.romVariability > 0 ? clamp(1 + rnd.gaussian(0, o.romVariability), 0.7, 1.3) : 1;
      const partialAmp = rnd.uniform(o.partialRange[0], o.partialRange[1]);
      const up = o.phases.concentricS * tempoFactor();
      const hold = o.fixedPeakHold ? o.phases.peakHoldS : o.phases.peakHoldS * tempoFactor();
      const down = o.phases.eccentricS * tempoFactor();
      const pause = o.phases.pauseS * tempoFactor();
      const offPlane: HipAngles = { flexion: 0, abduction: 0, rotation: 0 };
      for (const name of HIP_ANGLE_NAMES) {
        const draw = rnd.gaussian(0, 1);
        if (name !== o.primaryAngle) offPlane[name] = o.offPlaneDeg * draw;
      }
      const movement: Movement = {
        index,
        set,
        t0: t,
        tTop: t + up,
        tDown: t + up + hold,
        tEnd: t + up + hold + down,
        amplitude: partial ? partialAmp : fullAmp,
        partial,
        offPlane,
      };
      movements.push(movement);
      t = movement.tEnd + (r < o.repsPerSet - 1 ? pause : 0);
    }
    if (set < o.sets - 1) t += o.restBetweenSetsS;
  }
  return { movements, end: t };
}

/** Normalised progress m ∈ [0, 1] of a movement at time t (0 outside it): minimum-jerk rise and return. */
export function movementProgress(mv: Movement, t: number): number {
  if (t <= mv.t0 || t >= mv.tEnd) return 0;
  if (t < mv.tTop) return minimumJerk((t - mv.t0) / (mv.tTop - mv.t0));
  if (t <= mv.tDown) return 1;
  return 1 - minimumJerk((t - mv.tDown) / (mv.tEnd - mv.tDown));
}

/** The movement in progress at t (or undefined when at rest between movements); movements sorted by t0. */
export function movementAt(movements: readonly Movement[], t: number): Movement | undefined {
  let lo = 0,
    hi = movements.length - 1,
    found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (movements[mid]!.t0 <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const mv = found >= 0 ? movements[found] : undefined;
  return mv && t < mv.tEnd ? mv : undefined;
}
