/**
 * The whole analysis chain end to end against the simulator's ground truth, and its throughput.
 *
 *   npx tsx bench/pipeline.ts [--seeds N] [--full] [--runs N] [--processes N] [--throughput-only | --matrix-only] [--exercise ID]… [--noise LEVEL]…
 *
 * Chain (exactly the live path): simulated IMU samples of both sensors (recordMotion: sensor errors, misplacement,
 * 6D/9D) → HipAngleTracker (fusion, calibration, ISB hip angles at 100 Hz) → MovementDetector (reps / holds) and
 * PrecautionMonitor (the exercise's safe envelope), frame by frame as the tracker emits them, then flushed.
 *
 * Scenario matrix: every catalogue exercise × misplacement 0 / ±8 / ±15° (Euler angles drawn per axis and sensor) ×
 * sensor errors low / typical / high × 6D / 9D × both sides × motion variants (nominal; 30 % partial repetitions;
 * rep-to-rep variability of ROM, tempo and off-plane angles) × seeds. The default run samples it: for each
 * (exercise, noise, mode, side, seed) one misplacement and one variant, taken in turn, so every misplacement and
 * variant occurs equally often in every row; `full` runs every combination.
 *
 * Scores per recording: RMSE per plane after the calibration window; exact count (full repetitions and partial ones,
 * or holds, as the truth has them); false repetitions (detected ones matched to no true one, and those overlapping
 * no true movement: rest, getting into position); partial classification of the matched repetitions; envelope
 * alerts beyond those the true angles raise at the same instants (getting into position can leave the exercise's
 * envelope: standing before a clamshell is 0° flexion). Rows: exercise × noise × mode, then by noise × mode, motion
 * variant and misplacement.
 *
 * Throughput: see throughput.ts (each mode in a process of its own).
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { runChain } from './chain.js';
import type { ChainOutput, Mode } from './chain.js';
import { measureThroughputIsolated } from './throughput.js';
import type { ThroughputFigure } from './throughput.js';
import { EXERCISE_IDS, HIP_ANGLE_NAMES, PrecautionMonitor, exerciseEnvelopeLimits, getExercise } from '@hipmon/core';
import type { ExerciseId, HipAngles, RecordingSample, Side } from '@hipmon/core';
import { createMotionScript, recordMotion } from '@hipmon/simulator';
import type { ErrorPreset, ExerciseMotionScript, MotionOptions, SimulatedSensor } from '@hipmon/simulator';

export const MISPLACEMENTS_DEG = [0, 8, 15] as const;
export const NOISE_LEVELS: readonly ErrorPreset[] = ['low', 'typical', 'high'];
export const MODES: readonly Mode[] = ['6d', '9d'];
export const SIDES: readonly Side[] = ['left', 'right'];

/** Motion variants (repetition exercises; the hold gets the nominal and variable ones). */
export const VARIANTS: Readonly<Record<string, Partial<MotionOptions>>> = {
  nominal: {},
  partial: { partialShare: 0.3 },
  variable: { variability: { rom: 0.1, tempo: 0.3, offPlaneDeg: 3 } },
};

export const GOALS = {
  exactShare: 0.99,
  falseReps: 0,
  rmseDeg: { flexion: 2, abduction: 2, rotation: 4 } as Readonly<HipAngles>,
  samplesPerS: 1_000_000,
} as const;

export interface PipelineBenchmarkOptions {
  /** Seeds per (exercise, noise, mode, side). Default 5 (540 recordings, about a minute with the throughput). */
  seeds?: number;
  /** Every misplacement × variant for each seed instead of one of each in turn. Default false. */
  full?: boolean;
  /** Repetitions per recording (holds: half as many). Default 6. */
  reps?: number;
  /** Timed runs of the throughput measurement in each process (fastest and median reported). Default 7. */
  runs?: number;
  /** Fresh processes per mode for the throughput (see throughput.ts). Default 3. */
  processes?: number;
  /** Skip the matrix (throughput only). */
  throughputOnly?: boolean;
  /** Skip the throughput (matrix only). */
  matrixOnly?: boolean;
  /** Restrict the matrix to these exercises / noise levels (a quicker look at one corner). Default: all. */
  exercises?: readonly ExerciseId[];
  noise?: readonly ErrorPreset[];
}

