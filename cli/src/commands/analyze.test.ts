import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatRecordingCsv, parseAnglesCsv } from '@hipmon/core';
import type { ExerciseId, Side } from '@hipmon/core';
import { createMotionScript, recordMotion } from '@hipmon/simulator';
import type { ExerciseMotionScript } from '@hipmon/simulator';
import { describe, expect, it } from 'vitest';
import { runCli, tempDirForTests } from '../test-support.js';

const dir = tempDirForTests('analyze');

const analyze = (...args: string[]) => runCli('analyze', ...args);

function record(name: string, exercise: ExerciseId, side: Side, options: { reps?: number; mag?: boolean } = {}) {
  const script = createMotionScript({ exercise, side, reps: options.reps ?? 5, seed: 3 });
  const { samples } = recordMotion(script, {
    noise: 'typical',
    misplacementDeg: 10,
    seed: 3,
    mag: options.mag ?? false,
  });
  const path = join(dir, name);
  writeFileSync(path, formatRecordingCsv(samples));
  return { script, path, samples };
}

function rmse(path: string, script: ExerciseMotionScript) {
  const rows = parseAnglesCsv(readFileSync(path, 'utf8'));
  const sq = { flexion: 0, abduction: 0, rotation: 0 };
  const scored = rows.filter((r) => r.t > script.calibrationEnd);
  for (const r of scored) {
    const truth = script.stateAt(r.t).angles;
    for (const k of ['flexion', 'abduction', 'rotation'] as const) sq[k] += (r[k] - truth[k]) ** 2;
  }
  return {
    rows,
    flexion: Math.sqrt(sq.flexion / scored.length),
    abduction: Math.sqrt(sq.abduction / scored.length),
    rotation: Math.sqrt(sq.rotation / scored.length),
  };
}

describe('hipmon analyze', () => {
  it('counts the repetitions and writes the hip angles at 100 Hz (6D recording)', async () => {
    const { script, path } = record('abduction.csv', 'standing_hip_abduction', 'left');
    const anglesPath = join(dir, 'abduction.angles.csv');
    const r = await analyze(
      '--in',
      path,
      '--exercise',
      'standing_hip_abduction',
      '--side',
      'left',
      '--angles',
      anglesPath,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['exercise', 'count', 'reps', 'holds']);
    expect(out.exercise).toBe('standing_hip_abduction');
    expect(out.count).toBe(script.reps.length);
    out.reps.forEach((rep: { start: number; end: number; rom: number; peak: { abduction: number } }, i: number) => {
      const truth = script.reps[i]!;
      expect(Math.abs(rep.start - truth.start)).toBeLessThan(0.3);
      expect(Math.abs(rep.end - truth.end)).toBeLessThan(0.3);
      expect(Math.abs(rep.rom - truth.romDeg)).toBeLessThan(2);
      expect(Math.abs(rep.peak.abduction - truth.peak.abduction)).toBeLessThan(2);
    });
    const e = rmse(anglesPath, script);
    for (let i = 1; i < e.rows.length; i++) expect(e.rows[i]!.t - e.rows[i - 1]!.t).toBeCloseTo(0.01, 6);
    expect(e.flexion).toBeLessThanOrEqual(2);
    expect(e.abduction).toBeLessThanOrEqual(2);
    expect(e.rotation).toBeLessThanOrEqual(4);
  });

  it('reports holds for the hold exercise (9D recording)', async () => {
    const { script, path } = record('stretch.csv', 'hip_flexor_stretch', 'right', { reps: 2, mag: true });
    const r = await analyze('--in', path, '--exercise', 'hip_flexor_stretch', '--side', 'right');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.count).toBe(2);
    expect(out.holds).toHaveLength(2);
    out.holds.forEach((h: { duration: number }, i: number) => {
      expect(Math.abs(h.duration - script.holds[i]!.duration)).toBeLessThan(1);
    });
  });

  const fails = async (args: string[], code: number, message: RegExp) => {
    const r = await analyze(...args);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  };

  it('fails with one line on stderr for unreadable or unusable input', async () => {
    const { path, samples } = record('flexion.csv', 'standing_hip_flexion', 'right', { reps: 2 });
    await fails(
      ['--in', join(dir, 'missing.csv'), '--exercise', 'glute_bridge', '--side', 'left'],
      1,
      /cannot read .*missing\.csv/,
    );
    writeFileSync(join(dir, 'garbage.csv'), 'hello,world\n1,2\n');
    await fails(
      ['--in', join(dir, 'garbage.csv'), '--exercise', 'glute_bridge', '--side', 'left'],
      1,
      /garbage\.csv: line 1: bad recording CSV header/,
    );
    writeFileSync(
      join(dir, 'bad-row.csv'),
      readFileSync(path, 'utf8').replace(/\n([^\n]*)\n/, '\n$1\n0.5,pelvis,x,0,0,0,0,9.8\n'),
    );
    await fails(
      ['--in', join(dir, 'bad-row.csv'), '--exercise', 'standing_hip_flexion', '--side', 'right'],
      1,
      /line 3: column gyr_x/,
    );
    await fails(['--in', path, '--exercise', 'standing_hip_flexion', '--side', 'left'], 1, /no thigh_left samples/);
    writeFileSync(join(dir, 'late.csv'), formatRecordingCsv(samples.filter((s) => s.t > 2.5)));
    await fails(
      ['--in', join(dir, 'late.csv'), '--exercise', 'standing_hip_flexion', '--side', 'right'],
      1,
      /does not start with 2 s standing still/,
    );
    await fails(
      ['--in', path, '--exercise', 'standing_hip_flexion', '--side', 'right', '--mode', '9d'],
      1,
      /needs the magnetometer columns/,
    );
  });

  it('rejects bad usage with exit code 2', async () => {
    await fails(['--exercise', 'glute_bridge', '--side', 'left'], 2, /--in REC\.csv is required/);
    await fails(['--in', 'x.csv', '--exercise', 'yoga', '--side', 'left'], 2, /unknown exercise 'yoga'/);
    await fails(['--in', 'x.csv', '--exercise', 'glute_bridge', '--side', 'both'], 2, /--side must be left or right/);
    await fails(['--in', 'x.csv', '--exercise', 'glute_bridge', '--side', 'left', '--frobnicate'], 2, /frobnicate/);
  });
});
