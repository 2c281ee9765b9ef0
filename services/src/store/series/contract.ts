/**
 * The SeriesStore contract: one suite that every adapter must pass (run from sqlite-store.test.ts and
 * tests/integration/series-store-influx.test.ts). `open` must give a fresh, empty store each time.
 * Expected values come from the inputs and the documented storage rules (µs times, [from, to) ranges, point
 * identities), never from the store under test.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertPayload, ImuFrame, RepEventPayload, SessionStatePayload } from '@hipmon/core';
import { createPrng } from '@hipmon/simulator';
import { expectedSamples, makeFrames, T0 } from './contract-data.js';
import type { AngleSample, SeriesStore, SessionRef, TrendBucket } from './series-store.js';
import { SeriesInputError } from './series-store.js';
import { roundToMicros, timeToNs } from './series-time.js';
import { sessionPeaks } from './trend.js';

export interface ContractOptions {
  /** IMU samples in the large-batch test (default 100,000). */
  largeImuSamples?: number;
}

const A1: SessionRef = { patientId: 'patient-A', sessionId: '20231114-2213' };
const A2: SessionRef = { patientId: 'patient-A', sessionId: '20231115-0900' };
/** Same session id as A1 under another patient: session ids are unique per patient only. */
const B1: SessionRef = { patientId: 'patient-B', sessionId: '20231114-2213' };

/** Smooth, deterministic angles at `rateHz`, sample i at start + i / rateHz. */
function makeAngles(
  count: number,
  start: number,
  rateHz: number,
  side: 'left' | 'right',
  exerciseOf: (i: number) => AngleSample['exercise'],
  seed = 7,
): AngleSample[] {
  const random = createPrng(seed).next;
  return Array.from({ length: count }, (_, i) => {
    const phase = (2 * Math.PI * i) / (rateHz * 4);
    const sample: AngleSample = {
      t: start + i / rateHz,
      side,
      flexion: 40 * Math.sin(phase) + 30 + random(),
      abduction: 10 * Math.cos(phase) - random(),
      rotation: 5 * Math.sin(2 * phase) + random() * 0.5,
    };
    const exercise = exerciseOf(i);
    if (exercise !== undefined) sample.exercise = exercise;
    return sample;
  });
}

/** What angles() returns for written samples: times rounded to µs, ordered by time. */
const storedAngles = (samples: readonly AngleSample[]): AngleSample[] =>
  samples.map((s) => ({ ...s, t: roundToMicros(s.t) })).sort((a, b) => a.t - b.t);

function makeRep(n: number, start: number): RepEventPayload {
  return {
    exercise: 'standing_hip_abduction',
    side: 'right',
    set: 1 + Math.floor(n / 10),
    rep: 1 + (n % 10),
    start,
    end: start + 2.345678912,
    peak: { flexion: 3.25 + n, abduction: 28.125 - n / 8, rotation: -1.0625 },
    rom: 27.0000001 + n,
  };
}

const storedRep = (rep: RepEventPayload): RepEventPayload => ({
  ...rep,
  start: roundToMicros(rep.start),
  end: roundToMicros(rep.end),
});

