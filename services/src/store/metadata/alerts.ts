/**
 * Alerts raised during sessions (the `live/…/alerts` messages the processing service publishes), stored with the
 * angle, value and limit behind them, and their acknowledgement by a clinician.
 */
import { HIP_ANGLE_NAMES } from '@hipmon/core';
import type { StoreContext } from './database.js';
import { MetadataError } from './errors.js';
import type { SessionStore } from './sessions.js';
import { ALERT_LEVELS } from './types.js';
import type { AlertLevel, AlertRecord, UnixMs } from './types.js';
import type { UserStore } from './users.js';
import { checkInt, checkNumber, checkObject, checkOneOf, checkString, checkUnixMs, optional } from './validate.js';

export interface NewAlert {
  patientId: string;
  sessionId: string;
  at: UnixMs;
  t?: number | null;
  level: AlertLevel;
  kind: string;
  angle?: 'flexion' | 'abduction' | 'rotation' | null;
  valueDeg?: number | null;
  limitDeg?: number | null;
  message?: string;
}

export function createAlertStore({ db, now }: StoreContext, users: UserStore, sessions: SessionStore) {
  const { requireSession } = sessions;
  const ALERT_COLUMNS = `id, patient_id AS patientId, session_id AS sessionId, at, t, level, kind, angle,
    value_deg AS valueDeg, limit_deg AS limitDeg, message, acknowledged_by AS acknowledgedBy,
    acknowledged_at AS acknowledgedAt`;
  const insertAlert = db.prepare(`INSERT INTO alerts (patient_id, session_id, at, t, level, kind, angle, value_deg,
      limit_deg, message)
    VALUES (@patientId, @sessionId, @at, @t, @level, @kind, @angle, @valueDeg, @limitDeg, @message)`);
  const selectAlert = db.prepare(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = ?`);
  const selectSessionAlerts = db.prepare(
    `SELECT ${ALERT_COLUMNS} FROM alerts WHERE patient_id = ? AND session_id = ? ORDER BY at, id`,
  );
  const updateAck = db.prepare(`UPDATE alerts SET acknowledged_by = @userId, acknowledged_at = @at
    WHERE id = @alertId AND acknowledged_at IS NULL`);

  return {
    recordAlert(input: NewAlert): AlertRecord {
      const fields = checkObject(input, 'alert', [
        'patientId',
        'sessionId',
        'at',
        't',
        'level',
        'kind',
        'angle',
        'valueDeg',
        'limitDeg',
        'message',
      ]);
      const session = requireSession(fields.patientId as string, fields.sessionId as string);
      const id = insertAlert.run({
        patientId: session.patientId,
        sessionId: session.id,
        at: checkUnixMs(fields.at, 'alert.at'),
        t: optional(fields.t, (v) => checkNumber(v, 'alert.t', { min: 0, max: 2 ** 32 })),
        level: checkOneOf(fields.level, 'alert.level', ALERT_LEVELS),
        kind: checkString(fields.kind, 'alert.kind', { max: 64, pattern: /^[a-z][a-z0-9_]*$/ }),
        angle: optional(fields.angle, (v) => checkOneOf(v, 'alert.angle', HIP_ANGLE_NAMES)),
        valueDeg: optional(fields.valueDeg, (v) => checkNumber(v, 'alert.valueDeg', { min: -360, max: 360 })),
        limitDeg: optional(fields.limitDeg, (v) => checkNumber(v, 'alert.limitDeg', { min: -360, max: 360 })),
        message: optional(fields.message, (v) => checkString(v, 'alert.message', { max: 500 })) ?? '',
      }).lastInsertRowid;
      return selectAlert.get(Number(id)) as AlertRecord;
    },

    alertsOfSession(patientId: string, sessionId: string): AlertRecord[] {
      const session = requireSession(patientId, sessionId);
      return selectSessionAlerts.all(session.patientId, session.id) as AlertRecord[];
    },

    /** Marks an alert seen by `userId`, who must be allowed to see the patient. Acknowledging twice is a conflict. */
    acknowledgeAlert(alertId: number, userId: number, at: UnixMs = now()): AlertRecord {
      const alert = selectAlert.get(checkInt(alertId, 'alertId', 1, Number.MAX_SAFE_INTEGER)) as
        AlertRecord | undefined;
      if (!alert) throw new MetadataError('not_found', `no alert ${alertId}`);
      const user = users.requireUser(userId);
      // Acknowledging is a clinician's act: a patient dismissing an alert would hide it from their therapist.
      if (user.role === 'patient') throw new MetadataError('forbidden', `user ${userId} is a patient`);
      users.assertCanSeePatient(userId, alert.patientId);
      const changed = updateAck.run({ alertId, userId, at: checkUnixMs(at, 'at') }).changes;
      if (changed === 0) {
        throw new MetadataError(
          'conflict',
          `alert ${alertId} was already acknowledged by user ${alert.acknowledgedBy}`,
        );
      }
      return selectAlert.get(alertId) as AlertRecord;
    },
  };
}

export type AlertStore = ReturnType<typeof createAlertStore>;
