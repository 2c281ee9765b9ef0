/**
 * What both adapters store: the write inputs checked and normalised into rows (one per point) with their key
 * already computed. Ids must be topic ids ([A-Za-z0-9_-]{1,64}) — they become InfluxDB tags and SQLite keys, so
 * nothing else may get through; numbers must be finite (neither store keeps NaN or ±∞).
 */
import {
  alertPayloadSchema,
  EXERCISE_IDS,
  frameSampleTimes,
  isSensorRole,
  isTopicId,
  repEventPayloadSchema,
  sessionStatePayloadSchema,
} from '@hipmon/core';
import type {
  AlertPayload,
  ExerciseId,
  ImuFrame,
  RepEventPayload,
  SensorRole,
  SessionStatePayload,
  Vec3,
} from '@hipmon/core';
import { SeriesInputError } from './series-store.js';
import type { AngleSample, SessionRef, Side } from './series-store.js';
import { nsToTime, roundToMicros, sampleTimesNs, timeToNs } from './series-time.js';

interface RowKey {
  patient: string;
  session: string;
  /** Stored timestamp, ns. */
  tNs: bigint;
}

export interface ImuRow extends RowKey {
  role: SensorRole;
  seq: number;
  index: number;
  gyr: Vec3;
  acc: Vec3;
  mag?: Vec3;
}

export interface AngleRow extends RowKey {
  side: Side;
  /** '' when no exercise was under way. */
  exercise: ExerciseId | '';
  flexion: number;
  abduction: number;
  rotation: number;
}

/** tNs is the rep's start. */
export interface RepRow extends RowKey {
  side: Side;
  exercise: ExerciseId;
  set: number;
  rep: number;
  /** s, rounded to µs like every stored time */
  end: number;
  peakFlexion: number;
  peakAbduction: number;
  peakRotation: number;
  rom: number;
}

export interface AlertRow extends RowKey {
  code: string;
  level: AlertPayload['level'];
  message: string;
}

export interface StateRow extends RowKey {
  state: SessionStatePayload['state'];
  side?: Side;
  exercise?: ExerciseId;
  set?: number;
  reps?: number;
  targetReps?: number;
}

/** One point of the per-minute trend series (InfluxDB's downsampled angles; SQLite computes it in SQL). */
export interface TrendRow extends RowKey {
  side: Side;
  exercise: ExerciseId | '';
  samples: number;
  flexion: { min: number; max: number };
  abduction: { min: number; max: number };
  rotation: { min: number; max: number };
}

export function checkId(value: unknown, what: string): string {
  if (!isTopicId(value)) {
    throw new SeriesInputError(`${what} ${JSON.stringify(String(value).slice(0, 80))} must match [A-Za-z0-9_-]{1,64}`);
  }
  return value;
}

export function checkRef(ref: SessionRef): { patient: string; session: string } {
  return { patient: checkId(ref.patientId, 'patientId'), session: checkId(ref.sessionId, 'sessionId') };
}

export function checkRole(role: unknown): SensorRole {
  if (!isSensorRole(role)) throw new SeriesInputError(`unknown sensor role ${JSON.stringify(role)}`);
  return role;
}

/** A finite number; -0 becomes 0 (SQLite cannot keep the sign of zero, and it carries no information here). */
function finite(value: number, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new SeriesInputError(`${what} must be finite`);
  return value + 0;
}

function vec3(v: Vec3, what: string): Vec3 {
  if (!Array.isArray(v) || v.length !== 3) throw new SeriesInputError(`${what} must have 3 components`);
  return [finite(v[0], what), finite(v[1], what), finite(v[2], what)];
}

export function imuRows(ref: SessionRef, frame: ImuFrame): ImuRow[] {
  const { patient, session } = checkRef(ref);
  const role = checkRole(frame.role);
  if (!Number.isInteger(frame.seq) || frame.seq < 0 || frame.seq > 0xffffffff) {
    throw new SeriesInputError(`frame seq ${frame.seq} is not a uint32`);
  }
  const times = sampleTimesNs(frameSampleTimes(frame));
  return frame.samples.map((reading, index) => {
    const row: ImuRow = {
      patient,
      session,
      role,
      tNs: times[index]!,
      seq: frame.seq,
      index,
      gyr: vec3(reading.gyr, 'gyr'),
      acc: vec3(reading.acc, 'acc'),
    };
    if (reading.mag) row.mag = vec3(reading.mag, 'mag');
    return row;
  });
}

