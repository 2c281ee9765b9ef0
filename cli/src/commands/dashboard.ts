/**
 * `hipmon dashboard`: the therapist dashboard (docker-compose's `dashboard` container): REST API, live WebSocket
 * bridged from MQTT, web UI (built with Vite on first start when missing). Options fall back to the HIPMON_*
 * environment of docker-compose.yml. Series are read from InfluxDB when HIPMON_INFLUX_URL is set, else from the
 * SQLite series file next to the metadata file (where `hipmon serve` writes them).
 */
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { InfluxSeriesStore, openMetadataStore, SqliteSeriesStore } from '@hipmon/services';
import type { MetadataStore, SeriesStore } from '@hipmon/services';
import type { Command } from '../command.js';
import { CliError } from '../command.js';

const USAGE = `usage: hipmon dashboard [--host HOST] [--port N] [--mqtt-url URL] [--influx-url URL] [--influx-db NAME]
                        [--sqlite-path FILE] [--secure-cookies true|false|auto] [--trust-proxy] [--no-web]

The therapist dashboard: REST API (OpenAPI at /docs), live view over WebSocket, web UI, GET /healthz.

  --host HOST           listen address (HIPMON_HTTP_HOST; default 127.0.0.1)
  --port N              listen port (HIPMON_HTTP_PORT; default 8080; 0 = any free port)
  --mqtt-url URL        broker for live data and plan publishing (HIPMON_MQTT_URL; default mqtt://127.0.0.1:1883)
  --influx-url URL      InfluxDB v1 HTTP API (HIPMON_INFLUX_URL); absent: SQLite series next to the metadata file
  --influx-db NAME      database (HIPMON_INFLUX_DB; default hipmon)
  --sqlite-path FILE    metadata SQLite file (HIPMON_SQLITE_PATH; default ./.hipmon-data/metadata.sqlite)
  --secure-cookies X    Secure cookies: true behind TLS, auto from the request (HIPMON_SECURE_COOKIES; default auto)
  --trust-proxy         trust X-Forwarded-* from a TLS-terminating proxy (HIPMON_TRUST_PROXY=1)
  --no-web              API only, do not build or serve the web UI

  HIPMON_SESSION_SECRET  ≥ 32 characters signing the session cookies (random per start when unset: everyone
                         logs in again after a restart)
  HIPMON_ADMIN_LOGIN, HIPMON_ADMIN_PASSWORD  create this admin at start when no user has that login
`;

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  'mqtt-url': { type: 'string' },
  'influx-url': { type: 'string' },
  'influx-db': { type: 'string' },
  'sqlite-path': { type: 'string' },
  'secure-cookies': { type: 'string' },
  'trust-proxy': { type: 'boolean' },
  'no-web': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const command: Command = {
  name: 'dashboard',
  summary: 'run the therapist dashboard (web UI, REST API, live WebSocket)',
  async run(args, io) {
    let values;
    try {
      values = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }).values;
    } catch (err) {
      throw new CliError(`${(err as Error).message} (hipmon dashboard --help)`, 2);
    }
    if (values.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    const env = process.env;
    const host = values.host ?? env.HIPMON_HTTP_HOST ?? '127.0.0.1';
    const port = Number(values.port ?? env.HIPMON_HTTP_PORT ?? 8080);
    const mqttUrl = values['mqtt-url'] ?? env.HIPMON_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
    const influxUrl = values['influx-url'] ?? env.HIPMON_INFLUX_URL ?? '';
    const influxDb = values['influx-db'] ?? env.HIPMON_INFLUX_DB ?? 'hipmon';
    const sqlitePath = values['sqlite-path'] ?? env.HIPMON_SQLITE_PATH ?? join('.hipmon-data', 'metadata.sqlite');
    const secureText = values['secure-cookies'] ?? env.HIPMON_SECURE_COOKIES ?? 'auto';
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError('--port must be 0…65535', 2);
    if (!/^mqtts?:\/\/|^wss?:\/\//.test(mqttUrl))
      throw new CliError(`--mqtt-url must be mqtt://…, got '${mqttUrl}'`, 2);
    if (influxUrl !== '' && !/^https?:\/\//.test(influxUrl)) {
      throw new CliError(`--influx-url must be http(s)://…, got '${influxUrl}'`, 2);
    }
    if (!['true', 'false', 'auto'].includes(secureText))
      throw new CliError('--secure-cookies must be true, false or auto', 2);
    const secret = env.HIPMON_SESSION_SECRET ?? randomBytes(32).toString('base64url');
    if (secret.length < 32) throw new CliError('HIPMON_SESSION_SECRET must be at least 32 characters', 2);

    let metadata: MetadataStore;
    try {
      metadata = openMetadataStore({ path: sqlitePath });
    } catch (err) {
      throw new CliError(`cannot open ${sqlitePath}: ${(err as Error).message}`);
    }
    const { runDashboard, hashPassword } = await import('@hipmon/dashboard');
    if (env.HIPMON_ADMIN_LOGIN && env.HIPMON_ADMIN_PASSWORD && !metadata.findUserByLogin(env.HIPMON_ADMIN_LOGIN)) {
      metadata.createUser({
        role: 'admin',
        login: env.HIPMON_ADMIN_LOGIN,
        displayName: env.HIPMON_ADMIN_LOGIN,
        passwordHash: await hashPassword(env.HIPMON_ADMIN_PASSWORD),
      });
    }
    let series: SeriesStore;
    if (influxUrl !== '') {
      series = await InfluxSeriesStore.open({
        url: influxUrl,
        database: influxDb,
        // The dashboard only reads; the processing service owns the database's retention policies.
        provision: false,
        spoolDir: join(dirname(sqlitePath), 'dashboard-spool'),
        ...(env.HIPMON_INFLUX_USER && { username: env.HIPMON_INFLUX_USER }),
        ...(env.HIPMON_INFLUX_PASSWORD && { password: env.HIPMON_INFLUX_PASSWORD }),
      });
    } else {
      series = new SqliteSeriesStore({ path: join(dirname(sqlitePath), 'series.sqlite') });
    }
    let dashboard;
    try {
      dashboard = await runDashboard({
        host,
        port,
        mqttUrl,
        metadata,
        series,
        sessionSecret: secret,
        secureCookies: secureText === 'auto' ? 'auto' : secureText === 'true',
        trustProxy: values['trust-proxy'] ?? env.HIPMON_TRUST_PROXY === '1',
        noWeb: values['no-web'] ?? false,
        logger: { level: env.LOG_LEVEL ?? 'info' },
      });
    } catch (err) {
      await series.close();
      metadata.close();
      throw new CliError(`cannot start the dashboard: ${(err as Error).message}`);
    }
    io.stdout.write(`hipmon dashboard: ${dashboard.url} (API docs ${dashboard.url}/docs), live data from ${mqttUrl}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await dashboard.close();
    await series.close();
    metadata.close();
    io.stdout.write('stopped\n');
    return 0;
  },
};
