/**
 * The semantic rules every IMU frame obeys, whichever form it travels in. Encoders run them so nothing invalid
 * leaves a producer; decoders run them so nothing invalid reaches the processing.
 */
import { WireError } from './errors.js';
import {
  FLOAT32_MAX,
  MAX_EXPLICIT_OFFSET_US,
  MAX_PERIOD_S,
  MAX_SAMPLES_PER_FRAME,
  MAX_SEQ,
  MAX_TIMESTAMP_S,
  MIN_PERIOD_S,
  SENSOR_ID_PATTERN,
  isSensorRole,
} from './types.js';
import type { ImuFrame } from './types.js';

function checkFinite(value: number, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new WireError('non_finite', `${what} is not a finite number`);
  }
}

/** A timestamp on the gateway clock: finite seconds in [0, 2^32). */
export function validateTimestamp(t: number, what: string): void {
  checkFinite(t, what);
  if (t < 0 || t >= MAX_TIMESTAMP_S) throw new WireError('bad_timing', `${what} ${t} s is outside [0, 2^32) s`);
}

function checkChannel(v: readonly number[], what: string): void {
  if (!Array.isArray(v) || v.length !== 3) throw new WireError('schema', `${what} must have 3 components`);
  for (let k = 0; k < 3; k++) {
    const x = v[k]!;
    checkFinite(x, `${what}[${k}]`);
    if (Math.abs(x) > FLOAT32_MAX) throw new WireError('out_of_range', `${what}[${k}] does not fit a float32`);
  }
}

/** Throws a WireError describing the first violated rule; returns normally for a valid frame. */
export function validateImuFrame(frame: ImuFrame): void {
  if (!isSensorRole(frame.role)) throw new WireError('bad_role', `unknown sensor role ${JSON.stringify(frame.role)}`);
  if (!Number.isInteger(frame.seq) || frame.seq < 0 || frame.seq > MAX_SEQ) {
    throw new WireError('bad_seq', `seq ${frame.seq} is not a uint32`);
  }
  if (frame.sensorId !== undefined && !(typeof frame.sensorId === 'string' && SENSOR_ID_PATTERN.test(frame.sensorId))) {
    throw new WireError('bad_sensor_id', 'sensorId must match [A-Za-z0-9_.:-]{1,64}');
  }
  const n = frame.samples.length;
  if (n > MAX_SAMPLES_PER_FRAME) {
    throw new WireError('too_many_samples', `${n} samples exceed the limit of ${MAX_SAMPLES_PER_FRAME}`);
  }

  const { timing } = frame;
  if (timing.kind === 'regular') {
    validateTimestamp(timing.t0, 't0');
    checkFinite(timing.period, 'period');
    if (!(timing.period >= MIN_PERIOD_S && timing.period <= MAX_PERIOD_S)) {
      throw new WireError('bad_timing', `period ${timing.period} s is outside [${MIN_PERIOD_S}, ${MAX_PERIOD_S}] s`);
    }
  } else if (timing.kind === 'explicit') {
    if (timing.t.length !== n) {
      throw new WireError('bad_timing', `${timing.t.length} timestamps for ${n} samples`);
    }
    for (let i = 0; i < n; i++) {
      const t = timing.t[i]!;
      validateTimestamp(t, `t[${i}]`);
      if (i > 0 && t < timing.t[i - 1]!) throw new WireError('bad_timing', `t[${i}] goes back in time`);
    }
    if (n > 0 && Math.round((timing.t[n - 1]! - timing.t[0]!) * 1e6) > MAX_EXPLICIT_OFFSET_US) {
      throw new WireError('bad_timing', 'explicit timestamps of one frame span more than 2^32 − 1 µs');
    }
  } else {
    throw new WireError('bad_timing', 'timing.kind must be "regular" or "explicit"');
  }

  const hasMag = n > 0 && frame.samples[0]!.mag !== undefined;
  for (let i = 0; i < n; i++) {
    const s = frame.samples[i]!;
    checkChannel(s.gyr, `samples[${i}].gyr`);
    checkChannel(s.acc, `samples[${i}].acc`);
    if ((s.mag !== undefined) !== hasMag) {
      throw new WireError('inconsistent_mag', 'mag must be present on every sample of a frame or on none');
    }
    if (s.mag !== undefined) checkChannel(s.mag, `samples[${i}].mag`);
  }
}
