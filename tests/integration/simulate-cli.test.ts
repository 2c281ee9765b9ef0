/**
 * End to end: `hipmon simulate` as outside tools run it (the installed bin, a child process), files read back with
 * the core CSV parsers.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAnglesCsv, parseRecordingCsv, RAD, vecDot, vecNorm } from '@hipmon/core';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const hipmon = join(repoRoot, 'node_modules', '.bin', 'hipmon');
const dir = mkdtempSync(join(tmpdir(), 'hipmon-simulate-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function hipmonRun(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(hipmon, args, { cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('hipmon simulate (child process)', () => {
  it('the documented command writes a recording and a truth with the requested rep count', async () => {
    const args = ['simulate', '--exercise', 'side_lying_clamshell', '--side', 'left', '--reps', '12', '--rom', '35'];
    const first = await hipmonRun([...args, '--out', 'rec.csv', '--truth', 'truth.json']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);

    const recording = parseRecordingCsv(readFileSync(join(dir, 'rec.csv'), 'utf8'));
    const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
    const angles = parseAnglesCsv(readFileSync(join(dir, 'truth.angles.csv'), 'utf8'));

    expect(truth.exercise).toBe('side_lying_clamshell');
    expect(truth.side).toBe('left');
    expect(truth.count).toBe(12);
    expect(truth.reps).toHaveLength(12);
    for (const rep of truth.reps) {
      expect(Object.keys(rep).sort()).toEqual(['end', 'partial', 'peak', 'peakTime', 'rom', 'start']);
      expect(Object.keys(rep.peak).sort()).toEqual(['abduction', 'flexion', 'rotation']);
      expect(rep.rom).toBeCloseTo(35, 6);
      expect(rep.end).toBeGreaterThan(rep.start);
    }
    expect(truth.calibration.end).toBeGreaterThanOrEqual(2);

    // Both sensors, ~100 Hz each under the 'typical' error preset (about 1 % of samples lost), 6D.
    expect(recording.hasMag).toBe(false);
    expect(Object.keys(recording.sensors).sort()).toEqual(['pelvis', 'thigh_left']);
    for (const samples of Object.values(recording.sensors)) {
      expect(samples.length / (truth.duration * 100)).toBeGreaterThan(0.95);
      expect(samples.length / (truth.duration * 100)).toBeLessThanOrEqual(1);
    }
    expect(angles.length).toBe(Math.floor(truth.duration * 100) + 1);

    // Calibration pose: the pelvis sensor reads gravity along its superior x axis (typical errors: within 2°).
    const still = recording.sensors.pelvis!.filter((s) => s.t < truth.calibration.end - 0.1);
    const mean = [0, 1, 2].map((i) => still.reduce((a, s) => a + s.acc[i]!, 0) / still.length);
    expect(Math.abs(vecNorm(mean) - 9.81)).toBeLessThan(0.3);
    expect(Math.acos(vecDot(mean, [1, 0, 0]) / vecNorm(mean)) * RAD).toBeLessThan(2);

    // Same command line, same bytes.
    const second = await hipmonRun([...args, '--out', 'rec2.csv', '--truth', 'truth2.json']);
    expect(second.code).toBe(0);
    expect(readFileSync(join(dir, 'rec2.csv'), 'utf8')).toBe(readFileSync(join(dir, 'rec.csv'), 'utf8'));
    expect(readFileSync(join(dir, 'truth2.json'), 'utf8')).toBe(readFileSync(join(dir, 'truth.json'), 'utf8'));
  });

  it('9D with an explicit angles path', async () => {
    const result = await hipmonRun([
      'simulate',
      '--exercise',
      'mini_squat',
      '--side',
      'right',
      '--reps',
      '3',
      '--mag',
      '--noise',
      'low',
      '--rate',
      '60',
      '--out',
      'squat.csv',
      '--truth',
      'squat.json',
      '--truth-angles',
      'squat-angles.csv',
    ]);
    expect(result.code).toBe(0);
    const recording = parseRecordingCsv(readFileSync(join(dir, 'squat.csv'), 'utf8'));
    expect(recording.hasMag).toBe(true);
    const field = recording.sensors.thigh_right!.slice(0, 50).map((s) => vecNorm(s.mag!));
    for (const b of field) expect(Math.abs(b - 49)).toBeLessThan(3); // 49 µT earth field, 'low' sensor errors
    expect(JSON.parse(readFileSync(join(dir, 'squat.json'), 'utf8')).count).toBe(3);
    expect(parseAnglesCsv(readFileSync(join(dir, 'squat-angles.csv'), 'utf8'))[1]!.t).toBeCloseTo(1 / 60, 6);
  });

  it('bad input: non-zero exit, one line on stderr, no stack trace', async () => {
    const result = await hipmonRun(['simulate', '--exercise', 'cartwheel', '--side', 'left', '--out', 'x.csv']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/unknown exercise 'cartwheel' \(valid: .*side_lying_clamshell/);
    expect(result.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });
});
