/** Shared set-up for the metadata store's tests: an in-memory store on a fixed clock, and a few people. */
import { MetadataError } from './errors.js';
import type { MetadataErrorCode } from './errors.js';
import { openMetadataStore } from './store.js';
import type { MetadataStore } from './store.js';
import type { NewPatient } from './users.js';

/** 2025-03-03T00:00:00Z, a Monday. */
export const MONDAY = Date.UTC(2025, 2, 3);
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export function memoryStore(now = MONDAY): MetadataStore {
  return openMetadataStore({ path: ':memory:', now: () => now });
}

export function addPatient(store: MetadataStore, id: string, extra: Partial<NewPatient> = {}) {
  return store.createPatient({
    id,
    displayName: `Patient ${id}`,
    treatedSide: 'left',
    surgeryType: 'tha_posterior',
    ...extra,
  });
}

export function addTherapist(store: MetadataStore, login: string) {
  return store.createUser({ role: 'therapist', login, displayName: `Therapist ${login}` });
}

/** The MetadataError code `fn` throws, or 'ok'; anything else is rethrown so it fails the test loudly. */
export function errorCode(fn: () => unknown): MetadataErrorCode | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (error) {
    if (error instanceof MetadataError) return error.code;
    throw error;
  }
}

/** The message of the MetadataError `fn` throws. */
export function errorMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof MetadataError) return error.message;
    throw error;
  }
  throw new Error('expected a MetadataError, nothing was thrown');
}
