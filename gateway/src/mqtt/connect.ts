import mqtt from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';

export interface MqttConnection {
  client: MqttClient;
  /** 5 where the broker speaks MQTT 5 (Mosquitto); 4 for MQTT 3.1.1 brokers (aedes, the embedded one). */
  protocolVersion: 4 | 5;
}

/**
 * Connects with MQTT 5 and falls back to 3.1.1 when the broker refuses the protocol version, so one client works
 * with Mosquitto and with the embedded aedes broker. MQTT 5-only features (content type) are then left out.
 */
export async function connectMqtt(url: string, options: IClientOptions = {}): Promise<MqttConnection> {
  try {
    const client = await mqtt.connectAsync(url, { ...options, protocolVersion: 5 }, false);
    return { client, protocolVersion: 5 };
  } catch (err) {
    if (!isUnsupportedProtocol(err)) throw err;
  }
  const { properties: _v5Only, ...v4Options } = options;
  const will = v4Options.will ? { ...v4Options.will, properties: undefined } : undefined;
  const client = await mqtt.connectAsync(url, { ...v4Options, ...(will ? { will } : {}), protocolVersion: 4 }, false);
  return { client, protocolVersion: 4 };
}

function isUnsupportedProtocol(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  const message = err instanceof Error ? err.message : String(err);
  // CONNACK 0x01 (3.1.1) / 0x84 (5): unacceptable/unsupported protocol version; aedes may also just close.
  return code === 1 || code === 132 || /protocol|unsupported|connection closed/i.test(message);
}
