/**
 * Seeded sensor error model: turns exact IMU signals into what a consumer-grade BLE IMU delivers to the gateway.
 *
 * Per sample k of one sensor (all errors independent, each can be switched off by setting it to 0/false):
 *   measured = M · exact + bias + white noise,  then quantized to a 16-bit sensor's LSB (with saturation)
 *   M      = I + diag(scale errors) + off-diagonal axis misalignment (cross-axis coupling), one per sensor type;
 *   bias   = gyro: constant turn-on bias + random-walk drift; acc and mag: constant (mag = residual hard iron).
 * Timing: the sensor's clock reads τ(t) = (1 + drift)·t + offset; it samples when τ = phase + k/rate and the
 * gateway stamps the sample with τ (+ jitter), i.e. its own clock mapped to the gateway clock, so each sensor's
 * timestamps are off the true time by offset + drift·t (a few ms). Samples are lost in bursts (two-state Markov
 * chain, the usual model of BLE drop-outs).
 *
 * Noise figures are standard deviations per sample at the configured output rate; biases and coupling terms are
 * drawn once per sensor (normal, sd as configured), clock offset and drift uniformly within ± the configured bound.
 * Every random quantity has its own PRNG stream, so switching one error on or off leaves the others unchanged.
 */
import { DEG } from '@hipmon/core';
import type { ImuSample, Vec3 } from '@hipmon/core';
import type { Prng } from '../prng.js';

export const ERROR_PRESETS = ['none', 'low', 'typical', 'high'] as const;
export type ErrorPreset = (typeof ERROR_PRESETS)[number];

export interface ImuErrorConfig {
  /** White noise sd per sample: gyro rad/s, accelerometer m/s², magnetometer µT. */
  gyroNoise: number;
  accNoise: number;
  magNoise: number;
  /** Turn-on bias sd per axis (constant over a recording): gyro rad/s, acc m/s², mag µT (residual hard iron). */
  gyroBias: number;
  accBias: number;
  magBias: number;
  /** Gyro bias drift: random walk, rad/s per √s. */
  gyroBiasWalk: number;
  /** Scale-factor error sd per axis (fraction: 0.01 = 1 %). */
  scaleError: number;
  /** Axis misalignment (cross-axis coupling) sd per off-diagonal term, rad. */
  misalignment: number;
  /** Round to the LSB of a 16-bit ±2000 dps / ±16 g / ±4900 µT sensor and saturate at full scale. */
  quantize: boolean;
  /** Bound of the clock offset to the gateway clock, s (drawn uniformly in ±bound). */
  clockOffset: number;
  /** Bound of the clock rate error, ppm (drawn uniformly in ±bound). */
  clockDrift: number;
  /** Timestamp jitter sd, s (timestamps stay strictly increasing per sensor). */
  jitter: number;
  /** Long-run share of lost samples, 0…1. */
  dropRate: number;
  /** Mean length of a drop-out burst, samples (≥ 1). */
  dropBurst: number;
}

const dps = DEG;
const OFF: ImuErrorConfig = {
  gyroNoise: 0,
  accNoise: 0,
  magNoise: 0,
  gyroBias: 0,
  accBias: 0,
  magBias: 0,
  gyroBiasWalk: 0,
  scaleError: 0,
  misalignment: 0,
  quantize: false,
  clockOffset: 0,
  clockDrift: 0,
  jitter: 0,
  dropRate: 0,
  dropBurst: 1,
};

/**
 * 'typical' is a factory-calibrated consumer MEMS IMU (BMI270/ICM-42688 class) at 100 Hz over BLE; 'low' a good
 * sensor with a clean radio link, 'high' a cheap one, badly calibrated, on a congested link.
 */
export const ERROR_PRESET_CONFIGS: Readonly<Record<ErrorPreset, Readonly<ImuErrorConfig>>> = {
  none: OFF,
  low: {
    gyroNoise: 0.05 * dps,
    accNoise: 0.006,
    magNoise: 0.15,
    gyroBias: 0.1 * dps,
    accBias: 0.02,
    magBias: 0.5,
    gyroBiasWalk: 0.001 * dps,
    scaleError: 0.002,
    misalignment: 0.1 * DEG,
    quantize: true,
    clockOffset: 0.002,
    clockDrift: 10,
    jitter: 0.0002,
    dropRate: 0.001,
    dropBurst: 2,
  },
  typical: {
    gyroNoise: 0.1 * dps,
    accNoise: 0.012,
    magNoise: 0.3,
    gyroBias: 0.3 * dps,
    accBias: 0.05,
    magBias: 2,
    gyroBiasWalk: 0.005 * dps,
    scaleError: 0.005,
    misalignment: 0.3 * DEG,
    quantize: true,
    clockOffset: 0.005,
    clockDrift: 30,
    jitter: 0.0005,
    dropRate: 0.01,
    dropBurst: 3,
  },
  high: {
    gyroNoise: 0.3 * dps,
    accNoise: 0.03,
    magNoise: 0.8,
    gyroBias: 1 * dps,
    accBias: 0.15,
    magBias: 5,
    gyroBiasWalk: 0.02 * dps,
    scaleError: 0.015,
    misalignment: 1 * DEG,
    quantize: true,
    clockOffset: 0.015,
    clockDrift: 100,
    jitter: 0.002,
    dropRate: 0.05,
    dropBurst: 5,
  },
};

