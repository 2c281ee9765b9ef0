/**
 * The minimum-jerk profile of a point-to-point movement (Flash & Hogan 1985, J Neurosci 5:1688): position goes from
 * 0 to 1 as 10τ³ − 15τ⁴ + 6τ⁵ over normalised time τ ∈ [0, 1]. Human reaching and limb positioning follow it
 * closely; the detectors use it as the shape model that turns well-measured mid-movement crossing times into the
 * start and end of a movement, whose exact instants (zero velocity) no threshold can observe.
 */

export function minimumJerkPosition(tau: number): number {
  const x = tau <= 0 ? 0 : tau >= 1 ? 1 : tau;
  return x * x * x * (10 + x * (-15 + 6 * x));
}

/** Normalised time τ at which the profile reaches `fraction` (0…1): the inverse of minimumJerkPosition. */
export function minimumJerkTime(fraction: number): number {
  if (!(fraction > 0)) return 0;
  if (fraction >= 1) return 1;
  let lo = 0,
    hi = 1;
  for (let i = 0; i < 50; i++) {
    const mid = 0.5 * (lo + hi);
    if (minimumJerkPosition(mid) < fraction) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}
