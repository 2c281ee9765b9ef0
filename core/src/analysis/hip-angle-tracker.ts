/**
 * The streaming two-sensor hip-angle pipeline, shared by the live service and the offline analysis:
 *
 *   samples (pelvis, thigh_<side>; any interleaving of the two, each sensor's in time order)
 *     → one orientation filter per sensor (OrientationTrack)
 *     → both orientations read at common instants k / analysisRate (slerp between each sensor's own samples)
 *     → calibration: static from the still standing window at the start, then functional refinement and
 *       relative-heading tracking from the movements (calibration/)
 *     → ISB hip angles and the pelvis orientation relative to its calibration pose, one frame per instant.
 *
 * Latency: frame k is produced as soon as both sensors have a sample at or after its instant, i.e. within one
 * sample period of the slower sensor's latest sample. When one sensor falls silent (lost packets, radio drop-out),
 * frames continue `maxGapS` behind the other sensor with the silent one's last orientation held, flagged `gap`.
 *
 * Frames go to `onFrame` in time order; the frame object is reused (copy what you keep). Once both filters run,
 * the per-sample path allocates nothing. Deterministic: every decision is taken at frame instants from the
 * samples around them, so the result does not depend on how the two streams were interleaved on arrival (as long
 * as neither runs more than maxGapS ahead).
 */
import type { OrientationFilterTuning } from '../fusion/options.js';
import { hipAnglesFromRotationToArray } from '../joint/hip-angles.js';
import type { HipAngles, Side } from '../joint/hip-angles.js';
import { quatConjugateInto, quatMultiplyF64Into, RAD } from '../math/quat.js';
import type { NumArray, Quat } from '../math/quat.js';
import type { ExerciseId } from '../exercises/catalogue.js';
import type { SensorRole } from '../wire/types.js';
import { HipRotationSolver } from '../calibration/alignment.js';
import type { SegmentAlignment } from '../calibration/alignment.js';
import { MAX_UPRIGHT_TILT_DEG, NOMINAL_SUPERIOR, staticCalibration } from '../calibration/static.js';
import { FunctionalAlignment } from '../calibration/functional.js';
import type { FunctionalAlignmentOptions, FunctionalAlignmentState } from '../calibration/functional.js';
import type { StillnessOptions } from '../calibration/stillness.js';
import { OrientationTrack } from './orientation-track.js';

/** Pelvis orientation relative to its calibration pose, degrees, signs mirrored like the hip angles. */
export interface PelvisAngles {
  /** Anterior tilt + (top of the pelvis forward). */
  tilt: number;
  /** Obliquity, + when the treated side is higher (hip hike). */
  obliquity: number;
  /** Transverse rotation, + when the treated side moves forward. */
  rotation: number;
}

export interface HipAngleFrame extends HipAngles {
  /** Analysis instant (s, gateway clock): k / analysisRate. */
  t: number;
  pelvis: PelvisAngles;
  /** One sensor had no sample for more than maxGapS around t: its last orientation was held. */
  gap: boolean;
  /** The functional refinement is complete (before that, the angles rest partly on the static calibration). */
  refined: boolean;
}

export interface CalibrationOptions {
  /** Shortest still window (s). Default 2 (DESIGN.md). */
  minStillS: number;
  /** The still window must begin within this time (s) of the first sample. Default 1. */
  startToleranceS: number;
  /** Largest tilt (degrees) of a sensor's superior axis from the vertical in the calibration pose. Default 40. */
  maxTiltDeg: number;
}

export const DEFAULT_CALIBRATION: Readonly<CalibrationOptions> = Object.freeze({
  minStillS: 2,
  startToleranceS: 1,
  maxTiltDeg: MAX_UPRIGHT_TILT_DEG,
});

