/**
 * Canonical IMU data types shared by the gateway, the simulator and the processing service.
 * Units follow the design brief: seconds (gateway clock), rad/s, m/s² specific force, µT.
 */
import type { Vec3 } from '../math/quat.js';

export const SENSOR_ROLES = ['pelvis', 'thigh_left', 'thigh_right'] as const;
export type SensorRole = (typeof SENSOR_ROLES)[number];

export const isSensorRole = (value: unknown): value is SensorRole =>
  typeof value === 'string' && (SENSOR_ROLES as readonly string[]).includes(value);

/** One measurement without its time: what a frame carries per sample (the time comes from the frame timing). */
export interface ImuReading {
  /** rad/s, sensor frame */
  gyr: Vec3;
  /** m/s², specific force (+9.81 on the up axis at rest), sensor frame */
  acc: Vec3;
  /** µT, sensor frame; present on every sample of a frame or on none */
  mag?: Vec3;
}

export interface ImuSample extends ImuReading {
  /** s, gateway clock */
  t: number;
}

/**
 * How the samples of a frame are timed. `regular`: sample i was taken at t0 + i·period (a sensor with a steady
 * output data rate). `explicit`: one timestamp per sample (jittery sources, gaps), non-decreasing.
 */
export type FrameTiming = { kind: 'regular'; t0: number; period: number } | { kind: 'explicit'; t: number[] };

/** One sensor's batch of samples, the unit the gateway publishes and the service dedupes/reorders by `seq`. */
export interface ImuFrame {
  role: SensorRole;
  /** uint32, per sensor stream: +1 per frame, wraps from 2^32 − 1 to 0 */
  seq: number;
  /** Optional hardware id of the sensor (e.g. its BLE address), [A-Za-z0-9_.:-]{1,64} */
  sensorId?: string;
  timing: FrameTiming;
  samples: ImuReading[];
}

/** Limits enforced by every encoder and decoder of this module (see docs/protocol.md). */
export const MAX_SAMPLES_PER_FRAME = 1000;
export const MAX_SENSOR_ID_LENGTH = 64;
export const SENSOR_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
/** Timestamps live in [0, 2^32) s: float64 keeps them to ≤ 0.24 µs there (≈ 136 years of uptime). */
export const MAX_TIMESTAMP_S = 2 ** 32;
export const MIN_PERIOD_S = 1e-6;
export const MAX_PERIOD_S = 10;
/** Explicit timestamps travel as uint32 microsecond offsets from the first one. */
export const MAX_EXPLICIT_OFFSET_US = 0xffffffff;
export const MAX_SEQ = 0xffffffff;
export const FLOAT32_MAX = 3.4028234663852886e38;
