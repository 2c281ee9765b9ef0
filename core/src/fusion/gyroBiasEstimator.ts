import type { NumArray } from '../math/quat.js';
import { DEG } from '../math/quat.js';
import { ButterworthLowPass } from './lowpass.js';
import { mat3FromQuat, mat3Invert, mat3Multiply, mat3MultiplyTransposedRight } from './mat3.js';
import type { OrientationFilterTuning } from './options.js';

/**
 * Gyroscope bias estimation with a 3-state Kalman filter (random-walk bias), two kinds of measurements:
 *
 * - at rest: the low-passed gyroscope reading itself measures the bias;
 * - in motion: the inclination correction tells how fast the strapdown-integrated orientation drifts in the two
 *   horizontal earth axes; that drift rate is the bias rotated into the earth frame (R·b). Both the rotation matrix
 *   and the correction are low-passed with the same filter as the accelerations, so measurement and model share the
 *   same delay. The vertical axis is unobservable without magnetometer: a weak artificial zero measurement keeps
 *   its estimate from wandering.
 *
 * Covariances are kept in (°/s)² (readable magnitudes); the bias itself is in rad/s.
 */
export class GyroBiasEstimator {
  /** Current bias estimate (rad/s), subtract from the gyroscope. */
  readonly bias = new Float64Array(3);
  private readonly p = new Float64Array(9);
  private readonly rLp: ButterworthLowPass;
  private readonly rbLp: ButterworthLowPass;
  private readonly r = new Float64Array(9);
  private readonly rb = new Float64Array(2);
  private readonly h = new Float64Array(9);
  private readonly k = new Float64Array(9);
  private readonly gain = new Float64Array(9);
  private readonly tmp = new Float64Array(9);
  private readonly e = new Float64Array(3);
  private readonly w = new Float64Array(3);
  private readonly p0: number;
  private readonly v: number;
  private readonly motionW: number;
  private readonly verticalW: number;
  private readonly restW: number;
  private readonly clip: number;

  constructor(
    private readonly tuning: OrientationFilterTuning,
    private readonly samplePeriod: number,
  ) {
    this.rLp = new ButterworthLowPass(9, tuning.tauAcc, samplePeriod);
    this.rbLp = new ButterworthLowPass(2, tuning.tauAcc, samplePeriod);
    this.p0 = tuning.biasSigmaInit ** 2;
    // Random walk reaching 0.1 °/s standard deviation after biasForgettingTime.
    this.v = (0.1 ** 2 * samplePeriod) / Math.max(tuning.biasForgettingTime, 1e-9);
    // Measurement variance chosen so that the steady-state covariance equals sigma²: W = σ⁴/V + σ².
    const pMotion = tuning.biasSigmaMotion ** 2;
    this.motionW = (pMotion * pMotion) / this.v + pMotion;
    this.verticalW = this.motionW / Math.max(tuning.biasVerticalForgettingFactor, 1e-10);
    const pRest = tuning.biasSigmaRest ** 2;
    this.restW = (pRest * pRest) / this.v + pRest;
    this.clip = tuning.biasClip * DEG;
    this.p[0] = this.p[4] = this.p[8] = this.p0;
  }

  /** Standard deviation (rad/s) of the least certain bias component. */
  get sigma(): number {
    return Math.sqrt(Math.max(this.p[0]!, this.p[4]!, this.p[8]!)) * DEG;
  }

  /** Overrides the estimate (rad/s), e.g. from a previous session; optional sigma (rad/s) resets the covariance. */
  setBias(bias: Readonly<NumArray>, sigma?: number): void {
    for (let i = 0; i < 3; i++) this.bias[i] = Math.max(-this.clip, Math.min(this.clip, bias[i]!));
    if (sigma !== undefined) {
      this.p.fill(0);
      this.p[0] = this.p[4] = this.p[8] = (sigma / DEG) ** 2;
    }
  }

  /**
   * One accelerometer step.
   * @param q6d current 6D orientation (sensor → 6D earth frame), before this step's inclination correction
   * @param accEarth unit low-passed specific force in the 6D earth frame, before correction (its horizontal part
   *   is the correction this step applies)
   * @param restGyrLp low-passed gyroscope when rest is detected and rest estimation is enabled, else null
   */
  update(q6d: Readonly<NumArray>, accEarth: Readonly<NumArray>, restGyrLp: Readonly<NumArray> | null): void {
    const b = this.bias;
    const r = this.r;
    mat3FromQuat(r, q6d);
    this.rb[0] = r[0]! * b[0]! + r[1]! * b[1]! + r[2]! * b[2]!;
    this.rb[1] = r[3]! * b[0]! + r[4]! * b[1]! + r[5]! * b[2]!;
    // Filters run every step so their state stays continuous across rest/motion switches.
    const rLp = this.rLp.step(r);
    const rbLp = this.rbLp.step(this.rb);

    const e = this.e,
      w = this.w,
      h = this.h;
    let measure = true;
    if (restGyrLp) {
      e[0] = restGyrLp[0]! - b[0]!;
      e[1] = restGyrLp[1]! - b[1]!;
      e[2] = restGyrLp[2]! - b[2]!;
      h.fill(0);
      h[0] = h[4] = h[8] = 1;
      w[0] = w[1] = w[2] = this.restW;
    } else if (this.tuning.motionBiasEstimation) {
      const ts = this.samplePeriod;
      e[0] = -accEarth[1]! / ts + rbLp[0]! - (rLp[0]! * b[0]! + rLp[1]! * b[1]! + rLp[2]! * b[2]!);
      e[1] = accEarth[0]! / ts + rbLp[1]! - (rLp[3]! * b[0]! + rLp[4]! * b[1]! + rLp[5]! * b[2]!);
      e[2] = -(rLp[6]! * b[0]! + rLp[7]! * b[1]! + rLp[8]! * b[2]!);
      h.set(rLp);
      w[0] = w[1] = this.motionW;
      w[2] = this.verticalW;
    } else {
      measure = false;
    }

    // Prediction: the bias may have drifted (uncertainty grows even without measurement, up to its initial value).
    const p = this.p;
    for (let i = 0; i < 9; i += 4) if (p[i]! < this.p0) p[i] = p[i]! + this.v;
    if (!measure) return;

    const clip = this.clip;
    // Clipping the innovation bounds the harm of one large disagreement (e.g. the very first correction).
    for (let i = 0; i < 3; i++) e[i] = Math.max(-clip, Math.min(clip, e[i]!));

    // K = P Hᵀ (W + H P Hᵀ)⁻¹
    const k = this.k,
      tmp = this.tmp;
    mat3MultiplyTransposedRight(k, p, h); // P Hᵀ
    mat3Multiply(tmp, h, k); // H P Hᵀ
    tmp[0] = tmp[0]! + w[0]!;
    tmp[4] = tmp[4]! + w[1]!;
    tmp[8] = tmp[8]! + w[2]!;
    if (!mat3Invert(tmp, tmp)) return;
    const gain = this.gain;
    mat3Multiply(gain, k, tmp);
    for (let i = 0; i < 3; i++) {
      b[i] = b[i]! + gain[3 * i]! * e[0]! + gain[3 * i + 1]! * e[1]! + gain[3 * i + 2]! * e[2]!;
    }
    // P ← P − K H P
    mat3Multiply(tmp, gain, h);
    mat3Multiply(k, tmp, p);
    for (let i = 0; i < 9; i++) p[i] = p[i]! - k[i]!;
    for (let i = 0; i < 3; i++) b[i] = Math.max(-clip, Math.min(clip, b[i]!));
  }
}
