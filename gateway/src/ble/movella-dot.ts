/**
 * Movella (Xsens) DOT codec. Sources, cited by short name in the comments:
 *
 * - [spec] "Movella DOT BLE Service Specification", document XD0506P, revision C (July 2023): §1.1 base UUID, §2.2
 *   Device Control (Table 7), §3.1 Control (Table 13), §3.2–3.4 payload characteristics (Tables 14–16), §3.5
 *   measurement data (Table 17), §4.1 Battery (Table 21).
 * - [server] the vendor's Node.js/noble example, xsens/xsens_dot_server bleHandler.js (control writes, payload
 *   offsets, the medium payload characteristic).
 * - [esp32] pseudo-coder6371/Xsens_DOT_ESP32_BLE src/xsens_dot_esp32_ble.cpp (an output-rate write: visit index 16,
 *   rate at bytes 24–25 of a 32-byte Device Control write); adamkewley/xdc (visit index 0x10 for the rate).
 *
 * Payload modes used: "Rate quantities" (timestamp, acceleration, angular velocity) and "Custom mode 5" (timestamp,
 * quaternion, acceleration, angular velocity). Free acceleration modes (gravity removed, earth frame) are of no use
 * to the hipmon fusion; the magnetic field is in arbitrary units ([spec] Table 17), not µT, so it is not decoded.
 */
import type { Quat, Vec3 } from '@hipmon/core';
import { DEG } from '@hipmon/core';
import type { CountedReading } from './driver.js';
import { nobleUuid } from './driver.js';
import { BlePacketError } from './hipmon-profile.js';

/** [spec] §1.1: every attribute is 1517xxxx-4947-11E9-8646-D663BD873D93. */
const dotUuid = (short: number): string =>
  nobleUuid(`1517${short.toString(16).padStart(4, '0')}-4947-11e9-8646-d663bd873d93`);
// Services and characteristics: [spec] Table 2 (services), Table 5 (configuration), Table 12 (measurement), Table 20.
export const DOT_CONFIGURATION_SERVICE_UUID = dotUuid(0x1000);
/** Device Control: 32 bytes, read/write (output rate, filter profile, tag…). */
export const DOT_DEVICE_CONTROL_UUID = dotUuid(0x1002);
export const DOT_MEASUREMENT_SERVICE_UUID = dotUuid(0x2000);
/** Control: 3 bytes, read/write (start/stop and payload mode). */
export const DOT_CONTROL_UUID = dotUuid(0x2001);
/** Long payload: notify, 63 bytes (payload modes over 40 bytes). */
export const DOT_LONG_PAYLOAD_UUID = dotUuid(0x2002);
/** Medium payload: notify, 40 bytes (payload modes of 21–40 bytes); trailing bytes are 0x00. */
export const DOT_MEDIUM_PAYLOAD_UUID = dotUuid(0x2003);
/** Short payload: notify, 20 bytes. */
export const DOT_SHORT_PAYLOAD_UUID = dotUuid(0x2004);
export const DOT_BATTERY_SERVICE_UUID = dotUuid(0x3000);
/** Battery: 2 bytes, read/notify. */
export const DOT_BATTERY_UUID = dotUuid(0x3001);

/** Payload mode ids of the Control characteristic ([spec] Table 13: 21 "Rate quantities", 26 "Custom mode 5"). */
export const DOT_PAYLOAD_MODE = { rateQuantities: 21, customMode5: 26 } as const;
export type DotPayloadMode = keyof typeof DOT_PAYLOAD_MODE;

