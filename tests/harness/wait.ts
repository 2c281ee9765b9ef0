import { setTimeout as sleep } from 'node:timers/promises';

export interface PollOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** Pause between attempts. */
  intervalMs?: number;
  /** Checked before every attempt; a returned reason stops the polling at once (e.g. the process died). */
  abortReason?: () => string | undefined;
}

export type PollOutcome = { ok: true; attempts: number } | { ok: false; attempts: number; reason: string };

/** Repeats `attempt` until it returns true, the time budget is spent, or `abortReason` reports a reason. */
export async function pollUntil(attempt: () => Promise<boolean>, options: PollOptions): Promise<PollOutcome> {
  const deadline = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 50;
  let attempts = 0;
  for (;;) {
    const aborted = options.abortReason?.();
    if (aborted !== undefined) return { ok: false, attempts, reason: aborted };
    attempts += 1;
    if (await attempt()) return { ok: true, attempts };
    if (Date.now() >= deadline) {
      return { ok: false, attempts, reason: `not ready after ${attempts} attempts in ${options.timeoutMs} ms` };
    }
    await sleep(intervalMs);
  }
}

/**
 * Waits until `condition` holds, polling every `intervalMs`; throws "timed out waiting for <what>" after
 * `timeoutMs`. For test steps that wait on another process (a broker, the service, a browser).
 */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<void> {
  const outcome = await pollUntil(async () => await condition(), { timeoutMs, intervalMs });
  if (!outcome.ok) throw new Error(`timed out waiting for ${what} (${outcome.reason})`);
}
