/**
 * The MQTT topic tree, version 1. Every topic starts with `hipmon/v1/<kind>/<patientId>/…`, so one ACL pattern per
 * patient covers everything a home may touch, and a worker pool can be partitioned by patient.
 * Directions, QoS, retain flags and payloads are documented in docs/protocol.md.
 */
import { WireError } from './errors.js';
import { isSensorRole } from './types.js';
import type { SensorRole } from './types.js';

export const TOPIC_PREFIX = 'hipmon/v1';
/** Patient, session and gateway ids: never `+`, `#` or `/`, so they cannot change the meaning of a topic. */
export const TOPIC_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const isTopicId = (value: unknown): value is string => typeof value === 'string' && TOPIC_ID_PATTERN.test(value);

export type ParsedTopic =
  | { kind: 'imu'; patientId: string; sessionId: string; role: SensorRole }
  | { kind: 'angles'; patientId: string; sessionId: string }
  | { kind: 'reps'; patientId: string; sessionId: string }
  | { kind: 'alerts'; patientId: string; sessionId: string }
  | { kind: 'session_state'; patientId: string; sessionId: string }
  | { kind: 'control'; patientId: string; sessionId: string }
  | { kind: 'plan'; patientId: string }
  | { kind: 'gateway_status'; patientId: string; gatewayId: string };

export type TopicKind = ParsedTopic['kind'];
export type MqttQos = 0 | 1 | 2;

/** Live streams of a session and the last topic segment that names them. */
const LIVE_SEGMENTS = { angles: 'angles', reps: 'reps', alerts: 'alerts', session_state: 'state' } as const;
type LiveKind = keyof typeof LIVE_SEGMENTS;
// A Map, not an object literal: a segment like "constructor" must not find an inherited property.
const LIVE_KIND_BY_SEGMENT: ReadonlyMap<string, LiveKind> = new Map(
  Object.entries(LIVE_SEGMENTS).map(([kind, segment]) => [segment, kind as LiveKind]),
);

/**
 * Loss tolerance decides the QoS: a dropped 25 Hz angle is invisible (QoS 0), a lost IMU frame, rep, alert, state,
 * status, plan or command is not (QoS 1). QoS 2 is never needed: the service dedupes IMU frames by seq itself.
 */
export const TOPIC_QOS: Readonly<Record<TopicKind, MqttQos>> = {
  imu: 1,
  angles: 0,
  reps: 1,
  alerts: 1,
  session_state: 1,
  control: 1,
  plan: 1,
  gateway_status: 1,
};

/** Retained = the latest value is what a late subscriber needs (current state, current plan, online/offline). */
export const TOPIC_RETAINED: Readonly<Record<TopicKind, boolean>> = {
  imu: false,
  angles: false,
  reps: false,
  alerts: false,
  session_state: true,
  control: false,
  plan: true,
  gateway_status: true,
};

function checkId(value: string, what: string): string {
  if (!isTopicId(value)) {
    throw new WireError(
      'bad_topic_id',
      `${what} ${JSON.stringify(String(value).slice(0, 80))} must match [A-Za-z0-9_-]{1,64}`,
    );
  }
  return value;
}

/** The topic for a parsed description; throws WireError('bad_topic_id') for an id that is not allowed. */
export function buildTopic(topic: ParsedTopic): string {
  const patient = checkId(topic.patientId, 'patientId');
  switch (topic.kind) {
    case 'imu':
      if (!isSensorRole(topic.role))
        throw new WireError('bad_role', `unknown sensor role ${JSON.stringify(topic.role)}`);
      return `${TOPIC_PREFIX}/imu/${patient}/${checkId(topic.sessionId, 'sessionId')}/${topic.role}`;
    case 'angles':
    case 'reps':
    case 'alerts':
    case 'session_state':
      return `${TOPIC_PREFIX}/live/${patient}/${checkId(topic.sessionId, 'sessionId')}/${LIVE_SEGMENTS[topic.kind]}`;
    case 'control':
      return `${TOPIC_PREFIX}/control/${patient}/${checkId(topic.sessionId, 'sessionId')}`;
    case 'plan':
      return `${TOPIC_PREFIX}/plan/${patient}`;
    case 'gateway_status':
      return `${TOPIC_PREFIX}/gateway/${patient}/${checkId(topic.gatewayId, 'gatewayId')}/status`;
  }
}

