import { describe, expect, it } from 'vitest';
import { DEG } from '@hipmon/core';
import { decodeDotPayload, dotControl, encodeDotPayload, parseDotControl } from './movella-dot.js';

/** float32 little-endian bytes as hex */
const f = (x: number): string => {
  const b = Buffer.alloc(4);
  b.writeFloatLE(x);
  return b.toString('hex');
};

describe('Movella DOT driver', () => {
  it('decodes a "Rate quantities" payload built field by field from the spec (timestamp, acc m/s², gyr °/s)', () => {
    const bytes = Buffer.from(
      '40e20100' + f(0.5) + f(-9.75) + f(0.25) + f(90) + f(-45) + f(1.5) + '00'.repeat(12),
      'hex',
    );
    const m = decodeDotPayload('rateQuantities', bytes);
    expect(m.timestampUs).toBe(123_456);
    expect(m.counter).toBe(123_456);
    expect(m.acc).toEqual([0.5, -9.75, 0.25]);
    expect(m.gyr[0]).toBeCloseTo(90 * DEG, 6);
    expect(m.gyr[1]).toBeCloseTo(-45 * DEG, 6);
    expect(m.gyr[2]).toBeCloseTo(1.5 * DEG, 6);
    expect(m.quaternion).toBeUndefined();
  });

  it('decodes "Custom mode 5" (timestamp, quaternion w x y z, acc, gyr)', () => {
    const bytes = Buffer.from(
      'ffffffff' + f(0.5) + f(0.5) + f(-0.5) + f(0.5) + f(0) + f(0) + f(9.81) + f(0) + f(10) + f(0),
      'hex',
    );
    const m = decodeDotPayload('customMode5', bytes);
    expect(m.timestampUs).toBe(0xffffffff);
    expect(m.quaternion).toEqual([0.5, 0.5, -0.5, 0.5]);
    expect(m.acc[2]).toBeCloseTo(9.81, 5);
    expect(m.gyr[1]).toBeCloseTo(10 * DEG, 6);
  });

  it('round-trips the simulator encoding within float32 and builds control writes', () => {
    const m = decodeDotPayload(
      'rateQuantities',
      encodeDotPayload('rateQuantities', 42, [1.1, 2.2, 3.3], [0.1, -0.2, 0.3]),
    );
    m.acc.forEach((v, i) => expect(Math.abs(v - [1.1, 2.2, 3.3][i]!)).toBeLessThan(1e-6));
    m.gyr.forEach((v, i) => expect(Math.abs(v - [0.1, -0.2, 0.3][i]!)).toBeLessThan(1e-7));
    expect(dotControl(true, 'customMode5').toString('hex')).toBe('01011a');
    expect(parseDotControl(dotControl(false, 'rateQuantities'))).toEqual({ start: false, mode: 'rateQuantities' });
    expect(() => decodeDotPayload('customMode5', Buffer.alloc(40))).toThrow(/need 44/);
  });
});
