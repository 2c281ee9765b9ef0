/**
 * The queries of the InfluxDB adapter (InfluxQL through the influx package). Raw series are read in pages by time
 * so no server-side row limit (max-row-limit, InfluxDB 2.x's v1 endpoint) can silently truncate a result; results
 * are sorted here with the same order the SQLite adapter's SQL uses, so both adapters answer identically.
 */
import { escape } from 'influx';
import type { InfluxDB, INanoDate } from 'influx';
import type { ExerciseId, RepEventPayload, SensorRole, SessionStatePayload, Vec3 } from '@hipmon/core';
import { MEASUREMENT } from './line-protocol.js';
import { RETENTION_POLICY } from './influx-schema.js';
import type { RetentionPolicyName } from './influx-schema.js';
import { compareNs, compareText, repFromRow, stateFromRow } from './series-rows.js';
import type { RepRow, StateRow, TrendRow } from './series-rows.js';
import type { AngleSample, SeqCoverage, Side, StoredAlert, StoredImuSample, TrendBucket } from './series-store.js';
import { downsampleWidthNs, nsToTime, timeToNs } from './series-time.js';
import type { NsRange } from './series-time.js';

type Row = Record<string, unknown> & { time: INanoDate };

const ident = (name: string): string => escape.quoted(name);
const str = (value: string): string => escape.stringLit(value);
const nsOf = (row: Row): bigint => BigInt(row.time.getNanoTime());
const num = (value: unknown): number => value as number;
/** A tag InfluxDB returns as '' or null when the point has none. */
const optionalTag = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

function timeClause(range: NsRange): string {
  let clause = '';
  if (range.fromNs !== undefined) clause += ` AND time >= ${range.fromNs}`;
  if (range.toNs !== undefined) clause += ` AND time < ${range.toNs}`;
  return clause;
}

export class InfluxSeriesReader {
  constructor(
    private readonly influx: InfluxDB,
    private readonly database: string,
    private readonly pageSize: number,
  ) {}

  private from(rp: RetentionPolicyName, measurement: string): string {
    return `${ident(this.database)}.${ident(rp)}.${ident(measurement)}`;
  }

  private query(sql: string): Promise<Row[]> {
    return this.influx.query(sql, { database: this.database }) as unknown as Promise<Row[]>;
  }

  /**
   * All rows of `select … FROM … WHERE <where>` in [range), oldest first, fetched `pageSize` at a time. Each page
   * starts at the last timestamp of the previous one (inclusive) and skips the rows already seen there, so points of
   * different series sharing a timestamp are neither lost nor repeated.
   */
  private async paged(select: string, where: string, range: NsRange, key: (row: Row) => string): Promise<Row[]> {
    const out: Row[] = [];
    let lower = range.fromNs;
    let seenAtLower = new Set<string>();
    for (;;) {
      const bounds = timeClause({ fromNs: lower, toNs: range.toNs });
      const rows = await this.query(`${select} WHERE ${where}${bounds} ORDER BY time ASC LIMIT ${this.pageSize}`);
      const fresh = rows.filter((row) => !(nsOf(row) === lower && seenAtLower.has(key(row))));
      for (const row of fresh) out.push(row);
      if (rows.length < this.pageSize) return out;
      const last = nsOf(rows[rows.length - 1]!);
      if (fresh.length === 0) throw new Error(`more than ${this.pageSize} points share the timestamp ${last} ns`);
      const atLast = rows.filter((row) => nsOf(row) === last).map(key);
      seenAtLower = last === lower ? new Set([...seenAtLower, ...atLast]) : new Set(atLast);
      lower = last;
    }
  }

  private sessionWhere(patient: string, session: string): string {
    return `"patient" = ${str(patient)} AND "session" = ${str(session)}`;
  }

  async imu(patient: string, session: string, role: SensorRole, range: NsRange): Promise<StoredImuSample[]> {
    const fields = ['gyr_x', 'gyr_y', 'gyr_z', 'acc_x', 'acc_y', 'acc_z', 'mag_x', 'mag_y', 'mag_z', 'seq', 'idx'];
    const select = `SELECT ${fields.map(ident).join(', ')} FROM ${this.from(RETENTION_POLICY.raw, MEASUREMENT.imu)}`;
    const where = `${this.sessionWhere(patient, session)} AND "role" = ${str(role)}`;
    const rows = await this.paged(select, where, range, () => '');
    return rows.map((row) => {
      const sample: StoredImuSample = {
        t: nsToTime(nsOf(row)),
        gyr: [num(row.gyr_x), num(row.gyr_y), num(row.gyr_z)],
        acc: [num(row.acc_x), num(row.acc_y), num(row.acc_z)],
        seq: num(row.seq),
        index: num(row.idx),
      };
      if (row.mag_x !== null && row.mag_x !== undefined) {
        sample.mag = [num(row.mag_x), num(row.mag_y), num(row.mag_z)] as Vec3;
      }
      return sample;
    });
  }

