/**
 * Throughput of the analysis chain: sensor samples per CPU second on one core, on pre-generated recordings (the
 * simulation is not timed), and the same for the parts (orientation filters alone, tracker, detector, precaution
 * monitor), with the bytes the chain allocates per sample.
 *
 * Each mode is measured in fresh processes (measureThroughputIsolated): V8 compiles for the types it has seen, and
 * one process running 6D, then the parts alone, then 9D measures the 9D chain with code shaped by the others. And
 * in several of them: the same code lands in one of two speeds per process (on the development VM 9D ≈ 1.05 or
 * ≈ 0.7 M samples/s, about half the processes each; every hot function optimised in both, a larger V8 inlining
 * budget gives the fast one every time), so one process's figure says little on its own.
 *
 *   node --import tsx bench/throughput.ts 6d|9d [runs]   (prints the figure as JSON; used by the pipeline benchmark)
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  HipAngleTracker,
  PrecautionMonitor,
  createMovementDetector,
  createOrientationFilter,
  exerciseEnvelopeLimits,
} from '@hipmon/core';
import type { ExerciseId, Side } from '@hipmon/core';
import { createMotionScript, recordMotion } from '@hipmon/simulator';
import { measureAllocation } from './allocation.js';
import { runChain } from './chain.js';
import type { Mode } from './chain.js';

export interface ThroughputFigure {
  mode: Mode;
  samples: number;
  /**
   * Sensor samples per CPU second (one core), the fastest of the runs: interference from the rest of the machine
   * (other processes, a virtual machine's neighbours) only ever slows a run down.
   */
  chain: number;
  /** The same, median of the runs. */
  chainMedian: number;
  /** Bytes allocated per sensor sample by the whole chain (heap sampling), and the largest allocators. */
  allocatedPerSample: number;
  allocators: { name: string; bytesPerSample: number }[];
  /** The parts alone, fastest runs, in sensor samples per second (detector and monitor: frames per second). */
  filtersOnly: number;
  tracker: number;
  detectorFramesPerS: number;
  monitorFramesPerS: number;
  framesPerSample: number;
}

/** Recordings timed for the throughput: a mix of exercises, 'typical' sensors, 10° misplacement, ~16 min in all. */
const THROUGHPUT_SET: readonly { exercise: ExerciseId; side: Side; reps: number }[] = [
  { exercise: 'standing_hip_flexion', side: 'right', reps: 40 },
  { exercise: 'glute_bridge', side: 'left', reps: 30 },
  { exercise: 'side_lying_clamshell', side: 'right', reps: 30 },
  { exercise: 'sit_to_stand', side: 'left', reps: 25 },
  { exercise: 'hip_flexor_stretch', side: 'right', reps: 4 },
];

export function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * CPU time (ms: user + system, what the process spends whatever else runs on the machine; V8's background GC and
 * compiler threads count too) of `runs` runs of f after two warm-up runs (V8 optimises the code during the first):
 * the fastest and the median.
 */
function timeIt(runs: number, f: () => void): { bestMs: number; medianMs: number } {
  f();
  f();
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { bestMs: Math.min(...cpu), medianMs: median(cpu) };
}

export function prepareThroughputRecordings(mode: Mode) {
  return THROUGHPUT_SET.map(({ exercise, side, reps }, i) => {
    const script = createMotionScript({ exercise, side, reps, seed: 100 + i, variability: { tempo: 0.2, rom: 0.1 } });
    const { samples } = recordMotion(script, {
      noise: 'typical',
      misplacementDeg: 10,
      seed: 100 + i,
      mag: mode === '9d',
    });
    return { exercise, side, romDeg: script.romDeg, samples };
  });
}

