import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from 'mqtt';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoHandle } from '@hipmon/tests';

/*
 * No Docker engine runs here, so the deployment is checked as configuration: docker-compose.yml against itself
 * (dependencies, volumes, ports, environment), against the CLI (the hipmon commands and options it runs exist),
 * against the Dockerfile, and the broker's config against a real Mosquitto 2.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * hipmon commands the compose file runs before they exist: written in parallel by others. Once a command is
 * registered in cli/src/commands/index.ts it is checked like the others (its options must parse); a command
 * that is neither registered nor listed here (a rename, a typo) fails the test.
 */
const PLANNED_COMMANDS = ['serve', 'dashboard'];

/** Services without a healthcheck, and why. */
const HEALTHCHECK_EXEMPT: Record<string, string> = {
  simulator: 'a client with no endpoint of its own; its traffic shows on the broker',
};

const APP_SERVICES = ['processing', 'dashboard', 'simulator'];

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string } | string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[]; interval?: string; timeout?: string; retries?: number };
  restart?: string;
  profiles?: string[];
}

interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const readText = (path: string) => readFileSync(join(ROOT, path), 'utf8');
// Compose files use YAML merge keys (<<:) to share the app and environment blocks.
const compose = parse(readText('docker-compose.yml'), { merge: true }) as Compose;
const services = compose.services;
const service = (name: string): Service => {
  const s = services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
};

/** `name:/path[:ro]` → named volume, `./x:/path` → bind mount. */
function mounts(s: Service) {
  return (s.volumes ?? []).map((spec) => {
    const [source, target, mode] = spec.split(':') as [string, string, string | undefined];
    return { source, target, mode, bind: source.startsWith('.') || source.startsWith('/') };
  });
}

/** The mosquitto.conf directives (comments and blank lines dropped), as name → values of every occurrence. */
function confDirectives(text: string): Map<string, string[][]> {
  const directives = new Map<string, string[][]>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [name, ...args] = trimmed.split(/\s+/) as [string, ...string[]];
    directives.set(name, [...(directives.get(name) ?? []), args]);
  }
  return directives;
}

const MOSQUITTO_CONF_TARGET = '/mosquitto/config/mosquitto.conf';
const mosquittoConfMount = mounts(service('mosquitto')).find((m) => m.target === MOSQUITTO_CONF_TARGET);
const mosquittoConfText = mosquittoConfMount ? readText(mosquittoConfMount.source) : '';
const conf = confDirectives(mosquittoConfText);
const listenerPort = Number(conf.get('listener')?.[0]?.[0]);

