import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  acceptsMqttConnection,
  answersPing,
  freePort,
  INFLUXD_DIR_PREFIX,
  isPortAccepting,
  MOSQUITTO_DIR_PREFIX,
  ServiceStartError,
  startInfluxd,
  startMosquitto,
  type InfluxdHandle,
  type MosquittoHandle,
} from '@hipmon/tests';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const fixture = join(here, '..', 'harness', 'fixtures', 'abandon-services.ts');

/** Alive and not a zombie (an orphan's exit may be reaped late by this container's init). */
function isProcessRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** True when this test can bind the port itself, i.e. the service released it. */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function tempDirsWithPrefix(prefix: string): Set<string> {
  return new Set(readdirSync(tmpdir()).filter((name) => name.startsWith(prefix)));
}

async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

const started: Array<MosquittoHandle | InfluxdHandle> = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((service) => service.stop()));
});

describe('freePort', () => {
  it('returns an unprivileged loopback port that is free to bind', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(1023);
    expect(port).toBeLessThan(65536);
    expect(await canBind(port)).toBe(true);
  });
});

describe('startMosquitto', () => {
  it('runs a private broker that stops, restarts, crashes and cleans up', async () => {
    const broker = await startMosquitto();
    started.push(broker);
    const firstPid = broker.pid!;
    expect(broker.port).not.toBe(1883);
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
    expect(readFileSync(broker.configFile, 'utf8')).toContain(`listener ${broker.port} 127.0.0.1`);
    expect(isProcessRunning(firstPid)).toBe(true);
    expect(await acceptsMqttConnection(broker.url)).toBe(true);

    await broker.restart();
    expect(isProcessRunning(firstPid)).toBe(false);
    expect(broker.pid).not.toBe(firstPid);
    expect(await acceptsMqttConnection(broker.url)).toBe(true);

    const secondPid = broker.pid!;
    await broker.kill('SIGKILL');
    expect(broker.pid).toBeUndefined();
    expect(isProcessRunning(secondPid)).toBe(false);
    expect(await isPortAccepting(broker.port)).toBe(false);
    expect(existsSync(broker.dir)).toBe(true);

    await broker.restart();
    expect(await acceptsMqttConnection(broker.url)).toBe(true);
    expect(broker.logs()).toContain(`Opening ipv4 listen socket on port ${broker.port}`);

    const lastPid = broker.pid!;
    await broker.stop();
    expect(isProcessRunning(lastPid)).toBe(false);
    expect(await canBind(broker.port)).toBe(true);
    expect(existsSync(broker.dir)).toBe(false);
    await broker.stop();
    await expect(broker.restart()).rejects.toThrow(/was stopped/);
  });

  it('reports a missing binary clearly and leaves no temp dir', async () => {
    const before = tempDirsWithPrefix(MOSQUITTO_DIR_PREFIX);
    const failure = startMosquitto({ binary: '/nonexistent/bin/mosquitto' });
    await expect(failure).rejects.toBeInstanceOf(ServiceStartError);
    await expect(failure).rejects.toThrow('binary not found: /nonexistent/bin/mosquitto');
    expect(tempDirsWithPrefix(MOSQUITTO_DIR_PREFIX)).toEqual(before);
  });

  it('includes the end of the broker log when it refuses to start', async () => {
    const before = tempDirsWithPrefix(MOSQUITTO_DIR_PREFIX);
    const failure = startMosquitto({ extraConfig: ['no_such_option 1'] });
    await expect(failure).rejects.toThrow(/exited early[\s\S]*Unknown configuration variable "no_such_option"/);
    expect(tempDirsWithPrefix(MOSQUITTO_DIR_PREFIX)).toEqual(before);
  });
});