/** A preset with explicit overrides; validated so a typo'd figure fails here, not as garbage data later. */
export function resolveErrorConfig(
  preset: ErrorPreset = 'none',
  overrides: Partial<ImuErrorConfig> = {},
): ImuErrorConfig {
  if (!(ERROR_PRESETS as readonly string[]).includes(preset)) {
    throw new RangeError(`unknown error preset '${preset}' (expected ${ERROR_PRESETS.join(', ')})`);
  }
  const config: ImuErrorConfig = { ...ERROR_PRESET_CONFIGS[preset], ...overrides };
  for (const [key, v] of Object.entries(config)) {
    if (key === 'quantize') continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new RangeError(`sensor error '${key}' must be a finite number ≥ 0, got ${String(v)}`);
    }
  }
  if (config.dropRate >= 1) throw new RangeError(`dropRate must be below 1, got ${config.dropRate}`);
  if (config.dropBurst < 1) throw new RangeError(`dropBurst must be at least 1 sample, got ${config.dropBurst}`);
  return config;
}

/** 16-bit full scales: ±2000 dps, ±16 g (g = 9.80665 m/s², the datasheet g), ±4900 µT. */
export const FULL_SCALE = { gyr: 2000 * DEG, acc: 16 * 9.80665, mag: 4900 } as const;
export const LSB = { gyr: FULL_SCALE.gyr / 32768, acc: FULL_SCALE.acc / 32768, mag: FULL_SCALE.mag / 32768 } as const;

/** The constants one sensor's errors take for a whole recording (what the seed decided). */
export interface ImuErrorDraw {
  /** Turn-on biases (the gyro bias then drifts from here). */
  gyroBias: Vec3;
  accBias: Vec3;
  magBias: Vec3;
  /** Row-major 3×3: measured = M · exact (scale and misalignment together). */
  gyroMatrix: number[];
  accMatrix: number[];
  magMatrix: number[];
  /** Sensor clock − true time at t = 0, s. */
  clockOffset: number;
  /** Sensor clock rate error, ppm. */
  clockDrift: number;
  /** Sampling phase of the sensor clock, s in [0, 1/rate): sensors do not sample in step. */
  clockPhase: number;
}

/** Draws one sensor's constant errors; `fixed` pins any of them (tests, reproducing a particular sensor). */
export function drawImuErrors(
  config: ImuErrorConfig,
  rate: number,
  prng: Prng,
  fixed: Partial<ImuErrorDraw> = {},
): ImuErrorDraw {
  const gaussVec = (label: string, sd: number): Vec3 => {
    const r = prng.fork(label);
    return sd > 0 ? [r.gaussian(0, sd), r.gaussian(0, sd), r.gaussian(0, sd)] : [0, 0, 0];
  };
  const matrix = (label: string): number[] => {
    const s = gaussVec(`${label}.scale`, config.scaleError);
    const r = prng.fork(`${label}.misalignment`);
    const m = (): number => (config.misalignment > 0 ? r.gaussian(0, config.misalignment) : 0);
    return [1 + s[0], m(), m(), m(), 1 + s[1], m(), m(), m(), 1 + s[2]];
  };
  const clock = prng.fork('clock');
  const clockOn = config.clockOffset > 0 || config.clockDrift > 0;
  return {
    gyroBias: gaussVec('gyro.bias', config.gyroBias),
    accBias: gaussVec('acc.bias', config.accBias),
    magBias: gaussVec('mag.bias', config.magBias),
    gyroMatrix: matrix('gyro'),
    accMatrix: matrix('acc'),
    magMatrix: matrix('mag'),
    clockOffset: clock.uniform(-config.clockOffset, config.clockOffset),
    clockDrift: clock.uniform(-config.clockDrift, config.clockDrift),
    clockPhase: clockOn ? clock.uniform(0, 1 / rate) : 0,
    ...fixed,
  };
}

/** Exact signals at a physical instant, sensor frame (the output of synthesizeImu). */
export interface ExactImuSignals {
  t: number;
  gyr: Readonly<Vec3>;
  acc: Readonly<Vec3>;
  mag?: Readonly<Vec3>;
}

/**
 * One sensor's error process over a recording. Stateful (bias drift, drop-out bursts, jitter ordering): feed it
 * the sensor's samples in order, k = first, first + 1, …
 */
