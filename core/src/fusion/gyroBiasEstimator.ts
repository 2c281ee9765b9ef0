import type { NumArray } from '../math/quat.js';
import { DEG } from '../math/quat.js';
import { ButterworthLowPass } from './lowpass.js';
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
 *
 * It runs every `stride`-th sample (tuning.biasUpdateRate): the low-passes and the random walk at that interval,
 * the inclination correction of the sample at hand as the drift measurement (the correction of one sample period).
 */
export class GyroBiasEstimator {
  /** Current bias estimate (rad/s), subtract from the gyroscope. */
  readonly bias = new Float64Array(3);
  private readonly p = new Float64Array(9);
  private readonly rLp: ButterworthLowPass;
  private readonly rbLp: ButterworthLowPass;
  private readonly r = new Float64Array(9);
  private readonly rb = new Float64Array(2);
  private readonly p0: number;
  private readonly v: number;
  private readonly motionW: number;
  private readonly verticalW: number;
  private readonly restW: number;
  private readonly clip: number;

  /** Samples per update (see tuning.biasUpdateRate). */
  readonly stride: number;

  constructor(
    private readonly tuning: OrientationFilterTuning,
    private readonly samplePeriod: number,
  ) {
    this.stride = tuning.biasUpdateRate > 0 ? Math.max(1, Math.round(1 / (samplePeriod * tuning.biasUpdateRate))) : 1;
    const updatePeriod = this.stride * samplePeriod;
    this.rLp = new ButterworthLowPass(9, tuning.tauAcc, updatePeriod);
    this.rbLp = new ButterworthLowPass(2, tuning.tauAcc, updatePeriod);
    this.p0 = tuning.biasSigmaInit ** 2;
    // Random walk reaching 0.1 °/s standard deviation after biasForgettingTime.
    this.v = (0.1 ** 2 * updatePeriod) / Math.max(tuning.biasForgettingTime, 1e-9);
    // Measurement variance chosen so that the steady-state covariance equals sigma²: W = σ⁴/V + σ² (V per update).
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
    // Written out with scalars (same operations, same order as the 3×3 helpers): this runs on every sample.
    const b = this.bias;
    const b0 = b[0]!,
      b1 = b[1]!,
      b2 = b[2]!;
    // Rotation matrix of q6d (as mat3FromQuat).
    const qw = q6d[0]!,
      qx = q6d[1]!,
      qy = q6d[2]!,
      qz = q6d[3]!;
    const r0 = 1 - 2 * (qy * qy + qz * qz),
      r1 = 2 * (qx * qy - qw * qz),
      r2 = 2 * (qx * qz + qw * qy),
      r3 = 2 * (qx * qy + qw * qz),
      r4 = 1 - 2 * (qx * qx + qz * qz),
      r5 = 2 * (qy * qz - qw * qx);
    const r = this.r;
    r[0] = r0;
    r[1] = r1;
    r[2] = r2;
    r[3] = r3;
    r[4] = r4;
    r[5] = r5;
    r[6] = 2 * (qx * qz - qw * qy);
    r[7] = 2 * (qy * qz + qw * qx);
    r[8] = 1 - 2 * (qx * qx + qy * qy);
    this.rb[0] = r0 * b0 + r1 * b1 + r2 * b2;
    this.rb[1] = r3 * b0 + r4 * b1 + r5 * b2;
    // Filters run every step so their state stays continuous across rest/motion switches.
    const rLp = this.rLp.step(r);
    const rbLp = this.rbLp.step(this.rb);

    let e0: number, e1: number, e2: number, w0: number, w1: number, w2: number;
    let h0 = 1,
      h1 = 0,
      h2 = 0,
      h3 = 0,
      h4 = 1,
      h5 = 0,
      h6 = 0,
      h7 = 0,
      h8 = 1;
    if (restGyrLp) {
      e0 = restGyrLp[0]! - b0;
      e1 = restGyrLp[1]! - b1;
      e2 = restGyrLp[2]! - b2;
      w0 = w1 = w2 = this.restW;
    } else if (this.tuning.motionBiasEstimation) {
      const ts = this.samplePeriod;
      h0 = rLp[0]!;
      h1 = rLp[1]!;
      h2 = rLp[2]!;
      h3 = rLp[3]!;
      h4 = rLp[4]!;
      h5 = rLp[5]!;
      h6 = rLp[6]!;
      h7 = rLp[7]!;
      h8 = rLp[8]!;
      e0 = -accEarth[1]! / ts + rbLp[0]! - (h0 * b0 + h1 * b1 + h2 * b2);
      e1 = accEarth[0]! / ts + rbLp[1]! - (h3 * b0 + h4 * b1 + h5 * b2);
      e2 = -(h6 * b0 + h7 * b1 + h8 * b2);
      w0 = w1 = this.motionW;
      w2 = this.verticalW;
    } else {
      e0 = e1 = e2 = w0 = w1 = w2 = 0;
    }

    // Prediction: the bias may have drifted (uncertainty grows even without measurement, up to its initial value).
    const p = this.p;
    for (let i = 0; i < 9; i += 4) if (p[i]! < this.p0) p[i] = p[i]! + this.v;
    if (!restGyrLp && !this.tuning.motionBiasEstimation) return;

    const clip = this.clip;
    // Clipping the innovation bounds the harm of one large disagreement (e.g. the very first correction).
    e0 = Math.max(-clip, Math.min(clip, e0));
    e1 = Math.max(-clip, Math.min(clip, e1));
    e2 = Math.max(-clip, Math.min(clip, e2));

    const p0 = p[0]!,
      p1 = p[1]!,
      p2 = p[2]!,
      p3 = p[3]!,
      p4 = p[4]!,
      p5 = p[5]!,
      p6 = p[6]!,
      p7 = p[7]!,
      p8 = p[8]!;
    // K = P Hᵀ (W + H P Hᵀ)⁻¹
    const k0 = p0 * h0 + p1 * h1 + p2 * h2;
    const k1 = p0 * h3 + p1 * h4 + p2 * h5;
    const k2 = p0 * h6 + p1 * h7 + p2 * h8;
    const k3 = p3 * h0 + p4 * h1 + p5 * h2;
    const k4 = p3 * h3 + p4 * h4 + p5 * h5;
    const k5 = p3 * h6 + p4 * h7 + p5 * h8;
    const k6 = p6 * h0 + p7 * h1 + p8 * h2;
    const k7 = p6 * h3 + p7 * h4 + p8 * h5;
    const k8 = p6 * h6 + p7 * h7 + p8 * h8;
    let s0 = h0 * k0 + h1 * k3 + h2 * k6;
    const s1 = h0 * k1 + h1 * k4 + h2 * k7;
    const s2 = h0 * k2 + h1 * k5 + h2 * k8;
    let s4 = h3 * k1 + h4 * k4 + h5 * k7;
    const s5 = h3 * k2 + h4 * k5 + h5 * k8;
    let s8 = h6 * k2 + h7 * k5 + h8 * k8;
    s0 = s0 + w0;
    s4 = s4 + w1;
    s8 = s8 + w2;
    // S = W + H P Hᵀ is symmetric (s3 = s1, s6 = s2, s7 = s5), and so is its inverse (adjugate / det).
    const c00 = s4 * s8 - s5 * s5;
    const c01 = s5 * s2 - s1 * s8;
    const c02 = s1 * s5 - s4 * s2;
    const det = s0 * c00 + s1 * c01 + s2 * c02;
    if (det === 0 || !Number.isFinite(det)) return;
    const inv = 1 / det;
    const i0 = c00 * inv,
      i1 = c01 * inv,
      i2 = c02 * inv,
      i4 = (s0 * s8 - s2 * s2) * inv,
      i5 = (s2 * s1 - s0 * s5) * inv,
      i8 = (s0 * s4 - s1 * s1) * inv;
    const i3 = i1,
      i6 = i2,
      i7 = i5;
    const g0 = k0 * i0 + k1 * i3 + k2 * i6;
    const g1 = k0 * i1 + k1 * i4 + k2 * i7;
    const g2 = k0 * i2 + k1 * i5 + k2 * i8;
    const g3 = k3 * i0 + k4 * i3 + k5 * i6;
    const g4 = k3 * i1 + k4 * i4 + k5 * i7;
    const g5 = k3 * i2 + k4 * i5 + k5 * i8;
    const g6 = k6 * i0 + k7 * i3 + k8 * i6;
    const g7 = k6 * i1 + k7 * i4 + k8 * i7;
    const g8 = k6 * i2 + k7 * i5 + k8 * i8;
    b[0] = b0 + g0 * e0 + g1 * e1 + g2 * e2;
    b[1] = b1 + g3 * e0 + g4 * e1 + g5 * e2;
    b[2] = b2 + g6 * e0 + g7 * e1 + g8 * e2;
    // P ← P − K H P = P − K (P Hᵀ)ᵀ (P symmetric): six distinct entries, mirrored so P stays exactly symmetric.
    const d0 = g0 * k0 + g1 * k1 + g2 * k2,
      d1 = g0 * k3 + g1 * k4 + g2 * k5,
      d2 = g0 * k6 + g1 * k7 + g2 * k8,
      d4 = g3 * k3 + g4 * k4 + g5 * k5,
      d5 = g3 * k6 + g4 * k7 + g5 * k8,
      d8 = g6 * k6 + g7 * k7 + g8 * k8;
    p[0] = p0 - d0;
    p[1] = p[3] = p1 - d1;
    p[2] = p[6] = p2 - d2;
    p[4] = p4 - d4;
    p[5] = p[7] = p5 - d5;
    p[8] = p8 - d8;
    for (let i = 0; i < 3; i++) b[i] = Math.max(-clip, Math.min(clip, b[i]!));
  }
}
