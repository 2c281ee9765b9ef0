/**
 * The service's MQTT connection: a persistent session (clean: false, 24 h expiry) so frames published while the
 * service restarts are queued by the broker, MQTT 5 with a fallback to 3.1.1 (aedes). The message handler is
 * attached before CONNECT: a resumed session's queued messages may follow the CONNACK in the same TCP read.
 */
import mqtt from 'mqtt';
import type { IClientOptions, IPublishPacket, MqttClient } from 'mqtt';

export type MessageHandler = (topic: string, payload: Buffer, packet: IPublishPacket) => void;

export interface ServiceConnection {
  client: MqttClient;
  protocolVersion: 4 | 5;
}

function attempt(url: string, options: IClientOptions, onMessage: MessageHandler): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, options);
    client.on('message', onMessage);
    const fail = (err: Error) => {
      client.removeListener('connect', ok);
      client.end(true);
      reject(err);
    };
    const ok = () => {
      client.removeListener('error', fail);
      client.removeListener('close', closed);
      resolve(client);
    };
    const closed = () => fail(new Error('connection closed before CONNACK'));
    client.once('connect', ok);
    client.once('error', fail);
    client.once('close', closed);
  });
}

function unsupportedProtocol(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  const message = err instanceof Error ? err.message : String(err);
  return code === 1 || code === 132 || /protocol|unsupported|connection closed/i.test(message);
}

export async function connectService(
  url: string,
  clientId: string,
  onMessage: MessageHandler,
): Promise<ServiceConnection> {
  const base: IClientOptions = { clientId, clean: false, reconnectPeriod: 1000, connectTimeout: 10_000 };
  try {
    const client = await attempt(
      url,
      { ...base, protocolVersion: 5, properties: { sessionExpiryInterval: 24 * 3600 } },
      onMessage,
    );
    return { client, protocolVersion: 5 };
  } catch (err) {
    if (!unsupportedProtocol(err)) throw err;
  }
  return { client: await attempt(url, { ...base, protocolVersion: 4 }, onMessage), protocolVersion: 4 };
}
