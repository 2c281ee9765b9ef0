import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WireError } from './errors.js';
import {
  SERVICE_SUBSCRIPTIONS,
  TOPIC_QOS,
  TOPIC_RETAINED,
  alertsTopic,
  anglesTopic,
  buildTopic,
  controlTopic,
  gatewayStatusTopic,
  gatewaySubscriptions,
  imuTopic,
  liveFilter,
  parseTopic,
  planTopic,
  repsTopic,
  sessionStateTopic,
  sharedSubscription,
} from './topics.js';
import type { ParsedTopic, TopicKind } from './topics.js';
import { SENSOR_ROLES } from './types.js';

/** MQTT topic-filter matching (spec §4.7): `+` one level, `#` the rest. Written here as ground truth. */
function matches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

const idArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const parsedTopicArb: fc.Arbitrary<ParsedTopic> = fc.oneof(
  fc.record({
    kind: fc.constant('imu' as const),
    patientId: idArb,
    sessionId: idArb,
    role: fc.constantFrom(...SENSOR_ROLES),
  }),
  fc.record({
    kind: fc.constantFrom(
      'angles' as const,
      'reps' as const,
      'alerts' as const,
      'session_state' as const,
      'control' as const,
    ),
    patientId: idArb,
    sessionId: idArb,
  }),
  fc.record({ kind: fc.constant('plan' as const), patientId: idArb }),
  fc.record({ kind: fc.constant('gateway_status' as const), patientId: idArb, gatewayId: idArb }),
);

const BAD_IDS = ['', '+', '#', 'a/b', 'a+b', 'a#', 'a b', 'é', 'x'.repeat(65), 'a.b', 'a\u0000b'];

describe('topics', () => {
  it('builds the documented topic strings', () => {
    expect(imuTopic('p1', 's1', 'thigh_left')).toBe('hipmon/v1/imu/p1/s1/thigh_left');
    expect(anglesTopic('p1', 's1')).toBe('hipmon/v1/live/p1/s1/angles');
    expect(repsTopic('p1', 's1')).toBe('hipmon/v1/live/p1/s1/reps');
    expect(alertsTopic('p1', 's1')).toBe('hipmon/v1/live/p1/s1/alerts');
    expect(sessionStateTopic('p1', 's1')).toBe('hipmon/v1/live/p1/s1/state');
    expect(controlTopic('p1', 's1')).toBe('hipmon/v1/control/p1/s1');
    expect(planTopic('p1')).toBe('hipmon/v1/plan/p1');
    expect(gatewayStatusTopic('p1', 'gw-1')).toBe('hipmon/v1/gateway/p1/gw-1/status');
  });

  it('parseTopic inverts buildTopic', () => {
    fc.assert(
      fc.property(parsedTopicArb, (topic) => {
        expect(parseTopic(buildTopic(topic))).toEqual(topic);
      }),
      { numRuns: 2000 },
    );
  });

  it('parseTopic of any string is null or a topic that builds back to that exact string', () => {
    const segment = fc.oneof(
      idArb,
      fc.constantFrom('hipmon', 'v1', 'imu', 'live', 'control', 'plan', 'gateway', 'status', 'state', 'angles', 'reps'),
      fc.constantFrom(...SENSOR_ROLES, '+', '#', '', 'constructor', '__proto__', 'toString'),
    );
    const topicLike = fc.oneof(
      fc.array(segment, { maxLength: 8 }).map((parts) => parts.join('/')),
      fc.array(segment, { maxLength: 5 }).map((parts) => ['hipmon', 'v1', ...parts].join('/')),
      fc.string({ unit: 'binary', maxLength: 80 }),
    );
    fc.assert(
      fc.property(topicLike, (text) => {
        const parsed = parseTopic(text);
        if (parsed !== null) expect(buildTopic(parsed)).toBe(text);
      }),
      { numRuns: 10_000 },
    );
  });

  it.each(BAD_IDS)('builders reject the id %j', (bad) => {
    const builders = [
      () => imuTopic(bad, 's', 'pelvis'),
      () => imuTopic('p', bad, 'pelvis'),
      () => anglesTopic('p', bad),
      () => controlTopic(bad, 's'),
      () => planTopic(bad),
      () => gatewayStatusTopic('p', bad),
      () => liveFilter(bad),
      () => sharedSubscription(bad, SERVICE_SUBSCRIPTIONS.imu),
    ];
    for (const build of builders) {
      expect(build).toThrow(WireError);
      expect(build).toThrow(expect.objectContaining({ code: 'bad_topic_id' }));
    }
  });

  it.each([
    'hipmon/v1/imu/p/s/knee',
    'hipmon/v1/imu/p/s',
    'hipmon/v1/imu/p/s/pelvis/extra',
    'hipmon/v1/imu/+/s/pelvis',
    'hipmon/v1/imu/p//pelvis',
    'hipmon/v1/live/p/s/constructor',
    'hipmon/v1/live/p/s/session_state',
    'hipmon/v1/gateway/p/g',
    'hipmon/v1/gateway/p/g/state',
    'hipmon/v1/plan/p/extra',
    'hipmon/v2/plan/p',
    '/hipmon/v1/plan/p',
    'hipmon/v1/plan/',
    'hipmon/v1/imu/p/s/pelvis/',
  ])('parseTopic rejects %j', (topic) => {
    expect(parseTopic(topic)).toBeNull();
  });

  it('the service filters catch exactly the topics it consumes', () => {
    fc.assert(
      fc.property(parsedTopicArb, (topic) => {
        const text = buildTopic(topic);
        expect(matches(SERVICE_SUBSCRIPTIONS.imu, text)).toBe(topic.kind === 'imu');
        expect(matches(SERVICE_SUBSCRIPTIONS.control, text)).toBe(topic.kind === 'control');
        expect(matches(SERVICE_SUBSCRIPTIONS.gatewayStatus, text)).toBe(topic.kind === 'gateway_status');
        const live = ['angles', 'reps', 'alerts', 'session_state'].includes(topic.kind);
        expect(matches(liveFilter(), text)).toBe(live);
        expect(matches(liveFilter(topic.patientId), text)).toBe(live);
        const ofGateway = gatewaySubscriptions(topic.patientId).some((f) => matches(f, text));
        expect(ofGateway).toBe(live || topic.kind === 'plan');
      }),
      { numRuns: 2000 },
    );
    expect(matches(liveFilter('p1', 's1'), anglesTopic('p1', 's1'))).toBe(true);
    expect(matches(liveFilter('p1', 's1'), anglesTopic('p1', 's2'))).toBe(false);
    expect(matches(liveFilter('p1'), anglesTopic('p2', 's1'))).toBe(false);
    expect(sharedSubscription('workers', SERVICE_SUBSCRIPTIONS.imu)).toBe('$share/workers/hipmon/v1/imu/+/+/+');
  });

  it('QoS and retain follow the documented contract', () => {
    const kinds = Object.keys(TOPIC_QOS) as TopicKind[];
    expect(kinds.sort()).toEqual(Object.keys(TOPIC_RETAINED).sort());
    expect(kinds.filter((k) => TOPIC_QOS[k] === 0)).toEqual(['angles']);
    expect(kinds.every((k) => TOPIC_QOS[k] <= 1)).toBe(true);
    expect(kinds.filter((k) => TOPIC_RETAINED[k]).sort()).toEqual(['gateway_status', 'plan', 'session_state']);
  });
});
