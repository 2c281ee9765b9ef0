import { connect, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CONTENT_TYPE_IMU_BINARY,
  decodeImuPayload,
  encodeImuFrame,
  imuTopic,
  parseTopic,
  SERVICE_SUBSCRIPTIONS,
  type ImuFrame,
  type SensorRole,
} from '@hipmon/core';
import { runVirtualPatient } from '@hipmon/simulator/live';
import { startMosquitto, type MosquittoHandle } from '@hipmon/tests';

/*
 * MQTT v5 at QoS 1 through a real Mosquitto: ordering, byte-exact payloads, v5 properties, persistent sessions
 * (also across a broker restart) and binary IMU frames encoded and decoded with the core wire codec, including
 * a simulated patient's session published by the simulator through the gateway's publisher.
 */

/**
 * Explicitly timed frames carry each sample time as a whole-microsecond offset from the frame's float64 t0:
 * ≤ 0.5 µs of rounding, plus ≤ 0.12 µs of float64 rounding when adding it back at Unix-time magnitudes.
 */
const EXPLICIT_TIME_TOLERANCE_S = 0.65e-6;

interface Received {
  topic: string;
  payload: Buffer;
  packet: IPublishPacket;
}

/** Buffers every message a client receives, so none is lost between awaits. */
class Inbox {
  private readonly messages: Received[] = [];
  private wake: (() => void) | undefined;

