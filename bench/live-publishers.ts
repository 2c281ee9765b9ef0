/**
 * The load generator and the latency observer of `bench/live.ts`, each run as its own process
 * (child_process.fork), so that neither their CPU nor their event-loop delays count as the service's.
 *
 * - `raw`: one MQTT connection publishing the same binary IMU frame (QoS 1, a window of in-flight frames) as fast
 *   as the broker takes it — the broker's ceiling without processing.
 * - `sessions`: N virtual gateways (one MQTT connection each) replaying simulated sessions in real time. The frames
 *   are simulated (motion script → simulated sensors → the gateway's FrameBatcher) and encoded BEFORE the clock
 *   starts, from a few session templates, so the replay costs little more than the publishing itself: gateway i
 *   publishes chunk k (100 ms of both sensors) at t0 + k·100 ms + i·100/N ms (starts spread over one chunk, as
 *   unsynchronised homes are). Controls as a gateway sends them: start_session, calibrate, start_set after the
 *   calibration, stop_set and end_session at the end. How late each publish was against its schedule is reported.
 * - `observe`: a subscriber on the live angle topics. Latency = angle received − scheduled publish time of the
 *   later of the two sensor frames that contain the angle's instant (both clocks: performance.timeOrigin + now(),
 *   one machine). The publisher's own lateness adds to it, so this is an upper bound; it is reported next to it.
 */
import {
  CONTENT_TYPE_IMU_BINARY,
  controlTopic,
  encodeImuFrame,
  frameSampleTimes,
  imuTopic,
  liveAnglesPayloadSchema,
  parseTopic,
} from '@hipmon/core';
import type { ImuFrame, SensorRole } from '@hipmon/core';
import { createMotionScript, createRecorder } from '@hipmon/simulator';
import type { MotionOptions } from '@hipmon/simulator';
import { FrameBatcher, publishJson } from '@hipmon/gateway';
import type { MqttConnection } from '@hipmon/gateway';
import { connect } from 'mqtt';
import type { MqttClient } from 'mqtt';

export type PublisherRequest =
  | { job: 'raw'; brokerUrl: string; durationS: number; window: number }
  | { job: 'sessions'; brokerUrl: string; prefix: string; patients: number; durationS: number }
  | { job: 'observe'; brokerUrl: string; durationS: number }
  | { job: 'schedule'; prefix: string; patients: number; t0Ms: number; clock0: number }
  | { job: 'finish' };

/** Per stream (patient/session/role): what was published. Seqs start at 0 and increase by 1 per frame. */
export interface PublishedStream {
  frames: number;
  samples: number;
  lastSeq: number;
}

export type PublisherMessage =
  | { kind: 'ready' }
  | { kind: 'progress'; frames: number }
  | { kind: 'started'; t0Ms: number; clock0: number }
  | { kind: 'raw-done'; frames: number; samplesPerFrame: number }
  | {
      kind: 'sessions-done';
      frames: number;
      samples: number;
      streams: Record<string, PublishedStream>;
      /** ms a publish was late against its schedule: p50, p99, max */
      lateness: { p50: number; p99: number; max: number };
    }
  | { kind: 'observed'; latencies: number[]; /** ms after t0 at which each latency was observed */ at: number[] };

const send = (message: PublisherMessage) => process.send!(message);
const wallMs = () => performance.timeOrigin + performance.now();
const CHUNK_S = 0.1;

const TEMPLATE_MOTIONS: MotionOptions[] = [
  { exercise: 'mini_squat', side: 'right', reps: 500, romDeg: 35, seed: 1 },
  { exercise: 'standing_hip_abduction', side: 'left', reps: 500, romDeg: 25, seed: 2 },
  { exercise: 'standing_hip_flexion', side: 'right', reps: 500, romDeg: 50, seed: 3 },
  { exercise: 'glute_bridge', side: 'left', reps: 500, romDeg: 20, seed: 4 },
];

/** One simulated session, cut into 100 ms chunks of frames; sample times relative to the session start. */
interface Template {
  motion: MotionOptions;
  side: 'left' | 'right';
  exercise: string;
  /** First chunk at or after the calibration's end: start_set goes before it. */
  setChunk: number;
  chunks: ImuFrame[][];
  /** Per role: the last sample time of each frame (publish order) and the chunk it went out with. */
  index: Map<SensorRole, { lastT: number[]; chunk: number[] }>;
}

