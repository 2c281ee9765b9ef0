/**
 * Telling the binary and JSON forms of an IMU payload apart: by the MQTT v5 content type when the publisher set
 * one, else by the first byte (MQTT 3.1.1 clients and brokers such as aedes cannot carry a content type).
 */
import { IMU_FRAME_MAGIC, decodeImuFrame } from './binary.js';
import { WireError } from './errors.js';
import { decodeImuFrameJson } from './json.js';
import { parseTopic } from './topics.js';
import type { ParsedTopic } from './topics.js';
import type { ImuFrame } from './types.js';

export const CONTENT_TYPE_IMU_BINARY = 'application/vnd.hipmon.imu+octet-stream';
export const CONTENT_TYPE_JSON = 'application/json';
/** Generic binary type some clients send; the bytes must still be a binary frame. */
export const CONTENT_TYPE_OCTET_STREAM = 'application/octet-stream';

/** `Application/JSON; charset=utf-8` → `application/json`. */
const mediaType = (contentType: string): string => contentType.split(';', 1)[0]!.trim().toLowerCase();

export function decodeImuPayload(bytes: Uint8Array, contentType?: string): ImuFrame {
  if (contentType !== undefined && contentType.trim() !== '') {
    const type = mediaType(contentType);
    if (type === CONTENT_TYPE_IMU_BINARY || type === CONTENT_TYPE_OCTET_STREAM) return decodeImuFrame(bytes);
    if (type === CONTENT_TYPE_JSON) return decodeImuFrameJson(bytes);
    throw new WireError(
      'unsupported_content_type',
      `content type ${JSON.stringify(contentType.slice(0, 100))} is not an IMU frame`,
    );
  }
  if (bytes.byteLength === 0) throw new WireError('truncated', 'empty payload');
  return bytes[0] === IMU_FRAME_MAGIC ? decodeImuFrame(bytes) : decodeImuFrameJson(bytes);
}

export interface ImuMessage {
  topic: Extract<ParsedTopic, { kind: 'imu' }>;
  frame: ImuFrame;
}

/**
 * What the service does with each message on `hipmon/v1/imu/+/+/+`: parse the topic, decode the payload, and check
 * the two agree on the sensor role (a frame published under the wrong role would corrupt the joint angles).
 */
export function decodeImuMessage(topic: string, bytes: Uint8Array, contentType?: string): ImuMessage {
  const parsed = parseTopic(topic);
  if (parsed === null || parsed.kind !== 'imu') {
    throw new WireError('bad_topic', `${JSON.stringify(topic.slice(0, 200))} is not a hipmon/v1 IMU topic`);
  }
  const frame = decodeImuPayload(bytes, contentType);
  if (frame.role !== parsed.role) {
    throw new WireError('role_mismatch', `a ${frame.role} frame on the ${parsed.role} topic`);
  }
  return { topic: parsed, frame };
}
