import type { NumArray, Quat } from '../math/quat.js';
import { quatFromAxes, quatNormalizeInPlace, quatRotateInto } from '../math/quat.js';

export interface MadgwickOptions {
  sampleRate: number;
  mode: '6d' | '9d';
  /**
   * The one common gain (rad/s) of the gradient-descent correction. 0.12 is the value that minimises the average
   * total error over the whole BROAD benchmark (its published "TAGP" setting for this filter).
   */
  beta?: number;
  /** Start from the orientation given by the first accelerometer (+ magnetometer) sample instead of identity. */
  initFromFirstSample?: boolean;
}

/**
 * Madgwick's gradient-descent orientation filter (Madgwick, Harrison & Vaidyanathan 2011), written from the paper
 * in the project's conventions: sensor → earth quaternion, earth frame ENU, so gravity is +z and the magnetic
 * reference direction is [0, b_north, b_up]. The baseline the main filter is measured against.
 */
export class MadgwickFilter {
  readonly mode: '6d' | '9d';
  readonly beta: number;
  private readonly samplePeriod: number;
  private readonly q = new Float64Array([1, 0, 0, 0]);
  private readonly h = new Float64Array(3);
  private initialized: boolean;

  constructor(options: MadgwickOptions) {
    if (!(options.sampleRate > 0)) throw new RangeError(`sampleRate must be positive, got ${options.sampleRate}`);
    this.mode = options.mode;
    this.beta = options.beta ?? 0.12;
    this.samplePeriod = 1 / options.sampleRate;
    this.initialized = !(options.initFromFirstSample ?? true);
  }

  update(gyr: Readonly<NumArray>, acc: Readonly<NumArray>, mag?: Readonly<NumArray>, dt?: number): void {
    const useMag = this.mode === '9d' && !!mag && validVector(mag);
    const accOk = validVector(acc);
    if (!this.initialized && accOk) {
      this.initialize(acc, useMag ? mag : undefined);
      return;
    }
    const q = this.q;
    const w = q[0]!,
      x = q[1]!,
      y = q[2]!,
      z = q[3]!;
    const gx = gyr[0]!,
      gy = gyr[1]!,
      gz = gyr[2]!;
    // Rate of change from the gyroscope: ½ q ⊗ [0, ω].
    let dw = 0.5 * (-x * gx - y * gy - z * gz);
    let dx = 0.5 * (w * gx + y * gz - z * gy);
    let dy = 0.5 * (w * gy - x * gz + z * gx);
    let dz = 0.5 * (w * gz + x * gy - y * gx);

    if (accOk) {
      const an = Math.hypot(acc[0]!, acc[1]!, acc[2]!);
      const ax = acc[0]! / an,
        ay = acc[1]! / an,
        az = acc[2]! / an;
      // Third row of R (earth up seen from the sensor) minus the measured direction.
      const r3x = 2 * (x * z - w * y),
        r3y = 2 * (y * z + w * x),
        r3z = 1 - 2 * (x * x + y * y);
      const fgx = r3x - ax,
        fgy = r3y - ay,
        fgz = r3z - az;
      // ∇ = Jᵀ f, with ∂r3/∂(w,x,y,z) written out.
      let sw = -2 * y * fgx + 2 * x * fgy;
      let sx = 2 * z * fgx + 2 * w * fgy - 4 * x * fgz;
      let sy = -2 * w * fgx + 2 * z * fgy - 4 * y * fgz;
      let sz = 2 * x * fgx + 2 * y * fgy;

      if (useMag) {
        const mn = Math.hypot(mag[0]!, mag[1]!, mag[2]!);
        const h = this.h;
        quatRotateInto(h, q, mag);
        // Reference field: the measured one in the earth frame, turned to point north (no east component).
        const bn = Math.hypot(h[0]!, h[1]!) / mn,
          bu = h[2]! / mn;
        const mx = mag[0]! / mn,
          my = mag[1]! / mn,
          mz = mag[2]! / mn;
        const r2x = 2 * (x * y + w * z),
          r2y = 1 - 2 * (x * x + z * z),
          r2z = 2 * (y * z - w * x);
        const fbx = bn * r2x + bu * r3x - mx,
          fby = bn * r2y + bu * r3y - my,
          fbz = bn * r2z + bu * r3z - mz;
        sw += bn * (2 * z * fbx - 2 * x * fbz) + bu * (-2 * y * fbx + 2 * x * fby);
        sx += bn * (2 * y * fbx - 4 * x * fby - 2 * w * fbz) + bu * (2 * z * fbx + 2 * w * fby - 4 * x * fbz);
        sy += bn * (2 * x * fbx + 2 * z * fbz) + bu * (-2 * w * fbx + 2 * z * fby - 4 * y * fbz);
        sz += bn * (2 * w * fbx - 4 * z * fby + 2 * y * fbz) + bu * (2 * x * fbx + 2 * y * fby);
      }
      const sn = Math.hypot(sw, sx, sy, sz);
      if (sn > 0) {
        const k = this.beta / sn;
        dw -= k * sw;
        dx -= k * sx;
        dy -= k * sy;
        dz -= k * sz;
      }
    }
    const h = dt ?? this.samplePeriod;
    q[0] = w + dw * h;
    q[1] = x + dx * h;
    q[2] = y + dy * h;
    q[3] = z + dz * h;
    quatNormalizeInPlace(q);
  }

  quaternion(): Quat {
    return [this.q[0]!, this.q[1]!, this.q[2]!, this.q[3]!];
  }

  quaternionInto(out: NumArray, offset = 0): void {
    out[offset] = this.q[0]!;
    out[offset + 1] = this.q[1]!;
    out[offset + 2] = this.q[2]!;
    out[offset + 3] = this.q[3]!;
  }

  private initialize(acc: Readonly<NumArray>, mag: Readonly<NumArray> | undefined): void {
    const q = orientationFromAccMag(acc, mag);
    this.q.set(q);
    this.initialized = true;
  }
}

function validVector(v: Readonly<NumArray>): boolean {
  const a = v[0]!,
    b = v[1]!,
    c = v[2]!;
  return Number.isFinite(a) && Number.isFinite(b) && Number.isFinite(c) && (a !== 0 || b !== 0 || c !== 0);
}

/**
 * Orientation (sensor → ENU) from one accelerometer sample and, optionally, one magnetometer sample. Without
 * magnetometer the heading is chosen so that the sensor x axis points east as far as the tilt allows.
 */
export function orientationFromAccMag(acc: Readonly<NumArray>, mag?: Readonly<NumArray>): Quat {
  const up = normalize3([acc[0]!, acc[1]!, acc[2]!]);
  // Earth axes expressed in sensor coordinates are the rows of R; quatFromAxes takes columns, so pass them as
  // the transpose: build R's columns from the rows.
  let east = mag ? cross3([mag[0]!, mag[1]!, mag[2]!], up) : cross3([0, 1, 0], up);
  if (Math.hypot(east[0], east[1], east[2]) < 1e-9) east = cross3([0, 0, 1], up);
  east = normalize3(east);
  const north = cross3(up, east);
  // Columns of R are the sensor axes in earth coordinates: column j = (east_j, north_j, up_j).
  return quatFromAxes([east[0], north[0], up[0]], [east[1], north[1], up[1]], [east[2], north[2], up[2]]);
}

function cross3(a: number[], b: number[]): [number, number, number] {
  return [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
}

function normalize3(a: number[]): [number, number, number] {
  const n = Math.hypot(a[0]!, a[1]!, a[2]!) || 1;
  return [a[0]! / n, a[1]! / n, a[2]! / n];
}
