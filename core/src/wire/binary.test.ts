import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_BINARY_FRAME_BYTES, decodeImuFrame, encodeImuFrame, imuFrameByteLength } from './binary.js';
import { WIRE_ERROR_CODES, WireError } from './errors.js';
import { imuFrameArb } from './test-arbitraries.js';
import type { ImuFrame } from './types.js';
import { MAX_SAMPLES_PER_FRAME } from './types.js';
import { validateImuFrame } from './validate.js';

const FUZZ_RUNS = 10_000;

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

/** Either a frame that passes every rule (finite values included) or a WireError with a known code. */
type Outcome = { ok: true; frame: ImuFrame } | { ok: false; code: string };
function decodeOutcome(bytes: Uint8Array): Outcome {
  try {
    const frame = decodeImuFrame(bytes);
    validateImuFrame(frame);
    return { ok: true, frame };
  } catch (error) {
    if (!(error instanceof WireError)) throw error;
    expect(WIRE_ERROR_CODES).toContain(error.code);
    return { ok: false, code: error.code };
  }
}

/** Largest gap between two doubles at x (the unit in the last place). */
const ulp = (x: number): number => (x === 0 ? Number.MIN_VALUE : 2 ** (Math.floor(Math.log2(Math.abs(x))) - 52));

// Hand-assembled from the layout in docs/protocol.md; if one of these changes, the format changed.
const GOLDEN_REGULAR: { frame: ImuFrame; hex: string } = {
  frame: {
    role: 'thigh_left',
    seq: 0x01020304,
    timing: { kind: 'regular', t0: 1.5, period: 0.01 },
    samples: [{ gyr: [0.5, -1, 0], acc: [0, 0, 9.75] }],
  },
  hex: `a5 01 00 02  04 03 02 01  00 00 00 00 00 00 f8 3f  01 00  00  00
        7b 14 ae 47 e1 7a 84 3f
        00 00 00 3f  00 00 80 bf  00 00 00 00  00 00 00 00  00 00 00 00  00 00 1c 41`,
};
const GOLDEN_EXPLICIT: { frame: ImuFrame; hex: string } = {
  frame: {
    role: 'pelvis',
    seq: 0xffffffff,
    sensorId: 'S1',
    timing: { kind: 'explicit', t: [100, 100.01025] },
    samples: [
      { gyr: [1, 0, 0], acc: [0.25, 0, 9.75], mag: [20, -5.5, 40] },
      { gyr: [0, 0, 0], acc: [0, 0, 9.75], mag: [20, -5.5, 40] },
    ],
  },
  hex: `a5 01 03 01  ff ff ff ff  00 00 00 00 00 00 59 40  02 00  02  00
        53 31
        00 00 00 00  00 00 80 3f 00 00 00 00 00 00 00 00  00 00 80 3e 00 00 00 00 00 00 1c 41  00 00 a0 41 00 00 b0 c0 00 00 20 42
        0a 28 00 00  00 00 00 00 00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00 00 00 1c 41  00 00 a0 41 00 00 b0 c0 00 00 20 42`,
};

describe('binary IMU frame: golden bytes', () => {
  it('encodes a regular frame to the hand-checked bytes and back', () => {
    const bytes = encodeImuFrame(GOLDEN_REGULAR.frame);
    expect(hex(bytes)).toBe(hex(fromHex(GOLDEN_REGULAR.hex)));
    expect(bytes.length).toBe(52);
    expect(decodeImuFrame(fromHex(GOLDEN_REGULAR.hex))).toEqual(GOLDEN_REGULAR.frame);
  });

  it('encodes an explicit-time frame with mag and sensor id to the hand-checked bytes and back', () => {
    const bytes = encodeImuFrame(GOLDEN_EXPLICIT.frame);
    expect(hex(bytes)).toBe(hex(fromHex(GOLDEN_EXPLICIT.hex)));
    expect(bytes.length).toBe(102);
    const decoded = decodeImuFrame(bytes);
    expect(decoded.samples).toEqual(GOLDEN_EXPLICIT.frame.samples);
    expect(decoded.sensorId).toBe('S1');
    expect(decoded.timing.kind).toBe('explicit');
    const t = decoded.timing.kind === 'explicit' ? decoded.timing.t : [];
    expect(t[0]).toBe(100);
    expect(Math.abs(t[1]! - 100.01025)).toBeLessThanOrEqual(ulp(100));
  });

  it('matches the worked examples printed in docs/protocol.md', () => {
    const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
    const spaced = (text: string): string => hex(fromHex(text)).replace(/(..)(?!$)/g, '$1 ');
    expect(doc).toContain(spaced(GOLDEN_REGULAR.hex));
    expect(doc).toContain(spaced(GOLDEN_EXPLICIT.hex));
  });
});