/** One recording's outcome. */
export interface RecordingOutcome {
  label: string;
  exercise: ExerciseId;
  noise: ErrorPreset;
  mode: Mode;
  rmse: HipAngles;
  exact: boolean;
  trueCount: number;
  detectedCount: number;
  /** Detected repetitions (or holds) matched to no true one. */
  unmatched: number;
  /** Detected repetitions (or holds) overlapping no true movement: during rest or getting into position. */
  duringRest: number;
  /** Matched repetitions whose partial flag agrees with the truth, and how many were matched. */
  partialAgree: number;
  matched: number;
  /** True partial repetitions taken for full ones, and full ones taken for partial. */
  partialAsFull: number;
  fullAsPartial: number;
  /** Envelope alerts raised on the tracked angles, and how many of them the true angles did not raise. */
  envelopeAlerts: number;
  extraAlerts: number;
  variant: string;
  misplacementDeg: number;
  calibrated: boolean;
}

export interface PipelineScore {
  recordings: number;
  meanRmse: HipAngles;
  worstRmse: HipAngles;
  exactCount: number;
  exactShare: number;
  unmatched: number;
  duringRest: number;
  partialAgree: number;
  matched: number;
  partialAsFull: number;
  fullAsPartial: number;
  envelopeAlerts: number;
  extraAlerts: number;
  /** Recordings whose RMSE is within the targets in every plane. */
  rmseOnTarget: number;
}

export interface PipelineRow {
  exercise: ExerciseId;
  noise: ErrorPreset;
  mode: Mode;
  score: PipelineScore;
}

export interface PipelineBenchmarkResult {
  rows: PipelineRow[];
  byNoiseMode: { noise: ErrorPreset; mode: Mode; score: PipelineScore }[];
  byVariant: { variant: string; score: PipelineScore }[];
  byMisplacement: { misplacementDeg: number; score: PipelineScore }[];
  total: PipelineScore | null;
  misses: string[];
  /** Recordings over the RMSE targets, the furthest over first (by the largest ratio RMSE / target of a plane). */
  offTarget: RecordingOutcome[];
  /** Per mode, one figure per fresh process. */
  throughput: { mode: Mode; processes: ThroughputFigure[] }[];
  seconds: { matrix: number; throughput: number };
}

const zeroAngles = (): HipAngles => ({ flexion: 0, abduction: 0, rotation: 0 });

export interface Cell {
  exercise: ExerciseId;
  noise: ErrorPreset;
  mode: Mode;
  side: Side;
  seed: number;
  misplacementDeg: number;
  variant: string;
}

function cells(o: Required<Pick<PipelineBenchmarkOptions, 'seeds' | 'full' | 'exercises' | 'noise'>>): Cell[] {
  const out: Cell[] = [];
  let turn = 0;
  for (const exercise of EXERCISE_IDS) {
    const variants = Object.keys(VARIANTS).filter((v) => getExercise(exercise).kind !== 'hold' || v !== 'partial');
    for (const noise of NOISE_LEVELS) {
      // Skipped cells still take their turn: a restricted run sees the same recordings as the full one.
      const skipped = !o.exercises.includes(exercise) || !o.noise.includes(noise);
      for (const mode of MODES) {
        for (const side of SIDES) {
          for (let seed = 1; seed <= o.seeds; seed++) {
            const base = { exercise, noise, mode, side, seed };
            if (o.full) {
              if (skipped) continue;
              for (const misplacementDeg of MISPLACEMENTS_DEG)
                for (const variant of variants) out.push({ ...base, misplacementDeg, variant });
            } else {
              // In turn, with co-prime strides, so each row sees the misplacements and variants mixed.
              if (!skipped)
                out.push({
                  ...base,
                  misplacementDeg: MISPLACEMENTS_DEG[turn % MISPLACEMENTS_DEG.length]!,
                  variant: variants[Math.floor(turn / MISPLACEMENTS_DEG.length) % variants.length]!,
                });
              turn++;
            }
          }
        }
      }
    }
  }
  return out;
}

