import type { NumArray } from '../math/quat.js';
import { DEG } from '../math/quat.js';
import { ButterworthLowPass } from './lowpass.js';
import type { OrientationFilterTuning } from './options.js';

/**
 * Rest detection: the sensor is at rest once gyroscope and accelerometer have stayed close to their own low-passed
 * values for `restMinTime`. A constant but large angular rate (a turntable) is not rest: the low-passed rate must
 * also stay within the plausible bias range.
 */
export class RestDetector {
  /** True while rest is detected. */
  atRest = false;
  private restTime = 0;
  private readonly gyrLp: ButterworthLowPass;
  private readonly accLp: ButterworthLowPass;
  private readonly thGyrSq: number;
  private readonly thAccSq: number;
  private readonly biasClip: number;
  private readonly minTime: number;

  constructor(
    tuning: OrientationFilterTuning,
    private readonly samplePeriod: number,
  ) {
    this.gyrLp = new ButterworthLowPass(3, tuning.restFilterTau, samplePeriod);
    this.accLp = new ButterworthLowPass(3, tuning.restFilterTau, samplePeriod);
    this.thGyrSq = (tuning.restThGyr * DEG) ** 2;
    this.thAccSq = tuning.restThAcc ** 2;
    this.biasClip = tuning.biasClip * DEG;
    this.minTime = tuning.restMinTime;
  }

  /** Low-passed angular rate (rad/s): the bias measurement at rest and a "how much is it turning" signal. */
  get gyrLowPassed(): Float64Array {
    return this.gyrLp.out;
  }

  updateGyr(gyr: Readonly<NumArray>): void {
    const lp = this.gyrLp.step(gyr);
    const d0 = gyr[0]! - lp[0]!,
      d1 = gyr[1]! - lp[1]!,
      d2 = gyr[2]! - lp[2]!;
    const clip = this.biasClip;
    if (
      d0 * d0 + d1 * d1 + d2 * d2 >= this.thGyrSq ||
      Math.abs(lp[0]!) > clip ||
      Math.abs(lp[1]!) > clip ||
      Math.abs(lp[2]!) > clip
    ) {
      this.restTime = 0;
      this.atRest = false;
    }
  }

  updateAcc(acc: Readonly<NumArray>): void {
    const lp = this.accLp.step(acc);
    const d0 = acc[0]! - lp[0]!,
      d1 = acc[1]! - lp[1]!,
      d2 = acc[2]! - lp[2]!;
    if (d0 * d0 + d1 * d1 + d2 * d2 >= this.thAccSq) {
      this.restTime = 0;
      this.atRest = false;
      return;
    }
    this.restTime += this.samplePeriod;
    if (this.restTime >= this.minTime) this.atRest = true;
  }
}
