/**
 * SQLite tables of the series store (docs/storage.md). Each primary key is the point identity InfluxDB uses
 * (its tags + timestamp), so the two adapters agree on what "the same point" is; INSERT OR REPLACE then gives
 * InfluxDB's last-write-wins. Timestamps are INTEGER nanoseconds (read as BigInt: they exceed 2^53).
 * Tables are prefixed `series_` because the database may be shared with the metadata store.
 */
export const SERIES_SCHEMA = `
CREATE TABLE IF NOT EXISTS series_imu (
  patient TEXT NOT NULL,
  session TEXT NOT NULL,
  role TEXT NOT NULL,
  t_ns INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  gyr_x REAL NOT NULL, gyr_y REAL NOT NULL, gyr_z REAL NOT NULL,
  acc_x REAL NOT NULL, acc_y REAL NOT NULL, acc_z REAL NOT NULL,
  mag_x REAL, mag_y REAL, mag_z REAL,
  PRIMARY KEY (patient, session, role, t_ns)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS series_imu_by_time ON series_imu (t_ns);

CREATE TABLE IF NOT EXISTS series_angles (
  patient TEXT NOT NULL,
  session TEXT NOT NULL,
  side TEXT NOT NULL,
  t_ns INTEGER NOT NULL,
  exercise TEXT NOT NULL,
  flexion REAL NOT NULL,
  abduction REAL NOT NULL,
  rotation REAL NOT NULL,
  PRIMARY KEY (patient, session, side, t_ns, exercise)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS series_angles_by_session_time ON series_angles (patient, session, t_ns);
CREATE INDEX IF NOT EXISTS series_angles_by_patient_time ON series_angles (patient, t_ns);

CREATE TABLE IF NOT EXISTS series_reps (
  patient TEXT NOT NULL,
  session TEXT NOT NULL,
  side TEXT NOT NULL,
  exercise TEXT NOT NULL,
  t_ns INTEGER NOT NULL,
  end_s REAL NOT NULL,
  set_no INTEGER NOT NULL,
  rep_no INTEGER NOT NULL,
  peak_flexion REAL NOT NULL,
  peak_abduction REAL NOT NULL,
  peak_rotation REAL NOT NULL,
  rom REAL NOT NULL,
  PRIMARY KEY (patient, session, side, exercise, t_ns)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS series_alerts (
  patient TEXT NOT NULL,
  session TEXT NOT NULL,
  code TEXT NOT NULL,
  t_ns INTEGER NOT NULL,
  level TEXT NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (patient, session, code, t_ns)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS series_alerts_by_patient_time ON series_alerts (patient, t_ns);

CREATE TABLE IF NOT EXISTS series_session_states (
  patient TEXT NOT NULL,
  session TEXT NOT NULL,
  t_ns INTEGER NOT NULL,
  state TEXT NOT NULL,
  side TEXT,
  exercise TEXT,
  set_no INTEGER,
  reps INTEGER,
  target_reps INTEGER,
  PRIMARY KEY (patient, session, t_ns)
) WITHOUT ROWID;
`;

/** Tables whose rows expire with the raw retention, and those with the long retention. */
export const RAW_TABLES = ['series_imu'] as const;
export const LONG_TABLES = ['series_angles', 'series_reps', 'series_alerts', 'series_session_states'] as const;
