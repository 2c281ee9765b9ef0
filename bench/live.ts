/**
 * One processing worker's live capacity, with real processes: a private Mosquitto and a private influxd (the test
 * harness starts them on free loopback ports), the processing service in this process with the InfluxDB store, and
 * two forked processes (bench/live-publishers.ts): the virtual gateways, and a latency observer. So neither their
 * CPU nor their event-loop delays count as the service's.
 *
 *   npx tsx bench/live.ts [--steps 10,50,100] [--step-seconds 15]      (or: npm run bench -- live)
 *
 * 1. Raw ceiling: the same binary IMU frames through Mosquitto without any processing (publisher in a child,
 *    QoS 1 with a window of in-flight frames → broker → a QoS 1 subscriber here).
 * 2. Ramp: N concurrent sessions (2 sensors at 100 Hz, real time, 10 samples per frame) for a fixed wall time per
 *    step. A step is sustained when (a) every published sample is in InfluxDB exactly once (sample and frame counts
 *    per stream, by query), (b) the service kept up: the frames published but not yet received by the service at
 *    the last progress report (once a second) were below 0.5 s of traffic, and every frame had arrived within
 *    DRAIN_BOUND_S after the gateways had all their PUBACKs, (c) the store spooled nothing. The ramp stops at the
 *    first step that is not sustained.
 * Per step: samples/s handled, latency frame publish → live angle received (p50/p99 overall, and in the steady
 * state after the sessions' simultaneous calibration; see live-publishers.ts for how), how late the gateways
 * published against their schedule, the service's event-loop delay p99, CPU of the service process
 * (process.cpuUsage: fusion, analysis, MQTT and the InfluxDB client) and of mosquitto/influxd/the gateways
 * (/proc/<pid>/stat), the service's peak RSS.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { InfluxDB } from 'influx';
import { connect } from 'mqtt';
import { InfluxSeriesStore, startProcessingService } from '@hipmon/services';
import { startInfluxd, startMosquitto } from '@hipmon/tests';
import type { PublisherMessage, PublisherRequest, PublishedStream } from './live-publishers.js';

export interface LiveBenchmarkOptions {
  /** Concurrent sessions per step, ascending. Default 10, 50, 100, 150, 200, 300, 400. */
  steps?: number[];
  /** Wall time of each step's gateways, s. Default 15. */
  stepSeconds?: number;
  /** Duration of the raw ceiling measurement, s. Default 5. */
  rawSeconds?: number;
  /** In-flight QoS 1 frames of the raw publisher. Default 200. */
  rawWindow?: number;
  /** Progress lines (stderr). */
  log?: (line: string) => void;
}

export interface RawCeiling {
  framesPerS: number;
  samplesPerS: number;
}

export interface LiveStep {
  sessions: number;
  framesPublished: number;
  samplesPublished: number;
  /** Sensor samples handled by the service per second of the step. */
  samplesPerS: number;
  /** Streams whose stored sample or frame count differs from what was published. */
  streamsWithLoss: number;
  samplesMissing: number;
  /** Frames published but not yet received by the service at the last progress report. */
  backlogFrames: number;
  /**
   * s from the publishers' final report (sent 1 s after their last frame) until the service had received every
   * frame; 0 when it already had; null when not within DRAIN_BOUND_S.
   */
  drainS: number | null;
  spooledPoints: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  /** The same after the first STEADY_AFTER_MS of the step (all sessions calibrate and start a set at once). */
  steadyP50Ms: number;
  steadyP99Ms: number;
  /** How late the gateways' publishes were against their schedule (p99, ms): included in the latency. */
  publisherLateP99Ms: number;
  /** The service process's event-loop delay (perf_hooks, 10 ms resolution), p99, ms. */
  loopDelayP99Ms: number;
  /** CPU seconds per wall second: 1.0 = one core. */
  cpu: { service: number; mosquitto: number; influxd: number; publishers: number };
  serviceRssMb: number;
  sustained: boolean;
}

export interface LiveBenchmarkResult {
  raw: RawCeiling;
  steps: LiveStep[];
  /** The most sessions sustained with zero loss (0 when even the first step failed). */
  capacity: number;
  stepSeconds: number;
  cores: number;
}

const PUBLISHERS = fileURLToPath(new URL('./live-publishers.ts', import.meta.url));
const DRAIN_BOUND_S = 2;
const STEADY_AFTER_MS = 6000;