function buildTemplate(motion: MotionOptions, durationS: number): Template {
  const script = createMotionScript(motion);
  const recorder = createRecorder(script);
  const batcher = new FrameBatcher({ samplesPerFrame: 10 });
  const chunks: ImuFrame[][] = [];
  const index = new Map<SensorRole, { lastT: number[]; chunk: number[] }>();
  let setChunk = -1;
  for (const chunk of recorder.chunks(CHUNK_S)) {
    if (chunk.t0 >= durationS) break;
    if (setChunk < 0 && chunk.t0 >= script.calibrationEnd) setChunk = chunks.length;
    const frames = chunk.samples.flatMap((s) => batcher.push(s.role, s));
    for (const frame of frames) {
      let entry = index.get(frame.role);
      if (!entry) index.set(frame.role, (entry = { lastT: [], chunk: [] }));
      entry.lastT.push(frameSampleTimes(frame).at(-1)!);
      entry.chunk.push(chunks.length);
    }
    chunks.push(frames);
  }
  return { motion, side: script.side, exercise: script.exercise, setChunk, chunks, index };
}

const buildTemplates = (durationS: number) => TEMPLATE_MOTIONS.map((m) => buildTemplate(m, durationS));

/** The frame with its sample times moved onto the gateway clock. */
function onClock(frame: ImuFrame, clock0: number): ImuFrame {
  const timing =
    frame.timing.kind === 'regular'
      ? { ...frame.timing, t0: frame.timing.t0 + clock0 }
      : { kind: 'explicit' as const, t: frame.timing.t.map((t) => t + clock0) };
  return { ...frame, timing };
}

