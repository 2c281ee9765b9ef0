/**
 * One error type for everything the metadata store refuses, with a code a caller can branch on (an HTTP layer maps
 * invalid → 400, forbidden → 403, not_found → 404, conflict → 409) and a message a person can act on.
 */
export const METADATA_ERROR_CODES = ['invalid', 'not_found', 'conflict', 'forbidden', 'schema_too_new'] as const;
export type MetadataErrorCode = (typeof METADATA_ERROR_CODES)[number];

export class MetadataError extends Error {
  constructor(
    readonly code: MetadataErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MetadataError';
  }
}

/**
 * SQLite constraint failures, translated: the schema is the last line of defence (unique logins, foreign keys,
 * role triggers), and its raw messages ("UNIQUE constraint failed: users.login") should not reach a user as such.
 */
export function translateSqliteError(error: unknown, what: string): never {
  const code = (error as { code?: unknown }).code;
  const message = (error as Error).message ?? String(error);
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    throw new MetadataError(
      'conflict',
      `${what}: already exists (${message.replace(/^UNIQUE constraint failed: /, '')})`,
    );
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    throw new MetadataError('not_found', `${what}: refers to a record that does not exist`);
  }
  if (code === 'SQLITE_CONSTRAINT_TRIGGER' || code === 'SQLITE_CONSTRAINT_CHECK') {
    throw new MetadataError('invalid', `${what}: ${message}`);
  }
  throw error;
}
