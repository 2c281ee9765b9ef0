/**
 * The service's first stage: every IMU frame on the broker, decoded and accounted per sensor stream. Malformed
 * frames are counted by error code, logged (rate-limited) and dropped; nothing on the wire can crash the process.
 * Later stages (alignment, analysis, storage) subscribe to `onFrame`.
 */
import { decodeImuMessage, SERVICE_SUBSCRIPTIONS, TOPIC_QOS, WireError } from '@hipmon/core';
import type { ImuMessage } from '@hipmon/core';
import { connectMqtt } from '@hipmon/gateway';
import type { MqttConnection } from '@hipmon/gateway';
import type { Logger } from 'pino';
import { StreamAccounting } from './stream-accounting.js';
import type { FrameVerdict } from './stream-accounting.js';

export interface FrameIngestOptions {
  brokerUrl: string;
  clientId?: string;
  logger: Logger;
  /** Called for each frame that carries new data ('new' or 'late'), with its accounting verdict. */
  onFrame?: (message: ImuMessage, verdict: FrameVerdict) => void;
}

export interface FrameIngest {
  accounting: StreamAccounting;
  /** Rejected messages by WireError code. */
  rejected: Map<string, number>;
  connection: MqttConnection;
  close(): Promise<void>;
}

const streamKey = (m: ImuMessage): string => `${m.topic.patientId}/${m.topic.sessionId}/${m.topic.role}`;

export async function startFrameIngest(options: FrameIngestOptions): Promise<FrameIngest> {
  const { logger } = options;
  const accounting = new StreamAccounting();
  const rejected = new Map<string, number>();
  let lastRejectLog = -Infinity;
  const connection = await connectMqtt(options.brokerUrl, {
    clientId: options.clientId ?? 'hipmon-processing',
    // A persistent session: frames published while the service restarts are delivered when it is back.
    clean: false,
    properties: { sessionExpiryInterval: 24 * 3600 },
    reconnectPeriod: 1000,
  });
  connection.client.on('message', (topic, payload, packet) => {
    let message: ImuMessage;
    try {
      message = decodeImuMessage(topic, payload, packet.properties?.contentType);
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      rejected.set(err.code, (rejected.get(err.code) ?? 0) + 1);
      const now = performance.now();
      if (now - lastRejectLog > 5000) {
        lastRejectLog = now;
        logger.warn(
          { topic: topic.slice(0, 200), code: err.code, rejected: Object.fromEntries(rejected) },
          err.message,
        );
      }
      return;
    }
    const verdict = accounting.record(streamKey(message), message.frame.seq, message.frame.samples.length);
    if (verdict === 'new' || verdict === 'late') options.onFrame?.(message, verdict);
  });
  connection.client.on('error', (err) => logger.error({ err }, 'mqtt error'));
  await connection.client.subscribeAsync(SERVICE_SUBSCRIPTIONS.imu, { qos: TOPIC_QOS.imu });
  return {
    accounting,
    rejected,
    connection,
    close: async () => {
      await connection.client.endAsync();
    },
  };
}
