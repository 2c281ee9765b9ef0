/**
 * `hipmon gateway`: the home gateway. Real sensors from a config file (noble), or `--simulate` with virtual sensors
 * on the virtual BLE adapter (the real noble library on top). Samples → frames → disk outbox → MQTT; a plain-text
 * status view (redrawn in place on a terminal, appended blocks otherwise: tmux/log friendly); keys or stdin lines
 * c / s / x / q send calibrate / start set / stop set / end session; `--record FILE` writes the recording CSV.
 */
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { controlTopic, EXERCISE_IDS, gatewaySubscriptions, TOPIC_QOS } from '@hipmon/core';
import type { ControlPayload, ExerciseId, SensorRole } from '@hipmon/core';
import {
  afterSet,
  applyLiveMessage,
  BleSensorHub,
  BleUnavailableError,
  connectMqtt,
  currentExercise,
  GatewayConfigError,
  initialLiveState,
  loadGatewayConfig,
  loadNoble,
  OutboxForwarder,
  RecordingWriter,
  renderLiveView,
  SamplePublisher,
  SegmentOutbox,
} from '@hipmon/gateway';
import type { GatewayConfig, LiveState, MqttConnection, NobleLike, SensorEntry } from '@hipmon/gateway';
import { createMotionScript, createRecorder, HipmonVirtualDevice, VirtualBleAdapter } from '@hipmon/simulator';
import { CliError } from '../command.js';
import type { Command, CommandIo } from '../command.js';

