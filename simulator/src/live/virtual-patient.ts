/**
 * A virtual patient's home: one gateway publishing what its two sensors measure while the patient works through a
 * programme of exercises, over a real MQTT connection, in real time (or faster). It drives the gateway's own frame
 * batcher and publishers, so what reaches the broker is exactly what a real gateway sends.
 */
import { controlTopic, gatewayStatusTopic } from '@hipmon/core';
import type { GatewayStatusPayload, ImuFrame } from '@hipmon/core';
import { connectMqtt, FrameBatcher, publishImuFrame, publishJson } from '@hipmon/gateway';
import type { MqttConnection } from '@hipmon/gateway';
import { createMotionScript } from '../kinematics/motion-script.js';
import type { MotionOptions } from '../kinematics/motion-script.js';
import { createRecorder } from '../imu/record.js';
import type { RecordOptions } from '../imu/record.js';

export interface VirtualPatientOptions {
  brokerUrl: string;
  patientId: string;
  gatewayId: string;
  /** One session per entry, played in order. */
  programme: MotionOptions[];
  record?: RecordOptions;
  /** 1 = real time, 10 = ten times faster, Infinity = as fast as the broker takes it. */
  speed?: number;
  samplesPerFrame?: number;
  /** Gateway clock at the start of the first session, s (Unix time by default). */
  clockStart?: number;
  /** Pause between sessions, s of simulated time. */
  breakS?: number;
  signal?: AbortSignal;
  /** Called for every frame published (tests, progress display). */
  onFrame?: (sessionId: string, frame: ImuFrame) => void;
}

export interface VirtualPatientReport {
  patientId: string;
  sessions: { sessionId: string; exercise: string; side: string; frames: number; samples: number; reps: number }[];
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export async function runVirtualPatient(options: VirtualPatientOptions): Promise<VirtualPatientReport> {
  const statusTopic = gatewayStatusTopic(options.patientId, options.gatewayId);
  const offline: GatewayStatusPayload = { state: 'offline' };
  const connection = await connectMqtt(options.brokerUrl, {
    clientId: `hipmon-sim-${options.patientId}-${options.gatewayId}`,
    will: { topic: statusTopic, payload: Buffer.from(JSON.stringify(offline)), qos: 1, retain: true },
    reconnectPeriod: 1000,
  });
  const report: VirtualPatientReport = { patientId: options.patientId, sessions: [] };
  try {
    const clockStart = options.clockStart ?? Date.now() / 1000;
    await publishJson(connection, statusTopic, { state: 'online', t: clockStart, software: 'hipmon-simulator' });
    let clock = clockStart;
    for (const [index, motion] of options.programme.entries()) {
      if (options.signal?.aborted) break;
      const sessionId = `${options.patientId}-s${index + 1}-${Math.round(clock)}`;
      const result = await playSession(connection, options, sessionId, motion, clock);
      report.sessions.push(result.summary);
      clock += result.duration + (options.breakS ?? 5);
    }
    await publishJson(connection, statusTopic, offline);
  } finally {
    await connection.client.endAsync();
  }
  return report;
}

async function playSession(
  connection: MqttConnection,
  options: VirtualPatientOptions,
  sessionId: string,
  motion: MotionOptions,
  clock0: number,
): Promise<{ duration: number; summary: VirtualPatientReport['sessions'][number] }> {
  const { patientId } = options;
  const speed = options.speed ?? 1;
  const script = createMotionScript(motion);
  const recorder = createRecorder(script, options.record);
  const batcher = new FrameBatcher({ samplesPerFrame: options.samplesPerFrame ?? 10 });
  const control = controlTopic(patientId, sessionId);
  const summary = {
    sessionId,
    exercise: script.exercise,
    side: script.side,
    frames: 0,
    samples: 0,
    reps: script.reps.length,
  };
  const publish = (frames: ImuFrame[]) =>
    frames.map((frame) => {
      summary.frames++;
      summary.samples += frame.samples.length;
      options.onFrame?.(sessionId, frame);
      return publishImuFrame(connection, patientId, sessionId, frame);
    });

  await publishJson(connection, control, { type: 'start_session', side: script.side, t: clock0 });
  await publishJson(connection, control, { type: 'calibrate', t: clock0 });
  let setStarted = false;
  const wallStart = performance.now();
  for (const chunk of recorder.chunks(0.1)) {
    if (options.signal?.aborted) break;
    if (Number.isFinite(speed)) await sleep(wallStart + (chunk.t1 * 1000) / speed - performance.now(), options.signal);
    if (!setStarted && chunk.t0 >= script.calibrationEnd) {
      setStarted = true;
      const targetReps = script.reps.length || script.holds.length;
      await publishJson(connection, control, {
        type: 'start_set',
        exercise: script.exercise,
        t: clock0 + chunk.t0,
        ...(targetReps > 0 ? { targetReps } : {}),
      });
    }
    const pending = chunk.samples.flatMap((s) => publish(batcher.push(s.role, { ...s, t: clock0 + s.t })));
    // Bounded in-flight window: wait for this chunk's PUBACKs before producing the next one.
    await Promise.all(pending);
  }
  await Promise.all(publish(batcher.flush()));
  await publishJson(connection, control, { type: 'stop_set', t: clock0 + script.duration });
  await publishJson(connection, control, { type: 'end_session', t: clock0 + script.duration });
  return { duration: script.duration, summary };
}