  async countImu(patient: string, session: string, role: SensorRole): Promise<number> {
    const rows = await this.query(
      `SELECT count("seq") AS n FROM ${this.from(RETENTION_POLICY.raw, MEASUREMENT.imu)} ` +
        `WHERE ${this.sessionWhere(patient, session)} AND "role" = ${str(role)}`,
    );
    return rows.length === 0 ? 0 : num(rows[0]!.n);
  }

  async seqCoverage(patient: string, session: string, role: SensorRole): Promise<SeqCoverage[]> {
    const select = `SELECT "seq" FROM ${this.from(RETENTION_POLICY.raw, MEASUREMENT.imu)}`;
    const where = `${this.sessionWhere(patient, session)} AND "role" = ${str(role)}`;
    const counts = new Map<number, number>();
    for (const row of await this.paged(select, where, {}, () => '')) {
      const seq = num(row.seq);
      counts.set(seq, (counts.get(seq) ?? 0) + 1);
    }
    return [...counts].map(([seq, samples]) => ({ seq, samples }));
  }

  async angles(patient: string, session: string, range: NsRange, maxPoints?: number): Promise<AngleSample[]> {
    const table = this.from(RETENTION_POLICY.long, MEASUREMENT.angles);
    const where = this.sessionWhere(patient, session);
    if (maxPoints !== undefined) {
      const downsampled = await this.downsampledAngles(table, where, range, maxPoints);
      if (downsampled) return downsampled;
    }
    const select = `SELECT "flexion", "abduction", "rotation", "side", "exercise" FROM ${table}`;
    const rows = await this.paged(select, where, range, (row) => `${row.side}/${row.exercise ?? ''}`);
    const samples = rows.map((row) => ({ ns: nsOf(row), sample: angleFromRow(row) }));
    samples.sort(
      (a, b) =>
        compareNs(a.ns, b.ns) ||
        compareText(a.sample.side, b.sample.side) ||
        compareText(a.sample.exercise ?? '', b.sample.exercise ?? ''),
    );
    return samples.map((s) => s.sample);
  }

  /** Bucket means when the range holds more than maxPoints samples, else null (the caller reads them raw). */
  private async downsampledAngles(
    table: string,
    where: string,
    range: NsRange,
    maxPoints: number,
  ): Promise<AngleSample[] | null> {
    let { fromNs, toNs } = range;
    if (fromNs === undefined) {
      const first = await this.query(`SELECT first("flexion") FROM ${table} WHERE ${where}${timeClause(range)}`);
      if (first.length === 0) return [];
      fromNs = nsOf(first[0]!);
    }
    if (toNs === undefined) {
      const last = await this.query(`SELECT last("flexion") FROM ${table} WHERE ${where}${timeClause(range)}`);
      if (last.length === 0) return [];
      toNs = nsOf(last[0]!) + 1n;
    }
    const bounds = timeClause({ fromNs, toNs });
    const counted = await this.query(`SELECT count("flexion") AS n FROM ${table} WHERE ${where}${bounds}`);
    const count = counted.length === 0 ? 0 : num(counted[0]!.n);
    const width = downsampleWidthNs(fromNs, toNs, count, maxPoints);
    if (width === null) return null;
    const rows = await this.query(
      `SELECT mean("flexion") AS flexion, mean("abduction") AS abduction, mean("rotation") AS rotation ` +
        `FROM ${table} WHERE ${where}${bounds} GROUP BY time(${width}ns, ${fromNs % width}ns), "side" fill(none)`,
    );
    const buckets = rows.map((row) => ({ ns: nsOf(row), sample: angleFromRow(row) }));
    buckets.sort((a, b) => compareNs(a.ns, b.ns) || compareText(a.sample.side, b.sample.side));
    return buckets.map((b) => b.sample);
  }

  async reps(patient: string, session: string): Promise<RepEventPayload[]> {
    const rows = await this.query(
      `SELECT * FROM ${this.from(RETENTION_POLICY.long, MEASUREMENT.reps)} WHERE ${this.sessionWhere(patient, session)}`,
    );
    const reps: RepRow[] = rows.map((row) => ({
      patient,
      session,
      tNs: nsOf(row),
      side: row.side as Side,
      exercise: row.exercise as ExerciseId,
      set: num(row.set),
      rep: num(row.rep),
      end: num(row.end),
      peakFlexion: num(row.peak_flexion),
      peakAbduction: num(row.peak_abduction),
      peakRotation: num(row.peak_rotation),
      rom: num(row.rom),
    }));
    reps.sort((a, b) => compareNs(a.tNs, b.tNs) || compareText(a.side, b.side) || compareText(a.exercise, b.exercise));
    return reps.map(repFromRow);
  }

