/**
 * The CSV contracts of the design brief, as pure string ⇄ data functions (no file system):
 *
 * - recording CSV: `t,role,gyr_x,gyr_y,gyr_z,acc_x,acc_y,acc_z[,mag_x,mag_y,mag_z]`, one row per sensor sample,
 *   sorted by t, role ∈ pelvis | thigh_left | thigh_right (gateway recorder, simulator, offline analysis);
 * - single-sensor IMU CSV: the same without `role` (input of `hipmon fuse`);
 * - angles CSV: `t,flexion,abduction,rotation` (degrees).
 *
 * Units are those of the brief: s, rad/s, m/s², µT, degrees. Sensor values are written with the fewest digits that
 * read back to the same float32 (what real IMUs deliver; the sign of zero is dropped), t with 6 decimals (µs).
 * Parsing fails only with a RecordingCsvError carrying the line number and a one-line reason.
 */
import type { Vec3 } from '../math/quat.js';
import { SENSOR_ROLES } from '../wire/types.js';
import type { ImuSample, SensorRole } from '../wire/types.js';

/** One row of the recording CSV: a timed sample (s, rad/s, m/s², µT; sensor frame) of the sensor `role`. */
export interface RecordingSample extends ImuSample {
  role: SensorRole;
}

export interface ParsedRecording {
  /** True when the file has the three mag columns (then every sample has `mag`). */
  hasMag: boolean;
  /** Samples per role in file order (sorted by t); only the roles present in the file have an entry. */
  sensors: Partial<Record<SensorRole, ImuSample[]>>;
  sampleCount: number;
}

export interface ParsedImuCsv {
  hasMag: boolean;
  samples: ImuSample[];
}

/** One row of the angles CSV: t in s, hip angles in degrees (flexion +, abduction +, internal rotation +). */
export interface AnglesRow {
  t: number;
  flexion: number;
  abduction: number;
  rotation: number;
}

/** Unreadable CSV input: `line` is 1-based (the header is line 1), `reason` is one line. */
export class RecordingCsvError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'RecordingCsvError';
  }
}

const IMU_COLUMNS = ['gyr_x', 'gyr_y', 'gyr_z', 'acc_x', 'acc_y', 'acc_z'] as const;
const MAG_COLUMNS = ['mag_x', 'mag_y', 'mag_z'] as const;
const ANGLE_COLUMNS = ['t', 'flexion', 'abduction', 'rotation'] as const;

const recordingHeader = (mag: boolean): string[] => ['t', 'role', ...IMU_COLUMNS, ...(mag ? MAG_COLUMNS : [])];
const imuHeader = (mag: boolean): string[] => ['t', ...IMU_COLUMNS, ...(mag ? MAG_COLUMNS : [])];

// ---------------------------------------------------------------------------------------------------------------
// Number formatting

/**
 * Shortest decimal that reads back to the same float32 as `x` (at most 9 significant digits, which is always
 * enough for float32). Throws RangeError for values that are not finite as float32.
 */
export function formatFloat32(x: number): string {
  const f = Math.fround(x);
  if (!Number.isFinite(f)) throw new RangeError(`cannot write ${x} as a float32 CSV value`);
  if (f === 0) return '0';
  // Most sensor values need 6–8 digits; starting at 6 keeps the common case to one or two attempts.
  for (let digits = 6; digits < 9; digits++) {
    const s = f.toPrecision(digits);
    if (Math.fround(Number(s)) === f) return trimZeros(s);
  }
  return trimZeros(f.toPrecision(9));
}

/** Time in seconds with microsecond resolution. */
export function formatTime(t: number): string {
  if (!Number.isFinite(t)) throw new RangeError(`cannot write time ${t} to CSV`);
  const s = t.toFixed(6);
  return s === '-0.000000' ? '0.000000' : s;
}

function trimZeros(s: string): string {
  const e = s.indexOf('e');
  let mantissa = e < 0 ? s : s.slice(0, e);
  const exponent = e < 0 ? '' : s.slice(e);
  if (mantissa.includes('.')) mantissa = mantissa.replace(/0+$/, '').replace(/\.$/, '');
  return mantissa + exponent;
}

