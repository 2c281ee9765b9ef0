/**
 * The processing service against a real Mosquitto (MQTT 5, persistent session, QoS 1) with the SQLite stores:
 * virtual patients publish their sessions; the live rep events equal the simulator's truth per session, every
 * published sample is stored exactly once (by seq), summaries and precaution alerts reach the metadata store —
 * across a restart of the service in the middle of a session — and malformed messages are counted, not fatal.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'mqtt';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imuTopic, controlTopic, liveFilter, parseTopic, repEventPayloadSchema } from '@hipmon/core';
import type { ImuFrame, RepEventPayload, SensorRole } from '@hipmon/core';
import { openMetadataStore, SqliteSeriesStore, startProcessingService } from '@hipmon/services';
import type { MetadataStore, ProcessingService } from '@hipmon/services';
import { createMotionScript } from '@hipmon/simulator';
import type { MotionOptions } from '@hipmon/simulator';
import { runVirtualPatient } from '@hipmon/simulator/live';
import { startMosquitto, waitFor } from '@hipmon/tests';
import type { MosquittoHandle } from '@hipmon/tests';

const VARIABILITY = { rom: 0.08, tempo: 0.1, offPlaneDeg: 1 };
const PATIENTS: { id: string; posterior: boolean; programme: MotionOptions[] }[] = [
  {
    id: 'p-abd',
    posterior: false,
    programme: [
      { exercise: 'standing_hip_abduction', side: 'left', reps: 8, romDeg: 25, seed: 1, variability: VARIABILITY },
      { exercise: 'glute_bridge', side: 'left', reps: 6, romDeg: 20, seed: 2, variability: VARIABILITY },
    ],
  },
  {
    id: 'p-squat',
    posterior: false,
    programme: [
      { exercise: 'mini_squat', side: 'right', reps: 7, romDeg: 35, seed: 3, variability: VARIABILITY },
      { exercise: 'standing_hip_flexion', side: 'right', reps: 6, romDeg: 50, seed: 4, variability: VARIABILITY },
    ],
  },
  {
    id: 'p-sts',
    posterior: true,
    programme: [{ exercise: 'sit_to_stand', side: 'right', reps: 5, romDeg: 85, seed: 5, variability: VARIABILITY }],
  },
];
const CLIENT_ID = 'hipmon-processing-test';

function seed(metadata: MetadataStore): void {
  const admin = metadata.createUser({ role: 'admin', login: 'admin', displayName: 'Admin' });
  for (const p of PATIENTS) {
    metadata.createPatient({
      id: p.id,
      displayName: p.id,
      treatedSide: p.programme[0]!.side,
      surgeryType: p.posterior ? 'tha_posterior' : 'tha_anterior',
    });
    metadata.createPlanVersion({
      patientId: p.id,
      authorId: admin.id,
      sessionsPerWeek: 7,
      items: p.programme.map((m) => ({ exercise: m.exercise, sets: 1, reps: m.reps!, targetRomDeg: m.romDeg! })),
      ...(p.posterior && { precautions: { limits: { flexion: { max: 90 } } } }),
    });
  }
}

describe('processing service with Mosquitto and the SQLite stores', () => {
  let broker: MosquittoHandle;
  let dir: string;
  let metadata: MetadataStore;
  let series: SqliteSeriesStore;
  let observer: MqttClient;
  const services: ProcessingService[] = [];

  beforeAll(async () => {
    // No Nagle delay: the virtual patients wait for each chunk's PUBACKs before producing the next one.
    broker = await startMosquitto();
    dir = await mkdtemp(join(tmpdir(), 'hipmon-processing-test-'));
    metadata = openMetadataStore({ path: join(dir, 'metadata.sqlite') });
    series = new SqliteSeriesStore({ path: join(dir, 'series.sqlite'), flushIntervalMs: 200 });
    seed(metadata);
    observer = connect(broker.url, { protocolVersion: 5, clientId: 'observer', clean: true });
    await new Promise((resolve) => observer.once('connect', resolve));
  });

  afterAll(async () => {
    for (const s of services) await s.stop();
    await observer?.endAsync();
    await series?.close();
    metadata?.close();
    await broker?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('counts every rep once per session, stores every sample once, across a restart mid-session', async () => {
    const reps: { topic: string; rep: RepEventPayload }[] = [];
    const plans = new Map<string, unknown>();
    observer.on('message', (topic, payload) => {
      const parsed = parseTopic(topic);
      if (parsed?.kind === 'reps')
        reps.push({ topic, rep: repEventPayloadSchema.parse(JSON.parse(payload.toString())) });
      if (parsed?.kind === 'plan') plans.set(parsed.patientId, JSON.parse(payload.toString()));
    });
    await observer.subscribeAsync({ [liveFilter()]: { qos: 1 }, 'hipmon/v1/plan/+': { qos: 1 } });

    const start = () =>
      startProcessingService({ mqttUrl: broker.url, clientId: CLIENT_ID, series, metadata, healthPort: 0 });
    let service = await start();
    services.push(service);
    expect(service.protocolVersion).toBe(5);

    const health = await (await fetch(`http://127.0.0.1:${service.healthPort}/healthz`)).json();
    expect(health).toMatchObject({ healthy: true, mqtt: { connected: true } });

    // Frames published per session and stream (seq → samples): the truth of the store.
    const published = new Map<string, Map<number, number>>();
    let framesOfFirst = 0;
    let restarted: Promise<void> | null = null;
    const onFrame = (patientId: string) => (sessionId: string, frame: ImuFrame) => {
      const key = `${patientId}/${sessionId}/${frame.role}`;
      if (!published.has(key)) published.set(key, new Map());
      published.get(key)!.set(frame.seq, frame.samples.length);
      // Restart the service in the middle of the first patient's first session (~8 s into it).
      if (patientId === 'p-abd' && ++framesOfFirst === 160 && !restarted) {
        restarted = (async () => {
          await service.stop();
          await new Promise((r) => setTimeout(r, 300)); // frames keep coming: the broker queues them
          service = await start();
          services.push(service);
        })();
      }
    };
    const malformed = connect(broker.url, { protocolVersion: 5, clientId: 'malformed' });
    await new Promise((resolve) => malformed.once('connect', resolve));

    const reports = await Promise.all([
      ...PATIENTS.map((p) =>
        runVirtualPatient({
          brokerUrl: broker.url,
          patientId: p.id,
          gatewayId: 'gw1',
          programme: p.programme,
          speed: 20,
          clockStart: 5000,
          breakS: 2,
          onFrame: onFrame(p.id),
        }),
      ),
      (async () => {
        // Garbage on the IMU and control topics while the sessions run.
        await new Promise((r) => setTimeout(r, 500));
        await malformed.publishAsync(imuTopic('p-junk', 's1', 'pelvis'), Buffer.from([0xa5, 1, 0, 1, 0]), { qos: 1 });
        await malformed.publishAsync(imuTopic('p-junk', 's1', 'thigh_left'), Buffer.from('{"role":"pelvis"'), {
          qos: 1,
        });
        await malformed.publishAsync(imuTopic('p-junk', 's1', 'thigh_left'), Buffer.alloc(0), { qos: 1 });
        await malformed.publishAsync(controlTopic('p-junk', 's1'), '{"type":"start_set"}', { qos: 1 });
        await malformed.publishAsync('hipmon/v1/imu/p-junk/s1/elbow', Buffer.from([1, 2, 3]), { qos: 1 });
      })(),
    ]);
    await malformed.endAsync();
    expect(restarted).not.toBeNull();
    await restarted;
    // Session k of a patient starts on the gateway clock after the earlier sessions and their 2 s breaks.
    const sessions = reports.slice(0, PATIENTS.length).flatMap((r, i) => {
      let clock0 = 5000;
      return r!.sessions.map((s, k) => {
        const motion = PATIENTS[i]!.programme[k]!;
        const session = { patient: PATIENTS[i]!, sessionId: s.sessionId, motion, clock0 };
        clock0 += createMotionScript(motion).duration + 2;
        return session;
      });
    });
    expect(sessions).toHaveLength(5);
    await waitFor(
      'all sessions ended',
      () => sessions.every((s) => metadata.getSession(s.patient.id, s.sessionId)?.state === 'ended'),
      60_000,
    );
    await series.flush();

    // The service that was stopped had taken over some session(s) mid-way: the new one resumed them.
    expect(services[1]!.counters.sessionsResumed).toBeGreaterThanOrEqual(1);

    for (const { patient, sessionId, motion, clock0 } of sessions) {
      const script = createMotionScript(motion);
      const truth = script.reps.filter((r) => !r.partial);
      // Live rep events: exactly the truth's count, numbered 1…n once each, times within 0.5 s of the truth.
      const events = reps
        .filter((r) => r.topic === `hipmon/v1/live/${patient.id}/${sessionId}/reps`)
        .map((r) => r.rep)
        .sort((a, b) => a.start - b.start);
      expect(
        events.map((e) => e.rep),
        `${patient.id}/${sessionId}`,
      ).toEqual(truth.map((_, i) => i + 1));
      events.forEach((e, i) => expect(Math.abs(e.end - (clock0 + truth[i]!.end))).toBeLessThan(0.5));
      // Every published sample stored exactly once, by seq.
      const ref = { patientId: patient.id, sessionId };
      const thigh: SensorRole = motion.side === 'left' ? 'thigh_left' : 'thigh_right';
      for (const role of ['pelvis', thigh] as const) {
        const sent = published.get(`${patient.id}/${sessionId}/${role}`)!;
        const coverage = await series.imuSeqCoverage(ref, role);
        expect(coverage.map((c) => c.seq)).toEqual([...sent.keys()].sort((a, b) => a - b));
        expect(coverage.every((c) => c.samples === sent.get(c.seq))).toBe(true);
        expect(await series.countImuSamples(ref, role)).toBe([...sent.values()].reduce((a, b) => a + b, 0));
      }
      // Stored reps and the summary in the metadata store equal the truth too.
      expect(await series.reps(ref)).toHaveLength(truth.length);
      const report = metadata.sessionReport(patient.id, sessionId);
      const outcome = report.exercises.find((e) => e.exercise === motion.exercise)!;
      expect(outcome).toMatchObject({ repsDone: truth.length, setsDone: 1, partialReps: 0 });
      expect(outcome.prescribedReps).toBe(motion.reps);
      expect(report.session.planVersion).toBe(1);
      expect(
        outcome.peakRomDeg[createMotionScript(motion).exercise === 'standing_hip_abduction' ? 'frontal' : 'sagittal'],
      ).toBeGreaterThan(0.7 * motion.romDeg!);
    }

    // The posterior-THA patient's sit-to-stands pass 90° of flexion: alerts in the metadata store.
    const sts = sessions.find((s) => s.patient.id === 'p-sts')!;
    const alerts = metadata.alertsOfSession('p-sts', sts.sessionId);
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.every((a) => a.kind === 'flexion_above_limit' && a.limitDeg === 90 && a.valueDeg! > 90)).toBe(true);
    expect(
      sessions
        .filter((s) => s.patient.id !== 'p-sts')
        .every((s) => metadata.alertsOfSession(s.patient.id, s.sessionId).length === 0),
    ).toBe(true);

    // Plans were published retained at start; gateway status reached the metadata store.
    expect([...plans.keys()].sort()).toEqual(PATIENTS.map((p) => p.id).sort());
    expect(metadata.getGateway('gw1')).toMatchObject({ lastStatus: 'offline' });

    // Malformed messages were counted by code and the service kept running.
    const rejected = { ...services[0]!.counters.rejected };
    for (const [code, n] of Object.entries(services[1]!.counters.rejected)) rejected[code] = (rejected[code] ?? 0) + n;
    expect(Object.values(rejected).reduce((a, b) => a + b, 0)).toBe(5);
    expect(rejected).toMatchObject({ truncated: 2, bad_json: 1, schema: 1, bad_topic: 1 });
    expect(services.every((s) => s.counters.internalErrors === 0)).toBe(true);
  }, 120_000);
});
