/**
 * SeriesStore over InfluxDB's v1 HTTP API (InfluxDB 1.x; 2.x and Cloud through their v1 compatibility API).
 *
 * Write path: points are serialised to line protocol at once and buffered per retention class (raw IMU | long);
 * a batch leaves when `batchSize` points are buffered or `flushIntervalMs` after the first one. A batch that cannot
 * be delivered (after `inlineRetries` quick retries with jittered exponential backoff) goes to the disk spool
 * (line-spool.ts), and so does every later batch while the spool is not empty, so delivery stays in order. A
 * recovery loop replays the spool with a growing, jittered delay; a new store on the same spool directory replays
 * it at start. All sending and spooling runs one step at a time (`serial`), so no two batches race.
 *
 * Idempotency: a point's identity in InfluxDB is measurement + tag set + timestamp, and its timestamp is computed
 * once from the sample (series-time.ts) and kept in the spooled bytes, so a retry or a replay rewrites the same
 * points — it can never add copies with other timestamps.
 *
 * Trend series: after angles reach InfluxDB, the store recomputes the per-minute extremes of the minutes they touch
 * (an InfluxQL aggregate over the stored angles, written back as `angles_1m` into the `trend` policy). Computing
 * from what is stored, not from what passed through this process, keeps the result right across restarts and late
 * data; the minutes still owed travel with spooled batches (in their header) and survive a restart.
 */
import { InfluxDB } from 'influx';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { AlertPayload, ImuFrame, RepEventPayload, SensorRole, SessionStatePayload } from '@hipmon/core';
import { Backoff } from './backoff.js';
import { InfluxSeriesReader } from './influx-read.js';
import { DEFAULT_RETENTION, parseInfluxDuration, provisionInflux, RETENTION_POLICY } from './influx-schema.js';
import type { RetentionDurations } from './influx-schema.js';
import { writeLines } from './influx-write.js';
import type { InfluxWriteTarget, WriteOutcome } from './influx-write.js';
import { alertLine, angleLine, imuLine, repLine, stateLine, trendLine } from './line-protocol.js';
import { LineSpool } from './line-spool.js';
import type { RollupRange, SpoolBatch, SpoolClass } from './line-spool.js';
import { alertRow, angleRows, checkId, checkRef, checkRole, imuRows, repRow, stateRow } from './series-rows.js';
import type {
  AlertQuery,
  AngleQueryOptions,
  AngleSample,
  SeqCoverage,
  SeriesStore,
  SeriesStoreCounters,
  SeriesStoreStatus,
  SessionRef,
  StoredAlert,
  StoredImuSample,
  TrendBucket,
} from './series-store.js';
import { floorToMinuteNs, MINUTE_NS, rangeNs } from './series-time.js';

export interface InfluxSeriesStoreOptions {
  /** Base URL of the v1 HTTP API, e.g. http://127.0.0.1:8086 */
  url: string;
  /** Default 'hipmon'. With InfluxDB 2.x: the database name of the DBRP mappings. */
  database?: string;
  /** InfluxDB 1.x user; with 2.x any name, and the API token as the password. */
  username?: string;
  password?: string;
  /** Retention policy durations (InfluxQL), default raw 7d, long 260w (5 years), trend INF. */
  retention?: Partial<RetentionDurations>;
  /** Create the database and retention policies (InfluxDB 1.x). Default true; false for 2.x / Cloud. */
  provision?: boolean;
  /** Directory of the disk spool (created if missing). */
  spoolDir: string;
  /** Bound of the spool, bytes (default 1 GiB); see line-spool.ts and docs/storage.md for the policy and sizing. */
  spoolMaxBytes?: number;
  /** Spool segment size, bytes (default 4 MiB): the unit of eviction. */
  spoolSegmentBytes?: number;
  /** Points per write request (default 5000). */
  batchSize?: number;
  /** Longest time a point waits in memory (default 1000 ms). */
  flushIntervalMs?: number;
  /** Per HTTP request (default 10 s). */
  requestTimeoutMs?: number;
  /** Quick retries of a failed batch before it is spooled (default 2, from 100 ms). */
  inlineRetries?: number;
  inlineRetryInitialMs?: number;
  /** Delays between replay attempts while InfluxDB is away (default 500 ms doubling to 30 s, jittered). */
  replayInitialMs?: number;
  replayMaxMs?: number;
  /**
   * Trend minutes are recomputed at most this often by the automatic (size/time) flushes, default 60 s; an explicit
   * flush() and a drained spool always bring the trend up to date.
   */
  trendIntervalMs?: number;
  /** Rows per query page when reading raw series (default 10000). */
  queryPageSize?: number;
  logger?: Logger;
  /** Uniform [0, 1) for the backoff jitter (default Math.random). */
  random?: () => number;
}