const SIDES: readonly string[] = ['left', 'right'];
const isExerciseId = (value: unknown): value is ExerciseId =>
  typeof value === 'string' && (EXERCISE_IDS as readonly string[]).includes(value);

export function angleRows(ref: SessionRef, samples: readonly AngleSample[]): AngleRow[] {
  const { patient, session } = checkRef(ref);
  return samples.map((s) => {
    if (!SIDES.includes(s.side)) throw new SeriesInputError(`side ${JSON.stringify(s.side)} is not left|right`);
    if (s.exercise !== undefined && !isExerciseId(s.exercise)) {
      throw new SeriesInputError(`unknown exercise ${JSON.stringify(s.exercise)}`);
    }
    return {
      patient,
      session,
      tNs: timeToNs(s.t),
      side: s.side,
      exercise: s.exercise ?? '',
      flexion: finite(s.flexion, 'flexion'),
      abduction: finite(s.abduction, 'abduction'),
      rotation: finite(s.rotation, 'rotation'),
    };
  });
}

/** The part of a zod schema used here (the core's payload schemas), without depending on zod itself. */
interface Schema<T> {
  safeParse(
    value: unknown,
  ):
    { success: true; data: T } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } };
}

/** The payload schemas of the live topics: a stored rep, alert or state is one the wire would accept. */
function parsed<T>(schema: Schema<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.map(String).join('.') ?? '';
    throw new SeriesInputError(`invalid ${what}: ${path} ${issue?.message ?? ''}`.trim());
  }
  return result.data;
}

export function repRow(ref: SessionRef, input: RepEventPayload): RepRow {
  const { patient, session } = checkRef(ref);
  const rep = parsed(repEventPayloadSchema, input, 'rep event');
  return {
    patient,
    session,
    tNs: timeToNs(rep.start),
    side: rep.side,
    exercise: rep.exercise,
    set: rep.set,
    rep: rep.rep,
    end: roundToMicros(rep.end),
    peakFlexion: rep.peak.flexion,
    peakAbduction: rep.peak.abduction,
    peakRotation: rep.peak.rotation,
    rom: rep.rom,
  };
}

export function alertRow(ref: SessionRef, input: AlertPayload): AlertRow {
  const { patient, session } = checkRef(ref);
  const alert = parsed(alertPayloadSchema, input, 'alert');
  return { patient, session, tNs: timeToNs(alert.t), code: alert.code, level: alert.level, message: alert.message };
}

export function stateRow(ref: SessionRef, input: SessionStatePayload): StateRow {
  const { patient, session } = checkRef(ref);
  const state = parsed(sessionStatePayloadSchema, input, 'session state');
  const row: StateRow = { patient, session, tNs: timeToNs(state.t), state: state.state };
  if (state.side !== undefined) row.side = state.side;
  if (state.exercise !== undefined) row.exercise = state.exercise;
  if (state.set !== undefined) row.set = state.set;
  if (state.reps !== undefined) row.reps = state.reps;
  if (state.targetReps !== undefined) row.targetReps = state.targetReps;
  return row;
}

/** Read side, shared by the adapters: rows back to payloads, and one ordering (code-unit order, like SQLite's). */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
export const compareNs = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

export function repFromRow(row: RepRow): RepEventPayload {
  return {
    exercise: row.exercise,
    side: row.side,
    set: row.set,
    rep: row.rep,
    start: nsToTime(row.tNs),
    end: row.end,
    peak: { flexion: row.peakFlexion, abduction: row.peakAbduction, rotation: row.peakRotation },
    rom: row.rom,
  };
}

export function stateFromRow(row: StateRow): SessionStatePayload {
  const state: SessionStatePayload = { t: nsToTime(row.tNs), state: row.state };
  if (row.side !== undefined) state.side = row.side;
  if (row.exercise !== undefined) state.exercise = row.exercise;
  if (row.set !== undefined) state.set = row.set;
  if (row.reps !== undefined) state.reps = row.reps;
  if (row.targetReps !== undefined) state.targetReps = row.targetReps;
  return state;
}
