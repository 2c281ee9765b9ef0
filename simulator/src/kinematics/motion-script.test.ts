import { describe, expect, it } from 'vitest';
import {
  EXERCISE_IDS,
  getExercise,
  hipAnglesFromRotation,
  quatAngleBetween,
  quatConjugate,
  quatMultiply,
  quatRotate,
  quatToRotationVector,
  RAD,
} from '@hipmon/core';
import type { ExerciseId, HipAngles, Side, Vec3 } from '@hipmon/core';
import { createMotionScript } from './motion-script.js';
import type { ExerciseMotionScript, MotionOptions } from './motion-script.js';
import type { BodyState } from './types.js';

const SIDES: Side[] = ['right', 'left'];
const CASES = EXERCISE_IDS.flatMap((exercise) => SIDES.map((side) => [exercise, side] as [ExerciseId, Side]));
const isHold = (id: ExerciseId) => getExercise(id).kind === 'hold';

/** Hip angles measured from the two segment poses (not the script's own `angles` field). */
const measuredAngles = (st: BodyState, side: Side): HipAngles =>
  hipAnglesFromRotation(quatMultiply(quatConjugate(st.pelvis.q), st.thigh.q), side);

/** Primary excursion e(t) measured from the poses, relative to the rest value (see rep-truth.ts). */
function excursion(script: ExerciseMotionScript, t: number, restValue: number): number {
  const { angle, direction } = script.definition.primary;
  return direction * (measuredAngles(script.stateAt(t), script.side)[angle] - restValue);
}

const axis = (q: BodyState['pelvis']['q'], v: Vec3) => quatRotate(q, v);
const sampleTimes = (t0: number, t1: number, dt: number) =>
  Array.from({ length: Math.floor((t1 - t0) / dt) + 1 }, (_, k) => t0 + k * dt);