const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const connected = (client: MqttClient) => new Promise((resolve) => client.once('connect', resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function rawJob(request: Extract<PublisherRequest, { job: 'raw' }>): Promise<void> {
  const frame = buildTemplate(TEMPLATE_MOTIONS[0]!, 1).chunks[0]![0]!;
  const payload = Buffer.from(encodeImuFrame(onClock(frame, 1_700_000_000)));
  const topic = imuTopic('raw-bench', 's1', 'pelvis');
  const client = connect(request.brokerUrl, { protocolVersion: 5, clientId: 'bench-raw-publisher' });
  await connected(client);
  const end = performance.now() + request.durationS * 1000;
  let frames = 0;
  const lane = async () => {
    while (performance.now() < end) {
      await client.publishAsync(topic, payload, { qos: 1 });
      frames++;
    }
  };
  await Promise.all(Array.from({ length: request.window }, lane));
  await client.endAsync();
  send({ kind: 'raw-done', frames, samplesPerFrame: frame.samples.length });
}

const patientId = (prefix: string, i: number) => `${prefix}-${String(i).padStart(4, '0')}`;
const sessionIdOf = (prefix: string, i: number) => `${patientId(prefix, i)}-s1`;

async function sessionsJob(request: Extract<PublisherRequest, { job: 'sessions' }>): Promise<void> {
  const { prefix, patients } = request;
  const templates = buildTemplates(request.durationS);
  const connections: MqttConnection[] = [];
  for (let i = 0; i < patients; i++) {
    const client = connect(request.brokerUrl, {
      protocolVersion: 5,
      clientId: `bench-gw-${patientId(prefix, i)}`,
      reconnectPeriod: 1000,
    });
    client.setMaxListeners(0);
    connections.push({ client, protocolVersion: 5 });
  }
  await Promise.all(connections.map((c) => connected(c.client)));

  // Gateway clock = Unix time at chunk 0; every template's frames encoded once on it.
  const t0Ms = wallMs() + 500;
  const clock0 = Math.round(t0Ms) / 1000;
  const payloads = templates.map((tpl) =>
    tpl.chunks.map((frames) => frames.map((f) => encodeImuFrame(onClock(f, clock0)))),
  );
  send({ kind: 'started', t0Ms, clock0 });

  const streams: Record<string, PublishedStream> = {};
  const lateness: number[] = [];
  let frames = 0;
  let samples = 0;
  const progress = setInterval(() => send({ kind: 'progress', frames }), 1000);
  const chunkCount = Math.min(...templates.map((t) => t.chunks.length));
  const pending: Promise<unknown>[] = [];
  for (let k = 0; k < chunkCount; k++) {
    for (let i = 0; i < patients; i++) {
      const due = t0Ms + k * CHUNK_S * 1000 + (i * CHUNK_S * 1000) / patients;
      const now = wallMs();
      if (due > now) await sleep(due - now);
      lateness.push(Math.max(0, wallMs() - due));
      const tpl = templates[i % templates.length]!;
      const connection = connections[i]!;
      const sessionId = sessionIdOf(prefix, i);
      const control = controlTopic(patientId(prefix, i), sessionId);
      if (k === 0) {
        pending.push(publishJson(connection, control, { type: 'start_session', side: tpl.side, t: clock0 }));
        pending.push(publishJson(connection, control, { type: 'calibrate', t: clock0 }));
      }
      if (k === tpl.setChunk) {
        pending.push(
          publishJson(connection, control, { type: 'start_set', exercise: tpl.exercise, t: clock0 + k * CHUNK_S }),
        );
      }
      tpl.chunks[k]!.forEach((frame, f) => {
        const key = `${patientId(prefix, i)}/${sessionId}/${frame.role}`;
        const stream = (streams[key] ??= { frames: 0, samples: 0, lastSeq: -1 });
        stream.frames++;
        stream.samples += frame.samples.length;
        stream.lastSeq = frame.seq;
        frames++;
        samples += frame.samples.length;
        pending.push(
          connection.client.publishAsync(
            imuTopic(patientId(prefix, i), sessionId, frame.role),
            Buffer.from(payloads[i % templates.length]![k]![f]!),
            {
              qos: 1,
              properties: { contentType: CONTENT_TYPE_IMU_BINARY },
            },
          ),
        );
      });
    }
    // Settled publishes need not be kept: bound the array to the in-flight ones of the last chunks.
    if (pending.length > 20 * patients) await Promise.all(pending.splice(0, pending.length - 4 * patients));
  }
  const end = clock0 + chunkCount * CHUNK_S;
  for (let i = 0; i < patients; i++) {
    const control = controlTopic(patientId(prefix, i), sessionIdOf(prefix, i));
    pending.push(publishJson(connections[i]!, control, { type: 'stop_set', t: end }));
    pending.push(publishJson(connections[i]!, control, { type: 'end_session', t: end }));
  }
  await Promise.all(pending);
  clearInterval(progress);
  await Promise.all(connections.map((c) => c.client.endAsync()));
  lateness.sort((a, b) => a - b);
  send({
    kind: 'sessions-done',
    frames,
    samples,
    streams,
    lateness: { p50: percentile(lateness, 50), p99: percentile(lateness, 99), max: lateness.at(-1) ?? NaN },
  });
}

async function observeJob(request: Extract<PublisherRequest, { job: 'observe' }>): Promise<void> {
  const templates = buildTemplates(request.durationS);
  let schedule: Extract<PublisherRequest, { job: 'schedule' }> | null = null;
  const latencies: number[] = [];
  const at: number[] = [];
  const observer = connect(request.brokerUrl, { protocolVersion: 5, clientId: `bench-latency-${process.pid}` });
  await connected(observer);
  /** Scheduled publish time of the first frame of the stream whose last sample is at or after t (relative). */
  const dueOf = (tpl: Template, role: SensorRole, t: number, i: number, s: NonNullable<typeof schedule>) => {
    const entry = tpl.index.get(role);
    if (!entry) return null;
    let lo = 0;
    let hi = entry.lastT.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (entry.lastT[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    if (lo === entry.lastT.length) return null;
    return s.t0Ms + entry.chunk[lo]! * CHUNK_S * 1000 + (i * CHUNK_S * 1000) / s.patients;
  };
  observer.on('message', (topic, payload) => {
    const received = wallMs();
    const parsed = parseTopic(topic);
    if (parsed?.kind !== 'angles' || !schedule || !parsed.patientId.startsWith(`${schedule.prefix}-`)) return;
    const i = Number(parsed.patientId.slice(schedule.prefix.length + 1));
    const tpl = templates[i % templates.length]!;
    const angle = liveAnglesPayloadSchema.parse(JSON.parse(payload.toString('utf8')));
    const t = angle.t - schedule.clock0;
    const a = dueOf(tpl, 'pelvis', t, i, schedule);
    const b = dueOf(tpl, tpl.side === 'left' ? 'thigh_left' : 'thigh_right', t, i, schedule);
    if (a === null || b === null) return;
    latencies.push(received - Math.max(a, b));
    at.push(received - schedule.t0Ms);
  });
  await observer.subscribeAsync('hipmon/v1/live/+/+/angles', { qos: 0 });
  process.on('message', (message: PublisherRequest) => {
    if (message.job === 'schedule') schedule = message;
    if (message.job === 'finish') {
      void observer.endAsync().then(() => send({ kind: 'observed', latencies, at }));
    }
  });
  send({ kind: 'ready' });
}

process.once('message', (request: PublisherRequest) => {
  const job = request.job === 'raw' ? rawJob(request) : request.job === 'sessions' ? sessionsJob(request) : null;
  const run = job ?? (request.job === 'observe' ? observeJob(request) : Promise.reject(new Error('unknown job')));
  run.then(
    () => undefined,
    (err: unknown) => {
      process.stderr.write(`live publishers failed: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
});
