/**
 * WitMotion BWT901BLECL / WT901BLE (Bluetooth 5.0) driver. References: the vendor's WT901BLECL datasheet,
 * "6 Communication Protocol": "6.1.1 Data Packet (Default)" (0x55 0x61: acc, angular velocity, angle, int16 LE),
 * "6.1.2 Single Return Register Data Packet" (FF AA 27 XX 00 → 0x55 0x71 + start register + 8 registers),
 * "6.1.2.1 Magnetic Field Output" (register 0x3A, Hx Hy Hz), and the register table (0x03 RRATE, 0x69 unlock
 * key, 0x00 SAVE). The module sends no sample counter: the gateway numbers packets in arrival order.
 */
import type { Vec3 } from '@hipmon/core';
import { DEG } from '@hipmon/core';
import type { CountedReading } from './driver.js';
import { nobleUuid, STANDARD_GRAVITY } from './driver.js';
import { BlePacketError } from './hipmon-profile.js';

/** Vendor GATT layout (as used by WitMotion's own apps/SDK): one service, a notify and a write characteristic. */
export const WIT_SERVICE_UUID = nobleUuid('0000ffe5-0000-1000-8000-00805f9a34fb');
export const WIT_NOTIFY_UUID = nobleUuid('0000ffe4-0000-1000-8000-00805f9a34fb');
export const WIT_WRITE_UUID = nobleUuid('0000ffe9-0000-1000-8000-00805f9a34fb');

export const WIT_HEADER = 0x55;
export const WIT_FLAG_DATA = 0x61;
export const WIT_FLAG_REGISTER = 0x71;
export const WIT_PACKET_BYTES = 20;

export const WIT_REG = {
  save: 0x00,
  rate: 0x03,
  readAddress: 0x27,
  magX: 0x3a,
  quaternion: 0x51,
  battery: 0x64,
  unlock: 0x69,
};

/** RRATE codes (register 0x03) → output rate, Hz. */
export const WIT_RATE_CODES: Readonly<Record<number, number>> = {
  0x01: 0.2,
  0x02: 0.5,
  0x03: 1,
  0x04: 2,
  0x05: 5,
  0x06: 10,
  0x07: 20,
  0x08: 50,
  0x09: 100,
  0x0b: 200,
};

// "Acceleration calculation method": raw/32768·16 g; "Angular Calculation": raw/32768·2000 °/s; angle ·180 °.
const ACC_LSB = (16 * STANDARD_GRAVITY) / 32768;
const GYR_LSB = (2000 * DEG) / 32768;
const ANGLE_LSB = (180 * DEG) / 32768;
/** Magnetic field registers are in mG ("6.1.2.1"): 1 mG = 0.1 µT. */
const MAG_LSB_UT = 0.1;

export interface WitDataPacket {
  kind: 'data';
  gyr: Vec3;
  acc: Vec3;
  /** roll, pitch, yaw in rad (the module's own fusion; informative only) */
  angle: Vec3;
}
export interface WitRegisterPacket {
  kind: 'register';
  start: number;
  /** 8 signed 16-bit registers from `start` */
  values: number[];
}
export type WitPacket = WitDataPacket | WitRegisterPacket;

/** Decodes one notification; a 5.0 module may concatenate packets, so this returns every 20-byte packet in it. */
export function decodeWitNotification(bytes: Uint8Array): WitPacket[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length === 0 || buf.length % WIT_PACKET_BYTES !== 0) {
    throw new BlePacketError(`WitMotion: ${buf.length} bytes is not a multiple of ${WIT_PACKET_BYTES}`);
  }
  const out: WitPacket[] = [];
  for (let o = 0; o < buf.length; o += WIT_PACKET_BYTES) {
    if (buf[o] !== WIT_HEADER) throw new BlePacketError(`WitMotion: bad header 0x${buf[o]!.toString(16)}`);
    const flag = buf[o + 1];
    const word = (i: number): number => buf.readInt16LE(o + 2 + 2 * i);
    const vec = (i: number, lsb: number): Vec3 => [word(i) * lsb, word(i + 1) * lsb, word(i + 2) * lsb];
    if (flag === WIT_FLAG_DATA) {
      out.push({ kind: 'data', acc: vec(0, ACC_LSB), gyr: vec(3, GYR_LSB), angle: vec(6, ANGLE_LSB) });
    } else if (flag === WIT_FLAG_REGISTER) {
      out.push({ kind: 'register', start: buf.readUInt16LE(o + 2), values: [1, 2, 3, 4, 5, 6, 7, 8].map(word) });
    } else {
      throw new BlePacketError(`WitMotion: unknown flag 0x${flag!.toString(16)}`);
    }
  }
  return out;
}

