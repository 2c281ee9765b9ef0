/**
 * `--record FILE`: the recording CSV contract (core/src/recording/csv.ts), one row per sample sorted by t. Sensors
 * deliver in bursts and each in its own order, so rows wait `lagSeconds` in a buffer and leave sorted.
 */
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { formatRecordingCsvRow, recordingCsvHeader } from '@hipmon/core';
import type { ImuSample, RecordingSample, SensorRole } from '@hipmon/core';

export class RecordingWriter {
  private readonly out: WriteStream;
  private pending: RecordingSample[] = [];
  private latest = -Infinity;
  rows = 0;

  constructor(
    file: string,
    private readonly mag: boolean,
    private readonly lagSeconds = 2,
  ) {
    this.out = createWriteStream(file);
    this.out.write(`${recordingCsvHeader(mag)}\n`);
  }

  push(role: SensorRole, sample: ImuSample): void {
    if (this.mag && !sample.mag) return; // the file's columns are fixed by its header
    this.pending.push({ ...sample, role });
    this.latest = Math.max(this.latest, sample.t);
    if (this.pending.length >= 256) this.flushBefore(this.latest - this.lagSeconds);
  }

  async close(): Promise<void> {
    this.flushBefore(Infinity);
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }

  private flushBefore(t: number): void {
    const ready = this.pending.filter((s) => s.t < t).sort((a, b) => a.t - b.t);
    if (ready.length === 0) return;
    this.pending = this.pending.filter((s) => s.t >= t);
    this.out.write(ready.map((s) => `${formatRecordingCsvRow(s, this.mag)}\n`).join(''));
    this.rows += ready.length;
  }
}
