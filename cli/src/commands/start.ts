/**
 * `hipmon start` (`npm start`): the whole pipeline on one machine with no external service. An embedded MQTT
 * broker, the processing service with SQLite stores (metadata and series) in a data directory, and simulated
 * patients — seeded in the metadata store with their plans, so targets and precautions apply — doing their
 * programmes in real time; prints where to look and a status line every few seconds (live reps per patient), until
 * Ctrl-C. The therapist dashboard runs on localhost too, with a demo therapist to whom the simulated patients are
 * assigned (its login and password are printed).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import {
  MetadataError,
  openMetadataStore,
  SqliteSeriesStore,
  startEmbeddedBroker,
  startProcessingService,
} from '@hipmon/services';
import type { EmbeddedBroker, MetadataStore } from '@hipmon/services';
import type { Command } from '../command.js';
import { CliError } from '../command.js';

const USAGE = `usage: hipmon start [--port N] [--http-port N] [--patients N] [--speed X] [--data-dir DIR]

Runs the pipeline on this machine: embedded MQTT broker (port 1883, or a free one when taken), processing
service (SQLite stores in --data-dir, default a new temporary directory), the dashboard on http://127.0.0.1
(--http-port, default 8080, or a free one when taken), and N simulated patients (default 3) publishing their
sensors in real time (--speed 10: ten times faster).
`;

/** The quick start's demo login (localhost only; printed at start). */
const DEMO_LOGIN = 'demo';
const DEMO_PASSWORD = 'hipmon-demo';

/** Programmes of the virtual clinic's first round (runVirtualClinic draws them with this seed). */
const PROGRAMME_SEED = '1.0';

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
          'http-port': { type: 'string' },
          patients: { type: 'string' },
          speed: { type: 'string' },
          'data-dir': { type: 'string' },
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
    const httpPort = values['http-port'] === undefined ? undefined : Number(values['http-port']);
    if (httpPort !== undefined && !(Number.isInteger(httpPort) && httpPort >= 0 && httpPort <= 65535)) {
      throw new CliError('--http-port must be 0…65535', 2);
    }
    const dataDir = resolve(values['data-dir'] ?? (await mkdtemp(join(tmpdir(), 'hipmon-data-'))));

    const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
    let metadata: MetadataStore;
    try {
      metadata = openMetadataStore({ path: join(dataDir, 'metadata.sqlite') });
    } catch (err) {
      throw new CliError(`cannot open the data directory ${dataDir}: ${(err as Error).message}`);
    }
    const series = new SqliteSeriesStore({ path: join(dataDir, 'series.sqlite'), logger });
    const live = await import('@hipmon/simulator/live');
    seedPatients(metadata, patients, live);
    const broker = await startBroker(values.port === undefined ? undefined : Number(values.port));
    const repsByPatient = new Map<string, number>();
    const service = await startProcessingService({
      mqttUrl: broker.url,
      series,
      metadata,
      logger,
      clientId: 'hipmon-quickstart',
      onOutput: (ref, output) => {
        if (output.kind === 'rep') repsByPatient.set(ref.patientId, (repsByPatient.get(ref.patientId) ?? 0) + 1);
      },
    });
    const dashboardModule = await import('@hipmon/dashboard');
    await seedDemoTherapist(metadata, patients, live, dashboardModule.hashPassword);
    let dashboard: Awaited<ReturnType<typeof dashboardModule.runDashboard>>;
    try {
      dashboard = await startDashboard(dashboardModule, httpPort, {
        metadata,
        series,
        mqttUrl: broker.url,
        sessionSecret: randomBytes(32).toString('base64url'),
        secureCookies: false,
        publishPlan: async (patientId) => service.publishPlan(patientId),
      });
    } catch (err) {
      await service.stop();
      await broker.close();
      await series.close();
      metadata.close();
      throw new CliError(`cannot start the dashboard: ${(err as Error).message}`);
    }
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);

    io.stdout.write(
      [
        'hipmon is running',
        `  MQTT broker (embedded, MQTT 3.1.1): ${broker.url}`,
        `  live topics: mosquitto_sub -h 127.0.0.1 -p ${broker.port} -t 'hipmon/v1/#' -v`,
        `  data (SQLite metadata + series): ${dataDir}`,
        `  dashboard: ${dashboard.url}  (login ${DEMO_LOGIN} / ${DEMO_PASSWORD}; API docs ${dashboard.url}/docs)`,
        `  simulated patients: ${patients}, ${speed}× real time`,
        '  Ctrl-C to stop',
        '',
      ].join('\n'),
    );
    const started = performance.now();
    const status = setInterval(() => {
      const c = service.counters;
      const elapsed = (performance.now() - started) / 1000;
      const rejected = Object.values(c.rejected).reduce((a, b) => a + b, 0);
      const active = service.sessions().filter((s) => s.state !== 'ended').length;
      const reps = [...repsByPatient].map(([patient, n]) => `${patient} ${n}`).join(', ');
      io.stdout.write(
        `[${elapsed.toFixed(0)} s] sessions ${c.sessionsOpened} (${active} live)  frames ${c.imuFrames}  ` +
          `samples ${c.samples} (${(c.samples / elapsed).toFixed(0)}/s)  duplicates ${c.duplicates}  ` +
          `missing ${c.missingFrames}  rejected ${rejected}  alerts ${c.published.alerts}  reps ${reps || '-'}\n`,
      );
    }, 5000);

    try {
      const clinic =
        patients > 0
          ? live.runVirtualClinic({
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
      // The service stops first, as before the dashboard existed: its shutdown timing decides which sessions end.
      await service.stop();
      await dashboard.close();
      await broker.close();
      await series.close();
      metadata.close();
    }
    io.stdout.write('stopped\n');
    return 0;
  },
};

