/**
 * The processing service (adapter): MQTT in (IMU frames, control messages, gateway status), one SessionPipeline per
 * live session, live outputs out on the wire topics, series to the SeriesStore, sessions/summaries/alerts/gateways to
 * the metadata store, plans published retained. Nothing on the wire can crash it: every message it cannot use is
 * counted (per error code and per patient), logged rate-limited, acknowledged and dropped. docs/processing.md.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  alertsTopic,
  anglesTopic,
  CONTENT_TYPE_JSON,
  controlPayloadSchema,
  decodeImuMessage,
  gatewayStatusPayloadSchema,
  parseTopic,
  planTopic,
  repsTopic,
  SERVICE_SUBSCRIPTIONS,
  sessionStateTopic,
  sharedSubscription,
  TOPIC_QOS,
  TOPIC_RETAINED,
  WireError,
} from '@hipmon/core';
import type { ControlPayload, ImuFrame, SensorRole, Side } from '@hipmon/core';
import type { IPublishPacket } from 'mqtt';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { MetadataStore } from '../store/metadata/store.js';
import type { AngleSample, SeriesStore, SessionRef } from '../store/series/series-store.js';
import { startHealthServer } from './health.js';
import type { HealthServer } from './health.js';
import { connectMqtt } from '@hipmon/gateway';
import { connectService } from './mqtt-client.js';
import type { ServiceConnection } from './mqtt-client.js';
import { ReorderBuffer } from './reorder-buffer.js';
import type { ReorderBufferOptions, ReorderRelease } from './reorder-buffer.js';
import { recoverSession, resumedReorderOptions } from './session-recovery.js';
import { SessionPipeline } from './session-pipeline.js';
import type { PipelineOutput, LiveSessionState } from './session-pipeline.js';
import { PlanPublisher } from './plan-publisher.js';
import { inPartition } from './partition.js';
import type { Partition } from './partition.js';

export interface ProcessingServiceOptions {
  mqttUrl: string;
  /** The persistent MQTT session's id: a restarted service must use the same one. Default 'hipmon-processing'. */
  clientId?: string;
  series: SeriesStore;
  /** Sessions, summaries, alerts, gateways, plans. Without it, only live outputs and series are produced. */
  metadata?: MetadataStore | null;
  logger?: Logger;
  /** MQTT 5 shared subscription group ($share/<group>/…): the broker balances messages over the group's workers. */
  sharedGroup?: string;
  /** Process only the patients whose id hashes to this worker (see docs/processing.md, partitioning). */
  partition?: Partition;
  /** Port of GET /healthz (0 = any free port); null/undefined = no HTTP endpoint. */
  healthPort?: number | null;
  healthHost?: string;
  /** A session without any message for this long (ms) is ended. Default 120 000. */
  idleTimeoutMs?: number;
  reorder?: ReorderBufferOptions;
  /** How often plan changes are looked for (ms); 0 = only at start and on publishPlan(). Default 10 000. */
  planPollMs?: number;
  /** Hip-angle analysis rate (Hz). Default 100. */
  analysisRate?: number;
  /** Service clock (Unix ms) for the metadata store and the reorder/idle timers. Default Date.now. */
  now?: () => number;
  /** Every pipeline output as it is dispatched (measurements, tests). */
  onOutput?: (ref: SessionRef, output: PipelineOutput) => void;
}

export interface ProcessingCounters {
  messages: number;
  imuFrames: number;
  samples: number;
  /** Unusable messages by error code (WireError codes, plus bad_json/schema for control and status). */
  rejected: Record<string, number>;
  rejectedByPatient: Record<string, number>;
  duplicates: number;
  late: number;
  gaps: number;
  missingFrames: number;
  controls: number;
  gatewayStatuses: number;
  /** Messages of patients another worker handles (partition). */
  foreign: number;
  published: { angles: number; reps: number; alerts: number; states: number; plans: number };
  sessionsOpened: number;
  sessionsResumed: number;
  sessionsEnded: number;
  storeErrors: number;
  metadataErrors: number;
  publishErrors: number;
  internalErrors: number;
}

