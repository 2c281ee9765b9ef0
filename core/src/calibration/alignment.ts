/**
 * Sensor-to-segment alignment of the two hip sensors and what it takes to turn two sensor orientations into the
 * ISB hip rotation (thigh segment relative to pelvis segment).
 *
 * Each orientation filter reports sensor → its own earth frame. In 6D the two earth frames share the vertical but
 * not the heading, so the alignment carries the heading offset between them as well:
 *
 *   q_pelvisSegment = q_pelvis ⊗ s2s_pelvis*
 *   q_thighSegment  = Rz(headingOffset) ⊗ q_thigh ⊗ s2s_thigh*        (in the pelvis filter's earth frame)
 *   R_hip           = q_pelvisSegment* ⊗ q_thighSegment
 *
 * (s2s = sensor → segment, as in body/placement.ts.) In 9D both earth frames are magnetic ENU and the offset only
 * absorbs the small heading disagreement between the two magnetometers.
 */
import { quatConjugate, quatFromAxisAngle, quatMultiply, quatMultiplyF64Into } from '../math/quat.js';
import type { NumArray, Quat } from '../math/quat.js';

export interface SegmentAlignment {
  /** Pelvis sensor → pelvis segment (ISB: X anterior, Y superior, Z right). */
  pelvisSensorToSegment: Quat;
  /** Thigh sensor → femur segment. */
  thighSensorToSegment: Quat;
  /** Rotation (rad) about the vertical taking the thigh filter's earth frame into the pelvis filter's. */
  headingOffset: number;
}

/** Rotation about the segment's superior axis Y (in the segment frame) by `angle` rad. */
export const yawAboutSuperior = (angle: number): Quat => quatFromAxisAngle([0, 1, 0], angle);

/**
 * The alignment corrected by the unknowns left after the static calibration (functional.ts):
 * - `pelvisYaw` (ε) turns both segment frames about their common calibration vertical (the pelvis sensor's heading
 *   misplacement, inherited by the thigh);
 * - `headingError` (d) corrects the relative heading of the two filters at calibration; the thigh's sensor-to-segment
 *   rotation was made consistent with it, so it turns along (the calibration pose stays at zero hip angles);
 * - `drift` (δ) corrects relative heading drift since calibration: the thigh filter's earth frame only.
 */
export function adjustAlignment(
  base: Readonly<SegmentAlignment>,
  pelvisYaw: number,
  headingError: number,
  drift = 0,
): SegmentAlignment {
  return {
    pelvisSensorToSegment: quatMultiply(yawAboutSuperior(-pelvisYaw), base.pelvisSensorToSegment),
    thighSensorToSegment: quatMultiply(yawAboutSuperior(headingError - pelvisYaw), base.thighSensorToSegment),
    headingOffset: base.headingOffset + headingError + drift,
  };
}

/**
 * Precomputed form of an alignment for the per-sample path: the hip rotation is then two quaternion products per
 * sensor and one between them, with no allocation.
 */
export class HipRotationSolver {
  private readonly pelvisS2S = new Float64Array(4);
  private readonly thighS2SConj = new Float64Array(4);
  private readonly heading = new Float64Array(4);
  private readonly a = new Float64Array(4);
  private readonly b = new Float64Array(4);
  private readonly c = new Float64Array(4);
  private headingOffset = 0;

  constructor(alignment?: Readonly<SegmentAlignment>) {
    this.pelvisS2S[0] = 1;
    this.thighS2SConj[0] = 1;
    this.heading[0] = 1;
    if (alignment) this.set(alignment);
  }

  set(alignment: Readonly<SegmentAlignment>): void {
    this.setAdjusted(alignment, 0, 0, 0);
  }

  /** Allocation-free `set(adjustAlignment(base, pelvisYaw, headingError, drift))`. */
  setAdjusted(base: Readonly<SegmentAlignment>, pelvisYaw: number, headingError: number, drift: number): void {
    yawThenInto(this.pelvisS2S, -pelvisYaw, base.pelvisSensorToSegment);
    const t = this.thighS2SConj;
    yawThenInto(t, headingError - pelvisYaw, base.thighSensorToSegment);
    t[1] = -t[1]!;
    t[2] = -t[2]!;
    t[3] = -t[3]!;
    this.headingOffset = base.headingOffset + headingError + drift;
    const h = this.headingOffset / 2;
    this.heading[0] = Math.cos(h);
    this.heading[1] = this.heading[2] = 0;
    this.heading[3] = Math.sin(h);
  }

