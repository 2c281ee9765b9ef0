/**
 * Home exercise programmes for a crowd of virtual patients: each patient gets its own side and a few catalogue
 * exercises with plausible reps, ROM, tempo and rep-to-rep variability, all derived from one seed.
 */
import { EXERCISE_IDS, getExercise } from '@hipmon/core';
import type { ExerciseId } from '@hipmon/core';
import { createPrng } from '../prng.js';
import type { MotionOptions } from '../kinematics/motion-script.js';

export interface ProgrammeOptions {
  /** Exercises to draw from (default: the whole catalogue). */
  exercises?: readonly ExerciseId[];
  /** Exercises per programme; default 3. */
  length?: number;
  /** Repetitions per set; default drawn in 8…12 (holds: 2…3). */
  reps?: number;
  seed?: number | string;
}

export function patientProgramme(patientIndex: number, options: ProgrammeOptions = {}): MotionOptions[] {
  const pool = options.exercises ?? EXERCISE_IDS;
  if (pool.length === 0) throw new RangeError('a programme needs at least one exercise');
  const prng = createPrng(options.seed ?? 1).fork(`patient.${patientIndex}`);
  const side = patientIndex % 2 === 0 ? 'right' : 'left';
  const length = options.length ?? 3;
  return Array.from({ length }, (_, k) => {
    const exercise = pool[(patientIndex + k) % pool.length]!;
    const definition = getExercise(exercise);
    const hold = definition.kind === 'hold';
    const reps = options.reps ?? (hold ? prng.int(2, 4) : prng.int(8, 13));
    const { min: minRom, max: maxRom } = definition.romRangeDeg;
    return {
      exercise,
      side,
      reps,
      // Somewhere in the lower two thirds of the plausible range: patients in rehabilitation rarely reach the top.
      romDeg: Math.round(minRom + (maxRom - minRom) * prng.uniform(0.2, 0.66)),
      variability: { rom: 0.08, tempo: 0.1, offPlaneDeg: 1 },
      seed: `${String(options.seed ?? 1)}.${patientIndex}.${k}`,
    } satisfies MotionOptions;
  });
}
