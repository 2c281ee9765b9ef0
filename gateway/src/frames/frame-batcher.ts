/**
 * Cuts each sensor's sample stream into frames (the unit published over MQTT) and numbers them. Pure: the caller
 * decides when time passes (`flush`), so the same batcher serves BLE, the simulator and tests.
 */
import { frameFromSamples, seqNext } from '@hipmon/core';
import type { ImuFrame, ImuSample, SensorRole } from '@hipmon/core';

export interface FrameBatcherOptions {
  /** Samples per frame: 10 at 100 Hz = one frame per sensor every 0.1 s (latency vs. per-message overhead). */
  samplesPerFrame?: number;
  /** Where each sensor's sequence numbers start (a restarted gateway continues from its outbox's last seq). */
  firstSeq?: Partial<Record<SensorRole, number>>;
  sensorIds?: Partial<Record<SensorRole, string>>;
}

export class FrameBatcher {
  private readonly samplesPerFrame: number;
  private readonly pending = new Map<SensorRole, ImuSample[]>();
  private readonly nextSeq = new Map<SensorRole, number>();

  constructor(private readonly options: FrameBatcherOptions = {}) {
    this.samplesPerFrame = options.samplesPerFrame ?? 10;
    if (!Number.isInteger(this.samplesPerFrame) || this.samplesPerFrame < 1) {
      throw new RangeError(`samplesPerFrame must be a positive integer, got ${this.samplesPerFrame}`);
    }
  }

  /** Adds one sample; returns the frames it completed (none, or one; two when the mag columns changed). */
  push(role: SensorRole, sample: ImuSample): ImuFrame[] {
    const batch = this.pending.get(role) ?? [];
    const out: ImuFrame[] = [];
    // A frame carries mag on every sample or on none.
    if (batch.length > 0 && Boolean(batch[0]!.mag) !== Boolean(sample.mag)) out.push(this.take(role, batch));
    const current = this.pending.get(role) ?? [];
    current.push(sample);
    this.pending.set(role, current);
    if (current.length >= this.samplesPerFrame) out.push(this.take(role, current));
    return out;
  }

  /** Frames of every partial batch (end of a session, or a time limit reached), in role order. */
  flush(): ImuFrame[] {
    const out: ImuFrame[] = [];
    for (const [role, batch] of this.pending) if (batch.length > 0) out.push(this.take(role, batch));
    return out;
  }

  /** The seq the next frame of `role` will carry. */
  peekSeq(role: SensorRole): number {
    return this.nextSeq.get(role) ?? this.options.firstSeq?.[role] ?? 0;
  }

  private take(role: SensorRole, batch: ImuSample[]): ImuFrame {
    const seq = this.peekSeq(role);
    this.nextSeq.set(role, seqNext(seq));
    this.pending.set(role, []);
    const sensorId = this.options.sensorIds?.[role];
    return frameFromSamples(sensorId === undefined ? { role, seq } : { role, seq, sensorId }, batch);
  }
}
