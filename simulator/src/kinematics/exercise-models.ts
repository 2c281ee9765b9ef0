/**
 * One body model per catalogue exercise: where the pelvis is and how the hip is angled, in the patient frame
 * (see chain.ts), as a function of the movement progress.
 *
 * Progress has two parts: s = primary excursion as a fraction of the requested ROM (0 at the start position,
 * 1 at a full repetition's extreme, ~0.5 for a partial one) and m ∈ [0, 1] = progress through the current
 * movement (1 at its extreme whatever its amplitude; used for motions that lead the main one, like the trunk lean
 * of sit-to-stand). Exercises that move the pelvis (bridge, sit-to-stand, squat, stretch) anchor the distal
 * segment (knee or ankle) on the ground and place the hip centre at the end of the thigh, so the pelvis travels
 * the way a real body does.
 */
import { getExercise, sideSign } from '@hipmon/core';
import type { ExerciseDefinition, ExerciseId, HipAngleName, HipAngles, Side, Vec3 } from '@hipmon/core';
import type { Anthropometry } from './anthropometry.js';
import { hipCentreInPelvis, standingPelvisHeight } from './anthropometry.js';
import { pelvisOriginFromHip, pitch, roll, sagittalThighAxis } from './chain.js';
import { earlyBump } from './profiles.js';
import type { Pose } from './types.js';

export interface ModelPose {
  /** Pelvis pose in the patient frame. */
  pelvis: Pose;
  angles: HipAngles;
}

export interface ExerciseModel {
  definition: ExerciseDefinition;
  /** Seconds to move from the calibration pose into the start position (0: the exercise starts standing). */
  transitionS: number;
  /** Compensatory pelvis rotations pivot here (pelvis frame): the stance hip when standing on one leg. */
  compensationPivot: Vec3;
  pose(s: number, m: number): ModelPose;
}

/** Where the body lies or sits relative to where it stood (patient frame x, metres): plausible, not critical. */
const SUPINE_PELVIS_X = -0.5;
const HOOK_LYING_PELVIS_X = -0.55;
/** Bridge: the pelvis turns with the trunk, shoulders staying on the floor: 0.5° per degree of hip extension. */
const BRIDGE_PELVIS_TURN_PER_DEG = 0.5;
/** Sit-to-stand: peak forward (anterior) pelvis/trunk lean before seat-off, degrees. */
const STS_LEAN_DEG = 30;
/** Mini squat: pelvic anterior tilt and shank forward lean per degree of hip flexion. */
const SQUAT_TILT_PER_DEG = 0.25;
const SQUAT_SHANK_LEAN_PER_DEG = 0.6;
/** Hip flexor stretch: posterior pelvic tilt ("tuck") per degree of hip extension. */
const STRETCH_TUCK_PER_DEG = 0.3;

/** Hip angles of the catalogue movement at progress s (primary plus coupled angles, no pelvis effects). */
export function movementAngles(def: ExerciseDefinition, romDeg: number, s: number): HipAngles {
  const angles: HipAngles = { ...def.restAngles };
  angles[def.primary.angle] += def.primary.direction * romDeg * s;
  for (const [name, ratio] of Object.entries(def.coupled) as [HipAngleName, number][]) {
    angles[name] += ratio * romDeg * s;
  }
  return angles;
}

const identityPose = (p: Vec3): Pose => ({ q: [1, 0, 0, 0], p });

