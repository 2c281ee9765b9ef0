/**
 * Pelvic compensation per repetition: the largest pelvis rotation away from its orientation at the start of the
 * repetition, per pelvis angle, and which of them exceed the exercise's limits.
 *
 * What counts as compensation depends on the exercise: the pelvis tilts as part of a glute bridge, a sit-to-stand
 * (the forward lean) and a mini squat, so only obliquity and rotation are checked there; in the open-chain
 * exercises every pelvis motion is a substitute for hip motion (hiking the hip instead of abducting it, tilting the
 * pelvis instead of flexing or extending the hip, rolling it back in a clamshell).
 */
import type { ExerciseId } from '../exercises/catalogue.js';
import type { PelvisChangeName, PelvisChange } from './pelvis.js';

export type CompensationLimits = Partial<Record<PelvisChangeName, number>>;

/** Default limits (degrees of pelvis rotation from the start of the repetition); a missing angle is not checked. */
export const DEFAULT_COMPENSATION_LIMITS: Readonly<Record<ExerciseId, Readonly<CompensationLimits>>> = {
  standing_hip_abduction: { obliquity: 5, tilt: 10, rotation: 10 },
  standing_hip_flexion: { obliquity: 5, tilt: 10, rotation: 10 },
  standing_hip_extension: { obliquity: 5, tilt: 8, rotation: 10 },
  supine_straight_leg_raise: { obliquity: 5, tilt: 8, rotation: 10 },
  side_lying_clamshell: { obliquity: 8, tilt: 10, rotation: 10 },
  glute_bridge: { obliquity: 5, rotation: 8 },
  sit_to_stand: { obliquity: 5, rotation: 10 },
  mini_squat: { obliquity: 5, rotation: 10 },
  hip_flexor_stretch: { obliquity: 5, rotation: 10 },
};

export type CompensationFlag =
  'hip_hike' | 'pelvic_drop' | 'anterior_tilt' | 'posterior_tilt' | 'pelvis_rotated_forward' | 'pelvis_rotated_back';

export interface CompensationAssessment {
  /** Signed pelvis angle of largest magnitude during the repetition, per angle (degrees, signs as in pelvis.ts). */
  peak: PelvisChange;
  flags: CompensationFlag[];
}

const FLAG_NAMES: Readonly<Record<PelvisChangeName, [CompensationFlag, CompensationFlag]>> = {
  obliquity: ['hip_hike', 'pelvic_drop'],
  tilt: ['anterior_tilt', 'posterior_tilt'],
  rotation: ['pelvis_rotated_forward', 'pelvis_rotated_back'],
};

export function compensationFlags(
  peak: Readonly<PelvisChange>,
  limits: Readonly<CompensationLimits>,
): CompensationFlag[] {
  const flags: CompensationFlag[] = [];
  for (const name of ['obliquity', 'tilt', 'rotation'] as const) {
    const limit = limits[name];
    if (limit === undefined || !(Math.abs(peak[name]) > limit)) continue;
    flags.push(FLAG_NAMES[name][peak[name] > 0 ? 0 : 1]);
  }
  return flags;
}
