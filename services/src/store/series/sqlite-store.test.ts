import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { expectedSamples, makeFrames, T0 } from './contract-data.js';
import { seriesStoreContract } from './contract.js';
import { SqliteSeriesStore } from './sqlite-store.js';
import type { SqliteSeriesStoreOptions } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'hipmon-series-sqlite-'));
const logger = pino({ level: 'silent' });
let files = 0;
const freshPath = (): string => join(dir, `series-${++files}.db`);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The contract's data is from 2023: no retention timer (the age rule is tested below with an explicit "now").
const open = (options: Partial<SqliteSeriesStoreOptions> = {}): SqliteSeriesStore =>
  new SqliteSeriesStore({ path: freshPath(), logger, retention: { intervalMs: 0 }, ...options });

seriesStoreContract('SQLite', async () => open());

describe('SqliteSeriesStore', () => {
  const ref = { patientId: 'p1', sessionId: 's1' };
  const frames = makeFrames({ role: 'pelvis', frames: 10, samplesPerFrame: 10, rateHz: 100, start: T0, mag: true });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('uses WAL and keeps the data across a reopen of the file', async () => {
    const path = freshPath();
    const first = new SqliteSeriesStore({ path, logger, retention: { intervalMs: 0 } });
    for (const f of frames) await first.writeImu(ref, f);
    await first.close();

    const check = new Database(path, { readonly: true });
    expect(check.pragma('journal_mode', { simple: true })).toBe('wal');
    check.close();

    const second = new SqliteSeriesStore({ path, logger, retention: { intervalMs: 0 } });
    expect(await second.imu(ref, 'pelvis')).toEqual(expectedSamples(frames));
    await second.close();
  });

  it('commits a transaction whenever batchSize rows are waiting, and after flushIntervalMs otherwise', async () => {
    vi.useFakeTimers();
    const store = open({ batchSize: 25, flushIntervalMs: 200 });
    for (const f of frames.slice(0, 3)) await store.writeImu(ref, f);
    // 30 rows: the write that reached 25 committed them all.
    expect(store.status().queuedPoints).toBe(0);
    expect(store.status().counters.written).toBe(30);
    await store.writeImu(ref, frames[3]!);
    expect(store.status().queuedPoints).toBe(10);
    await vi.advanceTimersByTimeAsync(199);
    expect(store.status().queuedPoints).toBe(10);
    await vi.advanceTimersByTimeAsync(1);
    expect(store.status().queuedPoints).toBe(0);
    expect(await store.countImuSamples(ref, 'pelvis')).toBe(40);
    await store.close();
  });

  it('keeps rows buffered when a commit fails (database locked) and commits them later', async () => {
    const path = freshPath();
    const store = new SqliteSeriesStore({ path, logger, busyTimeoutMs: 0, retention: { intervalMs: 0 } });
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    await store.writeImu(ref, frames[0]!);
    await expect(store.flush()).rejects.toThrow(/locked|busy/i);
    await store.writeImu(ref, frames[1]!);
    expect(store.status().queuedPoints).toBe(20);
    expect(store.status().lastError?.message).toMatch(/locked|busy/i);
    other.exec('COMMIT');
    other.close();
    await store.flush();
    expect(await store.imu(ref, 'pelvis')).toEqual(expectedSamples(frames.slice(0, 2)));
    expect(store.status().counters).toMatchObject({ written: 20, dropped: 0 });
    await store.close();
  });

  it('drops the oldest raw IMU rows first when failing commits overflow the memory bound', async () => {
    const path = freshPath();
    const store = new SqliteSeriesStore({
      path,
      logger,
      busyTimeoutMs: 0,
      maxQueuedRows: 25,
      retention: { intervalMs: 0 },
    });
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    for (const f of frames.slice(0, 3)) await store.writeImu(ref, f);
    await store.writeAngles(ref, [{ t: T0, side: 'left', flexion: 1, abduction: 2, rotation: 3 }]);
    await expect(store.flush()).rejects.toThrow(/locked|busy/i);
    other.exec('COMMIT');
    other.close();
    await store.flush();
    // 31 rows against a bound of 25: the 6 oldest IMU rows went, the angle stayed.
    expect(store.status().counters).toMatchObject({ written: 25, dropped: 6 });
    expect(await store.imu(ref, 'pelvis')).toEqual(expectedSamples(frames.slice(0, 3)).slice(6));
    expect(await store.angles(ref)).toHaveLength(1);
    await store.close();
  });

  it('deletes rows older than the retention, raw and long separately', async () => {
    const store = open({ retention: { intervalMs: 0, rawSeconds: 3600, longSeconds: 86_400 } });
    const old = makeFrames({ role: 'pelvis', frames: 2, samplesPerFrame: 5, rateHz: 10, start: T0 });
    const recent = makeFrames({ role: 'pelvis', frames: 2, samplesPerFrame: 5, rateHz: 10, start: T0 + 7200 });
    for (const f of [...old, ...recent]) await store.writeImu(ref, f);
    await store.writeAngles(ref, [
      { t: T0, side: 'right', flexion: 1, abduction: 0, rotation: 0 },
      { t: T0 + 7200, side: 'right', flexion: 2, abduction: 0, rotation: 0 },
    ]);
    await store.flush();
    // "Now" is 2.5 h after T0: raw data older than 1 h goes, everything is younger than a day.
    expect(await store.applyRetention(T0 + 9000)).toMatchObject({ series_imu: 10, series_angles: 0 });
    expect(await store.imu(ref, 'pelvis')).toEqual(expectedSamples(recent));
    expect(await store.applyRetention(T0 + 2 * 86_400)).toMatchObject({ series_imu: 10, series_angles: 2 });
    await store.close();
  });

  it('runs the retention periodically against the configured clock', async () => {
    vi.useFakeTimers();
    const store = open({ retention: { intervalMs: 60_000, rawSeconds: 60, now: () => T0 + 600 } });
    for (const f of frames) await store.writeImu(ref, f);
    await store.flush();
    expect(await store.countImuSamples(ref, 'pelvis')).toBe(100);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await store.countImuSamples(ref, 'pelvis')).toBe(0);
    await store.close();
  });

  it('shares an open database without closing it', async () => {
    const db = new Database(':memory:');
    const store = new SqliteSeriesStore({ database: db, logger, retention: { intervalMs: 0 } });
    await store.writeImu(ref, frames[0]!);
    await store.close();
    expect(db.open).toBe(true);
    expect(db.prepare('SELECT count(*) AS n FROM series_imu').get()).toEqual({ n: 10 });
    db.close();
  });
});