describe('binary IMU frame: round trips', () => {
  it('regular timing: decode(encode(f)) equals f exactly (float32 values, float64 t0 and period)', () => {
    fc.assert(
      fc.property(imuFrameArb({ timing: 'regular' }), (frame) => {
        const bytes = encodeImuFrame(frame);
        expect(bytes.length).toBe(
          imuFrameByteLength({
            sampleCount: frame.samples.length,
            mag: frame.samples[0]?.mag !== undefined,
            explicit: false,
            sensorIdLength: frame.sensorId?.length ?? 0,
          }),
        );
        expect(decodeImuFrame(bytes)).toEqual(frame);
      }),
      { numRuns: 300 },
    );
  });

  it('explicit timing: samples exact, times within 0.5 µs + 1 ulp, re-encoding is byte-identical', () => {
    fc.assert(
      fc.property(imuFrameArb({ timing: 'explicit' }), (frame) => {
        const bytes = encodeImuFrame(frame);
        const decoded = decodeImuFrame(bytes);
        expect(decoded.samples).toEqual(frame.samples);
        expect({ ...decoded, timing: null, samples: null }).toEqual({ ...frame, timing: null, samples: null });
        const sent = frame.timing.kind === 'explicit' ? frame.timing.t : [];
        const got = decoded.timing.kind === 'explicit' ? decoded.timing.t : [];
        expect(got.length).toBe(sent.length);
        for (let i = 0; i < sent.length; i++) {
          expect(Math.abs(got[i]! - sent[i]!)).toBeLessThanOrEqual(0.5e-6 + ulp(sent[i]!));
        }
        expect(hex(encodeImuFrame(decoded))).toBe(hex(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips 0 and exactly MAX_SAMPLES_PER_FRAME samples, and rejects one more', () => {
    const reading = { gyr: [0.1, 0.2, 0.3], acc: [0, 0, 9.81], mag: [1, 2, 3] } as ImuFrame['samples'][number];
    const make = (n: number): ImuFrame => ({
      role: 'thigh_right',
      seq: 9,
      sensorId: 'x'.repeat(64),
      timing: { kind: 'explicit', t: Array.from({ length: n }, (_, i) => 10 + i * 0.001) },
      samples: Array.from({ length: n }, () => reading),
    });
    expect(decodeImuFrame(encodeImuFrame(make(0)))).toEqual(make(0));
    const full = encodeImuFrame(make(MAX_SAMPLES_PER_FRAME));
    expect(full.length).toBe(MAX_BINARY_FRAME_BYTES);
    expect(MAX_BINARY_FRAME_BYTES).toBe(40_084);
    expect(decodeImuFrame(full).samples).toHaveLength(MAX_SAMPLES_PER_FRAME);
    expect(() => encodeImuFrame(make(MAX_SAMPLES_PER_FRAME + 1))).toThrow(
      expect.objectContaining({ code: 'too_many_samples' }),
    );
  });

  it('decodes a frame that sits inside a larger buffer without reading the bytes around it', () => {
    const frame = encodeImuFrame(GOLDEN_EXPLICIT.frame);
    const big = new Uint8Array(frame.length + 64).fill(0xee);
    big.set(frame, 32);
    const decoded = decodeImuFrame(big.subarray(32, 32 + frame.length));
    expect(decoded.samples).toEqual(GOLDEN_EXPLICIT.frame.samples);
    expect(decodeOutcome(big.subarray(32, 32 + frame.length - 1))).toEqual({ ok: false, code: 'truncated' });
  });
});

describe('binary IMU frame: header defects', () => {
  const base = (): Uint8Array => fromHex(GOLDEN_REGULAR.hex);
  const patched = (at: number, value: number): Uint8Array => {
    const bytes = base();
    bytes[at] = value;
    return bytes;
  };
  const withFloat = (at: number, value: number, size: 4 | 8): Uint8Array => {
    const bytes = base();
    const view = new DataView(bytes.buffer);
    if (size === 4) view.setFloat32(at, value, true);
    else view.setFloat64(at, value, true);
    return bytes;
  };

  it.each([
    ['empty', new Uint8Array(0), 'truncated'],
    ['JSON text', new TextEncoder().encode('{"role":"pelvis"}'), 'bad_magic'],
    ['magic only', new Uint8Array([0xa5]), 'truncated'],
    ['version 2', patched(1, 2), 'unsupported_version'],
    ['version 0', patched(1, 0), 'unsupported_version'],
    ['19-byte header', base().subarray(0, 19), 'truncated'],
    ['reserved flag bit', patched(2, 0x04), 'bad_flags'],
    ['reserved byte 19', patched(19, 1), 'bad_flags'],
    ['role code 0', patched(3, 0), 'bad_role'],
    ['role code 4', patched(3, 4), 'bad_role'],
    [
      'sample count 1001',
      (() => {
        const b = base();
        new DataView(b.buffer).setUint16(16, 1001, true);
        return b;
      })(),
      'too_many_samples',
    ],
    ['sensor id length 65', patched(18, 65), 'bad_sensor_id'],
    [
      'sensor id with a space',
      (() => {
        const b = new Uint8Array(53);
        b.set(base().subarray(0, 28));
        b[18] = 1;
        b[28] = 0x20;
        b.set(base().subarray(28), 29);
        return b;
      })(),
      'bad_sensor_id',
    ],
    ['count larger than the bytes', patched(16, 2), 'truncated'],
    ['one byte too many', new Uint8Array([...base(), 0]), 'length_mismatch'],
    ['NaN t0', withFloat(8, NaN, 8), 'non_finite'],
    ['negative t0', withFloat(8, -1, 8), 'bad_timing'],
    ['t0 = 2^32 s', withFloat(8, 2 ** 32, 8), 'bad_timing'],
    ['period 0', withFloat(20, 0, 8), 'bad_timing'],
    ['period +Infinity', withFloat(20, Infinity, 8), 'non_finite'],
    ['NaN gyro', withFloat(28, NaN, 4), 'non_finite'],
    ['-Infinity acc', withFloat(48, -Infinity, 4), 'non_finite'],
    ['oversized', new Uint8Array(MAX_BINARY_FRAME_BYTES + 1).fill(0xa5), 'too_large'],
  ])('rejects %s', (_name, bytes, code) => {
    expect(decodeOutcome(bytes)).toEqual({ ok: false, code });
  });

  it('rejects explicit timestamps that go back in time', () => {
    const bytes = encodeImuFrame(GOLDEN_EXPLICIT.frame);
    new DataView(bytes.buffer).setUint32(22, 20_000, true); // first offset beyond the second one (10 250 µs)
    expect(decodeOutcome(bytes)).toEqual({ ok: false, code: 'bad_timing' });
  });
});

describe('binary IMU frame: fuzz (valid frame or WireError, nothing else)', () => {
  const small = imuFrameArb({ maxSamples: 12, size: 'small' });

  it(`random bytes (${FUZZ_RUNS} cases, half with a valid magic/version prefix)`, () => {
    const prefixed = fc.uint8Array({ maxLength: 300 }).map((b) => new Uint8Array([0xa5, 0x01, ...b]));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), prefixed), (bytes) => {
        decodeOutcome(bytes);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it(`every strict prefix of a valid frame is 'truncated' (${FUZZ_RUNS} cases)`, () => {
    fc.assert(
      fc.property(small, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (frame, cut) => {
        const bytes = encodeImuFrame(frame);
        const prefix = bytes.subarray(0, Math.floor(cut * bytes.length));
        expect(decodeOutcome(prefix)).toEqual({ ok: false, code: 'truncated' });
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it(`single-byte mutations of valid frames (${FUZZ_RUNS} cases) decode or fail cleanly, both happen`, () => {
    const codes = new Map<string, number>();
    fc.assert(
      fc.property(small, fc.nat(), fc.integer({ min: 1, max: 255 }), (frame, where, xor) => {
        const bytes = encodeImuFrame(frame);
        const at = where % bytes.length;
        bytes[at]! ^= xor;
        const outcome = decodeOutcome(bytes);
        const key = outcome.ok ? 'ok' : outcome.code;
        codes.set(key, (codes.get(key) ?? 0) + 1);
      }),
      { numRuns: FUZZ_RUNS },
    );
    // Sample bytes are mostly free: most mutations still decode. Header bytes are not: some must be caught.
    expect(codes.get('ok') ?? 0).toBeGreaterThan(FUZZ_RUNS / 4);
    for (const code of ['bad_magic', 'unsupported_version', 'bad_role', 'truncated']) {
      expect(codes.get(code) ?? 0).toBeGreaterThan(0);
    }
  });
});
