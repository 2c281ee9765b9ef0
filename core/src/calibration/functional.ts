/**
 * Functional refinement of the static calibration and relative-heading tracking, from the exercise's movements.
 *
 * After the static calibration (static.ts) three rotations about the vertical remain unknown (see adjustAlignment):
 *   ε — yaw of both segment frames about the calibration vertical: the pelvis sensor's misplacement about the
 *       body's long axis, which the placement convention cannot see (the thigh inherits it at calibration);
 *   d — error of the relative heading of the two filters' (magnetometer-free) earth frames at calibration, i.e. of
 *       "both segments face the same way": the thigh sensor's misplacement about the femur's long axis (in 9D the
 *       magnetometers measure it once more, see reset). The static calibration made the thigh frame consistent
 *       with it, so it turns the thigh's earth frame *and* its sensor-to-segment rotation;
 *   δ — relative heading drift since calibration (gyroscope bias, scale and axis errors integrated over large
 *       rotations): it turns the thigh's earth frame only. Random walk.
 *   R_hip = Ry(−ε) · P⁻¹ · Rz(d + δ) · T · Ry(ε − d)      (P, T: segment orientations of the static alignment)
 *
 * Measurements (extended Kalman filter, SmallKalman), each a statement about the relative rotation Ω over a short
 * interval (pelvis frame, Ω = Ry(−ε)·P⁻¹·(Rz(d + δ)·a_thigh − a_pelvis), a_· = each segment's earth-frame rotation):
 * - exercise: in the exercise posture Ω turns about the axis of the exercise's primary movement at the current hip
 *   angles (primary-axis.ts: Z for flexion/extension, the floating X for abduction, plus coupled rotation);
 * - getting into position: movement far from that axis, or outside the posture, counts when it is close to Z —
 *   lying, sitting or kneeling down moves the hip mostly in the sagittal plane — or when the body turns as one
 *   (the pelvis turns fast, the hip hardly at all): Ω across Z is then heading error; generous model error;
 * - rest anchor: still in the exercise's start position, the hip's rotation (and abduction, unless primary) is at its
 *   catalogue value within restSigmaDeg — the only measurement that fixes δ when the movement cannot (standing
 *   still: the vertical is the femur's axis) and d in side-lying (the vertical is the flexion axis there).
 * Residuals are differentiated numerically: the expected axis itself depends on the hip angles, hence on x, and a
 * heading error that only shifts the angles along the movement must come out unobservable, not as information.
 * Every movement measurement is gated twice: angle to the expected axis (nonlinear) and χ² (linearised).
 *
 * Limits: the model assumes the patient moves in the exercise's plane (a consistent off-plane habit is taken for
 * misplacement), returns to the catalogue's start rotation at rest (±restSigmaDeg), and gets into position with
 * sagittal hip movement. Without movement or rest in the start position (a long hold), δ grows with the filters'
 * residual gyroscope errors.
 */
import { getExercise } from '../exercises/catalogue.js';
import type { ExerciseDefinition, ExerciseId, Posture } from '../exercises/catalogue.js';
import { hipAnglesFromRotationInto, sideSign } from '../joint/hip-angles.js';
import type { HipAngleName, HipAngles, Side } from '../joint/hip-angles.js';
import { DEG, RAD } from '../math/quat.js';
import type { NumArray, Vec3 } from '../math/quat.js';
import { adjustAlignment, HipRotationSolver } from './alignment.js';
import type { SegmentAlignment } from './alignment.js';
import { expectedAxisInto, primaryCardanRates } from './primary-axis.js';
import { SmallKalman } from './small-kalman.js';

type MeasurementKind = 'exercise' | 'sagittal';

/** State indices. */
const EPS = 0,
  D = 1,
  DRIFT = 2;

/** Step (rad) of the numerical Jacobians: far below any estimate's precision, far above rounding. */
const JACOBIAN_STEP = 1e-5;

/** Slots of the trigonometry memo (FunctionalAlignment.cosSin): one per angle of the model. */
const TRIG_HEADING = 0,
  TRIG_MINUS_EPS = 1,
  TRIG_HALF_HEADING = 2,
  TRIG_HALF_MINUS_EPS = 3,
  TRIG_HALF_EPS_MINUS_D = 4,
  TRIG_SLOTS = 5;