/** A cell's recording and its truth; the seed mixes in everything so no two cells share sensor errors. */
export function simulate(
  c: Cell,
  reps: number,
): { script: ExerciseMotionScript; samples: RecordingSample[]; sensors: SimulatedSensor[] } {
  const hold = getExercise(c.exercise).kind === 'hold';
  const seed =
    c.seed * 1_000_003 +
    EXERCISE_IDS.indexOf(c.exercise) * 7919 +
    NOISE_LEVELS.indexOf(c.noise) * 613 +
    MODES.indexOf(c.mode) * 101 +
    SIDES.indexOf(c.side) * 31 +
    c.misplacementDeg * 3 +
    Object.keys(VARIANTS).indexOf(c.variant);
  const script = createMotionScript({
    exercise: c.exercise,
    side: c.side,
    reps: hold ? Math.max(1, Math.round(reps / 2)) : reps,
    seed,
    ...VARIANTS[c.variant],
  });
  const recording = recordMotion(script, {
    noise: c.noise,
    misplacementDeg: c.misplacementDeg,
    seed,
    mag: c.mode === '9d',
  });
  return { script, samples: recording.samples, sensors: recording.sensors };
}

/** What the chain produced for one recording. */
function evaluate(c: Cell, script: ExerciseMotionScript, out: ChainOutput): RecordingOutcome {
  // RMSE per plane after the calibration window (getting into position included), as bench/angles.ts scores it.
  const sq = zeroAngles();
  let n = 0;
  const { t, angles } = out.frames;
  for (let k = 0; k < out.frames.n; k++) {
    if (t[k]! < script.calibrationEnd) continue;
    const truth = script.stateAt(t[k]!).angles;
    HIP_ANGLE_NAMES.forEach((name, j) => {
      const e = angles[3 * k + j]! - truth[name];
      sq[name] += e * e;
    });
    n++;
  }
  const rmse: HipAngles = {
    flexion: Math.sqrt(sq.flexion / n),
    abduction: Math.sqrt(sq.abduction / n),
    rotation: Math.sqrt(sq.rotation / n),
  };

  const hold = script.definition.kind === 'hold';
  const truths = hold
    ? script.holds.map((h) => ({ start: h.start, end: h.end, partial: false }))
    : script.reps.map((r) => ({ start: r.start, end: r.end, partial: r.partial }));
  const detected = out.events
    .filter((e) => e.type === (hold ? 'hold' : 'rep'))
    .map((e) => ({ start: e.start, end: e.end, partial: e.type === 'rep' && e.partial }));
  // One-to-one matching by overlap, in time order (both lists are sorted).
  const taken = new Array<boolean>(truths.length).fill(false);
  let unmatched = 0,
    partialAgree = 0,
    matched = 0,
    partialAsFull = 0,
    fullAsPartial = 0;
  for (const d of detected) {
    const i = truths.findIndex((r, j) => !taken[j] && d.start < r.end && d.end > r.start);
    if (i < 0) {
      unmatched++;
      continue;
    }
    taken[i] = true;
    matched++;
    const truth = truths[i]!;
    if (truth.partial === d.partial) partialAgree++;
    else if (truth.partial) partialAsFull++;
    else fullAsPartial++;
  }
  const duringRest = detected.filter((d) => !script.movements.some((m) => d.start < m.tEnd && d.end > m.t0)).length;
  const trueFull = truths.filter((r) => !r.partial).length;
  const detectedFull = detected.filter((r) => !r.partial).length;
  return {
    label: `${c.exercise}/${c.side}/${c.mode}/${c.noise}/mis ${c.misplacementDeg}/${c.variant}/seed ${c.seed}`,
    exercise: c.exercise,
    noise: c.noise,
    mode: c.mode,
    rmse,
    exact: detected.length === truths.length && detectedFull === trueFull,
    trueCount: trueFull,
    detectedCount: detectedFull,
    unmatched,
    duringRest,
    partialAgree,
    matched,
    partialAsFull,
    fullAsPartial,
    envelopeAlerts: out.alerts.length,
    extraAlerts: extraAlerts(script, out),
    variant: c.variant,
    misplacementDeg: c.misplacementDeg,
    calibrated: out.calibrated,
  };
}