export interface HipAngleTrackerOptions {
  side: Side;
  /** Enables the functional refinement along the exercise's primary movement (catalogue). */
  exercise?: ExerciseId;
  /** '9d' fuses the magnetometer samples (they must then be pushed). Default '6d'. */
  mode?: '6d' | '9d';
  /** Frames per second. Default 100. */
  analysisRate?: number;
  /** Sample rates (Hz) when known; otherwise estimated from the stamps. */
  rates?: Partial<Record<'pelvis' | 'thigh', number>>;
  tuning?: Partial<OrientationFilterTuning>;
  calibration?: Partial<CalibrationOptions>;
  stillness?: Partial<StillnessOptions>;
  functional?: Partial<Omit<FunctionalAlignmentOptions, 'exercise' | 'side' | 'frameRate'>>;
  /** Longest silence (s) of one sensor before frames continue without it. Default 0.1. */
  maxGapS?: number;
  onFrame?: (frame: Readonly<HipAngleFrame>) => void;
}

export type CalibrationFailure = 'not_still' | 'not_upright';

export type CalibrationStatus =
  | { state: 'waiting' }
  | { state: 'failed'; reason: CalibrationFailure; message: string }
  | {
      state: 'calibrated';
      /** The still window used (s): it grows while the patient stays still. */
      window: [number, number];
      /** True once the patient moved: the static calibration is final. */
      final: boolean;
      /** Tilt (degrees) of each sensor's superior axis from the vertical in the calibration pose. */
      tiltDeg: { pelvis: number; thigh: number };
    };

type CalibratedStatus = Extract<CalibrationStatus, { state: 'calibrated' }>;

export interface TrackerStats {
  frames: number;
  gapFrames: number;
  samples: { pelvis: number; thigh: number; ignored: number; outOfOrder: number; lost: number };
  /** Orientation filter restarts after radio drop-outs. */
  restarts: number;
  /** Sample rates in use (Hz; NaN until known). */
  rates: { pelvis: number; thigh: number };
}

type Segment = 'pelvis' | 'thigh';

/**
 * Largest plausible gyroscope bias (°/s) for the tracker's filters. VQF's 2 °/s is below what cheap, badly
 * calibrated sensors show (1 °/s per axis is common, 3 °/s occurs); a sensor beyond the clip is never detected at
 * rest, so its vertical bias is never estimated and the hip rotation drifts by that rate during a hold. 4 °/s
 * covers them; the price: the same clip is the rest detector's turntable guard, so a steady turn slower than 4 °/s
 * (the hip flexor stretch's slow pelvis tilt) can pass as rest and bias the estimate a little (+0.2° flexion).
 */
const TRACKER_BIAS_CLIP_DPS = 4;

/** Frames between re-calibrations while the patient stands still in the calibration pose (0.25 s at 100 Hz). */
const PROVISIONAL_RECALIBRATION_FRAMES = 25;

/** Stillness (s) of both sensors after which a pause counts as rest for the rest anchoring. */
const REST_ANCHOR_S = 0.3;

export class HipAngleTracker {
  readonly side: Side;
  readonly mode: '6d' | '9d';
  readonly analysisRate: number;
  private readonly pelvis: OrientationTrack;
  private readonly thigh: OrientationTrack;
  private readonly thighRole: SensorRole;
  private readonly calibration: CalibrationOptions;
  private readonly maxGapS: number;
  private readonly onFrame: ((frame: Readonly<HipAngleFrame>) => void) | undefined;
  private readonly functional: FunctionalAlignment | null;
  private readonly solver = new HipRotationSolver();
  private status_: CalibrationStatus = { state: 'waiting' };
  private baseAlignment: SegmentAlignment | null = null;
  private alignmentVersion = -1;
  /** Pelvis sensor orientation at the calibration instant, and (pelvis segment then)* under the current alignment. */
  private readonly pelvisAtCalibration = new Float64Array(4);
  private readonly pelvisReference = new Float64Array(4);
  /**
   * 9D: the magnetometers serve the static calibration only (the relative heading of the two filters); the stored
   * orientations are magnetometer-free, so once the calibration is final (or failed) their samples are not fused.
   */
  private fuseMag: boolean;
  private firstSampleT = Infinity;
  private nextFrame = -Infinity;
  /** Instant of the frame being processed (a field: a double passed to a call V8 does not inline is boxed). */
  private frameTime = 0;
  private lastAnchoredRest = NaN;
  private filterRestarts = 0;
  private frames = 0;
  private gapFrames = 0;
  private ignored = 0;
  private readonly frame = new ReusedFrame();
  private readonly qPelvis = new Float64Array(4);
  private readonly qThigh = new Float64Array(4);
  private readonly qRel = new Float64Array(4);
  private readonly qTmp = new Float64Array(4);
  private readonly anglesScratch = new Float64Array(3);
  /** The provisional window's latest frame not yet calibrated on (see stillFrame). */
  private readonly lastStill = {
    pelvis: new Float64Array(4),
    thigh: new Float64Array(4),
    t: Number.NaN,
    magneticOffset: Number.NaN,
    pending: false,
  };
  private framesSinceCalibration = 0;

