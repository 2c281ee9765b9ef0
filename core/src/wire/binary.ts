/**
 * The binary IMU frame, version 1: little-endian, float32 SI sample values, float64 seconds for time.
 * Byte layout, rationale and a worked example: docs/protocol.md.
 */
import type { Vec3 } from '../math/quat.js';
import { WireError } from './errors.js';
import { MAX_SAMPLES_PER_FRAME, MAX_SENSOR_ID_LENGTH } from './types.js';
import type { ImuFrame, ImuReading, SensorRole } from './types.js';
import { validateImuFrame, validateTimestamp } from './validate.js';

/** 0xA5 is not ASCII and not a UTF-8 lead byte, so no JSON text (nor any UTF-8 text) can start with it. */
export const IMU_FRAME_MAGIC = 0xa5;
export const IMU_FRAME_VERSION = 1;
export const IMU_FLAG_MAG = 0x01;
export const IMU_FLAG_EXPLICIT_TIME = 0x02;
const KNOWN_FLAGS = IMU_FLAG_MAG | IMU_FLAG_EXPLICIT_TIME;

export const IMU_ROLE_CODES: Readonly<Record<SensorRole, number>> = { pelvis: 1, thigh_left: 2, thigh_right: 3 };
const ROLE_BY_CODE: readonly (SensorRole | undefined)[] = [undefined, 'pelvis', 'thigh_left', 'thigh_right'];

/** Fixed part of every frame (magic … reserved byte, t0 included). */
export const IMU_FRAME_HEADER_BYTES = 20;
const PERIOD_BYTES = 8;
const OFFSET_BYTES = 4;
const VEC3_BYTES = 12;

export interface ImuFrameShape {
  sampleCount: number;
  mag: boolean;
  explicit: boolean;
  sensorIdLength: number;
}

export const sampleRecordBytes = (mag: boolean, explicit: boolean): number =>
  (explicit ? OFFSET_BYTES : 0) + 2 * VEC3_BYTES + (mag ? VEC3_BYTES : 0);

export const imuFrameByteLength = (shape: ImuFrameShape): number =>
  IMU_FRAME_HEADER_BYTES +
  (shape.explicit ? 0 : PERIOD_BYTES) +
  shape.sensorIdLength +
  shape.sampleCount * sampleRecordBytes(shape.mag, shape.explicit);

/** The largest valid frame: 1000 explicitly timed samples with mag and a 64-character sensor id (40 084 bytes). */
export const MAX_BINARY_FRAME_BYTES = imuFrameByteLength({
  sampleCount: MAX_SAMPLES_PER_FRAME,
  mag: true,
  explicit: true,
  sensorIdLength: MAX_SENSOR_ID_LENGTH,
});

function writeVec3(view: DataView, offset: number, v: Vec3): number {
  view.setFloat32(offset, v[0], true);
  view.setFloat32(offset + 4, v[1], true);
  view.setFloat32(offset + 8, v[2], true);
  return offset + VEC3_BYTES;
}

function readVec3(view: DataView, offset: number): Vec3 {
  return [view.getFloat32(offset, true), view.getFloat32(offset + 4, true), view.getFloat32(offset + 8, true)];
}

/** Encodes a frame; throws WireError if the frame breaks a rule (so an invalid frame is never published). */
export function encodeImuFrame(frame: ImuFrame): Uint8Array {
  validateImuFrame(frame);
  const { samples, timing } = frame;
  const n = samples.length;
  const mag = n > 0 && samples[0]!.mag !== undefined;
  const explicit = timing.kind === 'explicit';
  const sensorId = frame.sensorId ?? '';
  const bytes = new Uint8Array(imuFrameByteLength({ sampleCount: n, mag, explicit, sensorIdLength: sensorId.length }));
  const view = new DataView(bytes.buffer);
  const t0 = timing.kind === 'regular' ? timing.t0 : n > 0 ? timing.t[0]! : 0;

  view.setUint8(0, IMU_FRAME_MAGIC);
  view.setUint8(1, IMU_FRAME_VERSION);
  view.setUint8(2, (mag ? IMU_FLAG_MAG : 0) | (explicit ? IMU_FLAG_EXPLICIT_TIME : 0));
  view.setUint8(3, IMU_ROLE_CODES[frame.role]);
  view.setUint32(4, frame.seq, true);
  view.setFloat64(8, t0, true);
  view.setUint16(16, n, true);
  view.setUint8(18, sensorId.length);
  view.setUint8(19, 0);
  let offset = IMU_FRAME_HEADER_BYTES;
  if (timing.kind === 'regular') {
    view.setFloat64(offset, timing.period, true);
    offset += PERIOD_BYTES;
  }
  // validateImuFrame guaranteed the id is ASCII, so one byte per UTF-16 unit is exact.
  for (let k = 0; k < sensorId.length; k++) bytes[offset++] = sensorId.charCodeAt(k);

  for (let i = 0; i < n; i++) {
    if (timing.kind === 'explicit') {
      view.setUint32(offset, Math.round((timing.t[i]! - t0) * 1e6), true);
      offset += OFFSET_BYTES;
    }
    const s = samples[i]!;
    offset = writeVec3(view, offset, s.gyr);
    offset = writeVec3(view, offset, s.acc);
    if (mag) offset = writeVec3(view, offset, s.mag!);
  }
  return bytes;
}

