/**
 * The schema, as forward-only migrations. A migration is never edited once released: a change is a new
 * migration appended to the list, so every database, however old, reaches the same schema by replaying the tail.
 * `schema_version` holds one row per applied migration.
 *
 * Conventions: STRICT tables (SQLite type checks); instants are INTEGER Unix milliseconds; ids that appear in MQTT
 * topics are TEXT checked against the topic id alphabet; cross-table rules a CHECK cannot express (a therapist
 * assignment must point at a therapist) are triggers. Enumerations are spelt out here rather than interpolated from
 * code, so a migration's text never changes after the fact (tests compare them with the code's lists).
 */
import type { Database } from 'better-sqlite3';
import { MetadataError } from './errors.js';

export interface MetadataMigration {
  version: number;
  name: string;
  sql: string;
}

const TOPIC_ID_CHECK = (column: string) =>
  `CHECK (length(${column}) BETWEEN 1 AND 64 AND ${column} NOT GLOB '*[^A-Za-z0-9_-]*')`;

export const METADATA_MIGRATIONS: readonly MetadataMigration[] = [
  {
    version: 1,
    name: 'users, patients and therapist assignments',
    sql: `
      CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('admin', 'therapist', 'patient')),
        login TEXT COLLATE NOCASE UNIQUE,
        email TEXT COLLATE NOCASE UNIQUE,
        display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
        password_hash TEXT,
        created_at INTEGER NOT NULL,
        disabled_at INTEGER,
        CHECK (role = 'patient' OR login IS NOT NULL)
      ) STRICT;

      CREATE TRIGGER users_role_is_fixed BEFORE UPDATE OF role ON users WHEN NEW.role <> OLD.role
      BEGIN SELECT RAISE(ABORT, 'a user''s role cannot change'); END;

      CREATE TABLE patients (
        id TEXT PRIMARY KEY ${TOPIC_ID_CHECK('id')},
        user_id INTEGER NOT NULL UNIQUE REFERENCES users(id),
        treated_side TEXT NOT NULL CHECK (treated_side IN ('left', 'right')),
        surgery_type TEXT NOT NULL CHECK (surgery_type IN ('tha_posterior', 'tha_anterior', 'tha_lateral',
          'hemiarthroplasty', 'hip_resurfacing', 'hip_fracture_fixation', 'other')),
        surgery_date TEXT CHECK (surgery_date IS NULL OR date(surgery_date) IS surgery_date),
        notes TEXT NOT NULL DEFAULT ''
      ) STRICT;

      CREATE TRIGGER patients_user_is_patient_insert BEFORE INSERT ON patients
      WHEN EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id AND role <> 'patient')
      BEGIN SELECT RAISE(ABORT, 'a patient profile needs a user with role patient'); END;
      CREATE TRIGGER patients_user_is_patient_update BEFORE UPDATE OF user_id ON patients
      WHEN EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id AND role <> 'patient')
      BEGIN SELECT RAISE(ABORT, 'a patient profile needs a user with role patient'); END;

      CREATE TABLE therapist_patients (
        therapist_id INTEGER NOT NULL REFERENCES users(id),
        patient_id TEXT NOT NULL REFERENCES patients(id),
        assigned_at INTEGER NOT NULL,
        PRIMARY KEY (therapist_id, patient_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX therapist_patients_by_patient ON therapist_patients (patient_id);

      CREATE TRIGGER therapist_patients_role BEFORE INSERT ON therapist_patients
      WHEN EXISTS (SELECT 1 FROM users WHERE id = NEW.therapist_id AND role <> 'therapist')
      BEGIN SELECT RAISE(ABORT, 'only a therapist can be assigned to a patient'); END;
    `,
  },
  {
    version: 2,
    name: 'versioned exercise plans',
    sql: `
      CREATE TABLE plan_versions (
        patient_id TEXT NOT NULL REFERENCES patients(id),
        version INTEGER NOT NULL CHECK (version >= 1),
        created_at INTEGER NOT NULL,
        created_by INTEGER NOT NULL REFERENCES users(id),
        sessions_per_week INTEGER NOT NULL CHECK (sessions_per_week BETWEEN 1 AND 21),
        precaution_preset TEXT,
        flexion_min REAL, flexion_max REAL,
        abduction_min REAL, abduction_max REAL,
        rotation_min REAL, rotation_max REAL,
        notes TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (patient_id, version),
        CHECK (flexion_min IS NULL OR flexion_max IS NULL OR flexion_min < flexion_max),
        CHECK (abduction_min IS NULL OR abduction_max IS NULL OR abduction_min < abduction_max),
        CHECK (rotation_min IS NULL OR rotation_max IS NULL OR rotation_min < rotation_max)
      ) STRICT;

      CREATE TABLE plan_items (
        patient_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        position INTEGER NOT NULL CHECK (position >= 1),
        exercise TEXT NOT NULL,
        sets INTEGER NOT NULL CHECK (sets BETWEEN 1 AND 20),
        reps INTEGER NOT NULL CHECK (reps BETWEEN 1 AND 100),
        target_rom_deg REAL CHECK (target_rom_deg > 0 AND target_rom_deg <= 180),
        hold_seconds REAL CHECK (hold_seconds > 0 AND hold_seconds <= 600),
        tempo_seconds REAL CHECK (tempo_seconds > 0 AND tempo_seconds <= 60),
        notes TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (patient_id, version, position),
        UNIQUE (patient_id, version, exercise),
        FOREIGN KEY (patient_id, version) REFERENCES plan_versions (patient_id, version)
      ) STRICT, WITHOUT ROWID;

      -- A plan version is a record of what was prescribed: a change is a new version, never an edit.
      CREATE TRIGGER plan_versions_immutable_update BEFORE UPDATE ON plan_versions
      BEGIN SELECT RAISE(ABORT, 'plan versions are immutable: create a new version'); END;
      CREATE TRIGGER plan_versions_immutable_delete BEFORE DELETE ON plan_versions
      BEGIN SELECT RAISE(ABORT, 'plan versions are immutable: create a new version'); END;
      CREATE TRIGGER plan_items_immutable_update BEFORE UPDATE ON plan_items
      BEGIN SELECT RAISE(ABORT, 'plan versions are immutable: create a new version'); END;
      CREATE TRIGGER plan_items_immutable_delete BEFORE DELETE ON plan_items
      BEGIN SELECT RAISE(ABORT, 'plan versions are immutable: create a new version'); END;
    `,
  },
  {
    version: 3,
    name: 'gateways, sessions, session summaries and alerts',
    sql: `
      CREATE TABLE gateways (
        id TEXT PRIMARY KEY ${TOPIC_ID_CHECK('id')},
        patient_id TEXT NOT NULL REFERENCES patients(id),
        last_status TEXT CHECK (last_status IN ('online', 'offline')),
        last_status_at INTEGER,
        software TEXT,
        sensors_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(sensors_json)),
        last_seen_at INTEGER
      ) STRICT;
      CREATE INDEX gateways_by_patient ON gateways (patient_id);

      CREATE TABLE sessions (
        patient_id TEXT NOT NULL REFERENCES patients(id),
        id TEXT NOT NULL ${TOPIC_ID_CHECK('id')},
        gateway_id TEXT REFERENCES gateways(id),
        side TEXT NOT NULL CHECK (side IN ('left', 'right')),
        started_at INTEGER NOT NULL,
        ended_at INTEGER CHECK (ended_at IS NULL OR ended_at >= started_at),
        state TEXT NOT NULL CHECK (state IN ('idle', 'calibrating', 'ready', 'in_set', 'resting', 'ended')),
        plan_version INTEGER,
        PRIMARY KEY (patient_id, id),
        FOREIGN KEY (patient_id, plan_version) REFERENCES plan_versions (patient_id, version)
      ) STRICT;
      CREATE INDEX sessions_by_patient_time ON sessions (patient_id, started_at);

      CREATE TABLE session_exercise_summaries (
        patient_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        exercise TEXT NOT NULL,
        sets_done INTEGER NOT NULL CHECK (sets_done >= 0),
        reps_done INTEGER NOT NULL CHECK (reps_done >= 0),
        partial_reps INTEGER NOT NULL CHECK (partial_reps >= 0),
        peak_rom_sagittal_deg REAL CHECK (peak_rom_sagittal_deg BETWEEN 0 AND 360),
        peak_rom_frontal_deg REAL CHECK (peak_rom_frontal_deg BETWEEN 0 AND 360),
        peak_rom_transverse_deg REAL CHECK (peak_rom_transverse_deg BETWEEN 0 AND 360),
        time_under_tension_s REAL NOT NULL CHECK (time_under_tension_s >= 0),
        hold_time_s REAL NOT NULL CHECK (hold_time_s >= 0),
        PRIMARY KEY (patient_id, session_id, exercise),
        FOREIGN KEY (patient_id, session_id) REFERENCES sessions (patient_id, id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        patient_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        t REAL,
        level TEXT NOT NULL CHECK (level IN ('info', 'warning', 'critical')),
        kind TEXT NOT NULL,
        angle TEXT CHECK (angle IN ('flexion', 'abduction', 'rotation')),
        value_deg REAL,
        limit_deg REAL,
        message TEXT NOT NULL DEFAULT '',
        acknowledged_by INTEGER REFERENCES users(id),
        acknowledged_at INTEGER,
        CHECK ((acknowledged_by IS NULL) = (acknowledged_at IS NULL)),
        FOREIGN KEY (patient_id, session_id) REFERENCES sessions (patient_id, id)
      ) STRICT;
      CREATE INDEX alerts_by_session ON alerts (patient_id, session_id);
      CREATE INDEX alerts_open ON alerts (patient_id, at) WHERE acknowledged_at IS NULL;
    `,
  },
];

