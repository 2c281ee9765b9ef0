/**
 * The series store: everything time-stamped that a live session produces (raw IMU samples, hip angles, rep events,
 * alerts, session state changes) and the queries the dashboard needs. Two adapters implement it, InfluxDB (v1 HTTP
 * API) and SQLite, and one contract suite (contract.ts) holds them to the same behaviour. docs/storage.md has the
 * schema, the idempotency rules and the spool.
 *
 * Times are seconds on the gateway clock (docs/protocol.md §6), stored at microsecond resolution as integer
 * nanoseconds (series-time.ts), so the same sample always maps to the same point. Writes are batched by the adapter
 * and become visible to queries after flush(); writing a point again (same series key and timestamp) replaces it,
 * never duplicates it.
 */
import type {
  AlertPayload,
  ExerciseId,
  ImuFrame,
  ImuSample,
  LiveAnglesPayload,
  RepEventPayload,
  SensorRole,
  SessionStatePayload,
} from '@hipmon/core';

/** Session ids are unique per patient only (the gateway chooses them), so a session is always named with its patient. */
export interface SessionRef {
  readonly patientId: string;
  readonly sessionId: string;
}

export type Side = LiveAnglesPayload['side'];

/** One hip-angle sample as stored: the live payload plus the exercise under way, if any. */
export interface AngleSample extends LiveAnglesPayload {
  exercise?: ExerciseId;
}

/** One stored IMU sample with where it came from: its frame's seq and its index within that frame. */
export interface StoredImuSample extends ImuSample {
  seq: number;
  index: number;
}

export interface StoredAlert extends AlertPayload {
  sessionId: string;
}

export interface AlertQuery {
  patientId: string;
  /** Only this session's alerts; all of the patient's sessions when absent. */
  sessionId?: string;
  from?: number;
  to?: number;
}

export interface AngleQueryOptions {
  /**
   * Return at most this many points per side: when the range holds more, it is cut into equal buckets starting at
   * the range start and each bucket is returned as its mean angles, timed at the bucket start.
   */
  maxPoints?: number;
}

export interface Extremes {
  min: number;
  max: number;
}

/** One minute of one session's angles (side and exercise kept apart): the downsampled series for trends. */
export interface TrendBucket {
  sessionId: string;
  side: Side;
  exercise?: ExerciseId;
  /** Start of the minute, s (gateway clock; minutes are aligned to t = 0). */
  t: number;
  samples: number;
  flexion: Extremes;
  abduction: Extremes;
  rotation: Extremes;
}

/** How many samples of one frame (by seq) are stored, in stream order (by the time of the frame's first sample). */
export interface SeqCoverage {
  seq: number;
  samples: number;
}

export interface SeriesStoreCounters {
  /** Points acknowledged by the database. */
  written: number;
  /** Points sent again after a failed attempt (inline retries and spool replays). */
  retried: number;
  /** Points given up on: rejected by the database, evicted from a full spool, or lost to a torn spool record. */
  dropped: number;
  /** Points put into the disk spool. */
  spooled: number;
  /** Points delivered from the disk spool. */
  replayed: number;
}

export interface SeriesStoreStatus {
  /** The last exchange with the database succeeded. */
  connected: boolean;
  /** Points waiting in memory for the next batch. */
  queuedPoints: number;
  /** Bytes (and points) waiting in the disk spool; always 0 for a store without a spool. */
  spooledBytes: number;
  spooledPoints: number;
  lastError: { message: string; at: string } | null;
  counters: SeriesStoreCounters;
}

export interface SeriesStore {
  /** Stores every sample of a frame, keyed by (patient, session, role, time). */
  writeImu(ref: SessionRef, frame: ImuFrame): Promise<void>;
  /** Keyed by (patient, session, side, exercise, time). */
  writeAngles(ref: SessionRef, samples: readonly AngleSample[]): Promise<void>;
  /** Keyed by (patient, session, side, exercise, start). */
  writeRep(ref: SessionRef, rep: RepEventPayload): Promise<void>;
  /** Keyed by (patient, session, code, time). */
  writeAlert(ref: SessionRef, alert: AlertPayload): Promise<void>;
  /** Keyed by (patient, session, time): a later state at the same instant replaces the earlier one. */
  writeSessionState(ref: SessionRef, state: SessionStatePayload): Promise<void>;
  /** Resolves when everything written before is stored (or, for InfluxDB while unreachable, durably spooled). */
  flush(): Promise<void>;
  /** Flushes, stops timers and releases the connection; the store cannot be used afterwards. */
  close(): Promise<void>;

  /** A session's angles in [from, to) (s), oldest first. */
  angles(ref: SessionRef, from?: number, to?: number, options?: AngleQueryOptions): Promise<AngleSample[]>;
  /** One sensor's samples in [from, to) (s), oldest first. */
  imu(ref: SessionRef, role: SensorRole, from?: number, to?: number): Promise<StoredImuSample[]>;
  /** A session's reps, by start time. */
  reps(ref: SessionRef): Promise<RepEventPayload[]>;
  /** A patient's (or one session's) alerts in [from, to), oldest first. */
  alerts(query: AlertQuery): Promise<StoredAlert[]>;
  /** A session's state changes, oldest first. */
  sessionStates(ref: SessionRef): Promise<SessionStatePayload[]>;
  /** The per-minute buckets of a patient's angles whose minute starts in [from, to), by time then session. */
  trend(patientId: string, from: number, to: number): Promise<TrendBucket[]>;
  countImuSamples(ref: SessionRef, role: SensorRole): Promise<number>;
  imuSeqCoverage(ref: SessionRef, role: SensorRole): Promise<SeqCoverage[]>;

  status(): SeriesStoreStatus;
}

/** Bad input to a write or a query (an id that could not be a topic id, a non-finite value, …): a caller's bug. */
export class SeriesInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeriesInputError';
  }
}
