import { describe, expect, it } from 'vitest';
import { DEG } from '@hipmon/core';
import {
  decodeDotBattery,
  decodeDotDeviceControl,
  decodeDotPayload,
  DOT_CONTROL_UUID,
  DOT_DEVICE_CONTROL_UUID,
  DOT_LONG_PAYLOAD_UUID,
  DOT_MEASUREMENT_SERVICE_UUID,
  DOT_MEDIUM_PAYLOAD_UUID,
  dotControl,
  dotPayloadCharacteristic,
  dotSetOutputRate,
  encodeDotPayload,
  parseDotControl,
} from './movella-dot.js';

/** float32 little-endian bytes as hex */
const f = (x: number): string => {
  const b = Buffer.alloc(4);
  b.writeFloatLE(x);
  return b.toString('hex');
};

describe('Movella DOT codec', () => {
  it("uses the specification's UUIDs: base 1517xxxx-4947-11e9-8646-d663bd873d93 (§1.1, Tables 2, 5, 12)", () => {
    expect(DOT_MEASUREMENT_SERVICE_UUID).toBe('15172000494711e98646d663bd873d93');
    expect(DOT_CONTROL_UUID).toBe('15172001494711e98646d663bd873d93');
    expect(DOT_LONG_PAYLOAD_UUID).toBe('15172002494711e98646d663bd873d93');
    expect(DOT_MEDIUM_PAYLOAD_UUID).toBe('15172003494711e98646d663bd873d93');
    expect(DOT_DEVICE_CONTROL_UUID).toBe('15171002494711e98646d663bd873d93');
    // Rate quantities (28 bytes) fit the medium payload; Custom mode 5 (44 bytes) goes on the long one (Table 14).
    expect(dotPayloadCharacteristic('rateQuantities')).toBe(DOT_MEDIUM_PAYLOAD_UUID);
    expect(dotPayloadCharacteristic('customMode5')).toBe(DOT_LONG_PAYLOAD_UUID);
  });

  it('decodes "Rate quantities" (bytes composed by hand from Tables 15 and 17: timestamp µs, acc m/s², gyr °/s)', () => {
    const bytes = Buffer.from(
      '40e20100' + f(0.5) + f(-9.75) + f(0.25) + f(90) + f(-45) + f(1.5) + '00'.repeat(12),
      'hex',
    );
    expect(bytes).toHaveLength(40); // the medium payload characteristic's length, zero-padded
    const m = decodeDotPayload('rateQuantities', bytes);
    expect(m.timestampUs).toBe(123_456);
    expect(m.counter).toBe(123_456);
    expect(m.acc).toEqual([0.5, -9.75, 0.25]);
    expect(m.gyr[0]).toBeCloseTo(90 * DEG, 6);
    expect(m.gyr[1]).toBeCloseTo(-45 * DEG, 6);
    expect(m.gyr[2]).toBeCloseTo(1.5 * DEG, 6);
    expect(m.quaternion).toBeUndefined();
  });

  it('decodes "Custom mode 5" (bytes composed by hand from Tables 14 and 17: timestamp, quaternion w x y z, acc, gyr)', () => {
    const fields = 'ffffffff' + f(0.5) + f(0.5) + f(-0.5) + f(0.5) + f(0) + f(0) + f(9.81) + f(0) + f(10) + f(0);
    const bytes = Buffer.from(fields + '00'.repeat(63 - 44), 'hex');
    const m = decodeDotPayload('customMode5', bytes);
    expect(m.timestampUs).toBe(0xffffffff);
    expect(m.quaternion).toEqual([0.5, 0.5, -0.5, 0.5]);
    expect(m.acc[2]).toBeCloseTo(9.81, 5);
    expect(m.gyr[1]).toBeCloseTo(10 * DEG, 6);
    expect(() => decodeDotPayload('customMode5', Buffer.alloc(40))).toThrow(/need 44/);
  });

  it('builds Control writes "01 01 15" / "01 00 1a" (Table 13: type 1, action, payload mode 21 or 26)', () => {
    expect(dotControl(true, 'rateQuantities').toString('hex')).toBe('010115');
    expect(dotControl(false, 'customMode5').toString('hex')).toBe('01001a');
    expect(parseDotControl(Buffer.from('010115', 'hex'))).toEqual({ start: true, mode: 'rateQuantities' });
    expect(() => parseDotControl(Buffer.from('020115', 'hex'))).toThrow(/unsupported/);
  });

  it('reads a Device Control value and writes an output rate (Table 7: visit index bit 4, uint16 rate at byte 24)', () => {
    // A value as read from a DOT, composed by hand from Table 7: tag "Xsens DOT" (9 bytes), power-saving timeouts
    // 10 min / 30 min (the defaults), power-on by USB enabled (0x02), output rate 60 Hz, filter profile 0.
    const read = Buffer.from('00' + '00' + '02' + '0a001e00' + '09' + Buffer.from('Xsens DOT').toString('hex'), 'hex');
    const value = Buffer.concat([read, Buffer.alloc(32 - read.length)]);
    value.writeUInt16LE(60, 24);
    expect(decodeDotDeviceControl(value)).toEqual({
      visitIndex: 0,
      outputRate: 60,
      filterProfile: 0,
      tag: 'Xsens DOT',
    });

    const write = dotSetOutputRate(value, 30);
    expect(write).toHaveLength(32);
    expect(write[0]).toBe(0x10);
    expect(write.subarray(24, 26).toString('hex')).toBe('1e00');
    // Every other byte is the sensor's own value (ignored by it anyway, the visit index selects the rate only).
    expect(write.subarray(1, 24)).toEqual(value.subarray(1, 24));
    expect(write.subarray(26)).toEqual(value.subarray(26));
    // Real-time rates only: 120 Hz is for recording, 100 Hz does not exist.
    expect(() => dotSetOutputRate(value, 120)).toThrow(/streams at 1, 4, 10, 12, 15, 20, 30, 60 Hz, not 120/);
    expect(() => dotSetOutputRate(value, 100)).toThrow(RangeError);
    expect(() => decodeDotDeviceControl(Buffer.alloc(20))).toThrow(/need 32/);
  });

  it('decodes the Battery characteristic (Table 21: level %, charging status)', () => {
    expect(decodeDotBattery(Buffer.from([0x4c, 0x01]))).toEqual({ percent: 76, charging: true });
    expect(decodeDotBattery(Buffer.from([0x05, 0x00]))).toEqual({ percent: 5, charging: false });
  });

  it('round-trips the simulator encoding within float32, padded to the characteristic length', () => {
    const encoded = encodeDotPayload('rateQuantities', 42, [1.1, 2.2, 3.3], [0.1, -0.2, 0.3]);
    expect(encoded).toHaveLength(40);
    const m = decodeDotPayload('rateQuantities', encoded);
    m.acc.forEach((v, i) => expect(Math.abs(v - [1.1, 2.2, 3.3][i]!)).toBeLessThan(1e-6));
    m.gyr.forEach((v, i) => expect(Math.abs(v - [0.1, -0.2, 0.3][i]!)).toBeLessThan(1e-7));
    expect(encodeDotPayload('customMode5', 42, [0, 0, 9.81], [0, 0, 0])).toHaveLength(63);
  });
});
