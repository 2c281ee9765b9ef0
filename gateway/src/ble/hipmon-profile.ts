/**
 * The hipmon open GATT profile (docs/ble-profile.md): a service any maker can implement on an ESP32/nRF52 with a
 * common IMU. Packets carry N samples after one uint32 sample counter; values are int16 scaled by the LSB sizes
 * published in the config characteristic. Encoders live next to the decoders so firmware authors and the simulator
 * share one definition of the bytes.
 */
import type { ImuReading, Vec3 } from '@hipmon/core';
import type { CountedReading } from './driver.js';
import { nobleUuid } from './driver.js';

const uuid = (short: string): string => nobleUuid(`${short}-8e3f-4b1c-9c5a-68697066d001`);
export const HIPMON_SERVICE_UUID = uuid('b3a10001');
/** notify: sample packets */
export const HIPMON_DATA_UUID = uuid('b3a10002');
/** read: the stream configuration (rate, scales, flags) */
export const HIPMON_CONFIG_UUID = uuid('b3a10003');
/** write: commands (start, stop, set rate) */
export const HIPMON_CONTROL_UUID = uuid('b3a10004');
/** The standard Battery Service / Battery Level (uint8 %), so generic tools show it too. */
export const BATTERY_SERVICE_UUID = '180f';
export const BATTERY_LEVEL_UUID = '2a19';

export const HIPMON_PROFILE_VERSION = 1;
export const PACKET_HEADER_BYTES = 6;
const VEC_BYTES = 6;
export const CONFIG_BYTES = 17;

export interface HipmonStreamConfig {
  /** Output data rate, Hz (the counter advances by one per sample at this nominal rate). */
  rate: number;
  /** Size of one LSB: rad/s, m/s², µT. */
  gyrLsb: number;
  accLsb: number;
  magLsb: number;
  hasMag: boolean;
  streaming: boolean;
  samplesPerPacket: number;
}

/** Defaults for a ±2000 °/s gyro, ±16 g accelerometer, 0.15 µT magnetometer (int16 full scale). */
export const DEFAULT_STREAM_CONFIG: HipmonStreamConfig = {
  rate: 100,
  gyrLsb: (2000 * Math.PI) / 180 / 32768,
  accLsb: (16 * 9.80665) / 32768,
  magLsb: 0.15,
  hasMag: false,
  streaming: false,
  samplesPerPacket: 10,
};

export class BlePacketError extends Error {
  override name = 'BlePacketError';
}

export const samplesPerPacketForMtu = (mtu: number, hasMag: boolean): number =>
  Math.max(0, Math.floor((mtu - 3 - PACKET_HEADER_BYTES) / (hasMag ? 3 : 2) / VEC_BYTES));

export function encodeStreamConfig(config: HipmonStreamConfig): Buffer {
  const out = Buffer.alloc(CONFIG_BYTES);
  out.writeUInt8(HIPMON_PROFILE_VERSION, 0);
  out.writeUInt8((config.hasMag ? 1 : 0) | (config.streaming ? 2 : 0), 1);
  out.writeUInt16LE(config.rate, 2);
  out.writeFloatLE(config.gyrLsb, 4);
  out.writeFloatLE(config.accLsb, 8);
  out.writeFloatLE(config.magLsb, 12);
  out.writeUInt8(config.samplesPerPacket, 16);
  return out;
}

export function decodeStreamConfig(bytes: Uint8Array): HipmonStreamConfig {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < CONFIG_BYTES) throw new BlePacketError(`config: ${buf.length} bytes, need ${CONFIG_BYTES}`);
  const version = buf.readUInt8(0);
  if (version !== HIPMON_PROFILE_VERSION) throw new BlePacketError(`config: unsupported profile version ${version}`);
  const flags = buf.readUInt8(1);
  const config: HipmonStreamConfig = {
    rate: buf.readUInt16LE(2),
    gyrLsb: buf.readFloatLE(4),
    accLsb: buf.readFloatLE(8),
    magLsb: buf.readFloatLE(12),
    hasMag: (flags & 1) !== 0,
    streaming: (flags & 2) !== 0,
    samplesPerPacket: buf.readUInt8(16),
  };
  if (!(config.rate > 0) || !(config.gyrLsb > 0) || !(config.accLsb > 0)) {
    throw new BlePacketError('config: rate and scales must be positive');
  }
  return config;
}

