/**
 * Repetition and hold detection against the simulator's ground truth.
 *
 *   npx tsx bench/reps.ts [SEEDS]
 *
 * Scenario matrix: every catalogue exercise × both sides × motion variants (nominal, fast and slow tempo,
 * rep-to-rep variability, partial repetitions, pelvic compensation, two sets with a 60 s rest, pauses at the top)
 * × seeds × angle-noise levels. Each recording is the simulator's true hip angles plus the errors the angle tracker
 * adds (white noise at the level, a constant offset and a slow drift of up to 3°, fidgeting while at rest), fed
 * sample by sample to the streaming detector, then flushed — exactly the live path.
 *
 * Scores: share of recordings with the exact count (full repetitions and partial ones, or holds), false
 * repetitions during rest (reported movements overlapping no true one), reporting latency (sample time of the
 * report − true end of the rep), start/end and ROM errors, hold duration errors, and the detector's throughput.
 */
import { pathToFileURL } from 'node:url';
import { EXERCISE_IDS, createMovementDetector, getExercise } from '@hipmon/core';
import type { DetectorEvent, ExerciseId, HoldEvent, RepEvent, Side } from '@hipmon/core';
import type { MotionOptions } from '@hipmon/simulator';
import { createScenario } from '../core/src/reps/test-scenarios.js';

export interface RepsBenchmarkOptions {
  /** Seeds per (exercise, side, variant, noise level). Default 3. */
  seeds?: number;
  /** White angle noise levels (degrees SD). Default 0.5, 1, 2. */
  noiseLevels?: number[];
}

/** One group of recordings (a noise level, or everything). */
export interface RepsScore {
  recordings: number;
  exactCount: number;
  exactShare: number;
  falseReps: number;
  latencyMeanS: number;
  latencyMaxS: number;
  startEndErrorMeanS: number;
  startEndErrorMaxS: number;
  romErrorMeanDeg: number;
  holdDurationErrorMeanS: number;
  holdDurationErrorMaxS: number;
}

export interface RepsBenchmarkResult {
  byNoise: { noiseDeg: number; score: RepsScore }[];
  byExercise: { exercise: ExerciseId; score: RepsScore }[];
  total: RepsScore;
  /** Recordings whose count was wrong, for investigation. */
  misses: string[];
  samples: number;
  throughputSamplesPerS: number;
  goals: { exactShare: number; falseReps: number; maxLatencyS: number; met: boolean };
}

const VARIANTS: Record<string, Partial<MotionOptions>> = {
  nominal: {},
  fast: { tempo: { repS: 1.5, peakHoldS: 0.2 } },
  slow: { tempo: { repS: 5 } },
  variable: { variability: { rom: 0.1, tempo: 0.3, offPlaneDeg: 3 } },
  partial: { partialShare: 0.3 },
  compensation: { compensations: { hipHikeDeg: 8, trunkLeanAnteriorDeg: 6 } },
  sets: { sets: 2, restBetweenSetsS: 60, reps: 5 },
  topPause: { tempo: { peakHoldS: 5 } },
};

interface RecordingOutcome {
  exercise: ExerciseId;
  noiseDeg: number;
  exact: boolean;
  falseReps: number;
  latencies: number[];
  startEndErrors: number[];
  romErrors: number[];
  holdErrors: number[];
  label: string;
}

