/**
 * `hipmon gateway`: the home gateway. Real sensors from a config file (noble), or `--simulate` with virtual sensors
 * on the virtual BLE adapter (the real noble library on top). The session itself (samples → frames → disk outbox →
 * MQTT, controls, live view state, `--record`) is the gateway package's GatewaySession; this command adds the
 * terminal: a plain-text status view (redrawn in place on a terminal, appended blocks otherwise: tmux/log friendly)
 * and keys or stdin lines c / s / x / q for calibrate / start set / stop set / end session.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EXERCISE_IDS } from '@hipmon/core';
import type { ExerciseId } from '@hipmon/core';
import {
  BleUnavailableError,
  GatewayConfigError,
  GatewaySession,
  GatewayStartError,
  loadGatewayConfig,
  loadNoble,
} from '@hipmon/gateway';
import type { GatewayConfig, GatewaySessionSummary, NobleLike } from '@hipmon/gateway';
import { createSimulatedSensors } from '@hipmon/simulator';
import type { VirtualBleAdapter } from '@hipmon/simulator';
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
  reps: { type: 'string' },
  speed: { type: 'string' },
  duration: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const USAGE = `usage: hipmon gateway (--config FILE | --simulate) [options]
  --config FILE      sensors → roles, patient, broker (JSON; see docs/gateway.md)
  --simulate         virtual sensors (hipmon profile) on the virtual BLE adapter
  --patient ID       patient id (simulate; default demo-patient)
  --broker URL       MQTT broker (overrides the config); without one, nothing is published
  --outbox DIR       store-and-forward directory (default ~/.hipmon/outbox/<patient>)
  --record FILE      also write the recording CSV
  --exercise ID      simulated movement (default standing_hip_abduction); --side left|right (default right)
  --reps N           simulated repetitions (default 1000: the sensors stream until you stop)
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
    const reps = values.reps === undefined ? 1000 : positive(values.reps, '--reps');
    if (!Number.isInteger(reps)) throw new CliError(`--reps must be a whole number, got ${values.reps}`);
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
        const simulated = createSimulatedSensors({ motion: { exercise, side, reps } });
        config = { patientId: values.patient ?? 'demo-patient', sensors: simulated.sensors };
        noble = simulated.noble;
        adapter = simulated.adapter;
        const clock0 = Math.round(Date.now() / 1000);
        now = () => clock0 + simulated.adapter.now();
      }
    } catch (err) {
      if (err instanceof GatewayConfigError || err instanceof BleUnavailableError) throw new CliError(err.message);
      throw err;
    }
    const outboxDir = values.outbox ?? config.outboxDir ?? join(homedir(), '.hipmon', 'outbox', config.patientId);
    let session: GatewaySession;
    try {
      session = await GatewaySession.start({
        config,
        noble,
        now,
        broker: values.broker ?? config.mqtt?.url,
        outboxDir,
        ...(values.record ? { record: values.record } : {}),
        side,
        exercise,
      });
    } catch (err) {
      if (err instanceof GatewayStartError || err instanceof BleUnavailableError) throw new CliError(err.message);
      throw err;
    }
    adapter?.run(speed);
    return runTerminal(session, { now, speed, duration, adapter, record: values.record, outboxDir }, io);
  },
};

interface TerminalOptions {
  now: () => number;
  speed: number;
  duration: number;
  adapter: VirtualBleAdapter | undefined;
  record: string | undefined;
  outboxDir: string;
}

async function runTerminal(session: GatewaySession, o: TerminalOptions, io: CommandIo): Promise<number> {
  const start = o.now();
  let quit = false;
  const onKey = (key: string): void => {
    if (key === 'c') session.calibrate();
    else if (key === 's') session.startSet();
    else if (key === 'x') session.stopSet();
    else if (key === 'q') quit = true;
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
    const lines = session.view(tty);
    io.stdout.write(outTty ? `\x1b[H\x1b[J${lines.join('\n')}\n` : `${lines.join('\n')}\n\n`);
  };
  let summary: GatewaySessionSummary;
  try {
    while (!quit && o.now() - start < o.duration) {
      const frame = outTty ? 500 : 2000;
      const remainingMs = ((o.duration - (o.now() - start)) * 1000) / o.speed;
      await new Promise((r) => setTimeout(r, Math.max(1, Math.min(frame, remainingMs))));
      if (remainingMs >= frame) draw();
    }
    draw();
  } finally {
    o.adapter?.stop();
    summary = await session.close();
    stdin.off('data', onData);
    if (tty) stdin.setRawMode(false);
    stdin.pause();
    process.off('SIGINT', stopSignal);
    process.off('SIGTERM', stopSignal);
  }
  if (summary.recording) {
    const { rows, late, withoutMag } = summary.recording;
    const left = [late ? `${late} late` : '', withoutMag ? `${withoutMag} without magnetometer` : ''].filter(Boolean);
    io.stdout.write(`recorded ${rows} rows to ${o.record}${left.length ? ` (left out: ${left.join(', ')})` : ''}\n`);
  }
  if (summary.pending > 0) io.stdout.write(`${summary.pending} message(s) kept in ${o.outboxDir} for the next run\n`);
  return 0;
}

function positive(text: string, name: string): number {
  const v = Number(text);
  if (!(v > 0 && Number.isFinite(v))) throw new CliError(`${name} must be a positive number, got ${text}`);
  return v;
}
