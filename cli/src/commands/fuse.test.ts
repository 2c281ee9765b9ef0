import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatImuCsv } from '@hipmon/core';
import type { ImuSample } from '@hipmon/core';
import { describe, expect, it } from 'vitest';
import { runCli, tempDirForTests } from '../test-support.js';

const dir = tempDirForTests('fuse');

const fuse = (...args: string[]) => runCli('fuse', ...args);

/** A sensor held still, tilted 30° about x (sensor → ENU), in a field of 20 µT north and 45 µT down. */
const TILT = (30 * Math.PI) / 180;
function stillSamples(count: number, rate: number, withMag: boolean, from = 0): ImuSample[] {
  const c = Math.cos(TILT),
    s = Math.sin(TILT);
  const samples: ImuSample[] = [];
  for (let i = 0; i < count; i++) {
    samples.push({
      t: from + i / rate,
      gyr: [0, 0, 0],
      acc: [0, 9.81 * s, 9.81 * c],
      ...(withMag ? { mag: [0, 20 * c - 45 * s, -20 * s - 45 * c] as [number, number, number] } : {}),
    });
  }
  return samples;
}

function writeInput(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function readQuaternions(path: string): number[][] {
  const [header, ...rows] = readFileSync(path, 'utf8').trimEnd().split('\n');
  expect(header).toBe('w,x,y,z');
  return rows.map((r) => r.split(',').map(Number));
}

const expected = [Math.cos(TILT / 2), Math.sin(TILT / 2), 0, 0];

describe('hipmon fuse', () => {
  it('writes one quaternion per row; 9D when the mag columns are present', async () => {
    const input = writeInput('nine.csv', formatImuCsv(stillSamples(300, 100, true)));
    const out = join(dir, 'nine.q.csv');
    const r = await fuse('--in', input, '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/fused 300 samples \(9D, 100\.0 Hz\)/);
    const q = readQuaternions(out);
    expect(q).toHaveLength(300);
    for (let k = 0; k < 4; k++) expect(q[299]![k]).toBeCloseTo(expected[k]!, 4);
  });

  it('falls back to 6D without mag columns and bridges gaps in the timestamps', async () => {
    const samples = [...stillSamples(100, 100, false), ...stillSamples(100, 100, false, 1.5)];
    const input = writeInput('six.csv', formatImuCsv(samples));
    const out = join(dir, 'six.q.csv');
    const r = await fuse('--in', input, '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\(6D, 100\.0 Hz, 1 gap bridged\)/);
    const q = readQuaternions(out);
    expect(q).toHaveLength(200);
    for (let k = 0; k < 4; k++) expect(q[199]![k]).toBeCloseTo(expected[k]!, 4);
  });

  it.each([
    ['missing.csv', null, /^hipmon fuse: cannot read .*missing\.csv: ENOENT/],
    ['header.csv', 't,gyr_x,gyr_y\n0,1,2\n', /^hipmon fuse: .*header\.csv: line 1: bad IMU CSV header/],
    [
      'number.csv',
      't,gyr_x,gyr_y,gyr_z,acc_x,acc_y,acc_z\n0,0,0,0,0,0,9.8\n0.01,0,0,x,0,0,9.8\n',
      /line 3: column gyr_z/,
    ],
    ['empty.csv', 't,gyr_x,gyr_y,gyr_z,acc_x,acc_y,acc_z\n', /no samples after the header/],
    ['single.csv', 't,gyr_x,gyr_y,gyr_z,acc_x,acc_y,acc_z\n0,0,0,0,0,0,9.8\n', /cannot determine the sample rate/],
    ['backwards.csv', 't,gyr_x,gyr_y,gyr_z,acc_x,acc_y,acc_z\n0.02,0,0,0,0,0,9.8\n0.01,0,0,0,0,0,9.8\n', /backwards/],
  ])('fails with one line and exit code 1 on unreadable input (%s)', async (name, text, message) => {
    const input = text === null ? join(dir, name) : writeInput(name, text);
    const r = await fuse('--in', input, '--out', join(dir, `${name}.q.csv`));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('reports usage errors with exit code 2', async () => {
    expect((await fuse('--in', 'x.csv')).code).toBe(2);
    const r = await fuse('--in', 'x.csv', '--out', 'y.csv', '--rate', '5');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--help/);
    const help = await fuse('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/usage: hipmon fuse --in IMU\.csv --out Q\.csv/);
  });
});