  constructor(options: HipAngleTrackerOptions) {
    if (options.side !== 'left' && options.side !== 'right') {
      throw new RangeError(`side must be 'left' or 'right', got ${String(options.side)}`);
    }
    this.side = options.side;
    this.mode = options.mode ?? '6d';
    if (this.mode !== '6d' && this.mode !== '9d') {
      throw new RangeError(`mode must be '6d' or '9d', got ${String(this.mode)}`);
    }
    this.analysisRate = options.analysisRate ?? 100;
    if (!(this.analysisRate > 0 && Number.isFinite(this.analysisRate))) {
      throw new RangeError(`analysisRate must be > 0 Hz, got ${options.analysisRate}`);
    }
    this.fuseMag = this.mode === '9d';
    this.maxGapS = options.maxGapS ?? 0.1;
    this.calibration = { ...DEFAULT_CALIBRATION, ...options.calibration };
    this.thighRole = this.side === 'left' ? 'thigh_left' : 'thigh_right';
    const track = (segment: Segment) =>
      new OrientationTrack({
        mode: this.mode,
        rate: options.rates?.[segment],
        tuning: { biasClip: TRACKER_BIAS_CLIP_DPS, ...options.tuning },
        stillness: options.stillness,
      });
    this.pelvis = track('pelvis');
    this.thigh = track('thigh');
    this.onFrame = options.onFrame;
    this.functional = options.exercise
      ? new FunctionalAlignment({
          ...options.functional,
          exercise: options.exercise,
          side: this.side,
          frameRate: this.analysisRate,
        })
      : null;
  }

  /** Calibration state: waiting for the still window, calibrated, or failed with a one-line reason. */
  get status(): CalibrationStatus {
    return this.status_;
  }

  /** The sensor-to-segment alignment in use (null before calibration). */
  get alignment(): SegmentAlignment | null {
    return this.baseAlignment && this.solver.toAlignment();
  }

  /** State of the functional refinement (null without an exercise). */
  get functionalState(): FunctionalAlignmentState | null {
    return this.functional?.state ?? null;
  }

  get stats(): TrackerStats {
    return {
      frames: this.frames,
      gapFrames: this.gapFrames,
      samples: {
        pelvis: this.pelvis.fused,
        thigh: this.thigh.fused,
        ignored: this.ignored,
        outOfOrder: this.pelvis.outOfOrder + this.thigh.outOfOrder,
        lost: this.pelvis.lostSamples + this.thigh.lostSamples,
      },
      restarts: this.pelvis.restarts + this.thigh.restarts,
      rates: { pelvis: this.pelvis.sampleRate, thigh: this.thigh.sampleRate },
    };
  }

  /**
   * Feeds one sample of `role` (the other thigh's samples are ignored). Emits every frame that became ready and
   * returns how many.
   */
  push(
    role: SensorRole,
    t: number,
    gyr: Readonly<NumArray>,
    acc: Readonly<NumArray>,
    mag?: Readonly<NumArray>,
  ): number {
    // Small enough for V8 to inline into the caller's loop; the stamp goes on in fields (OrientationTrack.sampleTime).
    this.sampleTime = t;
    return this.pushAtSampleTime(role, gyr, acc, mag);
  }

  private sampleTime = 0;

