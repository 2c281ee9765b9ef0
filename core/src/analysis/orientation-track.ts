/**
 * One sensor's stream → orientation over time: sample-rate estimation, the orientation filter, gap bridging and a
 * short history of timed magnetometer-free orientations (see headingOffset) that can be read at any instant
 * in between (slerp).
 *
 * Timing: stamps carry jitter and sensors drop packets, so the filter integrates whole sample periods: the number
 * of periods between two stamps is rounded (1 normally, n + 1 after n lost samples), the period is the mean over
 * the stream so far (jitter averages out), and the gyroscope rate of the sample after a gap is integrated over the
 * gap. When no rate is given, a first estimate comes from the median interval of the first samples (they are held
 * back until then: a fraction of a second at the start of the calibration pose).
 *
 * A longer silence (radio drop-out, > maxBridgeS) cannot be bridged by integrating one rate sample over it: the
 * filter restarts instead (its inclination is right again from the first accelerometer sample; the gyroscope bias
 * estimate is carried over) and its new heading frame is turned onto the old one assuming the sensor's heading did
 * not change meanwhile. `restarts` counts them: the heading across a restart is a guess the consumer may want to
 * re-estimate.
 */
import { createOrientationFilter } from '../fusion/orientationFilter.js';
import type { OrientationFilter } from '../fusion/orientationFilter.js';
import type { OrientationFilterTuning } from '../fusion/options.js';
import { quatMultiplyF64Into, quatSlerpInto } from '../math/quat.js';
import type { NumArray } from '../math/quat.js';
import { StillnessDetector } from '../calibration/stillness.js';
import type { StillnessOptions } from '../calibration/stillness.js';

export interface OrientationTrackOptions {
  mode: '6d' | '9d';
  /** Sample rate (Hz); estimated from the stamps of the first samples when absent. */
  rate?: number;
  tuning?: Partial<OrientationFilterTuning>;
  stillness?: Partial<StillnessOptions>;
  /** Orientations kept for interpolation; enough for the other sensor to lag this many samples. Default 256. */
  historySize?: number;
  /** Longest silence (s) bridged by integrating over it; longer ones restart the filter. Default 0.25. */
  maxBridgeS?: number;
}

/** Samples held back to estimate the rate: 16 intervals make the median immune to a burst of lost samples. */
const RATE_PROBE_SAMPLES = 17;

export class OrientationTrack {
  readonly stillness: StillnessDetector;
  /** Samples fused so far. */
  fused = 0;
  /** Samples ignored because their stamp did not advance. */
  outOfOrder = 0;
  /** Sample periods lost in gaps. */
  lostSamples = 0;
  /** Longest gap seen (s). */
  longestGap = 0;
  /** Filter restarts after silences longer than maxBridgeS. */
  restarts = 0;
  private filter: OrientationFilter | null = null;
  private rate: number;
  private readonly options: OrientationTrackOptions;
  private lastT = -Infinity;
  /** First fused stamp and sample periods since: the running estimate of the true sample period. */
  private firstT = 0;
  private periods = 0;
  private readonly maxBridgeS: number;
  /** Rotation about the vertical applied to the filter's output: keeps one earth frame across restarts. */
  private readonly earthCorrection = new Float64Array([1, 0, 0, 0]);
  private realignAfterRestart = false;
  private readonly probe: { t: number; gyr: number[]; acc: number[]; mag: number[] | undefined; runStart: number }[] =
    [];
  // Ring buffer of (t, q).
  private readonly capacity: number;
  private readonly times: Float64Array;
  private readonly quats: Float64Array;
  /** Start of the still run each stored sample belongs to (NaN: moving). */
  private readonly runStarts: Float64Array;
  private head = 0; // index of the oldest entry
  private size = 0;

  constructor(options: OrientationTrackOptions) {
    this.options = options;
    this.rate = options.rate ?? NaN;
    if (options.rate !== undefined && !(options.rate > 0 && Number.isFinite(options.rate))) {
      throw new RangeError(`sample rate must be > 0 Hz, got ${options.rate}`);
    }
    this.stillness = new StillnessDetector(options.stillness);
    this.maxBridgeS = options.maxBridgeS ?? 0.25;
    this.capacity = Math.max(8, options.historySize ?? 256);
    this.times = new Float64Array(this.capacity);
    this.quats = new Float64Array(4 * this.capacity);
    this.runStarts = new Float64Array(this.capacity);
  }

  /** Sample rate (Hz): the mean over the stream so far once fusing, the first estimate before (NaN until known). */
  get sampleRate(): number {
    return this.periods > 0 ? this.periods / (this.lastT - this.firstT) : this.rate;
  }

  /** The orientation filter (null until the rate is known). */
  get orientationFilter(): OrientationFilter | null {
    return this.filter;
  }

  /** Stamp of the newest orientation (−Infinity before the first): latestTime as a field, read on every sample. */
  newestTime = -Infinity;
  /** Result of the latest findStillSince. */
  stillSince = Number.NaN;

  /** Stamp of the newest orientation (−Infinity before the first). */
  get latestTime(): number {
    return this.size === 0 ? -Infinity : this.times[(this.head + this.size - 1) % this.capacity]!;
  }

