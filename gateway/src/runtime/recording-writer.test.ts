import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRecordingCsv } from '@hipmon/core';
import type { ImuSample, SensorRole, Vec3 } from '@hipmon/core';
import { RecordingWriter } from './recording-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'hipmon-recording-writer-'));

/** A sensor's samples: its own rate and clock offset, values with many significant digits (not float32-exact). */
function sensorSamples(rate: number, offset: number, seconds: number, seed: number, mag: boolean): ImuSample[] {
  return Array.from({ length: Math.round(seconds * rate) }, (_, k) => {
    const t = 1_700_000_000 + offset + k / rate;
    const v = (i: number): number => Math.sin(seed * 12.9898 + k * 0.37 + i * 78.233) * (i < 3 ? 3.3 : 19.61);
    const vec = (i: number): Vec3 => [v(i), v(i + 1), v(i + 2)];
    return { t, gyr: vec(0), acc: vec(3), ...(mag ? { mag: vec(6) } : {}) };
  });
}

/**
 * Delivers samples as BLE does: each sensor in notification bursts of `perBurst` samples that arrive a little after
 * their last sample (0–60 ms later, seeded), the sensors' bursts interleaved by arrival time.
 */
function* bursts(streams: [SensorRole, ImuSample[]][], perBurst: number): Generator<[SensorRole, ImuSample]> {
  const all = streams.flatMap(([role, samples], j) =>
    Array.from({ length: Math.ceil(samples.length / perBurst) }, (_, b) => {
      const chunk = samples.slice(b * perBurst, (b + 1) * perBurst);
      const delay = 0.06 * ((Math.sin(b * 91.7 + j * 13.1) + 1) / 2);
      return { role, chunk, arrival: chunk[chunk.length - 1]!.t + delay };
    }),
  );
  // A sensor's bursts stay in order (one link), whatever their delays.
  for (const [role] of streams) {
    const own = all.filter((b) => b.role === role);
    for (let i = 1; i < own.length; i++) own[i]!.arrival = Math.max(own[i]!.arrival, own[i - 1]!.arrival);
  }
  for (const b of all.sort((x, y) => x.arrival - y.arrival)) for (const s of b.chunk) yield [b.role, s];
}

/** What the CSV can hold: t to the µs, values as float32 (the reader gives the shortest decimal of the float32). */
function expectRoundTrip(got: ImuSample[], want: ImuSample[]): void {
  const f32 = (v: readonly number[]): number[] => v.map(Math.fround);
  expect(got).toHaveLength(want.length);
  got.forEach((g, i) => {
    const w = want[i]!;
    expect(Math.abs(g.t - w.t)).toBeLessThanOrEqual(0.5e-6 + 1e-9);
    expect(f32(g.gyr)).toEqual(f32(w.gyr));
    expect(f32(g.acc)).toEqual(f32(w.acc));
    if (w.mag) expect(f32(g.mag!)).toEqual(f32(w.mag));
    else expect(g.mag).toBeUndefined();
  });
}

