import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SESSION_STATES } from '@hipmon/core';
import { MetadataError } from './errors.js';
import {
  METADATA_MIGRATIONS,
  METADATA_SCHEMA_VERSION,
  metadataSchemaVersion,
  migrateMetadataSchema,
} from './migrations.js';
import { openMetadataStore } from './store.js';
import { addPatient, addTherapist, errorCode, memoryStore, MONDAY } from './test-fixtures.js';
import { ALERT_LEVELS, SURGERY_TYPES } from './types.js';

const TABLES = [
  'alerts',
  'gateways',
  'patients',
  'plan_items',
  'plan_versions',
  'schema_version',
  'session_exercise_summaries',
  'sessions',
  'therapist_patients',
  'users',
];

const tablesOf = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
    (r) => r.name,
  );

describe('metadata migrations', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hipmon-metadata-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('migrate an empty database to the latest version, one schema_version row per migration', () => {
    const store = memoryStore();
    expect(METADATA_SCHEMA_VERSION).toBe(METADATA_MIGRATIONS.length);
    expect(store.schemaVersion()).toBe(METADATA_SCHEMA_VERSION);
    expect(tablesOf(store.db)).toEqual(TABLES);
    const rows = store.db.prepare('SELECT version, name, applied_at AS appliedAt FROM schema_version').all();
    expect(rows).toEqual(METADATA_MIGRATIONS.map((m) => ({ version: m.version, name: m.name, appliedAt: MONDAY })));
    store.close();
  });

  it('re-opening a file is idempotent: nothing re-applied, data and applied times kept; WAL and foreign keys on', () => {
    const path = join(dir, 'sub', 'metadata.sqlite');
    const first = openMetadataStore({ path, now: () => MONDAY });
    addTherapist(first, 'anna');
    addPatient(first, 'p1');
    first.close();

    const second = openMetadataStore({ path, now: () => MONDAY + 1000 });
    expect(second.schemaVersion()).toBe(METADATA_SCHEMA_VERSION);
    expect(migrateMetadataSchema(second.db)).toEqual([]);
    expect(second.db.prepare('SELECT DISTINCT applied_at AS a FROM schema_version').all()).toEqual([{ a: MONDAY }]);
    expect(second.findUserByLogin('anna')?.displayName).toBe('Therapist anna');
    expect(second.getPatient('p1')?.displayName).toBe('Patient p1');
    expect(second.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(second.db.pragma('foreign_keys', { simple: true })).toBe(1);
    second.close();
  });

  it('an older database is brought forward by the missing migrations only, keeping its rows', () => {
    const path = join(dir, 'old.sqlite');
    const old = new Database(path);
    expect(migrateMetadataSchema(old, METADATA_MIGRATIONS.slice(0, 1), 1)).toEqual([1]);
    old
      .prepare("INSERT INTO users (role, login, display_name, created_at) VALUES ('therapist', 'anna', 'Anna', 1)")
      .run();
    old.close();

    const store = openMetadataStore({ path, now: () => MONDAY });
    expect(store.db.prepare('SELECT version, applied_at AS a FROM schema_version ORDER BY version').all()).toEqual([
      { version: 1, a: 1 },
      ...METADATA_MIGRATIONS.slice(1).map((m) => ({ version: m.version, a: MONDAY })),
    ]);
    const anna = store.findUserByLogin('ANNA')!;
    addPatient(store, 'p1');
    store.assignTherapist(anna.id, 'p1');
    expect(store.patientsVisibleTo(anna.id).map((p) => p.id)).toEqual(['p1']);
    store.close();
  });

  it('refuses a database written by a newer schema, and leaves it untouched', () => {
    const path = join(dir, 'new.sqlite');
    const db = new Database(path);
    migrateMetadataSchema(db);
    db.prepare("INSERT INTO schema_version (version, name, applied_at) VALUES (99, 'from the future', 0)").run();
    db.close();

    expect(errorCode(() => openMetadataStore({ path }))).toBe('schema_too_new');
    const check = new Database(path);
    expect(metadataSchemaVersion(check)).toBe(99);
    check.close();
  });

  it('a failing migration commits nothing, and an out-of-order list is rejected before anything runs', () => {
    const db = new Database(':memory:');
    const broken = [
      ...METADATA_MIGRATIONS,
      { version: METADATA_SCHEMA_VERSION + 1, name: 'broken', sql: 'CREATE TABLE half_done (a); CREATE TABLE (' },
    ];
    expect(() => migrateMetadataSchema(db, broken)).toThrow(/syntax error/);
    expect(metadataSchemaVersion(db)).toBe(METADATA_SCHEMA_VERSION);
    expect(tablesOf(db)).not.toContain('half_done');

    const empty = new Database(':memory:');
    expect(() => migrateMetadataSchema(empty, METADATA_MIGRATIONS.slice(1))).toThrow(/out of order/);
    expect(tablesOf(empty)).toEqual([]);
  });

  it("the schema's spelt-out enumerations match the code's lists", () => {
    const store = memoryStore();
    for (const [i, surgeryType] of SURGERY_TYPES.entries()) {
      expect(addPatient(store, `p${i}`, { surgeryType }).surgeryType).toBe(surgeryType);
    }
    store.startSession({ patientId: 'p0', sessionId: 's1', side: 'left', startedAt: MONDAY });
    for (const state of SESSION_STATES) {
      expect(store.setSessionState('p0', 's1', state, MONDAY + 1).state).toBe(state);
    }
    for (const level of ALERT_LEVELS) {
      expect(store.recordAlert({ patientId: 'p0', sessionId: 's1', at: MONDAY, level, kind: 'x' }).level).toBe(level);
    }
    // …and the schema rejects what the code does not know, even when the code's checks are bypassed.
    expect(() => store.db.prepare("UPDATE sessions SET state = 'dancing'").run()).toThrow(/CHECK constraint/);
    expect(() => store.db.prepare("UPDATE patients SET surgery_type = 'knee'").run()).toThrow(/CHECK constraint/);
    expect(() => store.db.prepare("UPDATE alerts SET level = 'panic'").run()).toThrow(/CHECK constraint/);
    expect(() => store.db.prepare("UPDATE patients SET id = 'a/b' WHERE id = 'p1'").run()).toThrow(/CHECK constraint/);
    expect(() => store.db.prepare("UPDATE patients SET surgery_date = '2025-02-30'").run()).toThrow(/CHECK constraint/);
    expect(() => store.db.prepare("UPDATE patients SET surgery_date = 'soon'").run()).toThrow(/CHECK constraint/);
    expect(store.db.pragma('foreign_key_check')).toEqual([]);
    store.close();
  });

  it('errors thrown by the store are MetadataErrors with a code', () => {
    const store = memoryStore();
    try {
      store.getPatient('no/such');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(MetadataError);
      expect((error as MetadataError).code).toBe('invalid');
      expect((error as MetadataError).message).toMatch(/^patientId: must match/);
    }
  });
});
