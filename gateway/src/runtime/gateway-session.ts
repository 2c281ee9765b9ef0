/**
 * One gateway session, what `hipmon gateway` runs: the BLE hub's samples → frames → disk outbox → broker, the
 * patient's controls (calibrate, start/stop set) through the same outbox, the gateway's retained status with an
 * offline last will, the service's live topics folded into the live view, and `--record` alongside. Terminal I/O
 * (keys, redraws) stays in the CLI; tests drive the same object.
 */
import mqtt from 'mqtt';
import { controlTopic, gatewayStatusTopic, gatewaySubscriptions, TOPIC_QOS } from '@hipmon/core';
import type { ControlPayload, ExerciseId, GatewayStatusPayload } from '@hipmon/core';
import { BleSensorHub } from '../ble/noble-adapter.js';
import type { NobleLike, SensorStatus } from '../ble/noble-adapter.js';
import type { GatewayConfig } from '../ble/sensor-config.js';
import { connectMqtt } from '../mqtt/connect.js';
import type { MqttConnection } from '../mqtt/connect.js';
import { publishJson } from '../mqtt/publish.js';
import { OutboxForwarder } from '../outbox/forwarder.js';
import { SegmentOutbox } from '../outbox/segment-outbox.js';
import { SamplePublisher } from '../pipeline/sample-publisher.js';
import { afterSet, applyLiveMessage, currentExercise, initialLiveState, renderLiveView } from './live-view.js';
import type { LiveState } from './live-view.js';
import { RecordingWriter } from './recording-writer.js';

export interface GatewaySessionOptions {
  config: GatewayConfig;
  noble: NobleLike;
  /** Gateway clock, s (Unix time; virtual time plus an epoch under simulation). */
  now: () => number;
  /** Broker URL; without one nothing is published (the outbox keeps everything for a later run). */
  broker?: string;
  outboxDir: string;
  /** Also write the recording CSV here. */
  record?: string;
  side: 'left' | 'right';
  /** Exercise of a set when the plan names none. */
  exercise: ExerciseId;
  /** How often the gateway's retained status is republished when nothing changed, ms (default 10 s). */
  statusIntervalMs?: number;
}

export interface GatewaySessionSummary {
  /** Rows written to the recording, and samples it had to leave out (see RecordingWriter). */
  recording?: { rows: number; late: number; withoutMag: number };
  /** Messages still in the outbox (sent on the next run). */
  pending: number;
}

/** A problem that stops the gateway before it runs (unwritable recording or outbox). */
export class GatewayStartError extends Error {
  override name = 'GatewayStartError';
}

const SOFTWARE = 'hipmon-gateway';

export class GatewaySession {
  private liveState: LiveState = initialLiveState();
  private readonly statusTimer: NodeJS.Timeout;
  private statusSignature = '';
  private statusPublishedAt = -Infinity;

  private constructor(
    private readonly o: GatewaySessionOptions,
    readonly sessionId: string,
    private readonly outbox: SegmentOutbox,
    private readonly link: MqttConnection | undefined,
    private readonly forwarder: OutboxForwarder | undefined,
    private readonly publisher: SamplePublisher,
    private readonly hub: BleSensorHub,
    private readonly recording: RecordingWriter | undefined,
  ) {
    // A sensor (dis)connecting or its battery level changing is published within a second; otherwise every interval.
    this.statusTimer = setInterval(() => {
      const signature = JSON.stringify(hub.status().map((s) => [s.role, s.state === 'connected', s.battery?.percent]));
      if (signature === this.statusSignature && Date.now() - this.statusPublishedAt < (o.statusIntervalMs ?? 10_000))
        return;
      this.statusSignature = signature;
      void this.publishStatus('online');
    }, 1000);
  }

  static async start(o: GatewaySessionOptions): Promise<GatewaySession> {
    const { patientId } = o.config;
    const t0 = o.now();
    const sessionId = `${patientId}-g${Math.round(t0)}`.slice(-64);
    let outbox: SegmentOutbox;
    try {
      outbox = SegmentOutbox.open(o.outboxDir);
    } catch (err) {
      throw new GatewayStartError(`cannot open the outbox ${o.outboxDir}: ${(err as Error).message}`);
    }
    let recording: RecordingWriter | undefined;
    try {
      recording = o.record
        ? new RecordingWriter(
            o.record,
            o.config.sensors.some((s) => s.mag),
          )
        : undefined;
    } catch (err) {
      outbox.close();
      throw new GatewayStartError(`cannot write the recording ${o.record}: ${(err as Error).message}`);
    }
    const link = o.broker ? await openBroker(o.broker, patientId) : undefined;
    const forwarder = link ? new OutboxForwarder(outbox, link) : undefined;
    const publisher = new SamplePublisher({ patientId, sessionId, outbox, ...(forwarder ? { forwarder } : {}) });
    const hub = new BleSensorHub({
      noble: o.noble,
      sensors: o.config.sensors,
      now: o.now,
      onSample: (role, sample) => {
        publisher.push(role, sample);
        recording?.push(role, sample);
      },
      statusIntervalMs: 2000,
    });
    const session = new GatewaySession(o, sessionId, outbox, link, forwarder, publisher, hub, recording);
    if (link) {
      const { client } = link;
      client.on(
        'message',
        (topic, payload) => (session.liveState = applyLiveMessage(session.liveState, topic, payload)),
      );
      // On every (re)connection: a broker that was down at start, or restarted without our session, must learn them.
      const announce = async (): Promise<void> => {
        await client.subscribeAsync(gatewaySubscriptions(patientId), { qos: 1 }).catch(() => undefined);
        await session.publishStatus('online');
      };
      client.on('connect', () => void announce());
      if (client.connected) await announce();
    }
    session.control({ type: 'start_session', side: o.side, t: t0 });
    try {
      await hub.start();
    } catch (err) {
      await session.close(0);
      throw err;
    }
    return session;
  }