  private pushAtSampleTime(
    role: SensorRole,
    gyr: Readonly<NumArray>,
    acc: Readonly<NumArray>,
    mag: Readonly<NumArray> | undefined,
  ): number {
    const t = this.sampleTime;
    const track = role === 'pelvis' ? this.pelvis : role === this.thighRole ? this.thigh : null;
    if (!track || !Number.isFinite(t)) {
      this.ignored++;
      return 0;
    }
    track.sampleTime = t;
    if (!track.pushAtSampleTime(gyr, acc, this.fuseMag ? mag : undefined)) return 0;
    if (t < this.firstSampleT) this.firstSampleT = t;
    return this.emitReady();
  }

  /**
   * `push` for a sample object (a recording row, a decoded frame's sample): the per-sample path of choice, as no
   * double crosses a call boundary whatever V8 inlines.
   */
  pushSample(sample: {
    role: SensorRole;
    t: number;
    gyr: Readonly<NumArray>;
    acc: Readonly<NumArray>;
    mag?: Readonly<NumArray>;
  }): number {
    this.sampleTime = sample.t;
    return this.pushAtSampleTime(sample.role, sample.gyr, sample.acc, sample.mag);
  }

  /** End of input: fuses samples still held for the rate estimate and emits what is ready. */
  finish(): number {
    this.pelvis.flushProbe();
    this.thigh.flushProbe();
    const emitted = this.emitReady();
    // Input ended in the still calibration pose: the calibration is that of its last frame.
    const last = this.lastStill;
    if (last.pending) this.calibrateAt(last.t, last.pelvis, last.thigh, last.magneticOffset);
    return emitted;
  }

  private emitReady(): number {
    const p = this.pelvis,
      th = this.thigh;
    const lp = p.newestTime,
      lt = th.newestTime;
    if (lp === -Infinity || lt === -Infinity) return 0;
    const period = 1 / this.analysisRate;
    if (this.nextFrame === -Infinity) {
      this.nextFrame = Math.ceil(Math.max(p.earliestTime, th.earliestTime) * this.analysisRate - 1e-9);
    }
    const slow = Math.min(lp, lt),
      fast = Math.max(lp, lt);
    let emitted = 0;
    for (;;) {
      const t = this.nextFrame * period;
      const gap = slow < t;
      if (gap && !(fast >= t + this.maxGapS)) break;
      // Through fields, not arguments (see OrientationTrack.queryTime).
      this.frameTime = p.queryTime = th.queryTime = t;
      p.orientationAtQuery(this.qPelvis);
      th.orientationAtQuery(this.qThigh);
      this.nextFrame++;
      if (this.processFrame(gap)) emitted++;
      p.discardBeforeQuery();
      th.discardBeforeQuery();
    }
    return emitted;
  }

  /** Calibration bookkeeping and, once calibrated, the angles of instant t. Returns true when a frame was emitted. */
  private processFrame(gap: boolean): boolean {
    if (this.status_.state === 'failed') return false;
    if (this.status_.state === 'waiting' || !this.status_.final) this.updateCalibration();
    if (this.status_.state !== 'calibrated') return false;

    const functional = this.functional;
    const restarts = this.pelvis.restarts + this.thigh.restarts;
    if (restarts !== this.filterRestarts) {
      this.filterRestarts = restarts;
      // How far the relative heading may have moved across the restarts (orientation-track.ts).
      const variance = this.pelvis.takeRestartHeadingVariance() + this.thigh.takeRestartHeadingVariance();
      functional?.addDriftUncertainty(Math.sqrt(variance));
    }
    if (functional && !gap && this.status_.final) {
      functional.update(this.qPelvis, this.qThigh);
      this.anchorIfResting();
      if (functional.version !== this.alignmentVersion) {
        this.alignmentVersion = functional.version;
        functional.applyTo(this.solver, this.baseAlignment!);
        this.updatePelvisReference();
      }
    }
    const f = this.frame;
    f.t = this.frameTime;
    this.solver.hipRotationInto(this.qRel, this.qPelvis, this.qThigh);
    const a = this.anglesScratch;
    hipAnglesFromRotationToArray(a, this.qRel, this.side);
    f.flexion = a[0]!;
    f.abduction = a[1]!;
    f.rotation = a[2]!;
    // Pelvis relative to its calibration pose, decomposed like the hip (Z tilt, X obliquity, Y rotation).
    this.solver.pelvisSegmentInto(this.qTmp, this.qPelvis);
    quatMultiplyF64Into(this.qTmp, this.pelvisReference, this.qTmp);
    hipAnglesFromRotationToArray(a, this.qTmp, this.side);
    const pelvis = f.pelvis;
    pelvis.tilt = -a[0]! + 0;
    pelvis.obliquity = a[1]!;
    pelvis.rotation = a[2]!;
    f.gap = gap;
    f.refined = functional?.refined ?? false;
    this.frames++;
    if (gap) this.gapFrames++;
    this.onFrame?.(f);
    return true;
  }

