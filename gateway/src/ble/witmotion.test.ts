import { describe, expect, it } from 'vitest';
import { DEG } from '@hipmon/core';
import {
  decodeWitNotification,
  encodeWitData,
  parseWitCommand,
  witBatteryVoltage,
  WitFrameAssembler,
  witMagnetometer,
  WIT_RATES,
  witReadRegister,
  witReadings,
  witSetRateCommands,
} from './witmotion.js';
import type { WitRegisterPacket } from './witmotion.js';
import { STANDARD_GRAVITY } from './driver.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('WitMotion BWT901BLECL codec', () => {
  it('decodes a 0x55 0x61 packet (bytes composed by hand from datasheet 6.1.1: acc, gyro, angle, int16 LE)', () => {
    // ax=0, ay=-2048 (−1 g), az=2048 (+1 g); wx=256 (15.625 °/s), wy=-256, wz=0; roll=0x2000 (45°), pitch=0, yaw=0x4000 (90°)
    const bytes = hex('55 61 0000 00F8 0008 0001 00FF 0000 0020 0000 0040');
    const [packet] = decodeWitNotification(bytes);
    expect(packet!.kind).toBe('data');
    if (packet!.kind !== 'data') return;
    expect(packet.acc[0]).toBe(0);
    expect(packet.acc[1]).toBeCloseTo(-STANDARD_GRAVITY, 9);
    expect(packet.acc[2]).toBeCloseTo(STANDARD_GRAVITY, 9);
    expect(packet.gyr[0]).toBeCloseTo(15.625 * DEG, 12);
    expect(packet.gyr[1]).toBeCloseTo(-15.625 * DEG, 12);
    expect(packet.gyr[2]).toBe(0);
    expect(packet.angle[0]).toBeCloseTo(45 * DEG, 12);
    expect(packet.angle[2]).toBeCloseTo(90 * DEG, 12);
  });

  it("decodes the datasheet's own magnetic field example (6.1.2.1): 55 71 3A 00 68 01 69 00 7A 00 … → 360, 105, 122 mG", () => {
    const packets = decodeWitNotification(hex('55 71 3A 00 68 01 69 00 7A 00 00 00 00 00 00 00 00 00 00 00'));
    const register = packets[0] as WitRegisterPacket;
    expect(register.start).toBe(0x3a);
    expect(register.values).toHaveLength(8);
    const mag = witMagnetometer(register);
    expect(mag![0]).toBeCloseTo(36, 9);
    expect(mag![1]).toBeCloseTo(10.5, 9);
    expect(mag![2]).toBeCloseTo(12.2, 9);
    expect(witBatteryVoltage(register)).toBeUndefined();
  });

  it('splits packed notifications and keeps only data packets as readings (battery bytes composed by hand)', () => {
    const data = encodeWitData([0.1, -0.2, 0.3], [0, 0, 9.81]);
    // Register 0x64 = 0x019A = 410 → 4.10 V.
    const packets = decodeWitNotification(Buffer.concat([data, hex('55 71 64 00 9A 01' + '00'.repeat(14)), data]));
    expect(packets.map((p) => p.kind)).toEqual(['data', 'register', 'data']);
    expect(witBatteryVoltage(packets[1] as WitRegisterPacket)).toBeCloseTo(4.1, 9);
    const readings = witReadings(packets, [1, 2, 3]);
    expect(readings).toHaveLength(2);
    expect(readings[0]!.mag).toEqual([1, 2, 3]);
    // quantization: 2000 °/s / 32768 and 16 g / 32768
    for (let i = 0; i < 3; i++)
      expect(Math.abs(readings[0]!.gyr[i]! - [0.1, -0.2, 0.3][i]!)).toBeLessThanOrEqual((2000 * DEG) / 65536);
    expect(Math.abs(readings[0]!.acc[2] - 9.81)).toBeLessThanOrEqual((16 * STANDARD_GRAVITY) / 65536);
  });

  it('reassembles frames that straddle notifications and resynchronises after a lost one', () => {
    const frames = [0, 1, 2, 3].map((i) => encodeWitData([i * 0.01, 0, 0], [0, 0, 9.81]));
    const stream = Buffer.concat(frames);
    const assembler = new WitFrameAssembler();
    // Four packed frames cut at arbitrary places.
    const parts = [stream.subarray(0, 7), stream.subarray(7, 33), stream.subarray(33, 80)];
    const decoded = parts.flatMap((p) => assembler.push(p));
    expect(decoded).toHaveLength(4);
    decoded.forEach((p, i) => expect(p.kind === 'data' && Math.abs(p.gyr[0] - i * 0.01)).toBeLessThan(1e-3));
    // The tail of a frame whose start was lost: skipped up to the next header + flag.
    const resumed = assembler.push(Buffer.concat([frames[1]!.subarray(9), frames[2]!]));
    expect(resumed).toHaveLength(1);
    expect(assembler.skipped).toBe(11);
  });

  it('builds the documented commands: read "FF AA 27 3A 00", unlock "FF AA 69 88 B5", rate "FF AA 03 rr 00"', () => {
    // Datasheet 6.1.2 examples: read magnetic field / quaternion.
    expect(witReadRegister(0x3a).toString('hex')).toBe('ffaa273a00');
    expect(witReadRegister(0x51).toString('hex')).toBe('ffaa275100');
    // Unlock then RRATE 0x03 = 1 Hz (the rate command a WT901BLECL user documented), 0x09 = 100 Hz, 0x0B = 200 Hz.
    expect(witSetRateCommands(1).map((b) => b.toString('hex'))).toEqual(['ffaa6988b5', 'ffaa030300']);
    expect(witSetRateCommands(100).map((b) => b.toString('hex'))).toEqual(['ffaa6988b5', 'ffaa030900']);
    expect(witSetRateCommands(200)[1]!.toString('hex')).toBe('ffaa030b00');
    expect(parseWitCommand(hex('ffaa030900'))).toEqual({ register: 3, value: 9 });
    // 0x0A is not in this module's rate table: 125 Hz is refused like any other unsupported rate.
    expect(WIT_RATES).toEqual([0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200]);
    expect(() => witSetRateCommands(125)).toThrow(RangeError);
    expect(() => witSetRateCommands(30)).toThrow(/supports 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200 Hz, not 30/);
  });

  it('rejects truncated or foreign bytes', () => {
    expect(() => decodeWitNotification(hex('5561'))).toThrow(/multiple/);
    expect(() => decodeWitNotification(hex('54' + '00'.repeat(19)))).toThrow(/header/);
    expect(() => decodeWitNotification(hex('5551' + '00'.repeat(18)))).toThrow(/flag/);
  });
});