  get live(): LiveState {
    return this.liveState;
  }

  sensors(): SensorStatus[] {
    return this.hub.status();
  }

  /** Messages waiting in the outbox. */
  get pending(): number {
    return this.outbox.pending;
  }

  brokerState(): string {
    if (!this.link) return 'none (not publishing)';
    return this.link.client.connected ? `connected (${this.o.broker})` : `offline, retrying (${this.o.broker})`;
  }

  calibrate(): void {
    this.control({ type: 'calibrate', t: this.o.now() });
    this.note('sent calibrate');
  }

  startSet(): void {
    const exercise = currentExercise(this.liveState)?.exercise ?? this.o.exercise;
    this.control({ type: 'start_set', exercise, set: this.liveState.setsDone + 1, t: this.o.now() });
    this.note(`sent start set (${exercise})`);
  }

  stopSet(): void {
    this.control({ type: 'stop_set', t: this.o.now() });
    this.liveState = afterSet(this.liveState);
    this.note('sent stop set');
  }

  /** The terminal view, as lines. */
  view(keys: boolean): string[] {
    return renderLiveView({
      patientId: this.o.config.patientId,
      sessionId: this.sessionId,
      sensors: this.hub.status(),
      live: this.liveState,
      outboxPending: this.outbox.pending,
      broker: this.brokerState(),
      keys,
    });
  }

  /** Ends the session: stops the sensors, sends what is left (up to `drainMs`), publishes offline, closes files. */
  async close(drainMs = 5000): Promise<GatewaySessionSummary> {
    clearInterval(this.statusTimer);
    this.control({ type: 'end_session', t: this.o.now() });
    this.publisher.flush();
    await this.hub.stop();
    if (this.forwarder && this.link?.client.connected)
      await Promise.race([this.forwarder.drained(), new Promise((r) => setTimeout(r, drainMs))]);
    this.forwarder?.stop();
    if (this.link?.client.connected) await this.publishStatus('offline');
    this.outbox.close();
    await this.link?.client.endAsync(true);
    let recording: GatewaySessionSummary['recording'];
    if (this.recording) {
      await this.recording.close();
      recording = { rows: this.recording.rows, late: this.recording.late, withoutMag: this.recording.withoutMag };
    }
    return { ...(recording ? { recording } : {}), pending: this.outbox.pending };
  }

  private control(payload: ControlPayload): void {
    this.outbox.append({
      topic: controlTopic(this.o.config.patientId, this.sessionId),
      payload: Buffer.from(JSON.stringify(payload)),
      qos: TOPIC_QOS.control,
      retain: false,
    });
    this.forwarder?.kick();
  }

  private note(message: string): void {
    this.liveState = { ...this.liveState, message };
  }

  /** Retained state, not history: published directly (never queued), and only while connected. */
  private async publishStatus(state: 'online' | 'offline'): Promise<void> {
    if (!this.link?.client.connected) return;
    this.statusPublishedAt = Date.now();
    const payload: GatewayStatusPayload = {
      state,
      t: this.o.now(),
      software: SOFTWARE,
      sensors: this.hub.status().map((s) => ({
        role: s.role,
        ...(s.address ? { sensorId: s.address.slice(0, 64) } : {}),
        connected: s.state === 'connected',
        ...(s.battery?.percent !== undefined ? { batteryPct: s.battery.percent } : {}),
        ...(s.rssi !== undefined ? { rssiDbm: Math.max(-150, Math.min(20, s.rssi)) } : {}),
      })),
    };
    await publishJson(this.link, statusTopic(this.o.config.patientId), payload).catch(() => undefined);
  }
}

/** One home gateway per patient: its id follows from the patient's. */
const gatewayId = (patientId: string): string => `gw-${patientId}`.slice(0, 64);
const statusTopic = (patientId: string): string => gatewayStatusTopic(patientId, gatewayId(patientId));

/**
 * Connects (MQTT 5, else 3.1.1) with the offline status as last will; a broker that is down at start is retried in
 * the background instead (the outbox keeps everything meanwhile).
 */
async function openBroker(url: string, patientId: string): Promise<MqttConnection> {
  const clientId = `hipmon-${gatewayId(patientId)}`;
  const offline: GatewayStatusPayload = { state: 'offline' };
  const will = {
    topic: statusTopic(patientId),
    payload: Buffer.from(JSON.stringify(offline)),
    qos: 1 as const,
    retain: true,
  };
  try {
    return await connectMqtt(url, { clientId, reconnectPeriod: 1000, connectTimeout: 3000, will });
  } catch {
    return {
      client: mqtt.connect(url, { clientId, protocolVersion: 4, reconnectPeriod: 1000, will }),
      protocolVersion: 4,
    };
  }
}
