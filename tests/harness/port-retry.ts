import { ServiceStartError } from './local-service.js';

const ATTEMPTS = 3;

function lostPortRace(error: unknown): boolean {
  return error instanceof ServiceStartError && /address already in use/i.test(error.logTail);
}

/**
 * freePort() cannot reserve a port: another process may bind it before the service does. Such a lost
 * race is retried with fresh ports; every other failure is reported at once.
 */
export async function startWithPortRetry<T>(startOnce: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce();
    } catch (error) {
      if (attempt >= ATTEMPTS || !lostPortRace(error)) throw error;
    }
  }
}
