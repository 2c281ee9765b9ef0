import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { connect } from 'mqtt';
import { resolveBinary } from './binaries.js';
import { LocalService } from './local-service.js';
import type { ServiceLifecycle } from './local-service.js';
import { freePort, LOOPBACK } from './ports.js';
import { startWithPortRetry } from './port-retry.js';

export const MOSQUITTO_DIR_PREFIX = 'hipmon-mosquitto-';

export interface MosquittoOptions {
  /** Path to the mosquitto binary; default $HIPMON_MOSQUITTO_BIN or /usr/sbin/mosquitto. */
  binary?: string;
  /** Persist sessions and queued messages in the temp dir across restarts (default true). */
  persistence?: boolean;
  /** Extra mosquitto.conf lines, appended verbatim. */
  extraConfig?: readonly string[];
  /** How long to wait for the first accepted MQTT connection (default 15 s). */
  startTimeoutMs?: number;
}

/** stop() saves the persistence db first; logs() includes mosquitto's log file. */
export interface MosquittoHandle extends ServiceLifecycle {
  /** mqtt://127.0.0.1:<port> */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Temp dir holding mosquitto.conf, the persistence db and the logs. */
  readonly dir: string;
  readonly configFile: string;
}

interface MosquittoConfigInput {
  port: number;
  dir: string;
  logFile: string;
  persistence: boolean;
  extraConfig: readonly string[];
}

/** The mosquitto.conf text: one anonymous loopback listener, persistence and logs in the temp dir. */
export function mosquittoConfig(input: MosquittoConfigInput): string {
  const lines = [
    // As root, mosquitto would otherwise switch to the 'mosquitto' user, which cannot write our temp dir.
    `user ${userInfo().username}`,
    `listener ${input.port} ${LOOPBACK}`,
    'allow_anonymous true',
    // Without it, Nagle's algorithm holds small packets (PUBACKs) ~40 ms: QoS 1 publishers crawl.
    'set_tcp_nodelay true',
    `persistence ${input.persistence}`,
    // Trailing slash: mosquitto concatenates the location and the file name.
    `persistence_location ${input.dir}/`,
    'persistence_file mosquitto.db',
    `log_dest file ${input.logFile}`,
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    'connection_messages true',
    'log_timestamp true',
    ...input.extraConfig,
  ];
  return `${lines.join('\n')}\n`;
}

/** True once the broker completes an MQTT v5 CONNECT/CONNACK handshake. */
export function acceptsMqttConnection(url: string, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const client = connect(url, {
      protocolVersion: 5,
      clientId: `hipmon-harness-probe-${process.pid}-${Math.random().toString(16).slice(2)}`,
      reconnectPeriod: 0,
      connectTimeout: timeoutMs,
      clean: true,
    });
    const finish = (ok: boolean): void => {
      client.removeAllListeners();
      client.on('error', () => undefined);
      client.end(true);
      resolve(ok);
    };
    client.once('connect', () => finish(true));
    client.once('error', () => finish(false));
    client.once('close', () => finish(false));
  });
}

/** Starts a private Mosquitto on a free loopback port (never the system broker on 1883). */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<MosquittoHandle> {
  const binary = resolveBinary('mosquitto', '/usr/sbin/mosquitto', options.binary, 'HIPMON_MOSQUITTO_BIN');
  return startWithPortRetry(async () => {
    const dir = await mkdtemp(join(tmpdir(), MOSQUITTO_DIR_PREFIX));
    const port = await freePort();
    const url = `mqtt://${LOOPBACK}:${port}`;
    const configFile = join(dir, 'mosquitto.conf');
    const logFile = join(dir, 'mosquitto.log');
    const service = new LocalService({
      name: 'mosquitto',
      binary,
      args: ['-c', configFile],
      dir,
      logFiles: [logFile],
      ready: () => acceptsMqttConnection(url),
      startTimeoutMs: options.startTimeoutMs ?? 15_000,
    });
    try {
      const config = mosquittoConfig({
        port,
        dir,
        logFile,
        persistence: options.persistence ?? true,
        extraConfig: options.extraConfig ?? [],
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
      dir,
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
