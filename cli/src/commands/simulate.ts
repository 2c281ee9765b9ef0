/**
 * `hipmon simulate`, two modes behind one option parser.
 * Live mode (--mqtt URL): N virtual patients, each a gateway publishing binary IMU frames of its programme
 * (a few catalogue exercises) over MQTT, in real time or faster (--speed), once or in a loop.
 * Offline mode: a virtual patient doing one exercise, written as files:
 *   --out REC.csv          the recording CSV (both sensors, sorted by t)
 *   --truth TRUTH.json     the ground truth, rep fields named like `hipmon analyze` output (`count` = reps, or
 *                          holds for a hold exercise; times in s of the true clock, angles in degrees)
 *   TRUTH.angles.csv       the true hip angles at the sample rate (or --truth-angles FILE)
 *
 */
import { parseArgs } from 'node:util';
import { EXERCISE_IDS, formatAnglesCsv, formatRecordingCsvRow, getExercise, recordingCsvHeader } from '@hipmon/core';
import type { ExerciseId, Side } from '@hipmon/core';
import { createMotionScript, createRecorder, ERROR_PRESETS } from '@hipmon/simulator';
import type { ErrorPreset, ExerciseMotionScript, MotionOptions, Recorder, RecordOptions } from '@hipmon/simulator';
import type { Command, CommandIo } from '../command.js';
import { CliError } from '../command.js';
import { firstLine, openForWriting, writeText } from '../files.js';

const USAGE = `usage: hipmon simulate --exercise ID --side left|right --out REC.csv [--truth TRUTH.json] [options]
       hipmon simulate --patients N --mqtt mqtt://HOST:PORT [--speed X] [--loop] [--exercises ID,ID] [options]

Simulates one session of a virtual patient and writes the recording CSV, the ground truth JSON and the true hip
angles CSV (next to the truth as NAME.angles.csv, or --truth-angles FILE).

motion:
  --exercise ID          ${EXERCISE_IDS.join(', ')}
  --side left|right      treated side (the thigh sensor's side)
  --reps N               repetitions per set (holds per set for a hold exercise); default 10 (holds: 3)
  --sets N               default 1
  --rom DEG              range of motion of the primary angle; default: the exercise's target
  --tempo SECONDS        seconds per repetition (up, top, down; pauses excluded); default: the exercise's
  --hold SECONDS         hold exercise: duration of each hold; rep exercise: still time at the top of each rep
  --variability X        rep-to-rep variation 0…0.3: relative SD of ROM and tempo, off-plane SD 10·X degrees
  --partial SHARE        share 0…1 of repetitions that stop at 40–60 % of the range
  --compensation KIND    hip_hike or trunk_lean, optionally with degrees at the top: hip_hike:12 (default 8 / 10)
sensors:
  --rate HZ              output data rate of both sensors; default 100
  --noise PRESET         sensor errors: ${ERROR_PRESETS.join(', ')}; default typical
  --mag                  9D: add the magnetometer columns
  --misplace DEG         each sensor rotated on the skin by random angles within ±DEG about each axis; default 0
  --seed N               seed of every random choice; default 1 (same command line → same bytes)
live:
  --mqtt URL             publish to this broker instead of writing files
  --patients N           virtual patients (one gateway and MQTT connection each); default 1
  --speed X              1 = real time (default), 10 = ten times faster, 0 = as fast as the broker takes it
  --loop                 start each patient's programme again when it ends, until Ctrl-C
  --exercises ID,ID      exercises the programmes draw from; default the whole catalogue (or --exercise)
`;