/** Magnetic field in µT from a register packet that starts at 0x3A, else undefined. */
export const witMagnetometer = (packet: WitRegisterPacket): Vec3 | undefined =>
  packet.start === WIT_REG.magX
    ? [packet.values[0]! * MAG_LSB_UT, packet.values[1]! * MAG_LSB_UT, packet.values[2]! * MAG_LSB_UT]
    : undefined;

/** Battery voltage in V (register 0x64, 0.01 V units) from a register packet that starts there, else undefined. */
export const witBatteryVoltage = (packet: WitRegisterPacket): number | undefined =>
  packet.start === WIT_REG.battery ? packet.values[0]! / 100 : undefined;

/** Canonical readings of a notification's data packets (register packets are skipped). */
export function witReadings(packets: readonly WitPacket[], mag?: Vec3): CountedReading[] {
  return packets.flatMap((p) => (p.kind === 'data' ? [{ gyr: p.gyr, acc: p.acc, ...(mag ? { mag } : {}) }] : []));
}

/** "FF AA reg low high": writes one register (the module wants the unlock command first). */
export function witWriteRegister(register: number, value: number): Buffer {
  return Buffer.from([0xff, 0xaa, register & 0xff, value & 0xff, (value >> 8) & 0xff]);
}
export const witUnlock = (): Buffer => Buffer.from([0xff, 0xaa, WIT_REG.unlock, 0x88, 0xb5]);
export const witSave = (): Buffer => witWriteRegister(WIT_REG.save, 0);
/** "FF AA 27 XX 00": asks for a 0x71 packet with registers XX..XX+7. */
export const witReadRegister = (register: number): Buffer => witWriteRegister(WIT_REG.readAddress, register);

/** The unlock / set-rate / save sequence for an output rate the module supports. */
export function witSetRateCommands(rate: number): Buffer[] {
  const entry = Object.entries(WIT_RATE_CODES).find(([, hz]) => hz === rate);
  if (!entry) throw new RangeError(`WitMotion supports ${Object.values(WIT_RATE_CODES).join(', ')} Hz, not ${rate}`);
  return [witUnlock(), witWriteRegister(WIT_REG.rate, Number(entry[0])), witSave()];
}

/** Parses a host command (the simulated module's side). */
export function parseWitCommand(bytes: Uint8Array): { register: number; value: number } {
  if (bytes.length !== 5 || bytes[0] !== 0xff || bytes[1] !== 0xaa) throw new BlePacketError('WitMotion: bad command');
  return { register: bytes[2]!, value: bytes[3]! | (bytes[4]! << 8) };
}

const clampWord = (v: number, lsb: number): number => Math.max(-32768, Math.min(32767, Math.round(v / lsb)));

/** A 0x55 0x61 packet (simulator side). */
export function encodeWitData(gyr: Vec3, acc: Vec3, angle: Vec3 = [0, 0, 0]): Buffer {
  const out = Buffer.alloc(WIT_PACKET_BYTES);
  out[0] = WIT_HEADER;
  out[1] = WIT_FLAG_DATA;
  const words = [
    ...acc.map((v) => clampWord(v, ACC_LSB)),
    ...gyr.map((v) => clampWord(v, GYR_LSB)),
    ...angle.map((v) => clampWord(v, ANGLE_LSB)),
  ];
  words.forEach((w, i) => out.writeInt16LE(w, 2 + 2 * i));
  return out;
}

/** A 0x55 0x71 register packet (simulator side). */
export function encodeWitRegisters(start: number, values: readonly number[]): Buffer {
  const out = Buffer.alloc(WIT_PACKET_BYTES);
  out[0] = WIT_HEADER;
  out[1] = WIT_FLAG_REGISTER;
  out.writeUInt16LE(start, 2);
  for (let i = 0; i < 8; i++)
    out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(values[i] ?? 0))), 4 + 2 * i);
  return out;
}

export const WIT_QUANTUM = { acc: ACC_LSB, gyr: GYR_LSB, mag: MAG_LSB_UT };