/**
 * The virtual patients as patients of the metadata store, each with a plan prescribing the programme they will do
 * (reps and ROM of its first round); every third one had a posterior-approach hip replacement: hip flexion ≤ 90°.
 */
function seedPatients(metadata: MetadataStore, patients: number, live: typeof import('@hipmon/simulator/live')): void {
  const admin =
    metadata.findUserByLogin('quickstart') ??
    metadata.createUser({ role: 'admin', login: 'quickstart', displayName: 'Quick start' });
  for (let i = 0; i < patients; i++) {
    const id = live.virtualPatientId(i);
    if (metadata.getPatient(id)) continue;
    const programme = live.patientProgramme(i, { seed: PROGRAMME_SEED });
    const posterior = i % 3 === 2;
    metadata.createPatient({
      id,
      displayName: `Virtual patient ${i + 1}`,
      treatedSide: programme[0]!.side,
      surgeryType: posterior ? 'tha_posterior' : 'tha_anterior',
    });
    const items = programme.map((m) => ({ exercise: m.exercise, sets: 1, reps: m.reps ?? 10, targetRomDeg: m.romDeg }));
    const plan = { patientId: id, authorId: admin.id, sessionsPerWeek: 7 };
    const precautions = posterior ? { limits: { flexion: { max: 90 } } } : undefined;
    try {
      metadata.createPlanVersion({ ...plan, items, ...(precautions && { precautions }) });
    } catch (err) {
      // A target the precautions forbid: prescribe without targets (the catalogue's apply).
      if (!(err instanceof MetadataError)) throw err;
      metadata.createPlanVersion({
        ...plan,
        items: items.map(({ targetRomDeg: _t, ...item }) => item),
        ...(precautions && { precautions }),
      });
    }
  }
}

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

/** A therapist for the demo, with every simulated patient assigned (so the dashboard shows them). */
async function seedDemoTherapist(
  metadata: MetadataStore,
  patients: number,
  live: typeof import('@hipmon/simulator/live'),
  hashPassword: (password: string) => Promise<string>,
): Promise<void> {
  const therapist =
    metadata.findUserByLogin(DEMO_LOGIN) ??
    metadata.createUser({
      role: 'therapist',
      login: DEMO_LOGIN,
      displayName: 'Demo therapist',
      passwordHash: await hashPassword(DEMO_PASSWORD),
    });
  for (let i = 0; i < patients; i++) metadata.assignTherapist(therapist.id, live.virtualPatientId(i));
}

type DashboardModule = typeof import('@hipmon/dashboard');

async function startDashboard(
  module: DashboardModule,
  port: number | undefined,
  options: Omit<Parameters<DashboardModule['runDashboard']>[0], 'host' | 'port'>,
) {
  const host = '127.0.0.1';
  if (port !== undefined) return module.runDashboard({ ...options, host, port });
  try {
    return await module.runDashboard({ ...options, host, port: 8080 });
  } catch (err) {
    if ((err as { code?: string }).code !== 'EADDRINUSE') throw err;
    return module.runDashboard({ ...options, host, port: 0 });
  }
}
