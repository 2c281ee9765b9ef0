/**
 * Deterministic test data for the series store tests (the contract suite and the adapter-specific tests):
 * IMU frames with float32 readings as the sensors send them, and what the store must give back for them.
 * Test-only; not exported from the package.
 */
import { frameSampleTimes } from '@hipmon/core';
import { createPrng } from '@hipmon/simulator';
import type { ImuFrame, ImuReading, SensorRole, Vec3 } from '@hipmon/core';
import type { StoredImuSample } from './series-store.js';
import { roundToMicros } from './series-time.js';

/** 14 Nov 2023 22:13:20 UTC: gateway clocks are Unix time (docs/storage.md). */
export const T0 = 1_700_000_000;

const f32vec = (random: () => number, scale: number): Vec3 => [
  Math.fround((random() * 2 - 1) * scale),
  Math.fround((random() * 2 - 1) * scale),
  Math.fround((random() * 2 - 1) * scale),
];

export interface FrameSpec {
  role: SensorRole;
  frames: number;
  samplesPerFrame: number;
  rateHz: number;
  /** Time of the first sample, s. */
  start: number;
  firstSeq?: number;
  mag?: boolean;
  /** 'explicit': per-sample times with up to ±2 ms of jitter (still increasing). */
  timing?: 'regular' | 'explicit';
  seed?: number;
}

export function makeFrames(spec: FrameSpec): ImuFrame[] {
  // next: uniform in [0, 1), a closure (no `this`).
  const random = createPrng(spec.seed ?? 1).next;
  const period = 1 / spec.rateHz;
  const frames: ImuFrame[] = [];
  for (let f = 0; f < spec.frames; f++) {
    const first = f * spec.samplesPerFrame;
    const samples: ImuReading[] = Array.from({ length: spec.samplesPerFrame }, () => {
      const reading: ImuReading = { gyr: f32vec(random, 4), acc: f32vec(random, 20) };
      if (spec.mag) reading.mag = f32vec(random, 60);
      return reading;
    });
    const t0 = spec.start + first * period;
    frames.push({
      role: spec.role,
      seq: ((spec.firstSeq ?? 0) + f) >>> 0,
      timing:
        spec.timing === 'explicit'
          ? { kind: 'explicit', t: samples.map((_, i) => t0 + i * period + (random() - 0.5) * 0.004) }
          : { kind: 'regular', t0, period },
      samples,
    });
  }
  return frames;
}

/** What imu() must return for these frames (each sample once), in time order. */
export function expectedSamples(frames: readonly ImuFrame[]): StoredImuSample[] {
  const out: StoredImuSample[] = [];
  for (const frame of frames) {
    const times = frameSampleTimes(frame);
    frame.samples.forEach((reading, index) => {
      const sample: StoredImuSample = {
        t: roundToMicros(times[index]!),
        gyr: reading.gyr,
        acc: reading.acc,
        seq: frame.seq,
        index,
      };
      if (reading.mag) sample.mag = reading.mag;
      out.push(sample);
    });
  }
  return out.sort((a, b) => a.t - b.t);
}
