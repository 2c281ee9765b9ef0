/**
 * Hip angles (fusion + calibration + ISB angles, the streaming tracker) against the simulator's ground truth.
 *
 *   npx tsx bench/angles.ts [SEEDS] [REPS]
 *
 * Scenario matrix: every catalogue exercise × sensor misplacement 0 / ±8 / ±15° (Euler angles drawn uniformly per
 * axis and sensor) × sensor errors low / typical / high × 6D / 9D × both sides × SEEDS seeds (default 1), REPS
 * repetitions per recording (default 6; holds: 3). Score per recording: RMSE per plane over everything after the
 * calibration window (getting into position included). A row aggregates both sides and the seeds: mean and worst
 * recording. Targets (issue): flexion and abduction ≤ 2°, rotation ≤ 4° at 'typical'.
 *
 * Throughput: sensor samples per second through the whole tracker (two orientation filters, interpolation,
 * calibration, hip and pelvis angles) on one core, measured on a 20-minute recording (simulation excluded).
 */
import { pathToFileURL } from 'node:url';
import { EXERCISE_IDS, HIP_ANGLE_NAMES } from '@hipmon/core';
import type { ExerciseId, HipAngles, Side } from '@hipmon/core';
import type { ErrorPreset } from '@hipmon/simulator';
import { runTracker, simulateSession, trackSession } from '../core/src/analysis/test-support.js';

export const MISPLACEMENTS_DEG = [0, 8, 15] as const;
export const NOISE_LEVELS: readonly ErrorPreset[] = ['low', 'typical', 'high'];
export const MODES = ['6d', '9d'] as const;
export const TARGET_RMSE_DEG: Readonly<HipAngles> = { flexion: 2, abduction: 2, rotation: 4 };

export interface AnglesBenchmarkOptions {
  /** Seeds per (exercise, misplacement, noise, mode, side). Default 1. */
  seeds?: number;
  /** Repetitions per recording (hold exercise: half as many holds). Default 6. */
  reps?: number;
}

export interface AnglesRow {
  exercise: ExerciseId;
  misplacementDeg: number;
  noise: ErrorPreset;
  mode: '6d' | '9d';
  recordings: number;
  /** Mean over the recordings of each recording's RMSE per plane (degrees). */
  meanRmse: HipAngles;
  /** Worst recording's RMSE per plane (degrees). */
  worstRmse: HipAngles;
  /** Every recording within the targets. */
  onTarget: boolean;
}

export interface AnglesBenchmarkResult {
  rows: AnglesRow[];
  /** Worst RMSE per plane, by noise level (all exercises, misplacements, modes). */
  worstByNoise: { noise: ErrorPreset; worstRmse: HipAngles; rowsOnTarget: number; rows: number }[];
  throughput: { mode: '6d' | '9d'; samplesPerS: number; samples: number }[];
}

const zero = (): HipAngles => ({ flexion: 0, abduction: 0, rotation: 0 });

