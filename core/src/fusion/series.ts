import type { NumArray } from '../math/quat.js';
import type { OrientationFilterOptions } from './options.js';
import { createOrientationFilter } from './orientationFilter.js';

/** A recording of one sensor as flat arrays, 3 numbers per sample (row-major). */
export interface ImuSeries {
  /** Angular rate (rad/s), 3·N values. */
  gyr: Readonly<NumArray>;
  /** Specific force (m/s²), 3·N values. */
  acc: Readonly<NumArray>;
  /** Magnetic field (any unit), 3·N values; used in 9D mode. */
  mag?: Readonly<NumArray> | null;
  /**
   * Optional time step (s) preceding each sample, N values: lets the gyroscope integration bridge gaps.
   * Entry 0 is ignored.
   */
  dt?: Readonly<NumArray> | null;
}

/** What the batch runner needs from a per-sample filter (the main filter and the Madgwick baseline). */
export interface SampleFilter {
  update(gyr: Readonly<NumArray>, acc: Readonly<NumArray>, mag?: Readonly<NumArray>, dt?: number): void;
  quaternionInto(out: NumArray, offset?: number): void;
}

/** Runs `filter` over a whole series; returns the quaternion after each sample (w, x, y, z; 4·N values). */
export function runFilter(filter: SampleFilter, series: ImuSeries): Float64Array {
  const n = Math.floor(series.gyr.length / 3);
  if (series.acc.length < 3 * n) throw new RangeError('acc must hold 3 values per gyr sample');
  if (series.mag && series.mag.length < 3 * n) throw new RangeError('mag must hold 3 values per gyr sample');
  const out = new Float64Array(4 * n);
  const g = new Float64Array(3),
    a = new Float64Array(3),
    m = new Float64Array(3);
  const { gyr, acc, mag, dt } = series;
  for (let i = 0; i < n; i++) {
    const o = 3 * i;
    g[0] = gyr[o]!;
    g[1] = gyr[o + 1]!;
    g[2] = gyr[o + 2]!;
    a[0] = acc[o]!;
    a[1] = acc[o + 1]!;
    a[2] = acc[o + 2]!;
    if (mag) {
      m[0] = mag[o]!;
      m[1] = mag[o + 1]!;
      m[2] = mag[o + 2]!;
    }
    filter.update(g, a, mag ? m : undefined, dt && i > 0 ? dt[i] : undefined);
    filter.quaternionInto(out, 4 * i);
  }
  return out;
}

/** Batch helper: fuses a whole series with a fresh orientation filter (causal, same code as live). */
export function fuseSeries(samples: ImuSeries, options: OrientationFilterOptions): Float64Array {
  return runFilter(createOrientationFilter(options), samples);
}