describe.each(CASES)('%s (%s side)', (exercise, side) => {
  const reps = 4;
  const script = createMotionScript({
    exercise,
    side,
    reps,
    sets: 2,
    restBetweenSetsS: 5,
    partialShare: 0.25,
    seed: 9,
  });
  const truthCount = isHold(exercise) ? script.holds.length : script.reps.length;
  const restValue = script.stateAt(script.movements[0]!.t0).angles[script.definition.primary.angle];

  it('has exactly reps × sets movements in the truth, partial ones flagged', () => {
    expect(truthCount).toBe(reps * 2);
    if (isHold(exercise)) {
      expect(script.reps).toHaveLength(0);
    } else {
      expect(script.holds).toHaveLength(0);
      expect(script.reps.filter((r) => r.partial)).toHaveLength(2);
    }
  });

  it('reaches the requested ROM on full repetitions (measured from the poses) and 40–60 % on partial ones', () => {
    for (const mv of script.movements) {
      let best = -Infinity;
      for (const t of sampleTimes(mv.t0, mv.tEnd, 0.002)) best = Math.max(best, excursion(script, t, restValue));
      if (mv.partial) {
        expect(best).toBeGreaterThanOrEqual(0.4 * script.romDeg - 1e-9);
        expect(best).toBeLessThanOrEqual(0.6 * script.romDeg + 1e-9);
      } else {
        expect(Math.abs(best - script.romDeg)).toBeLessThan(1);
      }
    }
    for (const r of script.reps) {
      if (!r.partial) expect(r.romDeg).toBeCloseTo(script.romDeg, 9);
    }
  });

  it('keeps the segment poses consistent with the reported hip angles', () => {
    let worst = 0;
    for (const t of sampleTimes(0, script.duration, 0.05)) {
      const st = script.stateAt(t);
      const m = measuredAngles(st, side);
      worst = Math.max(
        worst,
        Math.abs(m.flexion - st.angles.flexion),
        Math.abs(m.abduction - st.angles.abduction),
        Math.abs(m.rotation - st.angles.rotation),
      );
    }
    expect(worst).toBeLessThan(1e-9);
  });

  it('starts with a still, upright calibration window of at least 2 s', () => {
    expect(script.calibrationEnd).toBeGreaterThanOrEqual(2);
    const first = script.stateAt(0);
    for (const t of sampleTimes(0, script.calibrationEnd, 0.01)) {
      const st = script.stateAt(t);
      const pelvisUp = axis(st.pelvis.q, [0, 1, 0]);
      expect(Math.acos(Math.min(1, pelvisUp[2])) * RAD).toBeLessThan(1);
      expect(st.angles).toEqual({ flexion: 0, abduction: 0, rotation: 0 });
      expect(st.pelvis.p).toEqual(first.pelvis.p);
      expect(st.pelvis.q).toEqual(first.pelvis.q);
      expect(st.thigh.q).toEqual(first.thigh.q);
    }
  });

  it('defines each repetition by the rest band of its primary angle', () => {
    const band = script.restBandDeg;
    let previousEnd = -Infinity;
    for (const r of script.reps) {
      expect(r.start).toBeGreaterThan(previousEnd);
      expect(r.start).toBeLessThan(r.peakTime);
      expect(r.peakTime).toBeLessThan(r.end);
      expect(excursion(script, r.start, restValue)).toBeCloseTo(band, 6);
      expect(excursion(script, r.end, restValue)).toBeCloseTo(band, 6);
      for (const t of sampleTimes(r.start + 0.01, r.end - 0.01, 0.01)) {
        expect(excursion(script, t, restValue)).toBeGreaterThan(band);
      }
      expect(excursion(script, r.peakTime, restValue)).toBeCloseTo(r.romDeg, 9);
      const peak = measuredAngles(script.stateAt(r.peakTime), side);
      expect(peak.flexion).toBeCloseTo(r.peak.flexion, 9);
      expect(peak.abduction).toBeCloseTo(r.peak.abduction, 9);
      previousEnd = r.end;
    }
  });

  it('is smooth: bounded second differences and continuous accelerations', () => {
    const h = 1e-3;
    const dt = 0.004;
    let maxAcc = 0,
      maxAngAcc = 0,
      maxAccJump = 0;
    let prev: number[] | undefined;
    for (const t of sampleTimes(h, script.duration - h, dt)) {
      const a = script.stateAt(t - h),
        b = script.stateAt(t),
        c = script.stateAt(t + h);
      const acc: number[] = [];
      for (const seg of ['pelvis', 'thigh'] as const) {
        for (let i = 0; i < 3; i++) acc.push((a[seg].p[i]! - 2 * b[seg].p[i]! + c[seg].p[i]!) / (h * h));
        maxAcc = Math.max(maxAcc, Math.hypot(acc.at(-3)!, acc.at(-2)!, acc.at(-1)!));
        // Body-frame angular velocity before and after t; their difference / h is the angular acceleration.
        const w1 = quatToRotationVector(quatMultiply(quatConjugate(a[seg].q), b[seg].q));
        const w2 = quatToRotationVector(quatMultiply(quatConjugate(b[seg].q), c[seg].q));
        maxAngAcc = Math.max(maxAngAcc, Math.hypot(w2[0] - w1[0], w2[1] - w1[1], w2[2] - w1[2]) / (h * h));
      }
      if (prev) maxAccJump = Math.max(maxAccJump, ...acc.map((v, i) => Math.abs(v - prev![i]!)));
      prev = acc;
    }
    // Physiological magnitudes for slow exercise movements …
    expect(maxAcc).toBeLessThan(3);
    expect(maxAngAcc).toBeLessThan(15);
    // … and no acceleration steps: over 4 ms the acceleration changes by < 0.1 m/s² (jerk < 25 m/s³).
    expect(maxAccJump).toBeLessThan(0.1);
  });

  it('is deterministic for a seed', () => {
    const again = createMotionScript({
      exercise,
      side,
      reps,
      sets: 2,
      restBetweenSetsS: 5,
      partialShare: 0.25,
      seed: 9,
    });
    expect(again.reps).toEqual(script.reps);
    expect(again.holds).toEqual(script.holds);
    for (const t of [0, 1.234, script.duration / 3, script.duration / 2, script.duration - 0.5]) {
      expect(again.stateAt(t)).toEqual(script.stateAt(t));
    }
  });
});

