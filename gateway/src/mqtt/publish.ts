import {
  CONTENT_TYPE_IMU_BINARY,
  CONTENT_TYPE_JSON,
  encodeImuFrame,
  imuTopic,
  parseTopic,
  TOPIC_QOS,
  TOPIC_RETAINED,
} from '@hipmon/core';
import type { ImuFrame } from '@hipmon/core';
import type { MqttConnection } from './connect.js';

/** Publishes an IMU frame in the binary form (QoS 1; the MQTT 5 content type where the broker speaks 5). */
export function publishImuFrame(
  connection: MqttConnection,
  patientId: string,
  sessionId: string,
  frame: ImuFrame,
): Promise<unknown> {
  const payload = Buffer.from(encodeImuFrame(frame));
  return connection.client.publishAsync(imuTopic(patientId, sessionId, frame.role), payload, {
    qos: TOPIC_QOS.imu,
    ...(connection.protocolVersion === 5 ? { properties: { contentType: CONTENT_TYPE_IMU_BINARY } } : {}),
  });
}

/** Publishes a JSON payload with the QoS and retain flag the topic scheme fixes for that kind of topic. */
export function publishJson(connection: MqttConnection, topic: string, payload: unknown): Promise<unknown> {
  const parsed = parseTopic(topic);
  if (!parsed) throw new Error(`not a hipmon v1 topic: ${topic}`);
  return connection.client.publishAsync(topic, JSON.stringify(payload), {
    qos: TOPIC_QOS[parsed.kind],
    retain: TOPIC_RETAINED[parsed.kind],
    ...(connection.protocolVersion === 5 ? { properties: { contentType: CONTENT_TYPE_JSON } } : {}),
  });
}
