/**
 * Smooth scalar profiles. Every motion in the simulator is a composition of these with smooth functions, so
 * positions and orientations are C² in time: accelerations (what an accelerometer and a gyro differentiate) are
 * continuous and finite.
 */

/** Minimum-jerk rise from 0 to 1 on τ ∈ [0, 1] (10τ³ − 15τ⁴ + 6τ⁵): zero velocity and acceleration at both ends. */
export function minimumJerk(tau: number): number {
  const x = tau <= 0 ? 0 : tau >= 1 ? 1 : tau;
  return x * x * x * (10 + x * (-15 + 6 * x));
}

/**
 * Early bump on m ∈ [0, 1]: (27/4)·m·(1 − m)², 0 at both ends, peak 1 at m = 1/3. Used for movements that lead the
 * main motion (the trunk lean before seat-off). Smooth in m, so composed with a C² m(t) it stays C².
 */
export function earlyBump(m: number): number {
  const x = m <= 0 ? 0 : m >= 1 ? 1 : m;
  return 6.75 * x * (1 - x) * (1 - x);
}
