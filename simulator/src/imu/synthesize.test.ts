import {
  applyMisplacement,
  nominalSensorToSegment,
  quatFromAxisAngle,
  quatRotate,
  quatRotateInverse,
  RAD,
  vecDot,
  vecNorm,
} from '@hipmon/core';
import type { Quat, Vec3 } from '@hipmon/core';
import { describe, expect, it } from 'vitest';
import { sensorPose } from '../kinematics/chain.js';
import { earthMagneticField, GRAVITY, magneticFieldAt, synthesizeImu } from './synthesize.js';
import type { SensorMount } from './synthesize.js';
import { angleDeg, integrateGyro, tiltedSwing, UPRIGHT_FACING_NORTH } from './test-fixtures.js';

const maxAbsDiff = (a: Readonly<Vec3>, b: Readonly<Vec3>): number => Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));
const angleBetweenDeg = (a: Readonly<Vec3>, b: Readonly<Vec3>): number =>
  Math.acos(Math.min(1, vecDot(a, b) / (vecNorm(a) * vecNorm(b)))) * RAD;

const tiltedMount: SensorMount = {
  rotation: applyMisplacement(nominalSensorToSegment('thigh', 'right'), [8, -12, 5]),
  leverArm: [0.03, -0.2, 0.09],
};

describe('synthesizeImu', () => {
  it('matches the analytic rate and specific force of a segment swinging about a tilted axis while translating', () => {
    const motion = tiltedSwing();
    let worstGyr = 0,
      worstAcc = 0;
    for (let t = 0.3; t < 10; t += 0.0731) {
      const s = synthesizeImu(motion.poseAt, tiltedMount, t);
      // Exact: ω_sensor = R_mountᵀ ω_segment; f = R_sensorᵀ (a_point − g).
      const gyr = quatRotateInverse(tiltedMount.rotation, motion.omegaBody(t));
      const a = motion.pointAcceleration(t, tiltedMount.leverArm);
      const acc = quatRotateInverse(sensorPose(motion.poseAt(t), tiltedMount.leverArm, tiltedMount.rotation).q, [
        a[0],
        a[1],
        a[2] + GRAVITY,
      ]);
      worstGyr = Math.max(worstGyr, maxAbsDiff(s.gyr, gyr));
      worstAcc = Math.max(worstAcc, maxAbsDiff(s.acc, acc));
    }
    // Tolerances: far below any sensor's noise (0.05 dps ≈ 1e-3 rad/s, 6 mg ≈ 0.06 m/s² in the 'low' preset).
    expect(worstGyr).toBeLessThan(1e-7);
    expect(worstAcc).toBeLessThan(1e-5);
  });

  it('reads gravity at rest: +9.81 on the pelvis sensor x (superior) axis when standing upright', () => {
    const still = () => ({ q: UPRIGHT_FACING_NORTH, p: [0, 0, 1] as Vec3 });
    const mount: SensorMount = { rotation: nominalSensorToSegment('pelvis', 'left'), leverArm: [-0.1, 0.02, 0] };
    const s = synthesizeImu(still, mount, 5);
    expect(Math.abs(vecNorm(s.acc) - 9.81)).toBeLessThan(0.01);
    expect(angleBetweenDeg(s.acc, [1, 0, 0])).toBeLessThan(0.1);
    expect(maxAbsDiff(s.gyr, [0, 0, 0])).toBeLessThan(1e-12);
  });

  it('reads gravity along earth-up expressed in the frame of a tilted, misplaced sensor at rest', () => {
    const still = () => tiltedSwing().poseAt(1.234);
    const s = synthesizeImu(still, tiltedMount, 3);
    const up = quatRotateInverse(s.q, [0, 0, 1]);
    expect(Math.abs(vecNorm(s.acc) - 9.81)).toBeLessThan(0.01);
    expect(angleBetweenDeg(s.acc, up)).toBeLessThan(0.1);
  });

  it('includes the lever arm: constant spin about a fixed axis gives the centripetal ω²r', () => {
    const omega = 3; // rad/s
    const r = 0.25; // m, lever arm perpendicular to the spin axis
    const spin = (t: number) => ({ q: quatFromAxisAngle([0, 0, 1], omega * t), p: [0, 0, 1] as Vec3 });
    const mount: SensorMount = { rotation: [1, 0, 0, 0], leverArm: [r, 0, 0] };
    for (const t of [0.5, 1.7, 4]) {
      const s = synthesizeImu(spin, mount, t);
      // Sensor frame = segment frame, spinning about its own z (= earth z): centripetal points to the axis (−x).
      expect(s.acc[0]).toBeCloseTo(-omega * omega * r, 6);
      expect(s.acc[1]).toBeCloseTo(0, 6);
      expect(s.acc[2]).toBeCloseTo(GRAVITY, 6);
      expect(s.gyr[2]).toBeCloseTo(omega, 9);
    }
    // Without the lever arm the same spin reads gravity only.
    const centred = synthesizeImu(spin, { rotation: [1, 0, 0, 0], leverArm: [0, 0, 0] }, 1);
    expect(vecNorm([centred.acc[0], centred.acc[1], 0])).toBeLessThan(1e-6);
  });

  it('integrating the exact gyro at 100 Hz reproduces the sensor orientation to < 0.1° over 60 s', () => {
    const motion = tiltedSwing();
    const times: number[] = [];
    const rates: Vec3[] = [];
    const truth: Quat[] = [];
    for (let k = 0; k <= 6000; k++) {
      const s = synthesizeImu(motion.poseAt, tiltedMount, k / 100);
      times.push(s.t);
      rates.push(s.gyr);
      truth.push(s.q);
    }
    const integrated = integrateGyro(times, rates, truth[0]!);
    const worst = Math.max(...integrated.map((q, i) => angleDeg(q, truth[i]!)));
    expect(worst).toBeLessThan(0.1);
  });

  it('magnetometer: 49 µT dipping 65° below north, plus smoothly faded disturbances', () => {
    const earth = earthMagneticField();
    expect(vecNorm(earth)).toBeCloseTo(49, 9);
    expect(Math.atan2(-earth[2], earth[1]) * RAD).toBeCloseTo(65, 9);
    expect(earth[0]).toBeCloseTo(0, 12);
    const s = synthesizeImu(tiltedSwing().poseAt, tiltedMount, 2.2, { earth });
    expect(vecNorm(s.mag!)).toBeCloseTo(49, 9);
    // In the sensor frame: the field makes 90° + 65° with up.
    expect(angleBetweenDeg(s.mag!, quatRotateInverse(s.q, [0, 0, 1]))).toBeCloseTo(155, 6);

    const bed = { start: 10, end: 20, field: [5, -8, 3] as Vec3, ramp: 2 };
    const env = { earth, disturbances: [bed] };
    expect(magneticFieldAt(env, 9.99)).toEqual(earth);
    expect(maxAbsDiff(magneticFieldAt(env, 11), [earth[0] + 2.5, earth[1] - 4, earth[2] + 1.5])).toBeLessThan(1e-12);
    expect(maxAbsDiff(magneticFieldAt(env, 15), [earth[0] + 5, earth[1] - 8, earth[2] + 3])).toBeLessThan(1e-12);
    expect(magneticFieldAt(env, 20.01)).toEqual(earth);
    const withBed = synthesizeImu(tiltedSwing().poseAt, tiltedMount, 15, env);
    expect(maxAbsDiff(quatRotate(withBed.q, withBed.mag!), [earth[0] + 5, earth[1] - 8, earth[2] + 3])).toBeLessThan(
      1e-9,
    );
    expect(withBed.mag).toBeDefined();
    expect(synthesizeImu(tiltedSwing().poseAt, tiltedMount, 15).mag).toBeUndefined();
  });
});