/** utime + stime of a process in seconds (Linux /proc), 0 when it is gone. */
function cpuSecondsOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return 0;
  }
}

const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** A forked bench/live-publishers.ts process running one job; `final` resolves with the first message of a kind. */
class PublisherProcess {
  readonly child: ChildProcess;
  private readonly waiting = new Map<string, (message: PublisherMessage) => void>();
  private failed: Error | null = null;

  constructor(onMessage: (message: PublisherMessage) => void = () => undefined) {
    this.child = fork(PUBLISHERS, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (message: PublisherMessage) => {
      onMessage(message);
      this.waiting.get(message.kind)?.(message);
    });
    this.child.once('exit', (code) => {
      this.failed = new Error(`live publishers exited with ${code}`);
      for (const resolve of this.waiting.values()) resolve({ kind: 'ready' });
    });
  }

  send(request: PublisherRequest): void {
    this.child.send(request);
  }

  /** The next message of this kind; rejects when the process exits first. */
  async next<K extends PublisherMessage['kind']>(kind: K): Promise<Extract<PublisherMessage, { kind: K }>> {
    const message = await new Promise<PublisherMessage>((resolve) => this.waiting.set(kind, resolve));
    this.waiting.delete(kind);
    if (this.failed || message.kind !== kind) throw this.failed ?? new Error('unexpected publisher reply');
    return message as Extract<PublisherMessage, { kind: K }>;
  }

  stop(): void {
    this.child.removeAllListeners('exit');
    this.child.kill();
  }
}

