import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/**
 * Where the BROAD sample trials live: the project's shared data folder beside the checkout (../shared/data/broad,
 * as laid out for developers and CI), or HIPMON_BROAD_DIR.
 */
export const DEFAULT_BROAD_DIR =
  process.env.HIPMON_BROAD_DIR ?? resolve(fileURLToPath(new URL('.', import.meta.url)), '../../shared/data/broad');

/** One BROAD trial: IMU streams, optical reference and the movement mask, as flat arrays. */
export interface BroadTrial {
  name: string;
  sampleRate: number;
  /** 3·N values each. */
  gyr: Float64Array;
  acc: Float64Array;
  mag: Float64Array;
  /** Reference quaternion (sensor → ENU), 4·N values, NaN where markers were occluded. */
  ref: Float64Array;
  /** 1 where the sample is scored. */
  movement: Uint8Array;
}

const COLUMNS = [
  't',
  'gyr_x',
  'gyr_y',
  'gyr_z',
  'acc_x',
  'acc_y',
  'acc_z',
  'mag_x',
  'mag_y',
  'mag_z',
  'ref_w',
  'ref_x',
  'ref_y',
  'ref_z',
  'movement',
] as const;

/** Parses one trial file (`*.csv.gz`, columns as in the README). */
export function parseBroadCsv(name: string, text: string): BroadTrial {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0]?.split(',').map((s) => s.trim()) ?? [];
  const index = COLUMNS.map((c) => header.indexOf(c));
  const missing = COLUMNS.filter((_, i) => index[i]! < 0);
  if (missing.length > 0) throw new Error(`${name}: missing columns ${missing.join(', ')}`);
  const n = lines.length - 1;
  const t = new Float64Array(n);
  const gyr = new Float64Array(3 * n),
    acc = new Float64Array(3 * n),
    mag = new Float64Array(3 * n),
    ref = new Float64Array(4 * n);
  const movement = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const f = lines[i + 1]!.split(',');
    const v = (c: number): number => Number(f[index[c]!]);
    t[i] = v(0);
    for (let k = 0; k < 3; k++) {
      gyr[3 * i + k] = v(1 + k);
      acc[3 * i + k] = v(4 + k);
      mag[3 * i + k] = v(7 + k);
    }
    for (let k = 0; k < 4; k++) {
      const r = f[index[10 + k]!]!.trim();
      ref[4 * i + k] = r === '' || r.toLowerCase() === 'nan' ? NaN : Number(r);
    }
    movement[i] = v(14) === 1 ? 1 : 0;
  }
  // The timestamps are rounded; the mean period over the trial is the sample rate (285.714 Hz for BROAD).
  const sampleRate = n > 1 ? (n - 1) / (t[n - 1]! - t[0]!) : NaN;
  return { name, sampleRate, gyr, acc, mag, ref, movement };
}

/** Loads every `*.csv.gz` trial of `dir`, sorted by name. */
export function loadBroadTrials(dir = DEFAULT_BROAD_DIR): BroadTrial[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.csv.gz'))
    .sort();
  return files.map((f) =>
    parseBroadCsv(f.replace(/\.csv\.gz$/, ''), gunzipSync(readFileSync(join(dir, f))).toString('utf8')),
  );
}
