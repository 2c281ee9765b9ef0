/**
 * POST /write of the InfluxDB v1 HTTP API with a ready line-protocol body (precision ns). The store spools and
 * replays exactly these bytes, which the influx package cannot send (it only writes the points it serialises
 * itself), hence this small client; everything else goes through the influx package.
 *
 * Outcomes: `written` (204); `rejected` — InfluxDB answered 400/413, kept whatever points were valid and will never
 * accept the rest (a parse error, points beyond the retention policy, a field type conflict), so retrying is
 * useless; `failed` — anything else (unreachable, timeout, 5xx, auth, unknown database): keep the data and retry.
 */

export type WriteOutcome =
  | { kind: 'written' }
  | { kind: 'rejected'; dropped: number; message: string }
  | { kind: 'failed'; message: string; status?: number };

export interface InfluxWriteTarget {
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:8086 (a path prefix is kept, for reverse proxies). */
  url: string;
  database: string;
  username?: string;
  password?: string;
  timeoutMs: number;
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message;
  return detail ? `${err.message}: ${detail}` : err.message;
}

/** InfluxDB reports `dropped=N` in a partial write; without it, nothing of the batch was kept. */
export function droppedPoints(message: string, points: number): number {
  const match = /dropped=(\d+)/.exec(message);
  return match ? Math.min(points, Number(match[1])) : points;
}

export function writeUrl(target: InfluxWriteTarget, rp: string): string {
  const base = target.url.endsWith('/') ? target.url : `${target.url}/`;
  const url = new URL('write', base);
  url.searchParams.set('db', target.database);
  url.searchParams.set('rp', rp);
  url.searchParams.set('precision', 'n');
  return url.toString();
}

export async function writeLines(
  target: InfluxWriteTarget,
  rp: string,
  body: string,
  points: number,
): Promise<WriteOutcome> {
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
  if (target.username !== undefined || target.password !== undefined) {
    const credentials = `${target.username ?? ''}:${target.password ?? ''}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  let response: Response;
  let text: string;
  try {
    response = await fetch(writeUrl(target, rp), {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(target.timeoutMs),
    });
    text = await response.text();
  } catch (err) {
    return { kind: 'failed', message: errorText(err) };
  }
  if (response.status === 204 || response.status === 200) return { kind: 'written' };
  const message = `HTTP ${response.status}: ${text.trim().slice(0, 500)}`;
  if (response.status === 400 || response.status === 413) {
    return { kind: 'rejected', dropped: droppedPoints(text, points), message };
  }
  return { kind: 'failed', message, status: response.status };
}