describe('postures in the earth frame (heading 0: facing north)', () => {
  const after = (exercise: ExerciseId, side: Side) => {
    const s = createMotionScript({ exercise, side, reps: 1 });
    return s.stateAt(s.movements[0]!.t0);
  };
  const expectAxis = (actual: Vec3, expected: Vec3) => {
    for (let i = 0; i < 3; i++) expect(actual[i]).toBeCloseTo(expected[i]!, 9);
  };

  it('supine and hook-lying: pelvis anterior up, superior horizontal (toward the head, behind the start)', () => {
    for (const exercise of ['supine_straight_leg_raise', 'glute_bridge'] as const) {
      const st = after(exercise, 'right');
      expectAxis(axis(st.pelvis.q, [1, 0, 0]), [0, 0, 1]);
      expectAxis(axis(st.pelvis.q, [0, 1, 0]), [0, -1, 0]);
      expect(st.pelvis.p[2]).toBeCloseTo(0.1, 9);
    }
    expect(after('glute_bridge', 'left').angles.flexion).toBeCloseTo(50, 9);
  });

  it('side-lying: lying on the untreated side, the treated side faces up, hips flexed 45°', () => {
    expectAxis(axis(after('side_lying_clamshell', 'right').pelvis.q, [0, 0, 1]), [0, 0, 1]);
    expectAxis(axis(after('side_lying_clamshell', 'left').pelvis.q, [0, 0, -1]), [0, 0, 1]);
    expect(after('side_lying_clamshell', 'left').angles.flexion).toBeCloseTo(45, 9);
  });

  it('sitting: pelvis upright, hip flexed 90°, thigh horizontal pointing forward', () => {
    const st = after('sit_to_stand', 'right');
    expectAxis(axis(st.pelvis.q, [0, 1, 0]), [0, 0, 1]);
    expect(st.angles.flexion).toBeCloseTo(90, 9);
    expectAxis(axis(st.thigh.q, [0, -1, 0]), [0, 1, 0]);
  });

  it('half-kneeling: pelvis upright at kneeling height, treated thigh vertical', () => {
    const st = after('hip_flexor_stretch', 'left');
    expectAxis(axis(st.pelvis.q, [0, 1, 0]), [0, 0, 1]);
    expect(st.pelvis.p[2]).toBeCloseTo(0.05 + 0.42, 9);
  });

  it('the heading turns the whole body: facing east at heading 90°', () => {
    const s = createMotionScript({ exercise: 'standing_hip_abduction', side: 'right', reps: 1, headingDeg: 90 });
    const st = s.stateAt(0);
    expectAxis(axis(st.pelvis.q, [1, 0, 0]), [1, 0, 0]);
    expectAxis(axis(st.pelvis.q, [0, 0, 1]), [0, -1, 0]);
    // Right hip abduction moves the right knee to the patient's right: south when facing east.
    const peak = s.stateAt(s.reps[0]!.peakTime);
    const knee = (b: BodyState) => axis(b.thigh.q, [0, -0.42, 0]);
    expect(knee(peak)[1] - knee(st)[1]).toBeLessThan(-0.15);
  });
});

describe('pelvis movement', () => {
  const travel = (exercise: ExerciseId, side: Side = 'right') => {
    const s = createMotionScript({ exercise, side, reps: 1 });
    const rest = s.stateAt(s.movements[0]!.t0);
    const peak = s.stateAt(s.reps[0]!.peakTime);
    return {
      s,
      rest,
      peak,
      lift: peak.pelvis.p[2] - rest.pelvis.p[2],
      turnDeg: quatAngleBetween(rest.pelvis.q, peak.pelvis.q) * RAD,
    };
  };

  it('glute bridge: the pelvis lifts and rotates while the hip goes from 50° to 0° flexion', () => {
    const { lift, turnDeg, rest, peak } = travel('glute_bridge');
    expect(rest.angles.flexion).toBeCloseTo(50, 9);
    expect(peak.angles.flexion).toBeCloseTo(0, 9);
    expect(lift).toBeGreaterThan(0.1);
    expect(turnDeg).toBeCloseTo(25, 6);
  });

  it('sit-to-stand: the pelvis rises to standing height and leans forward before seat-off', () => {
    const { s, lift, rest, peak } = travel('sit_to_stand');
    expect(rest.angles.flexion).toBeCloseTo(90, 9);
    expect(peak.angles.flexion).toBeCloseTo(0, 9);
    expect(lift).toBeCloseTo(0.42, 9);
    const r = s.reps[0]!;
    let maxForwardTilt = 0,
      maxFlexion = 0;
    for (const t of sampleTimes(s.movements[0]!.t0, r.peakTime, 0.01)) {
      const st = s.stateAt(t);
      // Anterior tilt: the pelvis anterior axis points below the horizontal.
      maxForwardTilt = Math.max(maxForwardTilt, -Math.asin(axis(st.pelvis.q, [1, 0, 0])[2]) * RAD);
      maxFlexion = Math.max(maxFlexion, st.angles.flexion);
    }
    expect(maxForwardTilt).toBeGreaterThan(25);
    expect(maxFlexion).toBeGreaterThan(95);
    // The knee (end of the thigh) stays put while the body rises about it.
    const knee = (b: BodyState) => b.thigh.p.map((v, i) => v + axis(b.thigh.q, [0, -0.42, 0])[i]!);
    const k0 = knee(rest),
      k1 = knee(peak);
    expect(Math.hypot(k1[0]! - k0[0]!, k1[1]! - k0[1]!, k1[2]! - k0[2]!)).toBeLessThan(1e-9);
  });

  it('mini squat: the pelvis lowers with an anterior tilt at 40° hip flexion', () => {
    const { lift, peak } = travel('mini_squat');
    expect(peak.angles.flexion).toBeCloseTo(40, 9);
    expect(lift).toBeLessThan(-0.07);
    expect(axis(peak.pelvis.q, [1, 0, 0])[2]).toBeLessThan(-Math.sin(5 / RAD));
  });

  it.each(['standing_hip_abduction', 'standing_hip_flexion', 'standing_hip_extension'] as const)(
    '%s: the pelvis stays still without compensations',
    (exercise) => {
      const { s } = travel(exercise);
      const first = s.stateAt(0);
      for (const t of sampleTimes(0, s.duration, 0.05)) {
        const st = s.stateAt(t);
        expect(st.pelvis.p).toEqual(first.pelvis.p);
        expect(st.pelvis.q).toEqual(first.pelvis.q);
      }
    },
  );
});

