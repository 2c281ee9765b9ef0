/**
 * The disk spool of the InfluxDB adapter: batches of line protocol that could not be delivered, kept in
 * append-only segment files until InfluxDB takes them, oldest first.
 *
 * A segment is a plain line-protocol file (InfluxDB would accept it as is): each batch is one comment line that
 * frames it — `# hipmon-spool v1 rp=<rp> class=<raw|long> points=<n> bytes=<n> rollups=<…>` — followed by exactly
 * `bytes` bytes of lines. The framing lets a replay send the original batches without parsing line protocol, and
 * lets opening the spool find a record torn by a crash (its body is shorter than announced) and cut it off.
 * Segments are named `<12-digit number>.<class>.lp`; the number orders the replay across both classes.
 *
 * Bound (docs/storage.md): when a batch would take the spool past maxBytes, whole segments of class `raw` (raw IMU)
 * are evicted oldest first; a raw batch that still does not fit is dropped. `long` batches (angles, reps, alerts,
 * states) are never evicted and never refused — they may take the spool past the bound, which is logged.
 *
 * Not re-entrant: the caller runs one operation at a time (the InfluxDB store serialises all spool work).
 */
import { mkdir, open, readdir, readFile, rename, truncate, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';

export type SpoolClass = 'raw' | 'long';

/** Minutes of one session whose per-minute trend must be recomputed once the batch is in InfluxDB. */
export interface RollupRange {
  patient: string;
  session: string;
  fromNs: bigint;
  toNs: bigint;
}

export interface SpoolBatch {
  /** Retention policy the lines are written to. */
  rp: string;
  cls: SpoolClass;
  points: number;
  /** Newline-terminated lines (may be empty for a batch that only carries rollups). */
  body: string;
  rollups: RollupRange[];
}

export interface LineSpoolOptions {
  dir: string;
  maxBytes: number;
  /** A segment is closed and a new one started once it holds this many bytes. */
  segmentBytes: number;
  logger: Logger;
}

export interface AppendResult {
  /** false when the batch itself was dropped by the bound. */
  spooled: boolean;
  /** Points of older raw batches evicted to make room (plus the batch's own when it was dropped). */
  droppedPoints: number;
}

interface Segment {
  seq: number;
  cls: SpoolClass;
  path: string;
  /** Bytes and points not yet delivered. */
  bytes: number;
  points: number;
}

interface HeadCursor {
  seq: number;
  batches: Array<{ batch: SpoolBatch; bytes: number }>;
  next: number;
}

const HEADER_PREFIX = '# hipmon-spool v1 ';
const SEGMENT_NAME = /^(\d{12})\.(raw|long)\.lp$/;
const NAME_TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

function formatRollups(rollups: readonly RollupRange[]): string {
  if (rollups.length === 0) return '-';
  return rollups.map((r) => `${r.patient}/${r.session}/${r.fromNs}/${r.toNs}`).join(',');
}

function parseRollups(text: string): RollupRange[] | null {
  if (text === '-') return [];
  const out: RollupRange[] = [];
  for (const item of text.split(',')) {
    const [patient, session, from, to, ...rest] = item.split('/');
    if (rest.length > 0 || !NAME_TOKEN.test(patient ?? '') || !NAME_TOKEN.test(session ?? '')) return null;
    if (!/^\d+$/.test(from ?? '') || !/^\d+$/.test(to ?? '')) return null;
    out.push({ patient: patient!, session: session!, fromNs: BigInt(from!), toNs: BigInt(to!) });
  }
  return out;
}

export function formatHeader(batch: SpoolBatch, bodyBytes: number): string {
  return (
    `${HEADER_PREFIX}rp=${batch.rp} class=${batch.cls} points=${batch.points} bytes=${bodyBytes} ` +
    `rollups=${formatRollups(batch.rollups)}\n`
  );
}

interface ParsedHeader {
  rp: string;
  cls: SpoolClass;
  points: number;
  bytes: number;
  rollups: RollupRange[];
}

export function parseHeader(text: string): ParsedHeader | null {
  if (!text.startsWith(HEADER_PREFIX)) return null;
  const fields = new Map<string, string>();
  for (const part of text.slice(HEADER_PREFIX.length).split(' ')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const rp = fields.get('rp') ?? '';
  const cls = fields.get('class');
  const points = Number(fields.get('points'));
  const bytes = Number(fields.get('bytes'));
  const rollups = parseRollups(fields.get('rollups') ?? '');
  if (!NAME_TOKEN.test(rp) || (cls !== 'raw' && cls !== 'long') || rollups === null) return null;
  if (!Number.isSafeInteger(points) || points < 0 || !Number.isSafeInteger(bytes) || bytes < 0) return null;
  return { rp, cls, points, bytes, rollups };
}

/** The records of a segment's bytes; `validBytes` < buffer length when the tail is torn or unreadable. */
export function parseSegment(buffer: Buffer): {
  records: Array<{ batch: SpoolBatch; bytes: number }>;
  validBytes: number;
  tornPoints: number;
} {
  const records: Array<{ batch: SpoolBatch; bytes: number }> = [];
  let pos = 0;
  while (pos < buffer.length) {
    const nl = buffer.indexOf(0x0a, pos);
    const header = nl < 0 ? null : parseHeader(buffer.toString('utf8', pos, nl));
    if (header === null) break;
    const bodyEnd = nl + 1 + header.bytes;
    if (bodyEnd > buffer.length) return { records, validBytes: pos, tornPoints: header.points };
    const { rp, cls, points, rollups } = header;
    const body = buffer.toString('utf8', nl + 1, bodyEnd);
    records.push({ batch: { rp, cls, points, body, rollups }, bytes: bodyEnd - pos });
    pos = bodyEnd;
  }
  return { records, validBytes: pos, tornPoints: 0 };
}

const segmentName = (seq: number, cls: SpoolClass): string => `${String(seq).padStart(12, '0')}.${cls}.lp`;

async function fsyncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some filesystems cannot fsync a directory; the file's own fsync still happened.
  } finally {
    await handle?.close();
  }
}