  /** Stamp of the oldest orientation still held (Infinity when empty). */
  get earliestTime(): number {
    return this.size === 0 ? Infinity : this.times[this.head]!;
  }

  /** Stamp of the newest sample received (fused or held back for the rate estimate). */
  get lastSampleTime(): number {
    return this.lastT;
  }

  /** Feeds one sample; returns false when it is ignored (stamp not after the previous one). */
  push(t: number, gyr: Readonly<NumArray>, acc: Readonly<NumArray>, mag?: Readonly<NumArray>): boolean {
    if (!(t > this.lastT)) {
      this.outOfOrder++;
      return false;
    }
    this.stillness.update(t, gyr, acc);
    const runStart = this.stillness.runStart;
    if (this.filter) {
      this.fuseRunStart = runStart;
      this.fuse(t, gyr, acc, mag);
      return true;
    }
    this.lastT = t;
    this.probe.push({
      t,
      gyr: [gyr[0]!, gyr[1]!, gyr[2]!],
      acc: [acc[0]!, acc[1]!, acc[2]!],
      mag: mag && [mag[0]!, mag[1]!, mag[2]!],
      runStart,
    });
    if (Number.isNaN(this.rate) && this.probe.length < RATE_PROBE_SAMPLES) return true;
    this.startFilter();
    return true;
  }

  /**
   * Starts fusing now even with fewer samples than the rate probe wants (end of a short recording).
   * Returns false when the rate cannot be estimated (fewer than two samples).
   */
  flushProbe(): boolean {
    if (this.filter) return true;
    if (Number.isNaN(this.rate) && this.probe.length < 2) return false;
    this.startFilter();
    return true;
  }

  private startFilter(): void {
    if (Number.isNaN(this.rate)) this.rate = 1 / medianInterval(this.probe.map((p) => p.t));
    this.filter = createOrientationFilter({ mode: this.options.mode, sampleRate: this.rate, ...this.options.tuning });
    const held = this.probe.splice(0);
    this.lastT = -Infinity;
    for (const s of held) {
      this.fuseRunStart = s.runStart;
      this.fuse(s.t, s.gyr, s.acc, s.mag);
    }
  }

  /** Still-run start of the sample being fused (a field, not an argument: doubles passed in calls are boxed). */
  private fuseRunStart = Number.NaN;

  private fuse(t: number, gyr: Readonly<NumArray>, acc: Readonly<NumArray>, mag: Readonly<NumArray> | undefined): void {
    if (this.lastT > -Infinity && t - this.lastT > this.maxBridgeS) this.restartFilter();
    const filter = this.filter!;
    let dt = 1 / this.rate;
    if (this.lastT > -Infinity) {
      const period = this.periods > 0 ? (this.lastT - this.firstT) / this.periods : 1 / this.rate;
      const periods = Math.max(1, Math.round((t - this.lastT) / period));
      this.periods += periods;
      // The mean period since the first sample: stamp jitter averages out, so the gyroscope integrates with the
      // sensor's true rate (a 1 % rate error is a 1 % scale error on every angle).
      dt = periods * ((t - this.firstT) / this.periods);
      if (periods > 1) {
        this.lostSamples += periods - 1;
        if (t - this.lastT > this.longestGap) this.longestGap = t - this.lastT;
      }
    } else {
      this.firstT = t;
    }
    filter.update(gyr, acc, mag, dt);
    this.lastT = t;
    this.fused++;
    const slot = this.size < this.capacity ? (this.head + this.size++) % this.capacity : this.advanceHead();
    this.times[slot] = t;
    this.runStarts[slot] = this.fuseRunStart;
    this.newestTime = t;
    const o = 4 * slot;
    // Stored magnetometer-free in both modes (see headingOffset).
    filter.quaternion6dInto(this.quats, o);
    if (this.realignAfterRestart) this.realign(o);
    if (this.restarts > 0) {
      const c = this.scratch;
      for (let k = 0; k < 4; k++) c[k] = this.quats[o + k]!;
      quatMultiplyF64Into(c, this.earthCorrection, c);
      for (let k = 0; k < 4; k++) this.quats[o + k] = c[k]!;
    }
  }

  /** A fresh filter with the old one's gyroscope bias; the next stored orientation realigns the heading frames. */
  private restartFilter(): void {
    const old = this.filter!;
    const bias = old.gyroBias();
    this.filter = createOrientationFilter({ mode: this.options.mode, sampleRate: this.rate, ...this.options.tuning });
    this.filter.setGyroBias(bias, old.gyroBiasSigma());
    this.restarts++;
    this.realignAfterRestart = true;
  }

