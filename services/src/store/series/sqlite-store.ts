/**
 * SeriesStore over SQLite (better-sqlite3): the embedded default. WAL journal (readers never block the writer),
 * prepared statements, and writes buffered in memory and committed in one transaction per batch (`batchSize` rows
 * or `flushIntervalMs`). Primary keys are the point identities (sqlite-schema.ts), and every insert is INSERT OR
 * REPLACE, so writing a point again replaces it. Retention is a periodic DELETE by age; the trend is computed by
 * SQL from the angles at query time.
 */
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type {
  AlertPayload,
  ExerciseId,
  ImuFrame,
  RepEventPayload,
  SensorRole,
  SessionStatePayload,
} from '@hipmon/core';
import {
  alertRow,
  angleRows,
  checkId,
  checkRef,
  checkRole,
  imuRows,
  repFromRow,
  repRow,
  stateFromRow,
  stateRow,
} from './series-rows.js';
import type { AlertRow, AngleRow, ImuRow, RepRow, StateRow } from './series-rows.js';
import { LONG_TABLES, RAW_TABLES, SERIES_SCHEMA } from './sqlite-schema.js';
import type {
  AlertQuery,
  AngleQueryOptions,
  AngleSample,
  SeqCoverage,
  SeriesStore,
  SeriesStoreCounters,
  SeriesStoreStatus,
  SessionRef,
  Side,
  StoredAlert,
  StoredImuSample,
  TrendBucket,
} from './series-store.js';
import { downsampleWidthNs, MINUTE_NS, nsToTime, rangeNs, trendSampleRangeNs } from './series-time.js';

export interface SqliteRetention {
  /** Age (s) after which raw IMU rows are deleted; null keeps them. Default 7 days. */
  rawSeconds?: number | null;
  /** Age (s) after which angles, reps, alerts and states are deleted; null (default) keeps them. */
  longSeconds?: number | null;
  /** How often the deletion runs (default hourly); 0 disables the timer (call applyRetention() yourself). */
  intervalMs?: number;
  /** "Now" on the gateway clock, s (default Unix time: gateways are expected to run NTP-disciplined clocks). */
  now?: () => number;
}

export interface SqliteSeriesStoreOptions {
  /** A database file (created if missing) or ':memory:'; ignored when `database` is given. */
  path?: string;
  /** An already open database to share (e.g. with the metadata store); the store then does not close it. */
  database?: SqliteDatabase;
  /** Rows per transaction (default 5000). */
  batchSize?: number;
  /** Longest time a row waits in memory (default 1000 ms). */
  flushIntervalMs?: number;
  /** How long a commit waits for another connection's write lock (default 5000 ms). */
  busyTimeoutMs?: number;
  /** Rows kept in memory while commits fail before the oldest raw IMU rows are dropped (default 1,000,000). */
  maxQueuedRows?: number;
  retention?: SqliteRetention;
  logger?: Logger;
}

const MAX_NS = 0x7fffffffffffffffn;
const DEFAULT_RAW_RETENTION_S = 7 * 86_400;

interface Pending {
  imu: ImuRow[];
  angles: AngleRow[];
  reps: RepRow[];
  alerts: AlertRow[];
  states: StateRow[];
}

const emptyPending = (): Pending => ({ imu: [], angles: [], reps: [], alerts: [], states: [] });
const pendingCount = (p: Pending): number =>
  p.imu.length + p.angles.length + p.reps.length + p.alerts.length + p.states.length;

type SqlRow = Record<string, unknown>;
const int = (value: unknown): number => Number(value as bigint);
const real = (value: unknown): number => value as number;

/** push(...rows) would overflow the argument limit for very large writes. */
function append<T>(into: T[], rows: readonly T[]): void {
  for (const row of rows) into.push(row);
}

/** Nanosecond cut-off of "older than ageS before nowS" (may be before t = 0, which deletes nothing). */
const cutoffNs = (nowS: number, ageS: number): bigint => BigInt(Math.floor((nowS - ageS) * 1e6)) * 1000n;