export const METADATA_SCHEMA_VERSION = METADATA_MIGRATIONS[METADATA_MIGRATIONS.length - 1]!.version;

/** The highest applied migration, 0 for an empty database. */
export function metadataSchemaVersion(db: Database): number {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  if (!exists) return 0;
  const row = db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * Brings the database to the last of `migrations` and returns the versions it applied (empty when it was up to
 * date). Each migration commits with its schema_version row or not at all. A database written by newer code
 * (a version this code does not know) is refused rather than used with a schema it does not understand.
 */
export function migrateMetadataSchema(
  db: Database,
  migrations: readonly MetadataMigration[] = METADATA_MIGRATIONS,
  now = Date.now(),
): number[] {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration list out of order at ${m.name}: version ${m.version}`);
  });
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT',
  );
  const current = metadataSchemaVersion(db);
  const latest = migrations.length;
  if (current > latest) {
    throw new MetadataError(
      'schema_too_new',
      `the metadata database is at schema version ${current}, this program knows up to ${latest}: upgrade hipmon`,
    );
  }
  const record = db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)');
  const applied: number[] = [];
  for (const migration of migrations.slice(current)) {
    // Re-read the version inside the write lock: another process opening the same file may have just applied it.
    const ran = db
      .transaction(() => {
        if (metadataSchemaVersion(db) >= migration.version) return false;
        db.exec(migration.sql);
        record.run(migration.version, migration.name, now);
        return true;
      })
      .immediate();
    if (ran) applied.push(migration.version);
  }
  return applied;
}
