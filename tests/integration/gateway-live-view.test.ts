/**
 * The patient's side end to end: a private Mosquitto, the processing service (SQLite stores, the patient's plan in
 * the metadata store), and the gateway session `hipmon gateway --simulate` runs — two simulated hipmon sensors on
 * the virtual BLE adapter, reached through the real noble library, a short standing hip abduction played 5× faster
 * than real time. The gateway's live view must show both sensors connected, the first exercise of the retained plan,
 * and the live rep count reaching the simulator's true rep count; its retained status goes online, then offline.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'mqtt';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayStatusPayloadSchema, parseTopic } from '@hipmon/core';
import type { GatewayStatusPayload } from '@hipmon/core';
import { currentExercise, GatewaySession } from '@hipmon/gateway';
import { openMetadataStore, SqliteSeriesStore, startProcessingService } from '@hipmon/services';
import type { MetadataStore, ProcessingService } from '@hipmon/services';
import { createSimulatedSensors } from '@hipmon/simulator';
import { startMosquitto, waitFor } from '@hipmon/tests';
import type { MosquittoHandle } from '@hipmon/tests';

const PATIENT = 'p-live-view';
const SPEED = 5;
/** Gateway clock at virtual time 0 (any fixed Unix time: the service keys sessions by the gateway's clock). */
const CLOCK0 = 1_780_000_000;

describe('gateway live view against the running processing service', () => {
  let broker: MosquittoHandle;
  let dir: string;
  let metadata: MetadataStore;
  let series: SqliteSeriesStore;
  let service: ProcessingService;
  let observer: MqttClient;

  beforeAll(async () => {
    broker = await startMosquitto();
    dir = await mkdtemp(join(tmpdir(), 'hipmon-gw-live-view-'));
    metadata = openMetadataStore({ path: join(dir, 'metadata.sqlite') });
    series = new SqliteSeriesStore({ path: join(dir, 'series.sqlite'), flushIntervalMs: 200 });
    const admin = metadata.createUser({ role: 'admin', login: 'admin', displayName: 'Admin' });
    metadata.createPatient({ id: PATIENT, displayName: PATIENT, treatedSide: 'right', surgeryType: 'tha_anterior' });
    metadata.createPlanVersion({
      patientId: PATIENT,
      authorId: admin.id,
      sessionsPerWeek: 7,
      items: [
        { exercise: 'standing_hip_abduction', sets: 2, reps: 5, targetRomDeg: 25 },
        { exercise: 'glute_bridge', sets: 1, reps: 10, targetRomDeg: 20 },
      ],
    });
    service = await startProcessingService({
      mqttUrl: broker.url,
      clientId: 'hipmon-live-view-test',
      series,
      metadata,
    });
    observer = connect(broker.url, { protocolVersion: 5, clientId: 'observer', clean: true });
    await new Promise((resolve) => observer.once('connect', resolve));
  });

  afterAll(async () => {
    await service?.stop();
    await observer?.endAsync();
    await series?.close();
    metadata?.close();
    await broker?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('shows the sensors connected, the plan’s exercise and the live rep count reaching the true count', async () => {
    const statuses: GatewayStatusPayload[] = [];
    observer.on('message', (topic, payload) => {
      if (parseTopic(topic)?.kind === 'gateway_status')
        statuses.push(gatewayStatusPayloadSchema.parse(JSON.parse(payload.toString())));
    });
    await observer.subscribeAsync('hipmon/v1/gateway/+/+/status', { qos: 1 });

    // A longer calibration pose than the default 3 s: the sensors connect a fraction of a second into it.
    const sim = createSimulatedSensors({
      motion: { exercise: 'standing_hip_abduction', side: 'right', reps: 4, romDeg: 25, seed: 3, calibrationS: 8 },
    });
    const truth = sim.script.reps.filter((r) => !r.partial).length;
    expect(truth).toBe(4);
    const gateway = await GatewaySession.start({
      config: { patientId: PATIENT, sensors: sim.sensors },
      noble: sim.noble,
      now: () => CLOCK0 + sim.adapter.now(),
      broker: broker.url,
      outboxDir: join(dir, 'outbox'),
      side: 'right',
      exercise: 'glute_bridge', // what a set would be without a plan: the plan must override it
    });
    sim.adapter.run(SPEED);
    try {
      await waitFor('both sensors streaming', () =>
        gateway.sensors().every((s) => s.state === 'connected' && s.samples > 0),
      );
      expect(sim.adapter.now()).toBeLessThan(sim.script.calibrationEnd - 2.5);
      gateway.calibrate();
      await waitFor('the retained plan', () => gateway.live.plan !== undefined);
      expect(currentExercise(gateway.live)).toMatchObject({ exercise: 'standing_hip_abduction', sets: 2, reps: 5 });

      // The patient starts the set once the calibration pose is over.
      await waitFor('the end of the calibration pose', () => sim.adapter.now() >= sim.script.calibrationEnd);
      gateway.startSet();
      const reps: number[] = [];
      await waitFor(
        'the live rep count to reach the truth',
        () => {
          if (reps[reps.length - 1] !== gateway.live.repsInSet) reps.push(gateway.live.repsInSet);
          return gateway.live.repsInSet >= truth;
        },
        40_000,
      );
      // Counted up one by one as the service published them, never past the truth, in the set the plan names.
      expect(reps).toEqual([0, 1, 2, 3, 4]);
      expect(gateway.live.lastRep).toMatchObject({ exercise: 'standing_hip_abduction', side: 'right', set: 1, rep: 4 });
      expect(gateway.live.lastRep!.rom).toBeGreaterThan(0.7 * 25);
      expect(gateway.live.session?.state).toBe('in_set');

      const view = gateway.view(false).join('\n');
      expect(view).toMatch(/^pelvis +connected +-58 +87% +\d+\.\d Hz/m);
      expect(view).toMatch(/^thigh_right +connected +-64 +87% +\d+\.\d Hz/m);
      expect(view).toContain('exercise: standing_hip_abduction  set 1/2  target 5 reps, 25°');
      expect(view).toMatch(/session: in_set {3}reps this set: 4 {3}last ROM: \d+\.\d°/);
      expect(view).toContain(`broker: connected (${broker.url})`);
      for (const s of gateway.sensors()) {
        expect(s.measuredRate).toBeGreaterThan(95);
        expect(s.measuredRate).toBeLessThan(105);
        expect(s.missing).toBe(0);
      }

      await waitFor('the end of the exercise', () => sim.adapter.now() >= sim.script.duration);
      gateway.stopSet();
      // One set of two done: the same exercise again, set 2.
      expect(gateway.view(false).join('\n')).toContain('exercise: standing_hip_abduction  set 2/2');
    } finally {
      sim.adapter.stop();
      const summary = await gateway.close();
      expect(summary.pending).toBe(0);
    }

    // The service saw one session with the truth's reps; the gateway's retained status went online, then offline.
    await waitFor('the session to end', () => service.sessions().some((s) => s.state === 'ended'));
    expect(service.sessions()).toEqual([expect.objectContaining({ patientId: PATIENT, reps: truth, state: 'ended' })]);
    await waitFor('the offline status', () => statuses[statuses.length - 1]?.state === 'offline');
    const online = statuses.find((s) => s.state === 'online' && s.sensors?.every((x) => x.connected));
    expect(online?.sensors?.map((s) => s.role).sort()).toEqual(['pelvis', 'thigh_right']);
    expect(metadata.getGateway(`gw-${PATIENT}`)).toMatchObject({ lastStatus: 'offline' });
  });
});
