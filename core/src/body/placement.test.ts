import { describe, expect, it } from 'vitest';
import { quatAngleBetween, quatMultiply, quatRotate, RAD } from '../math/quat.js';
import type { Vec3 } from '../math/quat.js';
import {
  applyMisplacement,
  LEFT_THIGH_SENSOR_TO_SEGMENT,
  misplacementRotation,
  nominalSensorToSegment,
  PELVIS_SENSOR_TO_SEGMENT,
  RIGHT_THIGH_SENSOR_TO_SEGMENT,
  segmentToSensor,
} from './placement.js';

// Segment frame (ISB): X anterior, Y superior, Z right.
const ANTERIOR: Vec3 = [1, 0, 0];
const POSTERIOR: Vec3 = [-1, 0, 0];
const SUPERIOR: Vec3 = [0, 1, 0];
const RIGHT: Vec3 = [0, 0, 1];
const LEFT: Vec3 = [0, 0, -1];

function expectVec(actual: Vec3, expected: Vec3) {
  for (let i = 0; i < 3; i++) expect(actual[i]).toBeCloseTo(expected[i]!, 12);
}
/** The sensor's x, y, z axes expressed in the segment frame. */
const sensorAxes = (q: typeof PELVIS_SENSOR_TO_SEGMENT) =>
  [quatRotate(q, [1, 0, 0]), quatRotate(q, [0, 1, 0]), quatRotate(q, [0, 0, 1])] as const;

describe('nominal placement (DESIGN.md)', () => {
  it('pelvis sensor on the sacrum: x superior, y left, z posterior (out of the body)', () => {
    const [x, y, z] = sensorAxes(PELVIS_SENSOR_TO_SEGMENT);
    expectVec(x, SUPERIOR);
    expectVec(y, LEFT);
    expectVec(z, POSTERIOR);
  });

  it('right thigh sensor: x superior, z lateral (right), y posterior', () => {
    const [x, y, z] = sensorAxes(RIGHT_THIGH_SENSOR_TO_SEGMENT);
    expectVec(x, SUPERIOR);
    expectVec(z, RIGHT);
    expectVec(y, POSTERIOR);
  });

  it('left thigh sensor: x superior, z lateral (left), y anterior', () => {
    const [x, y, z] = sensorAxes(LEFT_THIGH_SENSOR_TO_SEGMENT);
    expectVec(x, SUPERIOR);
    expectVec(z, LEFT);
    expectVec(y, ANTERIOR);
  });

  it('nominalSensorToSegment picks the right constant and returns a copy', () => {
    expect(nominalSensorToSegment('pelvis', 'left')).toEqual(PELVIS_SENSOR_TO_SEGMENT);
    expect(nominalSensorToSegment('thigh', 'right')).toEqual(RIGHT_THIGH_SENSOR_TO_SEGMENT);
    expect(nominalSensorToSegment('thigh', 'left')).toEqual(LEFT_THIGH_SENSOR_TO_SEGMENT);
    const copy = nominalSensorToSegment('pelvis', 'right');
    copy[0] = 0;
    expect(PELVIS_SENSOR_TO_SEGMENT[0]).not.toBe(0);
  });

  it('standing upright, the pelvis sensor x points up and its z points backward in earth', () => {
    // Pelvis segment facing north in ENU: X → north, Y → up, Z → east.
    const segmentToEarth = [0.5, 0.5, 0.5, 0.5] as [number, number, number, number]; // maps x→y, y→z, z→x
    expectVec(quatRotate(segmentToEarth, [1, 0, 0]), [0, 1, 0]);
    const sensorToEarth = quatMultiply(segmentToEarth, PELVIS_SENSOR_TO_SEGMENT);
    expectVec(quatRotate(sensorToEarth, [1, 0, 0]), [0, 0, 1]);
    expectVec(quatRotate(sensorToEarth, [0, 0, 1]), [0, -1, 0]);
    expectVec(quatRotate(sensorToEarth, [0, 1, 0]), [-1, 0, 0]);
  });

  it('segmentToSensor is the inverse rotation', () => {
    const v: Vec3 = [0.3, -0.2, 0.9];
    const back = quatRotate(
      segmentToSensor(RIGHT_THIGH_SENSOR_TO_SEGMENT),
      quatRotate(RIGHT_THIGH_SENSOR_TO_SEGMENT, v),
    );
    expectVec(back, v);
  });
});

describe('misplacement', () => {
  it('a rotation about the sensor z axis keeps z and turns x about it by the given angle', () => {
    const nominal = RIGHT_THIGH_SENSOR_TO_SEGMENT;
    const moved = applyMisplacement(nominal, [0, 0, 12]);
    expectVec(quatRotate(moved, [0, 0, 1]), quatRotate(nominal, [0, 0, 1]));
    expect(quatAngleBetween(nominal, moved) * RAD).toBeCloseTo(12, 10);
    // Sensor x (superior on the thigh) turns toward sensor y (posterior on the right thigh) for a positive angle.
    const x = quatRotate(moved, [1, 0, 0]);
    expect(x[1]).toBeCloseTo(Math.cos((12 * Math.PI) / 180), 12);
    expect(x[0]).toBeCloseTo(-Math.sin((12 * Math.PI) / 180), 12);
  });

  it('applies intrinsic x, then y, then z rotations', () => {
    const m = misplacementRotation([10, -5, 7]);
    const stepwise = quatMultiply(
      quatMultiply(misplacementRotation([10, 0, 0]), misplacementRotation([0, -5, 0])),
      misplacementRotation([0, 0, 7]),
    );
    for (let i = 0; i < 4; i++) expect(m[i]).toBeCloseTo(stepwise[i]!, 14);
    expect(quatAngleBetween(misplacementRotation([0, 0, 0]), [1, 0, 0, 0])).toBe(0);
  });

  it('keeps a ±15° misplacement within 15·√3° of nominal', () => {
    const moved = applyMisplacement(PELVIS_SENSOR_TO_SEGMENT, [15, -15, 15]);
    const angle = quatAngleBetween(PELVIS_SENSOR_TO_SEGMENT, moved) * RAD;
    expect(angle).toBeGreaterThan(15);
    expect(angle).toBeLessThan(15 * Math.sqrt(3));
  });
});
