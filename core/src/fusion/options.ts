/**
 * Tuning of the orientation filter. Every value is physical (seconds, degrees, m/s², ratios) and independent of the
 * sample rate, so one set of defaults serves 50 Hz wearables and 300 Hz lab IMUs alike.
 */
export interface OrientationFilterTuning {
  /**
   * Time constant (s) of the second-order low-pass applied to the accelerations expressed in the almost-inertial
   * frame. Larger = more trust in the gyroscope, less harm from linear accelerations of movement.
   */
  tauAcc: number;
  /** Time constant (s) of the first-order heading correction from the magnetometer. */
  tauMag: number;

  /** Estimate the gyroscope bias during motion from the inclination correction (horizontal axes). */
  motionBiasEstimation: boolean;
  /** Detect rest and estimate the gyroscope bias from the low-passed gyroscope while at rest. */
  restBiasEstimation: boolean;
  /** Detect magnetic disturbances (norm / dip against a learned reference) and reject or slow heading updates. */
  magDisturbanceRejection: boolean;

  /** Initial standard deviation of the bias estimate (°/s). */
  biasSigmaInit: number;
  /** Time (s) for the bias uncertainty to grow from 0 to 0.1 °/s without measurements (random-walk model). */
  biasForgettingTime: number;
  /** Largest plausible gyroscope bias (°/s): clips the estimate and the Kalman innovations. */
  biasClip: number;
  /** Converged bias standard deviation during motion (°/s): sets the trust in motion bias updates. */
  biasSigmaMotion: number;
  /** Relative weight of the artificial zero measurement of the (unobservable in 6D) vertical bias in motion. */
  biasVerticalForgettingFactor: number;
  /** Converged bias standard deviation at rest (°/s). */
  biasSigmaRest: number;
  /**
   * Rate (Hz) of the bias estimator's updates (every round(sampleRate / biasUpdateRate)-th sample, 0: every
   * sample). The bias changes over minutes and its measurements are low-passed over seconds, so 25 Hz loses
   * nothing (BROAD: every figure within 0.002°) and saves three quarters of the estimator's cost at 100 Hz.
   */
  biasUpdateRate: number;

  /** Time (s) the signals must stay near their low-passed values before rest is declared. */
  restMinTime: number;
  /** Time constant (s) of the low-pass giving the rest reference signals. */
  restFilterTau: number;
  /** Gyroscope deviation threshold for rest (°/s). */
  restThGyr: number;
  /** Accelerometer deviation threshold for rest (m/s²). */
  restThAcc: number;

  /** Time constant (s) of the very short low-pass on the current field norm/dip (robustness to noise). */
  magCurrentTau: number;
  /** Time constant (s) with which the undisturbed field reference follows slow changes. */
  magRefTau: number;
  /** Relative field-norm deviation from the reference regarded as a disturbance. */
  magNormTh: number;
  /** Dip-angle deviation from the reference regarded as a disturbance (°). */
  magDipTh: number;
  /** Time (s, moving) a different homogeneous field must persist before it becomes the new reference. */
  magNewTime: number;
  /** Same as magNewTime for the very first reference (s). */
  magNewFirstTime: number;
  /** Angular rate (°/s) above which time counts towards accepting a new field (rotation proves homogeneity). */
  magNewMinGyr: number;
  /** Time (s) within thresholds after which the field is regarded as undisturbed again. */
  magMinUndisturbedTime: number;
  /** Longest disturbance (s) during which heading updates are fully suspended; afterwards they are slowed. */
  magMaxRejectionTime: number;
  /** Slow-down factor of heading updates during long disturbances (and recovery speed of the rejection budget). */
  magRejectionFactor: number;
}

export interface OrientationFilterOptions extends Partial<OrientationFilterTuning> {
  /** Samples per second of the gyroscope/accelerometer(/magnetometer) stream. */
  sampleRate: number;
  /** '6d': gyroscope + accelerometer (heading free); '9d': + magnetometer (heading to magnetic north). */
  mode: '6d' | '9d';
}

/**
 * Defaults follow the values published for VQF (Laidig & Seel 2023), which were tuned on the whole BROAD benchmark
 * for a wide range of motions — not per trial.
 */
export const DEFAULT_TUNING: Readonly<OrientationFilterTuning> = Object.freeze({
  tauAcc: 3,
  tauMag: 9,
  motionBiasEstimation: true,
  restBiasEstimation: true,
  magDisturbanceRejection: true,
  biasSigmaInit: 0.5,
  biasForgettingTime: 100,
  biasClip: 2,
  biasSigmaMotion: 0.1,
  biasVerticalForgettingFactor: 0.0001,
  biasSigmaRest: 0.03,
  biasUpdateRate: 25,
  restMinTime: 1.5,
  restFilterTau: 0.5,
  restThGyr: 2,
  restThAcc: 0.5,
  magCurrentTau: 0.05,
  magRefTau: 20,
  magNormTh: 0.1,
  magDipTh: 10,
  magNewTime: 20,
  magNewFirstTime: 5,
  magNewMinGyr: 20,
  magMinUndisturbedTime: 0.5,
  magMaxRejectionTime: 60,
  magRejectionFactor: 2,
});

/** Defaults merged with the caller's options; throws RangeError for values that cannot work. */
export function resolveTuning(options: OrientationFilterOptions): OrientationFilterTuning {
  if (!(options.sampleRate > 0) || !Number.isFinite(options.sampleRate)) {
    throw new RangeError(`sampleRate must be a positive number, got ${options.sampleRate}`);
  }
  if (options.mode !== '6d' && options.mode !== '9d') {
    throw new RangeError(`mode must be '6d' or '9d', got ${String(options.mode)}`);
  }
  const tuning: OrientationFilterTuning = { ...DEFAULT_TUNING };
  for (const key of Object.keys(DEFAULT_TUNING) as (keyof OrientationFilterTuning)[]) {
    const value = options[key];
    if (value === undefined) continue;
    if (typeof DEFAULT_TUNING[key] === 'boolean') {
      if (typeof value !== 'boolean') throw new RangeError(`${key} must be a boolean`);
    } else if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`${key} must be a finite number ≥ 0, got ${String(value)}`);
    }
    (tuning as unknown as Record<string, number | boolean>)[key] = value;
  }
  return tuning;
}
