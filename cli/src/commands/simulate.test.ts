import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAnglesCsv, parseRecordingCsv } from '@hipmon/core';
import { describe, expect, it } from 'vitest';
import { runCli, tempDirForTests } from '../test-support.js';

const dir = tempDirForTests('simulate');

const simulate = (...args: string[]) => runCli('simulate', ...args);

interface Truth {
  count: number;
  duration: number;
  reps: { start: number; end: number; peak: Record<string, number>; rom: number; partial: boolean; peakTime: number }[];
  holds: { start: number; end: number; duration: number }[];
  calibration: { end: number; sensors: Record<string, { misplacementDeg: number[] }> };
  options: Record<string, unknown>;
}

/** Runs a simulation into the temp dir and reads everything back through the CSV parsers. */
async function run(name: string, ...args: string[]) {
  const out = join(dir, `${name}.csv`);
  const truthPath = join(dir, `${name}.truth.json`);
  const result = await simulate(...args, '--out', out, '--truth', truthPath);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return {
    text: readFileSync(out, 'utf8'),
    recording: parseRecordingCsv(readFileSync(out, 'utf8')),
    truth: JSON.parse(readFileSync(truthPath, 'utf8')) as Truth,
    angles: parseAnglesCsv(readFileSync(join(dir, `${name}.truth.angles.csv`), 'utf8')),
  };
}

const meanDuration = (t: Truth): number => t.reps.reduce((a, r) => a + r.end - r.start, 0) / t.reps.length;