export function seriesStoreContract(
  name: string,
  open: () => Promise<SeriesStore>,
  options: ContractOptions = {},
): void {
  describe(`SeriesStore contract — ${name}`, () => {
    let store: SeriesStore;

    beforeEach(async () => {
      store = await open();
    });

    afterEach(async () => {
      await store.close();
    });

    it('stores IMU frames and reads them back exactly, in time order, with and without magnetometer', async () => {
      const pelvis = makeFrames({ role: 'pelvis', frames: 4, samplesPerFrame: 10, rateHz: 100, start: T0, mag: true });
      const thigh = makeFrames({
        role: 'thigh_right',
        frames: 4,
        samplesPerFrame: 10,
        rateHz: 100,
        start: T0 + 0.003141,
        timing: 'explicit',
        seed: 2,
      });
      // Out of order, as a reordered redelivery would bring them.
      for (const i of [3, 1, 0, 2]) {
        await store.writeImu(A1, pelvis[i]!);
        await store.writeImu(A1, thigh[i]!);
      }
      await store.flush();

      expect(await store.imu(A1, 'pelvis')).toEqual(expectedSamples(pelvis));
      expect(await store.imu(A1, 'thigh_right')).toEqual(expectedSamples(thigh));
      expect(await store.imu(A1, 'thigh_left')).toEqual([]);
      expect(await store.countImuSamples(A1, 'pelvis')).toBe(40);
      expect(await store.countImuSamples(A1, 'thigh_right')).toBe(40);
      expect(await store.imuSeqCoverage(A1, 'pelvis')).toEqual([0, 1, 2, 3].map((seq) => ({ seq, samples: 10 })));
    });

    it('keeps times to the microsecond and stores samples sharing a microsecond as distinct points', async () => {
      const frame: ImuFrame = {
        role: 'pelvis',
        seq: 9,
        // Both round to …012346 s; the wire allows equal explicit times within a frame.
        timing: { kind: 'explicit', t: [T0 + 0.0123458, T0 + 0.0123462, T0 + 0.02] },
        samples: [1, 2, 3].map((k) => ({ gyr: [k, -k, 0.5] as [number, number, number], acc: [0, 0, 9.81] })),
      };
      await store.writeImu(A1, frame);
      await store.writeImu(A1, frame);
      await store.flush();
      const stored = await store.imu(A1, 'pelvis');
      expect(stored.map((s) => [s.t, s.index])).toEqual([
        [1700000000.012346, 0],
        [1700000000.012346, 1],
        [1700000000.02, 2],
      ]);
      expect(stored.map((s) => s.gyr[0])).toEqual([1, 2, 3]);
      expect(await store.imuSeqCoverage(A1, 'pelvis')).toEqual([{ seq: 9, samples: 3 }]);
    });

    it('keeps float64 values bit for bit, except that -0 is stored as 0', async () => {
      const values = [Number.MIN_VALUE, -1.5e300, 1e-7, 0.1 + 0.2, Math.fround(-3.4e38), 123456789.12345679];
      await store.writeImu(A1, {
        role: 'thigh_left',
        seq: 1,
        timing: { kind: 'regular', t0: T0, period: 0.01 },
        samples: [
          { gyr: [values[0]!, values[1]!, values[2]!], acc: [values[3]!, values[4]!, values[5]!], mag: [-0, 0, -0] },
        ],
      });
      await store.writeAngles(A1, [{ t: T0, side: 'left', flexion: -0, abduction: values[3]!, rotation: 1e-300 }]);
      await store.flush();
      const [sample] = await store.imu(A1, 'thigh_left');
      expect([...sample!.gyr, ...sample!.acc]).toEqual(values);
      expect(sample!.mag!.every((m) => Object.is(m, 0))).toBe(true);
      const [angle] = await store.angles(A1);
      expect(Object.is(angle!.flexion, 0)).toBe(true);
      expect([angle!.abduction, angle!.rotation]).toEqual([0.1 + 0.2, 1e-300]);
    });

    it('selects half-open time ranges [from, to) on the stored times', async () => {
      const frames = makeFrames({ role: 'pelvis', frames: 2, samplesPerFrame: 10, rateHz: 100, start: T0 + 1 });
      for (const f of frames) await store.writeImu(A1, f);
      const angles = makeAngles(20, T0 + 1, 100, 'right', () => undefined);
      await store.writeAngles(A1, angles);
      await store.flush();

      const all = expectedSamples(frames);
      const from = all[5]!.t;
      const to = all[15]!.t;
      expect(await store.imu(A1, 'pelvis', from, to)).toEqual(all.slice(5, 15));
      expect(await store.imu(A1, 'pelvis', from)).toEqual(all.slice(5));
      expect(await store.imu(A1, 'pelvis', undefined, to)).toEqual(all.slice(0, 15));
      expect(await store.imu(A1, 'pelvis', to, to)).toEqual([]);

      const stored = storedAngles(angles);
      expect(await store.angles(A1, stored[3]!.t, stored[7]!.t)).toEqual(stored.slice(3, 7));
    });

    it('is idempotent: writing the same data again leaves the same points', async () => {
      const frames = [
        ...makeFrames({ role: 'pelvis', frames: 6, samplesPerFrame: 8, rateHz: 100, start: T0, mag: true }),
        ...makeFrames({ role: 'thigh_left', frames: 6, samplesPerFrame: 8, rateHz: 100, start: T0, seed: 3 }),
      ];
      const angles = makeAngles(200, T0, 100, 'left', (i) => (i < 100 ? 'standing_hip_flexion' : undefined));
      const reps = [0, 1, 2].map((n) => makeRep(n, T0 + 2 * n));
      const alert: AlertPayload = { t: T0 + 1.5, level: 'warning', code: 'rom_above_limit', message: 'flexion 95°' };
      const state: SessionStatePayload = { t: T0, state: 'in_set', side: 'left', exercise: 'standing_hip_flexion' };

      const writeAll = async (): Promise<void> => {
        for (const f of frames) await store.writeImu(A1, f);
        await store.writeAngles(A1, angles);
        for (const r of reps) await store.writeRep(A1, r);
        await store.writeAlert(A1, alert);
        await store.writeSessionState(A1, state);
      };
      await writeAll();
      await store.writeImu(A1, frames[2]!); // a duplicate inside one batch
      await store.flush();
      const snapshot = async () => ({
        pelvis: await store.imu(A1, 'pelvis'),
        thigh: await store.imu(A1, 'thigh_left'),
        coverage: await store.imuSeqCoverage(A1, 'pelvis'),
        angles: await store.angles(A1),
        reps: await store.reps(A1),
        alerts: await store.alerts({ patientId: A1.patientId }),
        states: await store.sessionStates(A1),
      });
      const first = await snapshot();
      expect(first.pelvis).toHaveLength(48);
      expect(first.thigh).toHaveLength(48);
      expect(first.coverage).toEqual([0, 1, 2, 3, 4, 5].map((seq) => ({ seq, samples: 8 })));
      expect(first.angles).toEqual(storedAngles(angles));
      expect(first.reps).toEqual(reps.map(storedRep));
      expect(first.alerts).toEqual([{ ...alert, sessionId: A1.sessionId }]);
      expect(first.states).toEqual([state]);

      await writeAll();
      await store.flush();
      await writeAll();
      await store.flush();
      expect(await snapshot()).toEqual(first);
      expect(await store.countImuSamples(A1, 'pelvis')).toBe(48);
    });

    it('replaces a point written again with new values (same key and time: last write wins)', async () => {
      const sample: AngleSample = { t: T0 + 0.25, side: 'right', flexion: 10, abduction: 2, rotation: 1 };
      await store.writeAngles(A1, [sample]);
      await store.flush();
      await store.writeAngles(A1, [{ ...sample, flexion: 12.5 }]);
      const alert: AlertPayload = { t: T0 + 3, level: 'info', code: 'calibration_failed', message: 'first' };
      await store.writeAlert(A1, alert);
      await store.writeAlert(A1, { ...alert, level: 'critical', message: 'second' });
      await store.flush();
      expect(await store.angles(A1)).toEqual([{ ...sample, flexion: 12.5 }]);
      expect(await store.alerts({ patientId: A1.patientId, sessionId: A1.sessionId })).toEqual([
        { ...alert, level: 'critical', message: 'second', sessionId: A1.sessionId },
      ]);
    });

    it('keeps patients and sessions apart (session ids repeat across patients)', async () => {
      const data = new Map(
        [A1, A2, B1].map((ref, k) => [
          ref,
          {
            frames: makeFrames({ role: 'pelvis', frames: 3, samplesPerFrame: 5, rateHz: 50, start: T0, seed: 10 + k }),
            angles: makeAngles(30 + k, T0, 50, k === 2 ? 'left' : 'right', () => 'glute_bridge', 20 + k),
            rep: makeRep(k, T0 + k),
            alert: { t: T0 + k, level: 'info', code: `code_${k}`, message: `alert ${k}` } as AlertPayload,
            state: { t: T0 + k, state: 'ready' } as SessionStatePayload,
          },
        ]),
      );
      for (const [ref, d] of data) {
        for (const f of d.frames) await store.writeImu(ref, f);
        await store.writeAngles(ref, d.angles);
        await store.writeRep(ref, d.rep);
        await store.writeAlert(ref, d.alert);
        await store.writeSessionState(ref, d.state);
      }
      await store.flush();
      for (const [ref, d] of data) {
        expect(await store.imu(ref, 'pelvis')).toEqual(expectedSamples(d.frames));
        expect(await store.countImuSamples(ref, 'pelvis')).toBe(15);
        expect(await store.angles(ref)).toEqual(storedAngles(d.angles));
        expect(await store.reps(ref)).toEqual([storedRep(d.rep)]);
        expect(await store.alerts({ patientId: ref.patientId, sessionId: ref.sessionId })).toEqual([
          { ...d.alert, sessionId: ref.sessionId },
        ]);
        expect(await store.sessionStates(ref)).toEqual([d.state]);
      }
      expect((await store.alerts({ patientId: 'patient-A' })).map((a) => a.code)).toEqual(['code_0', 'code_1']);
      expect(await store.alerts({ patientId: 'patient-C' })).toEqual([]);
      const trendA = await store.trend('patient-A', T0 - 60, T0 + 600);
      expect(new Set(trendA.map((b) => b.sessionId))).toEqual(new Set([A1.sessionId, A2.sessionId]));
      expect(trendA.reduce((n, b) => n + b.samples, 0)).toBe(30 + 31);
      const trendB = await store.trend('patient-B', T0 - 60, T0 + 600);
      expect(trendB.map((b) => [b.sessionId, b.side, b.samples])).toEqual([[B1.sessionId, 'left', 32]]);
    });

    it('returns angles exactly, and bucket means when asked for at most maxPoints', async () => {
      // 60 s at 100 Hz, an exercise for the first half only.
      const angles = makeAngles(6000, T0 + 0.005, 100, 'right', (i) => (i < 3000 ? 'mini_squat' : undefined));
      for (let i = 0; i < angles.length; i += 500) await store.writeAngles(A1, angles.slice(i, i + 500));
      await store.flush();
      const stored = storedAngles(angles);
      expect(await store.angles(A1)).toEqual(stored);
      expect(await store.angles(A1, undefined, undefined, { maxPoints: 6000 })).toEqual(stored);

      // Ground truth for the documented bucketing: equal widths from the first sample to just after the last.
      const maxPoints = 97;
      const ns = angles.map((a) => timeToNs(a.t));
      const fromNs = ns[0]!;
      const width = (ns[ns.length - 1]! + 1n - fromNs + BigInt(maxPoints) - 1n) / BigInt(maxPoints);
      const buckets = new Map<bigint, AngleSample[]>();
      angles.forEach((a, i) => {
        const k = (ns[i]! - fromNs) / width;
        buckets.set(k, [...(buckets.get(k) ?? []), a]);
      });
      const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
      const expected = [...buckets].map(([k, members]) => ({
        t: roundToMicros(Number((fromNs + k * width) / 1000n) / 1e6),
        flexion: mean(members.map((m) => m.flexion)),
        abduction: mean(members.map((m) => m.abduction)),
        rotation: mean(members.map((m) => m.rotation)),
      }));
      const down = await store.angles(A1, undefined, undefined, { maxPoints });
      expect(down.length).toBe(expected.length);
      expect(down.length).toBeLessThanOrEqual(maxPoints);
      down.forEach((d, i) => {
        const e = expected[i]!;
        expect(d.side).toBe('right');
        expect(d.t).toBe(e.t);
        expect(d.flexion).toBeCloseTo(e.flexion, 9);
        expect(d.abduction).toBeCloseTo(e.abduction, 9);
        expect(d.rotation).toBeCloseTo(e.rotation, 9);
      });
      // A window: buckets start at `from`.
      const windowed = await store.angles(A1, T0 + 10, T0 + 20, { maxPoints: 10 });
      expect(windowed.map((d) => d.t)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19].map((s) => T0 + s));
      const inFirstSecond = stored.filter((a) => a.t >= T0 + 10 && a.t < T0 + 11);
      expect(windowed[0]!.flexion).toBeCloseTo(mean(inFirstSecond.map((a) => a.flexion)), 9);
      expect(await store.angles(A2, undefined, undefined, { maxPoints: 10 })).toEqual([]);
    });

    it('returns reps by start time with exact values', async () => {
      const reps = [4, 3, 2, 1, 0].map((n) => makeRep(n, T0 + 3.1 * n + 0.0000004));
      for (const r of reps) await store.writeRep(A1, r);
      await store.flush();
      expect(await store.reps(A1)).toEqual(reps.map(storedRep).sort((a, b) => a.start - b.start));
      expect(await store.reps(A2)).toEqual([]);
    });

    it('stores alert text of any kind and filters alerts by session and time', async () => {
      const message = 'quote " backslash \\ comma, equals= space  newline\nunicode ° – 🦵 end\\';
      const alerts: Array<[SessionRef, AlertPayload]> = [
        [A1, { t: T0 + 1, level: 'critical', code: 'sensor_disconnected', message }],
        [A1, { t: T0 + 2, level: 'warning', code: 'compensation', message: '' }],
        [A2, { t: T0 + 1.5, level: 'info', code: 'calibration_failed', message: 'again' }],
      ];
      for (const [ref, a] of alerts) await store.writeAlert(ref, a);
      await store.flush();
      const withSession = alerts.map(([ref, a]) => ({ ...a, sessionId: ref.sessionId }));
      expect(await store.alerts({ patientId: 'patient-A' })).toEqual([withSession[0], withSession[2], withSession[1]]);
      expect(await store.alerts({ ...A1 })).toEqual([withSession[0], withSession[1]]);
      expect(await store.alerts({ patientId: 'patient-A', from: T0 + 1.5, to: T0 + 2 })).toEqual([withSession[2]]);
    });

    it('returns session states with their optional fields, oldest first', async () => {
      const states: SessionStatePayload[] = [
        { t: T0 + 30, state: 'ended' },
        { t: T0, state: 'calibrating', side: 'right' },
        { t: T0 + 2.5, state: 'ready', side: 'right' },
        {
          t: T0 + 3.75,
          state: 'in_set',
          side: 'right',
          exercise: 'side_lying_clamshell',
          set: 2,
          reps: 0,
          targetReps: 12,
        },
      ];
      for (const s of states) await store.writeSessionState(A1, s);
      await store.flush();
      expect(await store.sessionStates(A1)).toEqual([...states].sort((a, b) => a.t - b.t));
    });

    it('computes the per-minute trend (extremes and counts per session, side and exercise)', async () => {
      const base = T0 - (T0 % 60) + 600; // a minute boundary
      const s1 = makeAngles(1800, base + 12.5, 10, 'right', (i) => (i < 900 ? 'standing_hip_abduction' : undefined));
      const s2 = makeAngles(600, base + 3600, 10, 'right', () => 'standing_hip_abduction', 8);
      await store.writeAngles(A1, s1);
      await store.writeAngles(A2, s2);
      await store.writeAngles(
        B1,
        makeAngles(100, base, 10, 'left', () => undefined, 9),
      );
      await store.flush();

      const truth = new Map<string, TrendBucket>();
      for (const [ref, samples] of [
        [A1, s1],
        [A2, s2],
      ] as const) {
        for (const s of samples) {
          const minute = Math.floor(roundToMicros(s.t) / 60) * 60;
          const key = `${minute}/${ref.sessionId}/${s.exercise ?? ''}`;
          const b = truth.get(key);
          if (!b) {
            const bucket: TrendBucket = {
              sessionId: ref.sessionId,
              side: s.side,
              t: minute,
              samples: 1,
              flexion: { min: s.flexion, max: s.flexion },
              abduction: { min: s.abduction, max: s.abduction },
              rotation: { min: s.rotation, max: s.rotation },
            };
            if (s.exercise) bucket.exercise = s.exercise;
            truth.set(key, bucket);
            continue;
          }
          b.samples += 1;
          for (const plane of ['flexion', 'abduction', 'rotation'] as const) {
            b[plane].min = Math.min(b[plane].min, s[plane]);
            b[plane].max = Math.max(b[plane].max, s[plane]);
          }
        }
      }
      const text = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
      const order = (a: TrendBucket, b: TrendBucket): number =>
        a.t - b.t || text(a.sessionId, b.sessionId) || text(a.exercise ?? '', b.exercise ?? '');
      const expected = [...truth.values()].sort(order);
      const trend = await store.trend('patient-A', base - 3600, base + 7200);
      expect(trend).toEqual(expected);
      expect(trend.reduce((n, b) => n + b.samples, 0)).toBe(2400);

      // Buckets whose minute starts in [from, to): from just after base excludes the first minute.
      const later = await store.trend('patient-A', base + 1, base + 180);
      expect(later).toEqual(expected.filter((b) => b.t >= base + 60 && b.t < base + 180));

      const peaks = sessionPeaks(trend);
      expect(peaks.map((p) => p.sessionId)).toEqual([A1.sessionId, A2.sessionId]);
      const maxOf = (xs: AngleSample[]) => Math.max(...xs.map((x) => x.flexion));
      const minOf = (xs: AngleSample[]) => Math.min(...xs.map((x) => x.flexion));
      expect(peaks[0]!.rom.flexion).toBe(maxOf(s1) - minOf(s1));
      expect(peaks[1]!.rom.flexion).toBe(maxOf(s2) - minOf(s2));
      expect(peaks[0]!.samples).toBe(1800);
    });

    it('stores a large batch of IMU samples exactly once each, across a seq wrap', async () => {
      const total = options.largeImuSamples ?? 100_000;
      const perFrame = 25;
      const framesPerRole = Math.floor(total / 2 / perFrame);
      const firstSeq = 0xffffffff - 99; // wraps to 0 after 100 frames
      const roles = ['pelvis', 'thigh_right'] as const;
      const frames = roles.map((role, k) =>
        makeFrames({
          role,
          frames: framesPerRole,
          samplesPerFrame: perFrame,
          rateHz: 100,
          start: T0 + k * 0.002,
          firstSeq,
          mag: k === 0,
          seed: 40 + k,
        }),
      );
      for (let f = 0; f < framesPerRole; f++) {
        await store.writeImu(A1, frames[0]![f]!);
        await store.writeImu(A1, frames[1]![f]!);
      }
      // A redelivered stretch must not add anything.
      for (const f of frames[0]!.slice(50, 150)) await store.writeImu(A1, f);
      await store.flush();

      const coverage = frames[0]!.map((f) => ({ seq: f.seq, samples: perFrame }));
      for (const role of roles) {
        expect(await store.countImuSamples(A1, role)).toBe(framesPerRole * perFrame);
        expect(await store.imuSeqCoverage(A1, role)).toEqual(coverage);
      }
      expect(coverage[100]!.seq).toBe(0);
      expect(await store.imu(A1, 'pelvis')).toEqual(expectedSamples(frames[0]!));
      const middle = expectedSamples(frames[1]!).slice(20_000, 21_000);
      expect(await store.imu(A1, 'thigh_right', middle[0]!.t, middle[999]!.t + 1e-6)).toEqual(middle);
      expect(store.status().counters.written).toBeGreaterThanOrEqual(2 * framesPerRole * perFrame);
    });

    it('reports queued points until flushed, then what was written', async () => {
      const before = store.status();
      expect(before.queuedPoints).toBe(0);
      await store.writeAngles(
        A1,
        makeAngles(40, T0, 100, 'right', () => undefined),
      );
      await store.writeRep(A1, makeRep(0, T0));
      expect(store.status().queuedPoints).toBe(41);
      await store.flush();
      const after = store.status();
      expect(after.queuedPoints).toBe(0);
      expect(after.connected).toBe(true);
      expect(after.lastError).toBeNull();
      expect(after.spooledBytes).toBe(0);
      expect(after.counters.written - before.counters.written).toBe(41);
      expect(after.counters.dropped).toBe(0);
    });

    it('refuses invalid input and stores none of it', async () => {
      const frame = makeFrames({ role: 'pelvis', frames: 1, samplesPerFrame: 3, rateHz: 100, start: T0 })[0]!;
      const bad: Array<() => Promise<void>> = [
        () => store.writeImu({ patientId: 'a b', sessionId: 's' }, frame),
        () => store.writeImu({ patientId: 'p', sessionId: 's,tag=x' }, frame),
        () => store.writeImu({ patientId: 'p', sessionId: 's/1' }, frame),
        () => store.writeImu(A1, { ...frame, role: 'knee' as never }),
        () => store.writeImu(A1, { ...frame, samples: [{ gyr: [NaN, 0, 0], acc: [0, 0, 9.81] }] }),
        () => store.writeImu(A1, { ...frame, timing: { kind: 'regular', t0: -1, period: 0.01 } }),
        () => store.writeAngles(A1, [{ t: T0, side: 'right', flexion: Infinity, abduction: 0, rotation: 0 }]),
        () => store.writeAngles(A1, [{ t: T0, side: 'up' as never, flexion: 0, abduction: 0, rotation: 0 }]),
        () =>
          store.writeAngles(A1, [
            { t: T0, side: 'left', flexion: 0, abduction: 0, rotation: 0, exercise: 'x' as never },
          ]),
        () => store.writeRep(A1, { ...makeRep(0, T0), end: T0 - 1 }),
        () => store.writeAlert(A1, { t: T0, level: 'info', code: 'Bad Code', message: '' }),
        () => store.writeSessionState(A1, { t: T0, state: 'dancing' as never }),
      ];
      for (const write of bad) await expect(write()).rejects.toBeInstanceOf(SeriesInputError);
      await expect(store.imu({ patientId: "p' OR 1=1", sessionId: 's' }, 'pelvis')).rejects.toBeInstanceOf(
        SeriesInputError,
      );
      await store.flush();
      expect(store.status().counters.written).toBe(0);
      expect(await store.countImuSamples(A1, 'pelvis')).toBe(0);
      expect(await store.angles(A1)).toEqual([]);
    });
  });
}
