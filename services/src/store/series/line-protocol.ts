/**
 * InfluxDB line protocol for the series rows. Tags are written sorted by key (what InfluxDB stores anyway, so the
 * bytes of a point never depend on the order fields were set in) and empty tags are left out (InfluxDB has no empty
 * tag values). Floats are written in JavaScript's shortest round-trip form, so a float64 reads back bit-identical.
 */
import type { AlertRow, AngleRow, ImuRow, RepRow, StateRow, TrendRow } from './series-rows.js';

export const MEASUREMENT = {
  imu: 'imu',
  angles: 'angles',
  reps: 'reps',
  alerts: 'alerts',
  sessionState: 'session_state',
  /** The downsampled angles: one point per minute, session, side and exercise. */
  anglesPerMinute: 'angles_1m',
} as const;

/** Tag values are topic ids or enum values here, but escape anyway: a tag must never break a line. */
const escapeTag = (value: string): string => value.replace(/[\\,= \n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));

/** String field values: only `"` and `\` are special; newlines are allowed inside the quotes. */
export const stringField = (value: string): string => `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

/** A float field; -0 keeps its sign (String(-0) is "0"). */
export const floatField = (value: number): string => (Object.is(value, -0) ? '-0' : String(value));

export const intField = (value: number): string => `${value}i`;

/** measurement,tag=…(sorted) field=…,… timestampNs */
export function line(
  measurement: string,
  tags: Record<string, string>,
  fields: ReadonlyArray<readonly [string, string]>,
  tNs: bigint,
): string {
  let out = measurement;
  for (const key of Object.keys(tags).sort()) {
    const value = tags[key]!;
    if (value !== '') out += `,${key}=${escapeTag(value)}`;
  }
  out += ' ';
  out += fields.map(([key, value]) => `${key}=${value}`).join(',');
  return `${out} ${tNs}`;
}

export function imuLine(row: ImuRow): string {
  const fields: Array<[string, string]> = [
    ['gyr_x', floatField(row.gyr[0])],
    ['gyr_y', floatField(row.gyr[1])],
    ['gyr_z', floatField(row.gyr[2])],
    ['acc_x', floatField(row.acc[0])],
    ['acc_y', floatField(row.acc[1])],
    ['acc_z', floatField(row.acc[2])],
  ];
  if (row.mag) {
    fields.push(
      ['mag_x', floatField(row.mag[0])],
      ['mag_y', floatField(row.mag[1])],
      ['mag_z', floatField(row.mag[2])],
    );
  }
  fields.push(['seq', intField(row.seq)], ['idx', intField(row.index)]);
  return line(MEASUREMENT.imu, { patient: row.patient, session: row.session, role: row.role }, fields, row.tNs);
}

export function angleLine(row: AngleRow): string {
  return line(
    MEASUREMENT.angles,
    { patient: row.patient, session: row.session, side: row.side, exercise: row.exercise },
    [
      ['flexion', floatField(row.flexion)],
      ['abduction', floatField(row.abduction)],
      ['rotation', floatField(row.rotation)],
    ],
    row.tNs,
  );
}

export function repLine(row: RepRow): string {
  return line(
    MEASUREMENT.reps,
    { patient: row.patient, session: row.session, side: row.side, exercise: row.exercise },
    [
      ['set', intField(row.set)],
      ['rep', intField(row.rep)],
      ['end', floatField(row.end)],
      ['peak_flexion', floatField(row.peakFlexion)],
      ['peak_abduction', floatField(row.peakAbduction)],
      ['peak_rotation', floatField(row.peakRotation)],
      ['rom', floatField(row.rom)],
    ],
    row.tNs,
  );
}

export function alertLine(row: AlertRow): string {
  return line(
    MEASUREMENT.alerts,
    { patient: row.patient, session: row.session, code: row.code },
    [
      ['level', stringField(row.level)],
      ['message', stringField(row.message)],
    ],
    row.tNs,
  );
}

export function stateLine(row: StateRow): string {
  const fields: Array<[string, string]> = [['state', stringField(row.state)]];
  if (row.side !== undefined) fields.push(['side', stringField(row.side)]);
  if (row.exercise !== undefined) fields.push(['exercise', stringField(row.exercise)]);
  if (row.set !== undefined) fields.push(['set', intField(row.set)]);
  if (row.reps !== undefined) fields.push(['reps', intField(row.reps)]);
  if (row.targetReps !== undefined) fields.push(['target_reps', intField(row.targetReps)]);
  return line(MEASUREMENT.sessionState, { patient: row.patient, session: row.session }, fields, row.tNs);
}

export function trendLine(row: TrendRow): string {
  return line(
    MEASUREMENT.anglesPerMinute,
    { patient: row.patient, session: row.session, side: row.side, exercise: row.exercise },
    [
      ['flexion_min', floatField(row.flexion.min)],
      ['flexion_max', floatField(row.flexion.max)],
      ['abduction_min', floatField(row.abduction.min)],
      ['abduction_max', floatField(row.abduction.max)],
      ['rotation_min', floatField(row.rotation.min)],
      ['rotation_max', floatField(row.rotation.max)],
      ['samples', intField(row.samples)],
    ],
    row.tNs,
  );
}
