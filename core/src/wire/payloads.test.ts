import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WIRE_ERROR_CODES, WireError } from './errors.js';
import { decodeJsonPayload, encodeJsonPayload } from './json-text.js';
import {
  PAYLOAD_SCHEMAS,
  alertPayloadSchema,
  controlPayloadSchema,
  gatewayStatusPayloadSchema,
  liveAnglesPayloadSchema,
  planPayloadSchema,
  repEventPayloadSchema,
  sessionStatePayloadSchema,
} from './payloads.js';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
    return 'ok';
  } catch (error) {
    if (!(error instanceof WireError)) throw error;
    return error.code;
  }
};

// The examples printed in docs/protocol.md §8.
const EXAMPLES = {
  angles: { t: 1234.56, side: 'left', flexion: 32.4, abduction: -1.8, rotation: 3.1 },
  reps: {
    exercise: 'standing_hip_abduction',
    side: 'left',
    set: 1,
    rep: 4,
    start: 1230.1,
    end: 1232.4,
    peak: { flexion: 2.1, abduction: 24.8, rotation: 1.0 },
    rom: 23.9,
  },
  alerts: {
    t: 1240.0,
    level: 'warning',
    code: 'rom_above_limit',
    message: 'Hip flexion above 90° after hip replacement',
  },
  session_state: {
    t: 1232.4,
    state: 'in_set',
    side: 'left',
    exercise: 'standing_hip_abduction',
    set: 1,
    reps: 4,
    targetReps: 10,
  },
  control: { type: 'start_set', exercise: 'glute_bridge', set: 2, targetReps: 12, t: 1300.2 },
  plan: {
    version: 3,
    exercises: [
      { exercise: 'standing_hip_abduction', sets: 3, reps: 10, targetRomDeg: 25 },
      { exercise: 'hip_flexor_stretch', sets: 1, reps: 3, holdSeconds: 30 },
    ],
  },
  gateway_status: {
    state: 'online',
    t: 86400.5,
    software: 'hipmon-gateway 0.1.0',
    sensors: [
      { role: 'pelvis', connected: true, batteryPct: 81 },
      { role: 'thigh_left', connected: false },
    ],
  },
} as const;

describe('JSON payloads', () => {
  it.each(Object.entries(EXAMPLES))('the documented %s example validates and round-trips', (kind, example) => {
    const schema = PAYLOAD_SCHEMAS[kind as keyof typeof PAYLOAD_SCHEMAS];
    const text = encodeJsonPayload(schema, example as never);
    expect(decodeJsonPayload(schema, text)).toEqual(example);
    expect(decodeJsonPayload(schema, new TextEncoder().encode(text))).toEqual(example);
  });

  it('the last will {"state":"offline"} is a complete gateway status', () => {
    expect(decodeJsonPayload(gatewayStatusPayloadSchema, '{"state":"offline"}')).toEqual({ state: 'offline' });
  });

  it('control messages are strict; published outputs drop unknown fields', () => {
    expect(codeOf(() => decodeJsonPayload(controlPayloadSchema, '{"type":"calibrate","force":true}'))).toBe('schema');
    expect(decodeJsonPayload(controlPayloadSchema, '{"type":"calibrate","requestId":"r-1"}')).toEqual({
      type: 'calibrate',
      requestId: 'r-1',
    });
    const newer = { ...EXAMPLES.angles, pelvisTilt: 4.2 };
    expect(decodeJsonPayload(liveAnglesPayloadSchema, JSON.stringify(newer))).toEqual(EXAMPLES.angles);
  });

  it.each<[string, () => unknown, string]>([
    ['control: unknown type', () => decodeJsonPayload(controlPayloadSchema, '{"type":"reboot"}'), 'schema'],
    [
      'control: start_session without side',
      () => decodeJsonPayload(controlPayloadSchema, '{"type":"start_session"}'),
      'schema',
    ],
    [
      'control: unknown exercise',
      () => decodeJsonPayload(controlPayloadSchema, '{"type":"start_set","exercise":"push_up"}'),
      'schema',
    ],
    [
      'control: requestId with a slash',
      () => decodeJsonPayload(controlPayloadSchema, '{"type":"stop_set","requestId":"a/b"}'),
      'schema',
    ],
    [
      'rep: end before start',
      () => decodeJsonPayload(repEventPayloadSchema, JSON.stringify({ ...EXAMPLES.reps, end: 1 })),
      'schema',
    ],
    [
      'rep: set 0',
      () => decodeJsonPayload(repEventPayloadSchema, JSON.stringify({ ...EXAMPLES.reps, set: 0 })),
      'schema',
    ],
    [
      'angles: NaN-like overflow',
      () =>
        decodeJsonPayload(liveAnglesPayloadSchema, '{"t":1,"side":"left","flexion":1e999,"abduction":0,"rotation":0}'),
      'non_finite',
    ],
    [
      'angles: negative time',
      () => decodeJsonPayload(liveAnglesPayloadSchema, JSON.stringify({ ...EXAMPLES.angles, t: -1 })),
      'schema',
    ],
    [
      'alert: unknown level',
      () => decodeJsonPayload(alertPayloadSchema, JSON.stringify({ ...EXAMPLES.alerts, level: 'panic' })),
      'schema',
    ],
    [
      'state: unknown state',
      () =>
        decodeJsonPayload(sessionStatePayloadSchema, JSON.stringify({ ...EXAMPLES.session_state, state: 'dancing' })),
      'schema',
    ],
    [
      'status: battery 120 %',
      () =>
        decodeJsonPayload(
          gatewayStatusPayloadSchema,
          '{"state":"online","sensors":[{"role":"pelvis","connected":true,"batteryPct":120}]}',
        ),
      'schema',
    ],
    [
      'plan: zero sets',
      () =>
        decodeJsonPayload(
          planPayloadSchema,
          '{"version":1,"exercises":[{"exercise":"glute_bridge","sets":0,"reps":10}]}',
        ),
      'schema',
    ],
    ['plan: not JSON', () => decodeJsonPayload(planPayloadSchema, '{"version":1,'), 'bad_json'],
    ['plan: empty retained payload', () => decodeJsonPayload(planPayloadSchema, new Uint8Array(0)), 'bad_json'],
    [
      'encoding an invalid value',
      () => encodeJsonPayload(liveAnglesPayloadSchema, { ...EXAMPLES.angles, flexion: NaN }),
      'non_finite',
    ],
    ['encoding a wrong shape', () => encodeJsonPayload(planPayloadSchema, { version: 0, exercises: [] }), 'schema'],
  ])('rejects %s', (_name, run, code) => {
    expect(codeOf(run)).toBe(code);
  });

  it('every payload decoder returns a value or throws a WireError, for any JSON (10 000 cases)', () => {
    const schemas = Object.values(PAYLOAD_SCHEMAS);
    fc.assert(
      fc.property(
        fc.constantFrom(...schemas),
        fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
          fc.string(),
        ),
        (schema, text) => {
          try {
            decodeJsonPayload(schema, text);
          } catch (error) {
            expect(error).toBeInstanceOf(WireError);
            expect(WIRE_ERROR_CODES).toContain((error as WireError).code);
          }
        },
      ),
      { numRuns: 10_000 },
    );
  });
});