const RP_OF_CLASS: Record<SpoolClass, string> = { raw: RETENTION_POLICY.raw, long: RETENTION_POLICY.long };

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Widens `into[key]` to cover `range`. */
function mergeRollup(into: Map<string, RollupRange>, range: RollupRange): void {
  const key = `${range.patient}/${range.session}`;
  const known = into.get(key);
  if (!known) into.set(key, { ...range });
  else {
    if (range.fromNs < known.fromNs) known.fromNs = range.fromNs;
    if (range.toNs > known.toNs) known.toNs = range.toNs;
  }
}

function influxClient(options: InfluxSeriesStoreOptions, database: string, timeoutMs: number): InfluxDB {
  const url = new URL(options.url);
  const path = url.pathname.replace(/\/+$/, '');
  return new InfluxDB({
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
    path,
    database,
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
    pool: {
      // Retries and backoff are the store's business; the package's own would disable the host for a while
      // after one failure and make every query fail fast until then.
      maxRetries: 0,
      requestTimeout: timeoutMs,
      backoff: {
        getDelay: () => 0,
        next() {
          return this;
        },
        reset() {
          return this;
        },
      },
    },
  });
}

export class InfluxSeriesStore implements SeriesStore {
  private readonly logger: Logger;
  private readonly database: string;
  private readonly retention: RetentionDurations;
  private readonly target: InfluxWriteTarget;
  private readonly influx: InfluxDB;
  private readonly reader: InfluxSeriesReader;
  private readonly batchSize: number;
  private readonly recoveryBackoff: Backoff;

  private readonly buffered: Record<SpoolClass, string[]> = { raw: [], long: [] };
  /** Minutes touched by the buffered angles. */
  private readonly bufferedRollups = new Map<string, RollupRange>();
  /** Minutes whose angles are in InfluxDB and whose trend points still have to be (re)computed. */
  private readonly pendingRollups = new Map<string, RollupRange>();
  private readonly counters: SeriesStoreCounters = { written: 0, retried: 0, dropped: 0, spooled: 0, replayed: 0 };
  private lastError: SeriesStoreStatus['lastError'] = null;
  private connected = false;
  private provisioned: boolean;
  private closed = false;

  private tail: Promise<unknown> = Promise.resolve();
  private queuedFlush: Promise<void> | undefined;
  /** Set by an explicit flush(): the next flush step recomputes the owed trend minutes whatever the interval. */
  private trendDue = false;
  private lastTrendRun = -Infinity;
  private flushTimer: NodeJS.Timeout | undefined;
  private trendTimer: NodeJS.Timeout | undefined;
  private recoveryTimer: NodeJS.Timeout | undefined;
  private recovering: Promise<boolean> | undefined;

  private constructor(
    private readonly options: InfluxSeriesStoreOptions,
    private readonly spool: LineSpool,
    logger: Logger,
  ) {
    this.logger = logger;
    this.database = checkId(options.database ?? 'hipmon', 'database');
    this.retention = { ...DEFAULT_RETENTION, ...options.retention };
    const timeoutMs = options.requestTimeoutMs ?? 10_000;
    this.target = {
      url: options.url,
      database: this.database,
      timeoutMs,
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
    };
    this.influx = influxClient(options, this.database, timeoutMs);
    this.reader = new InfluxSeriesReader(this.influx, this.database, options.queryPageSize ?? 10_000);
    this.batchSize = options.batchSize ?? 5000;
    this.provisioned = options.provision === false;
    this.recoveryBackoff = new Backoff({
      initialMs: options.replayInitialMs ?? 500,
      maxMs: options.replayMaxMs ?? 30_000,
      ...(options.random ? { random: options.random } : {}),
    });
    this.counters.dropped += spool.lostAtOpen;
  }

