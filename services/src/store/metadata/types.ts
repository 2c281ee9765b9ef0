/**
 * The metadata store's records, as its functions return them. Instants are Unix time in milliseconds (`UnixMs`,
 * the service's clock); calendar dates (surgery) are `YYYY-MM-DD` strings because they are days, not instants;
 * angles are degrees with the clinical signs of the design brief.
 */
import type { ExerciseId, HipAngleName, MotionPlane, SessionStatePayload, Side } from '@hipmon/core';

export type UnixMs = number;

export const USER_ROLES = ['admin', 'therapist', 'patient'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export interface User {
  id: number;
  role: UserRole;
  /** null only for patients who never log in themselves */
  login: string | null;
  email: string | null;
  displayName: string;
  createdAt: UnixMs;
  disabledAt: UnixMs | null;
}

/** Only the login path sees the hash. */
export interface UserCredentials extends User {
  passwordHash: string | null;
}

export const SURGERY_TYPES = [
  'tha_posterior',
  'tha_anterior',
  'tha_lateral',
  'hemiarthroplasty',
  'hip_resurfacing',
  'hip_fracture_fixation',
  'other',
] as const;
export type SurgeryType = (typeof SURGERY_TYPES)[number];

export interface Patient {
  /** the MQTT patient id, `[A-Za-z0-9_-]{1,64}` */
  id: string;
  userId: number;
  displayName: string;
  treatedSide: Side;
  surgeryType: SurgeryType;
  /** `YYYY-MM-DD` */
  surgeryDate: string | null;
  notes: string;
}

export interface AngleBounds {
  min?: number;
  max?: number;
}
export type AngleLimits = Partial<Record<HipAngleName, AngleBounds>>;

export interface Precautions {
  /** the preset the limits started from (e.g. posterior_tha), or null */
  preset: string | null;
  /** the effective limits: the preset's, with the custom bounds applied over them */
  limits: AngleLimits;
}

export interface PlanItem {
  position: number;
  exercise: ExerciseId;
  sets: number;
  /** repetitions per set; holds per set for a hold exercise */
  reps: number;
  targetRomDeg: number | null;
  /** hold exercise: each hold; rep exercise: still time at the top of each repetition */
  holdSeconds: number | null;
  /** seconds per repetition (up, top, down; pauses excluded) */
  tempoSeconds: number | null;
  notes: string;
}

export interface PlanVersion {
  patientId: string;
  version: number;
  createdAt: UnixMs;
  createdBy: number;
  sessionsPerWeek: number;
  precautions: Precautions;
  notes: string;
  items: PlanItem[];
}

export interface GatewayRecord {
  id: string;
  patientId: string;
  lastStatus: 'online' | 'offline' | null;
  lastStatusAt: UnixMs | null;
  software: string | null;
  /** the last status's sensors, as the gateway reported them */
  sensors: { role: string; sensorId?: string; connected: boolean; batteryPct?: number; rssiDbm?: number }[];
  lastSeenAt: UnixMs | null;
}

export type SessionState = SessionStatePayload['state'];

export interface SessionRecord {
  patientId: string;
  /** the MQTT session id (unique per patient, chosen by the gateway) */
  id: string;
  gatewayId: string | null;
  side: Side;
  startedAt: UnixMs;
  endedAt: UnixMs | null;
  state: SessionState;
  /** the plan version in force when the session started (null: the patient had no plan) */
  planVersion: number | null;
}

export type PeakRomByPlane = Record<MotionPlane, number | null>;

/** What was done of one exercise in one session. */
export interface ExerciseSummary {
  exercise: ExerciseId;
  setsDone: number;
  /** full repetitions; completed holds for a hold exercise */
  repsDone: number;
  /** repetitions that stopped short of the range, holds released early */
  partialReps: number;
  /** largest excursion from the start position seen in each plane (degrees, ≥ 0) */
  peakRomDeg: PeakRomByPlane;
  timeUnderTensionS: number;
  /** total time held still at the top (rep exercises) or in the stretch (hold exercises) */
  holdTimeS: number;
}

/** An exercise of a session set against its prescription (the session's plan version). */
export interface ExerciseOutcome extends ExerciseSummary {
  prescribedSets: number;
  /** sets × reps of the plan item; 0 when the exercise was not in the plan */
  prescribedReps: number;
}

export const ALERT_LEVELS = ['info', 'warning', 'critical'] as const;
export type AlertLevel = (typeof ALERT_LEVELS)[number];

export interface AlertRecord {
  id: number;
  patientId: string;
  sessionId: string;
  at: UnixMs;
  /** gateway clock, s, when the alert's data was measured */
  t: number | null;
  level: AlertLevel;
  /** snake_case code of the wire alert, e.g. rom_above_limit */
  kind: string;
  angle: HipAngleName | null;
  valueDeg: number | null;
  limitDeg: number | null;
  message: string;
  acknowledgedBy: number | null;
  acknowledgedAt: UnixMs | null;
}
