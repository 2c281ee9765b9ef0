/**
 * MQTT live topics → browser WebSockets. One MQTT connection per dashboard process; a topic filter per patient is
 * subscribed while at least one browser watches that patient (so the broker only sends what someone looks at), and
 * unsubscribed when the last one leaves. The latest session state and gateway status of a watched patient are
 * remembered, so a browser that joins later sees them at once (the retained copies only come with a new
 * subscription).
 */
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { TOPIC_PREFIX, liveFilter, parseTopic, planTopic } from '@hipmon/core';
import type { PlanPayload } from '@hipmon/core';

export type LiveKind = 'angles' | 'reps' | 'alerts' | 'state' | 'gateway';

/** What a browser receives: the topic's ids and the wire payload as published (docs/protocol.md §8). */
export interface LiveMessage {
  type: LiveKind;
  patientId: string;
  /** session id (live topics) or gateway id (gateway status) */
  sessionId?: string;
  gatewayId?: string;
  payload: unknown;
}

export type LiveListener = (message: LiveMessage) => void;

const KIND: Record<string, LiveKind> = {
  angles: 'angles',
  reps: 'reps',
  alerts: 'alerts',
  session_state: 'state',
  gateway_status: 'gateway',
};

const filtersOf = (patientId: string) => [liveFilter(patientId), `${TOPIC_PREFIX}/gateway/${patientId}/+/status`];

export class LiveBridge {
  private readonly listeners = new Map<string, Set<LiveListener>>();
  private readonly latest = new Map<string, Map<string, LiveMessage>>();

  private constructor(private readonly client: MqttClient) {
    client.on('message', (topic, payload) => this.dispatch(topic, payload));
    // Subscriptions survive a reconnect only in a persistent session; this one is clean, so renew them.
    client.on('connect', (ack) => {
      if (!ack.sessionPresent && this.listeners.size > 0) {
        client.subscribe([...this.listeners.keys()].flatMap(filtersOf), { qos: 1 });
      }
    });
  }

  /**
   * Connects, waiting at most `waitMs` for the broker: the dashboard must start (and answer /healthz, with
   * mqtt: false) while the broker is away; the client keeps reconnecting and subscribes once connected.
   */
  static async connect(url: string, options: { clientId?: string; waitMs?: number } = {}): Promise<LiveBridge> {
    const clientId = options.clientId ?? `hipmon-dashboard-${process.pid}-${Date.now().toString(36)}`;
    const client = mqtt.connect(url, { clientId, clean: true, reconnectPeriod: 2000, connectTimeout: 10_000 });
    const bridge = new LiveBridge(client);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.waitMs ?? 5000);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return bridge;
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Starts forwarding one patient's live messages to `listener`; returns the function that stops it. */
  async watch(patientId: string, listener: LiveListener): Promise<() => void> {
    let set = this.listeners.get(patientId);
    if (!set) {
      set = new Set();
      this.listeners.set(patientId, set);
      this.latest.set(patientId, new Map());
      // While disconnected, the 'connect' handler subscribes every watched patient.
      if (this.client.connected) await this.client.subscribeAsync(filtersOf(patientId), { qos: 1 });
    } else {
      for (const message of this.latest.get(patientId)!.values()) listener(message);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(patientId);
      if (!current?.delete(listener) || current.size > 0) return;
      this.listeners.delete(patientId);
      this.latest.delete(patientId);
      if (this.client.connected) this.client.unsubscribe(filtersOf(patientId));
    };
  }

  /** Publishes a patient's plan retained on plan/<patientId> (QoS 1): gateways pick it up for the next session. */
  async publishPlan(patientId: string, plan: PlanPayload): Promise<void> {
    await this.client.publishAsync(planTopic(patientId), JSON.stringify(plan), { qos: 1, retain: true });
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.client.endAsync();
  }

  private dispatch(topic: string, payload: Buffer): void {
    const parsed = parseTopic(topic);
    if (!parsed || !(parsed.kind in KIND)) return;
    const listeners = this.listeners.get(parsed.patientId);
    if (!listeners) return;
    let body: unknown = null;
    // A zero-length retained payload deletes the retained value: forwarded as null ("no value").
    if (payload.length > 0) {
      try {
        body = JSON.parse(payload.toString('utf8'));
      } catch {
        return;
      }
    }
    const message: LiveMessage = {
      type: KIND[parsed.kind]!,
      patientId: parsed.patientId,
      ...('sessionId' in parsed && { sessionId: parsed.sessionId }),
      ...('gatewayId' in parsed && { gatewayId: parsed.gatewayId }),
      payload: body,
    };
    if (message.type === 'state' || message.type === 'gateway') {
      this.latest.get(parsed.patientId)?.set(`${message.type}/${message.sessionId ?? message.gatewayId}`, message);
    }
    for (const listener of listeners) listener(message);
  }
}