const OPTIONS = {
  exercise: { type: 'string' },
  side: { type: 'string' },
  reps: { type: 'string' },
  sets: { type: 'string' },
  rom: { type: 'string' },
  tempo: { type: 'string' },
  hold: { type: 'string' },
  variability: { type: 'string' },
  partial: { type: 'string' },
  compensation: { type: 'string' },
  rate: { type: 'string' },
  noise: { type: 'string' },
  mag: { type: 'boolean' },
  misplace: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  truth: { type: 'string' },
  'truth-angles': { type: 'string' },
  mqtt: { type: 'string' },
  patients: { type: 'string' },
  speed: { type: 'string' },
  loop: { type: 'boolean' },
  exercises: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>['values'];

export const command: Command = {
  name: 'simulate',
  summary: 'virtual patient → recording + truth',
  async run(args, io) {
    const values = parseOptions(args);
    if (values.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    if (values.mqtt !== undefined) return runLive(values, io);
    return runOffline(offlineRequest(values), io);
  },
};

function parseOptions(args: string[]): Values {
  try {
    return parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new CliError(`${firstLine(err)} (hipmon simulate --help lists the options)`, 2);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Offline mode: files

interface OfflineRequest {
  motion: MotionOptions;
  record: RecordOptions & { rate: number; noise: ErrorPreset; mag: boolean; misplacementDeg: number };
  out: string;
  truth?: string;
  truthAngles?: string;
}

function offlineRequest(v: Values): OfflineRequest {
  for (const live of ['patients', 'speed', 'loop', 'exercises'] as const) {
    if (v[live] !== undefined) throw new CliError(`--${live} needs --mqtt URL (live mode)`, 2);
  }
  const exercise = requireExercise(v.exercise);
  const side = requireSide(v.side);
  if (!v.out) throw new CliError('--out REC.csv is required', 2);
  const kind = getExercise(exercise).kind;
  const seed = parseSeed(v.seed);
  const variability = v.variability === undefined ? undefined : number('--variability', v.variability, 0, 0.3);
  const hold = v.hold === undefined ? undefined : number('--hold', v.hold, 0, 600);
  const motion: MotionOptions = {
    exercise,
    side,
    seed,
    ...(v.reps !== undefined && { reps: integer('--reps', v.reps, 1, 1000) }),
    ...(v.sets !== undefined && { sets: integer('--sets', v.sets, 1, 100) }),
    ...(v.rom !== undefined && { romDeg: number('--rom', v.rom, 1, 150) }),
    ...(v.partial !== undefined && { partialShare: number('--partial', v.partial, 0, 1) }),
    ...(variability !== undefined && {
      variability: { rom: variability, tempo: variability, offPlaneDeg: 10 * variability },
    }),
    ...(v.compensation !== undefined && { compensations: compensation(v.compensation) }),
    ...(hold !== undefined && kind === 'hold' && { holdS: hold }),
  };
  const tempo = {
    ...(v.tempo !== undefined && { repS: number('--tempo', v.tempo, 0.5, 120) }),
    ...(hold !== undefined && kind === 'reps' && { peakHoldS: hold }),
  };
  if (Object.keys(tempo).length > 0) motion.tempo = tempo;
  return {
    motion,
    record: sensorOptions(v, seed),
    out: v.out,
    truth: v.truth,
    truthAngles: v['truth-angles'] ?? (v.truth === undefined ? undefined : anglesPathNextTo(v.truth)),
  };
}

/** The sensor options both modes share: rate, error preset, 9D, misplacement, seed. */
function sensorOptions(v: Values, seed: number | string): OfflineRequest['record'] {
  const noise = v.noise ?? 'typical';
  if (!(ERROR_PRESETS as readonly string[]).includes(noise)) {
    throw new CliError(`--noise must be one of ${ERROR_PRESETS.join(', ')}, got '${noise}'`, 2);
  }
  return {
    rate: v.rate === undefined ? 100 : number('--rate', v.rate, 1, 2000),
    noise: noise as ErrorPreset,
    mag: v.mag ?? false,
    misplacementDeg: v.misplace === undefined ? 0 : number('--misplace', v.misplace, 0, 45),
    seed,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Live mode: virtual gateways over MQTT

async function runLive(v: Values, io: CommandIo): Promise<number> {
  const url = v.mqtt!;
  if (!/^mqtts?:\/\/[^/]+/.test(url)) throw new CliError(`--mqtt must be an mqtt:// or mqtts:// URL, got '${url}'`, 2);
  if (v.out !== undefined || v.truth !== undefined)
    throw new CliError('--out/--truth are for offline mode, not --mqtt', 2);
  const patients = v.patients === undefined ? 1 : integer('--patients', v.patients, 1, 10_000);
  const speedRaw = v.speed === undefined ? 1 : number('--speed', v.speed, 0, 1000);
  const exerciseList = v.exercises ?? v.exercise;
  const exercises = exerciseList === undefined ? undefined : exerciseList.split(',').map((id) => requireExercise(id));
  const seed = parseSeed(v.seed);
  const record = sensorOptions(v, seed);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  io.stderr.write(`simulating ${patients} patient(s) → ${url} at ${speedRaw === 0 ? 'full' : `${speedRaw}×`} speed\n`);
  try {
    const { runVirtualClinic } = await import('@hipmon/simulator/live');
    const reports = await runVirtualClinic({
      brokerUrl: url,
      patients,
      speed: speedRaw === 0 ? Infinity : speedRaw,
      loop: v.loop ?? false,
      staggerS: speedRaw === 0 ? 0 : Math.min(5, patients * 0.1),
      signal: controller.signal,
      programme: {
        ...(exercises && { exercises }),
        ...(v.reps !== undefined && { reps: integer('--reps', v.reps, 1, 1000) }),
        seed,
      },
      record,
    });
    const sessions = reports.flatMap((r) => r.sessions);
    const summary = {
      patients: reports.length,
      sessions: sessions.length,
      frames: sessions.reduce((n, s) => n + s.frames, 0),
      samples: sessions.reduce((n, s) => n + s.samples, 0),
      reps: sessions.reduce((n, s) => n + s.reps, 0),
    };
    io.stdout.write(JSON.stringify(summary) + '\n');
    return 0;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND')
      throw new CliError(`cannot reach the broker at ${url} (${String(code)})`);
    throw err;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

async function runOffline(req: OfflineRequest, io: CommandIo): Promise<number> {
  let script: ExerciseMotionScript;
  let recorder: Recorder;
  try {
    script = createMotionScript(req.motion);
    recorder = createRecorder(script, req.record);
  } catch (err) {
    // The generators validate ranges the CLI cannot know in advance (e.g. a tempo too short for the hold).
    throw new CliError(`invalid simulation: ${firstLine(err)}`, 2);
  }
  const samples = await writeRecording(req.out, recorder);
  const written = [
    `${req.out} (${samples} samples, ${script.duration.toFixed(1)} s, ${recorder.hasMag ? '9D' : '6D'})`,
  ];
  if (req.truth !== undefined) {
    const truth = truthDocument(script, recorder, req);
    await writeText(req.truth, JSON.stringify(truth, roundForJson, 2) + '\n');
    written.push(`${req.truth} (${truth.count} ${script.definition.kind === 'hold' ? 'holds' : 'reps'})`);
  }
  if (req.truthAngles !== undefined) {
    await writeText(req.truthAngles, trueAnglesCsv(script, req.record.rate));
    written.push(req.truthAngles);
  }
  io.stdout.write(`wrote ${written.join(', ')}\n`);
  return 0;
}

/** Streams the recording to disk a few seconds at a time: a long session never sits in memory as one string. */
async function writeRecording(path: string, recorder: Recorder): Promise<number> {
  const file = await openForWriting(path);
  let count = 0;
  try {
    await file.write(recordingCsvHeader(recorder.hasMag) + '\n');
    for (const chunk of recorder.chunks(10)) {
      if (chunk.samples.length === 0) continue;
      await file.write(chunk.samples.map((s) => formatRecordingCsvRow(s, recorder.hasMag)).join('\n') + '\n');
      count += chunk.samples.length;
    }
  } catch (err) {
    throw new CliError(`cannot write ${path}: ${firstLine(err)}`);
  } finally {
    await file.close();
  }
  return count;
}

/** The ground truth, with rep fields named like the `analyze` output (start, end, peak, rom) so tools can diff them. */
function truthDocument(script: ExerciseMotionScript, recorder: Recorder, req: OfflineRequest) {
  const isHold = script.definition.kind === 'hold';
  const m = req.motion;
  return {
    exercise: script.exercise,
    side: script.side,
    count: isHold ? script.holds.length : script.reps.length,
    reps: script.reps.map((r) => ({
      start: r.start,
      end: r.end,
      peak: { flexion: r.peak.flexion, abduction: r.peak.abduction, rotation: r.peak.rotation },
      rom: r.romDeg,
      partial: r.partial,
      peakTime: r.peakTime,
    })),
    holds: script.holds.map((h) => ({
      start: h.start,
      end: h.end,
      duration: h.duration,
      angles: { flexion: h.angles.flexion, abduction: h.angles.abduction, rotation: h.angles.rotation },
    })),
    duration: script.duration,
    calibration: {
      start: 0,
      end: script.calibrationEnd,
      pose: 'standing upright, still, facing forward',
      headingDeg: script.headingDeg,
      // How each sensor really sits on its segment: what a calibration should recover.
      sensors: Object.fromEntries(
        recorder.sensors.map((s) => [
          s.role,
          {
            segment: s.segment,
            sensorToSegment: s.mount.rotation,
            misplacementDeg: s.misplacementDeg,
            leverArm: s.mount.leverArm,
          },
        ]),
      ),
    },
    sensors: Object.fromEntries(recorder.sensors.map((s) => [s.role, { rate: s.rate, errors: s.errors }])),
    options: {
      exercise: m.exercise,
      side: m.side,
      reps: m.reps ?? null,
      sets: m.sets ?? 1,
      rom: script.romDeg,
      tempo: m.tempo?.repS ?? null,
      hold: m.holdS ?? m.tempo?.peakHoldS ?? null,
      variability: m.variability?.rom ?? 0,
      partial: m.partialShare ?? 0,
      compensation: m.compensations ?? null,
      seed: m.seed,
      rate: req.record.rate,
      noise: req.record.noise,
      mag: req.record.mag,
      misplace: req.record.misplacementDeg,
    },
  };
}

function trueAnglesCsv(script: ExerciseMotionScript, rate: number): string {
  const n = Math.floor(script.duration * rate + 1e-9);
  const rows = Array.from({ length: n + 1 }, (_, k) => {
    const t = k / rate;
    return { t, ...script.stateAt(t).angles };
  });
  return formatAnglesCsv(rows);
}

// ---------------------------------------------------------------------------------------------------------------
// Option parsing helpers: every failure is one line naming the option.

function requireExercise(raw: string | undefined): ExerciseId {
  if (raw === undefined) throw new CliError(`--exercise is required (one of ${EXERCISE_IDS.join(', ')})`, 2);
  if (!(EXERCISE_IDS as readonly string[]).includes(raw)) {
    throw new CliError(`unknown exercise '${raw}' (valid: ${EXERCISE_IDS.join(', ')})`, 2);
  }
  return raw as ExerciseId;
}

function requireSide(raw: string | undefined): Side {
  if (raw !== 'left' && raw !== 'right') {
    throw new CliError(
      raw === undefined ? '--side left|right is required' : `--side must be left or right, got '${raw}'`,
      2,
    );
  }
  return raw;
}

function number(name: string, raw: string, min: number, max: number): number {
  const x = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!(x >= min && x <= max)) throw new CliError(`${name} must be a number in [${min}, ${max}], got '${raw}'`, 2);
  return x;
}

function integer(name: string, raw: string, min: number, max: number): number {
  const x = number(name, raw, min, max);
  if (!Number.isInteger(x)) throw new CliError(`${name} must be a whole number, got '${raw}'`, 2);
  return x;
}

/** Integer seeds stay numbers (so `--seed 7` and the API's seed 7 agree); anything else is a string seed. */
function parseSeed(raw: string | undefined): number | string {
  if (raw === undefined) return 1;
  if (raw.trim() === '') throw new CliError('--seed must not be empty', 2);
  return /^-?\d{1,15}$/.test(raw) ? Number(raw) : raw;
}

const COMPENSATION_DEFAULT_DEG = { hip_hike: 8, trunk_lean: 10 } as const;

function compensation(raw: string): MotionOptions['compensations'] {
  const [kind, deg] = raw.split(':');
  if (kind !== 'hip_hike' && kind !== 'trunk_lean') {
    throw new CliError(`--compensation must be hip_hike or trunk_lean (optionally :DEG), got '${raw}'`, 2);
  }
  const degrees = deg === undefined ? COMPENSATION_DEFAULT_DEG[kind] : number('--compensation degrees', deg, 0, 30);
  return kind === 'hip_hike' ? { hipHikeDeg: degrees } : { trunkLeanLateralDeg: degrees };
}

/** truth.json → truth.angles.csv (same folder, same stem). */
function anglesPathNextTo(truthPath: string): string {
  return /\.json$/i.test(truthPath) ? truthPath.replace(/\.json$/i, '.angles.csv') : `${truthPath}.angles.csv`;
}

/** 10 significant digits: exact enough for every truth value, without float noise like 34.99999999999999. */
function roundForJson(_key: string, value: unknown): unknown {
  return typeof value === 'number' && Number.isFinite(value) ? Number(value.toPrecision(10)) : value;
}