/** Alerts of the chain, per limit, beyond those a monitor on the true angles raises at the same frame instants. */
function extraAlerts(script: ExerciseMotionScript, out: ChainOutput): number {
  const monitor = new PrecautionMonitor({ limits: exerciseEnvelopeLimits(script.exercise) });
  const truthAlerts = new Map<string, number>();
  const sample = { t: 0, flexion: 0, abduction: 0, rotation: 0 };
  for (let k = 0; k < out.frames.n; k++) {
    sample.t = out.frames.t[k]!;
    Object.assign(sample, script.stateAt(sample.t).angles);
    for (const e of monitor.push(sample))
      if (e.type === 'precaution_alert') truthAlerts.set(e.id, (truthAlerts.get(e.id) ?? 0) + 1);
  }
  const chainAlerts = new Map<string, number>();
  for (const id of out.alerts) chainAlerts.set(id, (chainAlerts.get(id) ?? 0) + 1);
  let extra = 0;
  for (const [id, n] of chainAlerts) extra += Math.max(0, n - (truthAlerts.get(id) ?? 0));
  return extra;
}

function score(outcomes: readonly RecordingOutcome[]): PipelineScore {
  const meanRmse = zeroAngles(),
    worstRmse = zeroAngles();
  const sum = (pick: (o: RecordingOutcome) => number) => outcomes.reduce((a, o) => a + pick(o), 0);
  for (const o of outcomes) {
    for (const k of HIP_ANGLE_NAMES) {
      meanRmse[k] += o.rmse[k] / outcomes.length;
      worstRmse[k] = Math.max(worstRmse[k], o.rmse[k]);
    }
  }
  const exactCount = outcomes.filter((o) => o.exact).length;
  return {
    recordings: outcomes.length,
    meanRmse,
    worstRmse,
    exactCount,
    exactShare: exactCount / outcomes.length,
    unmatched: sum((o) => o.unmatched),
    duringRest: sum((o) => o.duringRest),
    partialAgree: sum((o) => o.partialAgree),
    matched: sum((o) => o.matched),
    partialAsFull: sum((o) => o.partialAsFull),
    fullAsPartial: sum((o) => o.fullAsPartial),
    envelopeAlerts: sum((o) => o.envelopeAlerts),
    extraAlerts: sum((o) => o.extraAlerts),
    rmseOnTarget: outcomes.filter((o) => HIP_ANGLE_NAMES.every((k) => o.rmse[k] <= GOALS.rmseDeg[k])).length,
  };
}