describe('startInfluxd', () => {
  it('runs a private influxd that stops, restarts, crashes and cleans up', async () => {
    const influxd = await startInfluxd();
    started.push(influxd);
    const firstPid = influxd.pid!;
    expect([influxd.port, influxd.rpcPort]).not.toContain(8086);
    expect([influxd.port, influxd.rpcPort]).not.toContain(8088);
    expect(influxd.url).toBe(`http://127.0.0.1:${influxd.port}`);
    expect(await answersPing(influxd.url)).toBe(true);
    expect(existsSync(join(influxd.metaDir, 'meta.db'))).toBe(true);
    expect(influxd.dataDir.startsWith(influxd.dir)).toBe(true);

    await influxd.restart();
    expect(isProcessRunning(firstPid)).toBe(false);
    expect(influxd.pid).not.toBe(firstPid);
    expect(await answersPing(influxd.url)).toBe(true);

    const secondPid = influxd.pid!;
    await influxd.kill('SIGKILL');
    expect(influxd.pid).toBeUndefined();
    expect(isProcessRunning(secondPid)).toBe(false);
    expect(await answersPing(influxd.url)).toBe(false);

    await influxd.restart();
    expect(await answersPing(influxd.url)).toBe(true);

    const lastPid = influxd.pid!;
    await influxd.stop();
    expect(isProcessRunning(lastPid)).toBe(false);
    expect(await canBind(influxd.port)).toBe(true);
    expect(await canBind(influxd.rpcPort)).toBe(true);
    expect(existsSync(influxd.dir)).toBe(false);
    await influxd.stop();
  });

  it('reports a missing binary clearly and leaves no temp dir', async () => {
    const before = tempDirsWithPrefix(INFLUXD_DIR_PREFIX);
    const failure = startInfluxd({ binary: '/nonexistent/bin/influxd' });
    await expect(failure).rejects.toBeInstanceOf(ServiceStartError);
    await expect(failure).rejects.toThrow('binary not found: /nonexistent/bin/influxd');
    expect(tempDirsWithPrefix(INFLUXD_DIR_PREFIX)).toEqual(before);
  });

  it('includes the end of the influxd output when it refuses to start', async () => {
    const before = tempDirsWithPrefix(INFLUXD_DIR_PREFIX);
    const failure = startInfluxd({ extraConfig: 'this line is not toml' });
    await expect(failure).rejects.toThrow(/exited early[\s\S]*parse config/);
    expect(tempDirsWithPrefix(INFLUXD_DIR_PREFIX)).toEqual(before);
  });
});

describe('cleanup when the test process does not stop its services', () => {
  interface Abandoned {
    pids: number[];
    dirs: string[];
  }

  function runFixture(mode: 'exit' | 'hang'): { report: Promise<Abandoned>; kill: () => void; exited: Promise<void> } {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, mode], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const report = new Promise<Abandoned>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const newline = stdout.indexOf('\n');
        if (newline >= 0) resolve(JSON.parse(stdout.slice(0, newline)) as Abandoned);
      });
      child.once('exit', (code) => reject(new Error(`fixture exited (${code}) before reporting: ${stderr}`)));
    });
    return { report, kill: () => child.kill('SIGKILL'), exited };
  }

  async function expectCleanedUp(abandoned: Abandoned): Promise<void> {
    expect(abandoned.pids).toHaveLength(2);
    const gone = await eventually(
      () => abandoned.pids.every((pid) => !isProcessRunning(pid)) && abandoned.dirs.every((dir) => !existsSync(dir)),
      10_000,
    );
    expect({ gone, running: abandoned.pids.filter(isProcessRunning), dirs: abandoned.dirs.filter(existsSync) }).toEqual(
      { gone: true, running: [], dirs: [] },
    );
  }

  it('kills the services and removes their dirs when Node exits without stop()', async () => {
    const run = runFixture('exit');
    const abandoned = await run.report;
    await run.exited;
    await expectCleanedUp(abandoned);
  });

  it('kills the services and removes their dirs when the test process is SIGKILLed', async () => {
    const run = runFixture('hang');
    const abandoned = await run.report;
    expect(abandoned.pids.every(isProcessRunning)).toBe(true);
    run.kill();
    await run.exited;
    await expectCleanedUp(abandoned);
    // Hygiene, not an assertion: the killed orphans are reaped by init, which some container inits do
    // lazily (about 2 s here); wait so that no <defunct> entry outlives the test run.
    await eventually(() => abandoned.pids.every((pid) => !existsSync(`/proc/${pid}`)), 10_000);
  });
});
