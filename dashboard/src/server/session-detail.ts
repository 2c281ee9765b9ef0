/**
 * One session as the dashboard shows it: the metadata report (exercises against the plan, totals), the per-rep
 * table, the angles decimated for a chart, holds, compensations and alerts. The caller has already checked that
 * the viewer may see the patient.
 */
import { EXERCISE_CATALOGUE } from '@hipmon/core';
import type { RepEventPayload, SessionStatePayload } from '@hipmon/core';
import type { AlertRecord, AngleSample, MetadataStore, SeriesStore, SessionReport } from '@hipmon/services';

export interface RepRow extends RepEventPayload {
  durationS: number;
  /** the plan's target ROM for this exercise in the session's plan version, if any */
  targetRomDeg: number | null;
}

export interface SessionDetail {
  report: SessionReport;
  reps: RepRow[];
  /** hold exercises' events (completed holds), also in `reps` */
  holds: RepRow[];
  /** alerts of code `compensation` (trunk lean, hip hiking, …), also in `alerts` */
  compensations: AlertRecord[];
  alerts: AlertRecord[];
  states: SessionStatePayload[];
  angles: AngleSample[];
}

export const DEFAULT_CHART_POINTS = 1500;

export async function loadSessionDetail(
  metadata: MetadataStore,
  series: SeriesStore,
  patientId: string,
  sessionId: string,
  maxPoints = DEFAULT_CHART_POINTS,
): Promise<SessionDetail> {
  const report = metadata.sessionReport(patientId, sessionId);
  const plan = report.session.planVersion === null ? null : metadata.planVersion(patientId, report.session.planVersion);
  const targets = new Map(plan?.items.map((i) => [i.exercise, i.targetRomDeg]) ?? []);
  const ref = { patientId, sessionId };
  const [reps, states, angles] = await Promise.all([
    series.reps(ref),
    series.sessionStates(ref),
    series.angles(ref, undefined, undefined, { maxPoints }),
  ]);
  const rows = reps.map((r) => ({ ...r, durationS: r.end - r.start, targetRomDeg: targets.get(r.exercise) ?? null }));
  const alerts = metadata.alertsOfSession(patientId, sessionId);
  return {
    report,
    reps: rows,
    holds: rows.filter((r) => EXERCISE_CATALOGUE[r.exercise].kind === 'hold'),
    compensations: alerts.filter((a) => a.kind === 'compensation'),
    alerts,
    states,
    angles,
  };
}
