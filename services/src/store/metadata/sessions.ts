/**
 * Sessions as the processing service runs them (keyed by patient and MQTT session id: the gateway picks session ids,
 * unique per patient only) and their per-exercise summaries set against the plan.
 */
import { EXERCISE_CATALOGUE, EXERCISE_IDS, SESSION_STATES, TOPIC_ID_PATTERN } from '@hipmon/core';
import type { ExerciseId, Side } from '@hipmon/core';
import type { StoreContext } from './database.js';
import { MetadataError, translateSqliteError } from './errors.js';
import type { PlanStore } from './plans.js';
import type {
  ExerciseOutcome,
  ExerciseSummary,
  PeakRomByPlane,
  PlanVersion,
  SessionRecord,
  SessionState,
  UnixMs,
} from './types.js';
import type { UserStore } from './users.js';
import {
  checkInt,
  checkNumber,
  checkObject,
  checkOneOf,
  checkString,
  checkUnixMs,
  invalid,
  optional,
} from './validate.js';

export interface NewSession {
  patientId: string;
  sessionId: string;
  side: Side;
  startedAt: UnixMs;
  gatewayId?: string | null;
}

export interface SessionSummaryInput {
  patientId: string;
  sessionId: string;
  exercises: ExerciseSummary[];
}

export interface SessionTotals {
  repsDone: number;
  repsPrescribed: number;
  /** reps done counted up to each exercise's prescription: extra reps of one exercise do not make up for another */
  creditedReps: number;
  partialReps: number;
  timeUnderTensionS: number;
  holdTimeS: number;
}

export interface SessionReport {
  session: SessionRecord;
  durationS: number | null;
  exercises: ExerciseOutcome[];
  totals: SessionTotals;
  alertsCount: number;
}

const MAX_COUNT = 10_000;
const MAX_SECONDS = 86_400;
const checkSessionId = (value: unknown) =>
  checkString(value, 'sessionId', { min: 1, max: 64, pattern: TOPIC_ID_PATTERN });

const SESSION_COLUMNS = `s.patient_id AS patientId, s.id, s.gateway_id AS gatewayId, s.side, s.started_at AS startedAt,
  s.ended_at AS endedAt, s.state, s.plan_version AS planVersion`;

export function checkExerciseSummary(value: unknown, path: string): ExerciseSummary {
  const fields = checkObject(value, path, [
    'exercise',
    'setsDone',
    'repsDone',
    'partialReps',
    'peakRomDeg',
    'timeUnderTensionS',
    'holdTimeS',
  ]);
  const peaks = checkObject(fields.peakRomDeg, `${path}.peakRomDeg`, ['sagittal', 'frontal', 'transverse']);
  const peak = (plane: keyof PeakRomByPlane) =>
    optional(peaks[plane], (v) => checkNumber(v, `${path}.peakRomDeg.${plane}`, { min: 0, max: 360 }));
  return {
    exercise: checkOneOf(fields.exercise, `${path}.exercise`, EXERCISE_IDS),
    setsDone: checkInt(fields.setsDone, `${path}.setsDone`, 0, MAX_COUNT),
    repsDone: checkInt(fields.repsDone, `${path}.repsDone`, 0, MAX_COUNT),
    partialReps: checkInt(fields.partialReps, `${path}.partialReps`, 0, MAX_COUNT),
    peakRomDeg: { sagittal: peak('sagittal'), frontal: peak('frontal'), transverse: peak('transverse') },
    timeUnderTensionS: checkNumber(fields.timeUnderTensionS, `${path}.timeUnderTensionS`, { min: 0, max: MAX_SECONDS }),
    holdTimeS: checkNumber(fields.holdTimeS, `${path}.holdTimeS`, { min: 0, max: MAX_SECONDS }),
  };
}

const emptySummary = (exercise: ExerciseId): ExerciseSummary => ({
  exercise,
  setsDone: 0,
  repsDone: 0,
  partialReps: 0,
  peakRomDeg: { sagittal: null, frontal: null, transverse: null },
  timeUnderTensionS: 0,
  holdTimeS: 0,
});

/**
 * Each exercise of the session against its prescription: the plan's exercises in plan order (done or not), then
 * exercises done outside the plan in catalogue order.
 */