export class LineSpool {
  private readonly segments: Segment[] = [];
  private readonly appending: Partial<Record<SpoolClass, Segment>> = {};
  private cursor: HeadCursor | undefined;
  private nextSeq = 1;
  private overBoundLogged = false;
  /** Points found in torn records (cut off) or unreadable segments (set aside) when the spool was opened. */
  lostAtOpen = 0;

  private constructor(private readonly options: LineSpoolOptions) {}

  static async open(options: LineSpoolOptions): Promise<LineSpool> {
    const spool = new LineSpool(options);
    await mkdir(options.dir, { recursive: true });
    await spool.load();
    return spool;
  }

  get bytes(): number {
    return this.segments.reduce((sum, s) => sum + s.bytes, 0);
  }

  get points(): number {
    return this.segments.reduce((sum, s) => sum + s.points, 0);
  }

  get isEmpty(): boolean {
    return this.segments.length === 0;
  }

  private async load(): Promise<void> {
    const names = (await readdir(this.options.dir)).filter((n) => SEGMENT_NAME.test(n)).sort();
    for (const name of names) {
      const [, seqText, cls] = SEGMENT_NAME.exec(name)!;
      const path = join(this.options.dir, name);
      const buffer = await readFile(path);
      const { records, validBytes, tornPoints } = parseSegment(buffer);
      this.nextSeq = Math.max(this.nextSeq, Number(seqText) + 1);
      if (validBytes < buffer.length) {
        this.lostAtOpen += tornPoints;
        if (records.length === 0 && tornPoints === 0) {
          // Not a torn tail but no spool data at all: keep it for a human rather than delete it.
          await rename(path, `${path}.unreadable`);
          this.options.logger.error({ path }, 'series spool: unreadable segment set aside');
          continue;
        }
        await truncate(path, validBytes);
        this.options.logger.warn({ path, tornPoints }, 'series spool: cut off a torn record (crash while appending)');
      }
      if (records.length === 0) {
        await unlink(path);
        continue;
      }
      this.segments.push({
        seq: Number(seqText),
        cls: cls as SpoolClass,
        path,
        bytes: validBytes,
        points: records.reduce((sum, r) => sum + r.batch.points, 0),
      });
    }
  }

