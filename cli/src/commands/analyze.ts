/**
 * `hipmon analyze --in REC.csv --exercise ID --side left|right [--angles OUT.csv]`: a recorded session → hip angles
 * (the streaming tracker of @hipmon/core fed the whole file: calibration from the still standing start, orientation
 * filters, ISB hip angles) → repetitions or holds. Prints one JSON object on stdout:
 *   {"exercise":…,"count":N,"reps":[{"start","end","peak":{flexion,abduction,rotation},"rom","partial"}],"holds":[…]}
 * `--angles` writes `t,flexion,abduction,rotation` at the analysis rate (100 Hz).
 */
import { parseArgs } from 'node:util';
import {
  computeRecordingAngles,
  detectMovements,
  EXERCISE_IDS,
  formatAnglesCsv,
  parseRecordingCsv,
  RecordingCsvError,
} from '@hipmon/core';
import type {
  AnglesRow,
  ExerciseId,
  HoldEvent,
  MovementSummary,
  ParsedRecording,
  RecordingAngles,
  RepEvent,
  Side,
} from '@hipmon/core';
import type { Command, CommandIo } from '../command.js';
import { CliError } from '../command.js';
import { firstLine, readText, writeText } from '../files.js';

const ANALYSIS_RATE_HZ = 100;

const USAGE = `usage: hipmon analyze --in REC.csv --exercise ID --side left|right [--angles OUT.csv] [--mode 6d|9d]

Analyses a recording (t,role,gyr_x,gyr_y,gyr_z,acc_x,acc_y,acc_z[,mag_x,mag_y,mag_z]; it must begin with ≥ 2 s
standing upright and still) and prints {"exercise","count","reps","holds"} as JSON.

  --in FILE          recording CSV (pelvis and the treated side's thigh sensor)
  --exercise ID      ${EXERCISE_IDS.join(', ')}
  --side left|right  treated side
  --angles FILE      also write the hip angles t,flexion,abduction,rotation (degrees) at ${ANALYSIS_RATE_HZ} Hz
  --mode 6d|9d       orientation fusion; default 9d when the recording has magnetometer columns, else 6d
`;

const OPTIONS = {
  in: { type: 'string' },
  exercise: { type: 'string' },
  side: { type: 'string' },
  angles: { type: 'string' },
  mode: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>['values'];

export const command: Command = {
  name: 'analyze',
  summary: 'recording → hip angles, repetitions and holds (JSON)',
  async run(args: string[], io: CommandIo): Promise<number> {
    const values = parseOptions(args);
    if (values.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    const request = validate(values);
    const recording = parseRecording(request.in, await readText(request.in));
    const angles = anglesOf(request, recording);
    if (request.angles !== undefined) await writeText(request.angles, formatAnglesCsv(angles.rows.map(roundAngles)));
    const movements = movementsOf(request.exercise, angles.rows);
    io.stdout.write(JSON.stringify(summaryJson(movements), roundForJson) + '\n');
    return 0;
  },
};

interface AnalyzeRequest {
  in: string;
  exercise: ExerciseId;
  side: Side;
  angles?: string;
  mode?: '6d' | '9d';
}

function parseOptions(args: string[]): Values {
  try {
    return parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new CliError(`${firstLine(err)} (hipmon analyze --help lists the options)`, 2);
  }
}

function validate(v: Values): AnalyzeRequest {
  if (!v.in) throw new CliError('--in REC.csv is required', 2);
  if (v.exercise === undefined) throw new CliError(`--exercise is required (one of ${EXERCISE_IDS.join(', ')})`, 2);
  if (!(EXERCISE_IDS as readonly string[]).includes(v.exercise)) {
    throw new CliError(`unknown exercise '${v.exercise}' (valid: ${EXERCISE_IDS.join(', ')})`, 2);
  }
  if (v.side !== 'left' && v.side !== 'right') {
    throw new CliError(
      v.side === undefined ? '--side left|right is required' : `--side must be left or right, got '${v.side}'`,
      2,
    );
  }
  if (v.mode !== undefined && v.mode !== '6d' && v.mode !== '9d') {
    throw new CliError(`--mode must be 6d or 9d, got '${v.mode}'`, 2);
  }
  return { in: v.in, exercise: v.exercise as ExerciseId, side: v.side, angles: v.angles, mode: v.mode };
}

function parseRecording(path: string, text: string): ParsedRecording {
  try {
    return parseRecordingCsv(text);
  } catch (err) {
    if (err instanceof RecordingCsvError) throw new CliError(`${path}: ${err.message}`);
    throw err;
  }
}

function anglesOf(request: AnalyzeRequest, recording: ParsedRecording): RecordingAngles {
  if (request.mode === '9d' && !recording.hasMag) {
    throw new CliError(`${request.in}: --mode 9d needs the magnetometer columns, which this recording lacks`);
  }
  let angles: RecordingAngles;
  try {
    angles = computeRecordingAngles(recording, {
      side: request.side,
      exercise: request.exercise,
      analysisRate: ANALYSIS_RATE_HZ,
      ...(request.mode !== undefined && { mode: request.mode }),
    });
  } catch (err) {
    if (err instanceof RangeError) throw new CliError(`${request.in}: ${firstLine(err)}`);
    throw err;
  }
  const status = angles.status;
  if (status.state === 'failed') throw new CliError(`${request.in}: ${status.message}`);
  if (status.state !== 'calibrated') {
    throw new CliError(`${request.in}: too short for the calibration (≥ 2 s standing still at the start)`);
  }
  return angles;
}

/** Repetitions or holds of the angle series (core/src/reps). */
function movementsOf(exercise: ExerciseId, rows: readonly AnglesRow[]): MovementSummary {
  return detectMovements(rows, { exercise, sampleRateHz: ANALYSIS_RATE_HZ });
}

/** The `analyze` output contract (DESIGN.md); field names match the simulator's truth file. */
function summaryJson(m: MovementSummary) {
  const angles = (a: { flexion: number; abduction: number; rotation: number }) => ({
    flexion: a.flexion,
    abduction: a.abduction,
    rotation: a.rotation,
  });
  return {
    exercise: m.exercise,
    count: m.count,
    reps: m.reps.map((r: RepEvent) => ({
      start: r.start,
      end: r.end,
      peak: angles(r.peak),
      rom: r.rom,
      partial: r.partial,
    })),
    holds: m.holds.map((h: HoldEvent) => ({
      start: h.start,
      end: h.end,
      duration: h.duration,
      angles: angles(h.angles),
    })),
  };
}

/** 10⁻⁴° is far below what two IMUs can measure; it keeps 1e-14-style rounding noise out of the file. */
function roundAngles(r: AnglesRow): AnglesRow {
  const round = (x: number) => Math.round(x * 1e4) / 1e4 + 0;
  return { t: r.t, flexion: round(r.flexion), abduction: round(r.abduction), rotation: round(r.rotation) };
}

/** Millisecond / thousandth-of-a-degree resolution: more than the measurement supports; keeps the JSON readable. */
function roundForJson(_key: string, value: unknown): unknown {
  return typeof value === 'number' && Number.isFinite(value) ? Math.round(value * 1000) / 1000 : value;
}
