/**
 * What the dashboard reads. Every query takes the viewing user first and answers only about patients that user may
 * see (users.ts states the rule): lists leave the others out, single-patient queries throw
 * MetadataError('forbidden'). The dashboard cannot forget the check because there is no unchecked variant here.
 */
import { EXERCISE_IDS } from '@hipmon/core';
import type { ExerciseId, MotionPlane } from '@hipmon/core';
import type { StoreContext } from './database.js';
import type { PlanStore } from './plans.js';
import { progressPlane } from './sessions.js';
import type { SessionReport, SessionStore } from './sessions.js';
import type { AlertRecord, Patient, SessionRecord, UnixMs } from './types.js';
import { VISIBLE_TO_VIEWER, checkPatientId } from './users.js';
import type { UserStore } from './users.js';
import { WEEK_MS, postOpWeek, postOpWeekStart, weekStartOf } from './time.js';
import { checkInt, checkObject, checkOneOf, checkUnixMs, invalid, optional } from './validate.js';

export interface WeeklyAdherence {
  weekStart: UnixMs;
  /** exclusive */
  weekEnd: UnixMs;
  /** the plan version in force at the end of the week: the prescription the week is measured against */
  planVersion: number | null;
  sessionsDone: number;
  sessionsPrescribed: number;
  /**
   * Repetitions done in the week's sessions, each exercise counted up to what that session's plan prescribed
   * (ten extra bridges do not make up for skipped clamshells; exercises outside the plan do not count).
   */
  repsDone: number;
  /** sessions per week × the plan's sets × reps summed over its exercises */
  repsPrescribed: number;
  /** done / prescribed, null without a plan */
  sessionRatio: number | null;
  repRatio: number | null;
}

export interface PatientListEntry {
  patient: Patient;
  lastSession: SessionRecord | null;
  adherence: WeeklyAdherence;
  openAlerts: number;
}

export interface OpenAlert extends AlertRecord {
  patientName: string;
}

export interface ProgressPoint {
  sessionId: string;
  startedAt: UnixMs;
  /** peak ROM of the session in the exercise's primary plane, degrees */
  peakRomDeg: number;
  /** the target of the session's plan for this exercise, when one was prescribed */
  targetRomDeg: number | null;
  /** weeks since surgery (0 = the first seven days), when the surgery date is known */
  postOpWeek: number | null;
}

export interface ProgressWeek {
  weekStart: UnixMs;
  /** set when weeks are counted from the surgery date */
  postOpWeek: number | null;
  sessions: number;
  bestPeakRomDeg: number;
  meanPeakRomDeg: number;
}

export interface ExerciseProgress {
  exercise: ExerciseId;
  plane: MotionPlane;
  points: ProgressPoint[];
  weeks: ProgressWeek[];
}

export interface ProgressOptions {
  exercise?: ExerciseId;
  from?: UnixMs;
  /** exclusive */
  to?: UnixMs;
  /** 'calendar': Monday-to-Sunday weeks (default); 'post_op': weeks counted from the surgery date */
  weekBasis?: 'calendar' | 'post_op';
  utcOffsetMinutes?: number;
}

interface ProgressRow {
  exercise: ExerciseId;
  sessionId: string;
  startedAt: UnixMs;
  sagittal: number | null;
  frontal: number | null;
  transverse: number | null;
  targetRomDeg: number | null;
}