export class SensorErrorModel {
  readonly draw: ImuErrorDraw;
  private readonly noise: Prng;
  private readonly walk: Prng;
  private readonly jitterRng: Prng;
  private readonly dropRng: Prng;
  private readonly bias: Vec3;
  private lastK: number | undefined;
  /** Gateway time starts at 0: the first stamp is ≥ 0 even with jitter. */
  private lastStamp = -1e-6;
  private inDropBurst: boolean;
  private readonly pEnterDrop: number;

  constructor(
    readonly config: ImuErrorConfig,
    readonly rate: number,
    prng: Prng,
    fixed: Partial<ImuErrorDraw> = {},
  ) {
    if (!(rate > 0 && Number.isFinite(rate))) throw new RangeError(`sample rate must be > 0 Hz, got ${rate}`);
    this.draw = drawImuErrors(config, rate, prng.fork('constants'), fixed);
    this.noise = prng.fork('noise');
    this.walk = prng.fork('bias-walk');
    this.jitterRng = prng.fork('jitter');
    this.dropRng = prng.fork('drops');
    this.bias = [...this.draw.gyroBias];
    // Gilbert model: leave a burst with p = 1/burst; enter with the p that gives the configured long-run share.
    const pExit = 1 / config.dropBurst;
    this.pEnterDrop = config.dropRate > 0 ? (config.dropRate * pExit) / (1 - config.dropRate) : 0;
    this.inDropBurst = config.dropRate > 0 && this.dropRng.next() < config.dropRate;
  }

  /** Physical (true) time at which this sensor takes sample k. */
  sampleTime(k: number): number {
    const d = this.draw;
    return (d.clockPhase + k / this.rate - d.clockOffset) / (1 + d.clockDrift * 1e-6);
  }

  /** First sample index taken at or after physical time t. */
  firstIndexAtOrAfter(t: number): number {
    const d = this.draw;
    let k = Math.ceil((t * (1 + d.clockDrift * 1e-6) + d.clockOffset - d.clockPhase) * this.rate);
    while (this.sampleTime(k - 1) >= t) k--; // guard against rounding at the boundary
    while (this.sampleTime(k) < t) k++;
    return k;
  }

  /** The gyro bias right now (turn-on bias plus the drift so far). */
  currentGyroBias(): Vec3 {
    return [...this.bias];
  }

  /**
   * Sample k measured from the exact signals at its physical time (`exact.t` must be sampleTime(k)).
   * Returns undefined when the sample is lost; every random stream advances either way.
   */
  measure(k: number, exact: ExactImuSignals): ImuSample | undefined {
    const c = this.config;
    const steps = this.lastK === undefined ? 0 : k - this.lastK;
    if (this.lastK !== undefined && steps <= 0) throw new RangeError(`samples must come in order (k=${k})`);
    this.lastK = k;

    if (c.gyroBiasWalk > 0 && steps > 0) {
      const sd = c.gyroBiasWalk * Math.sqrt(steps / this.rate);
      for (let i = 0; i < 3; i++) this.bias[i] = this.bias[i]! + this.walk.gaussian(0, sd);
    }
    const sample: ImuSample = {
      t: this.stamp(k),
      gyr: this.sense(exact.gyr, this.draw.gyroMatrix, this.bias, c.gyroNoise, LSB.gyr),
      acc: this.sense(exact.acc, this.draw.accMatrix, this.draw.accBias, c.accNoise, LSB.acc),
    };
    if (exact.mag) sample.mag = this.sense(exact.mag, this.draw.magMatrix, this.draw.magBias, c.magNoise, LSB.mag);
    return this.lost(steps) ? undefined : sample;
  }

  private stamp(k: number): number {
    const d = this.draw;
    let t = d.clockPhase + k / this.rate;
    if (this.config.jitter > 0) t += this.jitterRng.gaussian(0, this.config.jitter);
    // A late stamp never overtakes the next one: the gateway keeps each sensor's stream in order (1 µs apart).
    t = Math.max(t, this.lastStamp + 1e-6);
    this.lastStamp = t;
    return t;
  }

  private sense(exact: Readonly<Vec3>, m: number[], bias: Readonly<Vec3>, noiseSd: number, lsb: number): Vec3 {
    const out: Vec3 = [0, 0, 0];
    for (let i = 0; i < 3; i++) {
      let v = m[3 * i]! * exact[0] + m[3 * i + 1]! * exact[1] + m[3 * i + 2]! * exact[2] + bias[i]!;
      if (noiseSd > 0) v += this.noise.gaussian(0, noiseSd);
      if (this.config.quantize) v = lsb * Math.min(32767, Math.max(-32768, Math.round(v / lsb)));
      out[i] = v;
    }
    return out;
  }

  /** Advance the drop-out chain by `steps` samples (skipped indices are simply absent); true = this one is lost. */
  private lost(steps: number): boolean {
    if (this.config.dropRate <= 0) return false;
    for (let i = 0; i < steps; i++) {
      this.inDropBurst = this.dropRng.next() < (this.inDropBurst ? 1 - 1 / this.config.dropBurst : this.pEnterDrop);
    }
    return this.inDropBurst;
  }
}
