import { describe, expect, it } from 'vitest';
import { encodeImuFrame } from './binary.js';
import { WireError } from './errors.js';
import {
  CONTENT_TYPE_IMU_BINARY,
  CONTENT_TYPE_JSON,
  CONTENT_TYPE_OCTET_STREAM,
  decodeImuMessage,
  decodeImuPayload,
} from './imu-payload.js';
import { encodeImuFrameJson } from './json.js';
import { imuTopic } from './topics.js';
import type { ImuFrame } from './types.js';

const frame: ImuFrame = {
  role: 'thigh_right',
  seq: 77,
  sensorId: 'C0:FF:EE:00:00:01',
  timing: { kind: 'regular', t0: 3600.25, period: 0.01 },
  samples: [
    { gyr: [0.5, 0.25, -0.125], acc: [9.75, 0.5, -0.25] },
    { gyr: [0.5, 0.25, -0.125], acc: [9.75, 0.5, -0.25] },
  ],
};
const binary = encodeImuFrame(frame);
const json = new TextEncoder().encode(encodeImuFrameJson(frame));

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
    return 'ok';
  } catch (error) {
    if (!(error instanceof WireError)) throw error;
    return error.code;
  }
};

describe('decodeImuPayload', () => {
  it('decodes by MQTT 5 content type', () => {
    expect(decodeImuPayload(binary, CONTENT_TYPE_IMU_BINARY)).toEqual(frame);
    expect(decodeImuPayload(binary, CONTENT_TYPE_OCTET_STREAM)).toEqual(frame);
    expect(decodeImuPayload(json, CONTENT_TYPE_JSON)).toEqual(frame);
    expect(decodeImuPayload(json, 'Application/JSON; charset=utf-8')).toEqual(frame);
  });

  it('sniffs the magic byte when there is no content type (MQTT 3.1.1)', () => {
    expect(decodeImuPayload(binary)).toEqual(frame);
    expect(decodeImuPayload(json)).toEqual(frame);
    expect(decodeImuPayload(json, '')).toEqual(frame);
    expect(decodeImuPayload(new TextEncoder().encode(`  \n${encodeImuFrameJson(frame)}`))).toEqual(frame);
  });

  it('trusts the content type over the bytes, and rejects unknown types', () => {
    expect(codeOf(() => decodeImuPayload(json, CONTENT_TYPE_IMU_BINARY))).toBe('bad_magic');
    expect(codeOf(() => decodeImuPayload(binary, CONTENT_TYPE_JSON))).toBe('bad_json');
    expect(codeOf(() => decodeImuPayload(json, 'text/plain'))).toBe('unsupported_content_type');
    expect(codeOf(() => decodeImuPayload(new Uint8Array(0)))).toBe('truncated');
  });
});

describe('decodeImuMessage', () => {
  const topic = imuTopic('patient-7', 's_2025', 'thigh_right');

  it('returns the parsed topic and the frame', () => {
    expect(decodeImuMessage(topic, binary)).toEqual({
      topic: { kind: 'imu', patientId: 'patient-7', sessionId: 's_2025', role: 'thigh_right' },
      frame,
    });
  });

  it('rejects a frame whose role differs from its topic, and topics that are not IMU topics', () => {
    expect(codeOf(() => decodeImuMessage(imuTopic('patient-7', 's_2025', 'pelvis'), binary))).toBe('role_mismatch');
    expect(codeOf(() => decodeImuMessage('hipmon/v1/plan/patient-7', binary))).toBe('bad_topic');
    expect(codeOf(() => decodeImuMessage('hipmon/v1/imu/+/s/pelvis', binary))).toBe('bad_topic');
  });
});