  /** The alignment in use, as a fresh object. */
  toAlignment(): SegmentAlignment {
    const p = this.pelvisS2S,
      t = this.thighS2SConj;
    return {
      pelvisSensorToSegment: [p[0]!, p[1]!, p[2]!, p[3]!],
      thighSensorToSegment: [t[0]!, -t[1]!, -t[2]!, -t[3]!],
      headingOffset: this.headingOffset,
    };
  }

  /** Pelvis segment → earth (pelvis filter's frame) for the pelvis sensor orientation qPelvis. */
  pelvisSegmentInto(out: NumArray, qPelvis: Readonly<NumArray>): void {
    // q_pelvis ⊗ s2s*, written as (s2s ⊗ q_pelvis*)* to reuse the stored s2s.
    const c = this.a;
    c[0] = qPelvis[0]!;
    c[1] = -qPelvis[1]!;
    c[2] = -qPelvis[2]!;
    c[3] = -qPelvis[3]!;
    quatMultiplyF64Into(c, this.pelvisS2S, c);
    out[0] = c[0]!;
    out[1] = -c[1]!;
    out[2] = -c[2]!;
    out[3] = -c[3]!;
  }

  /** Thigh segment → the pelvis filter's earth frame for the thigh sensor orientation qThigh. */
  thighSegmentInto(out: NumArray, qThigh: Readonly<NumArray>): void {
    this.thighSegmentF64(qThigh);
    const c = this.c;
    out[0] = c[0]!;
    out[1] = c[1]!;
    out[2] = c[2]!;
    out[3] = c[3]!;
  }

  /** this.c = thigh segment → pelvis filter's earth frame (typed scratch: monomorphic products). */
  private thighSegmentF64(qThigh: Readonly<NumArray>): void {
    const c = this.c;
    c[0] = qThigh[0]!;
    c[1] = qThigh[1]!;
    c[2] = qThigh[2]!;
    c[3] = qThigh[3]!;
    quatMultiplyF64Into(c, this.heading, c);
    quatMultiplyF64Into(c, c, this.thighS2SConj);
  }

  /** out = hip rotation (femur → pelvis segment frame) for the two sensor orientations. */
  hipRotationInto(out: NumArray, qPelvis: Readonly<NumArray>, qThigh: Readonly<NumArray>): void {
    this.pelvisSegmentInto(this.b, qPelvis);
    const p = this.b;
    p[1] = -p[1]!;
    p[2] = -p[2]!;
    p[3] = -p[3]!;
    this.thighSegmentF64(qThigh);
    const c = this.c;
    quatMultiplyF64Into(c, p, c);
    out[0] = c[0]!;
    out[1] = c[1]!;
    out[2] = c[2]!;
    out[3] = c[3]!;
  }
}

/** out = Ry(angle) ⊗ q (a rotation about the segment's superior axis applied after q). */
function yawThenInto(out: NumArray, angle: number, q: Readonly<NumArray>): void {
  const c = Math.cos(angle / 2),
    s = Math.sin(angle / 2);
  const w = q[0]!,
    x = q[1]!,
    y = q[2]!,
    z = q[3]!;
  out[0] = c * w - s * y;
  out[1] = c * x + s * z;
  out[2] = c * y + s * w;
  out[3] = c * z - s * x;
}

/** Hip rotation (femur → pelvis segment frame) of two sensor orientations under `alignment`. Allocates. */
export function hipRotationOf(
  alignment: Readonly<SegmentAlignment>,
  qPelvis: Readonly<Quat>,
  qThigh: Readonly<Quat>,
): Quat {
  const pelvisSegment = quatMultiply(qPelvis, quatConjugate(alignment.pelvisSensorToSegment));
  const heading = quatFromAxisAngle([0, 0, 1], alignment.headingOffset);
  const thighSegment = quatMultiply(quatMultiply(heading, qThigh), quatConjugate(alignment.thighSensorToSegment));
  return quatMultiply(quatConjugate(pelvisSegment), thighSegment);
}