interface PayloadLayout {
  /** Bytes of the mode's fields ([spec] Tables 14 and 15). */
  bytes: number;
  /** The characteristic that carries it, and that characteristic's fixed length ([spec] Table 12). */
  characteristic: string;
  characteristicBytes: number;
}
const PAYLOADS: Record<DotPayloadMode, PayloadLayout> = {
  // Table 15: timestamp, acceleration, angular velocity = 4 + 12 + 12.
  rateQuantities: { bytes: 28, characteristic: DOT_MEDIUM_PAYLOAD_UUID, characteristicBytes: 40 },
  // Table 14 (long payload): timestamp, quaternion, acceleration, angular velocity = 4 + 16 + 12 + 12.
  customMode5: { bytes: 44, characteristic: DOT_LONG_PAYLOAD_UUID, characteristicBytes: 63 },
};
/** The payload characteristic a mode's measurements are notified on. */
export const dotPayloadCharacteristic = (mode: DotPayloadMode): string => PAYLOADS[mode].characteristic;

/** Control "Type" 1 = measurement ([spec] Table 13; others are invalid). */
const CONTROL_TYPE_MEASUREMENT = 1;

export interface DotMeasurement extends CountedReading {
  /** Sensor timestamp, µs (wraps at 2^32). */
  timestampUs: number;
  quaternion?: Quat;
}

/** Control write: Type 1 (measurement), Action 1 start / 0 stop, Payload mode ([spec] Table 13; [server]). */
export const dotControl = (start: boolean, mode: DotPayloadMode): Buffer =>
  Buffer.from([CONTROL_TYPE_MEASUREMENT, start ? 1 : 0, DOT_PAYLOAD_MODE[mode]]);

/** Parses a Control value: a write, or a read of the measurement status (the same 3 bytes). */
export function parseDotControl(bytes: Uint8Array): { start: boolean; mode: DotPayloadMode } {
  const mode = (Object.keys(DOT_PAYLOAD_MODE) as DotPayloadMode[]).find((m) => DOT_PAYLOAD_MODE[m] === bytes[2]);
  if (bytes.length !== 3 || bytes[0] !== CONTROL_TYPE_MEASUREMENT || !mode)
    throw new BlePacketError('DOT: unsupported control value');
  return { start: bytes[1] === 1, mode };
}

// ---- Device Control ([spec] §2.2, Table 7) ----
export const DOT_DEVICE_CONTROL_BYTES = 32;
/** "Visit Index" bits: which fields of a write apply. */
export const DOT_VISIT = {
  identify: 1 << 0,
  powerOff: 1 << 1,
  powerSavingTimeout: 1 << 2,
  tag: 1 << 3,
  outputRate: 1 << 4,
  filterProfile: 1 << 5,
} as const;
// Offsets: Visit Index 0, Identifying 1, Power off/on options 2, power-saving timeouts X min/s and Y min/s 3–6,
// Device Tag length 7, Device Tag 8–23 (16 bytes), Output rate 24–25 (uint16), Filter profile index 26, reserved 27–31.
const TAG_LENGTH_AT = 7;
const TAG_AT = 8;
const TAG_BYTES = 16;
const OUTPUT_RATE_AT = 24;
const FILTER_PROFILE_AT = 26;
/** Real-time output rates, Hz ([spec] Table 7: 120 Hz is for recording only). Default 60. */
export const DOT_OUTPUT_RATES: readonly number[] = [1, 4, 10, 12, 15, 20, 30, 60];
export const DOT_DEFAULT_OUTPUT_RATE = 60;

export interface DotDeviceControl {
  visitIndex: number;
  outputRate: number;
  filterProfile: number;
  tag: string;
}

/**
 * A Device Control write that changes only the output rate: the value read from the sensor with visit bit 4 set and
 * the new rate ([spec] Table 7; the same read-modify-write as adamkewley/xdc aset_output_rate, and the bytes
 * [esp32] sends). The DOT refuses the change once measurement has started, so it goes before the start command.
 */
export function dotSetOutputRate(current: Uint8Array, rate: number): Buffer {
  if (!DOT_OUTPUT_RATES.includes(rate))
    throw new RangeError(`Movella DOT streams at ${DOT_OUTPUT_RATES.join(', ')} Hz, not ${rate}`);
  if (current.length !== DOT_DEVICE_CONTROL_BYTES)
    throw new BlePacketError(`DOT device control: ${current.length} bytes, need ${DOT_DEVICE_CONTROL_BYTES}`);
  const out = Buffer.from(current);
  out[0] = DOT_VISIT.outputRate;
  out.writeUInt16LE(rate, OUTPUT_RATE_AT);
  return out;
}

