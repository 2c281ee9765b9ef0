/**
 * `--record FILE`: the recording CSV contract (core/src/recording/csv.ts), one row per sample sorted by t. Each
 * sensor's stamps only go forward, so a row older than every sensor's latest sample is final and is written; rows
 * wait for the slowest sensor, at most `maxLagSeconds` behind the newest sample (a stalled or disconnected sensor
 * must not hold the file back for ever). A sample arriving behind rows already written is dropped and counted
 * (`late`): the file stays sorted.
 */
import { createWriteStream, openSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { formatRecordingCsvRow, recordingCsvHeader } from '@hipmon/core';
import type { ImuSample, RecordingSample, SensorRole } from '@hipmon/core';

export class RecordingWriter {
  private readonly out: WriteStream;
  private pending: RecordingSample[] = [];
  /** Latest sample time of each sensor. */
  private readonly latest = new Map<SensorRole, number>();
  /** Rows before this time have been written. */
  private writtenUpTo = -Infinity;
  private error: Error | undefined;
  rows = 0;
  /** Samples dropped because they came after later rows were written. */
  late = 0;
  /** 9D files only: samples of a sensor without a magnetometer, which the file's columns cannot hold. */
  withoutMag = 0;

  /** Creates (truncates) `file` at once, so an unwritable path fails here rather than later. */
  constructor(
    file: string,
    private readonly mag: boolean,
    private readonly maxLagSeconds = 10,
  ) {
    this.out = createWriteStream(file, { fd: openSync(file, 'w') });
    this.out.on('error', (err) => (this.error ??= err));
    this.out.write(`${recordingCsvHeader(mag)}\n`);
  }

  push(role: SensorRole, sample: ImuSample): void {
    if (this.mag && !sample.mag) {
      this.withoutMag++;
      return;
    }
    if (sample.t < this.writtenUpTo) {
      this.late++;
      return;
    }
    const { mag, ...imu } = sample;
    this.pending.push(this.mag ? { ...imu, mag: mag!, role } : { ...imu, role });
    this.latest.set(role, Math.max(this.latest.get(role) ?? -Infinity, sample.t));
    if (this.pending.length >= 256) {
      const times = [...this.latest.values()];
      this.flushBefore(Math.max(Math.min(...times), Math.max(...times) - this.maxLagSeconds));
    }
  }

  async close(): Promise<void> {
    this.flushBefore(Infinity);
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    if (this.error) throw this.error;
  }

  private flushBefore(t: number): void {
    const ready = this.pending.filter((s) => s.t < t).sort((a, b) => a.t - b.t);
    if (ready.length === 0) return;
    this.pending = this.pending.filter((s) => s.t >= t);
    this.out.write(ready.map((s) => `${formatRecordingCsvRow(s, this.mag)}\n`).join(''));
    this.rows += ready.length;
    this.writtenUpTo = ready[ready.length - 1]!.t;
  }
}
