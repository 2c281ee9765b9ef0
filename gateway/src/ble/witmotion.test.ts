import { describe, expect, it } from 'vitest';
import { DEG } from '@hipmon/core';
import {
  decodeWitNotification,
  encodeWitData,
  parseWitCommand,
  witBatteryVoltage,
  witMagnetometer,
  witReadRegister,
  witReadings,
  witSetRateCommands,
} from './witmotion.js';
import type { WitRegisterPacket } from './witmotion.js';
import { STANDARD_GRAVITY } from './driver.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('WitMotion BWT901BLECL driver', () => {
  it('decodes a 0x55 0x61 packet per "6.1.1 Data Packet (Default)"', () => {
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
    expect(packet.angle[0]).toBeCloseTo(45 * DEG, 12);
    expect(packet.angle[2]).toBeCloseTo(90 * DEG, 12);
  });

  it("decodes the datasheet's magnetic field example (6.1.2.1): x=360, y=105, z=122 mG", () => {
    const packets = decodeWitNotification(hex('55 71 3A 00 68 01 69 00 7A 00 00 00 00 00 00 00 00 00 00 00'));
    const mag = witMagnetometer(packets[0] as WitRegisterPacket);
    expect(mag![0]).toBeCloseTo(36, 9);
    expect(mag![1]).toBeCloseTo(10.5, 9);
    expect(mag![2]).toBeCloseTo(12.2, 9);
    expect(witBatteryVoltage(packets[0] as WitRegisterPacket)).toBeUndefined();
  });

  it('splits concatenated packets and keeps only data packets as readings', () => {
    const data = encodeWitData([0.1, -0.2, 0.3], [0, 0, 9.81]);
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

  it('builds the register commands "FF AA 27 XX 00", unlock and rate', () => {
    expect(witReadRegister(0x3a).toString('hex')).toBe('ffaa273a00');
    expect(witSetRateCommands(100).map((b) => b.toString('hex'))).toEqual(['ffaa6988b5', 'ffaa030900', 'ffaa000000']);
    expect(parseWitCommand(hex('ffaa030900'))).toEqual({ register: 3, value: 9 });
    expect(() => witSetRateCommands(30)).toThrow(RangeError);
  });

  it('rejects truncated or foreign bytes', () => {
    expect(() => decodeWitNotification(hex('5561'))).toThrow(/multiple/);
    expect(() => decodeWitNotification(hex('54' + '00'.repeat(19)))).toThrow(/header/);
    expect(() => decodeWitNotification(hex('5551' + '00'.repeat(18)))).toThrow(/flag/);
  });
});
