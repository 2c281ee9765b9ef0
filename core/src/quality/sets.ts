/**
 * Per-set summary of the assessed repetitions. A set is a run of repetitions without a pause longer than
 * `setGapS` between one's end and the next one's start. Means are over the full repetitions of the set (partial
 * ones are counted apart); NaN when a set has none.
 */
import type { RepQuality } from './rep-quality.js';

export interface SetQuality {
  /** 0-based set number. */
  set: number;
  start: number;
  end: number;
  /** Full repetitions. */
  reps: number;
  partialReps: number;
  meanRomDeg: number;
  meanRomShare: number;
  minRomShare: number;
  /** Coefficient of variation of the ROM of full repetitions, percent: consistency from rep to rep. */
  romCvPct: number;
  meanSparc: number;
  meanConcentricS: number;
  meanEccentricS: number;
  /** Repetitions (full or partial) with at least one compensation flag. */
  compensatedReps: number;
  tooFastReps: number;
  tooSlowReps: number;
}

const mean = (values: number[]): number =>
  values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;

export function summarizeSets(reps: readonly RepQuality[], setGapS = 10): SetQuality[] {
  const sorted = [...reps].sort((a, b) => a.start - b.start);
  const groups: RepQuality[][] = [];
  for (const rep of sorted) {
    const current = groups[groups.length - 1];
    const previous = current?.[current.length - 1];
    if (current && previous && rep.start - previous.end <= setGapS) current.push(rep);
    else groups.push([rep]);
  }
  return groups.map((group, set) => {
    const full = group.filter((r) => !r.partial);
    const roms = full.map((r) => r.romDeg);
    const meanRom = mean(roms);
    const sd = Math.sqrt(mean(roms.map((r) => (r - meanRom) ** 2)));
    return {
      set,
      start: group[0]!.start,
      end: group[group.length - 1]!.end,
      reps: full.length,
      partialReps: group.length - full.length,
      meanRomDeg: meanRom,
      meanRomShare: mean(full.map((r) => r.romShare)),
      minRomShare: full.length === 0 ? Number.NaN : Math.min(...full.map((r) => r.romShare)),
      romCvPct: full.length < 2 ? Number.NaN : (100 * sd) / meanRom,
      meanSparc: mean(full.map((r) => r.sparc)),
      meanConcentricS: mean(full.map((r) => r.tempo.concentricS)),
      meanEccentricS: mean(full.map((r) => r.tempo.eccentricS)),
      compensatedReps: group.filter((r) => r.compensation !== null && r.compensation.flags.length > 0).length,
      tooFastReps: group.filter((r) => r.tempo.flag === 'too_fast').length,
      tooSlowReps: group.filter((r) => r.tempo.flag === 'too_slow').length,
    };
  });
}
