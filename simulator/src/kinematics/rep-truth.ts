/**
 * Ground truth of repetitions and holds: the definitions the rep counter and hold detector are scored against.
 *
 * Primary excursion of a movement: e(t) = d · (a(t) − a(t0)), where a is the exercise's primary hip angle
 * (catalogue `primary.angle`), d its working direction (+1/−1) and t0 the instant the movement begins (the body is
 * still at the start position then, so a(t0) is the rest value). e is ≥ 0 in the working direction.
 *
 * Repetition (RepTruth):
 * - peakTime: the instant of the primary extreme; when the body stays still at the extreme, the midpoint of that
 *   still interval. peak = the three hip angles then.
 * - romDeg = e(peakTime): the primary excursion from the rep's start value (degrees, positive).
 * - start = the last instant before peakTime at which e ≤ band (the primary angle leaves the rest band for good);
 *   end = the first instant after peakTime at which e ≤ band (it is back in the rest band).
 *   band = min(catalogue restBandDeg, 0.25 · requested ROM): partial reps (≥ 40 % of the ROM) still leave it.
 *   Excursions *against* the working direction (the extra hip flexion of the lean before seat-off) do not start
 *   a rep.
 * - partial: the movement was generated to reach only part of the requested ROM.
 * Hold (HoldTruth): start = the instant the held position is reached (end of the approach), end = the instant the
 * return begins, duration = end − start, angles = the held hip angles.
 */
import type { HipAngles } from '@hipmon/core';
import type { Movement } from './schedule.js';
import type { HoldTruth, RepTruth } from './types.js';

export interface TruthContext {
  /** Primary excursion e(t) (see above). */
  excursionAt(t: number): number;
  anglesAt(t: number): HipAngles;
  restBandDeg: number;
}

/** Time where e crosses the band between a sample inside the band (`inside`) and one outside (`outside`). */
function bisectBandCrossing(ctx: TruthContext, inside: number, outside: number): number {
  let a = inside,
    b = outside;
  for (let i = 0; i < 80 && Math.abs(b - a) > 1e-9; i++) {
    const mid = 0.5 * (a + b);
    if (ctx.excursionAt(mid) <= ctx.restBandDeg) a = mid;
    else b = mid;
  }
  return 0.5 * (a + b);
}

const SCAN_STEPS = 400;

export function repTruthOf(mv: Movement, ctx: TruthContext): RepTruth {
  const peakTime = 0.5 * (mv.tTop + mv.tDown);
  const romDeg = ctx.excursionAt(peakTime);
  if (!(romDeg > ctx.restBandDeg)) {
    throw new Error(`movement ${mv.index} reaches ${romDeg.toFixed(2)}°, inside the rest band of ${ctx.restBandDeg}°`);
  }
  // Scan back from the top for the last sample inside the band; e may dip against the working direction first.
  const riseStep = (mv.tTop - mv.t0) / SCAN_STEPS;
  let outside = mv.tTop;
  let inside = mv.t0;
  for (let k = SCAN_STEPS - 1; k >= 0; k--) {
    const t = mv.t0 + k * riseStep;
    if (ctx.excursionAt(t) <= ctx.restBandDeg) {
      inside = t;
      break;
    }
    outside = t;
  }
  const start = bisectBandCrossing(ctx, inside, outside);
  const fallStep = (mv.tEnd - mv.tDown) / SCAN_STEPS;
  let before = mv.tDown;
  let after = mv.tEnd;
  for (let k = 1; k <= SCAN_STEPS; k++) {
    const t = mv.tDown + k * fallStep;
    if (ctx.excursionAt(t) <= ctx.restBandDeg) {
      after = t;
      break;
    }
    before = t;
  }
  const end = bisectBandCrossing(ctx, after, before);
  return { start, end, peak: ctx.anglesAt(peakTime), peakTime, romDeg, partial: mv.partial };
}

export function holdTruthOf(mv: Movement, ctx: TruthContext): HoldTruth {
  return {
    start: mv.tTop,
    end: mv.tDown,
    duration: mv.tDown - mv.tTop,
    angles: ctx.anglesAt(0.5 * (mv.tTop + mv.tDown)),
  };
}