const OPTIONS = {
  config: { type: 'string' },
  simulate: { type: 'boolean' },
  patient: { type: 'string' },
  broker: { type: 'string' },
  outbox: { type: 'string' },
  record: { type: 'string' },
  exercise: { type: 'string' },
  side: { type: 'string' },
  speed: { type: 'string' },
  duration: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const USAGE = `usage: hipmon gateway (--config FILE | --simulate) [options]
  --config FILE      sensors → roles, patient, broker (JSON; see docs/ble-profile.md)
  --simulate         virtual sensors (hipmon profile) on the virtual BLE adapter
  --patient ID       patient id (simulate; default demo-patient)
  --broker URL       MQTT broker (overrides the config); without one, nothing is published
  --outbox DIR       store-and-forward directory (default ~/.hipmon/outbox/<patient>)
  --record FILE      also write the recording CSV
  --exercise ID      simulated movement (default standing_hip_abduction); --side left|right (default right)
  --speed X          simulated time speed (default 1)
  --duration S       stop after S seconds of gateway time
keys (or lines on stdin): c calibrate · s start set · x stop set · q end session and quit
`;

export const command: Command = {
  name: 'gateway',
  summary: 'BLE sensors → MQTT with a live view',
  async run(args, io) {
    let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>['values'];
    try {
      values = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }).values;
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    if (values.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    if (Boolean(values.config) === Boolean(values.simulate))
      throw new CliError('give exactly one of --config FILE or --simulate');
    const speed = positive(values.speed ?? '1', '--speed');
    const duration = values.duration === undefined ? Infinity : positive(values.duration, '--duration');
    const side = values.side ?? 'right';
    if (side !== 'left' && side !== 'right') throw new CliError(`--side must be left or right, got ${side}`);
    const exercise = (values.exercise ?? 'standing_hip_abduction') as ExerciseId;
    if (!(EXERCISE_IDS as readonly string[]).includes(exercise)) throw new CliError(`unknown exercise ${exercise}`);

    let config: GatewayConfig;
    let noble: NobleLike;
    let now: () => number;
    let adapter: VirtualBleAdapter | undefined;
    try {
      if (values.config) {
        config = await loadGatewayConfig(values.config);
        noble = loadNoble();
        now = () => Date.now() / 1000;
      } else {
        const patientId = values.patient ?? 'demo-patient';
        const thigh: SensorRole = side === 'left' ? 'thigh_left' : 'thigh_right';
        config = {
          patientId,
          sensors: [
            { role: 'pelvis', driver: 'hipmon', match: { localName: 'hipmon-sim-pelvis' } },
            { role: thigh, driver: 'hipmon', match: { localName: `hipmon-sim-${thigh}` } },
          ],
        };
        const script = createMotionScript({ exercise, side, reps: 1000 });
        const recorder = createRecorder(script, { rate: 100, errors: { jitter: 0, dropRate: 0 } });
        const stream = (role: SensorRole) =>
          (function* () {
            for (const s of recorder.samples()) if (s.role === role) yield s;
          })();
        adapter = new VirtualBleAdapter(
          (['pelvis', thigh] as const).map(
            (role, i) =>
              new HipmonVirtualDevice(
                {
                  id: `sim-${role}`,
                  address: `02:00:00:00:00:0${i + 1}`,
                  localName: `hipmon-sim-${role}`,
                  rssi: -58 - 6 * i,
                },
                stream(role),
                { samplesPerPacket: 10 },
              ),
          ),
        );
        const require = createRequire(import.meta.url);
        noble = (require('@abandonware/noble/with-bindings') as (b: unknown) => NobleLike)(adapter);
        const clock0 = Math.round(Date.now() / 1000);
        const virtual = adapter;
        now = () => clock0 + virtual.now();
      }
    } catch (err) {
      if (err instanceof GatewayConfigError || err instanceof BleUnavailableError) throw new CliError(err.message);
      throw err;
    }
    return runGateway(
      {
        config,
        noble,
        now,
        adapter,
        speed,
        duration,
        broker: values.broker ?? config.mqtt?.url,
        outboxDir: values.outbox ?? config.outboxDir ?? join(homedir(), '.hipmon', 'outbox', config.patientId),
        record: values.record,
        side,
        exercise,
      },
      io,
    );
  },
};

interface RunOptions {
  config: GatewayConfig;
  noble: NobleLike;
  now: () => number;
  adapter: VirtualBleAdapter | undefined;
  speed: number;
  duration: number;
  broker: string | undefined;
  outboxDir: string;
  record: string | undefined;
  side: 'left' | 'right';
  exercise: ExerciseId;
}

async function runGateway(o: RunOptions, io: CommandIo): Promise<number> {
  const { patientId } = o.config;
  const start = o.now();
  const sessionId = `${patientId}-g${Math.round(start)}`.slice(-64);
  const outbox = SegmentOutbox.open(o.outboxDir);
  const link = o.broker ? await openBroker(o.broker, `hipmon-gw-${patientId}`) : undefined;
  const forwarder = link ? new OutboxForwarder(outbox, link) : undefined;
  const publisher = new SamplePublisher({ patientId, sessionId, outbox, ...(forwarder ? { forwarder } : {}) });
  const recording = o.record
    ? new RecordingWriter(
        o.record,
        o.config.sensors.some((s: SensorEntry) => s.mag),
      )
    : undefined;
  let live: LiveState = initialLiveState();
  const control = (payload: ControlPayload): void => {
    outbox.append({
      topic: controlTopic(patientId, sessionId),
      payload: Buffer.from(JSON.stringify(payload)),
      qos: TOPIC_QOS.control,
      retain: false,
    });
    forwarder?.kick();
  };
  if (link) {
    link.client.on('message', (topic, payload) => (live = applyLiveMessage(live, topic, payload)));
    link.client.subscribe(gatewaySubscriptions(patientId), { qos: 1 });
  }
  const hub = new BleSensorHub({
    noble: o.noble,
    sensors: o.config.sensors,
    now: o.now,
    onSample: (role, sample) => {
      publisher.push(role, sample);
      recording?.push(role, sample);
    },
    statusIntervalMs: 2000,
  });
  control({ type: 'start_session', side: o.side, t: start });
  await hub.start();
  o.adapter?.run(o.speed);

  let quit = false;
  const onKey = (key: string): void => {
    const t = o.now();
    const exercise = currentExercise(live)?.exercise ?? o.exercise;
    if (key === 'c') control({ type: 'calibrate', t });
    else if (key === 's') control({ type: 'start_set', exercise, set: live.setsDone + 1, t });
    else if (key === 'x') {
      control({ type: 'stop_set', t });
      live = afterSet(live);
    } else if (key === 'q') quit = true;
    else return;
    live = {
      ...live,
      message: `sent ${key === 'c' ? 'calibrate' : key === 's' ? `start set (${exercise})` : key === 'x' ? 'stop set' : 'end session'}`,
    };
  };
  const stdin = process.stdin;
  const tty = Boolean(stdin.isTTY);
  const onData = (chunk: Buffer): void => {
    for (const ch of chunk.toString('utf8').split(/\s*/))
      if (ch) onKey(ch.toLowerCase() === '\u0003' ? 'q' : ch.toLowerCase());
  };
  if (tty) stdin.setRawMode(true);
  stdin.on('data', onData);
  stdin.resume();
  const stopSignal = (): void => void (quit = true);
  process.once('SIGINT', stopSignal);
  process.once('SIGTERM', stopSignal);

  const outTty = Boolean((io.stdout as NodeJS.WriteStream).isTTY);
  const draw = (): void => {
    const lines = renderLiveView({
      patientId,
      sessionId,
      sensors: hub.status(),
      live,
      outboxPending: outbox.pending,
      broker: link
        ? link.client.connected
          ? `connected (${o.broker})`
          : `offline, retrying (${o.broker})`
        : 'none (not publishing)',
      keys: tty,
    });
    io.stdout.write(outTty ? `\x1b[H\x1b[J${lines.join('\n')}\n` : `${lines.join('\n')}\n\n`);
  };
  try {
    while (!quit && o.now() - start < o.duration) {
      const frame = outTty ? 500 : 2000;
      const remainingMs = ((o.duration - (o.now() - start)) * 1000) / o.speed;
      await new Promise((r) => setTimeout(r, Math.max(1, Math.min(frame, remainingMs))));
      if (remainingMs >= frame) draw();
    }
    draw();
  } finally {
    control({ type: 'end_session', t: o.now() });
    publisher.flush();
    o.adapter?.stop();
    await hub.stop();
    stdin.off('data', onData);
    if (tty) stdin.setRawMode(false);
    stdin.pause();
    process.off('SIGINT', stopSignal);
    process.off('SIGTERM', stopSignal);
    if (forwarder && link?.client.connected)
      await Promise.race([forwarder.drained(), new Promise((r) => setTimeout(r, 5000))]);
    forwarder?.stop();
    outbox.close();
    await link?.client.endAsync(true);
    await recording?.close();
  }
  if (recording) io.stdout.write(`recorded ${recording.rows} rows to ${o.record}\n`);
  if (outbox.pending > 0) io.stdout.write(`${outbox.pending} message(s) kept in ${o.outboxDir} for the next run\n`);
  return 0;
}

/** Connects (MQTT 5, else 3.1.1); a broker that is down at start is retried in the background instead. */
async function openBroker(url: string, clientId: string): Promise<MqttConnection> {
  try {
    return await connectMqtt(url, { clientId, reconnectPeriod: 1000, connectTimeout: 3000 });
  } catch {
    return { client: mqtt.connect(url, { clientId, protocolVersion: 4, reconnectPeriod: 1000 }), protocolVersion: 4 };
  }
}

function positive(text: string, name: string): number {
  const v = Number(text);
  if (!(v > 0 && Number.isFinite(v))) throw new CliError(`${name} must be a positive number, got ${text}`);
  return v;
}
