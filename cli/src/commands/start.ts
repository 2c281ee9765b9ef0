/**
 * `hipmon start` (`npm start`): the whole pipeline on one machine with no external service. An embedded MQTT
 * broker, the processing service's ingest stage, and simulated patients doing their programmes in real time;
 * prints where to look and a status line every few seconds, until Ctrl-C.
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { startEmbeddedBroker, startFrameIngest } from '@hipmon/services';
import type { EmbeddedBroker } from '@hipmon/services';
import type { Command } from '../command.js';
import { CliError } from '../command.js';

const USAGE = `usage: hipmon start [--port N] [--patients N] [--speed X]

Runs the pipeline on this machine: embedded MQTT broker (port 1883, or a free one when taken), processing
service, and N simulated patients (default 3) publishing their sensors in real time (--speed 10: ten times faster).
`;

export const command: Command = {
  name: 'start',
  summary: 'run the whole pipeline locally with simulated patients',
  async run(args, io) {
    let values;
    try {
      values = parseArgs({
        args,
        strict: true,
        options: {
          port: { type: 'string' },
          patients: { type: 'string' },
          speed: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      }).values;
    } catch (err) {
      throw new CliError(`${(err as Error).message} (hipmon start --help)`, 2);
    }
    if (values.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    const patients = Number(values.patients ?? 3);
    const speed = Number(values.speed ?? 1);
    if (!Number.isInteger(patients) || patients < 0 || patients > 1000)
      throw new CliError('--patients must be 0…1000', 2);
    if (!(speed > 0 && speed <= 1000)) throw new CliError('--speed must be > 0 and ≤ 1000', 2);

    const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
    const broker = await startBroker(values.port === undefined ? undefined : Number(values.port));
    const ingest = await startFrameIngest({ brokerUrl: broker.url, logger });
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);

    io.stdout.write(
      [
        'hipmon is running',
        `  MQTT broker (embedded, MQTT 3.1.1): ${broker.url}`,
        `  live topics: mosquitto_sub -h 127.0.0.1 -p ${broker.port} -t 'hipmon/v1/#' -v`,
        `  simulated patients: ${patients}, ${speed}× real time`,
        '  Ctrl-C to stop',
        '',
      ].join('\n'),
    );
    const started = performance.now();
    const status = setInterval(() => {
      const totals = ingest.accounting.totals();
      const elapsed = (performance.now() - started) / 1000;
      const rejected = [...ingest.rejected.values()].reduce((a, b) => a + b, 0);
      io.stdout.write(
        `[${elapsed.toFixed(0)} s] streams ${ingest.accounting.keys().length}  frames ${totals.frames}  ` +
          `samples ${totals.samples} (${(totals.samples / elapsed).toFixed(0)}/s)  duplicates ${totals.duplicates}  ` +
          `missing ${totals.missing}  rejected ${rejected}\n`,
      );
    }, 5000);

    try {
      const { runVirtualClinic } = await import('@hipmon/simulator/live');
      const clinic =
        patients > 0
          ? runVirtualClinic({
              brokerUrl: broker.url,
              patients,
              speed,
              loop: true,
              staggerS: 2,
              signal: controller.signal,
            })
          : Promise.resolve([]);
      await Promise.all([clinic, new Promise((resolve) => controller.signal.addEventListener('abort', resolve))]);
    } finally {
      clearInterval(status);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await ingest.close();
      await broker.close();
    }
    io.stdout.write('stopped\n');
    return 0;
  },
};

async function startBroker(port: number | undefined): Promise<EmbeddedBroker> {
  if (port !== undefined) {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError('--port must be 0…65535', 2);
    return startEmbeddedBroker({ port });
  }
  try {
    return await startEmbeddedBroker({ port: 1883 });
  } catch (err) {
    if ((err as { code?: string }).code !== 'EADDRINUSE') throw err;
    return startEmbeddedBroker({ port: 0 });
  }
}