export interface FunctionalAlignmentOptions {
  exercise: ExerciseId;
  side: Side;
  /** Rate (Hz) at which `update` is called. */
  frameRate: number;
  /** Length (s) of the rotation increments. Default 0.05. */
  intervalS: number;
  /** Prior SD (degrees) of each sensor's rotation about its segment's long axis. Default 10. */
  sigmaYawDeg: number;
  /**
   * 9D: SD (degrees) of the relative heading the two magnetometers give at calibration. Default 10: a hard-iron
   * residual of 2 µT against a 20 µT horizontal field is already 6° per sensor.
   */
  sigmaHeadingDeg: number;
  /** Random walk of the relative heading drift δ (degrees per √s) while either segment moves. Default 1. */
  driftDegPerSqrtS: number;
  /**
   * Share of that random walk's variance while both segments are still. Default 0.02: a still sensor's filter is
   * learning its gyroscope bias, so its heading hardly drifts — and a long hold must not leave δ so loose that the
   * next movement's off-plane part is taken for drift.
   */
  stillDriftShare: number;
  /** Increments with a relative rate below this (°/s) are skipped. Default 3. */
  minRateDegS: number;
  /** The body turns (getting into position) when the pelvis turns faster than this (°/s). Default 20. */
  minBodyTurnDegS: number;
  /** Model error (share of the increment) of "the hip moves in the sagittal plane" outside the exercise. Default 0.2. */
  transitionModelError: number;
  /** Model error of the same while the body turns, as a share of the pelvis's rotation. Default 0.05. */
  bodyTurnModelError: number;
  /** SD (degrees) of the perpendicular part of an increment that is noise, whatever its size. Default 0.15. */
  noiseDeg: number;
  /**
   * SD of the perpendicular part as a share of the increment (off-plane motion, model error). Default 0.2. A
   * patient's deviation from the plane persists through a repetition, so the increments' errors are correlated,
   * not independent: at 0.1 the same off-plane habit, counted once per 50-ms increment, moved ε and the drift by
   * several degrees within one repetition (rotation RMSE up to 6° with typical sensors, pipeline benchmark).
   */
  modelError: number;
  /** χ² above which a measurement is rejected. Default 13.8 (p = 0.001 for 2 degrees of freedom). */
  gate: number;
  /** Increments turning further than this (degrees) from the expected axis are not exercise movement. Default 40. */
  maxAxisErrorDeg: number;
  /** The pelvis is in the exercise posture within this angle (degrees). Default 45. */
  maxPostureErrorDeg: number;
  /** SD (degrees) of the hip's rotation/abduction around the catalogue start values at rest. Default 5. */
  restSigmaDeg: number;
  /** SD (degrees) of each hip angle between the patient's successive rests in the start position. Default 2. */
  restRepeatSigmaDeg: number;
  /**
   * Accepted exercise rotation (degrees) after which ε and d are final and only the drift δ is tracked. Default 150
   * (two or three repetitions). Freezing them matters in long sessions: directions the exercise cannot observe
   * (ε + d when standing) would otherwise wander on thousands of measurements' tiny model errors.
   */
  refinementRotationDeg: number;
}

export const DEFAULT_FUNCTIONAL: Readonly<Omit<FunctionalAlignmentOptions, 'exercise' | 'side' | 'frameRate'>> =
  Object.freeze({
    intervalS: 0.05,
    sigmaYawDeg: 10,
    sigmaHeadingDeg: 10,
    driftDegPerSqrtS: 1,
    stillDriftShare: 0.02,
    minRateDegS: 3,
    minBodyTurnDegS: 20,
    transitionModelError: 0.2,
    bodyTurnModelError: 0.05,
    noiseDeg: 0.15,
    modelError: 0.2,
    gate: 13.8,
    maxAxisErrorDeg: 40,
    maxPostureErrorDeg: 45,
    restSigmaDeg: 5,
    restRepeatSigmaDeg: 2,
    refinementRotationDeg: 150,
  });

export interface FunctionalAlignmentState {
  /** ε: yaw of both segment frames (degrees). */
  pelvisYawDeg: number;
  /** d: relative heading error at calibration (degrees). */
  headingErrorDeg: number;
  /** δ: relative heading drift since calibration (degrees). */
  driftDeg: number;
  /** Posterior SDs (degrees). */
  sigmaDeg: { pelvisYaw: number; headingError: number; drift: number };
  /** Measurements used, by kind, and rejected. */
  accepted: number;
  transitions: number;
  anchors: number;
  rejected: number;
  /** Accepted exercise rotation so far (degrees). */
  rotationDeg: number;
  /** ε and d are final (refinement done); δ is still tracked. */
  refined: boolean;
}

