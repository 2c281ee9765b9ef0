/**
 * Drains the outbox to the broker in order: a window of messages is published (QoS from the record), and the
 * outbox cursor moves only after every one of them is acknowledged. Nothing is published while the client is
 * offline; messages in flight when the link drops stay in mqtt.js's outgoing store and are retransmitted by it on
 * reconnect (their promises then resolve), so the forwarder never publishes a message twice itself.
 */
import { CONTENT_TYPE_IMU_BINARY, CONTENT_TYPE_JSON, parseTopic } from '@hipmon/core';
import type { MqttConnection } from '../mqtt/connect.js';
import type { SegmentOutbox } from './segment-outbox.js';

export interface ForwarderOptions {
  /** Messages published before waiting for their acknowledgements (default 200). */
  window?: number;
}

export class OutboxForwarder {
  private draining = false;
  private stopped = false;
  private readonly waiters: Array<() => void> = [];
  private readonly onConnect = (): void => this.kick();
  sent = 0;

  constructor(
    private readonly outbox: SegmentOutbox,
    private readonly connection: MqttConnection,
    private readonly options: ForwarderOptions = {},
  ) {
    connection.client.on('connect', this.onConnect);
  }

  /** Starts draining if there is work and a link (call after appending). */
  kick(): void {
    if (this.draining || this.stopped) return;
    this.draining = true;
    void this.drain().finally(() => {
      this.draining = false;
      if (this.outbox.pending === 0) this.waiters.splice(0).forEach((w) => w());
      else if (this.connection.client.connected && !this.stopped) this.kick();
    });
  }

  /** Resolves once everything appended so far has been acknowledged by the broker. */
  drained(): Promise<void> {
    if (this.outbox.pending === 0 && !this.draining) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.kick();
    });
  }

  stop(): void {
    this.stopped = true;
    this.connection.client.off('connect', this.onConnect);
  }

  private async drain(): Promise<void> {
    const { client, protocolVersion } = this.connection;
    while (!this.stopped && client.connected && this.outbox.pending > 0) {
      const batch = this.outbox.peek(this.options.window ?? 200);
      if (batch.length === 0) return;
      try {
        await Promise.all(
          batch.map((m) =>
            client.publishAsync(m.topic, m.payload, {
              qos: m.qos,
              retain: m.retain,
              ...(protocolVersion === 5 ? { properties: { contentType: contentTypeOf(m.topic) } } : {}),
            }),
          ),
        );
      } catch {
        return; // the client was ended or refused: the batch stays in the outbox for the next run
      }
      this.outbox.ack(batch[batch.length - 1]!.next, batch.length);
      this.sent += batch.length;
    }
  }
}

const contentTypeOf = (topic: string): string =>
  parseTopic(topic)?.kind === 'imu' ? CONTENT_TYPE_IMU_BINARY : CONTENT_TYPE_JSON;
