/**
 * Gateways (one per home) as the processing service hears of them: the retained status messages and the arrival of
 * their data. "Last seen" moves only on evidence the gateway itself is alive (an online status, a frame), never on
 * the broker's offline will.
 */
import { TOPIC_ID_PATTERN, gatewayStatusPayloadSchema } from '@hipmon/core';
import type { GatewayStatusPayload } from '@hipmon/core';
import type { StoreContext } from './database.js';
import { MetadataError } from './errors.js';
import type { GatewayRecord, UnixMs } from './types.js';
import type { UserStore } from './users.js';
import { checkString, checkUnixMs, invalid } from './validate.js';

export interface GatewayStatusUpdate {
  patientId: string;
  gatewayId: string;
  status: GatewayStatusPayload;
  /** service clock when the status arrived */
  at: UnixMs;
}

interface GatewayRow extends Omit<GatewayRecord, 'sensors'> {
  sensorsJson: string;
}

const checkGatewayId = (value: unknown) =>
  checkString(value, 'gatewayId', { min: 1, max: 64, pattern: TOPIC_ID_PATTERN });

// The later of the stored and the new time; either may be NULL (SQLite's two-argument max() is NULL then).
const LATER_SEEN = 'coalesce(max(last_seen_at, excluded.last_seen_at), last_seen_at, excluded.last_seen_at)';

export function createGatewayStore({ db }: StoreContext, users: UserStore) {
  const COLUMNS = `id, patient_id AS patientId, last_status AS lastStatus, last_status_at AS lastStatusAt, software,
    sensors_json AS sensorsJson, last_seen_at AS lastSeenAt`;
  const selectOne = db.prepare(`SELECT ${COLUMNS} FROM gateways WHERE id = ?`);
  const selectOfPatient = db.prepare(`SELECT ${COLUMNS} FROM gateways WHERE patient_id = ? ORDER BY id`);
  // A gateway reissued to another home reports under its new patient id: it follows, it is not a second gateway.
  const upsertStatus = db.prepare(`INSERT INTO gateways (id, patient_id, last_status, last_status_at, software,
      sensors_json, last_seen_at)
    VALUES (@gatewayId, @patientId, @state, @at, @software, @sensorsJson, @seenAt)
    ON CONFLICT (id) DO UPDATE SET patient_id = excluded.patient_id, last_status = excluded.last_status,
      last_status_at = excluded.last_status_at,
      software = coalesce(excluded.software, software),
      sensors_json = CASE WHEN excluded.last_status = 'online' THEN excluded.sensors_json ELSE sensors_json END,
      last_seen_at = ${LATER_SEEN}`);
  const insertSeen =
    db.prepare(`INSERT INTO gateways (id, patient_id, last_seen_at) VALUES (@gatewayId, @patientId, @at)
    ON CONFLICT (id) DO UPDATE SET patient_id = excluded.patient_id,
      last_seen_at = ${LATER_SEEN}`);

  const toRecord = (row: GatewayRow | undefined): GatewayRecord | null => {
    if (!row) return null;
    const { sensorsJson, ...rest } = row;
    return { ...rest, sensors: JSON.parse(sensorsJson) };
  };

  return {
    /** Stores a gateway's (retained) status message; creates the gateway on its first message. */
    recordGatewayStatus(update: GatewayStatusUpdate): GatewayRecord {
      const gatewayId = checkGatewayId(update?.gatewayId);
      const patient = users.requirePatient(update.patientId);
      const parsed = gatewayStatusPayloadSchema.safeParse(update.status);
      if (!parsed.success)
        invalid('status', parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; '));
      const at = checkUnixMs(update.at, 'at');
      const online = parsed.data.state === 'online';
      upsertStatus.run({
        gatewayId,
        patientId: patient.id,
        state: parsed.data.state,
        at,
        software: parsed.data.software ?? null,
        sensorsJson: JSON.stringify(parsed.data.sensors ?? []),
        seenAt: online ? at : null,
      });
      return toRecord(selectOne.get(gatewayId) as GatewayRow)!;
    },

    /** Data arrived from the gateway at `at` (it is alive even if its status message was lost). */
    markGatewaySeen(patientId: string, gatewayId: string, at: UnixMs): void {
      const id = checkGatewayId(gatewayId);
      const patient = users.requirePatient(patientId);
      const when = checkUnixMs(at, 'at');
      insertSeen.run({ gatewayId: id, patientId: patient.id, at: when });
    },

    getGateway(gatewayId: string): GatewayRecord | null {
      return toRecord(selectOne.get(checkGatewayId(gatewayId)) as GatewayRow | undefined);
    },

    gatewaysOf(patientId: string): GatewayRecord[] {
      users.requirePatient(patientId);
      return (selectOfPatient.all(patientId) as GatewayRow[]).map((row) => toRecord(row)!);
    },

    requireGateway(gatewayId: string): GatewayRecord {
      const gateway = toRecord(selectOne.get(checkGatewayId(gatewayId)) as GatewayRow | undefined);
      if (!gateway) throw new MetadataError('not_found', `no gateway ${JSON.stringify(gatewayId)}`);
      return gateway;
    },
  };
}

export type GatewayStore = ReturnType<typeof createGatewayStore>;
