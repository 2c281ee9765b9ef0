/**
 * A motion script → what the two IMUs (pelvis, thigh of the script's side) deliver to the gateway: exact signals
 * (synthesize.ts) passed through each sensor's seeded error model (errors.ts), merged into one stream sorted by
 * gateway timestamp. Lazy: the generators compute one sample at a time, so a live publisher can stream a
 * 20-minute session in real time without materializing it; `recordMotion` collects everything for files and tests.
 */
import { applyMisplacement, nominalSensorToSegment } from '@hipmon/core';
import type { RecordingSample, SensorRole, Vec3 } from '@hipmon/core';
import { createPrng } from '../prng.js';
import type { Prng } from '../prng.js';
import { DEFAULT_ANTHROPOMETRY, sensorLeverArm } from '../kinematics/anthropometry.js';
import type { Anthropometry } from '../kinematics/anthropometry.js';
import type { ExerciseMotionScript } from '../kinematics/motion-script.js';
import type { MotionScript, Pose } from '../kinematics/types.js';
import { resolveErrorConfig, SensorErrorModel } from './errors.js';
import type { ErrorPreset, ImuErrorConfig, ImuErrorDraw } from './errors.js';
import { earthMagneticField, synthesizeImu } from './synthesize.js';
import type { MagDisturbance, MagneticEnvironment, SensorMount } from './synthesize.js';

export type SensorSegment = 'pelvis' | 'thigh';

export interface SensorOptions {
  /** Output data rate, Hz (default: the recording's `rate`). */
  rate?: number;
  /** Misplacement on the skin, degrees: a number draws Euler angles (x, y, z) uniformly within ±n; a vector is exact. */
  misplacementDeg?: number | Vec3;
  /** Sensor position in the segment frame, m (default: sacrum / lateral mid-thigh of the script's anthropometry). */
  leverArm?: Vec3;
  /** Overrides on the error preset for this sensor. */
  errors?: Partial<ImuErrorConfig>;
  /** Pin some of this sensor's drawn error constants (e.g. its clock offset). */
  fixedErrors?: Partial<ImuErrorDraw>;
}

/** A magnetic disturbance, optionally felt by some sensors only (default: all). */
export interface RecordingMagDisturbance extends MagDisturbance {
  roles?: SensorRole[];
}

export interface RecordOptions {
  /** Output data rate of both sensors, Hz. Default 100. */
  rate?: number;
  /** 9D (with magnetometer) instead of 6D. Default false. */
  mag?: boolean;
  /** Misplacement of both sensors (see SensorOptions). Default 0. */
  misplacementDeg?: number | Vec3;
  /** Sensor error preset. Default 'typical'. */
  noise?: ErrorPreset;
  /** Overrides on the preset for both sensors. */
  errors?: Partial<ImuErrorConfig>;
  /** Seed of every random choice (misplacement, sensor errors). Default 1. */
  seed?: number | string;
  /** Earth field (ENU, µT; default earthMagneticField()) and disturbances. Used only with `mag`. */
  earthField?: Vec3;
  magDisturbances?: RecordingMagDisturbance[];
  pelvis?: SensorOptions;
  thigh?: SensorOptions;
}

/** One simulated sensor: how it is mounted and what its errors turned out to be (ground truth for calibration). */
export interface SimulatedSensor {
  role: SensorRole;
  segment: SensorSegment;
  rate: number;
  mount: SensorMount;
  /** The misplacement actually applied: Euler angles x, y, z in degrees (see misplacementRotation). */
  misplacementDeg: Vec3;
  errorConfig: ImuErrorConfig;
  errors: ImuErrorDraw;
}

/** A window of gateway time [t0, t1) and the samples stamped in it, time-ordered (possibly none). */
export interface SampleChunk {
  t0: number;
  t1: number;
  samples: RecordingSample[];
}

export interface Recorder {
  script: MotionScript;
  hasMag: boolean;
  sensors: SimulatedSensor[];
  /** All samples of both sensors, sorted by t (ties: pelvis first). A fresh, identical stream on every call. */
  samples(): Generator<RecordingSample>;
  /** The same stream cut into consecutive windows of `seconds` of gateway time, from 0 until the last sample. */
  chunks(seconds: number): Generator<SampleChunk>;
}

export interface SimulatedRecording {
  hasMag: boolean;
  sensors: SimulatedSensor[];
  samples: RecordingSample[];
}

export const thighRole = (side: MotionScript['side']): SensorRole => (side === 'left' ? 'thigh_left' : 'thigh_right');

