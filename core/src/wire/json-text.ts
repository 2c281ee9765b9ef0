/** Turning untrusted JSON bytes into validated values, with every failure mapped to a WireError. */
import type { z } from 'zod';
import { WireError } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Largest JSON payload any decoder of this module accepts (a full 1000-sample IMU frame is ~0.3 MB). */
export const MAX_JSON_PAYLOAD_BYTES = 1 << 20;

export function parseJsonPayload(input: string | Uint8Array): unknown {
  // Strings are measured in UTF-16 units: close enough for a limit whose job is to bound the work done.
  const size = typeof input === 'string' ? input.length : input.byteLength;
  if (size > MAX_JSON_PAYLOAD_BYTES) {
    throw new WireError('too_large', `${size} bytes of JSON exceed the limit of ${MAX_JSON_PAYLOAD_BYTES}`);
  }
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    try {
      text = utf8.decode(input);
    } catch (cause) {
      throw new WireError('bad_json', 'payload is not valid UTF-8', { cause });
    }
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new WireError('bad_json', `payload is not JSON: ${(cause as Error).message}`, { cause });
  }
}

function containsNonFinite(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (Array.isArray(value)) return value.some(containsNonFinite);
  if (value !== null && typeof value === 'object') return Object.values(value).some(containsNonFinite);
  return false;
}

/** Validates with `schema`; JSON such as 1e400 parses to Infinity, which is reported as non_finite, not schema. */
export function validateJsonValue<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  if (containsNonFinite(value)) throw new WireError('non_finite', 'a number overflows to Infinity');
  const issue = result.error.issues[0]!;
  const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  throw new WireError('schema', `${where}: ${issue.message}`, { cause: result.error });
}

/** Parse + validate any JSON payload of the protocol (live outputs, status, plan, control). */
export function decodeJsonPayload<S extends z.ZodType>(schema: S, input: string | Uint8Array): z.output<S> {
  return validateJsonValue(schema, parseJsonPayload(input));
}

/** Validate before publishing, so a producer bug surfaces at the producer, not at every consumer. */
export function encodeJsonPayload<S extends z.ZodType>(schema: S, value: z.input<S>): string {
  return JSON.stringify(validateJsonValue(schema, value));
}