function score(outcomes: RecordingOutcome[]): RepsScore {
  const all = (pick: (o: RecordingOutcome) => number[]) => outcomes.flatMap(pick);
  const mean = (v: number[]) => (v.length === 0 ? Number.NaN : v.reduce((a, b) => a + b, 0) / v.length);
  const max = (v: number[]) => (v.length === 0 ? Number.NaN : Math.max(...v));
  const latencies = all((o) => o.latencies);
  const startEnd = all((o) => o.startEndErrors);
  const holds = all((o) => o.holdErrors);
  const exactCount = outcomes.filter((o) => o.exact).length;
  return {
    recordings: outcomes.length,
    exactCount,
    exactShare: exactCount / outcomes.length,
    falseReps: outcomes.reduce((a, o) => a + o.falseReps, 0),
    latencyMeanS: mean(latencies),
    latencyMaxS: max(latencies),
    startEndErrorMeanS: mean(startEnd),
    startEndErrorMaxS: max(startEnd),
    romErrorMeanDeg: mean(all((o) => o.romErrors)),
    holdDurationErrorMeanS: mean(holds),
    holdDurationErrorMaxS: max(holds),
  };
}

export function runRepsBenchmark(options: RepsBenchmarkOptions = {}): RepsBenchmarkResult {
  const seeds = options.seeds ?? 3;
  const noiseLevels = options.noiseLevels ?? [0.5, 1, 2];
  const outcomes: RecordingOutcome[] = [];
  let samples = 0;
  let detectorMs = 0;
  for (const noiseDeg of noiseLevels) {
    for (const exercise of EXERCISE_IDS) {
      const isHold = getExercise(exercise).kind === 'hold';
      for (const side of ['left', 'right'] as Side[]) {
        for (const [variant, motion] of Object.entries(VARIANTS)) {
          // Variants about repetitions make no sense for a hold, except sets and variability.
          if (isHold && !['nominal', 'variable', 'sets'].includes(variant)) continue;
          for (let seed = 1; seed <= seeds; seed++) {
            const label = `${exercise}/${side}/${variant}/noise ${noiseDeg}/seed ${seed}`;
            const runSeed = seed * 1000 + Math.round(noiseDeg * 10);
            const scenario = createScenario(
              { exercise, side, seed: runSeed, reps: isHold ? 3 : 8, ...motion },
              { noiseDeg, offsetDeg: 3, driftDeg: 3, fidgetDeg: 2, seed: runSeed },
            );
            const detector = createMovementDetector({ exercise, targetRomDeg: scenario.script.romDeg });
            const events: DetectorEvent[] = [];
            const started = performance.now();
            for (const s of scenario.samples) {
              const ev = detector.push(s);
              if (ev) events.push(ev);
            }
            events.push(...detector.flush());
            detectorMs += performance.now() - started;
            samples += scenario.samples.length;
            outcomes.push(evaluate(scenario, events, exercise, noiseDeg, isHold, label));
          }
        }
      }
    }
  }
  const total = score(outcomes);
  const goals = { exactShare: 0.99, falseReps: 0, maxLatencyS: 0.5, met: false };
  goals.met =
    total.exactShare >= goals.exactShare &&
    total.falseReps <= goals.falseReps &&
    total.latencyMaxS <= goals.maxLatencyS;
  return {
    byNoise: noiseLevels.map((noiseDeg) => ({
      noiseDeg,
      score: score(outcomes.filter((o) => o.noiseDeg === noiseDeg)),
    })),
    byExercise: EXERCISE_IDS.map((exercise) => ({
      exercise,
      score: score(outcomes.filter((o) => o.exercise === exercise)),
    })),
    total,
    misses: outcomes.filter((o) => !o.exact).map((o) => o.label),
    samples,
    throughputSamplesPerS: samples / (detectorMs / 1000),
    goals,
  };
}