  /**
   * The calibration window: both sensors still (each in one still run) since windowStart, which lies within
   * startToleranceS of the first sample. Calibrated (provisionally) once it lasts minStillS, then re-calibrated
   * while the patient stays still (stillFrame); final at the first movement, on the window's last still frame.
   */
  private updateCalibration(): void {
    // The frame's instant from its field, not an argument: V8 would box it on every frame (see frameTime).
    const t = this.frameTime;
    const o = this.calibration;
    // Both tracks' queryTime is the frame's instant (emitReady).
    this.pelvis.findStillSince();
    this.thigh.findStillSince();
    const windowStart = Math.max(this.pelvis.stillSince, this.thigh.stillSince);
    const still = windowStart <= t; // false for NaN (one sensor moving)
    const deadline = this.firstSampleT + o.startToleranceS;
    const s = this.status_;
    if (s.state === 'calibrated') {
      if (still && windowStart === s.window[0]) this.stillFrame(t);
      else this.finishCalibration();
      return;
    }
    if (still && windowStart <= deadline) {
      if (t - windowStart < o.minStillS) return;
      const tilt = { pelvis: superiorTiltDeg(this.qPelvis), thigh: superiorTiltDeg(this.qThigh) };
      const worst: Segment = tilt.pelvis >= tilt.thigh ? 'pelvis' : 'thigh';
      if (tilt[worst] > o.maxTiltDeg) {
        this.fail(
          'not_upright',
          `calibration pose not upright: the ${worst} sensor's superior axis is ${tilt[worst].toFixed(0)}° from ` +
            `vertical (at most ${o.maxTiltDeg}°); stand upright with the sensors placed as documented`,
        );
        return;
      }
      this.status_ = { state: 'calibrated', window: [windowStart, t], final: false, tiltDeg: tilt };
      this.calibrateAt(t, this.qPelvis, this.qThigh, this.magneticHeadingOffset());
      return;
    }
    if (t > deadline) {
      const pelvisMoving = !(this.pelvis.stillSince <= t),
        thighMoving = !(this.thigh.stillSince <= t);
      const which =
        pelvisMoving && thighMoving ? 'both sensors' : pelvisMoving ? 'the pelvis sensor' : 'the thigh sensor';
      this.fail(
        'not_still',
        `the recording does not start with ${o.minStillS} s standing still (${which} moving at t=${t.toFixed(2)} s)`,
      );
    }
  }

  /** Once per still period of both sensors (after REST_ANCHOR_S of it): rest anchoring (functional.ts). */
  private anchorIfResting(): void {
    // Both tracks' queryTime is the frame's instant (emitReady).
    this.pelvis.findStillSince();
    this.thigh.findStillSince();
    const start = Math.max(this.pelvis.stillSince, this.thigh.stillSince);
    if (!(this.frameTime - start >= REST_ANCHOR_S) || start === this.lastAnchoredRest) return;
    this.lastAnchoredRest = start;
    this.functional!.anchorAtRest(this.qPelvis, this.qThigh);
  }

  private fail(reason: CalibrationFailure, message: string): void {
    this.status_ = { state: 'failed', reason, message };
    this.fuseMag = false;
  }

