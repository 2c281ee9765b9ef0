import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Vec3 } from '@hipmon/core';
import {
  decodeHipmonCommand,
  decodeHipmonPacket,
  decodeStreamConfig,
  DEFAULT_STREAM_CONFIG,
  encodeHipmonCommand,
  encodeHipmonPacket,
  encodeStreamConfig,
  samplesPerPacketForMtu,
} from './hipmon-profile.js';

const f32 = (x: number): number => Math.fround(x);

describe('hipmon GATT profile', () => {
  it('decodes a hand-built packet byte by byte (docs/ble-profile.md example)', () => {
    const config = { ...DEFAULT_STREAM_CONFIG, gyrLsb: 0.001, accLsb: 0.01, magLsb: 0.1, hasMag: true };
    // flags=1 (mag), n=1, counter=0x01020304, gyr (100, -100, 1), acc (0, 0, 981), mag (200, 0, -400)
    const bytes = Buffer.from('0101' + '04030201' + '64009cff0100' + '00000000d503' + 'c800000070fe', 'hex');
    const [r] = decodeHipmonPacket(config, bytes);
    expect(r!.counter).toBe(0x01020304);
    expect(r!.gyr.map((v) => +v.toFixed(6))).toEqual([0.1, -0.1, 0.001]);
    expect(r!.acc[2]).toBeCloseTo(9.81, 9);
    expect(r!.mag!.map((v) => +v.toFixed(6))).toEqual([20, 0, -40]);
  });

  it('round-trips readings within half an LSB and numbers samples from the counter (wrapping)', () => {
    const vec = (max: number) =>
      fc.tuple(
        fc.double({ min: -max, max, noNaN: true }),
        fc.double({ min: -max, max, noNaN: true }),
        fc.double({ min: -max, max, noNaN: true }),
      ) as fc.Arbitrary<Vec3>;
    fc.assert(
      fc.property(
        fc.array(fc.record({ gyr: vec(30), acc: vec(150), mag: vec(1000) }), { minLength: 1, maxLength: 20 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 0xffffffff }),
        (readings, hasMag, counter) => {
          const config = { ...DEFAULT_STREAM_CONFIG, hasMag };
          const decoded = decodeHipmonPacket(config, encodeHipmonPacket(config, counter, readings));
          expect(decoded).toHaveLength(readings.length);
          decoded.forEach((d, i) => {
            expect(d.counter).toBe((counter + i) >>> 0);
            for (let k = 0; k < 3; k++) {
              expect(Math.abs(d.gyr[k]! - readings[i]!.gyr[k]!)).toBeLessThanOrEqual(config.gyrLsb / 2 + 1e-12);
              expect(Math.abs(d.acc[k]! - readings[i]!.acc[k]!)).toBeLessThanOrEqual(config.accLsb / 2 + 1e-12);
              if (hasMag)
                expect(Math.abs(d.mag![k]! - readings[i]!.mag![k]!)).toBeLessThanOrEqual(config.magLsb / 2 + 1e-12);
            }
            expect(d.mag === undefined).toBe(!hasMag);
          });
        },
      ),
    );
  });

  it('saturates at the int16 range instead of wrapping', () => {
    const [d] = decodeHipmonPacket(
      DEFAULT_STREAM_CONFIG,
      encodeHipmonPacket(DEFAULT_STREAM_CONFIG, 0, [{ gyr: [100, -100, 0], acc: [0, 0, 0] }]),
    );
    expect(d!.gyr[0]).toBeCloseTo(32767 * DEFAULT_STREAM_CONFIG.gyrLsb, 9);
    expect(d!.gyr[1]).toBeCloseTo(-32768 * DEFAULT_STREAM_CONFIG.gyrLsb, 9);
  });

  it('round-trips the config characteristic (float32 scales) and commands', () => {
    const config = { ...DEFAULT_STREAM_CONFIG, rate: 208, hasMag: true, streaming: true, samplesPerPacket: 13 };
    const back = decodeStreamConfig(encodeStreamConfig(config));
    expect(back).toEqual({
      ...config,
      gyrLsb: f32(config.gyrLsb),
      accLsb: f32(config.accLsb),
      magLsb: f32(config.magLsb),
    });
    for (const c of [{ op: 'start' }, { op: 'stop' }, { op: 'setRate', rate: 400 }] as const) {
      expect(decodeHipmonCommand(encodeHipmonCommand(c))).toEqual(c);
    }
  });

  it('sizes packets for the negotiated MTU', () => {
    expect(samplesPerPacketForMtu(23, false)).toBe(1);
    expect(samplesPerPacketForMtu(247, false)).toBe(19);
    expect(samplesPerPacketForMtu(247, true)).toBe(13);
  });

  it('rejects malformed packets and configs', () => {
    expect(() => decodeHipmonPacket(DEFAULT_STREAM_CONFIG, Buffer.from('0002000000000000', 'hex'))).toThrow(
      /bytes for 2/,
    );
    expect(() => decodeStreamConfig(Buffer.alloc(17))).toThrow(/version/);
  });
});