export class FunctionalAlignment {
  /** Incremented whenever the estimate changes. */
  version = 0;
  private readonly o: FunctionalAlignmentOptions;
  private readonly definition: ExerciseDefinition;
  private readonly side: Side;
  private readonly rates: Vec3;
  private readonly stride: number;
  /** Pelvis axis pointing up in the exercise posture (pelvis frame). */
  private readonly postureUp: Vec3;
  private readonly minPostureCos: number;
  private readonly minAxisCos: number;
  private readonly base = new HipRotationSolver();
  private readonly kf: SmallKalman;
  private accepted = 0;
  private transitions = 0;
  private anchors = 0;
  private rejected = 0;
  private rotation = 0;
  private refined_ = false;
  /** Hip angles at the first rest after refinement (the patient's own start position). */
  private restReference: HipAngles | null = null;
  private frameCount = 0;
  private hasPrevious = false;
  // Scratch.
  private readonly pPrev = new Float64Array(4);
  private readonly tPrev = new Float64Array(4);
  private readonly pNow = new Float64Array(4);
  private readonly tNow = new Float64Array(4);
  private readonly aP = new Float64Array(3);
  private readonly aT = new Float64Array(3);
  private readonly w = new Float64Array(3);
  private readonly omega = new Float64Array(3);
  private readonly axis = new Float64Array(3);
  private readonly kX = new Float64Array(3);
  private readonly u = new Float64Array(6);
  private readonly r = new Float64Array(2);
  private readonly x = new Float64Array(3);
  private readonly qRel = new Float64Array(4);
  private readonly angles: HipAngles = { flexion: 0, abduction: 0, rotation: 0 };
  /**
   * cos and sin of the last angle computed in each slot (see cosSin), and the exercise axis of the last state it
   * was computed for: the Jacobians evaluate the model at states that differ in one component at a time, so most
   * of the trigonometry repeats exactly.
   */
  private readonly trigAngle = new Float64Array(TRIG_SLOTS).fill(Number.NaN);
  private readonly trigArgument = new Float64Array(TRIG_SLOTS);
  private readonly trigCos = new Float64Array(TRIG_SLOTS);
  private readonly trigSin = new Float64Array(TRIG_SLOTS);
  private readonly axisState = new Float64Array(3).fill(Number.NaN);
  private readonly axisMemo = new Float64Array(3);
  /** Cardan α, β of the hip at the state axisInto evaluates (an array: see cosSin). */
  private readonly cardan = new Float64Array(2);

  constructor(
    options: Pick<FunctionalAlignmentOptions, 'exercise' | 'side' | 'frameRate'> & Partial<FunctionalAlignmentOptions>,
  ) {
    this.o = { ...DEFAULT_FUNCTIONAL, ...options };
    this.definition = getExercise(options.exercise);
    this.side = options.side;
    this.rates = primaryCardanRates(options.exercise, options.side);
    this.stride = Math.max(1, Math.round(this.o.intervalS * options.frameRate));
    this.postureUp = pelvisUpAxis(this.definition.posture, options.side);
    this.minPostureCos = Math.cos(this.o.maxPostureErrorDeg * DEG);
    this.minAxisCos = Math.cos(this.o.maxAxisErrorDeg * DEG);
    this.kf = new SmallKalman(3, this.o.gate);
    this.resetState();
  }

  /** True once ε and d are final (see refinementRotationDeg). */
  get refined(): boolean {
    return this.refined_;
  }

  get state(): FunctionalAlignmentState {
    const x = this.kf.x;
    const sd = (i: number) => Math.sqrt(this.kf.variance(i)) * RAD;
    return {
      pelvisYawDeg: x[EPS]! * RAD,
      headingErrorDeg: x[D]! * RAD,
      driftDeg: x[DRIFT]! * RAD,
      sigmaDeg: { pelvisYaw: sd(EPS), headingError: sd(D), drift: sd(DRIFT) },
      accepted: this.accepted,
      transitions: this.transitions,
      anchors: this.anchors,
      rejected: this.rejected,
      rotationDeg: this.rotation * RAD,
      refined: this.refined_,
    };
  }

  /** The static alignment corrected by the current estimate. */
  alignment(base: Readonly<SegmentAlignment>): SegmentAlignment {
    const x = this.kf.x;
    return adjustAlignment(base, x[EPS]!, x[D]!, x[DRIFT]!);
  }