/**
 * Decodes one frame from exactly `bytes` (a view into a larger buffer is fine). Throws WireError, and nothing
 * else, on any defect; every length is checked before it is read, so it never reads outside the view.
 */
export function decodeImuFrame(bytes: Uint8Array): ImuFrame {
  const length = bytes.byteLength;
  if (length > MAX_BINARY_FRAME_BYTES) {
    throw new WireError('too_large', `${length} bytes exceed the frame limit of ${MAX_BINARY_FRAME_BYTES}`);
  }
  if (length < 1) throw new WireError('truncated', 'empty payload');
  if (bytes[0] !== IMU_FRAME_MAGIC) {
    throw new WireError('bad_magic', `first byte 0x${bytes[0]!.toString(16).padStart(2, '0')} is not 0xa5`);
  }
  if (length < 2) throw new WireError('truncated', 'no version byte');
  if (bytes[1] !== IMU_FRAME_VERSION) {
    throw new WireError('unsupported_version', `frame version ${bytes[1]} (this decoder knows ${IMU_FRAME_VERSION})`);
  }
  if (length < IMU_FRAME_HEADER_BYTES) throw new WireError('truncated', `${length} bytes, the header alone needs 20`);

  const view = new DataView(bytes.buffer, bytes.byteOffset, length);
  const flags = view.getUint8(2);
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new WireError('bad_flags', `reserved flag bits set: 0x${flags.toString(16)}`);
  if (view.getUint8(19) !== 0) throw new WireError('bad_flags', 'reserved header byte 19 is not zero');
  const role = ROLE_BY_CODE[view.getUint8(3)];
  if (role === undefined) throw new WireError('bad_role', `unknown role code ${view.getUint8(3)}`);
  const n = view.getUint16(16, true);
  if (n > MAX_SAMPLES_PER_FRAME) {
    throw new WireError('too_many_samples', `${n} samples exceed the limit of ${MAX_SAMPLES_PER_FRAME}`);
  }
  const sensorIdLength = view.getUint8(18);
  if (sensorIdLength > MAX_SENSOR_ID_LENGTH) {
    throw new WireError('bad_sensor_id', `sensor id length ${sensorIdLength} exceeds ${MAX_SENSOR_ID_LENGTH}`);
  }
  const mag = (flags & IMU_FLAG_MAG) !== 0;
  const explicit = (flags & IMU_FLAG_EXPLICIT_TIME) !== 0;
  const expected = imuFrameByteLength({ sampleCount: n, mag, explicit, sensorIdLength });
  if (length < expected) throw new WireError('truncated', `${length} bytes, the header announces ${expected}`);
  if (length > expected) throw new WireError('length_mismatch', `${length} bytes, the header announces ${expected}`);

  const t0 = view.getFloat64(8, true);
  // Checked in both timing modes: even an empty explicit frame must not carry a NaN or absurd t0.
  validateTimestamp(t0, 't0');
  let offset = IMU_FRAME_HEADER_BYTES;
  let period = 0;
  if (!explicit) {
    period = view.getFloat64(offset, true);
    offset += PERIOD_BYTES;
  }
  const sensorId = sensorIdLength > 0 ? String.fromCharCode(...bytes.subarray(offset, offset + sensorIdLength)) : '';
  offset += sensorIdLength;

  const samples: ImuReading[] = new Array(n);
  const times: number[] = explicit ? new Array(n) : [];
  for (let i = 0; i < n; i++) {
    if (explicit) {
      times[i] = t0 + view.getUint32(offset, true) / 1e6;
      offset += OFFSET_BYTES;
    }
    const gyr = readVec3(view, offset);
    const acc = readVec3(view, offset + VEC3_BYTES);
    offset += 2 * VEC3_BYTES;
    if (mag) {
      samples[i] = { gyr, acc, mag: readVec3(view, offset) };
      offset += VEC3_BYTES;
    } else {
      samples[i] = { gyr, acc };
    }
  }

  const frame: ImuFrame = {
    role,
    seq: view.getUint32(4, true),
    timing: explicit ? { kind: 'explicit', t: times } : { kind: 'regular', t0, period },
    samples,
  };
  if (sensorIdLength > 0) frame.sensorId = sensorId;
  validateImuFrame(frame);
  return frame;
}