describe('compensations', () => {
  const base: MotionOptions = { exercise: 'standing_hip_abduction', side: 'right', reps: 1 };

  it.each(SIDES)(
    'hip hiking raises the treated (%s) side of the pelvis about the stance hip; hip angles unchanged',
    (side) => {
      const plain = createMotionScript({ ...base, side });
      const hiked = createMotionScript({ ...base, side, compensations: { hipHikeDeg: 8 } });
      const tPeak = hiked.reps[0]!.peakTime;
      const st = hiked.stateAt(tPeak);
      expect(st.angles).toEqual(plain.stateAt(tPeak).angles);
      expect(hiked.reps[0]).toEqual(plain.reps[0]);
      const rest = hiked.stateAt(0);
      // The treated hip centre (thigh origin) rises by 2·w·sin(8°); the stance hip stays where it was.
      expect(st.thigh.p[2] - rest.thigh.p[2]).toBeCloseTo(2 * 0.085 * Math.sin(8 / RAD), 9);
      const stanceHip = (b: BodyState) => {
        const o = axis(b.pelvis.q, [0, 0, side === 'right' ? -0.085 : 0.085]);
        return b.pelvis.p.map((v, i) => v + o[i]!);
      };
      const s0 = stanceHip(rest),
        s1 = stanceHip(st);
      for (let i = 0; i < 3; i++) expect(s1[i]).toBeCloseTo(s0[i]!, 12);
      // Obliquity: the pelvis right axis tilts up on the treated side.
      const lateralUp = axis(st.pelvis.q, [0, 0, side === 'right' ? 1 : -1])[2];
      expect(Math.asin(lateralUp) * RAD).toBeCloseTo(8, 9);
    },
  );

  it('trunk lean tilts the pelvis anteriorly and toward the stance side, scaled by the repetition', () => {
    const s = createMotionScript({
      ...base,
      partialShare: 0,
      compensations: { trunkLeanAnteriorDeg: 10, trunkLeanLateralDeg: 6 },
    });
    const st = s.stateAt(s.reps[0]!.peakTime);
    expect(Math.asin(axis(st.pelvis.q, [1, 0, 0])[2]) * RAD).toBeLessThan(-9);
    // Top of the pelvis (superior axis) toward the stance side: the left (west when facing north).
    expect(axis(st.pelvis.q, [0, 1, 0])[0]).toBeLessThan(-Math.sin(5 / RAD));
    const halfway = s.stateAt(s.movements[0]!.t0 + 0.5 * (s.movements[0]!.tTop - s.movements[0]!.t0));
    expect(quatAngleBetween(halfway.pelvis.q, s.stateAt(0).pelvis.q)).toBeLessThan(
      quatAngleBetween(st.pelvis.q, s.stateAt(0).pelvis.q),
    );
  });
});