function formatVec(v: Readonly<Vec3>, what: string, t: number): string {
  if (!v || v.length !== 3) throw new RangeError(`${what} at t=${t} must be a 3-vector`);
  return `${formatFloat32(v[0])},${formatFloat32(v[1])},${formatFloat32(v[2])}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Formatting

/** Recording CSV of samples from one or more sensors; rows are sorted by t (stable, so ties keep input order). */
export function formatRecordingCsv(samples: readonly RecordingSample[]): string {
  const mag = uniformMag(samples);
  const out: string[] = [recordingCsvHeader(mag)];
  for (const s of sortedByTime(samples)) out.push(formatRecordingCsvRow(s, mag));
  return out.join('\n') + '\n';
}

/** The header line (no line break) of a recording CSV, for writers that stream rows. */
export const recordingCsvHeader = (mag: boolean): string => recordingHeader(mag).join(',');

/**
 * One row (no line break) of a recording CSV with or without the mag columns, for writers that stream
 * already time-ordered samples (the caller keeps them sorted by t).
 */
export function formatRecordingCsvRow(sample: RecordingSample, mag: boolean): string {
  if (!SENSOR_ROLES.includes(sample.role)) throw new RangeError(`unknown role '${String(sample.role)}'`);
  if (mag !== (sample.mag !== undefined)) {
    throw new RangeError(`sample at t=${sample.t} ${mag ? 'lacks' : 'has'} mag values in a ${mag ? '9D' : '6D'} file`);
  }
  return `${formatTime(sample.t)},${sample.role},${sampleValues(sample, mag)}`;
}

/** Single-sensor IMU CSV (input of `hipmon fuse`), rows sorted by t. */
export function formatImuCsv(samples: readonly ImuSample[]): string {
  const mag = uniformMag(samples);
  const out: string[] = [imuHeader(mag).join(',')];
  for (const s of sortedByTime(samples)) out.push(`${formatTime(s.t)},${sampleValues(s, mag)}`);
  return out.join('\n') + '\n';
}

export function formatAnglesCsv(rows: readonly AnglesRow[]): string {
  const out: string[] = [ANGLE_COLUMNS.join(',')];
  for (const r of sortedByTime(rows)) {
    out.push(
      `${formatTime(r.t)},${formatFloat32(r.flexion)},${formatFloat32(r.abduction)},${formatFloat32(r.rotation)}`,
    );
  }
  return out.join('\n') + '\n';
}

function sampleValues(s: ImuSample, mag: boolean): string {
  const imu = `${formatVec(s.gyr, 'gyr', s.t)},${formatVec(s.acc, 'acc', s.t)}`;
  return mag ? `${imu},${formatVec(s.mag!, 'mag', s.t)}` : imu;
}

/** A file has mag columns for all rows or for none; mixing would make the header lie. */
function uniformMag(samples: readonly ImuSample[]): boolean {
  const withMag = samples.filter((s) => s.mag !== undefined).length;
  if (withMag !== 0 && withMag !== samples.length) {
    throw new RangeError(`${withMag} of ${samples.length} samples have mag values: all or none must have them`);
  }
  return withMag > 0;
}

function sortedByTime<T extends { t: number }>(rows: readonly T[]): readonly T[] {
  for (let i = 1; i < rows.length; i++) {
    if (rows[i]!.t < rows[i - 1]!.t) return [...rows].sort((a, b) => a.t - b.t); // Array.sort is stable
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

/** Parse a recording CSV into samples grouped by role. Throws only RecordingCsvError. */
export function parseRecordingCsv(text: string): ParsedRecording {
  const { lines, hasMag } = readHeader(text, recordingHeader, 'recording');
  const width = hasMag ? 11 : 8;
  const sensors: Partial<Record<SensorRole, ImuSample[]>> = {};
  const clock = new TimeOrder();
  let count = 0;
  forEachRow(lines, width, (cells, line) => {
    const t = parseNumber(cells[0]!, 't', line);
    const role = cells[1]!.trim();
    if (!(SENSOR_ROLES as readonly string[]).includes(role)) {
      throw new RecordingCsvError(line, `unknown role ${quote(role)} (expected ${SENSOR_ROLES.join(', ')})`);
    }
    clock.check(t, line);
    const sample = readSample(cells, 2, t, hasMag, line, recordingHeader(true));
    (sensors[role as SensorRole] ??= []).push(sample);
    count++;
  });
  return { hasMag, sensors, sampleCount: count };
}

/** Parse a single-sensor IMU CSV. Throws only RecordingCsvError. */
export function parseImuCsv(text: string): ParsedImuCsv {
  const { lines, hasMag } = readHeader(text, imuHeader, 'IMU');
  const samples: ImuSample[] = [];
  const clock = new TimeOrder();
  forEachRow(lines, hasMag ? 10 : 7, (cells, line) => {
    const t = parseNumber(cells[0]!, 't', line);
    clock.check(t, line);
    samples.push(readSample(cells, 1, t, hasMag, line, imuHeader(true)));
  });
  return { hasMag, samples };
}

/** Parse an angles CSV (`t,flexion,abduction,rotation`). Throws only RecordingCsvError. */
export function parseAnglesCsv(text: string): AnglesRow[] {
  const lines = splitLines(text);
  const header = lines[0]!.split(',').map((c) => c.trim());
  if (!sameColumns(header, [...ANGLE_COLUMNS])) {
    throw new RecordingCsvError(1, `bad header ${quote(lines[0]!)}: expected '${ANGLE_COLUMNS.join(',')}'`);
  }
  const rows: AnglesRow[] = [];
  const clock = new TimeOrder();
  forEachRow(lines, ANGLE_COLUMNS.length, (cells, line) => {
    const [t, flexion, abduction, rotation] = ANGLE_COLUMNS.map((name, i) => parseNumber(cells[i]!, name, line));
    clock.check(t!, line);
    rows.push({ t: t!, flexion: flexion!, abduction: abduction!, rotation: rotation! });
  });
  return rows;
}

function readHeader(
  text: string,
  header: (mag: boolean) => string[],
  kind: string,
): { lines: string[]; hasMag: boolean } {
  const lines = splitLines(text);
  const cells = lines[0]!.split(',').map((c) => c.trim());
  if (sameColumns(cells, header(false))) return { lines, hasMag: false };
  if (sameColumns(cells, header(true))) return { lines, hasMag: true };
  throw new RecordingCsvError(
    1,
    `bad ${kind} CSV header ${quote(lines[0]!)}: expected '${header(false).join(',')}' optionally followed by ',${MAG_COLUMNS.join(',')}'`,
  );
}

/** Lines without their terminators; a leading BOM and trailing blank lines are ignored. */
function splitLines(text: string): string[] {
  if (typeof text !== 'string') throw new RecordingCsvError(1, 'input is not text');
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) if (lines[i]!.endsWith('\r')) lines[i] = lines[i]!.slice(0, -1);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length === 0) throw new RecordingCsvError(1, 'empty file: expected a header line');
  return lines;
}

function forEachRow(lines: string[], width: number, visit: (cells: string[], line: number) => void): void {
  for (let i = 1; i < lines.length; i++) {
    const line = i + 1;
    const text = lines[i]!;
    if (text.trim() === '') throw new RecordingCsvError(line, 'empty row');
    const cells = text.split(',');
    if (cells.length !== width) {
      throw new RecordingCsvError(line, `expected ${width} columns, found ${cells.length}`);
    }
    visit(cells, line);
  }
}

function readSample(
  cells: string[],
  first: number,
  t: number,
  hasMag: boolean,
  line: number,
  names: string[],
): ImuSample {
  const v = (i: number): number => parseNumber(cells[first + i]!, names[first + i]!, line);
  const sample: ImuSample = { t, gyr: [v(0), v(1), v(2)], acc: [v(3), v(4), v(5)] };
  if (hasMag) sample.mag = [v(6), v(7), v(8)];
  return sample;
}

// Plain decimal numbers only: Number() alone would also accept '', '0x1f', 'Infinity' and ' '.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseNumber(cell: string, column: string, line: number): number {
  const s = cell.trim();
  const x = DECIMAL.test(s) ? Number(s) : NaN;
  if (!Number.isFinite(x)) throw new RecordingCsvError(line, `column ${column}: ${quote(s)} is not a number`);
  return x;
}

/** The file is sorted by t: equal times are fine (two sensors), earlier ones are not. */
class TimeOrder {
  private last = -Infinity;
  check(t: number, line: number): void {
    if (t < this.last) throw new RecordingCsvError(line, `t goes backwards (${t} after ${this.last})`);
    this.last = t;
  }
}

function sameColumns(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}

/** Echo user input safely on one line: escaped and shortened. */
function quote(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}