export function runPipelineBenchmark(options: PipelineBenchmarkOptions = {}): PipelineBenchmarkResult {
  const seeds = options.seeds ?? 5;
  const reps = options.reps ?? 6;
  const started = performance.now();
  const outcomes: RecordingOutcome[] = [];
  if (!options.throughputOnly) {
    const matrix = cells({
      seeds,
      full: options.full ?? false,
      exercises: options.exercises ?? EXERCISE_IDS,
      noise: options.noise ?? NOISE_LEVELS,
    });
    for (const c of matrix) {
      const { script, samples } = simulate(c, reps);
      const out = runChain(samples, c.exercise, c.side, c.mode, script.romDeg, true);
      outcomes.push(evaluate(c, script, out));
    }
  }
  const matrixS = (performance.now() - started) / 1000;
  const rows: PipelineRow[] = [];
  for (const exercise of EXERCISE_IDS)
    for (const noise of NOISE_LEVELS)
      for (const mode of MODES) {
        const group = outcomes.filter((o) => o.exercise === exercise && o.noise === noise && o.mode === mode);
        if (group.length > 0) rows.push({ exercise, noise, mode, score: score(group) });
      }
  const byNoiseMode = NOISE_LEVELS.flatMap((noise) =>
    MODES.map((mode) => ({ noise, mode, score: score(outcomes.filter((o) => o.noise === noise && o.mode === mode)) })),
  ).filter((g) => g.score.recordings > 0);
  const byVariant = Object.keys(VARIANTS)
    .map((variant) => ({ variant, score: score(outcomes.filter((o) => o.variant === variant)) }))
    .filter((g) => g.score.recordings > 0);
  const byMisplacement = MISPLACEMENTS_DEG.map((misplacementDeg) => ({
    misplacementDeg,
    score: score(outcomes.filter((o) => o.misplacementDeg === misplacementDeg)),
  })).filter((g) => g.score.recordings > 0);
  const t1 = performance.now();
  const throughput = options.matrixOnly
    ? []
    : MODES.map((mode) => ({
        mode,
        processes: measureThroughputIsolated(mode, options.runs ?? 7, options.processes ?? 3),
      }));
  return {
    rows,
    byNoiseMode,
    byVariant,
    byMisplacement,
    total: outcomes.length > 0 ? score(outcomes) : null,
    misses: outcomes.filter((o) => !o.exact || o.unmatched > 0 || o.duringRest > 0).map((o) => o.label),
    offTarget: outcomes
      .filter((o) => targetRatio(o.rmse) > 1)
      .sort((a, b) => targetRatio(b.rmse) - targetRatio(a.rmse)),
    throughput,
    seconds: { matrix: matrixS, throughput: (performance.now() - t1) / 1000 },
  };
}

/** The largest RMSE / target over the planes: > 1 is off target. */
const targetRatio = (rmse: HipAngles): number => Math.max(...HIP_ANGLE_NAMES.map((k) => rmse[k] / GOALS.rmseDeg[k]));

const WORST_LISTED = 12;