  /** Appends a batch durably (fsync) unless the bound drops it; see the module comment for the policy. */
  async append(batch: SpoolBatch): Promise<AppendResult> {
    const bodyBytes = Buffer.byteLength(batch.body);
    const record = formatHeader(batch, bodyBytes) + batch.body;
    const size = Buffer.byteLength(record);
    let droppedPoints = 0;
    while (this.bytes + size > this.options.maxBytes) {
      const victim = this.segments.find((s) => s.cls === 'raw');
      if (!victim) break;
      droppedPoints += await this.evict(victim);
    }
    if (this.bytes + size > this.options.maxBytes) {
      if (batch.cls === 'raw') return { spooled: false, droppedPoints: droppedPoints + batch.points };
      if (!this.overBoundLogged) {
        this.overBoundLogged = true;
        this.options.logger.warn(
          { bytes: this.bytes + size, maxBytes: this.options.maxBytes },
          'series spool is past its bound with long-retention data, which is never dropped',
        );
      }
    }
    const segment = await this.segmentFor(batch.cls, size);
    const handle = await open(segment.path, 'a');
    try {
      await handle.write(record);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    segment.bytes += size;
    segment.points += batch.points;
    return { spooled: true, droppedPoints };
  }

  private async segmentFor(cls: SpoolClass, size: number): Promise<Segment> {
    const current = this.appending[cls];
    if (current && current.bytes > 0 && current.bytes + size > this.options.segmentBytes) delete this.appending[cls];
    const reuse = this.appending[cls];
    if (reuse) return reuse;
    const seq = this.nextSeq++;
    const path = join(this.options.dir, segmentName(seq, cls));
    const segment: Segment = { seq, cls, path, bytes: 0, points: 0 };
    await (await open(path, 'a')).close();
    await fsyncDir(this.options.dir);
    this.segments.push(segment);
    this.appending[cls] = segment;
    return segment;
  }

  /** Removes a whole segment; returns its undelivered points. */
  private async evict(segment: Segment): Promise<number> {
    await this.remove(segment);
    this.options.logger.warn(
      { segment: segment.path, points: segment.points },
      'series spool full: evicted the oldest raw IMU segment',
    );
    return segment.points;
  }

  private async remove(segment: Segment): Promise<void> {
    await unlink(segment.path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    this.segments.splice(this.segments.indexOf(segment), 1);
    if (this.appending[segment.cls] === segment) delete this.appending[segment.cls];
    if (this.cursor?.seq === segment.seq) this.cursor = undefined;
  }

  /** The oldest undelivered batch (its segment is closed for appends first), or undefined when empty. */
  async head(): Promise<SpoolBatch | undefined> {
    const segment = this.segments[0];
    if (!segment) return undefined;
    if (this.appending[segment.cls] === segment) delete this.appending[segment.cls];
    if (this.cursor?.seq !== segment.seq) {
      const { records } = parseSegment(await readFile(segment.path));
      this.cursor = { seq: segment.seq, batches: records, next: 0 };
    }
    const cursor = this.cursor!;
    if (cursor.next >= cursor.batches.length) {
      // Accounting said there was more than the file holds (cannot happen after load's repair): drop the segment.
      await this.remove(segment);
      return this.head();
    }
    return cursor.batches[cursor.next]!.batch;
  }

  /** The batch returned by head() is in InfluxDB: forget it (deleting its segment once all of it is delivered). */
  async ack(): Promise<void> {
    const segment = this.segments[0];
    const cursor = this.cursor;
    if (!segment || !cursor || cursor.seq !== segment.seq) throw new Error('series spool: ack() without head()');
    const { batch, bytes } = cursor.batches[cursor.next]!;
    cursor.next += 1;
    segment.bytes -= bytes;
    segment.points -= batch.points;
    if (cursor.next >= cursor.batches.length) await this.remove(segment);
  }
}