export interface SessionSnapshot {
  patientId: string;
  sessionId: string;
  state: LiveSessionState;
  reps: number;
  samples: number;
}

export interface ProcessingService {
  readonly counters: ProcessingCounters;
  readonly protocolVersion: 4 | 5;
  /** The bound health port, or null. */
  readonly healthPort: number | null;
  sessions(): SessionSnapshot[];
  status(): { healthy: boolean } & Record<string, unknown>;
  /** Publishes the patient's current plan (retained), e.g. right after a therapist changed it. */
  publishPlan(patientId: string): Promise<void>;
  /** Stops taking messages, releases what the reorder buffers hold, flushes the series store. Sessions stay open. */
  stop(): Promise<void>;
}

type Input = { kind: 'frame'; role: SensorRole; frame: ImuFrame } | { kind: 'control'; control: ControlPayload };

interface SessionEntry {
  ref: SessionRef;
  pipeline: SessionPipeline | null;
  /** Inputs that arrived while the session was being recovered. */
  waiting: Input[] | null;
  buffers: Map<SensorRole, ReorderBuffer<ImuFrame>>;
  nextSeq: Partial<Record<SensorRole, number>>;
  lastActivityMs: number;
  /** Metadata writes apply (the patient is known to the metadata store). */
  metadata: boolean;
  endedAtMs: number | null;
  /** The pipeline's releasedUntil at the last tick, and since when (service ms) it has not moved. */
  released: { t: number; sinceMs: number };
}

const EMPTY_COUNTERS = (): ProcessingCounters => ({
  messages: 0,
  imuFrames: 0,
  samples: 0,
  rejected: {},
  rejectedByPatient: {},
  duplicates: 0,
  late: 0,
  gaps: 0,
  missingFrames: 0,
  controls: 0,
  gatewayStatuses: 0,
  foreign: 0,
  published: { angles: 0, reps: 0, alerts: 0, states: 0, plans: 0 },
  sessionsOpened: 0,
  sessionsResumed: 0,
  sessionsEnded: 0,
  storeErrors: 0,
  metadataErrors: 0,
  publishErrors: 0,
  internalErrors: 0,
});

/** Ended sessions are kept this long so their late frames are still recognised (and stored) as such. */
const ENDED_RETENTION_MS = 60_000;
const TICK_MS = 100;
/**
 * A pipeline whose samples have waited this long (service ms) for the other sensor gets it declared silent. Longer
 * than a reorder buffer's wait: a sensor whose frames are held for a missing one is not silent (after a restart the
 * broker resends the frames it had in flight behind newer ones, and the held frames then come out in one burst).
 */
const SILENT_SENSOR_MS = 1500;
const REJECT_LOG_INTERVAL_MS = 60_000;
/** How long stop() lets the ended client settle its last publishes before re-sending or dropping them. */
const UNSENT_PUBLISH_GRACE_MS = 1000;

