import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfluxDB } from 'influx';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RepEventPayload } from '@hipmon/core';
import type { AngleSample, SessionRef } from '@hipmon/services';
import { InfluxSeriesStore } from '@hipmon/services';
import type { InfluxSeriesStoreOptions } from '@hipmon/services';
import { startInfluxd } from '@hipmon/tests';
import type { InfluxdHandle } from '@hipmon/tests';
import { expectedSamples, makeFrames, T0 } from '../../services/src/store/series/contract-data.js';
import { seriesStoreContract } from '../../services/src/store/series/contract.js';

/*
 * The InfluxDB adapter against a real influxd 1.6 (HTTP API v1): the shared contract, then what only this adapter
 * has — provisioning, rejected points, and the disk spool across influxd crashes and service restarts.
 */

const logger = pino({ level: 'silent' });
let influxd: InfluxdHandle;
let root: string;
let stores = 0;

beforeAll(async () => {
  influxd = await startInfluxd();
  root = await mkdtemp(join(tmpdir(), 'hipmon-series-influx-'));
});

afterAll(async () => {
  await influxd?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

/**
 * A store on its own database and spool. The test data is from 2023, so every retention policy is infinite unless a
 * test says otherwise (with the default 7 d / 5 y policies InfluxDB would refuse it, today or in a few years).
 */
function storeOptions(overrides: Partial<InfluxSeriesStoreOptions> = {}): InfluxSeriesStoreOptions {
  stores += 1;
  return {
    url: influxd.url,
    database: `hipmon_${stores}`,
    spoolDir: join(root, `spool-${stores}`),
    retention: { raw: 'INF', long: 'INF', trend: 'INF' },
    logger,
    inlineRetries: 1,
    inlineRetryInitialMs: 20,
    replayInitialMs: 100,
    replayMaxMs: 400,
    requestTimeoutMs: 5000,
    ...overrides,
  };
}

const client = (database: string): InfluxDB => new InfluxDB({ host: influxd.host, port: influxd.port, database });

seriesStoreContract('InfluxDB 1.6 over the v1 HTTP API', () => InfluxSeriesStore.open(storeOptions()));

const REF: SessionRef = { patientId: 'patient-7', sessionId: '20231114-2213' };

/** Angles at 50 Hz from `start`, one per IMU frame time, easy to count. */
const anglesFrom = (start: number, count: number): AngleSample[] =>
  Array.from({ length: count }, (_, i) => ({
    t: start + i / 50,
    side: 'left',
    exercise: 'glute_bridge',
    flexion: 20 + 15 * Math.sin(i / 25),
    abduction: -3 + i / 1000,
    rotation: 1.5,
  }));

const rep = (n: number): RepEventPayload => ({
  exercise: 'glute_bridge',
  side: 'left',
  set: 1,
  rep: n + 1,
  start: T0 + 4 * n,
  end: T0 + 4 * n + 3,
  peak: { flexion: 35 + n, abduction: -2, rotation: 1 },
  rom: 30 + n,
});

async function spoolFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.lp')).sort();
}

describe('InfluxSeriesStore', () => {
  it('creates the database and retention policies, and brings them to new durations on reopen', async () => {
    const options = storeOptions({ retention: { raw: '7d', long: '260w', trend: 'INF' } });
    const store = await InfluxSeriesStore.open(options);
    await store.close();
    const influx = client(options.database!);
    const policies = async () =>
      Object.fromEntries(
        (await influx.showRetentionPolicies()).map((rp) => [rp.name, [rp.duration, rp.shardGroupDuration, rp.default]]),
      );
    expect(await policies()).toMatchObject({
      raw: ['168h0m0s', '24h0m0s', false],
      long: ['43680h0m0s', '168h0m0s', true],
      trend: ['0s', '168h0m0s', false],
    });

    const reopened = await InfluxSeriesStore.open({ ...options, retention: { raw: '36h', long: 'INF', trend: 'INF' } });
    await reopened.close();
    expect(await policies()).toMatchObject({ raw: ['36h0m0s', '1h0m0s', false], long: ['0s', '168h0m0s', true] });
  });

  it('counts points InfluxDB refuses (beyond the retention policy) as dropped, without spooling them', async () => {
    const store = await InfluxSeriesStore.open(storeOptions({ retention: { raw: '1h', long: 'INF', trend: 'INF' } }));
    const frames = makeFrames({ role: 'pelvis', frames: 4, samplesPerFrame: 10, rateHz: 100, start: T0 });
    for (const f of frames) await store.writeImu(REF, f);
    await store.writeAngles(REF, anglesFrom(T0, 5));
    await store.flush();
    const status = store.status();
    expect(status.counters).toMatchObject({ written: 5, dropped: 40, spooled: 0 });
    expect(status.spooledBytes).toBe(0);
    expect(status.connected).toBe(true);
    expect(status.lastError?.message).toMatch(/beyond retention policy/);
    expect(await store.countImuSamples(REF, 'pelvis')).toBe(0);
    expect(await store.angles(REF)).toHaveLength(5);
    await store.close();
  });

  it('keeps the trend series current without explicit flushes', async () => {
    const store = await InfluxSeriesStore.open(storeOptions({ flushIntervalMs: 20, trendIntervalMs: 300 }));
    const angles = anglesFrom(T0, 600);
    const trendSamples = async (): Promise<number> =>
      (await store.trend(REF.patientId, T0 - 60, T0 + 120)).reduce((n, b) => n + b.samples, 0);
    // Timed flushes only: the first brings the trend along at once, the next ones within trendIntervalMs.
    await store.writeAngles(REF, angles.slice(0, 300));
    await vi.waitFor(async () => expect(await trendSamples()).toBe(300), { timeout: 10_000, interval: 50 });
    await store.writeAngles(REF, angles.slice(300));
    await vi.waitFor(async () => expect(await trendSamples()).toBe(600), { timeout: 10_000, interval: 50 });
    await store.close();
  });

  it('spools while influxd is down mid-stream and replays it without loss or duplicates', async () => {
    const options = storeOptions({ batchSize: 250, flushIntervalMs: 20 });
    const store = await InfluxSeriesStore.open(options);
    const frames = {
      pelvis: makeFrames({ role: 'pelvis', frames: 300, samplesPerFrame: 10, rateHz: 50, start: T0, mag: true }),
      thigh: makeFrames({ role: 'thigh_left', frames: 300, samplesPerFrame: 10, rateHz: 50, start: T0, seed: 5 }),
    };
    const angles = anglesFrom(T0, 3000);
    let sawSpool = false;
    for (let f = 0; f < 300; f++) {
      if (f === 100) await influxd.kill('SIGKILL'); // a crash, with timed flushes possibly in flight
      if (f === 200) {
        await store.flush();
        const down = store.status();
        expect(down.connected).toBe(false);
        expect(down.lastError).not.toBeNull();
        expect(down.spooledBytes).toBeGreaterThan(0);
        sawSpool = (await spoolFiles(options.spoolDir)).length > 0;
        await influxd.restart();
      }
      await store.writeImu(REF, frames.pelvis[f]!);
      await store.writeImu(REF, frames.thigh[f]!);
      await store.writeAngles(REF, angles.slice(f * 10, f * 10 + 10));
      if (f % 50 === 49) await store.writeRep(REF, rep(Math.floor(f / 50)));
      // The gateway redelivers a stretch it was not sure about while the database is down.
      if (f === 180) for (const g of frames.pelvis.slice(150, 180)) await store.writeImu(REF, g);
    }
    await store.flush();
    expect(await store.replaySpool()).toBe(true);
    expect(sawSpool).toBe(true);

    const status = store.status();
    expect(status).toMatchObject({ connected: true, spooledBytes: 0, spooledPoints: 0, queuedPoints: 0 });
    expect(status.counters.dropped).toBe(0);
    expect(status.counters.replayed).toBeGreaterThan(0);
    expect(status.counters.retried).toBeGreaterThanOrEqual(status.counters.replayed);
    expect(await spoolFiles(options.spoolDir)).toEqual([]);

    for (const [role, list] of [
      ['pelvis', frames.pelvis],
      ['thigh_left', frames.thigh],
    ] as const) {
      expect(await store.countImuSamples(REF, role)).toBe(3000);
      expect(await store.imuSeqCoverage(REF, role)).toEqual(list.map((fr) => ({ seq: fr.seq, samples: 10 })));
      expect(await store.imu(REF, role)).toEqual(expectedSamples(list));
    }
    const storedAngles = await store.angles(REF);
    expect(storedAngles).toHaveLength(3000);
    expect(storedAngles.map((a) => a.flexion)).toEqual(angles.map((a) => a.flexion));
    expect((await store.reps(REF)).map((r) => r.rep)).toEqual([1, 2, 3, 4, 5, 6]);

    // The downsampled series caught up with the replayed angles: 60 s at 50 Hz, every sample in one bucket.
    const trend = await store.trend(REF.patientId, T0 - 60, T0 + 120);
    expect(trend.reduce((n, b) => n + b.samples, 0)).toBe(3000);
    const stored = await client(options.database!).query<{ n: number }>(
      'SELECT sum("samples") AS n FROM "trend"."angles_1m"',
    );
    expect(stored[0]!.n).toBe(3000);
    await store.close();
  });

  it('replays at start the spool an earlier run left behind, trend minutes included', async () => {
    const options = storeOptions();
    const frames = makeFrames({ role: 'thigh_right', frames: 50, samplesPerFrame: 20, rateHz: 100, start: T0 });
    const angles = anglesFrom(T0 + 30, 1000);

    await influxd.kill('SIGKILL');
    const first = await InfluxSeriesStore.open(options);
    expect(first.status().connected).toBe(false);
    for (const f of frames) await first.writeImu(REF, f);
    await first.writeAngles(REF, angles);
    await first.writeRep(REF, rep(0));
    await first.close();
    const files = await spoolFiles(options.spoolDir);
    expect(files.length).toBeGreaterThan(0);
    await influxd.restart();

    // The spool is plain line protocol: InfluxDB takes a segment file as it is (the framing lines are comments).
    const scratch = client('spool_check');
    await scratch.createDatabase('spool_check');
    const raw = files.find((f) => f.endsWith('.raw.lp'))!;
    const response = await fetch(`${influxd.url}/write?db=spool_check&precision=n`, {
      method: 'POST',
      body: await readFile(join(options.spoolDir, raw)),
    });
    expect(response.status).toBe(204);
    expect((await scratch.query<{ n: number }>('SELECT count("seq") AS n FROM "imu"'))[0]!.n).toBe(1000);

    const second = await InfluxSeriesStore.open(options);
    expect(second.status().connected).toBe(true);
    expect(await second.replaySpool()).toBe(true); // joins the replay open() started
    expect(second.status()).toMatchObject({ spooledBytes: 0, spooledPoints: 0 });
    expect(second.status().counters.replayed).toBe(1000 + 1000 + 1);
    expect(await second.imu(REF, 'thigh_right')).toEqual(expectedSamples(frames));
    expect(await second.angles(REF)).toHaveLength(1000);
    expect(await second.reps(REF)).toHaveLength(1);
    const trend = await second.trend(REF.patientId, T0 - 60, T0 + 120);
    expect(trend.reduce((n, b) => n + b.samples, 0)).toBe(1000);
    await second.close();
  });

  it('bounds the spool by evicting the oldest raw IMU first and keeps every angle and rep', async () => {
    const options = storeOptions({ batchSize: 100, spoolMaxBytes: 120_000, spoolSegmentBytes: 10_000 });
    const frames = makeFrames({ role: 'pelvis', frames: 400, samplesPerFrame: 5, rateHz: 100, start: T0, mag: true });
    const angles = anglesFrom(T0, 200);

    await influxd.kill('SIGKILL');
    const store = await InfluxSeriesStore.open(options);
    for (let f = 0; f < 400; f++) {
      await store.writeImu(REF, frames[f]!);
      if (f % 2 === 0) await store.writeAngles(REF, angles.slice(f / 2, f / 2 + 1));
      if (f % 40 === 39) await store.writeRep(REF, rep(Math.floor(f / 40)));
      if (f % 20 === 19) await store.flush();
    }
    await store.flush();
    const down = store.status();
    expect(down.counters.dropped).toBeGreaterThan(0);
    expect(down.spooledBytes).toBeLessThanOrEqual(120_000);
    await influxd.restart();
    expect(await store.replaySpool()).toBe(true);

    // Whole frames went, oldest first: what is left is the newest stretch of the stream, each frame complete.
    const stored = await store.countImuSamples(REF, 'pelvis');
    expect(stored).toBe(2000 - down.counters.dropped);
    expect(stored % 5).toBe(0);
    const kept = frames.slice(400 - stored / 5);
    expect(await store.imuSeqCoverage(REF, 'pelvis')).toEqual(kept.map((fr) => ({ seq: fr.seq, samples: 5 })));
    expect(await store.imu(REF, 'pelvis')).toEqual(expectedSamples(kept));
    expect(await store.angles(REF)).toHaveLength(200);
    expect(await store.reps(REF)).toHaveLength(10);
    await store.close();
  });
});
