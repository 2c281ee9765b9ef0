/**
 * What a session takes from the patient's plan (the retained plan payload): per exercise the prescribed sets, reps,
 * target ROM and hold time, and the precautions as limits for the PrecautionMonitor. Pure.
 */
import { HIP_ANGLE_NAMES } from '@hipmon/core';
import type { ExerciseId, HipAngleName, PlanPayload, PrecautionLimit } from '@hipmon/core';

export interface Prescription {
  sets: number;
  reps: number;
  targetRomDeg?: number;
  holdSeconds?: number;
}

export const prescriptionOf = (plan: PlanPayload | null, exercise: ExerciseId): Prescription | undefined =>
  plan?.exercises.find((e) => e.exercise === exercise);

const ANGLE_LABEL: Record<HipAngleName, [string, string]> = {
  flexion: ['hip flexion', 'hip extension'],
  abduction: ['hip abduction', 'hip adduction'],
  rotation: ['internal rotation', 'external rotation'],
};

/** The alert code of a crossed limit, e.g. flexion_above_limit (one code per limit: alerts are keyed by code and t). */
export const precautionAlertCode = (limit: Pick<PrecautionLimit, 'angle' | 'bound'>): string =>
  `${limit.angle}_${limit.bound}_limit`;

/** The plan's effective precaution bounds as monitor limits: max → must stay below, min → must stay above. */
export function precautionLimits(plan: PlanPayload | null): PrecautionLimit[] {
  const limits = plan?.precautions?.limits;
  if (!limits) return [];
  const preset = plan.precautions?.preset;
  const after = preset ? ` (${preset.replace(/_/g, ' ')})` : '';
  return HIP_ANGLE_NAMES.flatMap((angle): PrecautionLimit[] => {
    const bounds = limits[angle];
    const out: PrecautionLimit[] = [];
    if (bounds?.max !== undefined) {
      out.push({
        id: `${angle}_max`,
        angle,
        bound: 'above',
        limitDeg: bounds.max,
        label: `${ANGLE_LABEL[angle][0]} beyond ${bounds.max}°${after}`,
      });
    }
    if (bounds?.min !== undefined) {
      out.push({
        id: `${angle}_min`,
        angle,
        bound: 'below',
        limitDeg: bounds.min,
        label:
          bounds.min === 0 ? `${ANGLE_LABEL[angle][1]} past neutral${after}` : `${angle} below ${bounds.min}°${after}`,
      });
    }
    return out;
  });
}
