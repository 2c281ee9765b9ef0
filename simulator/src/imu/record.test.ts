import {
  formatRecordingCsv,
  misplacementRotation,
  nominalSensorToSegment,
  parseRecordingCsv,
  quatMultiply,
  quatRotateInverse,
  RAD,
  vecDot,
  vecNorm,
} from '@hipmon/core';
import type { Quat, RecordingSample, Vec3 } from '@hipmon/core';
import { describe, expect, it } from 'vitest';
import { sensorPose } from '../kinematics/chain.js';
import { createMotionScript } from '../kinematics/motion-script.js';
import type { MotionScript } from '../kinematics/types.js';
import { createRecorder, generateSamples, recordMotion } from './record.js';
import type { SimulatedSensor } from './record.js';
import { angleDeg, integrateGyro, spinningScript, swingScript } from './test-fixtures.js';

const angleBetweenDeg = (a: Readonly<Vec3>, b: Readonly<Vec3>): number =>
  Math.acos(Math.min(1, vecDot(a, b) / (vecNorm(a) * vecNorm(b)))) * RAD;

const byRole = (samples: RecordingSample[], role: string): RecordingSample[] => samples.filter((s) => s.role === role);

/** True sensor orientation at physical time t. */
const trueSensorQ = (script: MotionScript, sensor: SimulatedSensor, t: number): Quat =>
  sensorPose(script.stateAt(t)[sensor.segment], sensor.mount.leverArm, sensor.mount.rotation).q;

/**
 * Integrates each sensor's exact gyro (preset 'none': samples exactly at k/rate) from the true initial orientation
 * and returns the worst angle to the true orientation, in degrees. The reference integrator is fourth-order
 * (cubic rate interpolation + RK4), so at 100 Hz its own error is ~1e-4° over a minute: what is measured is the
 * consistency of the synthesized rates with the orientation.
 */
function worstGyroDriftDeg(script: MotionScript, seconds: number): number {
  const rec = recordMotion({ ...script, duration: seconds }, { noise: 'none' });
  let worst = 0;
  for (const sensor of rec.sensors) {
    const samples = byRole(rec.samples, sensor.role);
    const times = samples.map((s) => s.t);
    const q = integrateGyro(
      times,
      samples.map((s) => s.gyr),
      trueSensorQ(script, sensor, 0),
    );
    q.forEach((qi, i) => (worst = Math.max(worst, angleDeg(qi, trueSensorQ(script, sensor, times[i]!)))));
  }
  return worst;
}

