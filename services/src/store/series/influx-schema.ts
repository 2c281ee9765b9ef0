/**
 * The InfluxDB layout: one database, three retention policies (raw IMU short, derived data long — the default —
 * and the per-minute trend series), created or brought up to the configured durations at start. InfluxDB 2.x has
 * no such DDL over the v1 API: there, buckets and DBRP mappings are made once by hand (docs/storage.md) and the
 * store runs with `provision: false`.
 */
import { escape } from 'influx';
import type { InfluxDB } from 'influx';

export const RETENTION_POLICY = { raw: 'raw', long: 'long', trend: 'trend' } as const;
export type RetentionPolicyName = (typeof RETENTION_POLICY)[keyof typeof RETENTION_POLICY];

export interface RetentionDurations {
  /** InfluxQL durations (`7d`, `260w`, `36h`, …) or `INF`. */
  raw: string;
  long: string;
  trend: string;
}

export const DEFAULT_RETENTION: RetentionDurations = { raw: '7d', long: '260w', trend: 'INF' };

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  u: 1_000n,
  µ: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
};

/** An InfluxQL duration in ns (null for INF); throws for anything InfluxQL would not take. */
export function parseInfluxDuration(text: string): bigint | null {
  if (/^inf$/i.test(text)) return null;
  const parts = /^(?:\d+(?:ns|u|µ|ms|s|m|h|d|w))+$/.test(text) ? text.match(/\d+(?:ns|u|µ|ms|s|m|h|d|w)/g)! : null;
  if (parts === null) throw new RangeError(`${JSON.stringify(text)} is not an InfluxQL duration (e.g. 7d, 260w, INF)`);
  const total = parts.reduce((sum, part) => {
    const [, digits, unit] = /^(\d+)(\D+)$/.exec(part)!;
    return sum + BigInt(digits!) * UNIT_NS[unit!]!;
  }, 0n);
  if (total < UNIT_NS.h!) throw new RangeError(`retention ${text} is shorter than InfluxDB's minimum of 1h`);
  return total;
}

/** InfluxDB's own default shard group duration for a retention duration (< 2 d → 1 h, ≤ 6 months → 1 d, else 7 d). */
export function shardDurationFor(text: string): string {
  const ns = parseInfluxDuration(text);
  if (ns === null) return '7d';
  if (ns < 2n * UNIT_NS.d!) return '1h';
  if (ns <= 182n * UNIT_NS.d!) return '1d';
  return '7d';
}

/**
 * Creates the database and the retention policies, or alters existing ones to the configured durations (ALTER
 * with an unchanged duration is a no-op). The shard duration is given explicitly: shortening a policy below its
 * current shard duration would otherwise be refused.
 */
export async function provisionInflux(
  influx: InfluxDB,
  database: string,
  durations: RetentionDurations,
): Promise<void> {
  await influx.createDatabase(database);
  const existing = new Set((await influx.showRetentionPolicies(database)).map((rp) => rp.name));
  const db = escape.quoted(database);
  for (const [key, name] of Object.entries(RETENTION_POLICY) as Array<[keyof RetentionDurations, string]>) {
    const duration = durations[key];
    const verb = existing.has(name) ? 'ALTER' : 'CREATE';
    const replication = verb === 'CREATE' ? ' REPLICATION 1' : '';
    const isDefault = name === RETENTION_POLICY.long ? ' DEFAULT' : '';
    await influx.query(
      `${verb} RETENTION POLICY ${escape.quoted(name)} ON ${db} DURATION ${duration}${replication} ` +
        `SHARD DURATION ${shardDurationFor(duration)}${isDefault}`,
      { method: 'POST' },
    );
  }
}