  constructor(client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      this.messages.push({ topic, payload, packet });
      this.wake?.();
    });
  }

  /** Waits for exactly the next `count` messages, failing after `timeoutMs` with what did arrive. */
  async take(count: number, timeoutMs = 10_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`received ${this.messages.length} of ${count} messages in ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    return this.messages.splice(0, count);
  }

  get pending(): number {
    return this.messages.length;
  }
}

let broker: MosquittoHandle;
const clients: MqttClient[] = [];

/** An MQTT v5 client that does not reconnect by itself (the tests decide when a client comes back). */
async function connectClient(
  clientId: string,
  options: Partial<IClientOptions> = {},
): Promise<{ client: MqttClient; inbox: Inbox; sessionPresent: boolean }> {
  const client = connect(broker.url, {
    protocolVersion: 5,
    clientId,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    ...options,
  });
  clients.push(client);
  // Attached before the CONNACK: a persistent session's queued messages arrive right after it.
  const inbox = new Inbox(client);
  const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  return { client, inbox, sessionPresent: connack.sessionPresent };
}

/** A client that keeps its session and subscriptions for 10 minutes while offline. */
const persistent: Partial<IClientOptions> = { clean: false, properties: { sessionExpiryInterval: 600 } };

beforeAll(async () => {
  broker = await startMosquitto();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
});

afterAll(async () => {
  await broker?.stop();
});

/** Every byte value, then a deterministic pseudo-random tail: catches any text or encoding mangling. */
function binaryPayload(index: number): Buffer {
  const bytes = Buffer.alloc(256 + 64);
  for (let i = 0; i < 256; i++) bytes[i] = (i + index) & 0xff;
  let state = (index + 1) * 2654435761;
  for (let i = 256; i < bytes.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

/**
 * Frames of two sensors as a gateway would publish them: 100 Hz, 25 samples per frame, with magnetometer.
 * Values are smooth float64 signals, deliberately not float32-representable, so the float32 rounding done by
 * the codec is part of what the test checks.
 */
function makeFrames(role: SensorRole, frameCount: number, firstSeq: number): ImuFrame[] {
  const samplesPerFrame = 25;
  const period = 0.01;
  return Array.from({ length: frameCount }, (_, k) => ({
    role,
    seq: (firstSeq + k) % 2 ** 32,
    sensorId: `sim-${role}`,
    timing: { kind: 'regular' as const, t0: 1000.123456789 + k * samplesPerFrame * period, period },
    samples: Array.from({ length: samplesPerFrame }, (_, i) => {
      const t = (k * samplesPerFrame + i) * period;
      return {
        gyr: [Math.sin(t) * 1.7, Math.cos(1.3 * t) * -0.9, Math.sin(0.7 * t + 1) * 0.33] as [number, number, number],
        acc: [9.81 * Math.cos(0.2 * t), 0.4 * Math.sin(t), -9.81 * Math.sin(0.2 * t)] as [number, number, number],
        mag: [21.3 + Math.sin(t), -4.1 * Math.cos(t), -44.4 + 0.1 * t] as [number, number, number],
      };
    }),
  }));
}

/** The frame as it must come out of the wire: every sample value rounded to float32, nothing else changed. */
function asFloat32(frame: ImuFrame): ImuFrame {
  const round = (v: readonly number[]): [number, number, number] => [
    Math.fround(v[0]!),
    Math.fround(v[1]!),
    Math.fround(v[2]!),
  ];
  return {
    ...frame,
    samples: frame.samples.map((s) => ({
      gyr: round(s.gyr),
      acc: round(s.acc),
      ...(s.mag ? { mag: round(s.mag) } : {}),
    })),
  };
}

describe('Mosquitto with mqtt.js (MQTT v5, QoS 1)', () => {
  it('delivers QoS 1 messages in order, byte for byte, with their v5 properties', async () => {
    const { client: subscriber, inbox } = await connectClient('it-subscriber');
    const [grant] = await subscriber.subscribeAsync('it/raw/#', { qos: 1 });
    expect(grant).toMatchObject({ topic: 'it/raw/#', qos: 1 });

    const { client: publisher } = await connectClient('it-publisher');
    const count = 50;
    for (let i = 0; i < count; i++) {
      await publisher.publishAsync(`it/raw/${i % 3}`, binaryPayload(i), {
        qos: 1,
        properties: {
          contentType: 'application/vnd.hipmon.test+octet-stream; v=1',
          userProperties: { index: String(i) },
        },
      });
    }

    const received = await inbox.take(count);
    received.forEach((message, i) => {
      expect(message.topic).toBe(`it/raw/${i % 3}`);
      expect(message.packet.qos).toBe(1);
      expect(message.payload.equals(binaryPayload(i))).toBe(true);
      expect(message.packet.properties?.contentType).toBe('application/vnd.hipmon.test+octet-stream; v=1');
      expect(message.packet.properties?.userProperties).toEqual({ index: String(i) });
    });
  });

  it('carries binary IMU frames that decode bit-identically (float32) and in sequence', async () => {
    const { client: service, inbox } = await connectClient('it-processing-service');
    await service.subscribeAsync(SERVICE_SUBSCRIPTIONS.imu, { qos: 1 });
    const { client: gateway } = await connectClient('it-gateway');

    const patientId = 'patient-0001';
    const sessionId = 'session-0001';
    const sent = [...makeFrames('pelvis', 20, 4_294_967_290), ...makeFrames('thigh_right', 20, 0)];
    // Interleave the two sensors as a gateway does; each stream keeps its own order.
    const order = sent.map((_, i) => (i % 2 === 0 ? i / 2 : 20 + (i - 1) / 2));
    const payloads = new Map<ImuFrame, Uint8Array>();
    for (const index of order) {
      const frame = sent[index]!;
      const payload = encodeImuFrame(frame);
      payloads.set(frame, payload);
      await gateway.publishAsync(imuTopic(patientId, sessionId, frame.role), Buffer.from(payload), {
        qos: 1,
        properties: { contentType: CONTENT_TYPE_IMU_BINARY },
      });
    }

    const received = await inbox.take(sent.length);
    const byRole = new Map<SensorRole, ImuFrame[]>();
    received.forEach((message, i) => {
      const expectedFrame = sent[order[i]!]!;
      expect(parseTopic(message.topic)).toEqual({ kind: 'imu', patientId, sessionId, role: expectedFrame.role });
      expect(message.packet.properties?.contentType).toBe(CONTENT_TYPE_IMU_BINARY);
      expect(message.payload.equals(payloads.get(expectedFrame)!)).toBe(true);
      const frame = decodeImuPayload(message.payload, message.packet.properties?.contentType);
      byRole.set(frame.role, [...(byRole.get(frame.role) ?? []), frame]);
    });

    for (const role of ['pelvis', 'thigh_right'] as const) {
      const expected = sent.filter((frame) => frame.role === role).map(asFloat32);
      // toEqual uses Object.is on numbers: every float32 value must come back exactly.
      expect(byRole.get(role)).toEqual(expected);
    }
    // uint32 sequence numbers wrap: 4294967290 … 4294967295, 0 … 13 on the pelvis stream.
    const pelvisSeqs = byRole.get('pelvis')!.map((frame) => frame.seq);
    expect(pelvisSeqs.map((seq, i) => (i === 0 ? 1 : (seq - pelvisSeqs[i - 1]! + 2 ** 32) % 2 ** 32))).toEqual(
      Array.from({ length: 20 }, () => 1),
    );
  });

  it("carries a virtual patient's frames from the simulator bit-identically (float32) and in sequence", async () => {
    const { client: service, inbox } = await connectClient('it-processing-service-sim');
    await service.subscribeAsync(SERVICE_SUBSCRIPTIONS.imu, { qos: 1 });

    const patientId = 'patient-sim-0001';
    const sent: { sessionId: string; frame: ImuFrame }[] = [];
    const report = await runVirtualPatient({
      brokerUrl: broker.url,
      patientId,
      gatewayId: 'gateway-0001',
      programme: [{ exercise: 'standing_hip_abduction', side: 'left', reps: 1, calibrationS: 2, seed: 11 }],
      record: { mag: true, noise: 'typical', seed: 5 },
      speed: Infinity,
      samplesPerFrame: 10,
      clockStart: 1_700_000_000,
      onFrame: (sessionId, frame) => sent.push({ sessionId, frame }),
    });
    const [session] = report.sessions;
    expect(report.sessions).toHaveLength(1);
    expect(sent).toHaveLength(session!.frames);
    expect(sent.reduce((n, { frame }) => n + frame.samples.length, 0)).toBe(session!.samples);

    const received = await inbox.take(sent.length);
    for (const role of ['pelvis', 'thigh_left'] as const) {
      const published = sent.filter(({ frame }) => frame.role === role);
      const arrived = received.filter((m) => parseTopic(m.topic)?.kind === 'imu' && m.topic.endsWith(`/${role}`));
      // At least the 2 s calibration: 100 Hz, 10 samples per frame.
      expect(published.length).toBeGreaterThanOrEqual(20);
      expect(arrived).toHaveLength(published.length);
      arrived.forEach((message, i) => {
        const { sessionId, frame: original } = published[i]!;
        expect(parseTopic(message.topic)).toEqual({ kind: 'imu', patientId, sessionId: session!.sessionId, role });
        expect(sessionId).toBe(session!.sessionId);
        expect(message.packet.properties?.contentType).toBe(CONTENT_TYPE_IMU_BINARY);
        const frame = decodeImuPayload(message.payload, message.packet.properties?.contentType);
        // In sequence: each stream numbers its frames 0, 1, 2, … and they arrive in that order.
        expect(frame.seq).toBe(i);
        expect(original.seq).toBe(i);
        expect(frame.role).toBe(role);
        expect(frame.samples).toEqual(asFloat32(original).samples);
        expect(frame.samples.every((s) => s.mag !== undefined)).toBe(true);
        if (frame.timing.kind !== 'explicit' || original.timing.kind !== 'explicit') {
          throw new Error('the gateway batcher publishes explicitly timed frames');
        }
        const sentTimes = original.timing.t;
        expect(frame.timing.t[0]).toBe(sentTimes[0]);
        const timeErrors = frame.timing.t.map((t, k) => Math.abs(t - sentTimes[k]!));
        expect(Math.max(...timeErrors)).toBeLessThanOrEqual(EXPLICIT_TIME_TOLERANCE_S);
      });
    }
    expect(received.length).toBe(sent.length);
  });

  it('queues QoS 1 messages for an offline persistent session and delivers them on reconnect', async () => {
    const clientId = 'it-persistent-offline';
    const first = await connectClient(clientId, persistent);
    await first.client.subscribeAsync('it/offline/+', { qos: 1 });
    await first.client.endAsync();

    const { client: publisher } = await connectClient('it-offline-publisher');
    for (let i = 0; i < 30; i++) {
      await publisher.publishAsync(`it/offline/${i}`, Buffer.from(`message ${i}`), {
        qos: 1,
        properties: { contentType: 'text/plain; charset=utf-8' },
      });
    }

    const back = await connectClient(clientId, persistent);
    expect(back.sessionPresent).toBe(true);
    const received = await back.inbox.take(30);
    expect(received.map((m) => m.topic)).toEqual(Array.from({ length: 30 }, (_, i) => `it/offline/${i}`));
    expect(received.map((m) => m.payload.toString('utf8'))).toEqual(
      Array.from({ length: 30 }, (_, i) => `message ${i}`),
    );
    expect(received.every((m) => m.packet.properties?.contentType === 'text/plain; charset=utf-8')).toBe(true);
  });

  it('keeps a persistent session and its queued frames across a broker restart', async () => {
    const clientId = 'it-persistent-restart';
    const first = await connectClient(clientId, persistent);
    await first.client.subscribeAsync(SERVICE_SUBSCRIPTIONS.imu, { qos: 1 });
    await first.client.endAsync();

    const frames = makeFrames('thigh_left', 12, 100);
    const { client: gateway } = await connectClient('it-restart-gateway');
    for (const frame of frames) {
      await gateway.publishAsync(
        imuTopic('patient-0002', 'session-0007', frame.role),
        Buffer.from(encodeImuFrame(frame)),
        {
          qos: 1,
          properties: { contentType: CONTENT_TYPE_IMU_BINARY },
        },
      );
    }
    await gateway.endAsync();

    await broker.restart();

    const back = await connectClient(clientId, persistent);
    expect(back.sessionPresent).toBe(true);
    const received = await back.inbox.take(frames.length);
    expect(received.map((m) => m.packet.properties?.contentType)).toEqual(frames.map(() => CONTENT_TYPE_IMU_BINARY));
    const decoded = received.map((m) => decodeImuPayload(m.payload, m.packet.properties?.contentType));
    expect(decoded).toEqual(frames.map(asFloat32));

    // The subscription itself survived too: a frame published now still reaches the session.
    const { client: gatewayAgain } = await connectClient('it-restart-gateway');
    const next = makeFrames('thigh_left', 1, 112)[0]!;
    await gatewayAgain.publishAsync(
      imuTopic('patient-0002', 'session-0007', 'thigh_left'),
      Buffer.from(encodeImuFrame(next)),
      {
        qos: 1,
        properties: { contentType: CONTENT_TYPE_IMU_BINARY },
      },
    );
    const [live] = await back.inbox.take(1);
    expect(decodeImuPayload(live!.payload, live!.packet.properties?.contentType)).toEqual(asFloat32(next));
    expect(back.inbox.pending).toBe(0);
  });
});
