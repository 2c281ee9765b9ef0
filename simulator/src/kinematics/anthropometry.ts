/**
 * Body dimensions of the virtual patient (metres) and where the two sensors sit on their segments.
 * Defaults: an adult of about 1.75 m. The pelvis segment origin is the midpoint of the two hip joint centres
 * (so the body is left/right symmetric about it); the femur origin is its hip joint centre (ISB).
 */
import type { Side, Vec3 } from '@hipmon/core';
import { sideSign } from '@hipmon/core';

export interface Anthropometry {
  /** Half the distance between the two hip joint centres. */
  hipHalfWidthM: number;
  /** Hip joint centre → knee joint centre. */
  thighLengthM: number;
  /** Knee joint centre height above the floor when standing (shank plus foot). */
  shankLengthM: number;
  /** Pelvis origin above the floor when lying on the back. */
  supineHeightM: number;
  /** Pelvis origin above the floor when lying on the side. */
  sideLyingHeightM: number;
  /** Knee joint centre above the floor when kneeling on it. */
  kneelingKneeHeightM: number;
  /** Sacral sensor position in the pelvis frame (X anterior, Y superior, Z right): ~10 cm behind the hip-centre line. */
  sacralSensorOffsetM: Vec3;
  /** Thigh sensor distance below the hip joint centre, along the femur. */
  thighSensorDistanceM: number;
  /** Thigh sensor lateral offset from the femur axis (skin surface of the lateral thigh). */
  thighSensorLateralM: number;
}

export const DEFAULT_ANTHROPOMETRY: Readonly<Anthropometry> = Object.freeze({
  hipHalfWidthM: 0.085,
  thighLengthM: 0.42,
  shankLengthM: 0.48,
  supineHeightM: 0.1,
  sideLyingHeightM: 0.18,
  kneelingKneeHeightM: 0.05,
  sacralSensorOffsetM: [-0.1, 0.02, 0] as Vec3,
  thighSensorDistanceM: 0.2,
  thighSensorLateralM: 0.08,
});

export function resolveAnthropometry(overrides: Partial<Anthropometry> = {}): Anthropometry {
  const body: Anthropometry = {
    ...DEFAULT_ANTHROPOMETRY,
    ...overrides,
    sacralSensorOffsetM: [...(overrides.sacralSensorOffsetM ?? DEFAULT_ANTHROPOMETRY.sacralSensorOffsetM)] as Vec3,
  };
  for (const [key, value] of Object.entries(body)) {
    if (key === 'sacralSensorOffsetM') continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new Error(`anthropometry ${key} must be a finite non-negative number, got ${String(value)}`);
    }
  }
  if (!body.sacralSensorOffsetM.every(Number.isFinite))
    throw new Error('anthropometry sacralSensorOffsetM must be finite');
  if (body.thighLengthM <= 0 || body.shankLengthM <= 0) throw new Error('thigh and shank lengths must be positive');
  return body;
}

/** Pelvis origin height when standing upright (the calibration pose). */
export const standingPelvisHeight = (body: Anthropometry): number => body.thighLengthM + body.shankLengthM;

/** Hip joint centre of `side` in the pelvis frame. */
export const hipCentreInPelvis = (body: Anthropometry, side: Side): Vec3 => [0, 0, sideSign(side) * body.hipHalfWidthM];

/** Sensor position in its segment frame: the pelvis sensor on the sacrum, the thigh sensor on the lateral thigh. */
export function sensorLeverArm(body: Anthropometry, segment: 'pelvis' | 'thigh', side: Side): Vec3 {
  if (segment === 'pelvis') return [...body.sacralSensorOffsetM];
  return [0, -body.thighSensorDistanceM, sideSign(side) * body.thighSensorLateralM];
}