describe('recording CSV writer', () => {
  it('writes a file the recording CSV reader parses, every sample once, sorted, exact to the CSV precision', async () => {
    // Two sensors at different rates and clock offsets, 30 s, 12-sample bursts: many intermediate flushes.
    const pelvis = sensorSamples(100, 0.0031, 30, 1, false);
    const thigh = sensorSamples(60, 0.0127, 30, 2, false);
    const file = join(dir, 'two-sensors.csv');
    const writer = new RecordingWriter(file, false);
    for (const [role, s] of bursts(
      [
        ['pelvis', pelvis],
        ['thigh_left', thigh],
      ],
      12,
    ))
      writer.push(role, s);
    await writer.close();

    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[0]).toBe('t,role,gyr_x,gyr_y,gyr_z,acc_x,acc_y,acc_z');
    const parsed = parseRecordingCsv(text); // throws if t ever goes backwards
    expect(parsed.hasMag).toBe(false);
    expect(parsed.sampleCount).toBe(pelvis.length + thigh.length);
    expect(writer.rows).toBe(parsed.sampleCount);
    expect(writer.late).toBe(0);
    expectRoundTrip(parsed.sensors.pelvis!, pelvis);
    expectRoundTrip(parsed.sensors.thigh_left!, thigh);
  });

  it('writes the mag columns in a 9D file, and leaves out samples that cannot fill them', async () => {
    const pelvis = sensorSamples(100, 0, 5, 3, true);
    const noMag = sensorSamples(100, 0, 5, 4, false);
    const file = join(dir, 'nine-d.csv');
    const writer = new RecordingWriter(file, true);
    for (const [role, s] of bursts(
      [
        ['pelvis', pelvis],
        ['thigh_right', noMag],
      ],
      10,
    ))
      writer.push(role, s);
    await writer.close();
    const parsed = parseRecordingCsv(readFileSync(file, 'utf8'));
    expect(parsed.hasMag).toBe(true);
    expectRoundTrip(parsed.sensors.pelvis!, pelvis);
    expect(parsed.sensors.thigh_right).toBeUndefined();
    expect(writer.withoutMag).toBe(noMag.length);
  });

  it('drops the mag values of a 9D sensor in a 6D file instead of failing', async () => {
    const pelvis = sensorSamples(50, 0, 3, 5, true);
    const file = join(dir, 'six-d.csv');
    const writer = new RecordingWriter(file, false);
    for (const s of pelvis) writer.push('pelvis', s);
    await writer.close();
    const parsed = parseRecordingCsv(readFileSync(file, 'utf8'));
    expectRoundTrip(
      parsed.sensors.pelvis!,
      pelvis.map(({ mag: _mag, ...imu }) => imu),
    );
  });

  /** Pelvis and thigh stream together; the thigh's link stalls from 3 s to 8 s, then delivers its backlog at once. */
  async function stalledLink(maxLag: number) {
    const pelvis = sensorSamples(100, 0, 12, 6, false);
    const thigh = sensorSamples(100, 0.005, 12, 7, false);
    const file = join(dir, `stalled-${maxLag}.csv`);
    const writer = new RecordingWriter(file, false, maxLag);
    const start = pelvis[0]!.t;
    let j = 0;
    let beforeStall = 0;
    for (const p of pelvis) {
      writer.push('pelvis', p);
      const stalled = p.t - start >= 3 && p.t - start < 8;
      if (p.t - start < 3) beforeStall = j;
      for (; !stalled && j < thigh.length && thigh[j]!.t <= p.t; j++) writer.push('thigh_left', thigh[j]!);
    }
    for (; j < thigh.length; j++) writer.push('thigh_left', thigh[j]!);
    await writer.close();
    return { writer, file, pelvis, thigh, beforeStall };
  }

  it('waits for a sensor whose link stalls (up to the maximum lag): nothing lost, the file sorted', async () => {
    const { writer, file, pelvis, thigh } = await stalledLink(10);
    const parsed = parseRecordingCsv(readFileSync(file, 'utf8')); // sorted, or it throws
    expect(writer.late).toBe(0);
    expectRoundTrip(parsed.sensors.pelvis!, pelvis);
    expectRoundTrip(parsed.sensors.thigh_left!, thigh);
  });

  it('drops, and counts, what a sensor delivers later than the maximum lag; the file stays sorted', async () => {
    const maxLag = 2;
    const { writer, file, pelvis, thigh, beforeStall } = await stalledLink(maxLag);
    const parsed = parseRecordingCsv(readFileSync(file, 'utf8'));
    expectRoundTrip(parsed.sensors.pelvis!, pelvis);
    const written = parsed.sensors.thigh_left!;
    expect(writer.late).toBeGreaterThan(0);
    expect(writer.late + written.length).toBe(thigh.length);
    // Every written sample is one of the sensor's, exactly and in order; the backlog within the lag is kept.
    let previous = -1;
    for (const g of written) {
      const k = thigh.findIndex((s) => Math.abs(s.t - g.t) < 1e-6);
      expect(k).toBeGreaterThan(previous);
      expectRoundTrip([g], [thigh[k]!]);
      previous = k;
    }
    const resumedAt = pelvis[0]!.t + 8;
    const kept = thigh.filter((s) => s.t >= resumedAt - maxLag);
    expect(written.filter((g) => g.t >= resumedAt - maxLag - 1e-6)).toHaveLength(kept.length);
    // What came before the stall was written whole.
    expectRoundTrip(written.slice(0, beforeStall), thigh.slice(0, beforeStall));
  });

  it('fails at once, not later, when the file cannot be created', () => {
    expect(() => new RecordingWriter(join(dir, 'missing-dir', 'x.csv'), false)).toThrow(/ENOENT/);
  });
});
