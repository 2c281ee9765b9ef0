/**
 * Tempo of a repetition against the prescription. The detector times the concentric phase from leaving the rest
 * band to arriving within 10 % of the extreme, and the eccentric phase back; the catalogue's tempo is from movement
 * onset to the extreme. To compare like with like, the prescribed times are mapped through the minimum-jerk profile
 * (minimum-jerk.ts) onto the detector's definition: a movement that follows the prescription exactly gets ratio 1.
 */
import type { RepTempo } from '../exercises/catalogue.js';
import { minimumJerkTime } from '../reps/minimum-jerk.js';
import type { RepEvent } from '../reps/types.js';

export interface TempoBounds {
  /** Ratios (measured / expected) below `fast` are too fast, above `slow` too slow. Default 0.5 and 2. */
  fast: number;
  slow: number;
}

export interface TempoAssessment {
  concentricS: number;
  eccentricS: number;
  expectedConcentricS: number;
  expectedEccentricS: number;
  concentricRatio: number;
  eccentricRatio: number;
  flag: 'too_fast' | 'too_slow' | null;
}

export const DEFAULT_TEMPO_BOUNDS: Readonly<TempoBounds> = { fast: 0.5, slow: 2 };

/** Share of the top of the movement the detector counts as "at the top" (see rep-detector.ts). */
const TOP_SHARE = 0.1;

/** Share of a prescribed phase the detector observes between the rest band and the top, for a repetition of `rom`. */
export function observedPhaseShare(restBandDeg: number, romDeg: number): number {
  if (!(romDeg > 0)) return 1;
  const from = minimumJerkTime(Math.min(0.99, Math.max(0, restBandDeg / romDeg)));
  const to = minimumJerkTime(1 - TOP_SHARE);
  return Math.max(0.05, to - from);
}

export function assessTempo(
  rep: Readonly<RepEvent>,
  tempo: Readonly<RepTempo>,
  restBandDeg: number,
  bounds: Readonly<TempoBounds> = DEFAULT_TEMPO_BOUNDS,
): TempoAssessment {
  const share = observedPhaseShare(restBandDeg, rep.rom);
  const expectedConcentricS = tempo.concentricS * share;
  const expectedEccentricS = tempo.eccentricS * share;
  const concentricRatio = rep.concentricS / expectedConcentricS;
  const eccentricRatio = rep.eccentricS / expectedEccentricS;
  const lowest = Math.min(concentricRatio, eccentricRatio);
  const highest = Math.max(concentricRatio, eccentricRatio);
  return {
    concentricS: rep.concentricS,
    eccentricS: rep.eccentricS,
    expectedConcentricS,
    expectedEccentricS,
    concentricRatio,
    eccentricRatio,
    flag: lowest < bounds.fast ? 'too_fast' : highest > bounds.slow ? 'too_slow' : null,
  };
}
