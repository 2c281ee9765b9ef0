import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { formatHeader, LineSpool, parseHeader } from './line-spool.js';
import type { SpoolBatch, SpoolClass } from './line-spool.js';

const root = mkdtempSync(join(tmpdir(), 'hipmon-line-spool-'));
const logger = pino({ level: 'silent' });
let dirs = 0;
const freshDir = (): string => join(root, `spool-${++dirs}`);

afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * `points` lines of ~`lineBytes` bytes each. Raw batches start with an empty comment line ("#"), two bytes that
 * make up for their header being two bytes shorter ("raw" vs "long" twice), so records of both classes have one size.
 */
function batch(cls: SpoolClass, tag: string, points: number, lineBytes = 40): SpoolBatch {
  const pad = 'x'.repeat(Math.max(0, lineBytes - 30));
  const lines = Array.from({ length: points }, (_, i) => `m,k=${tag} v=${i}i,s="${pad}" ${1000 + i}`);
  const body = `${cls === 'raw' ? '#\n' : ''}${lines.join('\n')}\n`;
  return { rp: cls === 'raw' ? 'raw' : 'long', cls, points, body, rollups: [] };
}

const tagOf = (b: SpoolBatch): string => /k=(\w+)/.exec(b.body)![1]!;

async function drain(spool: LineSpool): Promise<SpoolBatch[]> {
  const out: SpoolBatch[] = [];
  for (let b = await spool.head(); b; b = await spool.head()) {
    out.push(b);
    await spool.ack();
  }
  return out;
}

const spoolFiles = (dir: string): string[] => readdirSync(dir).sort();