export function formatPipelineReport(r: PipelineBenchmarkResult): string {
  const f2 = (x: number) => (Number.isNaN(x) ? '–' : x.toFixed(2)).padStart(7);
  const pct = (a: number, b: number) => (b === 0 ? '–' : `${((100 * a) / b).toFixed(1)} %`);
  const planes = (a: HipAngles) => HIP_ANGLE_NAMES.map((k) => f2(a[k])).join('');
  const columns = (s: PipelineScore) =>
    String(s.recordings).padStart(5) +
    '  │' +
    planes(s.meanRmse) +
    ' │' +
    planes(s.worstRmse) +
    ' │' +
    pct(s.exactCount, s.recordings).padStart(8) +
    String(s.unmatched).padStart(7) +
    String(s.duringRest).padStart(6) +
    pct(s.partialAgree, s.matched).padStart(9) +
    String(s.partialAsFull).padStart(5) +
    String(s.fullAsPartial).padStart(5) +
    `${s.extraAlerts}/${s.envelopeAlerts}`.padStart(8);
  const head =
    'group'.padEnd(38) +
    'recs'.padStart(5) +
    '  │ mean RMSE°  flx    abd    rot │ worst RMSE  flx    abd    rot │   exact  false  rest  partial  p→f  f→p    env!';
  const lines = [head, '─'.repeat(head.length)];
  for (const row of r.rows) lines.push(`${row.exercise} ${row.noise} ${row.mode}`.padEnd(38) + columns(row.score));
  lines.push('─'.repeat(head.length));
  for (const g of r.byNoiseMode) lines.push(`all ${g.noise} ${g.mode}`.padEnd(38) + columns(g.score));
  for (const g of r.byVariant) lines.push(`variant ${g.variant}`.padEnd(38) + columns(g.score));
  for (const g of r.byMisplacement) lines.push(`misplacement ±${g.misplacementDeg}°`.padEnd(38) + columns(g.score));
  if (r.total) lines.push('all'.padEnd(38) + columns(r.total));
  lines.push(
    'RMSE in degrees after the calibration window; exact = count of full and partial reps (or holds) as the truth; ' +
      'false = detected, matched to no true rep; rest = overlapping no true movement; partial = matched reps ' +
      'classified as the truth (p→f: partial counted as full, f→p: the reverse); env! = envelope alerts the true angles do not raise / all envelope alerts.',
  );
  if (r.total) {
    const t = r.total;
    const met = t.exactShare >= GOALS.exactShare && t.unmatched + t.duringRest <= GOALS.falseReps;
    lines.push(
      `goals: exact count ≥ ${100 * GOALS.exactShare} % → ${(100 * t.exactShare).toFixed(2)} % ` +
        `(${t.exactCount}/${t.recordings}); false reps ${GOALS.falseReps} → ${t.unmatched} unmatched, ` +
        `${t.duringRest} during rest (${met ? 'met' : 'NOT met'}); RMSE flexion/abduction ≤ ${GOALS.rmseDeg.flexion}°, ` +
        `rotation ≤ ${GOALS.rmseDeg.rotation}° → ${t.rmseOnTarget}/${t.recordings} recordings`,
    );
    if (r.misses.length > 0) lines.push(`wrong counts or false reps: ${r.misses.join('; ')}`);
    if (r.offTarget.length > 0) {
      lines.push(`furthest over the RMSE targets (flexion / abduction / rotation °):`);
      for (const o of r.offTarget.slice(0, WORST_LISTED)) lines.push(`  ${planes(o.rmse)}  ${o.label}`);
    }
    lines.push(`matrix: ${r.seconds.matrix.toFixed(0)} s (simulation included)`);
  }
  for (const { mode, processes } of r.throughput) {
    const M = (v: number) => `${(v / 1e6).toFixed(2)} M`;
    const met = processes.filter((x) => x.chain >= GOALS.samplesPerS).length;
    const x = processes[0]!;
    lines.push(
      `throughput ${mode.toUpperCase()}, one core, sensor samples per CPU second, fastest run in each of ` +
        `${processes.length} fresh processes: chain ${processes.map((p) => M(p.chain)).join(' / ')} ` +
        `(medians ${processes.map((p) => M(p.chainMedian)).join(' / ')}) — goal ≥ ${M(GOALS.samplesPerS)} met in ` +
        `${met} of ${processes.length}; ${x.samples.toLocaleString('en')} samples, ` +
        `${(x.samples / 200 / 60).toFixed(1)} min of two sensors`,
    );
    lines.push(
      `  allocated: ${processes.map((p) => p.allocatedPerSample.toFixed(1)).join(' / ')} B per sample (heap ` +
        `sampling); most, first process: ` +
        x.allocators.map((a) => `${a.name} ${a.bytesPerSample.toFixed(1)}`).join(', '),
    );
    lines.push(
      `  parts alone, first process: orientation filters ${M(x.filtersOnly)}/s, tracker (fusion + calibration + ` +
        `angles) ${M(x.tracker)}/s, detector ${M(x.detectorFramesPerS)} frames/s, precaution monitor ` +
        `${M(x.monitorFramesPerS)} frames/s (${x.framesPerSample.toFixed(2)} frames per sample)`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string' },
      full: { type: 'boolean' },
      runs: { type: 'string' },
      processes: { type: 'string' },
      'throughput-only': { type: 'boolean' },
      'matrix-only': { type: 'boolean' },
      exercise: { type: 'string', multiple: true },
      noise: { type: 'string', multiple: true },
    },
  });
  const result = runPipelineBenchmark({
    seeds: values.seeds === undefined ? undefined : Number(values.seeds),
    full: values.full,
    runs: values.runs === undefined ? undefined : Number(values.runs),
    processes: values.processes === undefined ? undefined : Number(values.processes),
    throughputOnly: values['throughput-only'],
    matrixOnly: values['matrix-only'],
    exercises: values.exercise?.map((id) => getExercise(id as ExerciseId).id),
    noise: values.noise?.map((n) => {
      if (!NOISE_LEVELS.includes(n as ErrorPreset)) throw new Error(`unknown noise level '${n}'`);
      return n as ErrorPreset;
    }),
  });
  process.stdout.write(formatPipelineReport(result) + '\n');
}