export function outcomesAgainstPlan(plan: PlanVersion | null, done: readonly ExerciseSummary[]): ExerciseOutcome[] {
  const byExercise = new Map(done.map((s) => [s.exercise, s]));
  const planned = (plan?.items ?? []).map((item) => ({
    ...(byExercise.get(item.exercise) ?? emptySummary(item.exercise)),
    prescribedSets: item.sets,
    prescribedReps: item.sets * item.reps,
  }));
  const inPlan = new Set(planned.map((o) => o.exercise));
  const extra = EXERCISE_IDS.filter((id) => byExercise.has(id) && !inPlan.has(id)).map((id) => ({
    ...byExercise.get(id)!,
    prescribedSets: 0,
    prescribedReps: 0,
  }));
  return [...planned, ...extra];
}

export function totalsOf(outcomes: readonly ExerciseOutcome[]): SessionTotals {
  const sum = (f: (o: ExerciseOutcome) => number) => outcomes.reduce((acc, o) => acc + f(o), 0);
  return {
    repsDone: sum((o) => o.repsDone),
    repsPrescribed: sum((o) => o.prescribedReps),
    creditedReps: sum((o) => Math.min(o.repsDone, o.prescribedReps)),
    partialReps: sum((o) => o.partialReps),
    timeUnderTensionS: sum((o) => o.timeUnderTensionS),
    holdTimeS: sum((o) => o.holdTimeS),
  };
}

interface SummaryRow {
  exercise: ExerciseId;
  setsDone: number;
  repsDone: number;
  partialReps: number;
  sagittal: number | null;
  frontal: number | null;
  transverse: number | null;
  timeUnderTensionS: number;
  holdTimeS: number;
}

const fromSummaryRow = ({ sagittal, frontal, transverse, ...rest }: SummaryRow): ExerciseSummary => ({
  ...rest,
  peakRomDeg: { sagittal, frontal, transverse },
});