  /**
   * earthCorrection ← the rotation about the vertical that gives the new filter's orientation (raw, at quats[o]) the
   * heading of the last orientation stored before the restart: measured on the sensor axis that was most horizontal.
   */
  private realign(o: number): void {
    this.realignAfterRestart = false;
    const last = (this.head + this.size - 2 + this.capacity) % this.capacity; // the entry before this one
    const q = this.quats;
    let best = 0,
      bestVertical = Infinity;
    for (let axis = 0; axis < 3; axis++) {
      const vertical = Math.abs(axisInEarth(q, 4 * last, axis)[2]);
      if (vertical < bestVertical) {
        bestVertical = vertical;
        best = axis;
      }
    }
    const before = axisInEarth(q, 4 * last, best);
    const after = axisInEarth(q, o, best);
    const psi = Math.atan2(before[1], before[0]) - Math.atan2(after[1], after[0]);
    this.earthCorrection[0] = Math.cos(psi / 2);
    this.earthCorrection[1] = this.earthCorrection[2] = 0;
    this.earthCorrection[3] = Math.sin(psi / 2);
  }

  /**
   * 9D: heading (rad) of the filter's magnetometer-free earth frame relative to magnetic ENU (0 in 6D).
   *
   * The stored orientations are magnetometer-free (6D) in both modes: the filter's q6d = Rz(−δ) ⊗ q9d. Hard-iron
   * residuals of consumer sensors tilt each magnetometer heading by several degrees, differently for every sensor
   * orientation, which is worse for a joint angle than the gyroscope's slow drift; in 9D the magnetometers still
   * provide the relative heading of the two filters at calibration (this offset).
   */
  get headingOffset(): number {
    return this.filter && this.options.mode === '9d' ? this.filter.headingOffset() : 0;
  }

  /** Full ring: the oldest entry makes room; returns its slot. */
  private advanceHead(): number {
    const slot = this.head;
    this.head = (this.head + 1) % this.capacity;
    return slot;
  }

  /**
   * Orientation at time t (sensor → earth) into out[offset..offset+3]: slerp between the two stored orientations
   * around t; the oldest/newest one outside the stored span (held). Returns false when nothing is stored.
   */
  orientationAt(t: number, out: NumArray, offset = 0): boolean {
    if (this.size === 0) return false;
    const cap = this.capacity;
    // Newest first: readers ask for times close to the newest sample.
    let i = this.size - 1;
    while (i > 0 && this.times[(this.head + i) % cap]! > t) i--;
    const a = (this.head + i) % cap;
    const ta = this.times[a]!;
    if (i === this.size - 1 || ta >= t) {
      for (let k = 0; k < 4; k++) out[offset + k] = this.quats[4 * a + k]!;
      return true;
    }
    const b = (a + 1) % cap;
    const tb = this.times[b]!;
    const u = (t - ta) / (tb - ta);
    if (offset === 0) {
      quatSlerpInto(out, this.quats, this.quats, u, 4 * a, 4 * b);
    } else {
      // quatSlerpInto writes at 0..3; go through the scratch slot.
      quatSlerpInto(this.scratch, this.quats, this.quats, u, 4 * a, 4 * b);
      for (let k = 0; k < 4; k++) out[offset + k] = this.scratch[k]!;
    }
    return true;
  }

  private readonly scratch = new Float64Array(4);

  /**
   * Start of the still run (see StillnessDetector) the sensor was in at time t — read from the stored samples, so
   * the answer does not depend on how far this sensor's stream is ahead of the other's. NaN: moving (or unknown).
   */
  stillSinceAt(t: number): number {
    this.findStillSince(t);
    return this.stillSince;
  }

  /** stillSinceAt(t) into the field stillSince (no boxed return on the per-frame path). */
  findStillSince(t: number): void {
    if (this.size === 0) {
      this.stillSince = NaN;
      return;
    }
    const cap = this.capacity;
    let i = this.size - 1;
    while (i > 0 && this.times[(this.head + i) % cap]! > t) i--;
    const slot = (this.head + i) % cap;
    this.stillSince = this.times[slot]! <= t ? this.runStarts[slot]! : NaN;
  }

  /** Forgets orientations no longer needed to interpolate at times ≥ t (keeps the last one at or before t). */
  discardBefore(t: number): void {
    const cap = this.capacity;
    while (this.size > 1 && this.times[(this.head + 1) % cap]! <= t) {
      this.head = (this.head + 1) % cap;
      this.size--;
    }
  }
}

/** Sensor axis `axis` (0: x, 1: y, 2: z) in earth for the quaternion at q[o..o+3]: a column of its matrix. */
function axisInEarth(q: Readonly<NumArray>, o: number, axis: number): [number, number, number] {
  const w = q[o]!,
    x = q[o + 1]!,
    y = q[o + 2]!,
    z = q[o + 3]!;
  if (axis === 0) return [1 - 2 * (y * y + z * z), 2 * (x * y + w * z), 2 * (x * z - w * y)];
  if (axis === 1) return [2 * (x * y - w * z), 1 - 2 * (x * x + z * z), 2 * (y * z + w * x)];
  return [2 * (x * z + w * y), 2 * (y * z - w * x), 1 - 2 * (x * x + y * y)];
}

function medianInterval(times: readonly number[]): number {
  const d: number[] = [];
  for (let i = 1; i < times.length; i++) d.push(times[i]! - times[i - 1]!);
  d.sort((a, b) => a - b);
  const m = d[Math.floor(d.length / 2)]!;
  if (!(m > 0)) throw new RangeError('cannot estimate the sample rate: stamps do not advance');
  return m;
}