  async alerts(patient: string, session: string | undefined, range: NsRange): Promise<StoredAlert[]> {
    let where = `"patient" = ${str(patient)}`;
    if (session !== undefined) where += ` AND "session" = ${str(session)}`;
    const rows = await this.query(
      `SELECT "level", "message", "code", "session" FROM ${this.from(RETENTION_POLICY.long, MEASUREMENT.alerts)} ` +
        `WHERE ${where}${timeClause(range)}`,
    );
    const alerts = rows.map((row) => ({
      ns: nsOf(row),
      alert: {
        t: nsToTime(nsOf(row)),
        level: row.level as StoredAlert['level'],
        code: row.code as string,
        message: row.message as string,
        sessionId: row.session as string,
      },
    }));
    alerts.sort(
      (a, b) =>
        compareNs(a.ns, b.ns) ||
        compareText(a.alert.sessionId, b.alert.sessionId) ||
        compareText(a.alert.code, b.alert.code),
    );
    return alerts.map((a) => a.alert);
  }

  async sessionStates(patient: string, session: string): Promise<SessionStatePayload[]> {
    const rows = await this.query(
      `SELECT * FROM ${this.from(RETENTION_POLICY.long, MEASUREMENT.sessionState)} ` +
        `WHERE ${this.sessionWhere(patient, session)}`,
    );
    const states: StateRow[] = rows.map((row) => {
      const state: StateRow = { patient, session, tNs: nsOf(row), state: row.state as StateRow['state'] };
      if (row.side !== null && row.side !== undefined) state.side = row.side as Side;
      if (row.exercise !== null && row.exercise !== undefined) state.exercise = row.exercise as ExerciseId;
      if (row.set !== null && row.set !== undefined) state.set = num(row.set);
      if (row.reps !== null && row.reps !== undefined) state.reps = num(row.reps);
      if (row.target_reps !== null && row.target_reps !== undefined) state.targetReps = num(row.target_reps);
      return state;
    });
    states.sort((a, b) => compareNs(a.tNs, b.tNs));
    return states.map(stateFromRow);
  }

  async trend(patient: string, from: number, to: number): Promise<TrendBucket[]> {
    const rows = await this.query(
      `SELECT * FROM ${this.from(RETENTION_POLICY.trend, MEASUREMENT.anglesPerMinute)} ` +
        `WHERE "patient" = ${str(patient)}${timeClause({ fromNs: timeToNs(from), toNs: timeToNs(to) })}`,
    );
    const buckets = rows.map((row) => ({ ns: nsOf(row), bucket: trendFromRow(row) }));
    buckets.sort(
      (a, b) =>
        compareNs(a.ns, b.ns) ||
        compareText(a.bucket.sessionId, b.bucket.sessionId) ||
        compareText(a.bucket.side, b.bucket.side) ||
        compareText(a.bucket.exercise ?? '', b.bucket.exercise ?? ''),
    );
    return buckets.map((b) => b.bucket);
  }

  /**
   * Per-minute extremes of one session's stored angles in [fromNs, toNs) (minute-aligned), as the points of the
   * trend series: what the in-service downsampling writes (docs/storage.md).
   */
  async minuteExtremes(patient: string, session: string, fromNs: bigint, toNs: bigint): Promise<TrendRow[]> {
    const rows = await this.query(
      `SELECT min("flexion") AS flexion_min, max("flexion") AS flexion_max, ` +
        `min("abduction") AS abduction_min, max("abduction") AS abduction_max, ` +
        `min("rotation") AS rotation_min, max("rotation") AS rotation_max, count("flexion") AS samples ` +
        `FROM ${this.from(RETENTION_POLICY.long, MEASUREMENT.angles)} ` +
        `WHERE ${this.sessionWhere(patient, session)}${timeClause({ fromNs, toNs })} ` +
        `GROUP BY time(1m), "side", "exercise" fill(none)`,
    );
    return rows.map((row) => ({
      patient,
      session,
      tNs: nsOf(row),
      side: row.side as Side,
      exercise: (optionalTag(row.exercise) ?? '') as TrendRow['exercise'],
      samples: num(row.samples),
      flexion: { min: num(row.flexion_min), max: num(row.flexion_max) },
      abduction: { min: num(row.abduction_min), max: num(row.abduction_max) },
      rotation: { min: num(row.rotation_min), max: num(row.rotation_max) },
    }));
  }
}

function angleFromRow(row: Row): AngleSample {
  const sample: AngleSample = {
    t: nsToTime(nsOf(row)),
    side: row.side as Side,
    flexion: num(row.flexion),
    abduction: num(row.abduction),
    rotation: num(row.rotation),
  };
  const exercise = optionalTag(row.exercise);
  if (exercise !== undefined) sample.exercise = exercise as ExerciseId;
  return sample;
}

function trendFromRow(row: Row): TrendBucket {
  const bucket: TrendBucket = {
    sessionId: row.session as string,
    side: row.side as Side,
    t: nsToTime(nsOf(row)),
    samples: num(row.samples),
    flexion: { min: num(row.flexion_min), max: num(row.flexion_max) },
    abduction: { min: num(row.abduction_min), max: num(row.abduction_max) },
    rotation: { min: num(row.rotation_min), max: num(row.rotation_max) },
  };
  const exercise = optionalTag(row.exercise);
  if (exercise !== undefined) bucket.exercise = exercise as ExerciseId;
  return bucket;
}
