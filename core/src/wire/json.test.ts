import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeImuFrame, encodeImuFrame } from './binary.js';
import { WIRE_ERROR_CODES, WireError } from './errors.js';
import { decodeImuFrameJson, encodeImuFrameJson } from './json.js';
import { MAX_JSON_PAYLOAD_BYTES } from './json-text.js';
import { imuFrameArb } from './test-arbitraries.js';
import type { ImuFrame } from './types.js';
import { validateImuFrame } from './validate.js';

const FUZZ_RUNS = 10_000;

type Outcome = { ok: true; frame: ImuFrame } | { ok: false; code: string };
function decodeOutcome(input: string | Uint8Array): Outcome {
  try {
    const frame = decodeImuFrameJson(input);
    validateImuFrame(frame);
    return { ok: true, frame };
  } catch (error) {
    if (!(error instanceof WireError)) throw error;
    expect(WIRE_ERROR_CODES).toContain(error.code);
    return { ok: false, code: error.code };
  }
}
const codeOf = (input: string | Uint8Array): string => {
  const outcome = decodeOutcome(input);
  return outcome.ok ? 'ok' : outcome.code;
};

const REGULAR =
  '{"role":"pelvis","seq":0,"t0":12.5,"period":0.01,"samples":[{"gyr":[0.01,-0.02,0],"acc":[9.79,0.12,-0.3]}]}';
const EXPLICIT =
  '{"role":"thigh_left","seq":1,"samples":[{"t":12.5,"gyr":[0,0,0],"acc":[9.81,0,0],"mag":[20,-5,40]},{"t":12.511,"gyr":[0,0,0],"acc":[9.81,0,0],"mag":[20,-5,40]}]}';

describe('JSON IMU frame', () => {
  it('decodes the regular example of docs/protocol.md', () => {
    expect(decodeImuFrameJson(REGULAR)).toEqual({
      role: 'pelvis',
      seq: 0,
      timing: { kind: 'regular', t0: 12.5, period: 0.01 },
      samples: [{ gyr: [0.01, -0.02, 0], acc: [9.79, 0.12, -0.3] }],
    });
  });

  it('decodes the explicit example (as UTF-8 bytes) and keeps float64 values', () => {
    const frame = decodeImuFrameJson(new TextEncoder().encode(EXPLICIT));
    expect(frame.timing).toEqual({ kind: 'explicit', t: [12.5, 12.511] });
    expect(frame.samples[1]).toEqual({ gyr: [0, 0, 0], acc: [9.81, 0, 0], mag: [20, -5, 40] });
    expect(frame.samples[0]!.acc[0]).toBe(9.81); // not rounded to float32 (which would be 9.8100004196167)
  });

  it('round-trips any valid frame exactly (float64 values, both timing modes, with/without mag)', () => {
    fc.assert(
      fc.property(imuFrameArb({ values: 'f64' }), (frame) => {
        expect(decodeImuFrameJson(encodeImuFrameJson(frame))).toEqual(frame);
      }),
      { numRuns: 200 },
    );
  });

  it('carries the same frame as the binary form (binary → JSON → binary is byte-identical up to -0)', () => {
    fc.assert(
      fc.property(imuFrameArb({ maxSamples: 50, size: 'medium' }), (frame) => {
        // JSON has no negative zero: -0 arrives as 0, the only difference the JSON leg may introduce.
        const binary = JSON.parse(JSON.stringify(decodeImuFrame(encodeImuFrame(frame)))) as ImuFrame;
        const viaJson = decodeImuFrameJson(encodeImuFrameJson(binary));
        expect(Buffer.from(encodeImuFrame(viaJson)).equals(Buffer.from(encodeImuFrame(binary)))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['empty input', '', 'bad_json'],
    ['not JSON', 'role=pelvis', 'bad_json'],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), 'bad_json'],
    ['a JSON array', '[]', 'schema'],
    ['null', 'null', 'schema'],
    ['missing samples', '{"role":"pelvis","seq":0,"t0":1,"period":0.01}', 'schema'],
    ['a misspelt field', REGULAR.replace('"period"', '"perod"'), 'schema'],
    ['t0 without period', REGULAR.replace(',"period":0.01', ''), 'schema'],
    ['both timings', REGULAR.replace('{"gyr"', '{"t":12.5,"gyr"'), 'schema'],
    ['a sample without t', EXPLICIT.replace('{"t":12.511,', '{'), 'schema'],
    ['a 2-vector', REGULAR.replace('[0.01,-0.02,0]', '[0.01,-0.02]'), 'schema'],
    ['a string value', REGULAR.replace('9.79', '"9.79"'), 'schema'],
    ['an unknown role', REGULAR.replace('pelvis', 'shin'), 'bad_role'],
    ['a negative seq', REGULAR.replace('"seq":0', '"seq":-1'), 'bad_seq'],
    ['a fractional seq', REGULAR.replace('"seq":0', '"seq":1.5'), 'bad_seq'],
    ['seq 2^32', REGULAR.replace('"seq":0', '"seq":4294967296'), 'bad_seq'],
    ['a sensor id with a slash', REGULAR.replace('"seq":0', '"seq":0,"sensorId":"a/b"'), 'bad_sensor_id'],
    ['an overflowing number', REGULAR.replace('9.79', '1e400'), 'non_finite'],
    ['beyond float32', REGULAR.replace('9.79', '1e39'), 'out_of_range'],
    ['period 0', REGULAR.replace('"period":0.01', '"period":0'), 'bad_timing'],
    ['negative t0', REGULAR.replace('"t0":12.5', '"t0":-1'), 'bad_timing'],
    ['time going back', EXPLICIT.replace('12.511', '12.4'), 'bad_timing'],
    ['mag on some samples', EXPLICIT.replace(',"mag":[20,-5,40]}]', '}]'), 'inconsistent_mag'],
    [
      'too many samples',
      REGULAR.replace(/\[\{.*\}\]/, `[${Array(1001).fill('{"gyr":[0,0,0],"acc":[0,0,0]}').join(',')}]`),
      'too_many_samples',
    ],
    ['an oversized payload', ' '.repeat(MAX_JSON_PAYLOAD_BYTES + 1), 'too_large'],
  ])('rejects %s', (_name, input, code) => {
    expect(codeOf(input)).toBe(code);
  });

  it('accepts a UTF-8 byte-order mark and surrounding whitespace', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(`\n ${REGULAR} \n`)]);
    expect(codeOf(bytes)).toBe('ok');
  });
});

