/**
 * Movella (Xsens) DOT driver, after the vendor's "Movella DOT BLE Services Specification": the Measurement Service
 * (base UUID 1517xxxx-4947-11e9-8646-d663bd873d93), its Control characteristic (0x2001: Type, Action, Payload
 * mode) and the Medium Payload characteristic (0x2003) that carries the calibrated-data payload modes. Section 3.5
 * ("Measurement data") fixes the fields: Timestamp uint32 µs; Quaternion 4 × float32 (w, x, y, z); Acceleration
 * 3 × float32 m/s² (calibrated, sensor frame — specific force); Angular velocity 3 × float32 °/s. Payload modes
 * used here: "Rate quantities" (timestamp, acceleration, angular velocity) and "Custom mode 5" (timestamp,
 * quaternion, acceleration, angular velocity). Free acceleration modes (gravity removed, earth frame) are not
 * useful to the hipmon fusion and are not decoded.
 */
import type { Quat, Vec3 } from '@hipmon/core';
import { DEG } from '@hipmon/core';
import type { CountedReading } from './driver.js';
import { nobleUuid } from './driver.js';
import { BlePacketError } from './hipmon-profile.js';

const dotUuid = (short: number): string =>
  nobleUuid(`1517${short.toString(16).padStart(4, '0')}-4947-11e9-8646-d663bd873d93`);
export const DOT_MEASUREMENT_SERVICE_UUID = dotUuid(0x2000);
export const DOT_CONTROL_UUID = dotUuid(0x2001);
export const DOT_MEDIUM_PAYLOAD_UUID = dotUuid(0x2003);

/** Payload mode ids of the Control characteristic. */
export const DOT_PAYLOAD_MODE = { rateQuantities: 21, customMode5: 26 } as const;
export type DotPayloadMode = keyof typeof DOT_PAYLOAD_MODE;
const PAYLOAD_BYTES: Record<DotPayloadMode, number> = { rateQuantities: 28, customMode5: 44 };

export interface DotMeasurement extends CountedReading {
  /** Sensor timestamp, µs (wraps at 2^32). */
  timestampUs: number;
  quaternion?: Quat;
}

/** Control write: Type 1 (measurement), Action 1 start / 0 stop, Payload mode. */
export const dotControl = (start: boolean, mode: DotPayloadMode): Buffer =>
  Buffer.from([1, start ? 1 : 0, DOT_PAYLOAD_MODE[mode]]);

export function parseDotControl(bytes: Uint8Array): { start: boolean; mode: DotPayloadMode } {
  const mode = (Object.keys(DOT_PAYLOAD_MODE) as DotPayloadMode[]).find((m) => DOT_PAYLOAD_MODE[m] === bytes[2]);
  if (bytes.length !== 3 || bytes[0] !== 1 || !mode) throw new BlePacketError('DOT: unsupported control write');
  return { start: bytes[1] === 1, mode };
}

/** One Medium Payload notification (the characteristic is fixed-size; bytes past the mode's fields are padding). */
export function decodeDotPayload(mode: DotPayloadMode, bytes: Uint8Array): DotMeasurement {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < PAYLOAD_BYTES[mode])
    throw new BlePacketError(`DOT ${mode}: ${buf.length} bytes, need ${PAYLOAD_BYTES[mode]}`);
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

/** The simulator's side: a Medium Payload notification (padded to the characteristic's 40-byte minimum). */
export function encodeDotPayload(
  mode: DotPayloadMode,
  timestampUs: number,
  acc: Vec3,
  gyr: Vec3,
  quaternion: Quat = [1, 0, 0, 0],
): Buffer {
  const out = Buffer.alloc(Math.max(40, PAYLOAD_BYTES[mode]));
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