export function createDashboardQueries(
  { db }: StoreContext,
  users: UserStore,
  plans: PlanStore,
  sessions: SessionStore,
) {
  const selectLastSession = db.prepare(`SELECT patient_id AS patientId, id, gateway_id AS gatewayId, side,
      started_at AS startedAt, ended_at AS endedAt, state, plan_version AS planVersion
    FROM sessions WHERE patient_id = ? ORDER BY started_at DESC, id DESC LIMIT 1`);
  const selectSessionsBetween = db.prepare(`SELECT id FROM sessions
    WHERE patient_id = ? AND started_at >= ? AND started_at < ? ORDER BY started_at, id`);
  const selectHistory = db.prepare(`SELECT id FROM sessions
    WHERE patient_id = @patientId AND (@before IS NULL OR started_at < @before)
    ORDER BY started_at DESC, id DESC LIMIT @limit`);
  const countOpenAlerts = db.prepare(
    'SELECT count(*) AS n FROM alerts WHERE patient_id = ? AND acknowledged_at IS NULL',
  );
  const selectOpenAlerts = db.prepare(`SELECT a.id, a.patient_id AS patientId, a.session_id AS sessionId, a.at, a.t,
      a.level, a.kind, a.angle, a.value_deg AS valueDeg, a.limit_deg AS limitDeg, a.message,
      a.acknowledged_by AS acknowledgedBy, a.acknowledged_at AS acknowledgedAt, u.display_name AS patientName
    FROM alerts a JOIN patients p ON p.id = a.patient_id JOIN users u ON u.id = p.user_id
    WHERE a.acknowledged_at IS NULL AND (@patientId IS NULL OR a.patient_id = @patientId) AND ${VISIBLE_TO_VIEWER}
    ORDER BY a.at DESC, a.id DESC LIMIT @limit`);
  const selectProgress = db.prepare(`SELECT e.exercise, s.id AS sessionId, s.started_at AS startedAt,
      e.peak_rom_sagittal_deg AS sagittal, e.peak_rom_frontal_deg AS frontal,
      e.peak_rom_transverse_deg AS transverse, i.target_rom_deg AS targetRomDeg
    FROM session_exercise_summaries e
    JOIN sessions s ON s.patient_id = e.patient_id AND s.id = e.session_id
    LEFT JOIN plan_items i ON i.patient_id = s.patient_id AND i.version = s.plan_version AND i.exercise = e.exercise
    WHERE e.patient_id = @patientId AND (@exercise IS NULL OR e.exercise = @exercise)
      AND (@from IS NULL OR s.started_at >= @from) AND (@to IS NULL OR s.started_at < @to)
    ORDER BY s.started_at, s.id`);

  function adherenceOf(patientId: string, weekStart: UnixMs): WeeklyAdherence {
    const weekEnd = weekStart + WEEK_MS;
    const plan = plans.planInForceAt(patientId, weekEnd - 1);
    const reports = (selectSessionsBetween.all(patientId, weekStart, weekEnd) as { id: string }[]).map((s) =>
      sessions.sessionReport(patientId, s.id),
    );
    const sessionsPrescribed = plan?.sessionsPerWeek ?? 0;
    const repsPerSession = (plan?.items ?? []).reduce((acc, item) => acc + item.sets * item.reps, 0);
    const repsPrescribed = sessionsPrescribed * repsPerSession;
    const repsDone = reports.reduce((acc, r) => acc + r.totals.creditedReps, 0);
    return {
      weekStart,
      weekEnd,
      planVersion: plan?.version ?? null,
      sessionsDone: reports.length,
      sessionsPrescribed,
      repsDone,
      repsPrescribed,
      sessionRatio: plan ? reports.length / sessionsPrescribed : null,
      repRatio: plan ? repsDone / repsPrescribed : null,
    };
  }

  return {
    /** The viewer's patients by name, each with their last session, this week's adherence and open alerts. */
    patientList(viewerId: number, options: { weekStart: UnixMs }): PatientListEntry[] {
      const weekStart = checkUnixMs(checkObject(options, 'options', ['weekStart']).weekStart, 'options.weekStart');
      return users.patientsVisibleTo(viewerId).map((patient) => ({
        patient,
        lastSession: (selectLastSession.get(patient.id) as SessionRecord | undefined) ?? null,
        adherence: adherenceOf(patient.id, weekStart),
        openAlerts: (countOpenAlerts.get(patient.id) as { n: number }).n,
      }));
    },

    /** Adherence over the week [weekStart, weekStart + 7 days); see `weekStartOf` for this week's start. */
    weeklyAdherence(viewerId: number, patientId: string, weekStart: UnixMs): WeeklyAdherence {
      users.assertCanSeePatient(viewerId, patientId);
      return adherenceOf(patientId, checkUnixMs(weekStart, 'weekStart'));
    },

    /** Unacknowledged alerts of the viewer's patients (or of one of them), newest first. */
    openAlerts(viewerId: number, options: { patientId?: string; limit?: number } = {}): OpenAlert[] {
      const fields = checkObject(options, 'options', ['patientId', 'limit']);
      const patientId = optional(fields.patientId, (v) => checkPatientId(v, 'options.patientId'));
      if (patientId !== null) users.assertCanSeePatient(viewerId, patientId);
      const limit = optional(fields.limit, (v) => checkInt(v, 'options.limit', 1, 1000)) ?? 100;
      return selectOpenAlerts.all({ viewer: viewerId, patientId, limit }) as OpenAlert[];
    },

    /** The patient's sessions, newest first, each set against its plan version. */
    sessionHistory(
      viewerId: number,
      patientId: string,
      options: { limit?: number; before?: UnixMs } = {},
    ): SessionReport[] {
      users.assertCanSeePatient(viewerId, patientId);
      const fields = checkObject(options, 'options', ['limit', 'before']);
      const limit = optional(fields.limit, (v) => checkInt(v, 'options.limit', 1, 1000)) ?? 50;
      const before = optional(fields.before, (v) => checkUnixMs(v, 'options.before'));
      return (selectHistory.all({ patientId, before, limit }) as { id: string }[]).map((s) =>
        sessions.sessionReport(patientId, s.id),
      );
    },

    /**
     * Peak ROM per session in each exercise's primary plane, and per week the best and mean of those peaks.
     * Sessions whose summary has no peak in that plane are left out.
     */
    exerciseProgress(viewerId: number, patientId: string, options: ProgressOptions = {}): ExerciseProgress[] {
      users.assertCanSeePatient(viewerId, patientId);
      const patient = users.requirePatient(patientId);
      const fields = checkObject(options, 'options', ['exercise', 'from', 'to', 'weekBasis', 'utcOffsetMinutes']);
      const exercise = optional(fields.exercise, (v) => checkOneOf(v, 'options.exercise', EXERCISE_IDS));
      const from = optional(fields.from, (v) => checkUnixMs(v, 'options.from'));
      const to = optional(fields.to, (v) => checkUnixMs(v, 'options.to'));
      const basis =
        optional(fields.weekBasis, (v) => checkOneOf(v, 'options.weekBasis', ['calendar', 'post_op'] as const)) ??
        'calendar';
      const offset = optional(fields.utcOffsetMinutes, (v) => checkInt(v, 'options.utcOffsetMinutes', -720, 840)) ?? 0;
      const surgeryDate = patient.surgeryDate;
      if (basis === 'post_op' && surgeryDate === null) {
        invalid('options.weekBasis', `patient ${patientId} has no surgery date to count post-operative weeks from`);
      }
      const rows = selectProgress.all({ patientId, exercise, from, to }) as ProgressRow[];

      const byExercise = new Map<ExerciseId, ProgressPoint[]>();
      for (const row of rows) {
        const peak = row[progressPlane(row.exercise)];
        if (peak === null) continue;
        const points = byExercise.get(row.exercise) ?? [];
        points.push({
          sessionId: row.sessionId,
          startedAt: row.startedAt,
          peakRomDeg: peak,
          targetRomDeg: row.targetRomDeg,
          postOpWeek: surgeryDate === null ? null : postOpWeek(row.startedAt, surgeryDate, offset),
        });
        byExercise.set(row.exercise, points);
      }

      const weekOf = (p: ProgressPoint): { weekStart: UnixMs; postOpWeek: number | null } =>
        basis === 'post_op'
          ? { weekStart: postOpWeekStart(p.postOpWeek!, surgeryDate!, offset), postOpWeek: p.postOpWeek }
          : { weekStart: weekStartOf(p.startedAt, offset), postOpWeek: null };

      return EXERCISE_IDS.filter((id) => byExercise.has(id)).map((id) => {
        const points = byExercise.get(id)!;
        const weeks = new Map<UnixMs, { key: ReturnType<typeof weekOf>; peaks: number[] }>();
        for (const p of points) {
          const key = weekOf(p);
          const week = weeks.get(key.weekStart) ?? { key, peaks: [] };
          week.peaks.push(p.peakRomDeg);
          weeks.set(key.weekStart, week);
        }
        return {
          exercise: id,
          plane: progressPlane(id),
          points,
          weeks: [...weeks.values()].map(({ key, peaks }) => ({
            ...key,
            sessions: peaks.length,
            bestPeakRomDeg: Math.max(...peaks),
            meanPeakRomDeg: peaks.reduce((a, b) => a + b, 0) / peaks.length,
          })),
        };
      });
    },
  };
}

export type DashboardQueries = ReturnType<typeof createDashboardQueries>;