async function measureRaw(brokerUrl: string, durationS: number, window: number): Promise<RawCeiling> {
  const subscriber = connect(brokerUrl, { protocolVersion: 5, clientId: 'bench-raw-subscriber', clean: true });
  await new Promise((resolve) => subscriber.once('connect', resolve));
  let received = 0;
  subscriber.on('message', () => received++);
  await subscriber.subscribeAsync('hipmon/v1/imu/raw-bench/+/+', { qos: 1 });
  const started = performance.now();
  const publisher = new PublisherProcess();
  const finished = publisher.next('raw-done');
  publisher.send({ job: 'raw', brokerUrl, durationS, window });
  const done = await finished;
  publisher.stop();
  // The frames in flight at the end are still on their way to the subscriber.
  const deadline = Date.now() + 5000;
  while (received < done.frames && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const elapsedS = (performance.now() - started) / 1000;
  await subscriber.endAsync();
  const framesPerS = received / elapsedS;
  return { framesPerS, samplesPerS: framesPerS * done.samplesPerFrame };
}

/** Stored IMU samples and distinct seqs per stream key patient/session/role, for the patients of one step. */
async function storedCounts(
  influx: InfluxDB,
  prefix: string,
): Promise<Map<string, { samples: number; frames: number }>> {
  const rows = await influx.query<{ patient: string; session: string; role: string; samples: number; frames: number }>(
    `SELECT count("idx") AS samples, count(distinct("seq")) AS frames FROM "hipmon"."raw"."imu" ` +
      `WHERE "patient" =~ /^${prefix}-/ GROUP BY "patient", "session", "role"`,
  );
  const counts = new Map<string, { samples: number; frames: number }>();
  for (const row of rows) counts.set(`${row.patient}/${row.session}/${row.role}`, row);
  return counts;
}

export async function runLiveBenchmark(options: LiveBenchmarkOptions = {}): Promise<LiveBenchmarkResult> {
  const steps = options.steps ?? [10, 50, 100, 150, 200, 300, 400];
  const stepSeconds = options.stepSeconds ?? 15;
  const log = options.log ?? (() => undefined);
  const broker = await startMosquitto({ persistence: false, extraConfig: ['max_queued_messages 0'] });
  const influxd = await startInfluxd();
  const dir = await mkdtemp(join(tmpdir(), 'hipmon-bench-live-'));
  try {
    log('raw ceiling…');
    const raw = await measureRaw(broker.url, options.rawSeconds ?? 5, options.rawWindow ?? 200);
    log(`raw: ${Math.round(raw.framesPerS)} frames/s`);

    const series = await InfluxSeriesStore.open({
      url: influxd.url,
      spoolDir: join(dir, 'spool'),
      retention: { raw: 'INF', long: 'INF', trend: 'INF' },
    });
    const service = await startProcessingService({
      mqttUrl: broker.url,
      clientId: 'bench-processing',
      series,
      healthPort: null,
      planPollMs: 0,
    });
    const influx = new InfluxDB({ host: influxd.host, port: influxd.port, database: 'hipmon' });
    const results: LiveStep[] = [];
    try {
      for (const [index, sessions] of steps.entries()) {
        const prefix = `step${index + 1}`;
        log(`${sessions} sessions…`);
        const step = await runStep(sessions, prefix);
        results.push(step);
        log(
          `${sessions} sessions: ${step.sustained ? 'sustained' : 'NOT sustained'}, p99 ${step.latencyP99Ms.toFixed(1)} ms`,
        );
        if (!step.sustained) break;
      }
    } finally {
      await service.stop();
      await series.close();
    }
    const capacity = Math.max(0, ...results.filter((s) => s.sustained).map((s) => s.sessions));
    return { raw, steps: results, capacity, stepSeconds, cores: (await import('node:os')).cpus().length };

    async function runStep(sessions: number, prefix: string): Promise<LiveStep> {
      const framesAtStart = service.counters.imuFrames;
      const samplesAtStart = service.counters.samples;
      const spooledAtStart = series.status().counters.spooled;
      let backlog = 0;
      let peakRss = process.memoryUsage().rss;
      const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 500);
      // The latency observer first (subscribed before any frame), then the gateways.
      const observer = new PublisherProcess();
      const ready = observer.next('ready');
      observer.send({ job: 'observe', brokerUrl: broker.url, durationS: stepSeconds });
      await ready;
      const publisher = new PublisherProcess((message) => {
        if (message.kind === 'started')
          observer.send({ job: 'schedule', prefix, patients: sessions, t0Ms: message.t0Ms, clock0: message.clock0 });
        if (message.kind === 'progress') {
          // Read when the report is handled, so a late report understates it (never below 0).
          backlog = Math.max(0, message.frames - (service.counters.imuFrames - framesAtStart));
        }
      });
      const startedMessage = publisher.next('started');
      const finished = publisher.next('sessions-done');
      publisher.send({ job: 'sessions', brokerUrl: broker.url, prefix, patients: sessions, durationS: stepSeconds });
      await startedMessage; // connected and encoded: the measured window starts here
      const loopDelay = monitorEventLoopDelay({ resolution: 10 });
      loopDelay.enable();
      const cpu0 = process.cpuUsage();
      const other0 = [broker.pid, influxd.pid, publisher.child.pid].map(cpuSecondsOf);
      const started = performance.now();
      const done = await finished;
      const publishingS = (performance.now() - started) / 1000;
      const publisherCpu = cpuSecondsOf(publisher.child.pid) - other0[2]!;
      publisher.stop();
      // The gateways have all their PUBACKs: has the service received every frame (bounded wait)?
      const doneAt = performance.now();
      const published = done.frames;
      const drainDeadline = doneAt + DRAIN_BOUND_S * 1000;
      while (service.counters.imuFrames - framesAtStart < published && performance.now() < drainDeadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const arrived = service.counters.imuFrames - framesAtStart >= published;
      const drainS = arrived ? (performance.now() - doneAt) / 1000 : null;
      const wallS = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpu0);
      loopDelay.disable();
      const other = [broker.pid, influxd.pid].map(cpuSecondsOf);
      const samplesHandled = service.counters.samples - samplesAtStart;
      // The last angles follow the last frames by the service's latency.
      await new Promise((r) => setTimeout(r, 1000));
      const observed = observer.next('observed');
      observer.send({ job: 'finish' });
      const { latencies: all, at } = await observed;
      observer.stop();
      const latencies = [...all].sort((a, b) => a - b);
      // Steady state: without the first seconds, where every session calibrates and starts its set at once.
      const steady = all.filter((_, i) => at[i]! >= STEADY_AFTER_MS).sort((a, b) => a - b);
      clearInterval(rssTimer);
      // Let the sessions end (end_session is the gateways' last message), then everything reaches InfluxDB.
      await series.flush();
      const stored = await storedCounts(influx, prefix);
      let streamsWithLoss = 0;
      let samplesMissing = 0;
      for (const [key, sent] of Object.entries(done.streams) as [string, PublishedStream][]) {
        const got = stored.get(key) ?? { samples: 0, frames: 0 };
        if (got.samples !== sent.samples || got.frames !== sent.frames || sent.lastSeq !== sent.frames - 1) {
          streamsWithLoss++;
          samplesMissing += sent.samples - got.samples;
        }
      }
      const spooledPoints = series.status().counters.spooled - spooledAtStart;
      const keptUp = arrived && backlog <= sessions * 2 * 10 * 0.5;
      return {
        sessions,
        framesPublished: done.frames,
        samplesPublished: done.samples,
        samplesPerS: samplesHandled / publishingS,
        streamsWithLoss,
        samplesMissing,
        backlogFrames: backlog,
        drainS,
        spooledPoints,
        latencyP50Ms: percentile(latencies, 50),
        latencyP99Ms: percentile(latencies, 99),
        latencyMaxMs: latencies.length ? latencies[latencies.length - 1]! : NaN,
        steadyP50Ms: percentile(steady, 50),
        steadyP99Ms: percentile(steady, 99),
        publisherLateP99Ms: done.lateness.p99,
        loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
        cpu: {
          service: (cpu.user + cpu.system) / 1e6 / wallS,
          mosquitto: (other[0]! - other0[0]!) / wallS,
          influxd: (other[1]! - other0[1]!) / wallS,
          publishers: publisherCpu / wallS,
        },
        serviceRssMb: peakRss / 2 ** 20,
        sustained: streamsWithLoss === 0 && keptUp && spooledPoints === 0 && latencies.length > 0,
      };
    }
  } finally {
    await broker.stop();
    await influxd.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatLiveReport(result: LiveBenchmarkResult): string {
  const lines = [
    `Raw Mosquitto ceiling (binary frames of 10 samples, QoS 1, 1 publisher → 1 subscriber): ` +
      `${Math.round(result.raw.framesPerS)} frames/s = ${Math.round(result.raw.samplesPerS)} samples/s`,
    '',
    `Processing service + InfluxDB store, ${result.cores} cores, ${result.stepSeconds} s per step ` +
      '(CPU in cores: 1.00 = one core busy)',
    '',
    '| sessions | samples/s | lost samples | backlog | drain s | p50 ms | p99 ms | max ms | steady p50 / p99 ms | gw late p99 ms | loop delay p99 ms | CPU service | CPU mosquitto | CPU influxd | CPU publishers | RSS MB | sustained |',
    '| --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | :-: |',
  ];
  for (const s of result.steps) {
    lines.push(
      `| ${s.sessions} | ${Math.round(s.samplesPerS)} | ${s.samplesMissing} (${s.streamsWithLoss} streams) | ` +
        `${s.backlogFrames} | ${s.drainS === null ? '>' + DRAIN_BOUND_S : s.drainS.toFixed(2)} | ` +
        `${s.latencyP50Ms.toFixed(1)} | ${s.latencyP99Ms.toFixed(1)} | ${s.latencyMaxMs.toFixed(1)} | ` +
        `${s.steadyP50Ms.toFixed(1)} / ${s.steadyP99Ms.toFixed(1)} | ${s.publisherLateP99Ms.toFixed(1)} | ${s.loopDelayP99Ms.toFixed(1)} | ` +
        `${s.cpu.service.toFixed(2)} | ${s.cpu.mosquitto.toFixed(2)} | ${s.cpu.influxd.toFixed(2)} | ` +
        `${s.cpu.publishers.toFixed(2)} | ${Math.round(s.serviceRssMb)} | ${s.sustained ? 'yes' : 'no'} |`,
    );
  }
  const best = result.steps.find((s) => s.sessions === result.capacity);
  lines.push(
    '',
    `Capacity: ${result.capacity} concurrent sessions with zero loss` +
      (best
        ? `, latency p99 ${best.latencyP99Ms.toFixed(1)} ms (steady state ${best.steadyP99Ms.toFixed(1)} ms; goal ≤ 50 ms)`
        : '') +
      (result.steps.at(-1)?.sustained ? ' (the last step: the ceiling is higher)' : ''),
  );
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { steps: { type: 'string' }, 'step-seconds': { type: 'string' } } });
  const result = await runLiveBenchmark({
    ...(values.steps !== undefined && { steps: values.steps.split(',').map(Number) }),
    ...(values['step-seconds'] !== undefined && { stepSeconds: Number(values['step-seconds']) }),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(formatLiveReport(result) + '\n');
}
