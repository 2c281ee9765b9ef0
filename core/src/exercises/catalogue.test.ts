import { describe, expect, it } from 'vitest';
import { EXERCISE_CATALOGUE, EXERCISE_IDS, EXERCISES, getExercise, isExerciseId } from './catalogue.js';
import { HIP_ANGLE_NAMES } from '../joint/hip-angles.js';

describe('exercise catalogue', () => {
  it('holds exactly the nine DESIGN.md ids', () => {
    expect([...EXERCISE_IDS].sort()).toEqual(
      [
        'standing_hip_abduction',
        'standing_hip_flexion',
        'standing_hip_extension',
        'supine_straight_leg_raise',
        'side_lying_clamshell',
        'glute_bridge',
        'sit_to_stand',
        'mini_squat',
        'hip_flexor_stretch',
      ].sort(),
    );
    expect(EXERCISES.map((e) => e.id)).toEqual([...EXERCISE_IDS]);
    for (const id of EXERCISE_IDS) expect(EXERCISE_CATALOGUE[id].id).toBe(id);
  });

  it('marks only the hip flexor stretch as a timed hold, with a hold spec', () => {
    for (const e of EXERCISES) {
      expect(e.kind).toBe(e.id === 'hip_flexor_stretch' ? 'hold' : 'reps');
      expect(e.hold !== undefined).toBe(e.kind === 'hold');
    }
  });

  it('describes the postures and primary movements of the design', () => {
    const summary = Object.fromEntries(
      EXERCISES.map((e) => [e.id, `${e.posture} ${e.primary.angle}${e.primary.direction > 0 ? '+' : '-'}`]),
    );
    expect(summary).toEqual({
      standing_hip_abduction: 'standing abduction+',
      standing_hip_flexion: 'standing flexion+',
      standing_hip_extension: 'standing flexion-',
      supine_straight_leg_raise: 'supine flexion+',
      side_lying_clamshell: 'side_lying abduction+',
      glute_bridge: 'hook_lying flexion-',
      sit_to_stand: 'sitting flexion-',
      mini_squat: 'standing flexion+',
      hip_flexor_stretch: 'half_kneeling flexion-',
    });
    // Clamshell: abduction together with external rotation (rotation −).
    expect(getExercise('side_lying_clamshell').coupled.rotation).toBeLessThan(0);
    expect(getExercise('standing_hip_extension').primary.movement).toBe('extension');
  });

  it('keeps every entry internally consistent', () => {
    for (const e of EXERCISES) {
      expect(e.targetRomDeg).toBeGreaterThanOrEqual(e.romRangeDeg.min);
      expect(e.targetRomDeg).toBeLessThanOrEqual(e.romRangeDeg.max);
      // A partial repetition (≥ 40 % of the target) must still leave the rest band.
      expect(e.restBandDeg).toBeLessThan(0.4 * e.targetRomDeg);
      expect(e.tempo.concentricS).toBeGreaterThan(0);
      expect(e.tempo.eccentricS).toBeGreaterThan(0);
      // The start position and the target extreme both lie inside the safe envelope.
      const peak = { ...e.restAngles };
      peak[e.primary.angle] += e.primary.direction * e.targetRomDeg;
      for (const [name, ratio] of Object.entries(e.coupled)) peak[name as keyof typeof peak] += ratio * e.targetRomDeg;
      for (const name of HIP_ANGLE_NAMES) {
        const r = e.precautions.safeRange[name];
        for (const value of [e.restAngles[name], peak[name]]) {
          expect(value, `${e.id} ${name}`).toBeGreaterThanOrEqual(r.min);
          expect(value, `${e.id} ${name}`).toBeLessThanOrEqual(r.max);
        }
      }
    }
  });

  it('flags the exercises that approach the posterior-approach flexion limit', () => {
    const flexionRisk = EXERCISES.filter((e) => e.precautions.movesToward.includes('flexion_over_90')).map((e) => e.id);
    expect(flexionRisk).toContain('sit_to_stand');
    expect(flexionRisk).toContain('standing_hip_flexion');
  });

  it('rejects unknown ids with a message listing the valid ones', () => {
    expect(isExerciseId('glute_bridge')).toBe(true);
    expect(isExerciseId('burpee')).toBe(false);
    expect(isExerciseId(42)).toBe(false);
    expect(() => getExercise('burpee')).toThrow(/unknown exercise "burpee".*glute_bridge/);
  });
});