  /** Allocation-free: sets `solver` to the static alignment corrected by the current estimate. */
  applyTo(solver: HipRotationSolver, base: Readonly<SegmentAlignment>): void {
    const x = this.kf.x;
    solver.setAdjusted(base, x[EPS]!, x[D]!, x[DRIFT]!);
  }

  /**
   * Starts over from a (new) static alignment. In 9D, `magneticHeadingOffset` (rad) is the relative heading of the
   * two filters' earth frames according to their magnetometers: a second, independent estimate of what the static
   * calibration took from the placement, fused with it unless the two disagree beyond belief (χ² gate).
   */
  reset(base: Readonly<SegmentAlignment>, magneticHeadingOffset?: number): void {
    this.base.set(base);
    this.resetState();
    if (magneticHeadingOffset !== undefined) {
      const h = this.kf.h;
      h.fill(0);
      h[D] = 1;
      this.kf.r[0] = wrapAngle(-(magneticHeadingOffset - base.headingOffset));
      this.kf.noise[0] = (this.o.sigmaHeadingDeg * DEG) ** 2;
      this.kf.correct(1);
    }
    this.version++;
  }

  private resetState(): void {
    const kf = this.kf;
    kf.x.fill(0);
    kf.p.fill(0);
    const sy = (this.o.sigmaYawDeg * DEG) ** 2;
    // d = ε − u with u the thigh's own yaw misplacement, independent of ε: Var d = 2σ², Cov(ε, d) = σ².
    kf.p[EPS * 3 + EPS] = sy;
    kf.p[EPS * 3 + D] = kf.p[D * 3 + EPS] = sy;
    kf.p[D * 3 + D] = 2 * sy;
    this.accepted = this.transitions = this.anchors = this.rejected = 0;
    this.rotation = 0;
    this.refined_ = false;
    this.restReference = null;
    this.frameCount = 0;
    this.hasPrevious = false;
  }

  /**
   * The relative heading became uncertain by about `sigmaDeg` (an orientation filter restarted after a radio
   * drop-out and guessed its heading): drift measurements weigh more until the movements have re-estimated it.
   */
  addDriftUncertainty(sigmaDeg: number): void {
    this.kf.addProcessNoise(DRIFT, (sigmaDeg * DEG) ** 2);
    // The increment spanning the restart compares two different heading frames.
    this.hasPrevious = false;
  }

  /** Feeds the two sensor orientations (sensor → own earth frame) at one analysis instant. */
  update(qPelvis: Readonly<NumArray>, qThigh: Readonly<NumArray>): void {
    if (this.frameCount++ % this.stride !== 0) return;
    this.base.pelvisSegmentInto(this.pNow, qPelvis);
    this.base.thighSegmentInto(this.tNow, qThigh);
    this.axisState[0] = Number.NaN;
    if (this.hasPrevious) this.step();
    this.pPrev.set(this.pNow);
    this.tPrev.set(this.tNow);
    this.hasPrevious = true;
  }

  /**
   * Rest anchoring: call once per still period of both sensors. Used when the pelvis is in the exercise posture and
   * the primary angle is near its start value (within half the target range):
   * - while refining: the rotation (and abduction, unless primary) is at its catalogue start value within
   *   restSigmaDeg — absolute information, the only kind that fixes d where the movement cannot;
   * - once refined: all three angles are where they were at the first rest after refinement, within
   *   restRepeatSigmaDeg — the patient returns to the same start position, so what changed between rests is
   *   drift (in side-lying the vertical is the flexion axis: nothing else observes drift there).
   * Returns true when the anchor was used.
   */
  anchorAtRest(qPelvis: Readonly<NumArray>, qThigh: Readonly<NumArray>): boolean {
    const def = this.definition;
    this.base.pelvisSegmentInto(this.pNow, qPelvis);
    this.base.thighSegmentInto(this.tNow, qThigh);
    this.axisState[0] = Number.NaN;
    if (!this.inPosture(this.pNow)) return false;
    this.x.set(this.kf.x);
    this.anglesAt(this.x);
    const primary = def.primary.angle;
    if (Math.abs(this.angles[primary] - def.restAngles[primary]) > 0.5 * def.targetRomDeg) return false;
    let used: boolean;
    if (!this.refined_) {
      // Flexion never: its start value varies too much between patients.
      used = this.anchorAngles(
        def.restAngles,
        'rotation',
        primary === 'abduction' ? null : 'abduction',
        (this.o.restSigmaDeg * DEG) ** 2,
      );
    } else if (this.restReference === null) {
      this.restReference = { ...this.angles };
      return true;
    } else {
      const noise = (this.o.restRepeatSigmaDeg * DEG) ** 2;
      // Scalar updates in turn: equivalent to one joint update with independent noise.
      used = this.anchorAngles(this.restReference, 'flexion', 'abduction', noise);
      this.x.set(this.kf.x);
      used = this.anchorAngles(this.restReference, 'rotation', null, noise) || used;
    }
    if (used) this.anchors++;
    else this.rejected++;
    return used;
  }