  /**
   * Opens the spool, provisions InfluxDB when it answers, and starts replaying a spool left by an earlier run. An
   * unreachable InfluxDB does not fail the start: writes spool until it is back.
   */
  static async open(options: InfluxSeriesStoreOptions): Promise<InfluxSeriesStore> {
    const retention = { ...DEFAULT_RETENTION, ...options.retention };
    for (const duration of Object.values(retention)) parseInfluxDuration(duration);
    if (options.batchSize !== undefined && !(Number.isInteger(options.batchSize) && options.batchSize > 0)) {
      throw new RangeError('batchSize must be a positive integer');
    }
    const logger = options.logger ?? pino({ name: 'hipmon-series-influx' });
    const spool = await LineSpool.open({
      dir: options.spoolDir,
      maxBytes: options.spoolMaxBytes ?? 1024 * 1024 * 1024,
      segmentBytes: options.spoolSegmentBytes ?? 4 * 1024 * 1024,
      logger,
    });
    const store = new InfluxSeriesStore(options, spool, logger);
    if (options.provision === false) {
      const hosts = await store.influx.ping(store.target.timeoutMs);
      if (hosts.some((h) => h.online)) store.markConnected();
      else store.markFailed('InfluxDB does not answer /ping');
    } else {
      await store.serial(() => store.ensureProvisioned());
    }
    if (!spool.isEmpty) {
      // In the background: a large spool must not hold up the service's start. replaySpool() joins it.
      logger.info({ bytes: spool.bytes, points: spool.points }, 'replaying the series spool left by an earlier run');
      void store.replaySpool();
    }
    return store;
  }

  // ---- writes ----

  async writeImu(ref: SessionRef, frame: ImuFrame): Promise<void> {
    this.assertOpen();
    this.enqueue('raw', imuRows(ref, frame).map(imuLine));
    return this.afterEnqueue();
  }

  async writeAngles(ref: SessionRef, samples: readonly AngleSample[]): Promise<void> {
    this.assertOpen();
    const rows = angleRows(ref, samples);
    this.enqueue('long', rows.map(angleLine));
    for (const row of rows) {
      const minute = floorToMinuteNs(row.tNs);
      mergeRollup(this.bufferedRollups, {
        patient: row.patient,
        session: row.session,
        fromNs: minute,
        toNs: minute + MINUTE_NS,
      });
    }
    return this.afterEnqueue();
  }

  async writeRep(ref: SessionRef, rep: RepEventPayload): Promise<void> {
    this.assertOpen();
    this.enqueue('long', [repLine(repRow(ref, rep))]);
    return this.afterEnqueue();
  }

  async writeAlert(ref: SessionRef, alert: AlertPayload): Promise<void> {
    this.assertOpen();
    this.enqueue('long', [alertLine(alertRow(ref, alert))]);
    return this.afterEnqueue();
  }

  async writeSessionState(ref: SessionRef, state: SessionStatePayload): Promise<void> {
    this.assertOpen();
    this.enqueue('long', [stateLine(stateRow(ref, state))]);
    return this.afterEnqueue();
  }

  /** Delivers (or spools) everything buffered and brings the trend series up to date with what InfluxDB holds. */
  flush(): Promise<void> {
    this.trendDue = true;
    return this.flushBuffered();
  }

