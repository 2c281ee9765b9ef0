import type { NumArray } from '../math/quat.js';
import type { ImuSample } from '../wire/types.js';
import type { OrientationFilterTuning } from './options.js';
import { createOrientationFilter } from './orientationFilter.js';

/**
 * Nominal sample rate (Hz) of a timestamp series: the inverse of the median positive time step, which ignores
 * gaps (lost packets) and duplicated timestamps. NaN when fewer than two distinct timestamps exist.
 */
export function estimateSampleRate(times: Readonly<NumArray>): number {
  const steps: number[] = [];
  for (let i = 1; i < times.length; i++) {
    const dt = times[i]! - times[i - 1]!;
    if (dt > 0 && Number.isFinite(dt)) steps.push(dt);
  }
  if (steps.length === 0) return NaN;
  steps.sort((a, b) => a - b);
  const mid = steps.length >> 1;
  const median = steps.length % 2 === 1 ? steps[mid]! : (steps[mid - 1]! + steps[mid]!) / 2;
  return 1 / median;
}

export interface TimedFusionOptions extends Partial<OrientationFilterTuning> {
  /** Default: '9d' when every sample has a magnetometer reading, else '6d'. */
  mode?: '6d' | '9d';
  /** Default: estimateSampleRate of the timestamps. */
  sampleRate?: number;
}

export interface TimedFusionResult {
  /** w, x, y, z per input sample (sensor → ENU). */
  quaternions: Float64Array;
  mode: '6d' | '9d';
  sampleRate: number;
  /** Number of time steps longer than 1.5 nominal periods (gaps bridged by holding the angular rate). */
  gaps: number;
}

/**
 * Fuses one sensor's timestamped samples (sorted by t). The filter runs at the nominal rate; across gaps the
 * gyroscope is integrated over the actual time step (rate held), duplicated timestamps integrate nothing.
 * Throws RangeError when the rate cannot be determined or the timestamps go backwards.
 */
export function fuseTimedSamples(samples: readonly ImuSample[], options: TimedFusionOptions = {}): TimedFusionResult {
  const n = samples.length;
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) times[i] = samples[i]!.t;
  const sampleRate = options.sampleRate ?? estimateSampleRate(times);
  if (!(sampleRate > 0) || !Number.isFinite(sampleRate)) {
    throw new RangeError('cannot determine the sample rate: need at least two distinct timestamps');
  }
  const mode = options.mode ?? (n > 0 && samples.every((s) => s.mag !== undefined) ? '9d' : '6d');
  const filter = createOrientationFilter({ ...options, sampleRate, mode });
  const quaternions = new Float64Array(4 * n);
  const nominal = 1 / sampleRate;
  let gaps = 0;
  for (let i = 0; i < n; i++) {
    const s = samples[i]!;
    let dt = nominal;
    if (i > 0) {
      dt = s.t - samples[i - 1]!.t;
      if (dt < 0) throw new RangeError(`timestamps go backwards at sample ${i} (t=${s.t})`);
      if (dt > 1.5 * nominal) gaps++;
    }
    filter.update(s.gyr, s.acc, s.mag, dt);
    filter.quaternionInto(quaternions, 4 * i);
  }
  return { quaternions, mode, sampleRate, gaps };
}