  /** Kalman correction from "angles a (and b) are at their values in `target`" at the rest orientations. */
  private anchorAngles(target: Readonly<HipAngles>, a: HipAngleName, b: HipAngleName | null, noise: number): boolean {
    this.anglesAt(this.x);
    const r1 = (this.angles[a] - target[a]) * DEG;
    const r2 = b === null ? 0 : (this.angles[b] - target[b]) * DEG;
    const h = this.kf.h;
    for (let i = 0; i < 3; i++) {
      this.x[i] = this.x[i]! + JACOBIAN_STEP;
      this.anglesAt(this.x);
      this.x[i] = this.x[i]! - JACOBIAN_STEP;
      h[i] = ((this.angles[a] - target[a]) * DEG - r1) / JACOBIAN_STEP;
      h[3 + i] = b === null ? 0 : ((this.angles[b] - target[b]) * DEG - r2) / JACOBIAN_STEP;
    }
    const kf = this.kf;
    kf.r[0] = r1;
    kf.r[1] = r2;
    kf.noise[0] = kf.noise[1] = noise;
    if (!kf.correct(b === null ? 1 : 2)) return false;
    this.version++;
    return true;
  }

  private step(): void {
    const o = this.o;
    const dt = this.stride / o.frameRate;

    // Earth-frame rotation vectors of each segment over the interval: rotvec(q_now ⊗ q_prev*).
    earthIncrementInto(this.aP, this.pNow, this.pPrev);
    earthIncrementInto(this.aT, this.tNow, this.tPrev);
    const pelvisTurn = norm3(this.aP);
    const still = Math.max(pelvisTurn, norm3(this.aT)) < o.minRateDegS * DEG * dt;
    this.kf.addProcessNoise(DRIFT, (o.driftDegPerSqrtS * DEG) ** 2 * dt * (still ? o.stillDriftShare : 1));
    this.x.set(this.kf.x);
    this.omegaInto(this.omega, this.x);
    const om = this.omega;
    const size = norm3(om);

    const bodyTurns = pelvisTurn >= o.minBodyTurnDegS * DEG * dt;
    if (size < o.minRateDegS * DEG * dt && !bodyTurns) return;
    let along = 0;
    if (size >= o.minRateDegS * DEG * dt && this.inPosture(this.pNow)) {
      this.axisInto(this.axis, 'exercise', this.x);
      along = Math.abs(om[0]! * this.axis[0]! + om[1]! * this.axis[1]! + om[2]! * this.axis[2]!);
    }
    if (along < this.minAxisCos * size) {
      // Not the exercise's movement, or not yet in its posture: getting into position. The hip then moves mostly
      // in the sagittal plane (sitting, lying, kneeling down) or not at all while the body turns (lying down,
      // rolling onto the side), so Ω across the flexion axis Z is heading error plus a generous model error. While
      // the body turns, a heading error alone can tilt Ω far from Z, so only the χ² gate (which knows how large
      // the heading error may still be) judges; otherwise the movement must be roughly sagittal.
      if (!bodyTurns && Math.abs(om[2]!) < this.minAxisCos * size) {
        this.rejected++;
        return;
      }
      const noise =
        (o.noiseDeg * DEG) ** 2 + (o.transitionModelError * size) ** 2 + (o.bodyTurnModelError * pelvisTurn) ** 2;
      this.kf.noise[0] = this.kf.noise[1] = noise;
      if (this.measure('sagittal')) this.transitions++;
      else this.rejected++;
      return;
    }
    this.kf.noise[0] = this.kf.noise[1] = (o.noiseDeg * DEG) ** 2 + (o.modelError * size) ** 2;
    if (!this.measure('exercise')) {
      this.rejected++;
      return;
    }
    this.accepted++;
    this.rotation += along;
    if (!this.refined_ && this.rotation >= o.refinementRotationDeg * DEG) this.freezeCalibration();
  }