export type HipmonCommand = { op: 'start' } | { op: 'stop' } | { op: 'setRate'; rate: number };
const OP_START = 0x01;
const OP_STOP = 0x02;
const OP_SET_RATE = 0x03;

export function encodeHipmonCommand(command: HipmonCommand): Buffer {
  if (command.op === 'start') return Buffer.from([OP_START]);
  if (command.op === 'stop') return Buffer.from([OP_STOP]);
  if (!Number.isInteger(command.rate) || command.rate < 1 || command.rate > 0xffff) {
    throw new RangeError(`rate must be an integer in 1..65535 Hz, got ${command.rate}`);
  }
  const out = Buffer.alloc(3);
  out.writeUInt8(OP_SET_RATE, 0);
  out.writeUInt16LE(command.rate, 1);
  return out;
}

export function decodeHipmonCommand(bytes: Uint8Array): HipmonCommand {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const op = buf[0];
  if (op === OP_START && buf.length === 1) return { op: 'start' };
  if (op === OP_STOP && buf.length === 1) return { op: 'stop' };
  if (op === OP_SET_RATE && buf.length === 3) return { op: 'setRate', rate: buf.readUInt16LE(1) };
  throw new BlePacketError(`unknown command ${buf.toString('hex')}`);
}

const quantize = (value: number, lsb: number): number => Math.max(-32768, Math.min(32767, Math.round(value / lsb)));

/** One packet: flags, N, uint32 counter of the first sample, then N × (gyr, acc[, mag]) int16 triplets. */
export function encodeHipmonPacket(
  config: HipmonStreamConfig,
  firstCounter: number,
  readings: readonly ImuReading[],
): Buffer {
  if (readings.length < 1 || readings.length > 255)
    throw new RangeError(`1..255 samples per packet, got ${readings.length}`);
  const stride = VEC_BYTES * (config.hasMag ? 3 : 2);
  const out = Buffer.alloc(PACKET_HEADER_BYTES + stride * readings.length);
  out.writeUInt8(config.hasMag ? 1 : 0, 0);
  out.writeUInt8(readings.length, 1);
  out.writeUInt32LE(firstCounter >>> 0, 2);
  let o = PACKET_HEADER_BYTES;
  const put = (v: Vec3, lsb: number): void => {
    for (const c of v) {
      out.writeInt16LE(quantize(c, lsb), o);
      o += 2;
    }
  };
  for (const r of readings) {
    put(r.gyr, config.gyrLsb);
    put(r.acc, config.accLsb);
    if (config.hasMag) put(r.mag ?? [0, 0, 0], config.magLsb);
  }
  return out;
}

export function decodeHipmonPacket(config: HipmonStreamConfig, bytes: Uint8Array): CountedReading[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < PACKET_HEADER_BYTES) throw new BlePacketError(`packet: ${buf.length} bytes, header needs 6`);
  const hasMag = (buf.readUInt8(0) & 1) !== 0;
  const n = buf.readUInt8(1);
  const first = buf.readUInt32LE(2);
  const stride = VEC_BYTES * (hasMag ? 3 : 2);
  if (buf.length !== PACKET_HEADER_BYTES + n * stride) {
    throw new BlePacketError(`packet: ${buf.length} bytes for ${n} samples (${hasMag ? '9D' : '6D'})`);
  }
  const out: CountedReading[] = [];
  let o = PACKET_HEADER_BYTES;
  const get = (lsb: number): Vec3 => {
    const v: Vec3 = [buf.readInt16LE(o) * lsb, buf.readInt16LE(o + 2) * lsb, buf.readInt16LE(o + 4) * lsb];
    o += VEC_BYTES;
    return v;
  };
  for (let i = 0; i < n; i++) {
    const gyr = get(config.gyrLsb);
    const acc = get(config.accLsb);
    const reading: CountedReading = { gyr, acc, counter: (first + i) >>> 0 };
    if (hasMag) reading.mag = get(config.magLsb);
    out.push(reading);
  }
  return out;
}
