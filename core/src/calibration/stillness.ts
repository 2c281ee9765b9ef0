/**
 * Rest detection for the calibration window: is this sensor still, and since when?
 *
 * A sample is still when the angular rate is small (below what standing sway plus a worst-case gyroscope bias
 * produce) and close to the mean rate of the still run so far and of the last long one (the bias: a slow, steady
 * turn is movement), and the specific force is close to gravity in size and close to the run's mean in direction
 * (≈ 1.5° of tilt). A still *run* is a sequence of still samples; it ends at the first moving sample. The detector keeps
 * the run's sums, so the calibration can use the mean specific force (the gravity direction in the sensor frame)
 * and mean angular rate (the gyroscope bias) of the whole run. Streaming and allocation-free.
 */
import { DEG } from '../math/quat.js';
import type { NumArray, Vec3 } from '../math/quat.js';

export interface StillnessOptions {
  /** Largest angular rate (rad/s) of a still sample. Default 6 °/s. */
  maxRate: number;
  /** Largest distance (rad/s) of the angular rate from the run's mean. Default 2.5 °/s. */
  maxRateDeviation: number;
  /** Largest distance (m/s²) of the specific force from the run's mean. Default 0.25 m/s² (≈ 1.5° of tilt). */
  maxAccDeviation: number;
  /** Largest difference (m/s²) between the specific-force norm and gravity. Default 1.2 m/s². */
  maxGravityError: number;
}

export const DEFAULT_STILLNESS: Readonly<StillnessOptions> = Object.freeze({
  maxRate: 6 * DEG,
  maxRateDeviation: 2.5 * DEG,
  maxAccDeviation: 0.25,
  maxGravityError: 1.2,
});

const GRAVITY = 9.81;
/** Samples a still run needs before its mean rate serves as the bias reference (0.5 s at 100 Hz). */
const BIAS_REFERENCE_SAMPLES = 50;

export class StillnessDetector {
  /** Time of the first sample of the current still run (NaN while moving). */
  runStart = NaN;
  /** Time of the latest sample of the current still run (NaN while moving). */
  runEnd = NaN;
  /** Samples in the current still run. */
  count = 0;
  private readonly accSum = new Float64Array(3);
  private readonly gyrSum = new Float64Array(3);
  private readonly bias = new Float64Array(3);
  private biasKnown = false;
  private readonly options: StillnessOptions;

  constructor(options: Partial<StillnessOptions> = {}) {
    this.options = { ...DEFAULT_STILLNESS, ...options };
  }

  /** True while the latest sample belongs to a still run. */
  get still(): boolean {
    return this.count > 0;
  }

  /** Feeds one sample; returns whether it is still. */
  update(t: number, gyr: Readonly<NumArray>, acc: Readonly<NumArray>): boolean {
    this.sampleTime = t;
    return this.updateAtSampleTime(gyr, acc);
  }

  /** Stamp (s) of the sample updateAtSampleTime feeds (a field: see OrientationTrack.sampleTime). */
  sampleTime = 0;

  /** update(sampleTime, gyr, acc). */
  updateAtSampleTime(gyr: Readonly<NumArray>, acc: Readonly<NumArray>): boolean {
    const t = this.sampleTime;
    const o = this.options;
    const rate = Math.sqrt(gyr[0]! * gyr[0]! + gyr[1]! * gyr[1]! + gyr[2]! * gyr[2]!);
    const norm = Math.sqrt(acc[0]! * acc[0]! + acc[1]! * acc[1]! + acc[2]! * acc[2]!);
    let still = rate <= o.maxRate && Math.abs(norm - GRAVITY) <= o.maxGravityError;
    const maxDev2 = o.maxRateDeviation * o.maxRateDeviation;
    if (still && this.count > 0) {
      const n = this.count;
      const dx = acc[0]! - this.accSum[0]! / n,
        dy = acc[1]! - this.accSum[1]! / n,
        dz = acc[2]! - this.accSum[2]! / n;
      const gx = gyr[0]! - this.gyrSum[0]! / n,
        gy = gyr[1]! - this.gyrSum[1]! / n,
        gz = gyr[2]! - this.gyrSum[2]! / n;
      still =
        dx * dx + dy * dy + dz * dz <= o.maxAccDeviation * o.maxAccDeviation && gx * gx + gy * gy + gz * gz <= maxDev2;
    }
    if (still && this.biasKnown) {
      // Against the last long run's mean rate too: a new run must not start in the middle of a slow, steady turn.
      const b = this.bias;
      const gx = gyr[0]! - b[0]!,
        gy = gyr[1]! - b[1]!,
        gz = gyr[2]! - b[2]!;
      still = gx * gx + gy * gy + gz * gz <= maxDev2;
    }
    if (!still) {
      this.endRun();
      return false;
    }
    if (this.count === 0) this.runStart = t;
    this.runEnd = t;
    this.count++;
    for (let i = 0; i < 3; i++) {
      this.accSum[i] = this.accSum[i]! + acc[i]!;
      this.gyrSum[i] = this.gyrSum[i]! + gyr[i]!;
    }
    return true;
  }

  /** A run that lasted long enough leaves its mean rate behind as the bias reference for the runs that follow. */
  private endRun(): void {
    if (this.count >= BIAS_REFERENCE_SAMPLES) {
      for (let i = 0; i < 3; i++) this.bias[i] = this.gyrSum[i]! / this.count;
      this.biasKnown = true;
    }
    // Sums are already zero when no run was going on (every moving sample ends here).
    if (this.count > 0) this.reset();
  }

  /** Mean specific force of the current still run (sensor frame, m/s²). */
  meanAcc(): Vec3 {
    const n = this.count || 1;
    return [this.accSum[0]! / n, this.accSum[1]! / n, this.accSum[2]! / n];
  }

  /** Mean angular rate of the current still run (rad/s): the gyroscope bias while still. */
  meanGyr(): Vec3 {
    const n = this.count || 1;
    return [this.gyrSum[0]! / n, this.gyrSum[1]! / n, this.gyrSum[2]! / n];
  }

  /** Forgets the current run (the bias reference of earlier runs is kept). */
  reset(): void {
    this.count = 0;
    this.runStart = NaN;
    this.runEnd = NaN;
    this.accSum.fill(0);
    this.gyrSum.fill(0);
  }
}
