/**
 * Timed samples of the session's sensors → frames (FrameBatcher) → the disk outbox → the broker (forwarder). Every
 * frame goes through the outbox, connected or not, so a broker outage changes nothing upstream: the outbox grows
 * and drains in order when the link returns.
 */
import { encodeImuFrame, imuTopic, TOPIC_QOS } from '@hipmon/core';
import type { ImuFrame, ImuSample, SensorRole } from '@hipmon/core';
import { FrameBatcher } from '../frames/frame-batcher.js';
import type { FrameBatcherOptions } from '../frames/frame-batcher.js';
import type { OutboxForwarder } from '../outbox/forwarder.js';
import type { SegmentOutbox } from '../outbox/segment-outbox.js';

export interface SamplePublisherOptions extends FrameBatcherOptions {
  patientId: string;
  sessionId: string;
  outbox: SegmentOutbox;
  forwarder?: OutboxForwarder;
  onFrame?: (frame: ImuFrame) => void;
}

export class SamplePublisher {
  private readonly batcher: FrameBatcher;
  private outbox: SegmentOutbox;
  private forwarder: OutboxForwarder | undefined;

  constructor(private readonly options: SamplePublisherOptions) {
    this.batcher = new FrameBatcher(options);
    this.outbox = options.outbox;
    this.forwarder = options.forwarder;
  }

  /** Switches to another outbox/forwarder (the outbox reopened after a restart of the gateway's I/O). */
  attach(outbox: SegmentOutbox, forwarder?: OutboxForwarder): void {
    this.outbox = outbox;
    this.forwarder = forwarder;
  }

  push(role: SensorRole, sample: ImuSample): void {
    this.store(this.batcher.push(role, sample));
  }

  /** Sends the partial frames (end of a session). */
  flush(): void {
    this.store(this.batcher.flush());
  }

  /** The seq the next frame of `role` will carry (persist it to continue numbering after a restart). */
  nextSeq(role: SensorRole): number {
    return this.batcher.peekSeq(role);
  }

  private store(frames: ImuFrame[]): void {
    if (frames.length === 0) return;
    for (const frame of frames) {
      this.outbox.append({
        topic: imuTopic(this.options.patientId, this.options.sessionId, frame.role),
        payload: Buffer.from(encodeImuFrame(frame)),
        qos: TOPIC_QOS.imu,
        retain: false,
      });
      this.options.onFrame?.(frame);
    }
    this.forwarder?.kick();
  }
}