describe('JSON IMU frame: fuzz (valid frame or WireError, nothing else)', () => {
  it(`random strings and random bytes (${FUZZ_RUNS} cases)`, () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.uint8Array({ maxLength: 200 })),
        (input) => {
          decodeOutcome(input);
        },
      ),
      { numRuns: FUZZ_RUNS },
    );
  });

  it(`random JSON values (${FUZZ_RUNS} cases)`, () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        decodeOutcome(JSON.stringify(value) ?? 'null');
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it(`character mutations of valid JSON frames (${FUZZ_RUNS} cases) decode or fail cleanly, both happen`, () => {
    const alphabet = fc.constantFrom(...'{}[]":,.-+eE0123456789 tfnulrs\\'.split(''));
    const codes = new Map<string, number>();
    fc.assert(
      fc.property(
        imuFrameArb({ values: 'f64', maxSamples: 4, size: 'small' }),
        fc.nat(),
        fc.constantFrom('replace', 'insert', 'delete'),
        alphabet,
        (frame, where, op, ch) => {
          const text = encodeImuFrameJson(frame);
          const at = where % text.length;
          const mutated =
            op === 'replace'
              ? text.slice(0, at) + ch + text.slice(at + 1)
              : op === 'insert'
                ? text.slice(0, at) + ch + text.slice(at)
                : text.slice(0, at) + text.slice(at + 1);
          const code = codeOf(mutated);
          codes.set(code, (codes.get(code) ?? 0) + 1);
        },
      ),
      { numRuns: FUZZ_RUNS },
    );
    expect(codes.get('ok') ?? 0).toBeGreaterThan(FUZZ_RUNS / 20);
    expect(codes.get('bad_json') ?? 0).toBeGreaterThan(FUZZ_RUNS / 20);
    expect(codes.get('schema') ?? 0).toBeGreaterThan(0);
  });

  it(`valid frames with one field replaced by an arbitrary JSON value (${FUZZ_RUNS} cases)`, () => {
    fc.assert(
      fc.property(
        imuFrameArb({ values: 'f64', maxSamples: 4, size: 'small' }),
        fc.nat(),
        fc.jsonValue(),
        (frame, which, value) => {
          const object = JSON.parse(encodeImuFrameJson(frame)) as Record<string, unknown>;
          const paths: (string | number)[][] = Object.keys(object).map((k) => [k]);
          (object.samples as Record<string, unknown>[]).forEach((s, i) => {
            for (const [k, v] of Object.entries(s)) {
              paths.push(['samples', i, k]);
              if (Array.isArray(v)) paths.push(['samples', i, k, 0]);
            }
          });
          const path = paths[which % paths.length]!;
          let target = object as Record<string | number, unknown>;
          for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
          target[path.at(-1)!] = value;
          decodeOutcome(JSON.stringify(object));
        },
      ),
      { numRuns: FUZZ_RUNS },
    );
  });
});
