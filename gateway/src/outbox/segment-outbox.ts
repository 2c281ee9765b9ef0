/**
 * The gateway's store-and-forward outbox: an append-only log of MQTT messages in segment files, so frames measured
 * while the broker is unreachable survive gateway restarts and power loss and are sent later, in order.
 *
 * Files (in `dir`): `seg-<n>.log` (n = 12-digit sequence) holding records `u32 length | u32 crc32 | body`, body =
 * `u8 flags (bit0 retain, bits1-2 qos) | u16 topic length | topic UTF-8 | payload`; and `cursor.json`, the first
 * record not yet acknowledged by the broker (segment + byte offset), replaced atomically (write, fsync, rename).
 *
 * Durability (fsync policy): `always` fsyncs every append (nothing acknowledged to the caller is lost);
 * `interval` (default) fsyncs the open segment at most every `fsyncIntervalMs` (default 1000 ms), so a power cut
 * loses at most that much of the most recent data; `never` leaves it to the OS. On open, a torn or corrupt tail
 * (crc mismatch, short record) is cut off. The cursor is written after acknowledgements at most every
 * `cursorIntervalMs`, so after a crash up to that much already-delivered data is sent again: delivery is
 * at-least-once across crashes (receivers drop duplicates by (role, seq)), exactly-once otherwise.
 *
 * Bound: at most `maxBytes` on disk (default 512 MiB ≈ 30 h of two 100 Hz sensors). When an append would exceed it,
 * whole oldest segments are deleted, including unsent ones: recent data matters more to a live therapy session,
 * and the loss is counted (`droppedMessages`) and reported in the gateway status.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  ftruncateSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

export interface OutboxMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
}

export interface OutboxEntry extends OutboxMessage {
  /** Position just after this record: pass it to `ack` once the broker has it. */
  next: OutboxPosition;
}

export interface OutboxPosition {
  segment: number;
  offset: number;
}

export type FsyncPolicy = 'always' | 'interval' | 'never';

export interface OutboxOptions {
  segmentBytes?: number;
  maxBytes?: number;
  fsync?: FsyncPolicy;
  fsyncIntervalMs?: number;
  cursorIntervalMs?: number;
  /** Clock for the interval policies, ms (tests). */
  nowMs?: () => number;
}

const HEADER = 8;
const segName = (n: number): string => `seg-${String(n).padStart(12, '0')}.log`;

interface Segment {
  n: number;
  bytes: number;
}

export class SegmentOutbox {
  private readonly segments: Segment[] = [];
  private fd: number | undefined;
  private cursor: OutboxPosition;
  private lastFsync = 0;
  private lastCursorWrite = 0;
  private dirtyCursor = false;
  private readonly segmentBytes: number;
  private readonly maxBytes: number;
  private readonly nowMs: () => number;
  private pendingCount = 0;
  droppedMessages = 0;

  private constructor(
    readonly dir: string,
    private readonly options: OutboxOptions,
  ) {
    this.segmentBytes = options.segmentBytes ?? 4 * 1024 * 1024;
    this.maxBytes = options.maxBytes ?? 512 * 1024 * 1024;
    this.nowMs = options.nowMs ?? Date.now;
    if (this.maxBytes < 2 * this.segmentBytes) throw new RangeError('maxBytes must hold at least two segments');
    this.cursor = { segment: 0, offset: 0 };
  }

  static open(dir: string, options: OutboxOptions = {}): SegmentOutbox {
    mkdirSync(dir, { recursive: true });
    const box = new SegmentOutbox(dir, options);
    box.recover();
    return box;
  }

  /** Messages not yet acknowledged. */
  get pending(): number {
    return this.pendingCount;
  }

