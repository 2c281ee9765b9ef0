import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRecordingCsv } from '@hipmon/core';
import { describe, expect, it } from 'vitest';
import { runCli, tempDirForTests } from '../test-support.js';

const dir = tempDirForTests('gateway');

describe('hipmon gateway', () => {
  it('--simulate runs the virtual sensors through noble and records the CSV contract', async () => {
    const rec = join(dir, 'rec.csv');
    const result = await runCli(
      'gateway',
      '--simulate',
      '--speed',
      '20',
      '--duration',
      '4',
      '--record',
      rec,
      '--outbox',
      join(dir, 'outbox'),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/pelvis\s+connected/);
    expect(result.stdout).toMatch(/thigh_right\s+connected/);
    const parsed = parseRecordingCsv(readFileSync(rec, 'utf8'));
    for (const role of ['pelvis', 'thigh_right'] as const) {
      const samples = parsed.sensors[role]!;
      // ≈4 s of gateway time at 100 Hz (less scanning and connecting; the virtual clock moves in wall-clock steps).
      expect(samples.length).toBeGreaterThan(300);
      expect(samples.length).toBeLessThanOrEqual(550);
      for (let i = 1; i < samples.length; i++) expect(samples[i]!.t).toBeGreaterThan(samples[i - 1]!.t);
      // No gap and no repeat: past the first second (the clock fit starts from a single burst), the span holds as
      // many 10 ms periods as there are samples.
      const settled = samples.slice(100);
      const span = settled[settled.length - 1]!.t - settled[0]!.t;
      expect(Math.abs(span * 100 - (settled.length - 1))).toBeLessThan(0.03 * settled.length);
      // At rest in the calibration pose the accelerometer reads ≈ +1 g along the sensor's superior x axis.
      expect(Math.abs(samples[0]!.acc[0] - 9.81)).toBeLessThan(0.6);
    }
  });

  it('rejects a config that maps no sensor, in one line', async () => {
    const config = join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ patientId: 'p1', sensors: [] }));
    const result = await runCli('gateway', '--config', config);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/sensors/);
  });

  it('asks for exactly one source', async () => {
    const result = await runCli('gateway');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--config FILE or --simulate/);
  });
});