const registeredCommands = [
  ...readText('cli/src/commands/index.ts').matchAll(/registerCommand\(\s*'([a-z][a-z0-9-]*)'/g),
].map((m) => m[1]!);

const urlOf = (text: string) => new URL(text);
/** The port of the first http://127.0.0.1:PORT/ URL in a healthcheck. */
const healthcheckPort = (s: Service) =>
  Number(/http:\/\/127\.0\.0\.1:(\d+)\//.exec(s.healthcheck!.test.join(' '))?.[1]);

describe('docker-compose.yml', () => {
  it('has the five services, each with an image or a build, a restart policy and existing dependencies', () => {
    expect(Object.keys(services).sort()).toEqual(['dashboard', 'influxdb', 'mosquitto', 'processing', 'simulator']);
    for (const [name, s] of Object.entries(services)) {
      expect(s.image ?? s.build, `${name}: image or build`).toBeTruthy();
      expect(['always', 'unless-stopped', 'on-failure'], `${name}: restart`).toContain(s.restart);
      for (const [dependency, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(Object.keys(services), `${name} depends on ${dependency}`).toContain(dependency);
        expect(['service_started', 'service_healthy']).toContain(condition);
        if (condition === 'service_healthy') expect(services[dependency]!.healthcheck, dependency).toBeDefined();
        // Not in an optional profile: a default `docker compose up` could not start the dependant.
        if (!s.profiles) expect(services[dependency]!.profiles, `${name} → ${dependency}`).toBeUndefined();
      }
    }
    // No dependency cycles.
    const visit = (name: string, path: string[]): void => {
      expect(path, `cycle through ${name}`).not.toContain(name);
      for (const dependency of Object.keys(services[name]!.depends_on ?? {})) visit(dependency, [...path, name]);
    };
    for (const name of Object.keys(services)) visit(name, []);
    expect(service('simulator').profiles).toEqual(['demo']);
    expect(service('mosquitto').image).toMatch(/^eclipse-mosquitto:2(\.|$)/);
    expect(service('influxdb').image).toMatch(/^influxdb:1\.8(\.|$)/);
  });

  it('runs processing, dashboard and simulator from the one image built by the root Dockerfile', () => {
    const images = new Set(APP_SERVICES.map((name) => service(name).image));
    expect(images.size).toBe(1);
    for (const name of APP_SERVICES) {
      const build = service(name).build;
      expect(build, name).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    }
    const dockerfile = readText('Dockerfile');
    const stages = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]!);
    expect(stages.length).toBeGreaterThan(0);
    for (const image of stages) expect(image).toMatch(/^node:20[.-].*slim$/);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["npx", "hipmon"\]$/m);
    // npm ci needs every workspace's manifest: adding a workspace without updating the Dockerfile fails here.
    const workspaces = (JSON.parse(readText('package.json')) as { workspaces: string[] }).workspaces;
    for (const workspace of workspaces) {
      expect(dockerfile, workspace).toContain(`COPY ${workspace}/package.json ${workspace}/`);
    }
    const ignored = readText('.dockerignore').split('\n');
    expect(ignored).toContain('**/node_modules');
    expect(ignored).toContain('.git');
  });

  it('runs hipmon commands that exist (or are planned), with options the CLI accepts', () => {
    expect(registeredCommands).toContain('simulate');
    for (const name of APP_SERVICES) {
      const [command, ...args] = service(name).command ?? [];
      expect([...registeredCommands, ...PLANNED_COMMANDS], `${name}: hipmon ${command}`).toContain(command);
      if (!registeredCommands.includes(command!)) continue;
      // Options are parsed strictly before --help is honoured: an unknown or misspelt option exits non-zero.
      const result = spawnSync(process.execPath, ['cli/bin/hipmon.js', command!, ...args, '--help'], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(result.stderr, `hipmon ${command} ${args.join(' ')}`).toBe('');
      expect(result.status).toBe(0);
    }
    expect(service('processing').command).toEqual(['serve']);
    expect(service('dashboard').command).toEqual(['dashboard']);
    expect(service('simulator').command).toEqual([
      'simulate',
      '--patients',
      '5',
      '--mqtt',
      'mqtt://mosquitto:1883',
      '--loop',
    ]);
  });

  it('has a healthcheck on every long-running service, probing the port the service listens on', () => {
    for (const [name, s] of Object.entries(services)) {
      if (name in HEALTHCHECK_EXEMPT) continue;
      expect(s.healthcheck, name).toBeDefined();
      expect(['CMD', 'CMD-SHELL']).toContain(s.healthcheck!.test[0]);
      expect(s.healthcheck!.interval, name).toMatch(/^\d+s$/);
      expect(s.healthcheck!.retries, name).toBeGreaterThan(0);
    }
    const probe = service('mosquitto').healthcheck!.test;
    expect(Number(probe[probe.indexOf('-p') + 1])).toBe(listenerPort);
    expect(healthcheckPort(service('influxdb'))).toBe(
      Number(service('influxdb').environment!.INFLUXDB_HTTP_BIND_ADDRESS!.split(':')[1]),
    );
    expect(healthcheckPort(service('processing'))).toBe(Number(service('processing').environment!.HIPMON_HEALTH_PORT));
    expect(healthcheckPort(service('dashboard'))).toBe(Number(service('dashboard').environment!.HIPMON_HTTP_PORT));
  });

  it('declares every named volume it uses and uses every one it declares; bind-mounted files exist', () => {
    const used = new Set<string>();
    for (const [name, s] of Object.entries(services)) {
      for (const m of mounts(s)) {
        if (m.bind) expect(existsSync(join(ROOT, m.source)), `${name}: ${m.source}`).toBe(true);
        else used.add(m.source);
      }
    }
    expect([...used].sort()).toEqual(Object.keys(compose.volumes ?? {}).sort());
    expect(mounts(service('influxdb')).find((m) => m.target === '/var/lib/influxdb')?.bind).toBe(false);
  });

  it('points every broker URL at the mosquitto service and its listener, which persists to a volume', () => {
    expect(mosquittoConfMount?.mode).toBe('ro');
    expect(conf.get('persistence')).toEqual([['true']]);
    const location = conf.get('persistence_location')?.[0]?.[0];
    const dataVolume = mounts(service('mosquitto')).find(
      (m) => !m.bind && posix.normalize(`${m.target}/`) === location,
    );
    expect(dataVolume, `a named volume at ${location}`).toBeDefined();
    expect(listenerPort).toBeGreaterThan(0);
    expect(service('mosquitto').ports?.map((p) => Number(p.split(':').at(-1)))).toContain(listenerPort);
    expect(conf.get('allow_anonymous')).toEqual([['true']]);
    expect(mosquittoConfText).toMatch(/^#\s*password_file\s+\S+/m);

    const brokerUrls: string[] = [];
    for (const [name, s] of Object.entries(services)) {
      if (s.environment?.HIPMON_MQTT_URL) brokerUrls.push(s.environment.HIPMON_MQTT_URL);
      const args = s.command ?? [];
      if (args.includes('--mqtt')) brokerUrls.push(args[args.indexOf('--mqtt') + 1]!);
      if (name === 'processing' || name === 'dashboard') expect(s.environment?.HIPMON_MQTT_URL, name).toBeDefined();
    }
    expect(brokerUrls.length).toBe(3);
    for (const url of brokerUrls) {
      expect(urlOf(url).protocol).toBe('mqtt:');
      expect(urlOf(url).hostname).toBe('mosquitto');
      expect(Number(urlOf(url).port)).toBe(listenerPort);
    }
  });

  it('gives processing and dashboard the same InfluxDB database and the same SQLite file on a shared volume', () => {
    const influx = service('influxdb').environment!;
    const influxPort = Number(influx.INFLUXDB_HTTP_BIND_ADDRESS!.split(':')[1]);
    expect(influxPort).toBe(8086);
    const sqliteVolumes = new Set<string>();
    for (const name of ['processing', 'dashboard']) {
      const env = service(name).environment!;
      expect(env.HIPMON_INFLUX_DB, name).toBe(influx.INFLUXDB_DB);
      expect(urlOf(env.HIPMON_INFLUX_URL!).hostname).toBe('influxdb');
      expect(Number(urlOf(env.HIPMON_INFLUX_URL!).port)).toBe(influxPort);
      expect(env.HIPMON_SQLITE_PATH).toBe(service('processing').environment!.HIPMON_SQLITE_PATH);
      const volume = mounts(service(name)).find((m) => !m.bind && m.target === posix.dirname(env.HIPMON_SQLITE_PATH!));
      expect(volume, `${name}: a named volume holding ${env.HIPMON_SQLITE_PATH}`).toBeDefined();
      sqliteVolumes.add(volume!.source);
    }
    expect(sqliteVolumes.size).toBe(1);
    // The image prepares that directory for its non-root user, or SQLite could not create the file.
    const sqliteDir = posix.dirname(service('processing').environment!.HIPMON_SQLITE_PATH!);
    expect(readText('Dockerfile')).toContain(`mkdir -p ${sqliteDir} && chown node:node ${sqliteDir}`);
    const dashboardPort = service('dashboard').environment!.HIPMON_HTTP_PORT;
    expect(service('dashboard').ports).toContain(`${dashboardPort}:${dashboardPort}`);
    expect(dashboardPort).toBe('8080');
  });
});

describe('deploy/mosquitto/mosquitto.conf in a real Mosquitto 2', () => {
  let broker: MosquittoHandle;
  // Where the deployment's paths and listener cannot apply here, the harness's stand in (temp dir, free port).
  const MACHINE_SPECIFIC = new Set(['listener', 'persistence_location', 'log_dest', 'persistence']);

  beforeAll(async () => {
    const settings = mosquittoConfText
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#') && !MACHINE_SPECIFIC.has(line.split(/\s+/)[0]!));
    broker = await startMosquitto({ extraConfig: settings });
  });
  afterAll(async () => broker?.stop());

  it("accepts the settings, and the compose healthcheck's probe succeeds against it", () => {
    const probe = service('mosquitto')
      .healthcheck!.test.slice(1)
      // Compose turns $$ into $; the probe then targets this test's broker instead of the container's.
      .map((arg) => arg.replaceAll('$$', '$'))
      .map((arg, i, all) => (all[i - 1] === '-p' ? String(broker.port) : arg));
    const result = spawnSync(probe[0]!, probe.slice(1), { encoding: 'utf8', timeout: 20_000 });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+ seconds$/);
  });

  it('carries the largest message hipmon allows (a 1 MiB JSON payload) under max_packet_size', async () => {
    const client = connect(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
    await new Promise<void>((resolve, reject) => client.once('connect', () => resolve()).once('error', reject));
    const id = 'x'.repeat(64);
    const topic = `hipmon/v1/live/${id}/${id}/alerts`;
    await client.subscribeAsync(topic, { qos: 1 });
    const payload = Buffer.alloc(1_048_576, 0x20);
    payload[0] = 0x7b; // '{' … '}': a JSON object padded with spaces
    payload[payload.length - 1] = 0x7d;
    // A packet over max_packet_size makes the broker drop the connection: that is the failure to catch.
    const received = await new Promise<Buffer>((resolve, reject) => {
      client.once('message', (_topic, message) => resolve(message));
      client.once('close', () => reject(new Error('the broker closed the connection')));
      client.publish(topic, payload, { qos: 1, properties: { contentType: 'application/json' } }, (error) => {
        if (error) reject(error);
      });
    });
    expect(received.equals(payload)).toBe(true);
    await client.endAsync();
  });
});