/** The parsed form of a concrete topic, or null for anything that is not a valid v1 topic (wildcards included). */
export function parseTopic(topic: string): ParsedTopic | null {
  if (typeof topic !== 'string' || !topic.startsWith(`${TOPIC_PREFIX}/`)) return null;
  const parts = topic.slice(TOPIC_PREFIX.length + 1).split('/');
  const [kind, patientId, a, b] = parts;
  if (!isTopicId(patientId)) return null;
  switch (kind) {
    case 'imu':
      return parts.length === 4 && isTopicId(a) && isSensorRole(b)
        ? { kind: 'imu', patientId, sessionId: a, role: b }
        : null;
    case 'live': {
      const liveKind = parts.length === 4 && isTopicId(a) ? LIVE_KIND_BY_SEGMENT.get(b!) : undefined;
      return liveKind ? { kind: liveKind, patientId, sessionId: a! } : null;
    }
    case 'control':
      return parts.length === 3 && isTopicId(a) ? { kind: 'control', patientId, sessionId: a } : null;
    case 'plan':
      return parts.length === 2 ? { kind: 'plan', patientId } : null;
    case 'gateway':
      return parts.length === 4 && isTopicId(a) && b === 'status'
        ? { kind: 'gateway_status', patientId, gatewayId: a }
        : null;
    default:
      return null;
  }
}

export const imuTopic = (patientId: string, sessionId: string, role: SensorRole): string =>
  buildTopic({ kind: 'imu', patientId, sessionId, role });
export const anglesTopic = (patientId: string, sessionId: string): string =>
  buildTopic({ kind: 'angles', patientId, sessionId });
export const repsTopic = (patientId: string, sessionId: string): string =>
  buildTopic({ kind: 'reps', patientId, sessionId });
export const alertsTopic = (patientId: string, sessionId: string): string =>
  buildTopic({ kind: 'alerts', patientId, sessionId });
export const sessionStateTopic = (patientId: string, sessionId: string): string =>
  buildTopic({ kind: 'session_state', patientId, sessionId });
export const controlTopic = (patientId: string, sessionId: string): string =>
  buildTopic({ kind: 'control', patientId, sessionId });
export const planTopic = (patientId: string): string => buildTopic({ kind: 'plan', patientId });
export const gatewayStatusTopic = (patientId: string, gatewayId: string): string =>
  buildTopic({ kind: 'gateway_status', patientId, gatewayId });

/** What the processing service subscribes to (all patients). */
export const SERVICE_SUBSCRIPTIONS = {
  imu: `${TOPIC_PREFIX}/imu/+/+/+`,
  control: `${TOPIC_PREFIX}/control/+/+`,
  gatewayStatus: `${TOPIC_PREFIX}/gateway/+/+/status`,
} as const;

/** Live outputs of every session, of one patient's sessions, or of one session (dashboards). */
export function liveFilter(patientId?: string, sessionId?: string): string {
  if (patientId === undefined) return `${TOPIC_PREFIX}/live/+/+/+`;
  const patient = checkId(patientId, 'patientId');
  return `${TOPIC_PREFIX}/live/${patient}/${sessionId === undefined ? '+' : checkId(sessionId, 'sessionId')}/+`;
}

/** What a patient's gateway subscribes to: its plan, and the live feedback of its sessions (to show the patient). */
export const gatewaySubscriptions = (patientId: string): string[] => [planTopic(patientId), liveFilter(patientId)];

/**
 * MQTT v5 shared subscription: the broker spreads messages over the members of `group` (a worker pool).
 * Mosquitto ≥ 2, EMQX, HiveMQ and VerneMQ support it; aedes does not.
 */
export const sharedSubscription = (group: string, filter: string): string =>
  `$share/${checkId(group, 'group')}/${filter}`;
