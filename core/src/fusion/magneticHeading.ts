import type { NumArray } from '../math/quat.js';
import { DEG } from '../math/quat.js';
import { ButterworthLowPass, firstOrderGain } from './lowpass.js';
import type { OrientationFilterTuning } from './options.js';

const TWO_PI = 2 * Math.PI;
const wrapAngle = (a: number): number => a - TWO_PI * Math.round(a / TWO_PI);

/**
 * Heading from the magnetometer, decoupled from inclination: the state is one angle `delta`, the heading offset
 * between the 6D earth frame (arbitrary heading, exact vertical) and the magnetic ENU frame. Magnetometer samples
 * are first expressed in the 6D earth frame, so a disturbed field can only ever move heading, never inclination.
 *
 * Disturbances are recognised by comparing the field's norm and dip angle with a learned reference of the
 * undisturbed field. Short disturbances suspend heading updates entirely (gyroscope only); when the field stays
 * "disturbed" for longer than `magMaxRejectionTime` — e.g. the reference was wrong or the environment changed —
 * updates resume with a slower gain rather than letting heading drift forever. A different field that stays
 * homogeneous while the sensor turns (rotation proves it is not a local offset) becomes the new reference.
 */
export class MagneticHeading {
  /** Heading offset (rad) of the 6D earth frame relative to magnetic ENU: q9d = Rz(delta) ⊗ q6d. */
  delta = 0;
  /** True while the current field is regarded as disturbed (until a reference field has been learned, too). */
  disturbed: boolean;
  /** Reference field norm (sensor units, 0 until learned) and dip angle (rad, positive = pointing down). */
  refNorm = 0;
  refDip = 0;

  private readonly normDip = new Float64Array(2);
  private readonly normDipLp: ButterworthLowPass;
  private readonly kMag: number;
  private readonly kRef: number;
  private readonly normTh: number;
  private readonly dipTh: number;
  private readonly newMinGyr: number;
  private undisturbedTime = 0;
  private rejectTime = 0;
  private candidateNorm = -1;
  private candidateDip = 0;
  private candidateTime = 0;
  /** 1/N gain for the first samples so the initial heading converges at once, disabled after tauMag. */
  private kInit = 1;
  /**
   * Norm (rad/s) of the low-passed angular rate of the sample being fused. A field, and detectDisturbance takes no
   * arguments: both run on every sample, and V8 allocates each double passed to a call it does not inline.
   */
  private angularRate = 0;

  constructor(
    private readonly tuning: OrientationFilterTuning,
    private readonly samplePeriod: number,
  ) {
    this.disturbed = tuning.magDisturbanceRejection;
    this.normDipLp = new ButterworthLowPass(2, tuning.magCurrentTau, samplePeriod);
    this.kMag = firstOrderGain(tuning.tauMag, samplePeriod);
    this.kRef = firstOrderGain(tuning.magRefTau, samplePeriod);
    this.normTh = tuning.magNormTh;
    this.dipTh = tuning.magDipTh * DEG;
    this.newMinGyr = tuning.magNewMinGyr * DEG;
  }

  /**
   * @param magEarth magnetometer sample expressed in the 6D earth frame
   * @param gyrLowPassed low-passed angular rate (rad/s): its norm counts time towards accepting a new field
   */
  update(magEarth: Readonly<NumArray>, gyrLowPassed: Readonly<NumArray>): void {
    const g0 = gyrLowPassed[0]!,
      g1 = gyrLowPassed[1]!,
      g2 = gyrLowPassed[2]!;
    this.angularRate = Math.sqrt(g0 * g0 + g1 * g1 + g2 * g2);
    const mx = magEarth[0]!,
      my = magEarth[1]!,
      mz = magEarth[2]!;
    const norm = Math.sqrt(mx * mx + my * my + mz * mz);
    if (!(norm > 0)) return;
    const ts = this.samplePeriod;
    const t = this.tuning;

    if (t.magDisturbanceRejection) {
      this.normDip[0] = norm;
      this.normDip[1] = -Math.asin(Math.max(-1, Math.min(1, mz / norm)));
      this.normDipLp.step(this.normDip);
      this.detectDisturbance();
    }

    const disagreement = wrapAngle(Math.atan2(mx, my) - this.delta);
    let k = this.kMag;
    if (t.magDisturbanceRejection) {
      if (this.disturbed) {
        if (this.rejectTime <= t.magMaxRejectionTime) {
          this.rejectTime += ts;
          k = 0;
        } else {
          k /= t.magRejectionFactor;
        }
      } else {
        // Time spent undisturbed earns back the rejection budget (faster by magRejectionFactor).
        this.rejectTime = Math.max(this.rejectTime - t.magRejectionFactor * ts, 0);
      }
    }
    if (this.kInit !== 0) {
      if (k < this.kInit) k = this.kInit;
      this.kInit = this.kInit / (this.kInit + 1); // 1, 1/2, 1/3, …: the running mean of the first samples
      if (this.kInit * t.tauMag < ts) this.kInit = 0;
    }
    this.delta = wrapAngle(this.delta + k * disagreement);
  }

  /** On the low-passed field norm and dip (normDipLp.out). */
  private detectDisturbance(): void {
    const norm = this.normDipLp.out[0]!,
      dip = this.normDipLp.out[1]!,
      angularRate = this.angularRate;
    const t = this.tuning;
    const ts = this.samplePeriod;
    if (Math.abs(norm - this.refNorm) < this.normTh * this.refNorm && Math.abs(dip - this.refDip) < this.dipTh) {
      this.undisturbedTime += ts;
      if (this.undisturbedTime >= t.magMinUndisturbedTime) {
        this.disturbed = false;
        this.refNorm += this.kRef * (norm - this.refNorm);
        this.refDip += this.kRef * (dip - this.refDip);
      }
    } else {
      this.undisturbedTime = 0;
      this.disturbed = true;
    }

    // A candidate for a new reference: a field that stays homogeneous (within thresholds of itself).
    if (
      Math.abs(norm - this.candidateNorm) < this.normTh * this.candidateNorm &&
      Math.abs(dip - this.candidateDip) < this.dipTh
    ) {
      if (angularRate >= this.newMinGyr) this.candidateTime += ts;
      this.candidateNorm += this.kRef * (norm - this.candidateNorm);
      this.candidateDip += this.kRef * (dip - this.candidateDip);
      const needed = this.refNorm === 0 ? t.magNewFirstTime : t.magNewTime;
      if (this.disturbed && this.candidateTime >= needed) {
        this.refNorm = this.candidateNorm;
        this.refDip = this.candidateDip;
        this.disturbed = false;
        this.undisturbedTime = t.magMinUndisturbedTime;
      }
    } else {
      this.candidateTime = 0;
      this.candidateNorm = norm;
      this.candidateDip = dip;
    }
  }
}
