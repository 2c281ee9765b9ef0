/**
 * WitMotion BWT901BLECL / WT901BLE (Bluetooth 5.0) codec. Every constant below was checked against the vendor's
 * documents or faithful transcriptions of them; the sources, cited by short name in the comments:
 *
 * - [datasheet] WT901BLECL datasheet v20-0707, "6 Communication Protocol" (6.1.1 Data Packet, 6.1.2 Single Return
 *   Register Data Packet, 6.1.2.1 Magnetic Field Output) and the WT901BLECL 5.0 manual, "6.1 Module to APP".
 * - [protocol] WitMotion "Bluetooth 5.0 communication protocol" (wit-motion.yuque.com / wit-motion.gitbook.io), as
 *   transcribed section by section in RGu0/WT901 docs/protocol.md (§2 GATT, §3 frames, §4 commands, §5 registers,
 *   §6 rate table).
 * - [sdk] the vendor's own SDK, WITMOTION/WitBluetooth_BWT901BLE5_0: Android_Java/…/constant/BleUUID.java,
 *   Android_Java/…/ble5/components/Bwt901bleResolver.java and Bwt901bleProcessor.java, Python/…/device_model.py.
 *
 * The module sends no sample counter: the gateway numbers packets in arrival order.
 */
import type { Vec3 } from '@hipmon/core';
import { DEG } from '@hipmon/core';
import type { CountedReading } from './driver.js';
import { nobleUuid, STANDARD_GRAVITY } from './driver.js';
import { BlePacketError } from './hipmon-profile.js';

// GATT: [sdk] BleUUID.java and device_model.py; [protocol] §2. Note the vendor base ends …9a34fb, not the SIG's
// …9b34fb: these are full 128-bit UUIDs, not 16-bit SIG ones.
export const WIT_SERVICE_UUID = nobleUuid('0000ffe5-0000-1000-8000-00805f9a34fb');
export const WIT_NOTIFY_UUID = nobleUuid('0000ffe4-0000-1000-8000-00805f9a34fb');
export const WIT_WRITE_UUID = nobleUuid('0000ffe9-0000-1000-8000-00805f9a34fb');

// Frames: [datasheet] 6.1: 20 bytes, 0x55 + flag + 18 bytes, no checksum (unlike the UART protocol).
export const WIT_HEADER = 0x55;
export const WIT_FLAG_DATA = 0x61;
export const WIT_FLAG_REGISTER = 0x71;
export const WIT_PACKET_BYTES = 20;

/** Register addresses: [protocol] §5.1 (register table) and §5.2 (those only in the command sections). */
export const WIT_REG = {
  /** SAVE: 0 saves the configuration to flash ([protocol] §4, [sdk] device_model.py save()). */
  save: 0x00,
  /** RRATE: output rate code, table below ([protocol] §5.1, §6). */
  rate: 0x03,
  /** READADDR: "FF AA 27 XX 00" asks for a 0x71 frame of registers XX…XX+7 ([datasheet] 6.1.2). */
  readAddress: 0x27,
  /** HX, HY, HZ at 0x3A–0x3C ([datasheet] 6.1.2.1; [sdk] Bwt901bleProcessor reads 0x3A). */
  magX: 0x3a,
  /** Q0–Q3 at 0x51–0x54, each /32768 ([sdk] Bwt901bleProcessor). */
  quaternion: 0x51,
  /** Battery voltage × 100 ([protocol] "read power" section; [sdk] Bwt901bleProcessor: regPower / 100). */
  battery: 0x64,
  /** KEY: written 0xB588 ("FF AA 69 88 B5") unlocks register writes for 10 s ([protocol] §4; [sdk] unlock()). */
  unlock: 0x69,
};
export const WIT_UNLOCK_KEY = 0xb588;

/**
 * RRATE codes → output rate, Hz: the BLE 5.0 protocol's own rate table ([protocol] §6). It has no 0x0A: "125 Hz"
 * for 0x0A comes from WitMotion's cross-model table, and this module measured 99.3 Hz for it ([protocol] §6, §9.5),
 * so it is left out. Factory default 0x06 = 10 Hz ([protocol] §1).
 */
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
export const WIT_DEFAULT_RATE = 10;
/** Output rates the module supports, Hz (ascending). */
export const WIT_RATES: readonly number[] = Object.values(WIT_RATE_CODES).sort((a, b) => a - b);

// Scaling, [datasheet] 6.1.1 "calculation method": a = raw/32768·16 g, w = raw/32768·2000 °/s, angle = raw/32768·180°.
// The datasheet writes "g is 9.8 m/s²"; we use standard gravity (the unit the accelerometer is calibrated in): the
// difference, 0.07 %, is about one LSB at 1 g.
const ACC_LSB = (16 * STANDARD_GRAVITY) / 32768;
const GYR_LSB = (2000 * DEG) / 32768;
const ANGLE_LSB = (180 * DEG) / 32768;
/**
 * Magnetic field registers in mG ([datasheet] 6.1.2.1 "Unit: mG", with the worked example the unit test decodes):
 * 1 mG = 0.1 µT. The vendor's SDKs instead scale by a chip type read from register 0x72 (×0.15 µT for type 2), and
 * its Python sample divides by 120; [protocol] §5.7 records this three-way disagreement as unresolved. We follow the
 * module's own protocol document; magnetometer use needs a field check on real hardware (docs/ble-profile.md).
 */