describe('LineSpool', () => {
  it('gives batches back oldest first across both classes, and deletes delivered segments', async () => {
    const dir = freshDir();
    const spool = await LineSpool.open({ dir, maxBytes: 1 << 20, segmentBytes: 1 << 20, logger });
    const written = [batch('raw', 'a', 3), batch('long', 'b', 2), batch('raw', 'c', 1)];
    written[1]!.rollups = [{ patient: 'p', session: 's-1', fromNs: 60_000_000_000n, toNs: 180_000_000_000n }];
    for (const b of written) expect(await spool.append(b)).toEqual({ spooled: true, droppedPoints: 0 });
    expect(spool.points).toBe(6);
    expect(spool.bytes).toBe(spoolFiles(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0));
    // One segment per class: the raw segment (opened first) is replayed first, then the long one.
    expect(await drain(spool)).toEqual([written[0], written[2], written[1]]);
    expect(spool.isEmpty).toBe(true);
    expect(spool.bytes).toBe(0);
    expect(spoolFiles(dir)).toEqual([]);
  });

  it('writes plain line protocol: each batch is a comment line followed by its lines', async () => {
    const dir = freshDir();
    const spool = await LineSpool.open({ dir, maxBytes: 1 << 20, segmentBytes: 1 << 20, logger });
    const b = batch('long', 'z', 2);
    await spool.append(b);
    const [file] = spoolFiles(dir);
    expect(file).toMatch(/^\d{12}\.long\.lp$/);
    const text = readFileSync(join(dir, file!), 'utf8');
    expect(text).toBe(formatHeader(b, Buffer.byteLength(b.body)) + b.body);
    expect(text.split('\n')[0]).toMatch(/^# hipmon-spool v1 rp=long class=long points=2 bytes=\d+ rollups=-$/);
    expect(parseHeader(text.split('\n')[0]!)).toMatchObject({ rp: 'long', cls: 'long', points: 2 });
  });

  it('survives a restart: a new spool on the same directory replays what was left, in order', async () => {
    const dir = freshDir();
    const first = await LineSpool.open({ dir, maxBytes: 1 << 20, segmentBytes: 300, logger });
    const written = Array.from({ length: 6 }, (_, i) => batch('long', `b${i}`, 4));
    for (const b of written) await first.append(b);
    expect(spoolFiles(dir).length).toBeGreaterThan(1); // rolled over at 300 bytes
    // Deliver one batch, then "crash".
    await first.head();
    await first.ack();

    const second = await LineSpool.open({ dir, maxBytes: 1 << 20, segmentBytes: 300, logger });
    expect(second.points).toBe(20);
    expect(await drain(second)).toEqual(written.slice(1));
    const third = await LineSpool.open({ dir, maxBytes: 1 << 20, segmentBytes: 300, logger });
    expect(third.isEmpty).toBe(true);
  });

  it('cuts off a record torn by a crash and counts its points as lost', async () => {
    const dir = freshDir();
    const spool = await LineSpool.open({ dir, maxBytes: 1 << 20, segmentBytes: 1 << 20, logger });
    const kept = batch('raw', 'kept', 5);
    await spool.append(kept);
    await spool.append(batch('raw', 'torn', 7));
    const [file] = spoolFiles(dir);
    const path = join(dir, file!);
    const size = statSync(path).size;
    truncateSync(path, size - 10);

    const reopened = await LineSpool.open({ dir, maxBytes: 1 << 20, segmentBytes: 1 << 20, logger });
    expect(reopened.lostAtOpen).toBe(7);
    expect(reopened.points).toBe(5);
    expect(statSync(path).size).toBe(formatHeader(kept, Buffer.byteLength(kept.body)).length + kept.body.length);
    expect(await drain(reopened)).toEqual([kept]);
  });

  it('sets aside a segment it cannot read instead of deleting it', async () => {
    const dir = freshDir();
    await LineSpool.open({ dir, maxBytes: 1 << 20, segmentBytes: 1 << 20, logger });
    writeFileSync(join(dir, '000000000007.raw.lp'), 'not a spool record\n');
    const spool = await LineSpool.open({ dir, maxBytes: 1 << 20, segmentBytes: 1 << 20, logger });
    expect(spool.isEmpty).toBe(true);
    expect(spoolFiles(dir)).toEqual(['000000000007.raw.lp.unreadable']);
    // New segments are numbered after it.
    await spool.append(batch('raw', 'a', 1));
    expect(spoolFiles(dir)).toContain('000000000008.raw.lp');
  });

  it('at the bound evicts the oldest raw segments first and never long data', async () => {
    const dir = freshDir();
    const probe = batch('raw', 'r0', 10);
    const recordBytes = Buffer.byteLength(formatHeader(probe, Buffer.byteLength(probe.body)) + probe.body);
    // Room for 4 records; one record per segment.
    const spool = await LineSpool.open({ dir, maxBytes: 4 * recordBytes, segmentBytes: recordBytes, logger });
    const raws = [0, 1, 2].map((i) => batch('raw', `r${i}`, 10));
    for (const b of raws) await spool.append(b);
    expect(await spool.append(batch('long', 'l0', 10))).toEqual({ spooled: true, droppedPoints: 0 });
    // Full. Another raw batch evicts the oldest raw segment.
    expect(await spool.append(batch('raw', 'r3', 10))).toEqual({ spooled: true, droppedPoints: 10 });
    // Long batches evict raw ones too, oldest first, until only long data is left.
    expect(await spool.append(batch('long', 'l1', 10))).toEqual({ spooled: true, droppedPoints: 10 });
    expect(await spool.append(batch('long', 'l2', 10))).toEqual({ spooled: true, droppedPoints: 10 });
    expect(await spool.append(batch('long', 'l3', 10))).toEqual({ spooled: true, droppedPoints: 10 });
    // Nothing raw left to evict: a raw batch is refused, a long one still goes in (past the bound).
    expect(await spool.append(batch('raw', 'r4', 10))).toEqual({ spooled: false, droppedPoints: 10 });
    expect(await spool.append(batch('long', 'l4', 10))).toEqual({ spooled: true, droppedPoints: 0 });
    expect(spool.bytes).toBe(5 * recordBytes);
    const left = await drain(spool);
    expect(left.map(tagOf)).toEqual(['l0', 'l1', 'l2', 'l3', 'l4']);
  });

  it('evicting the segment under replay forgets only its undelivered batches', async () => {
    const dir = freshDir();
    const probe = batch('raw', 'r0', 10);
    const recordBytes = Buffer.byteLength(formatHeader(probe, Buffer.byteLength(probe.body)) + probe.body);
    const spool = await LineSpool.open({ dir, maxBytes: 3 * recordBytes, segmentBytes: 3 * recordBytes, logger });
    for (const i of [0, 1, 2]) await spool.append(batch('raw', `r${i}`, 10));
    await spool.head();
    await spool.ack(); // r0 delivered; the segment now holds 2 undelivered batches
    expect(spool.points).toBe(20);
    await spool.append(batch('raw', 'r3', 10)); // fits: the delivered record no longer counts
    expect(await spool.append(batch('raw', 'r4', 10))).toEqual({ spooled: true, droppedPoints: 20 });
    expect((await drain(spool)).map(tagOf)).toEqual(['r3', 'r4']);
  });
});