describe('hipmon simulate (offline)', () => {
  it.each([
    [['--side', 'left', '--out', 'x.csv'], /--exercise is required/],
    [
      ['--exercise', 'clamshell', '--side', 'left', '--out', 'x.csv'],
      /unknown exercise 'clamshell' \(valid: standing_hip_abduction, .*hip_flexor_stretch\)/,
    ],
    [['--exercise', 'glute_bridge', '--out', 'x.csv'], /--side left\|right is required/],
    [['--exercise', 'glute_bridge', '--side', 'up', '--out', 'x.csv'], /--side must be left or right, got 'up'/],
    [['--exercise', 'glute_bridge', '--side', 'left'], /--out REC.csv is required/],
    [
      ['--exercise', 'glute_bridge', '--side', 'left', '--out', 'x.csv', '--reps', 'ten'],
      /--reps must be a number in \[1, 1000\], got 'ten'/,
    ],
    [
      ['--exercise', 'glute_bridge', '--side', 'left', '--out', 'x.csv', '--reps', '2.5'],
      /--reps must be a whole number/,
    ],
    [
      ['--exercise', 'glute_bridge', '--side', 'left', '--out', 'x.csv', '--noise', 'loud'],
      /--noise must be one of none, low, typical, high/,
    ],
    [
      ['--exercise', 'glute_bridge', '--side', 'left', '--out', 'x.csv', '--rate', '0'],
      /--rate must be a number in \[1, 2000\]/,
    ],
    [['--exercise', 'glute_bridge', '--side', 'left', '--out', 'x.csv', '--misplace', '-5'], /--misplace/],
    [['--exercise', 'glute_bridge', '--side', 'left', '--out', 'x.csv', '--partial', '1.5'], /--partial/],
    [
      ['--exercise', 'glute_bridge', '--side', 'left', '--out', 'x.csv', '--compensation', 'limp'],
      /--compensation must be hip_hike or trunk_lean/,
    ],
    [
      ['--exercise', 'glute_bridge', '--side', 'left', '--out', 'x.csv', '--tempo', '0.6', '--hold', '5'],
      /invalid simulation: .*repS/,
    ],
    [['--exercise', 'glute_bridge', '--side', 'left', '--out', 'x.csv', '--patients', '5'], /--patients needs --mqtt/],
    [
      ['--exercise', 'glute_bridge', '--side', 'left', '--out', join(dir, 'missing', 'x.csv')],
      /cannot write .*missing/,
    ],
  ])('%j → one-line error', async (args, message) => {
    const { code, stdout, stderr } = await simulate(...args);
    expect(code).toBeGreaterThan(0);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr.startsWith('hipmon simulate: ')).toBe(true);
  });

  it('--help prints the options', async () => {
    const { code, stdout } = await simulate('--help');
    expect(code).toBe(0);
    for (const option of ['--exercise', '--noise', '--misplace', '--compensation', '--truth-angles']) {
      expect(stdout).toContain(option);
    }
  });

  it('writes recording, truth and true angles that agree with each other', async () => {
    const { recording, truth, angles } = await run(
      'bridge',
      '--exercise',
      'glute_bridge',
      '--side',
      'right',
      '--reps',
      '4',
      '--rate',
      '50',
      '--noise',
      'none',
      '--mag',
    );
    expect(truth.count).toBe(4);
    expect(recording.hasMag).toBe(true);
    expect(Object.keys(recording.sensors).sort()).toEqual(['pelvis', 'thigh_right']);
    // 'none': every sample at k/50 s over [0, duration].
    const perSensor = Math.floor(truth.duration * 50) + 1;
    expect(recording.sensors.pelvis!.length).toBe(perSensor);
    expect(angles.length).toBe(perSensor);
    expect(angles[1]!.t).toBeCloseTo(0.02, 9);
    // The true angles CSV at each rep's peak time shows the rep's peak (float32, nearest 50 Hz sample: < 0.05°).
    for (const rep of truth.reps) {
      const row = angles[Math.round(rep.peakTime * 50)]!;
      expect(Math.abs(row.t - rep.peakTime)).toBeLessThanOrEqual(0.01 + 1e-9);
      expect(row.t >= rep.start && row.t <= rep.end).toBe(true);
      for (const name of ['flexion', 'abduction', 'rotation'] as const) {
        expect(Math.abs(row[name] - rep.peak[name]!)).toBeLessThan(0.05);
      }
    }
  });

  it('hold exercises: --reps counts holds and --hold sets their length', async () => {
    const { truth } = await run(
      'stretch',
      '--exercise',
      'hip_flexor_stretch',
      '--side',
      'left',
      '--reps',
      '2',
      '--hold',
      '20',
    );
    expect(truth.count).toBe(2);
    expect(truth.reps).toEqual([]);
    for (const h of truth.holds) expect(Math.abs(h.duration - 20)).toBeLessThan(0.5);
    expect(truth.options.hold).toBe(20);
  });

  it('--hold on a rep exercise holds at the top; --tempo sets the rep length', async () => {
    const base = ['--exercise', 'standing_hip_abduction', '--side', 'right', '--reps', '3'];
    const plain = (await run('abd', ...base, '--tempo', '3')).truth;
    const held = (await run('abd-held', ...base, '--tempo', '5', '--hold', '2')).truth;
    const slow = (await run('abd-slow', ...base, '--tempo', '6')).truth;
    expect(meanDuration(slow) - meanDuration(plain)).toBeGreaterThan(2);
    // --tempo includes the top hold, so 5 s with 2 s held moves as fast as 3 s without and lasts as long as 5 s.
    expect(Math.abs(meanDuration(held) - meanDuration(plain) - 2)).toBeLessThan(0.3);
  });

  it('passes the patient options through: partial reps, compensation, variability, misplacement, seed', async () => {
    const args = [
      '--exercise',
      'standing_hip_flexion',
      '--side',
      'left',
      '--reps',
      '10',
      '--partial',
      '0.5',
      '--compensation',
      'hip_hike:12',
      '--variability',
      '0.1',
      '--misplace',
      '10',
      '--seed',
      '9',
    ];
    const a = await run('flex-a', ...args);
    const partial = a.truth.reps.filter((r) => r.partial).length;
    expect(partial).toBeGreaterThanOrEqual(3);
    expect(partial).toBeLessThanOrEqual(7);
    expect(a.truth.options.compensation).toEqual({ hipHikeDeg: 12 });
    expect(a.truth.options.variability).toBe(0.1);
    const roms = a.truth.reps.filter((r) => !r.partial).map((r) => r.rom);
    expect(Math.max(...roms) - Math.min(...roms)).toBeGreaterThan(0.5);
    for (const s of Object.values(a.truth.calibration.sensors)) {
      expect(s.misplacementDeg.every((d) => Math.abs(d) <= 10)).toBe(true);
    }
    const b = await run('flex-b', ...args);
    expect(b.text).toBe(a.text);
    const c = await run('flex-c', ...args.slice(0, -1), '10');
    expect(c.text).not.toBe(a.text);
  });
});