const MAG_LSB_UT = 0.1;

export interface WitDataPacket {
  kind: 'data';
  gyr: Vec3;
  acc: Vec3;
  /** roll, pitch, yaw in rad (the module's own fusion, Z-Y-X order; informative only) */
  angle: Vec3;
}
export interface WitRegisterPacket {
  kind: 'register';
  start: number;
  /** 8 signed 16-bit registers from `start` ([datasheet] 6.1.2: "fixed upload 8 registers") */
  values: number[];
}
export type WitPacket = WitDataPacket | WitRegisterPacket;

/** Decodes one 20-byte frame at `offset`. */
function decodeWitFrame(buf: Buffer, offset: number): WitPacket {
  const flag = buf[offset + 1];
  const word = (i: number): number => buf.readInt16LE(offset + 2 + 2 * i);
  const vec = (i: number, lsb: number): Vec3 => [word(i) * lsb, word(i + 1) * lsb, word(i + 2) * lsb];
  // 0x61: acc X Y Z, angular velocity X Y Z, angle X Y Z, int16 little-endian ([datasheet] 6.1.1).
  if (flag === WIT_FLAG_DATA)
    return { kind: 'data', acc: vec(0, ACC_LSB), gyr: vec(3, GYR_LSB), angle: vec(6, ANGLE_LSB) };
  // 0x71: start register (uint16 LE) then 8 registers ([datasheet] 6.1.2; [sdk] Bwt901bleResolver).
  return { kind: 'register', start: buf.readUInt16LE(offset + 2), values: [1, 2, 3, 4, 5, 6, 7, 8].map(word) };
}

const isFrameStart = (buf: Buffer, o: number): boolean =>
  buf[o] === WIT_HEADER && (buf[o + 1] === WIT_FLAG_DATA || buf[o + 1] === WIT_FLAG_REGISTER);

/**
 * Decodes one notification that holds whole frames. Above 50 Hz the module packs several frames into one
 * notification ([protocol] §1 "50 Hz 以上为打包传输"; 4 frames each at 100 Hz, measured in §10).
 */
export function decodeWitNotification(bytes: Uint8Array): WitPacket[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length === 0 || buf.length % WIT_PACKET_BYTES !== 0) {
    throw new BlePacketError(`WitMotion: ${buf.length} bytes is not a multiple of ${WIT_PACKET_BYTES}`);
  }
  const out: WitPacket[] = [];
  for (let o = 0; o < buf.length; o += WIT_PACKET_BYTES) {
    if (buf[o] !== WIT_HEADER) throw new BlePacketError(`WitMotion: bad header 0x${buf[o]!.toString(16)}`);
    if (!isFrameStart(buf, o)) throw new BlePacketError(`WitMotion: unknown flag 0x${buf[o + 1]!.toString(16)}`);
    out.push(decodeWitFrame(buf, o));
  }
  return out;
}

/**
 * The module's notifications as a byte stream: frames may straddle notifications and a lost one leaves a partial
 * frame, so bytes are buffered and the decoder resynchronises on a header + known flag — what the vendor's SDKs do
 * ([sdk] Bwt901bleResolver.passiveReceiveData, device_model.py onDataReceived). There is no checksum to verify.
 */
export class WitFrameAssembler {
  private pending: Buffer = Buffer.alloc(0);
  /** Bytes skipped while looking for a frame start. */
  skipped = 0;

  push(bytes: Uint8Array): WitPacket[] {
    const buf = this.pending.length ? Buffer.concat([this.pending, bytes]) : Buffer.from(bytes);
    const out: WitPacket[] = [];
    let o = 0;
    while (buf.length - o >= 2) {
      if (!isFrameStart(buf, o)) {
        o++;
        this.skipped++;
        continue;
      }
      if (buf.length - o < WIT_PACKET_BYTES) break;
      out.push(decodeWitFrame(buf, o));
      o += WIT_PACKET_BYTES;
    }
    this.pending = Buffer.from(buf.subarray(o));
    return out;
  }
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

/** "FF AA reg low high": writes one register ([protocol] §4); most registers need the unlock first. */
export function witWriteRegister(register: number, value: number): Buffer {
  return Buffer.from([0xff, 0xaa, register & 0xff, value & 0xff, (value >> 8) & 0xff]);
}
export const witUnlock = (): Buffer => witWriteRegister(WIT_REG.unlock, WIT_UNLOCK_KEY);
export const witSave = (): Buffer => witWriteRegister(WIT_REG.save, 0);
/** "FF AA 27 XX 00": asks for a 0x71 packet with registers XX..XX+7. */
export const witReadRegister = (register: number): Buffer => witWriteRegister(WIT_REG.readAddress, register);

/**
 * Unlock, then RRATE. Not saved to flash: the gateway sets the rate on every connection, the written rate applies
 * at once without SAVE (rates measured that way in [protocol] §6), and a SAVE keeps the module busy ~300 ms,
 * reading back zeros meanwhile ([protocol] §4).
 */
export function witSetRateCommands(rate: number): Buffer[] {
  const entry = Object.entries(WIT_RATE_CODES).find(([, hz]) => hz === rate);
  if (!entry) throw new RangeError(`WitMotion supports ${WIT_RATES.join(', ')} Hz, not ${rate}`);
  return [witUnlock(), witWriteRegister(WIT_REG.rate, Number(entry[0]))];
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