export function runAnglesBenchmark(options: AnglesBenchmarkOptions = {}): AnglesBenchmarkResult {
  const seeds = options.seeds ?? 1;
  const reps = options.reps ?? 6;
  const rows: AnglesRow[] = [];
  for (const exercise of EXERCISE_IDS) {
    const count = exercise === 'hip_flexor_stretch' ? Math.max(1, Math.round(reps / 2)) : reps;
    for (const misplacementDeg of MISPLACEMENTS_DEG) {
      for (const noise of NOISE_LEVELS) {
        for (const mode of MODES) {
          const rmses: HipAngles[] = [];
          for (const side of ['left', 'right'] as Side[]) {
            for (let seed = 1; seed <= seeds; seed++) {
              const { errors } = trackSession({ exercise, side, mode, seed, misplacementDeg, noise, reps: count });
              rmses.push(errors.rmse);
            }
          }
          const meanRmse = zero(),
            worstRmse = zero();
          for (const r of rmses) {
            for (const k of HIP_ANGLE_NAMES) {
              meanRmse[k] += r[k] / rmses.length;
              worstRmse[k] = Math.max(worstRmse[k], r[k]);
            }
          }
          const onTarget = HIP_ANGLE_NAMES.every((k) => worstRmse[k] <= TARGET_RMSE_DEG[k]);
          rows.push({
            exercise,
            misplacementDeg,
            noise,
            mode,
            recordings: rmses.length,
            meanRmse,
            worstRmse,
            onTarget,
          });
        }
      }
    }
  }
  const worstByNoise = NOISE_LEVELS.map((noise) => {
    const group = rows.filter((r) => r.noise === noise);
    const worstRmse = zero();
    for (const r of group) for (const k of HIP_ANGLE_NAMES) worstRmse[k] = Math.max(worstRmse[k], r.worstRmse[k]);
    return { noise, worstRmse, rowsOnTarget: group.filter((r) => r.onTarget).length, rows: group.length };
  });
  return { rows, worstByNoise, throughput: MODES.map(measureThroughput) };
}

/** Samples per second through the tracker on a 20-minute standing hip flexion session (best of three runs). */
function measureThroughput(mode: '6d' | '9d'): { mode: '6d' | '9d'; samplesPerS: number; samples: number } {
  const { recording } = simulateSession({
    exercise: 'standing_hip_flexion',
    side: 'right',
    mode,
    seed: 1,
    misplacementDeg: 10,
    noise: 'typical',
    motion: { reps: 15, sets: 14, restBetweenSetsS: 20 },
  });
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    runTracker(recording.samples, { side: 'right', mode, exercise: 'standing_hip_flexion' });
    best = Math.min(best, performance.now() - t0);
  }
  return { mode, samplesPerS: recording.samples.length / (best / 1000), samples: recording.samples.length };
}

export function formatAnglesReport(r: AnglesBenchmarkResult): string {
  const f = (x: number) => x.toFixed(2).padStart(6);
  const planes = (a: HipAngles) => HIP_ANGLE_NAMES.map((k) => f(a[k])).join('');
  const head =
    'exercise'.padEnd(27) +
    'mis°'.padStart(5) +
    'noise'.padStart(9) +
    'mode'.padStart(5) +
    '  │ mean RMSE flx   abd   rot │ worst RMSE flx  abd   rot │';
  const lines = [head, '─'.repeat(head.length)];
  for (const row of r.rows) {
    lines.push(
      row.exercise.padEnd(27) +
        String(row.misplacementDeg).padStart(5) +
        row.noise.padStart(9) +
        row.mode.padStart(5) +
        '  │        ' +
        planes(row.meanRmse) +
        ' │         ' +
        planes(row.worstRmse) +
        ` │ ${row.onTarget ? '' : 'over target'}`,
    );
  }
  lines.push('');
  for (const g of r.worstByNoise) {
    lines.push(
      `${g.noise.padEnd(8)} worst RMSE flexion ${g.worstRmse.flexion.toFixed(2)}°, abduction ` +
        `${g.worstRmse.abduction.toFixed(2)}°, rotation ${g.worstRmse.rotation.toFixed(2)}°; rows on target ` +
        `${g.rowsOnTarget}/${g.rows}`,
    );
  }
  lines.push(
    `targets: flexion and abduction ≤ ${TARGET_RMSE_DEG.flexion}°, rotation ≤ ${TARGET_RMSE_DEG.rotation}° ` +
      `(RMSE after the calibration window, every recording of a row)`,
  );
  for (const t of r.throughput) {
    lines.push(
      `throughput ${t.mode.toUpperCase()}, one core: ${(t.samplesPerS / 1000).toFixed(0)} k sensor samples/s ` +
        `(fusion + calibration + angles; ${t.samples.toLocaleString('en')} samples, 20 min, two sensors)`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const seeds = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
  const reps = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
  process.stdout.write(formatAnglesReport(runAnglesBenchmark({ seeds, reps })) + '\n');
}
