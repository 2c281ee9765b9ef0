/**
 * One sensor's stream → orientation over time: sample-rate estimation, the orientation filter, gap bridging and a
 * short history of timed magnetometer-free orientations (see headingOffset) that can be read at any instant
 * in between (slerp).
 *
 * Timing: stamps carry jitter and sensors drop packets, so the filter integrates whole sample periods: the number
 * of periods between two stamps is rounded (1 normally, n + 1 after n lost samples), the period is the mean over
 * the stream so far (jitter averages out), and across a gap the filter integrates the mean of the rates on either
 * side of it (exercise movements are smooth: the rate changes about linearly over a fraction of a second, and the
 * rate after the gap alone would over- or under-shoot by half the change). When no rate is given, a first estimate
 * comes from the median interval of the first samples (they are held back until then: a fraction of a second at
 * the start of the calibration pose).
 *
 * A longer silence (radio drop-out, > maxBridgeS) is not bridged inside the filter, whose inclination would carry
 * the bridge's error for seconds: the filter restarts instead (its inclination is right again from the first
 * accelerometer sample; the gyroscope bias estimate is carried over) and its new heading frame is turned onto the
 * heading the sensor had by the same mean-rate bridge — or, after more than MAX_HEADING_BRIDGE_S, onto its heading
 * before the silence (the rates on either side say nothing about what happened in between). `restarts` counts
 * them: the heading across a restart is a guess the consumer may want to re-estimate.
 */
import { createOrientationFilter } from '../fusion/orientationFilter.js';
import type { OrientationFilter } from '../fusion/orientationFilter.js';
import type { OrientationFilterTuning } from '../fusion/options.js';
import { quatFromRotationVector, quatMultiplyF64Into, quatMultiplyInto, quatSlerpAtInto } from '../math/quat.js';
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

/**
 * Longest silence (s) across which the heading is carried by the mean-rate bridge at a filter restart: a rep's
 * rate is smooth over a radio drop-out of a fraction of a second, not over whole seconds.
 */
const MAX_HEADING_BRIDGE_S = 1;

/**
 * SD (degrees) of the heading carried across a restart: by the bridge, growing with the silence (the rate's
 * departure from linear over it) from a floor for the realignment itself; without it, a sensor turned by hand.
 */