  /**
   * A frame of the provisional calibration window: the patient still stands still. Re-calibrated on every
   * PROVISIONAL_RECALIBRATION_FRAMES-th such frame (the live angles of the standing pose hardly change between
   * them); the others are kept, so the final calibration is the one of the window's last frame all the same.
   */
  private stillFrame(t: number): void {
    if (++this.framesSinceCalibration >= PROVISIONAL_RECALIBRATION_FRAMES) {
      this.calibrateAt(t, this.qPelvis, this.qThigh, this.magneticHeadingOffset());
      return;
    }
    this.lastStill.pelvis.set(this.qPelvis);
    this.lastStill.thigh.set(this.qThigh);
    this.lastStill.t = t;
    this.lastStill.magneticOffset = this.magneticHeadingOffset();
    this.lastStill.pending = true;
  }

  /** The window ended (the patient moved): calibrated at its last frame, final. */
  private finishCalibration(): void {
    const last = this.lastStill;
    if (last.pending) this.calibrateAt(last.t, last.pelvis, last.thigh, last.magneticOffset);
    this.status_ = { ...(this.status_ as CalibratedStatus), final: true };
    this.fuseMag = false;
  }

  /** 9D: the two filters' relative heading by their magnetometers (see FunctionalAlignment.reset); 6D: NaN. */
  private magneticHeadingOffset(): number {
    return this.mode === '9d' ? this.thigh.headingOffset - this.pelvis.headingOffset : Number.NaN;
  }

  private calibrateAt(
    t: number,
    pelvis: Readonly<Float64Array>,
    thigh: Readonly<Float64Array>,
    magneticOffset: number,
  ): void {
    const qp: Quat = [pelvis[0]!, pelvis[1]!, pelvis[2]!, pelvis[3]!];
    const qt: Quat = [thigh[0]!, thigh[1]!, thigh[2]!, thigh[3]!];
    const { alignment } = staticCalibration({ side: this.side, pelvis: qp, thigh: qt });
    if (this.status_.state === 'calibrated') this.status_.window[1] = t;
    this.framesSinceCalibration = 0;
    this.lastStill.pending = false;
    this.pelvisAtCalibration.set(qp);
    this.baseAlignment = alignment;
    this.solver.set(alignment);
    this.updatePelvisReference();
    if (this.functional) {
      this.functional.reset(alignment, Number.isNaN(magneticOffset) ? undefined : magneticOffset);
      this.alignmentVersion = this.functional.version;
      this.functional.applyTo(this.solver, alignment);
    }
  }

  /** (pelvis segment at calibration)* under the current alignment: a yaw correction keeps the reference valid. */
  private updatePelvisReference(): void {
    this.solver.pelvisSegmentInto(this.pelvisReference, this.pelvisAtCalibration);
    quatConjugateInto(this.pelvisReference, this.pelvisReference);
  }
}

/**
 * The frame object handed to onFrame. A class, not an object literal: literals whose first key is `t` share one
 * V8 map tree across the program, and one of them holding a non-number there makes every `t` store allocate.
 */
class ReusedFrame implements HipAngleFrame {
  t = 0;
  flexion = 0;
  abduction = 0;
  rotation = 0;
  readonly pelvis = new ReusedPelvisAngles();
  gap = false;
  refined = false;
}

class ReusedPelvisAngles implements PelvisAngles {
  tilt = 0;
  obliquity = 0;
  rotation = 0;
}

/** Angle (degrees) between a sensor's nominal superior axis (in earth, via its orientation q) and the vertical. */
function superiorTiltDeg(q: Readonly<NumArray>): number {
  // z component of q ⊗ x̂ ⊗ q*: the third row of the rotation matrix times the nominal superior axis (x).
  const w = q[0]!,
    x = q[1]!,
    y = q[2]!,
    z = q[3]!;
  const s = NOMINAL_SUPERIOR;
  const up = 2 * (x * z - w * y) * s[0] + 2 * (y * z + w * x) * s[1] + (1 - 2 * (x * x + y * y)) * s[2];
  return Math.acos(Math.max(-1, Math.min(1, up))) * RAD;
}