  /** ε and d become constants: no uncertainty, so no later measurement can move them. */
  private freezeCalibration(): void {
    const p = this.kf.p;
    for (const i of [EPS, D]) {
      for (let j = 0; j < 3; j++) p[i * 3 + j] = p[j * 3 + i] = 0;
    }
    this.refined_ = true;
    this.version++;
  }

  /** Kalman correction from "Ω turns about the expected axis" (zero perpendicular part), noise already in kf.noise. */
  private measure(kind: MeasurementKind): boolean {
    // Fixed basis u1, u2 ⊥ axis at the current estimate: u1 = normalize(axis × e), e the coordinate axis least
    // aligned with it; u2 = axis × u1.
    this.x.set(this.kf.x);
    const k = this.axis;
    this.axisInto(k, kind, this.x);
    const kx = k[0]!,
      ky = k[1]!,
      kz = k[2]!;
    const ax = Math.abs(kx),
      ay = Math.abs(ky),
      az = Math.abs(kz);
    const ex = ax <= ay && ax <= az ? 1 : 0;
    const ey = ex === 0 && ay <= az ? 1 : 0;
    const ez = ex === 0 && ey === 0 ? 1 : 0;
    let u1x = ky * ez - kz * ey,
      u1y = kz * ex - kx * ez,
      u1z = kx * ey - ky * ex;
    const n1 = Math.sqrt(u1x * u1x + u1y * u1y + u1z * u1z);
    u1x /= n1;
    u1y /= n1;
    u1z /= n1;
    const u = this.u;
    u[0] = u1x;
    u[1] = u1y;
    u[2] = u1z;
    u[3] = ky * u1z - kz * u1y;
    u[4] = kz * u1x - kx * u1z;
    u[5] = kx * u1y - ky * u1x;

    this.residualAt(kind, this.x);
    const r1 = this.r[0]!,
      r2 = this.r[1]!;
    const h = this.kf.h;
    for (let i = 0; i < 3; i++) {
      this.x[i] = this.x[i]! + JACOBIAN_STEP;
      this.residualAt(kind, this.x);
      this.x[i] = this.x[i]! - JACOBIAN_STEP;
      h[i] = (this.r[0]! - r1) / JACOBIAN_STEP;
      h[3 + i] = (this.r[1]! - r2) / JACOBIAN_STEP;
    }
    this.kf.r[0] = r1;
    this.kf.r[1] = r2;
    if (!this.kf.correct(2)) return false;
    this.version++;
    return true;
  }

  /** r = components of Ω's part perpendicular to the expected axis along u1, u2, both at state x. */
  private residualAt(kind: MeasurementKind, x: Readonly<Float64Array>): void {
    const o = this.w;
    this.omegaInto(o, x);
    this.axisInto(this.kX, kind, x);
    const k = this.kX;
    const along = o[0]! * k[0]! + o[1]! * k[1]! + o[2]! * k[2]!;
    const px = o[0]! - along * k[0]!,
      py = o[1]! - along * k[1]!,
      pz = o[2]! - along * k[2]!;
    const u = this.u;
    this.r[0] = px * u[0]! + py * u[1]! + pz * u[2]!;
    this.r[1] = px * u[3]! + py * u[4]! + pz * u[5]!;
  }

  /** out = Ω(x) = Ry(−ε)·P⁻¹·(Rz(d + δ)·a_thigh − a_pelvis). */
  private omegaInto(out: Float64Array, x: Readonly<Float64Array>): void {
    this.trigArgument[TRIG_HEADING] = x[D]! + x[DRIFT]!;
    this.cosSin(TRIG_HEADING);
    const c = this.trigCos[TRIG_HEADING]!,
      s = this.trigSin[TRIG_HEADING]!;
    const a = this.aT;
    const vx = c * a[0]! - s * a[1]! - this.aP[0]!,
      vy = s * a[0]! + c * a[1]! - this.aP[1]!,
      vz = a[2]! - this.aP[2]!;
    out[0] = vx;
    out[1] = vy;
    out[2] = vz;
    this.trigArgument[TRIG_MINUS_EPS] = -x[EPS]!;
    this.cosSin(TRIG_MINUS_EPS);
    // The rotation's cos and sin stay in their arrays: toPelvisFrame is not inlined, and would box them.
    toPelvisFrame(out, this.pNow, this.trigCos, this.trigSin, TRIG_MINUS_EPS, out);
  }