  private flushBuffered(): Promise<void> {
    this.clearFlushTimer();
    // One queued flush serves every caller until it starts: it takes whatever is buffered at that moment.
    if (this.queuedFlush) return this.queuedFlush;
    const run = this.serial(async () => {
      this.queuedFlush = undefined;
      await this.flushStep();
    });
    this.queuedFlush = run;
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clearFlushTimer();
    if (this.recoveryTimer) clearTimeout(this.recoveryTimer);
    if (this.trendTimer) clearTimeout(this.trendTimer);
    this.recoveryTimer = undefined;
    this.trendTimer = undefined;
    try {
      await this.flush();
    } catch (err) {
      this.logger.error({ err }, 'series store: final flush failed');
    }
    await this.serial(async () => {
      if (this.pendingRollups.size > 0 && this.spool.isEmpty) await this.runRollups();
      if (this.pendingRollups.size === 0) return;
      // Trend minutes still owed survive in the spool as a batch without lines.
      const rollups = [...this.pendingRollups.values()];
      await this.spool.append({ rp: RETENTION_POLICY.long, cls: 'long', points: 0, body: '', rollups });
    });
    await this.recovering;
    await this.tail;
  }

  /**
   * Tries to deliver the spool (and the trend minutes owed) now instead of waiting for the next scheduled attempt.
   * Resolves true when nothing is left.
   */
  replaySpool(): Promise<boolean> {
    if (this.recoveryTimer) clearTimeout(this.recoveryTimer);
    this.recoveryTimer = undefined;
    this.recovering ??= this.recoverOnce().then((done) => {
      this.recovering = undefined;
      if (done) this.recoveryBackoff.reset();
      else this.scheduleRecovery();
      return done;
    });
    return this.recovering;
  }

  status(): SeriesStoreStatus {
    return {
      connected: this.connected,
      queuedPoints: this.buffered.raw.length + this.buffered.long.length,
      spooledBytes: this.spool.bytes,
      spooledPoints: this.spool.points,
      lastError: this.lastError,
      counters: { ...this.counters },
    };
  }

  // ---- queries ----

  async angles(ref: SessionRef, from?: number, to?: number, options?: AngleQueryOptions): Promise<AngleSample[]> {
    const { patient, session } = checkRef(ref);
    return this.reader.angles(patient, session, rangeNs(from, to), options?.maxPoints);
  }

  async imu(ref: SessionRef, role: SensorRole, from?: number, to?: number): Promise<StoredImuSample[]> {
    const { patient, session } = checkRef(ref);
    return this.reader.imu(patient, session, checkRole(role), rangeNs(from, to));
  }

  async reps(ref: SessionRef): Promise<RepEventPayload[]> {
    const { patient, session } = checkRef(ref);
    return this.reader.reps(patient, session);
  }

  async alerts(query: AlertQuery): Promise<StoredAlert[]> {
    const patient = checkId(query.patientId, 'patientId');
    const session = query.sessionId === undefined ? undefined : checkId(query.sessionId, 'sessionId');
    return this.reader.alerts(patient, session, rangeNs(query.from, query.to));
  }

  async sessionStates(ref: SessionRef): Promise<SessionStatePayload[]> {
    const { patient, session } = checkRef(ref);
    return this.reader.sessionStates(patient, session);
  }

  async trend(patientId: string, from: number, to: number): Promise<TrendBucket[]> {
    return this.reader.trend(checkId(patientId, 'patientId'), from, to);
  }

  async countImuSamples(ref: SessionRef, role: SensorRole): Promise<number> {
    const { patient, session } = checkRef(ref);
    return this.reader.countImu(patient, session, checkRole(role));
  }

  async imuSeqCoverage(ref: SessionRef, role: SensorRole): Promise<SeqCoverage[]> {
    const { patient, session } = checkRef(ref);
    return this.reader.seqCoverage(patient, session, checkRole(role));
  }

  // ---- pipeline ----

  private assertOpen(): void {
    if (this.closed) throw new Error('series store is closed');
  }

  private enqueue(cls: SpoolClass, lines: string[]): void {
    const buffer = this.buffered[cls];
    for (const l of lines) buffer.push(l);
  }

