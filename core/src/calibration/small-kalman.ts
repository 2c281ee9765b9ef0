/**
 * A small extended Kalman filter: a handful of states, one or two scalar measurements at a time, χ²-gated.
 * Allocation-free after construction (scratch arrays are members). The caller linearises: it supplies the residual
 * r = h(x̂) − z (expected value 0) and the Jacobian rows ∂r/∂x. Measurements go in through member arrays (h, r,
 * noise), not arguments: correct is too large for V8 to inline, and it would allocate every double passed to it.
 */
export class SmallKalman {
  /** State estimate. */
  readonly x: Float64Array;
  /** Covariance, row-major n × n. */
  readonly p: Float64Array;
  /** Jacobian rows of the next measurement, row-major 2 × n (the caller fills them). */
  readonly h: Float64Array;
  /** Residuals of the next measurement's rows (the caller fills them). */
  readonly r = new Float64Array(2);
  /** Noise variances of the next measurement's rows (the caller fills them). */
  readonly noise = new Float64Array(2);
  private readonly ph: Float64Array;
  private readonly k: Float64Array;

  /** @param gate χ² of the innovation above which a measurement is rejected */
  constructor(
    readonly n: number,
    readonly gate: number,
  ) {
    this.x = new Float64Array(n);
    this.p = new Float64Array(n * n);
    this.h = new Float64Array(2 * n);
    this.ph = new Float64Array(2 * n);
    this.k = new Float64Array(2 * n);
  }

  /** Adds process noise `q` (variance) to state i. */
  addProcessNoise(i: number, q: number): void {
    this.p[i * this.n + i] = this.p[i * this.n + i]! + q;
  }

  variance(i: number): number {
    return this.p[i * this.n + i]!;
  }

  /**
   * Correction with the measurement in h, r and noise: row 0 and, when `rows` is 2, row 1. Returns false (state
   * untouched) when the χ² of the innovation exceeds the gate.
   */
  correct(rows: 1 | 2): boolean {
    const r1 = this.r[0]!;
    let r2 = this.r[1]!;
    const n = this.n,
      p = this.p,
      h = this.h,
      ph = this.ph;
    // ph[m·n + i] = (P Hᵀ)[i][m]
    for (let m = 0; m < rows; m++) {
      for (let i = 0; i < n; i++) {
        let sum = 0;
        for (let j = 0; j < n; j++) sum += p[i * n + j]! * h[m * n + j]!;
        ph[m * n + i] = sum;
      }
    }
    // S = H P Hᵀ + R
    let s11 = this.noise[0]!,
      s12 = 0,
      s22 = this.noise[1]!;
    for (let i = 0; i < n; i++) {
      s11 += h[i]! * ph[i]!;
      if (rows === 2) {
        s12 += h[i]! * ph[n + i]!;
        s22 += h[n + i]! * ph[n + i]!;
      }
    }
    let i11: number, i12: number, i22: number;
    if (rows === 2) {
      const det = s11 * s22 - s12 * s12;
      if (!(det > 0)) return false;
      i11 = s22 / det;
      i12 = -s12 / det;
      i22 = s11 / det;
    } else {
      if (!(s11 > 0)) return false;
      i11 = 1 / s11;
      i12 = 0;
      i22 = 0;
      r2 = 0;
    }
    const v1 = -r1,
      v2 = -r2;
    if (v1 * (i11 * v1 + i12 * v2) + v2 * (i12 * v1 + i22 * v2) > this.gate) return false;
    // K = P Hᵀ S⁻¹ (k[m·n + i] = K[i][m]); x += K v; P −= K (P Hᵀ)ᵀ
    const k = this.k;
    for (let i = 0; i < n; i++) {
      const a = ph[i]!,
        b = rows === 2 ? ph[n + i]! : 0;
      k[i] = a * i11 + b * i12;
      k[n + i] = a * i12 + b * i22;
      this.x[i] = this.x[i]! + k[i]! * v1 + k[n + i]! * v2;
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        p[i * n + j] = p[i * n + j]! - (k[i]! * ph[j]! + (rows === 2 ? k[n + i]! * ph[n + j]! : 0));
      }
    }
    // Keep P symmetric against rounding.
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const m = (p[i * n + j]! + p[j * n + i]!) / 2;
        p[i * n + j] = p[j * n + i] = m;
      }
    }
    return true;
  }
}