export function decodeDotDeviceControl(bytes: Uint8Array): DotDeviceControl {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length !== DOT_DEVICE_CONTROL_BYTES)
    throw new BlePacketError(`DOT device control: ${buf.length} bytes, need ${DOT_DEVICE_CONTROL_BYTES}`);
  const tagLength = Math.min(buf[TAG_LENGTH_AT]!, TAG_BYTES);
  return {
    visitIndex: buf[0]!,
    outputRate: buf.readUInt16LE(OUTPUT_RATE_AT),
    filterProfile: buf[FILTER_PROFILE_AT]!,
    tag: buf.toString('utf8', TAG_AT, TAG_AT + tagLength),
  };
}

/** The Device Control value as the sensor returns it on a read (simulator side). */
export function encodeDotDeviceControl(state: Omit<DotDeviceControl, 'visitIndex'>): Buffer {
  const out = Buffer.alloc(DOT_DEVICE_CONTROL_BYTES);
  const tag = Buffer.from(state.tag, 'utf8').subarray(0, TAG_BYTES);
  out[TAG_LENGTH_AT] = tag.length;
  tag.copy(out, TAG_AT);
  out.writeUInt16LE(state.outputRate, OUTPUT_RATE_AT);
  out[FILTER_PROFILE_AT] = state.filterProfile;
  return out;
}

// ---- Battery ([spec] §4.1, Table 21): level %, then charging status (0 not charging, 1 charging) ----
export const decodeDotBattery = (bytes: Uint8Array): { percent: number; charging: boolean } => {
  if (bytes.length < 2) throw new BlePacketError(`DOT battery: ${bytes.length} bytes, need 2`);
  return { percent: bytes[0]!, charging: bytes[1] === 1 };
};
export const encodeDotBattery = (percent: number, charging: boolean): Buffer =>
  Buffer.from([Math.round(percent), charging ? 1 : 0]);

// ---- Measurement data ([spec] §3.5, Table 17): little-endian; Timestamp uint32 µs; Quaternion w, x, y, z float32;
// Acceleration x, y, z float32 m/s², calibrated, sensor frame (specific force); Angular velocity x, y, z float32 °/s.

/** One payload notification (the characteristic is fixed-size; bytes past the mode's fields are padding). */
export function decodeDotPayload(mode: DotPayloadMode, bytes: Uint8Array): DotMeasurement {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = PAYLOADS[mode].bytes;
  if (buf.length < need) throw new BlePacketError(`DOT ${mode}: ${buf.length} bytes, need ${need}`);
  let o = 0;
  const f32 = (): number => {
    const v = buf.readFloatLE(o);
    o += 4;
    return v;
  };
  const vec = (scale: number): Vec3 => [f32() * scale, f32() * scale, f32() * scale];
  const timestampUs = buf.readUInt32LE(0);
  o = 4;
  const quaternion: Quat | undefined = mode === 'customMode5' ? [f32(), f32(), f32(), f32()] : undefined;
  const acc = vec(1);
  const gyr = vec(DEG);
  return { timestampUs, counter: timestampUs, acc, gyr, ...(quaternion ? { quaternion } : {}) };
}

/** The simulator's side: a payload notification, zero-padded to its characteristic's length. */
export function encodeDotPayload(
  mode: DotPayloadMode,
  timestampUs: number,
  acc: Vec3,
  gyr: Vec3,
  quaternion: Quat = [1, 0, 0, 0],
): Buffer {
  const out = Buffer.alloc(PAYLOADS[mode].characteristicBytes);
  out.writeUInt32LE(timestampUs >>> 0, 0);
  let o = 4;
  const put = (v: number): void => {
    out.writeFloatLE(v, o);
    o += 4;
  };
  if (mode === 'customMode5') quaternion.forEach(put);
  acc.forEach(put);
  gyr.forEach((v) => put(v / DEG));
  return out;
}
