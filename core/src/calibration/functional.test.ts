/**
 * Functional refinement on exact sensor orientations: the simulator's true poses of misplaced sensors, seen through
 * unrelated heading frames of two 6D filters (plus, optionally, a relative heading drift). With the sensor errors
 * out of the way, what is left to check is that the estimator finds the alignment the static calibration could
 * not, and tracks the drift.
 */
import { describe, expect, it } from 'vitest';
import { createMotionScript } from '@hipmon/simulator';
import type { ExerciseMotionScript } from '@hipmon/simulator';
import { applyMisplacement, nominalSensorToSegment } from '../body/placement.js';
import { EXERCISE_IDS } from '../exercises/catalogue.js';
import type { ExerciseId } from '../exercises/catalogue.js';
import { hipAnglesFromRotation } from '../joint/hip-angles.js';
import type { Side } from '../joint/hip-angles.js';
import { DEG, quatConjugate, quatFromAxisAngle, quatMultiply, quatToRotationVector, RAD } from '../math/quat.js';
import type { Quat, Vec3 } from '../math/quat.js';
import { hipRotationOf } from './alignment.js';
import { FunctionalAlignment } from './functional.js';
import { staticCalibration } from './static.js';

interface Setup {
  exercise: ExerciseId;
  side: Side;
  pelvisMisplacement: Vec3;
  thighMisplacement: Vec3;
  /** Relative heading drift of the thigh filter after calibration (degrees per minute). */
  driftDegPerMin?: number;
  reps?: number;
}

/** Runs the estimator over a session; returns the worst angle errors after the first two repetitions. */
function run(s: Setup) {
  const script: ExerciseMotionScript = createMotionScript({ exercise: s.exercise, side: s.side, reps: s.reps ?? 6 });
  const pelvisMount = applyMisplacement(nominalSensorToSegment('pelvis', s.side), s.pelvisMisplacement);
  const thighMount = applyMisplacement(nominalSensorToSegment('thigh', s.side), s.thighMisplacement);
  const tCal = script.calibrationEnd;
  const drift = (s.driftDegPerMin ?? 0) / 60;
  const heading = (deg: number): Quat => quatFromAxisAngle([0, 0, 1], deg * DEG);
  const sensors = (t: number): { pelvis: Quat; thigh: Quat } => {
    const st = script.stateAt(t);
    return {
      pelvis: quatMultiply(heading(40), quatMultiply(st.pelvis.q, pelvisMount)),
      thigh: quatMultiply(heading(-100 + drift * Math.max(0, t - tCal)), quatMultiply(st.thigh.q, thighMount)),
    };
  };
  const atCal = sensors(tCal);
  const base = staticCalibration({ side: s.side, pelvis: atCal.pelvis, thigh: atCal.thigh }).alignment;
  const estimator = new FunctionalAlignment({ exercise: s.exercise, side: s.side, frameRate: 100 });
  estimator.reset(base);
  // Still periods in the start position: the settle before the first movement and the pauses between movements.
  const mv = script.movements;
  const rests = [[mv[0]!.t0 - 0.7, mv[0]!.t0], ...mv.map((m, i) => [m.tEnd + 0.3, mv[i + 1]?.t0 ?? script.duration])];
  let restIndex = 0;
  const worst = { flexion: 0, abduction: 0, rotation: 0 };
  const scoreFrom = script.movements[2]!.t0;
  for (let k = Math.ceil(tCal * 100); k <= script.duration * 100; k++) {
    const t = k / 100;
    const q = sensors(t);
    estimator.update(q.pelvis, q.thigh);
    const rest = rests[restIndex];
    if (rest && t >= rest[0]!) {
      if (t < rest[1]!) estimator.anchorAtRest(q.pelvis, q.thigh);
      restIndex++;
    }
    if (t < scoreFrom) continue;
    const angles = hipAnglesFromRotation(hipRotationOf(estimator.alignment(base), q.pelvis, q.thigh), s.side);
    const truth = script.stateAt(t).angles;
    for (const name of ['flexion', 'abduction', 'rotation'] as const) {
      worst[name] = Math.max(worst[name], Math.abs(angles[name] - truth[name]));
    }
  }
  const alignment = estimator.alignment(base);
  const residual = (truth: Quat, estimate: Quat) =>
    Math.hypot(...quatToRotationVector(quatMultiply(truth, quatConjugate(estimate)))) * RAD;
  return {
    worst,
    state: estimator.state,
    pelvisResidualDeg: residual(pelvisMount, alignment.pelvisSensorToSegment),
    thighResidualDeg: residual(thighMount, alignment.thighSensorToSegment),
  };
}

const MISPLACED: Pick<Setup, 'pelvisMisplacement' | 'thighMisplacement'> = {
  pelvisMisplacement: [15, -10, 12],
  thighMisplacement: [-15, 12, -8],
};

describe('FunctionalAlignment on exact orientations', () => {
  // With exact orientations the residual errors are what the model leaves: the rest anchors' 5° tolerance on the
  // start position, weighed against a few repetitions' movement.
  it.each(EXERCISE_IDS)(
    '%s: ±15° misplacement of both sensors is calibrated away; hip angles within 1°',
    (exercise) => {
      for (const side of ['left', 'right'] as Side[]) {
        const r = run({ exercise, side, ...MISPLACED });
        expect(r.state.refined).toBe(true);
        expect(r.worst.flexion).toBeLessThan(1);
        expect(r.worst.abduction).toBeLessThan(1);
        expect(r.worst.rotation).toBeLessThan(1);
      }
    },
  );

  it('recovers the sensor-to-segment rotations themselves where the posture observes them (supine)', () => {
    const r = run({ exercise: 'supine_straight_leg_raise', side: 'right', ...MISPLACED });
    expect(r.pelvisResidualDeg).toBeLessThan(0.5);
    expect(r.thighResidualDeg).toBeLessThan(0.5);
  });

  it.each(['standing_hip_flexion', 'supine_straight_leg_raise', 'sit_to_stand'] as ExerciseId[])(
    '%s: tracks a relative heading drift of 3°/min (estimate within 0.5°, angles within 1°)',
    (exercise) => {
      const r = run({ exercise, side: 'left', ...MISPLACED, driftDegPerMin: 3, reps: 10 });
      const elapsedMin = (createMotionScript({ exercise, side: 'left', reps: 10 }).duration - 3) / 60;
      // A thigh filter turning +δ needs the thigh → pelvis heading offset to turn −δ.
      expect(Math.abs(-r.state.driftDeg - 3 * elapsedMin)).toBeLessThan(0.5);
      expect(r.worst.flexion).toBeLessThan(1);
      expect(r.worst.abduction).toBeLessThan(1);
      expect(r.worst.rotation).toBeLessThan(1);
    },
  );

  it('side-lying: drift turns about the flexion axis, seen only by the repeated start position (flexion within 2°)', () => {
    const r = run({ exercise: 'side_lying_clamshell', side: 'left', ...MISPLACED, driftDegPerMin: 3, reps: 10 });
    expect(r.worst.flexion).toBeLessThan(2);
    expect(r.worst.abduction).toBeLessThan(1);
    expect(r.worst.rotation).toBeLessThan(1);
  });
});