const bridgedHeadingSigmaDeg = (silenceS: number): number => Math.max(2, 8 * silenceS);
const UNBRIDGED_HEADING_SIGMA_DEG = 10;

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
  /** Variance (degrees²) of the heading carried across the restarts since takeRestartHeadingVariance. */
  private restartHeadingVariance = 0;
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
  /** Orientation (sensor → earth, stored frame) the new filter's heading is turned onto after a restart. */
  private readonly headingReference = new Float64Array(4);
  /** Gyroscope rate of the last fused sample, and the mean rate integrated across a gap. */
  private readonly lastGyr = new Float64Array(3);
  private readonly bridgeGyr = new Float64Array(3);
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
    this.sampleTime = t;
    return this.pushAtSampleTime(gyr, acc, mag);
  }

  /**
   * Stamp (s) of the sample pushAtSampleTime feeds. Per-sample code sets this field instead of passing the stamp:
   * V8 allocates every double passed to a call it does not inline, and the per-sample calls are too large for it.
   */
  sampleTime = 0;

  /** push(sampleTime, gyr, acc, mag). */
  pushAtSampleTime(gyr: Readonly<NumArray>, acc: Readonly<NumArray>, mag?: Readonly<NumArray>): boolean {
    const t = this.sampleTime;
    if (!(t > this.lastT)) {
      this.outOfOrder++;
      return false;
    }
    this.stillness.sampleTime = t;
    this.stillness.updateAtSampleTime(gyr, acc);
    const runStart = this.stillness.runStart;
    if (this.filter) {
      this.fuseRunStart = runStart;
      this.fuse(gyr, acc, mag);
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
      this.sampleTime = s.t;
      this.fuse(s.gyr, s.acc, s.mag);
    }
  }

  /** Still-run start of the sample being fused (a field, not an argument: doubles passed in calls are boxed). */
  private fuseRunStart = Number.NaN;

  /** Fuses the sample stamped sampleTime. */
  private fuse(gyr: Readonly<NumArray>, acc: Readonly<NumArray>, mag: Readonly<NumArray> | undefined): void {
    const t = this.sampleTime;
    if (this.lastT > -Infinity && t - this.lastT > this.maxBridgeS) this.restartFilter(t, gyr);
    const filter = this.filter!;
    let rate: Readonly<NumArray> = gyr;
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
        if (!this.realignAfterRestart) {
          this.meanRateInto(this.bridgeGyr, gyr);
          rate = this.bridgeGyr;
        }
      }
    } else {
      this.firstT = t;
    }
    filter.stepPeriod = dt;
    filter.update(rate, acc, mag);
    this.lastGyr[0] = gyr[0]!;
    this.lastGyr[1] = gyr[1]!;
    this.lastGyr[2] = gyr[2]!;
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

  /** Variance (degrees²) of the headings carried across the restarts since the last call; resets it. */
  takeRestartHeadingVariance(): number {
    const v = this.restartHeadingVariance;
    this.restartHeadingVariance = 0;
    return v;
  }

  /** out ← mean of the last fused rate and `gyr`: the rate integrated across a gap. */
  private meanRateInto(out: Float64Array, gyr: Readonly<NumArray>): void {
    for (let k = 0; k < 3; k++) out[k] = 0.5 * (this.lastGyr[k]! + gyr[k]!);
  }

  /**
   * A fresh filter with the old one's gyroscope bias; the next stored orientation realigns the heading frames onto
   * headingReference: the last stored orientation, turned by the mean-rate bridge up to `t` when the silence is
   * short enough for it (gyr: the rate of the first sample after the silence).
   */
  private restartFilter(t: number, gyr: Readonly<NumArray>): void {
    const old = this.filter!;
    const bias = old.gyroBias();
    const last = (this.head + this.size - 1) % this.capacity;
    const ref = this.headingReference;
    for (let k = 0; k < 4; k++) ref[k] = this.quats[4 * last + k]!;
    const silence = t - this.lastT;
    const bridged = silence <= MAX_HEADING_BRIDGE_S;
    this.restartHeadingVariance += (bridged ? bridgedHeadingSigmaDeg(silence) : UNBRIDGED_HEADING_SIGMA_DEG) ** 2;
    if (bridged) {
      this.meanRateInto(this.bridgeGyr, gyr);
      const v = this.bridgeGyr;
      for (let k = 0; k < 3; k++) v[k] = (v[k]! - bias[k]!) * silence;
      const step = quatFromRotationVector(v);
      const turned = this.scratch;
      quatMultiplyInto(turned, ref, step);
      ref.set(turned);
    }
    this.filter = createOrientationFilter({ mode: this.options.mode, sampleRate: this.rate, ...this.options.tuning });
    this.filter.setGyroBias(bias, old.gyroBiasSigma());
    this.restarts++;
    this.realignAfterRestart = true;
  }

  /**
   * earthCorrection ← the rotation about the vertical that gives the new filter's orientation (raw, at quats[o]) the
   * heading of headingReference (see restartFilter): measured on the sensor axis that was most horizontal.
   */
  private realign(o: number): void {
    this.realignAfterRestart = false;
    const ref = this.headingReference;
    let best = 0,
      bestVertical = Infinity;
    for (let axis = 0; axis < 3; axis++) {
      const vertical = Math.abs(axisInEarth(ref, 0, axis)[2]);
      if (vertical < bestVertical) {
        bestVertical = vertical;
        best = axis;
      }
    }
    const before = axisInEarth(ref, 0, best);
    const after = axisInEarth(this.quats, o, best);
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
   * Instant (s) read by orientationAtQuery, findStillSince and discardBeforeQuery. The per-frame path sets this field
   * instead of passing the time: a double argument of a call V8 does not inline is allocated on the heap.
   */
  queryTime = 0;

  /**
   * Orientation at time t (sensor → earth) into out[offset..offset+3]: slerp between the two stored orientations
   * around t; the oldest/newest one outside the stored span (held). Returns false when nothing is stored.
   */
  orientationAt(t: number, out: NumArray, offset = 0): boolean {
    this.queryTime = t;
    return this.orientationAtQuery(out, offset);
  }

  /** orientationAt(queryTime, out, offset). */
  orientationAtQuery(out: NumArray, offset = 0): boolean {
    if (this.size === 0) return false;
    const t = this.queryTime;
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
    this.fraction[0] = (t - ta) / (tb - ta);
    if (offset === 0) {
      quatSlerpAtInto(out, this.quats, this.quats, this.fraction, 4 * a, 4 * b);
    } else {
      // quatSlerpAtInto writes at 0..3; go through the scratch slot.
      quatSlerpAtInto(this.scratch, this.quats, this.quats, this.fraction, 4 * a, 4 * b);
      for (let k = 0; k < 4; k++) out[offset + k] = this.scratch[k]!;
    }
    return true;
  }

  private readonly scratch = new Float64Array(4);
  private readonly fraction = new Float64Array(1);

  /**
   * Start of the still run (see StillnessDetector) the sensor was in at time t — read from the stored samples, so
   * the answer does not depend on how far this sensor's stream is ahead of the other's. NaN: moving (or unknown).
   */
  stillSinceAt(t: number): number {
    this.queryTime = t;
    this.findStillSince();
    return this.stillSince;
  }

  /** stillSinceAt(queryTime) into the field stillSince (no boxed return on the per-frame path). */
  findStillSince(): void {
    if (this.size === 0) {
      this.stillSince = NaN;
      return;
    }
    const t = this.queryTime;
    const cap = this.capacity;
    let i = this.size - 1;
    while (i > 0 && this.times[(this.head + i) % cap]! > t) i--;
    const slot = (this.head + i) % cap;
    // Number.NaN, not NaN: V8 merges the global NaN with the array's double as a heap object, one allocation per call.
    this.stillSince = this.times[slot]! <= t ? this.runStarts[slot]! : Number.NaN;
  }

  /** Forgets orientations no longer needed to interpolate at times ≥ t (keeps the last one at or before t). */
  discardBefore(t: number): void {
    this.queryTime = t;
    this.discardBeforeQuery();
  }

  /** discardBefore(queryTime). */
  discardBeforeQuery(): void {
    const t = this.queryTime;
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
