/**
 * Opening the SQLite file: WAL (readers, e.g. the dashboard, never block the processing service's writes),
 * foreign keys on (SQLite leaves them off per connection by default), a busy timeout for the moments two
 * processes write at once, then the migrations.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { migrateMetadataSchema } from './migrations.js';
import type { UnixMs } from './types.js';

export interface OpenDatabaseOptions {
  /** a file path, or ':memory:' */
  path: string;
  /** clock for created/applied times when the caller gives none; tests pass a fixed one */
  now?: () => UnixMs;
  /** milliseconds to wait for another writer; default 5000 */
  busyTimeoutMs?: number;
}

export interface StoreContext {
  db: SqliteDatabase;
  now: () => UnixMs;
}

export function openDatabase(options: OpenDatabaseOptions): StoreContext {
  const now = options.now ?? Date.now;
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path, { timeout: options.busyTimeoutMs ?? 5000 });
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the last commits.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrateMetadataSchema(db, undefined, now());
  } catch (error) {
    db.close();
    throw error;
  }
  return { db, now };
}
