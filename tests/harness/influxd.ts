import { request } from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveBinary } from './binaries.js';
import { LocalService } from './local-service.js';
import type { ServiceLifecycle } from './local-service.js';
import { freePorts, LOOPBACK } from './ports.js';
import { startWithPortRetry } from './port-retry.js';

export const INFLUXD_DIR_PREFIX = 'hipmon-influxd-';

export interface InfluxdOptions {
  /** Path to the influxd (1.x) binary; default $HIPMON_INFLUXD_BIN or /usr/bin/influxd. */
  binary?: string;
  /** Extra TOML appended verbatim at the end of influxdb.conf. */
  extraConfig?: string;
  /** How long to wait for GET /ping to answer 204 (default 30 s). */
  startTimeoutMs?: number;
}

/** influxd logs to stdout/stderr, which logs() returns. */
export interface InfluxdHandle extends ServiceLifecycle {
  /** http://127.0.0.1:<port> (HTTP API v1: /ping, /write, /query) */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Port of the backup/restore RPC service, also private. */
  readonly rpcPort: number;
  /** Temp dir holding influxdb.conf, meta/, data/, wal/ and the captured output. */
  readonly dir: string;
  readonly dataDir: string;
  readonly metaDir: string;
  readonly walDir: string;
  readonly configFile: string;
}

interface InfluxdConfigInput {
  httpPort: number;
  rpcPort: number;
  metaDir: string;
  dataDir: string;
  walDir: string;
  extraConfig: string;
}

const toml = (value: string): string => JSON.stringify(value);

/**
 * influxdb.conf for InfluxDB 1.6+: everything under the temp dir, only two loopback listeners, quiet logs,
 * no self-monitoring database, and every optional listener disabled explicitly so that nothing binds a
 * default port.
 */
export function influxdConfig(input: InfluxdConfigInput): string {
  return `reporting-disabled = true
bind-address = ${toml(`${LOOPBACK}:${input.rpcPort}`)}

[meta]
  dir = ${toml(input.metaDir)}
  logging-enabled = false

[data]
  dir = ${toml(input.dataDir)}
  wal-dir = ${toml(input.walDir)}
  query-log-enabled = false

[monitor]
  store-enabled = false

[continuous_queries]
  log-enabled = false

[http]
  enabled = true
  bind-address = ${toml(`${LOOPBACK}:${input.httpPort}`)}
  auth-enabled = false
  log-enabled = false
  pprof-enabled = false
  unix-socket-enabled = false

[logging]
  level = "warn"
  suppress-logo = true

[ifql]
  enabled = false

[[graphite]]
  enabled = false

[[collectd]]
  enabled = false

[[opentsdb]]
  enabled = false

[[udp]]
  enabled = false
${input.extraConfig}
`;
}

/** True when GET /ping answers 204 No Content, influxd's "ready" signal. */
export function answersPing(url: string, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    // No keep-alive agent: a pooled socket would outlive the probe and the server.
    const req = request(`${url}/ping`, { method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 204);
    });
    req.once('timeout', () => req.destroy(new Error('ping timed out')));
    req.once('error', () => resolve(false));
    req.end();
  });
}

/** Starts a private influxd (InfluxDB 1.x) with its data in a temp dir, on free loopback ports. */
export async function startInfluxd(options: InfluxdOptions = {}): Promise<InfluxdHandle> {
  const binary = resolveBinary('influxd', '/usr/bin/influxd', options.binary, 'HIPMON_INFLUXD_BIN');
  return startWithPortRetry(async () => {
    const dir = await mkdtemp(join(tmpdir(), INFLUXD_DIR_PREFIX));
    const [port, rpcPort] = (await freePorts(2)) as [number, number];
    const url = `http://${LOOPBACK}:${port}`;
    const configFile = join(dir, 'influxdb.conf');
    const metaDir = join(dir, 'meta');
    const dataDir = join(dir, 'data');
    const walDir = join(dir, 'wal');
    const service = new LocalService({
      name: 'influxd',
      binary,
      args: ['-config', configFile],
      dir,
      logFiles: [],
      ready: () => answersPing(url),
      startTimeoutMs: options.startTimeoutMs ?? 30_000,
    });
    try {
      const config = influxdConfig({
        httpPort: port,
        rpcPort,
        metaDir,
        dataDir,
        walDir,
        extraConfig: options.extraConfig ?? '',
      });
      await writeFile(configFile, config);
      await service.start();
    } catch (error) {
      await service.stop();
      throw error;
    }
    return {
      url,
      host: LOOPBACK,
      port,
      rpcPort,
      dir,
      dataDir,
      metaDir,
      walDir,
      configFile,
      get pid() {
        return service.pid;
      },
      stop: () => service.stop(),
      restart: () => service.restart(),
      kill: (signal) => service.kill(signal),
      logs: () => service.logs(),
    };
  });
}
