/**
 * Nominal sensor placement (DESIGN.md) as rotations between the sensor frame and the ISB segment frame
 * (X anterior, Y superior, Z right).
 *
 * - Pelvis sensor on the sacrum, midline: x superior, y left, z posterior (out of the body).
 * - Thigh sensor on the lateral mid-thigh: x superior along the femur, z lateral (out of the body), y = z × x,
 *   which is posterior on the right thigh and anterior on the left.
 *
 * All quaternions here are *sensor → segment*: they rotate a vector given in sensor axes into segment axes, so a
 * sensor's earth orientation is q_sensor→earth = q_segment→earth ⊗ q_sensor→segment.
 */
import { DEG, quatConjugate, quatFromAxes, quatFromRotationVector, quatMultiply } from '../math/quat.js';
import type { Quat, Vec3 } from '../math/quat.js';
import type { Side } from '../joint/hip-angles.js';

export type BodySegment = 'pelvis' | 'thigh';

/** Pelvis sensor axes expressed in the pelvis segment frame: columns x = +Y, y = −Z, z = −X. */
export const PELVIS_SENSOR_TO_SEGMENT: Quat = quatFromAxes([0, 1, 0], [0, 0, -1], [-1, 0, 0]);

/** Right thigh: x = +Y (superior), y = −X (posterior), z = +Z (lateral = right). */
export const RIGHT_THIGH_SENSOR_TO_SEGMENT: Quat = quatFromAxes([0, 1, 0], [-1, 0, 0], [0, 0, 1]);

/** Left thigh: x = +Y (superior), y = +X (anterior), z = −Z (lateral = left). */
export const LEFT_THIGH_SENSOR_TO_SEGMENT: Quat = quatFromAxes([0, 1, 0], [1, 0, 0], [0, 0, -1]);

/** Nominal sensor → segment rotation of the sensor on `segment` (the thigh of `side`; side is ignored for the pelvis). */
export function nominalSensorToSegment(segment: BodySegment, side: Side): Quat {
  if (segment === 'pelvis') return [...PELVIS_SENSOR_TO_SEGMENT];
  return side === 'right' ? [...RIGHT_THIGH_SENSOR_TO_SEGMENT] : [...LEFT_THIGH_SENSOR_TO_SEGMENT];
}

/** The inverse rotation, segment → sensor. */
export const segmentToSensor = (sensorToSegment: Readonly<Quat>): Quat => quatConjugate(sensorToSegment);

/**
 * A misplacement as a small rotation of the sensor on the skin: intrinsic rotations, in degrees, first about the
 * nominal sensor x axis, then the new y, then the new z. Returns misplaced-sensor → nominal-sensor.
 */
export function misplacementRotation(eulerDeg: Readonly<Vec3>): Quat {
  const qx = quatFromRotationVector([eulerDeg[0] * DEG, 0, 0]);
  const qy = quatFromRotationVector([0, eulerDeg[1] * DEG, 0]);
  const qz = quatFromRotationVector([0, 0, eulerDeg[2] * DEG]);
  return quatMultiply(quatMultiply(qx, qy), qz);
}

/** Sensor → segment rotation of a sensor mounted `eulerDeg` away from its nominal orientation (see above). */
export function applyMisplacement(sensorToSegment: Readonly<Quat>, eulerDeg: Readonly<Vec3>): Quat {
  return quatMultiply(sensorToSegment, misplacementRotation(eulerDeg));
}
