/**
 * Test and benchmark scenarios (not exported by the package): a simulated session's true hip angles and pelvis
 * orientation at the analysis rate, with the angle-level errors the real tracker adds — white noise, a constant
 * offset, a slow drift — and optional fidgeting while the patient rests. The simulator's truth (reps, holds) is the
 * reference; nothing here looks at what the detector does.
 */
import { createMotionScript, createPrng } from '@hipmon/simulator';
import type { ExerciseMotionScript, MotionOptions } from '@hipmon/simulator';
import type { Quat } from '../math/quat.js';
import { quatConjugate, quatMultiply } from '../math/quat.js';
import type { AngleSample } from './types.js';

export interface AngleErrorOptions {
  /** SD of white noise on each angle, degrees. */
  noiseDeg?: number;
  /** Constant offset of each angle, uniform in ±offsetDeg. */
  offsetDeg?: number;
  /** Amplitude of a slow sinusoidal drift (period 4–10 min) of each angle, degrees. */
  driftDeg?: number;
  /** Smooth random movements of up to this many degrees on every angle while the patient rests (0 = none). */
  fidgetDeg?: number;
  /** Same seed → same errors. */
  seed?: number;
}

export interface Scenario {
  script: ExerciseMotionScript;
  samples: AngleSample[];
  /** Pelvis orientation relative to the calibration pose (pelvis segment frame at calibration → now), per sample. */
  pelvis: Quat[];
  /** Intervals with no movement of the exercise (after the calibration), where any detected rep is a false one. */
  restIntervals: [number, number][];
  /** Where fidgets were added: [start, end] of each. */
  fidgets: [number, number][];
}

/** Fidgets keep this far from the movements (s), so they disturb rest, not repetitions. */
const FIDGET_MARGIN_S = 1;

export function createScenario(motion: MotionOptions, errors: AngleErrorOptions = {}, rateHz = 100): Scenario {
  const script = createMotionScript(motion);
  const rnd = createPrng(`angles:${errors.seed ?? 1}`);
  const noise = errors.noiseDeg ?? 0;
  const offset = [0, 0, 0].map(() => rnd.uniform(-1, 1) * (errors.offsetDeg ?? 0));
  const drift = [0, 0, 0].map(() => ({
    amp: (errors.driftDeg ?? 0) * rnd.uniform(0.5, 1),
    period: rnd.uniform(240, 600),
    phase: rnd.uniform(0, 2 * Math.PI),
  }));

  // Rest intervals: between the end of the posture transition (or the calibration) and the first movement, between
  // movements, and after the last one.
  const mv = script.movements;
  const restIntervals: [number, number][] = [];
  let cursor = script.calibrationEnd;
  for (const m of mv) {
    if (m.t0 > cursor) restIntervals.push([cursor, m.t0]);
    cursor = m.tEnd;
  }
  restIntervals.push([cursor, script.duration]);

  const fidgets: { t0: number; t1: number; amp: [number, number, number] }[] = [];
  const fidgetDeg = errors.fidgetDeg ?? 0;
  if (fidgetDeg > 0) {
    for (const [a, b] of restIntervals) {
      let t = a + FIDGET_MARGIN_S;
      while (t + 0.4 < b - FIDGET_MARGIN_S) {
        const len = rnd.uniform(0.4, 1.5);
        if (t + len > b - FIDGET_MARGIN_S) break;
        fidgets.push({
          t0: t,
          t1: t + len,
          amp: [0, 0, 0].map(() => rnd.uniform(-1, 1) * fidgetDeg) as [number, number, number],
        });
        t += len + rnd.uniform(0.5, 3);
      }
    }
  }

  const q0 = script.stateAt(0).pelvis.q;
  const q0inv = quatConjugate(q0);
  const samples: AngleSample[] = [];
  const pelvis: Quat[] = [];
  const n = Math.floor(script.duration * rateHz) + 1;
  let f = 0;
  for (let i = 0; i < n; i++) {
    const t = i / rateHz;
    const st = script.stateAt(t);
    const extra = [0, 0, 0];
    while (f < fidgets.length && fidgets[f]!.t1 < t) f++;
    const fid = fidgets[f];
    if (fid && t >= fid.t0 && t <= fid.t1) {
      // Raised cosine: smooth in and out.
      const w = 0.5 * (1 - Math.cos((2 * Math.PI * (t - fid.t0)) / (fid.t1 - fid.t0)));
      for (let k = 0; k < 3; k++) extra[k] = fid.amp[k]! * w;
    }
    const angle = (k: number, v: number) =>
      v +
      offset[k]! +
      drift[k]!.amp * Math.sin((2 * Math.PI * t) / drift[k]!.period + drift[k]!.phase) +
      extra[k]! +
      (noise > 0 ? rnd.gaussian(0, noise) : 0);
    samples.push({
      t,
      flexion: angle(0, st.angles.flexion),
      abduction: angle(1, st.angles.abduction),
      rotation: angle(2, st.angles.rotation),
    });
    pelvis.push(quatMultiply(q0inv, st.pelvis.q));
  }
  return { script, samples, pelvis, restIntervals, fidgets: fidgets.map((x) => [x.t0, x.t1]) };
}