describe('options', () => {
  it('uses the catalogue target ROM and tempo by default, and honours overrides', () => {
    const d = createMotionScript({ exercise: 'supine_straight_leg_raise', side: 'left', reps: 2 });
    expect(d.romDeg).toBe(45);
    const mv = d.movements[0]!;
    expect(mv.tTop - mv.t0).toBeCloseTo(2, 12);
    expect(mv.tDown - mv.tTop).toBeCloseTo(1, 12);
    expect(mv.tEnd - mv.tDown).toBeCloseTo(2, 12);
    const o = createMotionScript({
      exercise: 'supine_straight_leg_raise',
      side: 'left',
      reps: 2,
      romDeg: 55,
      tempo: { repS: 4, concentricShare: 0.25, peakHoldS: 0, pauseS: 3 },
    });
    expect(o.reps[0]!.romDeg).toBeCloseTo(55, 9);
    const m0 = o.movements[0]!,
      m1 = o.movements[1]!;
    expect(m0.tTop - m0.t0).toBeCloseTo(1, 12);
    expect(m0.tEnd - m0.tDown).toBeCloseTo(3, 12);
    expect(m1.t0 - m0.tEnd).toBeCloseTo(3, 12);
  });

  it('rests between sets and ends with a still rest', () => {
    const s = createMotionScript({ exercise: 'mini_squat', side: 'right', reps: 3, sets: 2, restBetweenSetsS: 20 });
    const [a, b] = [s.movements[2]!, s.movements[3]!];
    expect(b.t0 - a.tEnd).toBeCloseTo(20, 12);
    expect(b.set).toBe(1);
    const last = s.movements.at(-1)!;
    expect(s.duration - last.tEnd).toBeGreaterThanOrEqual(2);
    expect(s.stateAt(s.duration)).toEqual(s.stateAt(last.tEnd));
  });

  it('hip flexor stretch: timed holds of the requested duration in extension', () => {
    const s = createMotionScript({ exercise: 'hip_flexor_stretch', side: 'right', reps: 2, holdS: 20, romDeg: 12 });
    expect(s.holds).toHaveLength(2);
    for (const h of s.holds) {
      expect(h.duration).toBeCloseTo(20, 12);
      expect(h.end - h.start).toBeCloseTo(20, 12);
      expect(h.angles.flexion).toBeCloseTo(-12, 9);
      for (const t of sampleTimes(h.start, h.end, 0.5)) {
        expect(measuredAngles(s.stateAt(t), 'right').flexion).toBeCloseTo(-12, 9);
      }
    }
  });

  it('varies repetitions with a seed: same seed same session, other seed other session', () => {
    const opts: MotionOptions = {
      exercise: 'standing_hip_flexion',
      side: 'left',
      reps: 8,
      partialShare: 0.25,
      variability: { rom: 0.08, tempo: 0.15, offPlaneDeg: 3 },
    };
    const a = createMotionScript({ ...opts, seed: 1 });
    const b = createMotionScript({ ...opts, seed: 1 });
    const c = createMotionScript({ ...opts, seed: 2 });
    expect(a.reps).toEqual(b.reps);
    expect(a.reps).not.toEqual(c.reps);
    const roms = a.reps.filter((r) => !r.partial).map((r) => r.romDeg);
    expect(Math.max(...roms) - Math.min(...roms)).toBeGreaterThan(1);
    expect(a.reps.some((r) => Math.abs(r.peak.abduction) > 0.5)).toBe(true);
    for (const r of a.reps)
      expect(Math.abs(r.romDeg - (r.partial ? 0.5 : 1) * 60)).toBeLessThan(r.partial ? 6.1 : 18.1);
  });

  it('rejects invalid options with clear messages', () => {
    expect(() => createMotionScript({ exercise: 'jumping_jacks' as ExerciseId, side: 'right' })).toThrow(
      /unknown exercise/,
    );
    expect(() => createMotionScript({ exercise: 'mini_squat', side: 'up' as Side })).toThrow(/side/);
    expect(() => createMotionScript({ exercise: 'mini_squat', side: 'right', reps: 0 })).toThrow(/reps/);
    expect(() => createMotionScript({ exercise: 'mini_squat', side: 'right', reps: 2.5 })).toThrow(/integer/);
    expect(() => createMotionScript({ exercise: 'mini_squat', side: 'right', romDeg: -5 })).toThrow(/romDeg/);
    expect(() => createMotionScript({ exercise: 'mini_squat', side: 'right', calibrationS: 1 })).toThrow(
      /calibrationS/,
    );
    expect(() => createMotionScript({ exercise: 'mini_squat', side: 'right', partialShare: 2 })).toThrow(
      /partialShare/,
    );
  });
});
