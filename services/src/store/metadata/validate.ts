/**
 * Input checks for the store's public functions. Each returns the checked value or throws
 * MetadataError('invalid') naming the offending field, e.g. `plan.items[2].sets: must be an integer 1…20`.
 * Kept to the handful of shapes the store needs rather than a general schema library.
 */
import { MetadataError } from './errors.js';

export function invalid(path: string, expectation: string): never {
  throw new MetadataError('invalid', `${path}: ${expectation}`);
}

export function checkObject(value: unknown, path: string, allowedKeys: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(path, 'must be an object');
  // A misspelt optional field would otherwise vanish silently.
  for (const key of Object.keys(value)) {
    if (!allowedKeys.includes(key))
      invalid(`${path}.${key}`, `unknown field (expected one of ${allowedKeys.join(', ')})`);
  }
  return value as Record<string, unknown>;
}

export function checkInt(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(path, `must be an integer ${min}…${max}`);
  }
  return value;
}

/** A finite number in (gt, max] when `gt` is given, else in [min, max]. */
export function checkNumber(value: unknown, path: string, range: { gt?: number; min?: number; max: number }): number {
  const lowOk = (v: number) => (range.gt !== undefined ? v > range.gt : v >= (range.min ?? -Infinity));
  if (typeof value !== 'number' || !Number.isFinite(value) || !lowOk(value) || value > range.max) {
    const low = range.gt !== undefined ? `> ${range.gt}` : `≥ ${range.min}`;
    invalid(path, `must be a number ${low} and ≤ ${range.max}`);
  }
  return value;
}

export function checkString(
  value: unknown,
  path: string,
  limits: { min?: number; max: number; pattern?: RegExp },
): string {
  if (typeof value !== 'string') invalid(path, 'must be a string');
  const min = limits.min ?? 0;
  if (value.length < min || value.length > limits.max) invalid(path, `must be ${min}…${limits.max} characters long`);
  if (limits.pattern && !limits.pattern.test(value)) invalid(path, `must match ${limits.pattern.source}`);
  return value;
}

export function checkOneOf<T extends string>(value: unknown, path: string, options: readonly T[]): T {
  if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
    invalid(path, `must be one of ${options.join(', ')}`);
  }
  return value as T;
}

/** Unix time in milliseconds, as an integer (the store's only representation of an instant). */
export function checkUnixMs(value: unknown, path: string): number {
  return checkInt(value, path, 0, 8.64e15);
}

/** `undefined` and `null` both mean "not given". */
export function optional<T>(value: unknown, check: (v: unknown) => T): T | null {
  return value === undefined || value === null ? null : check(value);
}

/** A calendar date `YYYY-MM-DD` that exists (no 2025-02-30). */
export function checkCalendarDate(value: unknown, path: string): string {
  const text = checkString(value, path, { max: 10, pattern: /^\d{4}-\d{2}-\d{2}$/ });
  const [y, m, d] = text.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    invalid(path, 'is not a calendar date');
  }
  return text;
}
