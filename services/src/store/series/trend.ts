/**
 * Long-term trends from the per-minute buckets: one summary per session and side — the extremes reached and the
 * range of motion they span in each plane. Pure: the dashboard can fold any trend() answer with it.
 */
import type { Extremes, Side, TrendBucket } from './series-store.js';

export interface SessionPeak {
  sessionId: string;
  side: Side;
  /** Start of the first and end of the last minute with data, s. */
  from: number;
  to: number;
  samples: number;
  flexion: Extremes;
  abduction: Extremes;
  rotation: Extremes;
  /** max − min per plane, degrees. */
  rom: { flexion: number; abduction: number; rotation: number };
}

const widen = (into: Extremes, by: Extremes): void => {
  into.min = Math.min(into.min, by.min);
  into.max = Math.max(into.max, by.max);
};

/** Folds trend buckets (any order) into one peak summary per session and side, ordered by start time. */
export function sessionPeaks(buckets: readonly TrendBucket[]): SessionPeak[] {
  const bySession = new Map<string, SessionPeak>();
  for (const b of buckets) {
    const key = `${b.sessionId}/${b.side}`;
    const peak = bySession.get(key);
    if (!peak) {
      bySession.set(key, {
        sessionId: b.sessionId,
        side: b.side,
        from: b.t,
        to: b.t + 60,
        samples: b.samples,
        flexion: { ...b.flexion },
        abduction: { ...b.abduction },
        rotation: { ...b.rotation },
        rom: { flexion: 0, abduction: 0, rotation: 0 },
      });
      continue;
    }
    peak.from = Math.min(peak.from, b.t);
    peak.to = Math.max(peak.to, b.t + 60);
    peak.samples += b.samples;
    widen(peak.flexion, b.flexion);
    widen(peak.abduction, b.abduction);
    widen(peak.rotation, b.rotation);
  }
  const peaks = [...bySession.values()];
  for (const p of peaks) {
    p.rom = {
      flexion: p.flexion.max - p.flexion.min,
      abduction: p.abduction.max - p.abduction.min,
      rotation: p.rotation.max - p.rotation.min,
    };
  }
  return peaks.sort((a, b) => a.from - b.from || (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0));
}