function evaluate(
  scenario: ReturnType<typeof createScenario>,
  events: DetectorEvent[],
  exercise: ExerciseId,
  noiseDeg: number,
  isHold: boolean,
  label: string,
): RecordingOutcome {
  const { script } = scenario;
  const outcome: RecordingOutcome = {
    exercise,
    noiseDeg,
    exact: false,
    falseReps: 0,
    latencies: [],
    startEndErrors: [],
    romErrors: [],
    holdErrors: [],
    label,
  };
  // A reported movement overlapping no true movement happened during rest.
  const overlapsTruth = (start: number, end: number) => script.movements.some((m) => start < m.tEnd && end > m.t0);
  if (isHold) {
    const holds = events.filter((e): e is HoldEvent => e.type === 'hold');
    outcome.falseReps = holds.filter((h) => !overlapsTruth(h.start, h.end)).length;
    outcome.exact = holds.length === script.holds.length;
    if (outcome.exact)
      holds.forEach((h, i) => outcome.holdErrors.push(Math.abs(h.duration - script.holds[i]!.duration)));
    return outcome;
  }
  const reps = events.filter((e): e is RepEvent => e.type === 'rep');
  outcome.falseReps = reps.filter((r) => !overlapsTruth(r.start, r.end)).length;
  const truthFull = script.reps.filter((r) => !r.partial).length;
  const full = reps.filter((r) => !r.partial).length;
  outcome.exact = full === truthFull && reps.length === script.reps.length;
  if (reps.length === script.reps.length) {
    reps.forEach((r, i) => {
      const truth = script.reps[i]!;
      outcome.latencies.push(r.reportedAt - truth.end);
      outcome.startEndErrors.push(Math.abs(r.start - truth.start), Math.abs(r.end - truth.end));
      outcome.romErrors.push(Math.abs(r.rom - truth.romDeg));
    });
  }
  return outcome;
}

export function formatRepsReport(r: RepsBenchmarkResult): string {
  const num = (x: number, digits: number) => (Number.isNaN(x) ? '–' : x.toFixed(digits));
  const columns: [string, number, (x: RepsScore) => string][] = [
    ['recs', 6, (x) => String(x.recordings)],
    ['exact', 8, (x) => `${(100 * x.exactShare).toFixed(1)} %`],
    ['false', 6, (x) => String(x.falseReps)],
    ['lat mean', 9, (x) => num(x.latencyMeanS, 3)],
    ['lat max', 8, (x) => num(x.latencyMaxS, 3)],
    ['s/e mean', 9, (x) => num(x.startEndErrorMeanS, 3)],
    ['s/e max', 8, (x) => num(x.startEndErrorMaxS, 3)],
    ['|ΔROM|°', 8, (x) => num(x.romErrorMeanDeg, 2)],
    ['hold Δ mean', 12, (x) => num(x.holdDurationErrorMeanS, 3)],
    ['hold Δ max', 11, (x) => num(x.holdDurationErrorMaxS, 3)],
  ];
  const header = 'group'.padEnd(26) + columns.map(([name, w]) => name.padStart(w)).join('');
  const row = (name: string, x: RepsScore) => name.padEnd(26) + columns.map(([, w, f]) => f(x).padStart(w)).join('');
  const lines = [header];
  for (const { noiseDeg, score: x } of r.byNoise) lines.push(row(`noise ${noiseDeg}°`, x));
  lines.push(row('all', r.total));
  lines.push('');
  for (const { exercise, score: x } of r.byExercise) lines.push(row(exercise, x));
  lines.push('');
  lines.push(
    `times in s; latency = sample time of the report − true end; s/e = |start or end − truth|; ` +
      `${r.samples.toLocaleString('en')} samples at 100 Hz`,
  );
  lines.push(
    `goals: exact count ≥ ${100 * r.goals.exactShare} % → ${(100 * r.total.exactShare).toFixed(2)} %, false reps ` +
      `${r.goals.falseReps} → ${r.total.falseReps}, max latency ≤ ${r.goals.maxLatencyS} s → ` +
      `${r.total.latencyMaxS.toFixed(3)} s (${r.goals.met ? 'met' : 'NOT met'})`,
  );
  lines.push(`detector throughput, one core: ${(r.throughputSamplesPerS / 1e6).toFixed(2)} M samples/s`);
  if (r.misses.length > 0) lines.push(`wrong counts: ${r.misses.join('; ')}`);
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const seeds = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
  process.stdout.write(formatRepsReport(runRepsBenchmark({ seeds })) + '\n');
}
