/**
 * Movement precautions after hip surgery, as limits on the ISB hip angles (degrees, clinical signs, zero = the
 * standing calibration pose). A plan names a preset and may tighten or loosen single bounds; what is stored and
 * published is the effective result, so a later change of a preset never rewrites an old plan version.
 */
import { EXERCISE_CATALOGUE, HIP_ANGLE_NAMES } from '@hipmon/core';
import type { ExerciseId, HipAngleName } from '@hipmon/core';
import type { AngleBounds, AngleLimits } from './types.js';

export const PRECAUTION_PRESETS = {
  /** Posterior approach THA: no flexion past 90°, no adduction past neutral, no internal rotation past neutral. */
  posterior_tha: { flexion: { max: 90 }, abduction: { min: 0 }, rotation: { max: 0 } },
  /** Anterior approach THA: no extension past neutral, no external rotation past neutral. */
  anterior_tha: { flexion: { min: 0 }, rotation: { min: 0 } },
} as const satisfies Record<string, AngleLimits>;

export type PrecautionPreset = keyof typeof PRECAUTION_PRESETS;
export const PRECAUTION_PRESET_NAMES = Object.keys(PRECAUTION_PRESETS) as PrecautionPreset[];

/** The preset's limits with each custom bound replacing the preset's bound on the same side of the same angle. */
export function effectiveLimits(preset: PrecautionPreset | null, custom: AngleLimits = {}): AngleLimits {
  const base: AngleLimits = preset === null ? {} : PRECAUTION_PRESETS[preset];
  const result: AngleLimits = {};
  for (const angle of HIP_ANGLE_NAMES) {
    const merged: AngleBounds = { ...base[angle], ...definedBounds(custom[angle]) };
    if (merged.min !== undefined || merged.max !== undefined) result[angle] = merged;
  }
  return result;
}

function definedBounds(bounds: AngleBounds | undefined): AngleBounds {
  const out: AngleBounds = {};
  if (bounds?.min !== undefined) out.min = bounds.min;
  if (bounds?.max !== undefined) out.max = bounds.max;
  return out;
}

/**
 * Where a prescribed target takes the exercise's primary angle: start position plus the target excursion in the
 * working direction (a 100° standing hip flexion reaches flexion 100°; a 50° glute bridge from 50° of flexion
 * reaches 0°).
 */
export function targetPeakAngle(exercise: ExerciseId, targetRomDeg: number): { angle: HipAngleName; value: number } {
  const def = EXERCISE_CATALOGUE[exercise];
  const angle = def.primary.angle;
  return { angle, value: def.restAngles[angle] + def.primary.direction * targetRomDeg };
}

/** A description of the limit the target crosses, or null when the target respects the limits. */
export function targetViolation(exercise: ExerciseId, targetRomDeg: number, limits: AngleLimits): string | null {
  const { angle, value } = targetPeakAngle(exercise, targetRomDeg);
  const bounds = limits[angle];
  if (bounds?.max !== undefined && value > bounds.max) {
    return `target ${targetRomDeg}° takes ${angle} to ${value}°, above the precaution limit of ${bounds.max}°`;
  }
  if (bounds?.min !== undefined && value < bounds.min) {
    return `target ${targetRomDeg}° takes ${angle} to ${value}°, below the precaution limit of ${bounds.min}°`;
  }
  return null;
}