  private afterEnqueue(): Promise<void> {
    if (this.buffered.raw.length + this.buffered.long.length >= this.batchSize) return this.flushBuffered();
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        this.flushBuffered().catch((err: unknown) => this.logger.error({ err }, 'series store: timed flush failed'));
      }, this.options.flushIntervalMs ?? 1000);
      this.flushTimer.unref();
    }
    return Promise.resolve();
  }

  private clearFlushTimer(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  /** Runs jobs one after the other, whatever the previous one's outcome. */
  private serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.tail.then(job, job);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** The buffered lines as batches of at most batchSize points; the trend minutes ride on the last long batch. */
  private takeBatches(): SpoolBatch[] {
    const batches: SpoolBatch[] = [];
    for (const cls of ['raw', 'long'] as const) {
      const lines = this.buffered[cls];
      this.buffered[cls] = [];
      for (let start = 0; start < lines.length; start += this.batchSize) {
        const chunk = lines.slice(start, start + this.batchSize);
        batches.push({ rp: RP_OF_CLASS[cls], cls, points: chunk.length, body: `${chunk.join('\n')}\n`, rollups: [] });
      }
    }
    if (this.bufferedRollups.size > 0) {
      const rollups = [...this.bufferedRollups.values()];
      this.bufferedRollups.clear();
      const lastLong = batches.filter((b) => b.cls === 'long').pop();
      if (lastLong) lastLong.rollups = rollups;
      else batches.push({ rp: RETENTION_POLICY.long, cls: 'long', points: 0, body: '', rollups });
    }
    return batches;
  }

  private async flushStep(): Promise<void> {
    const failures: unknown[] = [];
    for (const batch of this.takeBatches()) {
      try {
        if (!this.spool.isEmpty || !(await this.send(batch, this.options.inlineRetries ?? 2))) {
          await this.toSpool(batch);
        }
      } catch (err) {
        // The spool itself failed (disk full, permissions): these points are lost; say so loudly.
        this.counters.dropped += batch.points;
        this.markFailed(`spool write failed: ${errorMessage(err)}`);
        this.logger.error({ err, points: batch.points }, 'series store: could neither deliver nor spool a batch');
        failures.push(err);
      }
    }
    await this.maybeRunRollups();
    if (failures.length > 0) throw new AggregateError(failures, 'series store: batches lost (spool write failed)');
  }

  private async toSpool(batch: SpoolBatch): Promise<void> {
    const result = await this.spool.append(batch);
    if (result.spooled) this.counters.spooled += batch.points;
    this.counters.dropped += result.droppedPoints;
    this.scheduleRecovery();
  }

  /**
   * Sends a batch, retrying `retries` times on failure. True when InfluxDB has taken it (fully, or all it ever
   * will: a rejected batch is not retried); false when it should be kept for later.
   */
  private async send(batch: SpoolBatch, retries: number): Promise<boolean> {
    if (batch.body === '') {
      for (const r of batch.rollups) mergeRollup(this.pendingRollups, r);
      return true;
    }
    const backoff = new Backoff({
      initialMs: this.options.inlineRetryInitialMs ?? 100,
      maxMs: (this.options.inlineRetryInitialMs ?? 100) * 2 ** Math.max(0, retries),
      ...(this.options.random ? { random: this.options.random } : {}),
    });
    for (let attempt = 0; ; attempt++) {
      const outcome: WriteOutcome = (await this.ensureProvisioned())
        ? await writeLines(this.target, batch.rp, batch.body, batch.points)
        : { kind: 'failed', message: this.lastError?.message ?? 'InfluxDB not provisioned' };
      if (outcome.kind === 'written' || outcome.kind === 'rejected') {
        const dropped = outcome.kind === 'rejected' ? outcome.dropped : 0;
        this.counters.written += batch.points - dropped;
        this.counters.dropped += dropped;
        if (outcome.kind === 'rejected') {
          this.lastError = { message: outcome.message, at: new Date().toISOString() };
          this.logger.error(
            { rp: batch.rp, points: batch.points, dropped },
            `InfluxDB rejected points: ${outcome.message}`,
          );
        }
        this.markConnected();
        for (const r of batch.rollups) mergeRollup(this.pendingRollups, r);
        return true;
      }
      this.markFailed(outcome.message);
      if (outcome.status === 404 && this.options.provision !== false) this.provisioned = false;
      if (attempt >= retries) return false;
      this.counters.retried += batch.points;
      await sleep(backoff.next());
    }
  }

  private async ensureProvisioned(): Promise<boolean> {
    if (this.provisioned) return true;
    try {
      await provisionInflux(this.influx, this.database, this.retention);
      this.provisioned = true;
      this.markConnected();
      return true;
    } catch (err) {
      this.markFailed(`provisioning: ${errorMessage(err)}`);
      return false;
    }
  }

  /**
   * Runs the owed trend minutes when due (an explicit flush, or trendIntervalMs since the last run), else arms a
   * timer so they are not forgotten when no more data comes. Nothing runs while the spool holds data: the minutes
   * of spooled angles travel with them and are owed once they are delivered.
   */
  private async maybeRunRollups(): Promise<void> {
    const interval = this.options.trendIntervalMs ?? 60_000;
    const due = this.trendDue || performance.now() - this.lastTrendRun >= interval;
    this.trendDue = false;
    if (this.pendingRollups.size === 0 || !this.spool.isEmpty) return;
    if (!due) {
      this.trendTimer ??= setTimeout(
        () => {
          this.trendTimer = undefined;
          if (this.closed) return;
          this.trendDue = true;
          this.flushBuffered().catch((err: unknown) => this.logger.error({ err }, 'series store: trend update failed'));
        },
        Math.max(0, interval - (performance.now() - this.lastTrendRun)),
      );
      this.trendTimer.unref();
      return;
    }
    if (!(await this.runRollups())) this.scheduleRecovery();
  }

  /** Recomputes the owed trend minutes; false (keeping the rest owed) when InfluxDB fails on the way. */
  private async runRollups(): Promise<boolean> {
    this.lastTrendRun = performance.now();
    for (const [key, range] of [...this.pendingRollups]) {
      if (!(await this.ensureProvisioned())) return false;
      let outcome: WriteOutcome = { kind: 'written' };
      try {
        const rows = await this.reader.minuteExtremes(range.patient, range.session, range.fromNs, range.toNs);
        if (rows.length > 0) {
          const body = `${rows.map(trendLine).join('\n')}\n`;
          outcome = await writeLines(this.target, RETENTION_POLICY.trend, body, rows.length);
        }
      } catch (err) {
        outcome = { kind: 'failed', message: `trend query: ${errorMessage(err)}` };
      }
      if (outcome.kind === 'failed') {
        this.markFailed(outcome.message);
        return false;
      }
      if (outcome.kind === 'rejected') this.logger.error(`InfluxDB rejected trend points: ${outcome.message}`);
      this.pendingRollups.delete(key);
    }
    return true;
  }

  private scheduleRecovery(): void {
    if (this.closed || this.recoveryTimer || this.recovering) return;
    this.recoveryTimer = setTimeout(() => {
      this.recoveryTimer = undefined;
      void this.replaySpool();
    }, this.recoveryBackoff.next());
    this.recoveryTimer.unref();
  }

  /** Replays the spool one batch per serial step (flushes interleave), then the owed trend minutes. */
  private async recoverOnce(): Promise<boolean> {
    try {
      for (;;) {
        const step = await this.serial(() => this.replayOne());
        if (step === 'failed') return false;
        if (step === 'done') break;
        if (this.closed) return false;
      }
      const done = await this.serial(async () => this.spool.isEmpty && (await this.runRollups()));
      if (done) this.logger.info('series spool delivered');
      return done;
    } catch (err) {
      this.markFailed(`spool replay: ${errorMessage(err)}`);
      this.logger.error({ err }, 'series store: spool replay failed');
      return false;
    }
  }

  private async replayOne(): Promise<'done' | 'more' | 'failed'> {
    const batch = await this.spool.head();
    if (!batch) return 'done';
    if (!(await this.send(batch, 0))) return 'failed';
    this.counters.replayed += batch.points;
    this.counters.retried += batch.points;
    await this.spool.ack();
    return this.spool.isEmpty ? 'done' : 'more';
  }

  private markConnected(): void {
    if (!this.connected && this.lastError) this.logger.info('InfluxDB reachable again');
    this.connected = true;
  }

  private markFailed(message: string): void {
    if (this.connected || this.lastError === null) {
      this.logger.warn(`InfluxDB unavailable, spooling series writes: ${message}`);
    }
    this.connected = false;
    this.lastError = { message, at: new Date().toISOString() };
  }
}
