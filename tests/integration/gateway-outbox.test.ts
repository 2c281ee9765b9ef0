/**
 * Store-and-forward against a real Mosquitto: a 7-minute session of two 100 Hz sensors, played ~100× faster than
 * real time, with the broker really stopped for 5 minutes of session time and the gateway itself restarted during
 * the outage (its outbox reopened from disk). A subscriber with a persistent session must receive every frame of
 * both sensors, with every sample intact; repeated copies (QoS 1 across a broker crash) are identical and few.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImuFrame, encodeImuFrame, frameToSamples, imuTopic } from '@hipmon/core';
import type { ImuFrame, SensorRole } from '@hipmon/core';
import { OutboxForwarder, SamplePublisher, SegmentOutbox } from '@hipmon/gateway';
import type { MqttConnection } from '@hipmon/gateway';
import { createMotionScript, createRecorder } from '@hipmon/simulator';
import { startMosquitto } from '@hipmon/tests';
import type { MosquittoHandle } from '@hipmon/tests';

const SESSION_S = 420;
const OUTAGE: [number, number] = [60, 360];
const GATEWAY_RESTART_AT = 200;
const ROLES: SensorRole[] = ['pelvis', 'thigh_right'];

let broker: MosquittoHandle | undefined;
let dir: string | undefined;
afterAll(async () => {
  await broker?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The gateway's broker link: keeps retrying while the broker is down (a gateway must start without it). */
function brokerLink(url: string): MqttConnection {
  return {
    client: mqtt.connect(url, { clientId: 'gw-test', protocolVersion: 5, reconnectPeriod: 100, connectTimeout: 2000 }),
    protocolVersion: 5,
  };
}

describe('gateway store-and-forward through a real Mosquitto outage', () => {
  it('delivers every sample (once, after seq de-duplication) after a 5-minute broker outage and a gateway restart', async () => {
    // Unlimited queue for the persistent subscriber: the backlog drains faster than it reconnects, sometimes.
    broker = await startMosquitto({ extraConfig: ['max_queued_messages 0', 'max_inflight_messages 0'] });
    dir = await mkdtemp(join(tmpdir(), 'hipmon-gw-outbox-'));
    const patientId = 'p-outbox';
    const sessionId = 'p-outbox-s1';

    // The subscriber does what the processing service's reorder buffer does: keep the first copy of each seq.
    // QoS 1 is at-least-once: a frame the broker took just before it went down, whose PUBACK never came back, is
    // sent again from the outbox; such copies must be identical and few (at most one forwarder window).
    const received = new Map<SensorRole, ImuFrame[]>(ROLES.map((r) => [r, []]));
    const firstCopy = new Map<string, string>();
    let duplicates = 0;
    const subscriber = await mqtt.connectAsync(broker.url, {
      clientId: 'sub-test',
      clean: false,
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 3600 },
      reconnectPeriod: 50,
    });
    subscriber.on('message', (_topic, payload) => {
      const frame = decodeImuFrame(payload);
      const key = `${frame.role}/${frame.seq}`;
      const bytes = Buffer.from(payload).toString('base64');
      if (firstCopy.has(key)) {
        expect(bytes).toBe(firstCopy.get(key));
        duplicates++;
        return;
      }
      firstCopy.set(key, bytes);
      received.get(frame.role)!.push(frame);
    });
    await subscriber.subscribeAsync(
      ROLES.map((r) => imuTopic(patientId, sessionId, r)),
      { qos: 1 },
    );

    const script = createMotionScript({ exercise: 'mini_squat', side: 'right', reps: 200, seed: 11 });
    const recorder = createRecorder(script, { rate: 100, seed: 4 });
    const sent = new Map<SensorRole, ImuFrame[]>(ROLES.map((r) => [r, []]));

    let link = brokerLink(broker.url);
    let outbox = SegmentOutbox.open(dir, { segmentBytes: 256 * 1024 });
    let forwarder = new OutboxForwarder(outbox, link);
    const publisher = new SamplePublisher({
      patientId,
      sessionId,
      outbox,
      forwarder,
      samplesPerFrame: 10,
      onFrame: (f) => sent.get(f.role)!.push(f),
    });
    let maxPending = 0;
    let brokerDown = false;
    let restarted = false;

    for (const chunk of recorder.chunks(1)) {
      if (chunk.t0 >= SESSION_S) break;
      if (!brokerDown && chunk.t0 >= OUTAGE[0] && chunk.t0 < OUTAGE[1]) {
        await broker.kill('SIGTERM');
        brokerDown = true;
      }
      if (brokerDown && chunk.t0 >= OUTAGE[1]) {
        await broker.restart();
        brokerDown = false;
      }
      if (!restarted && chunk.t0 >= GATEWAY_RESTART_AT) {
        // Gateway process restart: everything in memory is gone except what the outbox has on disk.
        forwarder.stop();
        outbox.close();
        link.client.end(true);
        link = brokerLink(broker.url);
        outbox = SegmentOutbox.open(dir, { segmentBytes: 256 * 1024 });
        forwarder = new OutboxForwarder(outbox, link);
        // Same session, so frame numbering continues (the CLI instead opens a new session on every start).
        publisher.attach(outbox, forwarder);
        restarted = true;
      }
      for (const s of chunk.samples) publisher.push(s.role, s);
      maxPending = Math.max(maxPending, outbox.pending);
      await sleep(brokerDown ? 5 : 2);
    }
    publisher.flush();
    await forwarder.drained();

    const expected = ROLES.reduce((n, r) => n + sent.get(r)!.length, 0);
    for (
      let waited = 0;
      waited < 30_000 && ROLES.reduce((n, r) => n + received.get(r)!.length, 0) < expected;
      waited += 100
    )
      await sleep(100);
    await subscriber.endAsync();
    forwarder.stop();
    outbox.close();
    await link.client.endAsync();

    // The outage really queued the data on disk: 300 s × 2 sensors × 10 frames/s.
    expect(maxPending).toBeGreaterThanOrEqual(5800);
    expect(duplicates).toBeLessThanOrEqual(200);
    console.info(`outbox peak ${maxPending} frames, ${duplicates} repeated copies dropped by seq`);
    for (const role of ROLES) {
      const want = sent.get(role)!;
      const got = received.get(role)!;
      expect(want.length).toBeGreaterThan(SESSION_S * 10 * 0.95); // the simulated sensors drop a few samples themselves
      // Every frame, in order (seq 0..n-1 exactly), once after dropping repeated seqs.
      expect(got.map((f) => f.seq)).toEqual(want.map((f) => f.seq));
      // Every sample intact: exactly what the wire codec makes of the frames the gateway built.
      const wantSamples = want.flatMap((f) => frameToSamples(decodeImuFrame(encodeImuFrame(f))));
      const gotSamples = got.flatMap((f) => frameToSamples(f));
      expect(gotSamples.length).toBe(wantSamples.length);
      expect(gotSamples).toEqual(wantSamples);
      // …and that codec keeps them within float32 of the simulator's samples.
      want
        .flatMap((f) => frameToSamples(f))
        .forEach((s, i) => {
          expect(Math.abs(gotSamples[i]!.t - s.t)).toBeLessThan(1e-6);
          expect(Math.abs(gotSamples[i]!.gyr[0] - s.gyr[0])).toBeLessThanOrEqual(Math.abs(s.gyr[0]) * 1e-7 + 1e-12);
        });
    }
  });
});