export function measureThroughput(mode: Mode, runs: number): ThroughputFigure {
  const recordings = prepareThroughputRecordings(mode);
  const samples = recordings.reduce((a, r) => a + r.samples.length, 0);
  const chain = () => {
    for (const r of recordings) runChain(r.samples, r.exercise, r.side, mode, r.romDeg, false);
  };
  const chainMs = timeIt(runs, chain);
  const allocation = measureAllocation(chain);
  // The parts alone. Filters: one per sensor, at 100 Hz, the samples as they come.
  const filtersMs = timeIt(runs, () => {
    for (const r of recordings) {
      const pelvis = createOrientationFilter({ sampleRate: 100, mode });
      const thigh = createOrientationFilter({ sampleRate: 100, mode });
      for (let i = 0; i < r.samples.length; i++) {
        const s = r.samples[i]!;
        (s.role === 'pelvis' ? pelvis : thigh).update(s.gyr, s.acc, s.mag, 0.01);
      }
    }
  });
  const trackerMs = timeIt(runs, () => {
    for (const r of recordings) {
      const tracker = new HipAngleTracker({ side: r.side, mode, exercise: r.exercise });
      for (let i = 0; i < r.samples.length; i++) {
        const s = r.samples[i]!;
        tracker.push(s.role, s.t, s.gyr, s.acc, s.mag);
      }
      tracker.finish();
    }
  });
  // Detector and monitor on the frames the tracker produces (kept once, outside the timing).
  const frameSets = recordings.map((r) => ({
    r,
    frames: runChain(r.samples, r.exercise, r.side, mode, r.romDeg, true).frames,
  }));
  const frameCount = frameSets.reduce((a, f) => a + f.frames.n, 0);
  const detectorMs = timeIt(runs, () => {
    for (const { r, frames } of frameSets) {
      const d = createMovementDetector({ exercise: r.exercise, targetRomDeg: r.romDeg });
      const a = frames.angles;
      for (let k = 0; k < frames.n; k++) d.pushValues(frames.t[k]!, a[3 * k]!, a[3 * k + 1]!, a[3 * k + 2]!);
      d.flush();
    }
  });
  const sample = { t: 0, flexion: 0, abduction: 0, rotation: 0 };
  const monitorMs = timeIt(runs, () => {
    for (const { r, frames } of frameSets) {
      const m = new PrecautionMonitor({ limits: exerciseEnvelopeLimits(r.exercise) });
      const a = frames.angles;
      for (let k = 0; k < frames.n; k++) {
        sample.t = frames.t[k]!;
        sample.flexion = a[3 * k]!;
        sample.abduction = a[3 * k + 1]!;
        sample.rotation = a[3 * k + 2]!;
        m.push(sample);
      }
    }
  });
  const perS = (count: number, ms: number) => count / (ms / 1000);
  return {
    mode,
    samples,
    chain: perS(samples, chainMs.bestMs),
    chainMedian: perS(samples, chainMs.medianMs),
    allocatedPerSample: allocation.bytes / samples,
    allocators: allocation.byFunction.slice(0, 4).map((a) => ({ name: a.name, bytesPerSample: a.bytes / samples })),
    filtersOnly: perS(samples, filtersMs.bestMs),
    tracker: perS(samples, trackerMs.bestMs),
    detectorFramesPerS: perS(frameCount, detectorMs.bestMs),
    monitorFramesPerS: perS(frameCount, monitorMs.bestMs),
    framesPerSample: frameCount / samples,
  };
}

/** measureThroughput in `processes` child processes, one after the other (same Node flags: the TypeScript loader). */
export function measureThroughputIsolated(mode: Mode, runs: number, processes: number): ThroughputFigure[] {
  return Array.from({ length: processes }, () => measureInChild(mode, runs));
}

function measureInChild(mode: Mode, runs: number): ThroughputFigure {
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), mode, String(runs)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (child.status !== 0) {
    throw new Error(`throughput measurement (${mode}) failed: ${child.stderr || child.error?.message || child.status}`);
  }
  return JSON.parse(child.stdout) as ThroughputFigure;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [mode, runs] = process.argv.slice(2);
  if (mode !== '6d' && mode !== '9d') throw new Error(`usage: throughput.ts 6d|9d [runs], got '${mode}'`);
  process.stdout.write(JSON.stringify(measureThroughput(mode, runs === undefined ? 7 : Number(runs))) + '\n');
}
