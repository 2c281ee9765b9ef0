/**
 * `hipmon serve`: the processing service (docker-compose's `processing` container). Options fall back to the
 * HIPMON_* environment of docker-compose.yml. Series go to InfluxDB when HIPMON_INFLUX_URL is set, else to SQLite next
 * to the metadata file. SIGINT/SIGTERM: stop taking messages, flush the stores, exit 0.
 */
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { InfluxSeriesStore, openMetadataStore, SqliteSeriesStore, startProcessingService } from '@hipmon/services';
import type { SeriesStore } from '@hipmon/services';
import type { Command } from '../command.js';
import { CliError } from '../command.js';

const USAGE = `usage: hipmon serve [--mqtt-url URL] [--influx-url URL] [--influx-db NAME] [--sqlite-path FILE]
                    [--health-port N] [--client-id ID] [--shared-group NAME] [--partition I/N] [--log-level LEVEL]

The processing service: IMU frames and control messages from MQTT → hip angles, repetitions, alerts → live MQTT
topics, series store (InfluxDB, or SQLite without --influx-url) and metadata store (SQLite).

  --mqtt-url URL       broker (HIPMON_MQTT_URL; default mqtt://127.0.0.1:1883)
  --influx-url URL     InfluxDB v1 HTTP API (HIPMON_INFLUX_URL); absent: SQLite series next to the metadata file
  --influx-db NAME     database (HIPMON_INFLUX_DB; default hipmon)
  --sqlite-path FILE   metadata SQLite file (HIPMON_SQLITE_PATH; default ./.hipmon-data/metadata.sqlite)
  --health-port N      GET /healthz on this port (HIPMON_HEALTH_PORT; default 8081; 0 = any free port)
  --health-host HOST   (HIPMON_HEALTH_HOST; default 0.0.0.0)
  --client-id ID       persistent MQTT session id (HIPMON_MQTT_CLIENT_ID; default hipmon-processing)
  --shared-group NAME  MQTT 5 shared subscription group (HIPMON_SHARED_GROUP)
  --partition I/N      handle only the patients hashing to worker I of N (HIPMON_PARTITION)
  --log-level LEVEL    pino level (LOG_LEVEL; default info)
`;

const OPTIONS = {
  'mqtt-url': { type: 'string' },
  'influx-url': { type: 'string' },
  'influx-db': { type: 'string' },
  'sqlite-path': { type: 'string' },
  'health-port': { type: 'string' },
  'health-host': { type: 'string' },
  'client-id': { type: 'string' },
  'shared-group': { type: 'string' },
  partition: { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function parsePartition(value: string | undefined): { index: number; count: number } | undefined {
  if (value === undefined || value === '') return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(m?.[1]),
    count = Number(m?.[2]);
  if (!m || count < 1 || index >= count)
    throw new CliError(`--partition must be I/N with 0 ≤ I < N, got '${value}'`, 2);
  return { index, count };
}

export const command: Command = {
  name: 'serve',
  summary: 'run the processing service (MQTT → analysis → live topics + stores)',
  async run(args, io) {
    let values;
    try {
      values = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }).values;
    } catch (err) {
      throw new CliError(`${(err as Error).message} (hipmon serve --help)`, 2);
    }
    if (values.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    const env = process.env;
    const mqttUrl = values['mqtt-url'] ?? env.HIPMON_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
    const influxUrl = values['influx-url'] ?? env.HIPMON_INFLUX_URL ?? '';
    const influxDb = values['influx-db'] ?? env.HIPMON_INFLUX_DB ?? 'hipmon';
    const sqlitePath = values['sqlite-path'] ?? env.HIPMON_SQLITE_PATH ?? join('.hipmon-data', 'metadata.sqlite');
    const healthPort = Number(values['health-port'] ?? env.HIPMON_HEALTH_PORT ?? 8081);
    const healthHost = values['health-host'] ?? env.HIPMON_HEALTH_HOST ?? '0.0.0.0';
    const level = values['log-level'] ?? env.LOG_LEVEL ?? 'info';
    if (!/^mqtts?:\/\/|^wss?:\/\//.test(mqttUrl))
      throw new CliError(`--mqtt-url must be mqtt://…, got '${mqttUrl}'`, 2);
    if (influxUrl !== '' && !/^https?:\/\//.test(influxUrl)) {
      throw new CliError(`--influx-url must be http(s)://…, got '${influxUrl}'`, 2);
    }
    if (!Number.isInteger(healthPort) || healthPort < 0 || healthPort > 65535) {
      throw new CliError('--health-port must be 0…65535', 2);
    }
    if (!LEVELS.includes(level)) throw new CliError(`--log-level must be one of ${LEVELS.join(', ')}`, 2);
    const partition = parsePartition(values.partition ?? env.HIPMON_PARTITION);
    const sharedGroup = values['shared-group'] ?? env.HIPMON_SHARED_GROUP;

    const logger = pino({ level }, pino.destination(2));
    let metadata;
    try {
      metadata = openMetadataStore({ path: sqlitePath });
    } catch (err) {
      throw new CliError(`cannot open ${sqlitePath}: ${(err as Error).message}`);
    }
    const dataDir = dirname(sqlitePath);
    let series: SeriesStore;
    if (influxUrl !== '') {
      series = await InfluxSeriesStore.open({
        url: influxUrl,
        database: influxDb,
        spoolDir: join(dataDir, 'influx-spool'),
        logger,
        ...(env.HIPMON_INFLUX_USER && { username: env.HIPMON_INFLUX_USER }),
        ...(env.HIPMON_INFLUX_PASSWORD && { password: env.HIPMON_INFLUX_PASSWORD }),
      });
    } else {
      series = new SqliteSeriesStore({ path: join(dataDir, 'series.sqlite'), logger });
    }
    let service;
    try {
      service = await startProcessingService({
        mqttUrl,
        series,
        metadata,
        logger,
        healthPort,
        healthHost,
        ...((values['client-id'] ?? env.HIPMON_MQTT_CLIENT_ID)
          ? { clientId: values['client-id'] ?? env.HIPMON_MQTT_CLIENT_ID }
          : {}),
        ...(sharedGroup && { sharedGroup }),
        ...(partition && { partition }),
      });
    } catch (err) {
      await series.close();
      metadata.close();
      throw new CliError(`cannot start the processing service: ${(err as Error).message}`);
    }
    io.stdout.write(
      `hipmon serve: ${mqttUrl} → ${influxUrl !== '' ? `InfluxDB ${influxUrl}/${influxDb}` : `SQLite ${join(dataDir, 'series.sqlite')}`}` +
        `, metadata ${sqlitePath}, health http://${healthHost}:${service.healthPort}/healthz\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await service.stop();
    await series.close();
    metadata.close();
    io.stdout.write('stopped\n');
    return 0;
  },
};
