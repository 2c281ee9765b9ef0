/**
 * The JSON form of an IMU frame, for third-party clients and hand testing (`mosquitto_pub -m '{…}'`).
 * Same information as the binary form, but values are float64 and explicit timestamps are not quantised.
 *
 *   regular:  {"role":"pelvis","seq":7,"t0":12.5,"period":0.01,"samples":[{"gyr":[…],"acc":[…]}, …]}
 *   explicit: {"role":"pelvis","seq":7,"samples":[{"t":12.5,"gyr":[…],"acc":[…],"mag":[…]}, …]}
 *
 * zod checks the shape (unknown keys are rejected so a typo like "perod" fails loudly); validateImuFrame then
 * applies the same rules as the binary codec, so both forms reject the same frames with the same codes.
 */
import { z } from 'zod';
import { WireError } from './errors.js';
import { validateJsonValue, parseJsonPayload } from './json-text.js';
import type { FrameTiming, ImuFrame, ImuReading, SensorRole } from './types.js';
import { validateImuFrame } from './validate.js';

const vec3Json = z.tuple([z.number(), z.number(), z.number()]);

const imuSampleJsonSchema = z.strictObject({
  t: z.number().optional(),
  gyr: vec3Json,
  acc: vec3Json,
  mag: vec3Json.optional(),
});

export const imuFrameJsonSchema = z.strictObject({
  role: z.string(),
  seq: z.number(),
  sensorId: z.string().optional(),
  t0: z.number().optional(),
  period: z.number().optional(),
  samples: z.array(imuSampleJsonSchema),
});

export type ImuFrameJson = z.output<typeof imuFrameJsonSchema>;
type ImuSampleJson = z.output<typeof imuSampleJsonSchema>;

export function imuFrameToJson(frame: ImuFrame): ImuFrameJson {
  validateImuFrame(frame);
  const { timing } = frame;
  const json: ImuFrameJson = { role: frame.role, seq: frame.seq, samples: [] };
  if (frame.sensorId !== undefined) json.sensorId = frame.sensorId;
  if (timing.kind === 'regular') {
    json.t0 = timing.t0;
    json.period = timing.period;
  }
  json.samples = frame.samples.map((s, i) => {
    const sample: ImuSampleJson =
      timing.kind === 'explicit' ? { t: timing.t[i]!, gyr: s.gyr, acc: s.acc } : { gyr: s.gyr, acc: s.acc };
    if (s.mag !== undefined) sample.mag = s.mag;
    return sample;
  });
  return json;
}

export function imuFrameFromJson(value: unknown): ImuFrame {
  const json = validateJsonValue(imuFrameJsonSchema, value);
  const regular = json.t0 !== undefined || json.period !== undefined;
  const timed = json.samples.filter((s) => s.t !== undefined).length;
  let timing: FrameTiming;
  if (regular) {
    if (json.t0 === undefined || json.period === undefined) {
      throw new WireError('schema', 'regular timing needs both t0 and period');
    }
    if (timed > 0) throw new WireError('schema', 'samples carry "t" although t0/period are given: pick one timing');
    timing = { kind: 'regular', t0: json.t0, period: json.period };
  } else {
    if (timed !== json.samples.length) {
      throw new WireError('schema', 'every sample needs "t" unless the frame gives t0 and period');
    }
    timing = { kind: 'explicit', t: json.samples.map((s) => s.t!) };
  }
  const frame: ImuFrame = {
    // The role is checked by validateImuFrame below, with the same error code as in the binary form.
    role: json.role as SensorRole,
    seq: json.seq,
    timing,
    samples: json.samples.map((s): ImuReading =>
      s.mag ? { gyr: s.gyr, acc: s.acc, mag: s.mag } : { gyr: s.gyr, acc: s.acc },
    ),
  };
  if (json.sensorId !== undefined) frame.sensorId = json.sensorId;
  validateImuFrame(frame);
  return frame;
}

export const encodeImuFrameJson = (frame: ImuFrame): string => JSON.stringify(imuFrameToJson(frame));

/** Decodes UTF-8 bytes or a string; throws WireError (bad_json, schema, non_finite, bad_role, …) and nothing else. */
export const decodeImuFrameJson = (input: string | Uint8Array): ImuFrame => imuFrameFromJson(parseJsonPayload(input));