  get diskBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.bytes, 0);
  }

  append(message: OutboxMessage): void {
    const topic = Buffer.from(message.topic, 'utf8');
    const body = Buffer.alloc(3 + topic.length + message.payload.length);
    body.writeUInt8((message.retain ? 1 : 0) | (message.qos << 1), 0);
    body.writeUInt16LE(topic.length, 1);
    topic.copy(body, 3);
    message.payload.copy(body, 3 + topic.length);
    const record = Buffer.alloc(HEADER + body.length);
    record.writeUInt32LE(body.length, 0);
    record.writeUInt32LE(crc32(body), 4);
    body.copy(record, HEADER);

    let active = this.segments[this.segments.length - 1];
    if (!active || (active.bytes > 0 && active.bytes + record.length > this.segmentBytes)) active = this.roll();
    this.enforceBound(record.length);
    writeSync(this.fd!, record, 0, record.length, active.bytes);
    active.bytes += record.length;
    this.pendingCount++;
    const policy = this.options.fsync ?? 'interval';
    const now = this.nowMs();
    if (
      policy === 'always' ||
      (policy === 'interval' && now - this.lastFsync >= (this.options.fsyncIntervalMs ?? 1000))
    ) {
      fsyncSync(this.fd!);
      this.lastFsync = now;
    }
  }

  /** Up to `max` unacknowledged messages from the cursor, in order. */
  peek(max: number): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    const segment = this.cursor.segment;
    let offset = this.cursor.offset;
    for (const seg of this.segments) {
      if (seg.n < segment) continue;
      if (seg.n > segment) offset = 0;
      if (offset >= seg.bytes) continue;
      // Read at most what `max` records can need, in 256 KiB steps.
      const buf = this.readSegment(seg.n, offset, Math.min(seg.bytes, offset + Math.max(256 * 1024, max * 2048)));
      let o = 0;
      while (o + HEADER <= buf.length && o + HEADER + buf.readUInt32LE(o) <= buf.length && out.length < max) {
        const len = buf.readUInt32LE(o);
        const body = buf.subarray(o + HEADER, o + HEADER + len);
        o += HEADER + len;
        out.push({ ...decodeBody(body), next: { segment: seg.n, offset: offset + o } });
      }
      if (out.length >= max || o < seg.bytes - offset) break;
    }
    return out;
  }

  /** Marks everything before `position` as delivered. */
  ack(position: OutboxPosition, count: number): void {
    this.cursor = position;
    this.pendingCount = Math.max(0, this.pendingCount - count);
    // Segments wholly before the cursor are done.
    while (this.segments.length > 1 && this.segments[0]!.n < position.segment) this.deleteOldest();
    this.dirtyCursor = true;
    if (this.nowMs() - this.lastCursorWrite >= (this.options.cursorIntervalMs ?? 1000)) this.writeCursor();
  }

  /** Flushes data and cursor to disk (graceful shutdown). */
  close(): void {
    if (this.fd !== undefined) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = undefined;
    }
    if (this.dirtyCursor) this.writeCursor();
  }

  private recover(): void {
    const names = readdirSync(this.dir)
      .filter((f) => /^seg-\d{12}\.log$/.test(f))
      .sort();
    for (const name of names)
      this.segments.push({ n: Number(name.slice(4, 16)), bytes: statSync(join(this.dir, name)).size });
    const cursorFile = join(this.dir, 'cursor.json');
    if (existsSync(cursorFile)) {
      try {
        const c = JSON.parse(readFileSync(cursorFile, 'utf8')) as OutboxPosition;
        if (Number.isInteger(c.segment) && Number.isInteger(c.offset)) this.cursor = c;
      } catch {
        // A cursor torn by a crash: resend from the oldest segment (duplicates are dropped downstream).
      }
    }
    // Validate every segment; cut at the first torn record (only the last one can be torn, but be safe).
    for (const seg of this.segments) {
      const buf = this.readSegment(seg.n, 0, seg.bytes);
      let o = 0;
      let count = 0;
      while (o + HEADER <= buf.length) {
        const len = buf.readUInt32LE(o);
        if (
          o + HEADER + len > buf.length ||
          crc32(buf.subarray(o + HEADER, o + HEADER + len)) !== buf.readUInt32LE(o + 4)
        )
          break;
        o += HEADER + len;
        if (seg.n > this.cursor.segment || (seg.n === this.cursor.segment && o > this.cursor.offset)) count++;
      }
      if (o < seg.bytes) {
        const fd = openSync(join(this.dir, segName(seg.n)), 'r+');
        ftruncateSync(fd, o);
        fsyncSync(fd);
        closeSync(fd);
        seg.bytes = o;
      }
      this.pendingCount += count;
    }
    const first = this.segments[0];
    if (first && this.cursor.segment < first.n) this.cursor = { segment: first.n, offset: 0 };
    const last = this.segments[this.segments.length - 1];
    if (last) this.fd = openSync(join(this.dir, segName(last.n)), 'r+');
  }

  private roll(): Segment {
    if (this.fd !== undefined) {
      fsyncSync(this.fd);
      closeSync(this.fd);
    }
    const n = (this.segments[this.segments.length - 1]?.n ?? 0) + 1;
    this.fd = openSync(join(this.dir, segName(n)), 'w+');
    const seg = { n, bytes: 0 };
    this.segments.push(seg);
    return seg;
  }

  private enforceBound(incoming: number): void {
    while (this.diskBytes + incoming > this.maxBytes && this.segments.length > 1) {
      const oldest = this.segments[0]!;
      // Count the unsent messages that go with it.
      const from =
        oldest.n === this.cursor.segment ? this.cursor.offset : oldest.n > this.cursor.segment ? 0 : oldest.bytes;
      const lost = countRecords(this.readSegment(oldest.n, from, oldest.bytes));
      this.droppedMessages += lost;
      this.pendingCount -= lost;
      this.deleteOldest();
      if (this.cursor.segment <= oldest.n) this.cursor = { segment: this.segments[0]!.n, offset: 0 };
      this.dirtyCursor = true;
    }
  }

  private deleteOldest(): void {
    const oldest = this.segments.shift()!;
    unlinkSync(join(this.dir, segName(oldest.n)));
  }

  /** Bytes [from, to) of a segment, read from disk (only that range: segments grow to megabytes). */
  private readSegment(n: number, from: number, to: number): Buffer {
    const out = Buffer.alloc(Math.max(0, to - from));
    if (out.length === 0) return out;
    const fd = openSync(join(this.dir, segName(n)), 'r');
    try {
      readSync(fd, out, 0, out.length, from);
    } finally {
      closeSync(fd);
    }
    return out;
  }

  private writeCursor(): void {
    const file = join(this.dir, 'cursor.json');
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.cursor));
    const fd = openSync(tmp, 'r+');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, file);
    this.lastCursorWrite = this.nowMs();
    this.dirtyCursor = false;
  }
}

function decodeBody(body: Buffer): OutboxMessage {
  const flags = body.readUInt8(0);
  const topicLength = body.readUInt16LE(1);
  return {
    retain: (flags & 1) !== 0,
    qos: ((flags >> 1) & 3) as 0 | 1 | 2,
    topic: body.subarray(3, 3 + topicLength).toString('utf8'),
    payload: Buffer.from(body.subarray(3 + topicLength)),
  };
}

function countRecords(buf: Buffer): number {
  let n = 0;
  for (let o = 0; o + HEADER <= buf.length; o += HEADER + buf.readUInt32LE(o)) n++;
  return n;
}