  /** out = the unit axis Ω should turn about, for each kind of measurement, at state x. */
  private axisInto(out: Float64Array, kind: MeasurementKind, x: Readonly<Float64Array>): void {
    if (kind === 'sagittal') {
      out[0] = out[1] = 0;
      out[2] = 1;
    } else {
      const memo = this.axisMemo,
        at = this.axisState;
      if (x[0] === at[0] && x[1] === at[1] && x[2] === at[2]) {
        out[0] = memo[0]!;
        out[1] = memo[1]!;
        out[2] = memo[2]!;
        return;
      }
      // At the current hip angles: Cardan α (about Z) and β (floating X) of the refined relative rotation.
      this.relativeRotationInto(this.qRel, x);
      const q = this.qRel;
      const qw = q[0]!,
        qx = q[1]!,
        qy = q[2]!,
        qz = q[3]!;
      const r01 = 2 * (qx * qy - qw * qz),
        r11 = 1 - 2 * (qx * qx + qz * qz),
        r21 = 2 * (qy * qz + qw * qx);
      const cardan = this.cardan;
      cardan[0] = Math.atan2(-r01, r11);
      cardan[1] = Math.atan2(r21, Math.sqrt(r01 * r01 + r11 * r11));
      expectedAxisInto(out, this.rates, cardan);
      memo[0] = out[0]!;
      memo[1] = out[1]!;
      memo[2] = out[2]!;
      at[0] = x[0]!;
      at[1] = x[1]!;
      at[2] = x[2]!;
    }
  }

  /** this.angles = clinical hip angles of (pNow, tNow) at state x. */
  private anglesAt(x: Readonly<Float64Array>): void {
    this.relativeRotationInto(this.qRel, x);
    hipAnglesFromRotationInto(this.angles, this.qRel, this.side);
  }

  /** Is the pelvis (segment → earth, static alignment) in the exercise posture? */
  private inPosture(p: Readonly<NumArray>): boolean {
    // Earth up in the pelvis frame: the third row of p's rotation matrix.
    const upX = 2 * (p[1]! * p[3]! - p[0]! * p[2]!),
      upY = 2 * (p[2]! * p[3]! + p[0]! * p[1]!),
      upZ = 1 - 2 * (p[1]! * p[1]! + p[2]! * p[2]!);
    const pu = this.postureUp;
    return upX * pu[0] + upY * pu[1] + upZ * pu[2] >= this.minPostureCos;
  }

  /**
   * trigCos[slot], trigSin[slot] ← cos and sin of trigArgument[slot] (recomputed only when it changed). The angle
   * goes in through the array, not as an argument: V8 allocates a double argument unless it inlines the call.
   */
  private cosSin(slot: number): void {
    const angle = this.trigArgument[slot]!;
    if (angle === this.trigAngle[slot]) return;
    this.trigAngle[slot] = angle;
    this.trigCos[slot] = Math.cos(angle);
    this.trigSin[slot] = Math.sin(angle);
  }