export function createSessionStore({ db, now }: StoreContext, users: UserStore, plans: PlanStore) {
  const insertSession = db.prepare(`INSERT INTO sessions (patient_id, id, gateway_id, side, started_at, state,
      plan_version)
    VALUES (@patientId, @sessionId, @gatewayId, @side, @startedAt, 'idle', @planVersion)`);
  const selectSession = db.prepare(`SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.patient_id = ? AND s.id = ?`);
  const updateState = db.prepare(`UPDATE sessions SET state = @state,
      ended_at = CASE WHEN @state = 'ended' THEN @at ELSE ended_at END
    WHERE patient_id = @patientId AND id = @sessionId`);
  const deleteSummaries = db.prepare('DELETE FROM session_exercise_summaries WHERE patient_id = ? AND session_id = ?');
  const insertSummary = db.prepare(`INSERT INTO session_exercise_summaries (patient_id, session_id, exercise,
      sets_done, reps_done, partial_reps, peak_rom_sagittal_deg, peak_rom_frontal_deg, peak_rom_transverse_deg,
      time_under_tension_s, hold_time_s)
    VALUES (@patientId, @sessionId, @exercise, @setsDone, @repsDone, @partialReps, @sagittal, @frontal, @transverse,
      @timeUnderTensionS, @holdTimeS)`);
  const selectSummaries = db.prepare(`SELECT exercise, sets_done AS setsDone, reps_done AS repsDone,
      partial_reps AS partialReps, peak_rom_sagittal_deg AS sagittal, peak_rom_frontal_deg AS frontal,
      peak_rom_transverse_deg AS transverse, time_under_tension_s AS timeUnderTensionS, hold_time_s AS holdTimeS
    FROM session_exercise_summaries WHERE patient_id = ? AND session_id = ?`);
  const countAlerts = db.prepare('SELECT count(*) AS n FROM alerts WHERE patient_id = ? AND session_id = ?');

  function getSession(patientId: string, sessionId: string): SessionRecord | null {
    users.requirePatient(patientId);
    return (selectSession.get(patientId, checkSessionId(sessionId)) as SessionRecord | undefined) ?? null;
  }

  function requireSession(patientId: string, sessionId: string): SessionRecord {
    const session = getSession(patientId, sessionId);
    if (!session)
      throw new MetadataError('not_found', `patient ${patientId} has no session ${JSON.stringify(sessionId)}`);
    return session;
  }

  function setSessionState(
    patientId: string,
    sessionId: string,
    state: SessionState,
    at: UnixMs = now(),
  ): SessionRecord {
    const session = requireSession(patientId, sessionId);
    const next = checkOneOf(state, 'state', SESSION_STATES);
    const when = checkUnixMs(at, 'at');
    if (session.state === 'ended') throw new MetadataError('conflict', `session ${sessionId} has already ended`);
    if (next === 'ended' && when < session.startedAt) invalid('at', 'a session cannot end before it started');
    updateState.run({ patientId, sessionId, state: next, at: when });
    return requireSession(patientId, sessionId);
  }

  /** The session with each exercise against its prescription, the totals and the number of alerts. */
  function sessionReport(patientId: string, sessionId: string): SessionReport {
    const session = requireSession(patientId, sessionId);
    const plan = session.planVersion === null ? null : plans.planVersion(session.patientId, session.planVersion);
    const done = (selectSummaries.all(session.patientId, session.id) as SummaryRow[]).map(fromSummaryRow);
    const exercises = outcomesAgainstPlan(plan, done);
    return {
      session,
      durationS: session.endedAt === null ? null : (session.endedAt - session.startedAt) / 1000,
      exercises,
      totals: totalsOf(exercises),
      alertsCount: (countAlerts.get(session.patientId, session.id) as { n: number }).n,
    };
  }

  return {
    /** Opens a session (state idle) under the plan version in force at its start. */
    startSession(input: NewSession): SessionRecord {
      const fields = checkObject(input, 'session', ['patientId', 'sessionId', 'side', 'startedAt', 'gatewayId']);
      const patient = users.requirePatient(fields.patientId as string);
      const sessionId = checkSessionId(fields.sessionId);
      const side = checkOneOf(fields.side, 'session.side', ['left', 'right'] as const);
      const startedAt = checkUnixMs(fields.startedAt, 'session.startedAt');
      const gatewayId = optional(fields.gatewayId, (v) =>
        checkString(v, 'session.gatewayId', { min: 1, max: 64, pattern: TOPIC_ID_PATTERN }),
      );
      db.transaction(() => {
        const plan = plans.planInForceAt(patient.id, startedAt);
        try {
          insertSession.run({
            patientId: patient.id,
            sessionId,
            gatewayId,
            side,
            startedAt,
            planVersion: plan?.version ?? null,
          });
        } catch (error) {
          translateSqliteError(error, `session ${sessionId} of patient ${patient.id}`);
        }
      }).immediate();
      return requireSession(patient.id, sessionId);
    },

    getSession,
    requireSession,
    setSessionState,

    endSession(patientId: string, sessionId: string, endedAt: UnixMs = now()): SessionRecord {
      return setSessionState(patientId, sessionId, 'ended', endedAt);
    },

    /** Stores the session's summary, replacing any earlier one (the service may re-summarise after late data). */
    recordSessionSummary(input: SessionSummaryInput): SessionReport {
      const fields = checkObject(input, 'summary', ['patientId', 'sessionId', 'exercises']);
      const session = requireSession(fields.patientId as string, fields.sessionId as string);
      if (!Array.isArray(fields.exercises) || fields.exercises.length > EXERCISE_IDS.length) {
        invalid('summary.exercises', `must be a list of at most ${EXERCISE_IDS.length} exercises`);
      }
      const summaries = fields.exercises.map((e, i) => checkExerciseSummary(e, `summary.exercises[${i}]`));
      const seen = new Set<ExerciseId>();
      summaries.forEach((s, i) => {
        if (seen.has(s.exercise)) invalid(`summary.exercises[${i}].exercise`, `${s.exercise} appears twice`);
        seen.add(s.exercise);
      });
      db.transaction(() => {
        deleteSummaries.run(session.patientId, session.id);
        for (const s of summaries) {
          insertSummary.run({
            patientId: session.patientId,
            sessionId: session.id,
            exercise: s.exercise,
            setsDone: s.setsDone,
            repsDone: s.repsDone,
            partialReps: s.partialReps,
            ...s.peakRomDeg,
            timeUnderTensionS: s.timeUnderTensionS,
            holdTimeS: s.holdTimeS,
          });
        }
      }).immediate();
      return sessionReport(session.patientId, session.id);
    },

    exerciseSummaries(patientId: string, sessionId: string): ExerciseSummary[] {
      const session = requireSession(patientId, sessionId);
      return (selectSummaries.all(session.patientId, session.id) as SummaryRow[]).map(fromSummaryRow);
    },

    sessionReport,
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;

/** The plane an exercise's progress is measured in: the plane of its primary motion. */
export const progressPlane = (exercise: ExerciseId) => EXERCISE_CATALOGUE[exercise].primary.plane;