export async function startProcessingService(options: ProcessingServiceOptions): Promise<ProcessingService> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const now = options.now ?? Date.now;
  const { series } = options;
  const metadata = options.metadata ?? null;
  const counters = EMPTY_COUNTERS();
  const sessions = new Map<string, SessionEntry>();
  const pendingWrites = new Set<Promise<unknown>>();
  /** Publishes not yet settled by the client, with what they carry (see stop). */
  const pendingPublishes = new Map<Promise<unknown>, [topic: string, payload: unknown]>();
  const recoveries = new Set<Promise<void>>();
  const gatewayOf = new Map<string, string>();
  const rejectLog = new Map<string, number>();
  let stopped = false;
  let closing = false;
  let connection: ServiceConnection | null = null;
  const queuedBeforeConnect: [string, Buffer, IPublishPacket][] = [];

  // ---- small helpers ----
  const track = (p: Promise<unknown>, onError: (err: unknown) => void) => {
    const tracked = p.catch(onError).finally(() => pendingWrites.delete(tracked));
    pendingWrites.add(tracked);
  };
  const storeWrite = (what: string, p: Promise<unknown>) =>
    track(p, (err) => {
      counters.storeErrors++;
      logger.error({ err, what }, 'series store write failed');
    });
  const metadataWrite = (what: string, fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      counters.metadataErrors++;
      logger.warn({ err: (err as Error).message, what }, 'metadata write failed');
    }
  };
  /** Outputs produced while the session connection closes; stop() publishes them over a short-lived connection. */
  const lateOutputs: [topic: string, payload: unknown][] = [];
  const publish = (topic: string, payload: unknown) => {
    const parsed = parseTopic(topic);
    if (!parsed || !connection) return;
    if (closing) {
      lateOutputs.push([topic, payload]);
      return;
    }
    const v5 = connection.protocolVersion === 5;
    const tracked = connection.client
      .publishAsync(topic, JSON.stringify(payload), {
        qos: TOPIC_QOS[parsed.kind],
        retain: TOPIC_RETAINED[parsed.kind],
        ...(v5 && { properties: { contentType: CONTENT_TYPE_JSON } }),
      })
      .catch((err) => {
        counters.publishErrors++;
        logger.warn({ err: (err as Error).message, topic }, 'publish failed');
      })
      .finally(() => pendingPublishes.delete(tracked));
    pendingPublishes.set(tracked, [topic, payload]);
  };
  const reject = (topic: string, patientId: string | undefined, code: string, reason: string, payload: Buffer) => {
    counters.rejected[code] = (counters.rejected[code] ?? 0) + 1;
    if (patientId) counters.rejectedByPatient[patientId] = (counters.rejectedByPatient[patientId] ?? 0) + 1;
    // The first occurrence of each code per topic, then at most one line per minute per topic.
    const key = `${topic}\u0000${code}`;
    const t = now();
    const last = Math.max(rejectLog.get(key) ?? -Infinity, rejectLog.get(topic) ?? -Infinity);
    if (!rejectLog.has(key) || t - last >= REJECT_LOG_INTERVAL_MS) {
      if (rejectLog.size > 10_000) rejectLog.clear();
      rejectLog.set(key, t);
      rejectLog.set(topic, t);
      logger.warn(
        {
          topic: topic.slice(0, 200),
          code,
          length: payload.length,
          head: payload.subarray(0, 16).toString('hex'),
        },
        `rejected: ${reason.slice(0, 200)}`,
      );
    }
  };

  // ---- sessions ----
  const patientKnown = (patientId: string): boolean => {
    if (!metadata) return false;
    try {
      return metadata.getPatient(patientId) !== null;
    } catch {
      return false;
    }
  };
  const pipelineOptions = (patientId: string) => {
    let plan = null;
    let side: Side | undefined;
    if (metadata) {
      try {
        plan = metadata.planPayload(patientId);
        side = metadata.getPatient(patientId)?.treatedSide;
      } catch {
        plan = null;
      }
    }
    return { plan, ...(side && { side }), ...(options.analysisRate && { analysisRate: options.analysisRate }) };
  };

  function sessionEntry(patientId: string, sessionId: string): SessionEntry {
    const key = `${patientId}/${sessionId}`;
    const existing = sessions.get(key);
    if (existing) return existing;
    const entry: SessionEntry = {
      ref: { patientId, sessionId },
      pipeline: null,
      waiting: [],
      buffers: new Map(),
      nextSeq: {},
      lastActivityMs: now(),
      metadata: patientKnown(patientId),
      endedAtMs: null,
      released: { t: -Infinity, sinceMs: now() },
    };
    sessions.set(key, entry);
    const recovery = recover(entry)
      .catch((err) => {
        counters.internalErrors++;
        logger.error({ err, session: key }, 'session recovery failed; starting it afresh');
        entry.pipeline = new SessionPipeline(pipelineOptions(patientId));
      })
      .finally(() => {
        recoveries.delete(recovery);
        const waiting = entry.waiting ?? [];
        entry.waiting = null;
        for (const input of waiting) process(entry, input);
      });
    recoveries.add(recovery);
    return entry;
  }

  async function recover(entry: SessionEntry): Promise<void> {
    const { patientId, sessionId } = entry.ref;
    const base = pipelineOptions(patientId);
    let row = null;
    if (entry.metadata) {
      try {
        row = metadata!.getSession(patientId, sessionId);
      } catch {
        row = null;
      }
    }
    const recovered = await recoverSession(series, entry.ref, { ...base, side: row?.side ?? base.side ?? 'right' });
    if (!recovered) {
      entry.pipeline = new SessionPipeline(base);
      counters.sessionsOpened++;
      return;
    }
    entry.pipeline = recovered.pipeline;
    entry.nextSeq = recovered.nextSeq;
    if (recovered.pipeline.ended) entry.endedAtMs = now();
    else counters.sessionsResumed++;
    logger.info({ session: `${patientId}/${sessionId}`, samples: recovered.samples }, 'session resumed from store');
  }

  function submit(patientId: string, sessionId: string, input: Input): void {
    const entry = sessionEntry(patientId, sessionId);
    entry.lastActivityMs = now();
    if (entry.waiting) entry.waiting.push(input);
    else process(entry, input);
  }

  function process(entry: SessionEntry, input: Input): void {
    const pipeline = entry.pipeline!;
    if (input.kind === 'frame') {
      let buffer = entry.buffers.get(input.role);
      if (!buffer) {
        const nextSeq = entry.nextSeq[input.role];
        const reorder = options.reorder ?? {};
        buffer = new ReorderBuffer<ImuFrame>(nextSeq === undefined ? reorder : resumedReorderOptions(reorder, nextSeq));
        entry.buffers.set(input.role, buffer);
      }
      const before = buffer.counters.duplicates;
      handleReleases(entry, input.role, buffer.push(input.frame.seq, input.frame, now()));
      counters.duplicates += buffer.counters.duplicates - before;
      return;
    }
    if (input.control.type === 'end_session') flushBuffers(entry);
    dispatch(entry, pipeline.control(input.control));
  }

  function handleReleases(entry: SessionEntry, role: SensorRole, releases: ReorderRelease<ImuFrame>[]): void {
    const pipeline = entry.pipeline!;
    for (const r of releases) {
      if (r.kind === 'gap') {
        counters.gaps++;
        counters.missingFrames += r.count;
        dispatch(entry, pipeline.gap(role, r.count));
        continue;
      }
      storeWrite('imu', series.writeImu(entry.ref, r.item));
      counters.samples += r.item.samples.length;
      if (r.kind === 'late' || pipeline.ended) {
        if (r.kind === 'late') counters.late++;
        continue;
      }
      dispatch(entry, pipeline.pushFrame(r.item));
    }
  }

  function flushBuffers(entry: SessionEntry): void {
    for (const [role, buffer] of entry.buffers) handleReleases(entry, role, buffer.flush());
  }

  function dispatch(entry: SessionEntry, outputs: PipelineOutput[]): void {
    if (outputs.length === 0) return;
    const { ref } = entry;
    const { patientId, sessionId } = ref;
    const angles: AngleSample[] = [];
    for (const output of outputs) {
      options.onOutput?.(ref, output);
      switch (output.kind) {
        case 'angles':
          angles.push(output.sample);
          if (output.live) {
            const { exercise: _exercise, ...live } = output.sample;
            publish(anglesTopic(patientId, sessionId), live);
            counters.published.angles++;
          }
          break;
        case 'rep':
          publish(repsTopic(patientId, sessionId), output.rep);
          counters.published.reps++;
          storeWrite('rep', series.writeRep(ref, output.rep));
          break;
        case 'alert':
          publish(alertsTopic(patientId, sessionId), output.alert);
          counters.published.alerts++;
          storeWrite('alert', series.writeAlert(ref, output.alert));
          if (entry.metadata) {
            metadataWrite('alert', () =>
              metadata!.recordAlert({
                patientId,
                sessionId,
                at: now(),
                t: output.alert.t,
                level: output.alert.level,
                kind: output.alert.code,
                ...(output.angle && { angle: output.angle }),
                ...(output.valueDeg !== undefined && { valueDeg: output.valueDeg }),
                ...(output.limitDeg !== undefined && { limitDeg: output.limitDeg }),
                message: output.alert.message,
              }),
            );
          }
          break;
        case 'state':
          publish(sessionStateTopic(patientId, sessionId), output.state);
          counters.published.states++;
          storeWrite('state', series.writeSessionState(ref, output.state));
          if (entry.metadata) recordState(entry, output.state.state, output.state.side);
          if (output.state.state === 'ended') {
            entry.endedAtMs = now();
            counters.sessionsEnded++;
          }
          break;
        case 'summary':
          if (entry.metadata) {
            metadataWrite('summary', () =>
              metadata!.recordSessionSummary({
                patientId,
                sessionId,
                exercises: output.summary.exercises.map(({ prescribedReps: _r, prescribedSets: _s, ...done }) => done),
              }),
            );
          }
          break;
      }
    }
    if (angles.length > 0) storeWrite('angles', series.writeAngles(ref, angles));
  }

  function recordState(entry: SessionEntry, state: LiveSessionState, side: Side | undefined): void {
    const { patientId, sessionId } = entry.ref;
    metadataWrite('session', () => {
      if (!metadata!.getSession(patientId, sessionId)) {
        const gatewayId = gatewayOf.get(patientId);
        metadata!.startSession({
          patientId,
          sessionId,
          side: side ?? entry.pipeline?.side ?? 'right',
          startedAt: now(),
          ...(gatewayId && { gatewayId }),
        });
      }
      if (state !== 'idle' || metadata!.getSession(patientId, sessionId)!.state !== 'idle') {
        metadata!.setSessionState(patientId, sessionId, state, now());
      }
    });
  }

  // ---- messages ----
  function onMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
    if (stopped) return;
    if (!connection) {
      queuedBeforeConnect.push([topic, payload, packet]);
      return;
    }
    counters.messages++;
    try {
      route(topic, payload, packet);
    } catch (err) {
      counters.internalErrors++;
      logger.error({ err, topic: topic.slice(0, 200) }, 'message handling failed');
    }
  }

  function route(topic: string, payload: Buffer, packet: IPublishPacket): void {
    const parsed = parseTopic(topic);
    if (parsed && options.partition && !inPartition(parsed.patientId, options.partition)) {
      counters.foreign++;
      return;
    }
    if (!parsed) {
      reject(topic, undefined, 'bad_topic', 'not a hipmon/v1 topic', payload);
      return;
    }
    switch (parsed.kind) {
      case 'imu': {
        let message;
        try {
          message = decodeImuMessage(topic, payload, packet.properties?.contentType);
        } catch (err) {
          if (!(err instanceof WireError)) throw err;
          reject(topic, parsed.patientId, err.code, err.message, payload);
          return;
        }
        counters.imuFrames++;
        submit(parsed.patientId, parsed.sessionId, { kind: 'frame', role: message.frame.role, frame: message.frame });
        return;
      }
      case 'control': {
        const control = parseJson(topic, parsed.patientId, payload, controlPayloadSchema);
        if (!control) return;
        counters.controls++;
        submit(parsed.patientId, parsed.sessionId, { kind: 'control', control });
        return;
      }
      case 'gateway_status': {
        if (payload.length === 0) return; // a deleted retained status: no value
        const status = parseJson(topic, parsed.patientId, payload, gatewayStatusPayloadSchema);
        if (!status) return;
        counters.gatewayStatuses++;
        if (status.state === 'online') gatewayOf.set(parsed.patientId, parsed.gatewayId);
        if (patientKnown(parsed.patientId)) {
          metadataWrite('gateway', () =>
            metadata!.recordGatewayStatus({
              patientId: parsed.patientId,
              gatewayId: parsed.gatewayId,
              status,
              at: now(),
            }),
          );
        }
        return;
      }
      default:
        reject(topic, parsed.patientId, 'bad_topic', `the service does not consume ${parsed.kind} topics`, payload);
    }
  }

  function parseJson<T>(
    topic: string,
    patientId: string,
    payload: Buffer,
    schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { message: string } } },
  ): T | null {
    let value: unknown;
    try {
      value = JSON.parse(payload.toString('utf8'));
    } catch (err) {
      reject(topic, patientId, 'bad_json', (err as Error).message, payload);
      return null;
    }
    const result = schema.safeParse(value);
    if (!result.success) {
      reject(topic, patientId, 'schema', result.error.message, payload);
      return null;
    }
    return result.data;
  }

  // ---- timers: reorder waits, idle sessions, eviction of ended ones ----
  const idleTimeoutMs = options.idleTimeoutMs ?? 120_000;
  const tick = setInterval(() => {
    const t = now();
    for (const [key, entry] of sessions) {
      if (entry.waiting || !entry.pipeline) continue;
      try {
        for (const [role, buffer] of entry.buffers) {
          if (buffer.heldFrames > 0) handleReleases(entry, role, buffer.expire(t));
        }
        const pipeline = entry.pipeline;
        if (pipeline.releasedUntil !== entry.released.t || pipeline.pendingSamples === 0) {
          entry.released = { t: pipeline.releasedUntil, sinceMs: t };
        } else if (t - entry.released.sinceMs >= SILENT_SENSOR_MS) {
          dispatch(entry, pipeline.releaseStalled());
          entry.released = { t: pipeline.releasedUntil, sinceMs: t };
        }
        if (!entry.pipeline.ended && t - entry.lastActivityMs >= idleTimeoutMs) {
          logger.info({ session: key }, 'session idle: ended');
          flushBuffers(entry);
          dispatch(entry, entry.pipeline.end());
        }
        if (entry.endedAtMs !== null && t - entry.endedAtMs >= ENDED_RETENTION_MS) sessions.delete(key);
      } catch (err) {
        counters.internalErrors++;
        logger.error({ err, session: key }, 'timer handling failed');
      }
    }
  }, TICK_MS);
  tick.unref();

  /**
   * A rep that completes while the session connection is closing (messages still arrive until DISCONNECT) is
   * stored like any other; its live events go out over a separate clean connection, so no rep is silently
   * unpublished. The persistent session itself must stay untouched for the next instance.
   */
  /**
   * Publishes the ended client never settled (it can drop its callbacks for packets still queued when it closes,
   * e.g. behind a slow socket): given a moment, the live angles among them are dropped (QoS 0, stale by now) and
   * the rest — reps, alerts, states — go out with the late outputs, which receivers de-duplicate.
   */
  async function settleUnsentPublishes(): Promise<void> {
    if (pendingPublishes.size === 0) return;
    await Promise.race([Promise.all(pendingPublishes.keys()), sleep(UNSENT_PUBLISH_GRACE_MS)]);
    for (const [topic, payload] of pendingPublishes.values()) {
      if (TOPIC_QOS[parseTopic(topic)!.kind] === 0) counters.publishErrors++;
      else lateOutputs.push([topic, payload]);
    }
    if (pendingPublishes.size > 0) logger.warn({ unsent: pendingPublishes.size }, 'publishes unsettled at stop');
    pendingPublishes.clear();
  }

  async function publishLateOutputs(): Promise<void> {
    if (lateOutputs.length === 0) return;
    const outputs = lateOutputs.splice(0);
    try {
      const late = await connectMqtt(options.mqttUrl, {
        clientId: `${options.clientId ?? 'hipmon-processing'}-stop-${randomUUID().slice(0, 8)}`,
        clean: true,
        reconnectPeriod: 0,
      });
      try {
        await Promise.all(
          outputs.map(([topic, payload]) => {
            const kind = parseTopic(topic)!.kind;
            return late.client.publishAsync(topic, JSON.stringify(payload), {
              qos: TOPIC_QOS[kind],
              retain: TOPIC_RETAINED[kind],
              ...(late.protocolVersion === 5 && { properties: { contentType: CONTENT_TYPE_JSON } }),
            });
          }),
        );
      } finally {
        await late.client.endAsync();
      }
    } catch (err) {
      counters.publishErrors += outputs.length;
      logger.warn({ err: (err as Error).message, outputs: outputs.length }, 'late outputs not published');
    }
  }

  // ---- start ----
  const clientId = options.clientId ?? 'hipmon-processing';
  try {
    connection = await connectService(options.mqttUrl, clientId, onMessage);
  } catch (err) {
    clearInterval(tick);
    throw err;
  }
  const conn = connection;
  conn.client.on('error', (err) => {
    if (!closing) logger.error({ err: err.message }, 'mqtt error');
  });
  if (options.sharedGroup !== undefined && conn.protocolVersion !== 5) {
    clearInterval(tick);
    await conn.client.endAsync();
    throw new Error('shared subscriptions need an MQTT 5 broker (this one speaks 3.1.1)');
  }
  const filters = Object.values(SERVICE_SUBSCRIPTIONS).map((filter) =>
    options.sharedGroup !== undefined ? sharedSubscription(options.sharedGroup, filter) : filter,
  );
  await conn.client.subscribeAsync(Object.fromEntries(filters.map((f) => [f, { qos: 1 as const }])));
  for (const [topic, payload, packet] of queuedBeforeConnect.splice(0)) onMessage(topic, payload, packet);

  const plans = metadata
    ? new PlanPublisher(metadata, (patientId, plan) => {
        if (options.partition && !inPartition(patientId, options.partition)) return;
        publish(planTopic(patientId), plan);
        counters.published.plans++;
      })
    : null;
  const pollPlans = () => {
    try {
      plans?.publishChanged();
    } catch (err) {
      counters.metadataErrors++;
      logger.warn({ err: (err as Error).message }, 'plan publishing failed');
    }
  };
  pollPlans();
  const planTimer = (options.planPollMs ?? 10_000) > 0 ? setInterval(pollPlans, options.planPollMs ?? 10_000) : null;
  planTimer?.unref();

  let health: HealthServer | null = null;
  const status = () => {
    const list = [...sessions.values()];
    return {
      healthy: conn.client.connected && !stopped,
      mqtt: { connected: conn.client.connected, protocolVersion: conn.protocolVersion, clientId },
      sessions: {
        active: list.filter((e) => e.pipeline && !e.pipeline.ended).length,
        recovering: list.filter((e) => e.waiting).length,
      },
      counters,
      series: series.status(),
    };
  };
  if (options.healthPort !== undefined && options.healthPort !== null) {
    health = await startHealthServer(options.healthPort, options.healthHost ?? '127.0.0.1', status);
  }
  logger.info({ mqtt: options.mqttUrl, clientId, filters, health: health?.port }, 'processing service started');

  return {
    counters,
    protocolVersion: conn.protocolVersion,
    healthPort: health?.port ?? null,
    sessions: () =>
      [...sessions.values()].flatMap((e) =>
        e.pipeline
          ? [
              {
                ...e.ref,
                state: e.pipeline.state,
                reps: e.pipeline.stats.reps,
                samples: e.pipeline.stats.samples,
              },
            ]
          : [],
      ),
    status,
    async publishPlan(patientId) {
      if (!metadata) return;
      const plan = metadata.planPayload(patientId);
      if (plan) {
        publish(planTopic(patientId), plan);
        counters.published.plans++;
      }
      await Promise.all([...pendingWrites, ...pendingPublishes.keys()]);
    },
    async stop() {
      if (stopped) return;
      clearInterval(tick);
      if (planTimer) clearInterval(planTimer);
      await health?.close();
      // No more messages from here on; the broker keeps the session and queues what comes next.
      closing = true;
      await conn.client.endAsync();
      stopped = true;
      while (recoveries.size > 0) await Promise.all(recoveries);
      for (const entry of sessions.values()) {
        if (!entry.pipeline) continue;
        try {
          flushBuffers(entry);
        } catch (err) {
          counters.internalErrors++;
          logger.error({ err }, 'flush at stop failed');
        }
      }
      while (pendingWrites.size > 0) await Promise.all(pendingWrites);
      await series.flush();
      await settleUnsentPublishes();
      await publishLateOutputs();
      logger.info({ counters }, 'processing service stopped');
    },
  };
}
