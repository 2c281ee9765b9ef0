/**
 * `hipmon fuse --in IMU.csv --out Q.csv`: one sensor's IMU CSV (`t,gyr_x,gyr_y,gyr_z,acc_x,acc_y,acc_z` with
 * optional `mag_x,mag_y,mag_z`) → orientation quaternions `w,x,y,z` (sensor → ENU), one row per input row.
 * 9D when the magnetometer columns are present, else 6D. The sample rate comes from the median time step;
 * gaps are bridged by the filter (gyroscope integrated over the actual step).
 */
import { parseArgs } from 'node:util';
import { fuseTimedSamples, parseImuCsv, RecordingCsvError } from '@hipmon/core';
import type { Command, CommandIo } from '../command.js';
import { CliError } from '../command.js';
import { firstLine, readText, writeText } from '../files.js';

const USAGE = `usage: hipmon fuse --in IMU.csv --out Q.csv

Estimates the orientation of one sensor from its IMU CSV
  t,gyr_x,gyr_y,gyr_z,acc_x,acc_y,acc_z[,mag_x,mag_y,mag_z]   (s, rad/s, m/s², µT; sorted by t)
and writes one quaternion w,x,y,z (sensor → earth, ENU) per input row: 9D (heading to magnetic north) when the
mag columns are present, else 6D (heading relative to the start).

  --in FILE    input IMU CSV
  --out FILE   output quaternion CSV
`;

const OPTIONS = {
  in: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const command: Command = {
  name: 'fuse',
  summary: 'orientation quaternions from one sensor’s IMU CSV (6D, or 9D with magnetometer)',
  async run(args: string[], io: CommandIo): Promise<number> {
    const values = parseOptions(args);
    if (values.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    if (!values.in) throw new CliError('--in IMU.csv is required', 2);
    if (!values.out) throw new CliError('--out Q.csv is required', 2);

    const text = await readText(values.in);
    const samples = parseSamples(values.in, text);
    let result: ReturnType<typeof fuseTimedSamples>;
    try {
      result = fuseTimedSamples(samples);
    } catch (err) {
      throw new CliError(`${values.in}: ${firstLine(err)}`);
    }
    await writeText(values.out, formatQuaternionCsv(result.quaternions));
    const gaps = result.gaps > 0 ? `, ${result.gaps} gap${result.gaps === 1 ? '' : 's'} bridged` : '';
    io.stdout.write(
      `fused ${samples.length} samples (${result.mode.toUpperCase()}, ${result.sampleRate.toFixed(1)} Hz${gaps}) → ${values.out}\n`,
    );
    return 0;
  },
};

function parseOptions(args: string[]): { in?: string; out?: string; help?: boolean } {
  try {
    return parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new CliError(`${firstLine(err)} (hipmon fuse --help lists the options)`, 2);
  }
}

function parseSamples(path: string, text: string): ReturnType<typeof parseImuCsv>['samples'] {
  let samples: ReturnType<typeof parseImuCsv>['samples'];
  try {
    samples = parseImuCsv(text).samples;
  } catch (err) {
    if (err instanceof RecordingCsvError) throw new CliError(`${path}: ${err.message}`);
    throw err;
  }
  if (samples.length === 0) throw new CliError(`${path}: no samples after the header`);
  return samples;
}

/** `w,x,y,z` header and one row per quaternion, 9 decimals (well below any sensor's resolution). */
export function formatQuaternionCsv(q: Float64Array): string {
  const rows: string[] = ['w,x,y,z'];
  for (let i = 0; i + 3 < q.length; i += 4) {
    rows.push(`${fmt(q[i]!)},${fmt(q[i + 1]!)},${fmt(q[i + 2]!)},${fmt(q[i + 3]!)}`);
  }
  return rows.join('\n') + '\n';
}

const fmt = (x: number): string => {
  const s = x.toFixed(9);
  return s === '-0.000000000' ? '0.000000000' : s;
};