describe('recordMotion', () => {
  it("'none': both sensors at exactly k/rate, role by side, sorted by t, exact signals", () => {
    const script = swingScript({ duration: 5, side: 'left' });
    const rec = recordMotion(script, { noise: 'none', rate: 50 });
    expect(rec.sensors.map((s) => s.role)).toEqual(['pelvis', 'thigh_left']);
    for (const role of ['pelvis', 'thigh_left']) {
      expect(byRole(rec.samples, role).map((s) => s.t)).toEqual(Array.from({ length: 251 }, (_, k) => k / 50));
    }
    for (let i = 1; i < rec.samples.length; i++)
      expect(rec.samples[i]!.t).toBeGreaterThanOrEqual(rec.samples[i - 1]!.t);
    expect(rec.samples[0]!.mag).toBeUndefined();
    expect(recordMotion(swingScript({ side: 'right', duration: 1 }), { noise: 'none' }).sensors[1]!.role).toBe(
      'thigh_right',
    );
  });

  it('integrating the noise-free gyro reproduces the true orientation to < 0.1° over 60 s (fixture motion)', () => {
    expect(worstGyroDriftDeg(swingScript({ duration: 60, swingDeg: 50, period: 2 }), 60)).toBeLessThan(0.1);
  });

  it('integrating the noise-free gyro reproduces the true orientation to < 0.1° over 60 s (exercise generator)', () => {
    for (const exercise of ['standing_hip_abduction', 'sit_to_stand'] as const) {
      const script = createMotionScript({ exercise, side: 'right', reps: 30, seed: 3 });
      expect(script.duration).toBeGreaterThan(60);
      expect(worstGyroDriftDeg(script, 60)).toBeLessThan(0.1);
    }
  });

  it('at rest (calibration pose) both accelerometers read gravity along their superior x axis', () => {
    const script = createMotionScript({ exercise: 'side_lying_clamshell', side: 'left', reps: 2 });
    const rec = recordMotion(script, { noise: 'none' });
    const still = rec.samples.filter((s) => s.t <= script.calibrationEnd);
    expect(still.length).toBe(2 * (script.calibrationEnd * 100 + 1));
    for (const s of still) {
      expect(Math.abs(vecNorm(s.acc) - 9.81)).toBeLessThan(0.01);
      expect(angleBetweenDeg(s.acc, [1, 0, 0])).toBeLessThan(0.1);
      expect(vecNorm(s.gyr)).toBeLessThan(1e-9);
    }
  });

  it('each sensor can have its own rate', () => {
    const rec = recordMotion(swingScript({ duration: 2 }), {
      noise: 'none',
      pelvis: { rate: 100 },
      thigh: { rate: 40 },
    });
    expect(byRole(rec.samples, 'pelvis')).toHaveLength(201);
    expect(byRole(rec.samples, 'thigh_right').map((s) => s.t)).toEqual(Array.from({ length: 81 }, (_, k) => k / 40));
    for (let i = 1; i < rec.samples.length; i++)
      expect(rec.samples[i]!.t).toBeGreaterThanOrEqual(rec.samples[i - 1]!.t);
  });

  it('misplacement rotates the sensor on its segment: gravity then reads along the misplaced up direction', () => {
    const script = swingScript({ duration: 1.5 });
    const rec = recordMotion(script, { noise: 'none', misplacementDeg: 12, seed: 5 });
    for (const sensor of rec.sensors) {
      expect(sensor.misplacementDeg.every((a) => Math.abs(a) <= 12)).toBe(true);
      expect(Math.max(...sensor.misplacementDeg.map(Math.abs))).toBeGreaterThan(1);
      const expected = quatMultiply(
        nominalSensorToSegment(sensor.segment, 'right'),
        misplacementRotation(sensor.misplacementDeg),
      );
      expect(angleDeg(sensor.mount.rotation, expected)).toBeLessThan(1e-9);
      const s = byRole(rec.samples, sensor.role)[10]!;
      const up = quatRotateInverse(trueSensorQ(script, sensor, s.t), [0, 0, 1]);
      expect(angleBetweenDeg(s.acc, up)).toBeLessThan(0.1);
      expect(angleBetweenDeg(s.acc, [1, 0, 0])).toBeGreaterThan(1);
    }
    const exact = recordMotion(script, { noise: 'none', pelvis: { misplacementDeg: [0, 0, 15] } });
    expect(exact.sensors[0]!.misplacementDeg).toEqual([0, 0, 15]);
    expect(exact.sensors[1]!.misplacementDeg).toEqual([0, 0, 0]);
  });

  it('uses the sensor lever arm: the sacral sensor of a pelvis spinning about the vertical reads ω²r', () => {
    const omega = 2;
    const rec = recordMotion(spinningScript(omega, 3), { noise: 'none' });
    const pelvis = rec.sensors[0]!;
    // The default sacral sensor sits 10 cm behind the pelvis origin (horizontal), 2 cm above it.
    const r = Math.hypot(pelvis.mount.leverArm[0], pelvis.mount.leverArm[2]);
    expect(r).toBeCloseTo(0.1, 12);
    for (const s of byRole(rec.samples, 'pelvis').slice(1, -1)) {
      // Sensor x is vertical (superior): gravity on x, the centripetal term in the sensor's y–z plane.
      expect(s.acc[0]).toBeCloseTo(9.81, 6);
      expect(Math.hypot(s.acc[1], s.acc[2])).toBeCloseTo(omega * omega * r, 6);
    }
  });

  it('typical errors: the two sensor clocks disagree by a few ms and nothing is out of order', () => {
    const script = createMotionScript({ exercise: 'standing_hip_abduction', side: 'right', reps: 5 });
    const rec = recordMotion(script, { noise: 'typical', seed: 11 });
    const [pelvis, thigh] = rec.sensors;
    expect(Math.abs(pelvis!.errors.clockOffset)).toBeLessThanOrEqual(0.005);
    expect(pelvis!.errors.clockOffset).not.toBe(thigh!.errors.clockOffset);
    const stampsOf = (role: string) => byRole(rec.samples, role).map((s) => s.t);
    for (const role of ['pelvis', 'thigh_right']) {
      const t = stampsOf(role);
      for (let i = 1; i < t.length; i++) expect(t[i]).toBeGreaterThan(t[i - 1]!);
      expect(t.length / (script.duration * 100)).toBeGreaterThan(0.95); // ~1 % dropped
      expect(t.length / (script.duration * 100)).toBeLessThan(1);
    }
    expect(stampsOf('pelvis')[0]).not.toBe(stampsOf('thigh_right')[0]);
  });

  it('streams: generateSamples and chunks give exactly the recorded samples, deterministic for a seed', () => {
    const script = swingScript({ duration: 12 });
    const options = { noise: 'high' as const, mag: true, seed: 'abc', misplacementDeg: 5 };
    const whole = recordMotion(script, options).samples;
    expect([...generateSamples(script, options)]).toEqual(whole);
    const chunks = [...createRecorder(script, options).chunks(0.5)];
    expect(chunks.flatMap((c) => c.samples)).toEqual(whole);
    chunks.forEach((c, i) => {
      expect([c.t0, c.t1]).toEqual([i * 0.5, (i + 1) * 0.5]);
      for (const s of c.samples) expect(s.t >= c.t0 && s.t < c.t1).toBe(true);
    });
    expect(recordMotion(script, { ...options, seed: 'abd' }).samples).not.toEqual(whole);
    const recorder = createRecorder(script, options);
    expect([...recorder.samples()]).toEqual([...recorder.samples()]);
  });

  it('9D: every sample carries mag; a disturbance reaches only the sensors it is given for', () => {
    const script = swingScript({ duration: 4 });
    const bed = { start: 1, end: 3, field: [30, 0, 0] as Vec3, roles: ['thigh_right' as const] };
    const quiet = recordMotion(script, { noise: 'none', mag: true });
    const near = recordMotion(script, { noise: 'none', mag: true, magDisturbances: [bed] });
    expect(near.samples.every((s) => s.mag !== undefined)).toBe(true);
    const diff = (role: string, t: number): number => {
      const a = quiet.samples.find((s) => s.role === role && Math.abs(s.t - t) < 1e-9)!;
      const b = near.samples.find((s) => s.role === role && Math.abs(s.t - t) < 1e-9)!;
      return vecNorm([b.mag![0] - a.mag![0], b.mag![1] - a.mag![1], b.mag![2] - a.mag![2]]);
    };
    expect(diff('thigh_right', 2)).toBeCloseTo(30, 6);
    expect(diff('pelvis', 2)).toBe(0);
    expect(diff('thigh_right', 0.5)).toBe(0);
    for (const s of quiet.samples) expect(vecNorm(s.mag!)).toBeCloseTo(49, 6);
  });

  it('survives the recording CSV: what is written parses back per sensor', () => {
    const script = swingScript({ duration: 3, side: 'left' });
    const rec = recordMotion(script, { noise: 'typical', mag: true, seed: 2 });
    const parsed = parseRecordingCsv(formatRecordingCsv(rec.samples));
    expect(parsed.hasMag).toBe(true);
    for (const sensor of rec.sensors) {
      const mine = byRole(rec.samples, sensor.role);
      const back = parsed.sensors[sensor.role]!;
      expect(back.length).toBe(mine.length);
      back.forEach((b, i) => {
        expect(Math.abs(b.t - mine[i]!.t)).toBeLessThanOrEqual(0.5e-6 + 1e-12);
        // Lossless as float32 (the sign of zero is not kept).
        const f32 = (v: Vec3) => v.map((x) => Math.fround(x) + 0);
        expect([f32(b.gyr), f32(b.acc), f32(b.mag!)]).toEqual([
          f32(mine[i]!.gyr),
          f32(mine[i]!.acc),
          f32(mine[i]!.mag!),
        ]);
      });
    }
  });

  it('rejects impossible options', () => {
    const script = swingScript({ duration: 1 });
    expect(() => recordMotion(script, { rate: 0 })).toThrow(/rate/);
    expect(() => recordMotion(script, { misplacementDeg: -3 })).toThrow(/misplacement/);
    expect(() => recordMotion(script, { noise: 'loud' as never })).toThrow(/preset/);
    expect(() => createRecorder(script).chunks(0).next()).toThrow(/chunk/);
  });
});