  /** out = hip rotation of (pNow, tNow) at state x: Ry(−ε)·P⁻¹·Rz(d + δ)·T·Ry(ε − d). */
  private relativeRotationInto(out: NumArray, x: Readonly<Float64Array>): void {
    const eps = x[EPS]!,
      d = x[D]!,
      heading = d + x[DRIFT]!;
    const p = this.pNow,
      t = this.tNow;
    // Rz(heading) ⊗ t
    this.trigArgument[TRIG_HALF_HEADING] = heading / 2;
    this.cosSin(TRIG_HALF_HEADING);
    const hc = this.trigCos[TRIG_HALF_HEADING]!,
      hs = this.trigSin[TRIG_HALF_HEADING]!;
    let w = hc * t[0]! - hs * t[3]!,
      vx = hc * t[1]! - hs * t[2]!,
      vy = hc * t[2]! + hs * t[1]!,
      vz = hc * t[3]! + hs * t[0]!;
    // p* ⊗ (…)
    const pw = p[0]!,
      px = -p[1]!,
      py = -p[2]!,
      pz = -p[3]!;
    let rw = pw * w - px * vx - py * vy - pz * vz,
      rx = pw * vx + px * w + py * vz - pz * vy,
      ry = pw * vy - px * vz + py * w + pz * vx,
      rz = pw * vz + px * vy - py * vx + pz * w;
    // Ry(−ε) ⊗ (…)
    this.trigArgument[TRIG_HALF_MINUS_EPS] = -eps / 2;
    this.cosSin(TRIG_HALF_MINUS_EPS);
    const ca = this.trigCos[TRIG_HALF_MINUS_EPS]!,
      sa = this.trigSin[TRIG_HALF_MINUS_EPS]!;
    w = ca * rw - sa * ry;
    vx = ca * rx + sa * rz;
    vy = ca * ry + sa * rw;
    vz = ca * rz - sa * rx;
    // (…) ⊗ Ry(ε − d)
    this.trigArgument[TRIG_HALF_EPS_MINUS_D] = (eps - d) / 2;
    this.cosSin(TRIG_HALF_EPS_MINUS_D);
    const cb = this.trigCos[TRIG_HALF_EPS_MINUS_D]!,
      sb = this.trigSin[TRIG_HALF_EPS_MINUS_D]!;
    rw = w * cb - vy * sb;
    rx = vx * cb - vz * sb;
    ry = vy * cb + w * sb;
    rz = vz * cb + vx * sb;
    out[0] = rw;
    out[1] = rx;
    out[2] = ry;
    out[3] = rz;
  }
}

/** The pelvis segment axis that points up in a posture (side-lying: on the untreated side, treated side up). */
export function pelvisUpAxis(posture: Posture, side: Side): Vec3 {
  switch (posture) {
    case 'supine':
    case 'hook_lying':
      return [1, 0, 0];
    case 'side_lying':
      return [0, 0, sideSign(side)];
    default:
      return [0, 1, 0];
  }
}

const wrapAngle = (a: number): number => a - 2 * Math.PI * Math.round(a / (2 * Math.PI));

/** out = rotation vector (rad) of a ⊗ b* (the rotation from b to a, expressed in the outer frame). */
function earthIncrementInto(out: Float64Array, a: Readonly<NumArray>, b: Readonly<NumArray>): void {
  const aw = a[0]!,
    ax = a[1]!,
    ay = a[2]!,
    az = a[3]!;
  const bw = b[0]!,
    bx = -b[1]!,
    by = -b[2]!,
    bz = -b[3]!;
  let w = aw * bw - ax * bx - ay * by - az * bz;
  let x = aw * bx + ax * bw + ay * bz - az * by;
  let y = aw * by - ax * bz + ay * bw + az * bx;
  let z = aw * bz + ax * by - ay * bx + az * bw;
  if (w < 0) {
    w = -w;
    x = -x;
    y = -y;
    z = -z;
  }
  const sn = Math.sqrt(x * x + y * y + z * z);
  const f = sn < 1e-12 ? 2 : (2 * Math.atan2(sn, w)) / sn;
  out[0] = x * f;
  out[1] = y * f;
  out[2] = z * f;
}

/**
 * out = Ry(−ε) · P⁻¹ · v for the pelvis segment orientation P (segment → earth), cos[slot] and sin[slot] the cosine
 * and sine of −ε; out may alias v.
 */
function toPelvisFrame(
  out: Float64Array,
  p: Readonly<NumArray>,
  cos: Readonly<Float64Array>,
  sin: Readonly<Float64Array>,
  slot: number,
  v: Readonly<NumArray>,
): void {
  const c = cos[slot]!,
    s = sin[slot]!;
  // P⁻¹·v = P* ⊗ v ⊗ P.
  const w = p[0]!,
    x = -p[1]!,
    y = -p[2]!,
    z = -p[3]!;
  const vx = v[0]!,
    vy = v[1]!,
    vz = v[2]!;
  const tx = 2 * (y * vz - z * vy);
  const ty = 2 * (z * vx - x * vz);
  const tz = 2 * (x * vy - y * vx);
  const sx = vx + w * tx + (y * tz - z * ty);
  const sy = vy + w * ty + (z * tx - x * tz);
  const sz = vz + w * tz + (x * ty - y * tx);
  // Ry(θ)·(x, y, z) = (c·x + s·z, y, −s·x + c·z) with θ = −ε.
  out[0] = c * sx + s * sz;
  out[1] = sy;
  out[2] = -s * sx + c * sz;
}

const norm3 = (v: Readonly<NumArray>): number => Math.sqrt(v[0]! * v[0]! + v[1]! * v[1]! + v[2]! * v[2]!);