/** Sets up the two sensors of a recording (mounts, error constants) and returns its lazy sample streams. */
export function createRecorder(script: MotionScript, options: RecordOptions = {}): Recorder {
  const seed = options.seed ?? 1;
  const root = createPrng(seed);
  const hasMag = options.mag ?? false;
  const sensors: SimulatedSensor[] = (['pelvis', 'thigh'] as const).map((segment) =>
    setUpSensor(script, segment, options, root.fork(`sensor.${segment}`)),
  );
  const environment = (role: SensorRole): MagneticEnvironment | undefined =>
    hasMag
      ? {
          earth: options.earthField ?? earthMagneticField(),
          disturbances: (options.magDisturbances ?? []).filter((d) => !d.roles || d.roles.includes(role)),
        }
      : undefined;

  // Each stream restarts its error model from the same seed, so every call yields the same samples.
  const samples = (): Generator<RecordingSample> =>
    mergeByTime(
      sensors.map((s) => sensorStream(script, s, root.fork(`sensor.${s.segment}`).fork('errors'), environment(s.role))),
    );

  return {
    script,
    hasMag,
    sensors,
    samples,
    *chunks(seconds: number) {
      if (!(seconds > 0 && Number.isFinite(seconds)))
        throw new RangeError(`chunk length must be > 0 s, got ${seconds}`);
      let index = 0;
      let chunk: SampleChunk = { t0: 0, t1: seconds, samples: [] };
      for (const sample of samples()) {
        while (sample.t >= chunk.t1) {
          yield chunk;
          index++;
          chunk = { t0: index * seconds, t1: (index + 1) * seconds, samples: [] };
        }
        chunk.samples.push(sample);
      }
      yield chunk;
    },
  };
}

/** Time-ordered samples of both sensors, lazily. */
export function generateSamples(script: MotionScript, options: RecordOptions = {}): Generator<RecordingSample> {
  return createRecorder(script, options).samples();
}

/** The whole recording in memory (files, tests). */
export function recordMotion(script: MotionScript, options: RecordOptions = {}): SimulatedRecording {
  const recorder = createRecorder(script, options);
  return { hasMag: recorder.hasMag, sensors: recorder.sensors, samples: [...recorder.samples()] };
}

function setUpSensor(
  script: MotionScript,
  segment: SensorSegment,
  options: RecordOptions,
  prng: Prng,
): SimulatedSensor {
  const own = options[segment] ?? {};
  const role: SensorRole = segment === 'pelvis' ? 'pelvis' : thighRole(script.side);
  const rate = own.rate ?? options.rate ?? 100;
  if (!(rate > 0 && Number.isFinite(rate))) throw new RangeError(`${role}: sample rate must be > 0 Hz, got ${rate}`);
  const misplacementDeg = drawMisplacement(
    own.misplacementDeg ?? options.misplacementDeg ?? 0,
    prng.fork('misplacement'),
  );
  const mount: SensorMount = {
    rotation: applyMisplacement(nominalSensorToSegment(segment, script.side), misplacementDeg),
    leverArm: [...(own.leverArm ?? sensorLeverArm(bodyOf(script), segment, script.side))],
  };
  const errorConfig = resolveErrorConfig(options.noise ?? 'typical', { ...options.errors, ...own.errors });
  // Drawn here (the same way the stream's model will) so the set-up can report the sensor's actual errors.
  const errors = new SensorErrorModel(errorConfig, rate, prng.fork('errors'), own.fixedErrors).draw;
  return { role, segment, rate, mount, misplacementDeg, errorConfig, errors };
}

/** Scripts from createMotionScript carry the virtual patient's body; hand-made scripts get the default adult. */
const bodyOf = (script: MotionScript): Anthropometry =>
  (script as Partial<ExerciseMotionScript>).anthropometry ?? DEFAULT_ANTHROPOMETRY;

function drawMisplacement(spec: number | Vec3, prng: Prng): Vec3 {
  if (typeof spec !== 'number') {
    if (spec.length !== 3 || !spec.every(Number.isFinite)) throw new RangeError('misplacement must be 3 finite angles');
    return [...spec];
  }
  if (!(spec >= 0 && Number.isFinite(spec))) throw new RangeError(`misplacement must be ≥ 0°, got ${spec}`);
  if (spec === 0) return [0, 0, 0];
  return [prng.uniform(-spec, spec), prng.uniform(-spec, spec), prng.uniform(-spec, spec)];
}

function* sensorStream(
  script: MotionScript,
  sensor: SimulatedSensor,
  errorPrng: Prng,
  magnetic: MagneticEnvironment | undefined,
): Generator<RecordingSample> {
  const model = new SensorErrorModel(sensor.errorConfig, sensor.rate, errorPrng, sensor.errors);
  const poseAt = (t: number): Pose => script.stateAt(t)[sensor.segment];
  // Sensor clocks start at 0 with the recording: no sample before gateway time 0 or physical time 0.
  for (let k = Math.max(0, model.firstIndexAtOrAfter(0)); ; k++) {
    const t = model.sampleTime(k);
    if (t > script.duration) return;
    const sample = model.measure(k, synthesizeImu(poseAt, sensor.mount, t, magnetic));
    if (sample) yield { role: sensor.role, ...sample };
  }
}

/** k-way merge of time-ordered streams; ties keep stream order. */
function* mergeByTime(streams: Generator<RecordingSample>[]): Generator<RecordingSample> {
  const heads = streams.map((s) => s.next());
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i]!;
      if (!h.done && (best < 0 || h.value.t < (heads[best]!.value as RecordingSample).t)) best = i;
    }
    if (best < 0) return;
    yield heads[best]!.value as RecordingSample;
    heads[best] = streams[best]!.next();
  }
}
