import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SegmentOutbox } from './segment-outbox.js';
import type { OutboxMessage } from './segment-outbox.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'hipmon-outbox-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const msg = (i: number, size = 100): OutboxMessage => ({
  topic: `hipmon/v1/p1/s1/imu/pelvis`,
  payload: Buffer.alloc(size, i % 256),
  qos: 1,
  retain: i % 7 === 0,
});

function drainAll(box: SegmentOutbox, window = 13): OutboxMessage[] {
  const out: OutboxMessage[] = [];
  for (let batch = box.peek(window); batch.length > 0; batch = box.peek(window)) {
    out.push(...batch);
    box.ack(batch[batch.length - 1]!.next, batch.length);
  }
  return out;
}

describe('SegmentOutbox', () => {
  it('returns messages in order across segments and forgets acknowledged segments', () => {
    const dir = tempDir();
    const box = SegmentOutbox.open(dir, { segmentBytes: 4096, maxBytes: 1 << 20 });
    for (let i = 0; i < 200; i++) box.append(msg(i));
    expect(box.pending).toBe(200);
    expect(readdirSync(dir).filter((f) => f.endsWith('.log')).length).toBeGreaterThan(5);
    const got = drainAll(box);
    expect(got.map((m) => m.payload[0])).toEqual(Array.from({ length: 200 }, (_, i) => i % 256));
    expect(got.map((m) => m.retain)).toEqual(Array.from({ length: 200 }, (_, i) => i % 7 === 0));
    expect(got[0]!.topic).toBe('hipmon/v1/p1/s1/imu/pelvis');
    expect(box.pending).toBe(0);
    expect(readdirSync(dir).filter((f) => f.endsWith('.log')).length).toBe(1);
    box.close();
  });

  it('survives a restart: unacknowledged messages come back, acknowledged ones do not', () => {
    const dir = tempDir();
    const box = SegmentOutbox.open(dir, { segmentBytes: 4096, cursorIntervalMs: 0 });
    for (let i = 0; i < 50; i++) box.append(msg(i));
    const first = box.peek(20);
    box.ack(first[19]!.next, 20);
    box.close();
    const again = SegmentOutbox.open(dir, { segmentBytes: 4096 });
    expect(again.pending).toBe(30);
    for (let i = 50; i < 60; i++) again.append(msg(i));
    expect(drainAll(again).map((m) => m.payload[0])).toEqual(Array.from({ length: 40 }, (_, i) => i + 20));
    again.close();
  });

  it('cuts a record torn by a power cut and keeps everything before it', () => {
    const dir = tempDir();
    const box = SegmentOutbox.open(dir, { fsync: 'always' });
    for (let i = 0; i < 10; i++) box.append(msg(i));
    box.close();
    const segment = join(
      dir,
      readdirSync(dir).find((f) => f.endsWith('.log'))!,
    );
    appendFileSync(segment, Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 9, 9])); // header of a record that never finished
    const again = SegmentOutbox.open(dir);
    expect(again.pending).toBe(10);
    again.append(msg(10));
    expect(drainAll(again).map((m) => m.payload[0])).toEqual(Array.from({ length: 11 }, (_, i) => i));
    again.close();
  });

  it('stays within its bound by dropping the oldest segments, and counts what it dropped', () => {
    const dir = tempDir();
    const box = SegmentOutbox.open(dir, { segmentBytes: 10_000, maxBytes: 30_000 });
    const recordBytes = 8 + 3 + 'hipmon/v1/p1/s1/imu/pelvis'.length + 100;
    for (let i = 0; i < 1000; i++) box.append(msg(i));
    expect(box.diskBytes).toBeLessThanOrEqual(30_000);
    expect(box.droppedMessages + box.pending).toBe(1000);
    expect(box.pending).toBeGreaterThanOrEqual(Math.floor(20_000 / recordBytes));
    const got = drainAll(box);
    expect(got).toHaveLength(box.droppedMessages === 0 ? 1000 : 1000 - box.droppedMessages);
    // What remains is the most recent data, contiguous and in order.
    expect(got.map((m) => m.payload[0])).toEqual(
      Array.from({ length: got.length }, (_, i) => (1000 - got.length + i) % 256),
    );
    box.close();
  });
});