export function createExerciseModel(
  exercise: ExerciseId,
  side: Side,
  romDeg: number,
  body: Anthropometry,
): ExerciseModel {
  const def = getExercise(exercise);
  const standingHeight = standingPelvisHeight(body);
  const hipZ = hipCentreInPelvis(body, side)[2];
  const L = body.thighLengthM;
  const base = (s: number) => movementAngles(def, romDeg, s);
  const pelvisPivot: Vec3 = [0, 0, 0];
  const stanceHip = hipCentreInPelvis(body, side === 'right' ? 'left' : 'right');

  /** Pelvis pose for a sagittal pelvis pitch φ and treated-side hip centre H. */
  const sagittalPelvis = (phiDeg: number, hip: Vec3): Pose => {
    const q = pitch(phiDeg);
    return { q, p: pelvisOriginFromHip(q, hip, body, side) };
  };
  /** Hip centre at the end of a thigh pitched θ whose knee is at `knee`. */
  const hipFromKnee = (knee: Vec3, thetaDeg: number): Vec3 => {
    const axis = sagittalThighAxis(thetaDeg);
    return [knee[0] + L * axis[0], knee[1] + L * axis[1], knee[2]];
  };

  switch (def.id) {
    case 'standing_hip_abduction':
    case 'standing_hip_flexion':
    case 'standing_hip_extension':
      return {
        definition: def,
        transitionS: 0,
        compensationPivot: stanceHip,
        pose: (s) => ({ pelvis: identityPose([0, standingHeight, 0]), angles: base(s) }),
      };
    case 'supine_straight_leg_raise': {
      const q = pitch(90);
      return {
        definition: def,
        transitionS: 5,
        compensationPivot: pelvisPivot,
        pose: (s) => ({ pelvis: { q, p: [SUPINE_PELVIS_X, body.supineHeightM, 0] }, angles: base(s) }),
      };
    }
    case 'side_lying_clamshell': {
      // Lying on the untreated side: the treated side's lateral direction points up.
      const q = roll(-90 * sideSign(side));
      return {
        definition: def,
        transitionS: 5,
        compensationPivot: pelvisPivot,
        pose: (s) => ({ pelvis: { q, p: [0, body.sideLyingHeightM, 0] }, angles: base(s) }),
      };
    }
    case 'glute_bridge': {
      // Hook-lying: pelvis supine (φ = 90°); the feet (so the knee) stay put while the hips lift.
      const rest = base(0);
      const hip0: Vec3 = [HOOK_LYING_PELVIS_X, body.supineHeightM, hipZ];
      const axis0 = sagittalThighAxis(90 + rest.flexion);
      const knee: Vec3 = [hip0[0] - L * axis0[0], hip0[1] - L * axis0[1], hipZ];
      return {
        definition: def,
        transitionS: 5,
        compensationPivot: pelvisPivot,
        pose: (s) => {
          const angles = base(s);
          const phi = 90 + BRIDGE_PELVIS_TURN_PER_DEG * romDeg * s;
          return { pelvis: sagittalPelvis(phi, hipFromKnee(knee, phi + angles.flexion)), angles };
        },
      };
    }
    case 'sit_to_stand': {
      // Knee fixed; the thigh turns about it from horizontal (seated) to vertical (standing) while the trunk and
      // pelvis lean forward early in the rise (and late in the sit-down) and come back upright.
      const knee: Vec3 = [0, standingHeight - L, hipZ];
      return {
        definition: def,
        transitionS: 3,
        compensationPivot: pelvisPivot,
        pose: (s, m) => {
          const angles = base(s);
          const thighPitch = angles.flexion;
          const phi = -STS_LEAN_DEG * earlyBump(m);
          angles.flexion = thighPitch - phi;
          return { pelvis: sagittalPelvis(phi, hipFromKnee(knee, thighPitch)), angles };
        },
      };
    }
    case 'mini_squat': {
      // Feet fixed; the shank leans forward about the ankle, the pelvis tilts anteriorly and lowers.
      const shank = body.shankLengthM;
      return {
        definition: def,
        transitionS: 0,
        compensationPivot: pelvisPivot,
        pose: (s) => {
          const angles = base(s);
          const excursion = angles.flexion - def.restAngles.flexion;
          const phi = -SQUAT_TILT_PER_DEG * excursion;
          const beta = SQUAT_SHANK_LEAN_PER_DEG * excursion * (Math.PI / 180);
          const knee: Vec3 = [shank * Math.sin(beta), shank * Math.cos(beta), hipZ];
          return { pelvis: sagittalPelvis(phi, hipFromKnee(knee, phi + angles.flexion)), angles };
        },
      };
    }
    case 'hip_flexor_stretch': {
      // Half-kneeling on the treated knee (thigh vertical at rest); the stretch shifts the hip forward over the
      // knee with a posterior pelvic tuck, taking the hip into extension.
      const knee: Vec3 = [0, body.kneelingKneeHeightM, hipZ];
      return {
        definition: def,
        transitionS: 4,
        compensationPivot: pelvisPivot,
        pose: (s) => {
          const angles = base(s);
          const extension = def.restAngles.flexion - angles.flexion;
          const phi = STRETCH_TUCK_PER_DEG * extension;
          return { pelvis: sagittalPelvis(phi, hipFromKnee(knee, phi + angles.flexion)), angles };
        },
      };
    }
  }
}