export class SqliteSeriesStore implements SeriesStore {
  private readonly db: SqliteDatabase;
  private readonly ownsDatabase: boolean;
  private readonly logger: Logger;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxQueuedRows: number;
  private readonly retention: Required<Omit<SqliteRetention, 'now'>> & { now: () => number };
  private readonly insert: Record<keyof Pending, Statement>;
  /** Query statements, prepared once on first use. */
  private readonly queries = new Map<string, Statement>();
  private readonly commitPending: (pending: Pending) => void;
  private pending = emptyPending();
  private readonly counters: SeriesStoreCounters = { written: 0, retried: 0, dropped: 0, spooled: 0, replayed: 0 };
  private lastError: SeriesStoreStatus['lastError'] = null;
  private flushTimer: NodeJS.Timeout | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: SqliteSeriesStoreOptions = {}) {
    this.logger = options.logger ?? pino({ name: 'hipmon-series-sqlite' });
    this.batchSize = options.batchSize ?? 5000;
    if (!(Number.isInteger(this.batchSize) && this.batchSize > 0)) throw new RangeError('batchSize must be > 0');
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.maxQueuedRows = options.maxQueuedRows ?? 1_000_000;
    this.retention = {
      rawSeconds: options.retention?.rawSeconds === undefined ? DEFAULT_RAW_RETENTION_S : options.retention.rawSeconds,
      longSeconds: options.retention?.longSeconds ?? null,
      intervalMs: options.retention?.intervalMs ?? 3_600_000,
      now: options.retention?.now ?? (() => Date.now() / 1000),
    };
    this.ownsDatabase = options.database === undefined;
    this.db = options.database ?? new Database(options.path ?? ':memory:');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    this.db.exec(SERIES_SCHEMA);
    this.insert = {
      imu: this.db.prepare(
        `INSERT OR REPLACE INTO series_imu (patient, session, role, t_ns, seq, idx, gyr_x, gyr_y, gyr_z,
           acc_x, acc_y, acc_z, mag_x, mag_y, mag_z) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      angles: this.db.prepare(
        `INSERT OR REPLACE INTO series_angles (patient, session, side, t_ns, exercise, flexion, abduction, rotation)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      reps: this.db.prepare(
        `INSERT OR REPLACE INTO series_reps (patient, session, side, exercise, t_ns, end_s, set_no, rep_no,
           peak_flexion, peak_abduction, peak_rotation, rom) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      alerts: this.db.prepare(
        `INSERT OR REPLACE INTO series_alerts (patient, session, code, t_ns, level, message)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      states: this.db.prepare(
        `INSERT OR REPLACE INTO series_session_states (patient, session, t_ns, state, side, exercise, set_no, reps,
           target_reps) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
    this.commitPending = this.db.transaction((p: Pending) => this.insertAll(p));
    if (this.retention.intervalMs > 0) {
      this.retentionTimer = setInterval(() => {
        this.applyRetention().catch((err: unknown) => this.logger.error({ err }, 'series retention failed'));
      }, this.retention.intervalMs);
      this.retentionTimer.unref();
    }
  }

  // ---- writes ----

  async writeImu(ref: SessionRef, frame: ImuFrame): Promise<void> {
    this.assertOpen();
    append(this.pending.imu, imuRows(ref, frame));
    return this.afterEnqueue();
  }

  async writeAngles(ref: SessionRef, samples: readonly AngleSample[]): Promise<void> {
    this.assertOpen();
    append(this.pending.angles, angleRows(ref, samples));
    return this.afterEnqueue();
  }

  async writeRep(ref: SessionRef, rep: RepEventPayload): Promise<void> {
    this.assertOpen();
    this.pending.reps.push(repRow(ref, rep));
    return this.afterEnqueue();
  }

  async writeAlert(ref: SessionRef, alert: AlertPayload): Promise<void> {
    this.assertOpen();
    this.pending.alerts.push(alertRow(ref, alert));
    return this.afterEnqueue();
  }

  async writeSessionState(ref: SessionRef, state: SessionStatePayload): Promise<void> {
    this.assertOpen();
    this.pending.states.push(stateRow(ref, state));
    return this.afterEnqueue();
  }

  /** Commits everything buffered in one transaction; on failure the rows stay buffered for the next attempt. */
  async flush(): Promise<void> {
    this.clearFlushTimer();
    const batch = this.pending;
    const rows = pendingCount(batch);
    if (rows === 0) return;
    this.pending = emptyPending();
    try {
      this.commitPending(batch);
      this.counters.written += rows;
    } catch (err) {
      this.requeue(batch);
      this.counters.retried += Math.min(rows, pendingCount(this.pending));
      this.lastError = { message: err instanceof Error ? err.message : String(err), at: new Date().toISOString() };
      this.logger.error({ err, rows }, 'series store: SQLite commit failed, rows kept for the next flush');
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    try {
      await this.flush();
    } finally {
      if (this.ownsDatabase) this.db.close();
    }
  }

  /** Deletes rows older than the configured retention (relative to `nowS`); returns the rows deleted per table. */
  async applyRetention(nowS = this.retention.now()): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    const expire = (tables: readonly string[], ageS: number | null): void => {
      if (ageS === null) return;
      const cut = cutoffNs(nowS, ageS);
      for (const table of tables) {
        deleted[table] = this.statement(`DELETE FROM ${table} WHERE t_ns < ?`).run(cut).changes;
      }
    };
    expire(RAW_TABLES, this.retention.rawSeconds);
    expire(LONG_TABLES, this.retention.longSeconds);
    return deleted;
  }

  status(): SeriesStoreStatus {
    return {
      connected: this.db.open,
      queuedPoints: pendingCount(this.pending),
      spooledBytes: 0,
      spooledPoints: 0,
      lastError: this.lastError,
      counters: { ...this.counters },
    };
  }

  // ---- queries ----

  async angles(ref: SessionRef, from?: number, to?: number, options?: AngleQueryOptions): Promise<AngleSample[]> {
    const { patient, session } = checkRef(ref);
    const range = rangeNs(from, to);
    let fromNs = range.fromNs ?? 0n;
    let toNs = range.toNs ?? MAX_NS;
    if (options?.maxPoints !== undefined) {
      const span = this.select(
        `SELECT min(t_ns) AS first, max(t_ns) AS last, count(*) AS n FROM series_angles
         WHERE patient = ? AND session = ? AND t_ns >= ? AND t_ns < ?`,
        patient,
        session,
        fromNs,
        toNs,
      )[0]!;
      if (span.first === null) return [];
      if (range.fromNs === undefined) fromNs = span.first as bigint;
      if (range.toNs === undefined) toNs = (span.last as bigint) + 1n;
      const width = downsampleWidthNs(fromNs, toNs, int(span.n), options.maxPoints);
      if (width !== null) return this.downsampledAngles(patient, session, fromNs, toNs, width);
    }
    return this.select(
      `SELECT t_ns, side, exercise, flexion, abduction, rotation FROM series_angles
       WHERE patient = ? AND session = ? AND t_ns >= ? AND t_ns < ? ORDER BY t_ns, side, exercise`,
      patient,
      session,
      fromNs,
      toNs,
    ).map((row) => {
      const sample: AngleSample = {
        t: nsToTime(row.t_ns as bigint),
        side: row.side as Side,
        flexion: real(row.flexion),
        abduction: real(row.abduction),
        rotation: real(row.rotation),
      };
      if (row.exercise !== '') sample.exercise = row.exercise as ExerciseId;
      return sample;
    });
  }

  private downsampledAngles(
    patient: string,
    session: string,
    fromNs: bigint,
    toNs: bigint,
    width: bigint,
  ): AngleSample[] {
    return this.select(
      `SELECT side, (t_ns - ?) / ? AS k, avg(flexion) AS flexion, avg(abduction) AS abduction,
         avg(rotation) AS rotation
       FROM series_angles WHERE patient = ? AND session = ? AND t_ns >= ? AND t_ns < ?
       GROUP BY side, k ORDER BY k, side`,
      fromNs,
      width,
      patient,
      session,
      fromNs,
      toNs,
    ).map((row) => ({
      t: nsToTime(fromNs + (row.k as bigint) * width),
      side: row.side as Side,
      flexion: real(row.flexion),
      abduction: real(row.abduction),
      rotation: real(row.rotation),
    }));
  }

  async imu(ref: SessionRef, role: SensorRole, from?: number, to?: number): Promise<StoredImuSample[]> {
    const { patient, session } = checkRef(ref);
    const range = rangeNs(from, to);
    return this.select(
      `SELECT t_ns, seq, idx, gyr_x, gyr_y, gyr_z, acc_x, acc_y, acc_z, mag_x, mag_y, mag_z FROM series_imu
       WHERE patient = ? AND session = ? AND role = ? AND t_ns >= ? AND t_ns < ? ORDER BY t_ns`,
      patient,
      session,
      checkRole(role),
      range.fromNs ?? 0n,
      range.toNs ?? MAX_NS,
    ).map((row) => {
      const sample: StoredImuSample = {
        t: nsToTime(row.t_ns as bigint),
        gyr: [real(row.gyr_x), real(row.gyr_y), real(row.gyr_z)],
        acc: [real(row.acc_x), real(row.acc_y), real(row.acc_z)],
        seq: int(row.seq),
        index: int(row.idx),
      };
      if (row.mag_x !== null) sample.mag = [real(row.mag_x), real(row.mag_y), real(row.mag_z)];
      return sample;
    });
  }

  async reps(ref: SessionRef): Promise<RepEventPayload[]> {
    const { patient, session } = checkRef(ref);
    return this.select(
      `SELECT * FROM series_reps WHERE patient = ? AND session = ? ORDER BY t_ns, side, exercise`,
      patient,
      session,
    ).map((row) =>
      repFromRow({
        patient,
        session,
        tNs: row.t_ns as bigint,
        side: row.side as Side,
        exercise: row.exercise as ExerciseId,
        set: int(row.set_no),
        rep: int(row.rep_no),
        end: real(row.end_s),
        peakFlexion: real(row.peak_flexion),
        peakAbduction: real(row.peak_abduction),
        peakRotation: real(row.peak_rotation),
        rom: real(row.rom),
      }),
    );
  }

  async alerts(query: AlertQuery): Promise<StoredAlert[]> {
    const patient = checkId(query.patientId, 'patientId');
    const range = rangeNs(query.from, query.to);
    const bounds = [range.fromNs ?? 0n, range.toNs ?? MAX_NS];
    const rows =
      query.sessionId === undefined
        ? this.select(
            `SELECT session, code, t_ns, level, message FROM series_alerts
             WHERE patient = ? AND t_ns >= ? AND t_ns < ? ORDER BY t_ns, session, code`,
            patient,
            ...bounds,
          )
        : this.select(
            `SELECT session, code, t_ns, level, message FROM series_alerts
             WHERE patient = ? AND session = ? AND t_ns >= ? AND t_ns < ? ORDER BY t_ns, session, code`,
            patient,
            checkId(query.sessionId, 'sessionId'),
            ...bounds,
          );
    return rows.map((row) => ({
      t: nsToTime(row.t_ns as bigint),
      level: row.level as StoredAlert['level'],
      code: row.code as string,
      message: row.message as string,
      sessionId: row.session as string,
    }));
  }

  async sessionStates(ref: SessionRef): Promise<SessionStatePayload[]> {
    const { patient, session } = checkRef(ref);
    return this.select(
      `SELECT * FROM series_session_states WHERE patient = ? AND session = ? ORDER BY t_ns`,
      patient,
      session,
    ).map((row) => {
      const state: StateRow = { patient, session, tNs: row.t_ns as bigint, state: row.state as StateRow['state'] };
      if (row.side !== null) state.side = row.side as Side;
      if (row.exercise !== null) state.exercise = row.exercise as ExerciseId;
      if (row.set_no !== null) state.set = int(row.set_no);
      if (row.reps !== null) state.reps = int(row.reps);
      if (row.target_reps !== null) state.targetReps = int(row.target_reps);
      return stateFromRow(state);
    });
  }

  async trend(patientId: string, from: number, to: number): Promise<TrendBucket[]> {
    const patient = checkId(patientId, 'patientId');
    const { fromNs, toNs } = trendSampleRangeNs(from, to);
    return this.select(
      `SELECT session, side, exercise, t_ns / ? AS minute, count(*) AS samples,
         min(flexion) AS flexion_min, max(flexion) AS flexion_max,
         min(abduction) AS abduction_min, max(abduction) AS abduction_max,
         min(rotation) AS rotation_min, max(rotation) AS rotation_max
       FROM series_angles WHERE patient = ? AND t_ns >= ? AND t_ns < ?
       GROUP BY session, side, exercise, minute ORDER BY minute, session, side, exercise`,
      MINUTE_NS,
      patient,
      fromNs,
      toNs,
    ).map((row) => {
      const bucket: TrendBucket = {
        sessionId: row.session as string,
        side: row.side as Side,
        t: nsToTime((row.minute as bigint) * MINUTE_NS),
        samples: int(row.samples),
        flexion: { min: real(row.flexion_min), max: real(row.flexion_max) },
        abduction: { min: real(row.abduction_min), max: real(row.abduction_max) },
        rotation: { min: real(row.rotation_min), max: real(row.rotation_max) },
      };
      if (row.exercise !== '') bucket.exercise = row.exercise as ExerciseId;
      return bucket;
    });
  }

  async countImuSamples(ref: SessionRef, role: SensorRole): Promise<number> {
    const { patient, session } = checkRef(ref);
    const [row] = this.select(
      `SELECT count(*) AS n FROM series_imu WHERE patient = ? AND session = ? AND role = ?`,
      patient,
      session,
      checkRole(role),
    );
    return int(row!.n);
  }

  async imuSeqCoverage(ref: SessionRef, role: SensorRole): Promise<SeqCoverage[]> {
    const { patient, session } = checkRef(ref);
    return this.select(
      `SELECT seq, count(*) AS samples, min(t_ns) AS first FROM series_imu
       WHERE patient = ? AND session = ? AND role = ? GROUP BY seq ORDER BY first`,
      patient,
      session,
      checkRole(role),
    ).map((row) => ({ seq: int(row.seq), samples: int(row.samples) }));
  }

  // ---- internals ----

  private statement(sql: string): Statement {
    let statement = this.queries.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      // Integers come back as BigInt: nanosecond timestamps do not fit a double.
      if (statement.reader) statement.safeIntegers(true);
      this.queries.set(sql, statement);
    }
    return statement;
  }

  private select(sql: string, ...params: unknown[]): SqlRow[] {
    return this.statement(sql).all(...params) as SqlRow[];
  }

  private insertAll(p: Pending): void {
    for (const r of p.imu) {
      const mag = r.mag ?? [null, null, null];
      this.insert.imu.run(
        r.patient,
        r.session,
        r.role,
        r.tNs,
        r.seq,
        r.index,
        r.gyr[0],
        r.gyr[1],
        r.gyr[2],
        r.acc[0],
        r.acc[1],
        r.acc[2],
        mag[0],
        mag[1],
        mag[2],
      );
    }
    for (const r of p.angles) {
      this.insert.angles.run(r.patient, r.session, r.side, r.tNs, r.exercise, r.flexion, r.abduction, r.rotation);
    }
    for (const r of p.reps) {
      this.insert.reps.run(
        r.patient,
        r.session,
        r.side,
        r.exercise,
        r.tNs,
        r.end,
        r.set,
        r.rep,
        r.peakFlexion,
        r.peakAbduction,
        r.peakRotation,
        r.rom,
      );
    }
    for (const r of p.alerts) this.insert.alerts.run(r.patient, r.session, r.code, r.tNs, r.level, r.message);
    for (const r of p.states) {
      this.insert.states.run(
        r.patient,
        r.session,
        r.tNs,
        r.state,
        r.side ?? null,
        r.exercise ?? null,
        r.set ?? null,
        r.reps ?? null,
        r.targetReps ?? null,
      );
    }
  }

  /** Puts a failed batch back in front of what was written since, dropping the oldest raw rows past the bound. */
  private requeue(batch: Pending): void {
    const merged: Pending = {
      imu: [...batch.imu, ...this.pending.imu],
      angles: [...batch.angles, ...this.pending.angles],
      reps: [...batch.reps, ...this.pending.reps],
      alerts: [...batch.alerts, ...this.pending.alerts],
      states: [...batch.states, ...this.pending.states],
    };
    const excess = Math.min(merged.imu.length, pendingCount(merged) - this.maxQueuedRows);
    if (excess > 0) {
      merged.imu.splice(0, excess);
      this.counters.dropped += excess;
      this.logger.warn({ dropped: excess }, 'series store: memory queue full, dropped the oldest raw IMU rows');
    }
    this.pending = merged;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('series store is closed');
  }

  private afterEnqueue(): Promise<void> {
    if (pendingCount(this.pending) >= this.batchSize) return this.flush();
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        this.flush().catch(() => undefined); // logged and kept by flush()
      }, this.flushIntervalMs);
      this.flushTimer.unref();
    }
    return Promise.resolve();
  }

  private clearFlushTimer(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }
}
