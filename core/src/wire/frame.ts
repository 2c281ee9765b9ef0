/** Helpers to move between frames (what travels) and timed samples (what the processing consumes). */
import type { ImuFrame, ImuSample, SensorRole } from './types.js';

/** The time of every sample of a frame, in seconds on the gateway clock. */
export function frameSampleTimes(frame: ImuFrame): number[] {
  const { timing } = frame;
  if (timing.kind === 'explicit') return timing.t.slice();
  return frame.samples.map((_, i) => timing.t0 + i * timing.period);
}

export function frameToSamples(frame: ImuFrame): ImuSample[] {
  const times = frameSampleTimes(frame);
  return frame.samples.map((reading, i) => {
    const sample: ImuSample = { t: times[i]!, gyr: reading.gyr, acc: reading.acc };
    if (reading.mag) sample.mag = reading.mag;
    return sample;
  });
}

export interface ImuFrameHeader {
  role: SensorRole;
  seq: number;
  sensorId?: string;
}

/** A frame with explicit timing built from timed samples (the natural shape of a gateway's batch). */
export function frameFromSamples(header: ImuFrameHeader, samples: readonly ImuSample[]): ImuFrame {
  const frame: ImuFrame = {
    role: header.role,
    seq: header.seq,
    timing: { kind: 'explicit', t: samples.map((s) => s.t) },
    samples: samples.map((s) => (s.mag ? { gyr: s.gyr, acc: s.acc, mag: s.mag } : { gyr: s.gyr, acc: s.acc })),
  };
  if (header.sensorId !== undefined) frame.sensorId = header.sensorId;
  return frame;
}
