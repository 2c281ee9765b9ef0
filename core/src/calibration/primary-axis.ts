/**
 * The relative rotation axis an exercise's primary movement should have, in the pelvis segment frame.
 *
 * With R = Rz(α)·Rx(β)·Ry(γ) (ISB Cardan Z-X-Y, hip-angles.ts), the angular velocity of the femur relative to the
 * pelvis, in pelvis axes, is  Ω = α̇·Z + β̇·Rz(α)·X + γ̇·Rz(α)·Rx(β)·Y.  The catalogue says which clinical angle is
 * primary and how the others move with it (`coupled`, degrees per degree), so the expected direction of Ω at the
 * current angles follows: flexion/extension turns about Z whatever the other angles; abduction about the floating
 * X axis (X itself when standing, X turned by the hip flexion in the clamshell); coupled rotation adds the femur's
 * long axis.
 */
import { getExercise } from '../exercises/catalogue.js';
import type { ExerciseId } from '../exercises/catalogue.js';
import { sideSign } from '../joint/hip-angles.js';
import type { HipAngleName, Side } from '../joint/hip-angles.js';
import type { NumArray, Vec3 } from '../math/quat.js';

/** Cardan angle rates (α̇, β̇, γ̇) per unit of the primary clinical angle's rate, for `side`. */
export function primaryCardanRates(exercise: ExerciseId, side: Side): Vec3 {
  const def = getExercise(exercise);
  const clinical: Record<HipAngleName, number> = { flexion: 0, abduction: 0, rotation: 0 };
  clinical[def.primary.angle] = 1;
  for (const [name, ratio] of Object.entries(def.coupled) as [HipAngleName, number][]) clinical[name] += ratio;
  const m = sideSign(side);
  // flexion = α, abduction = −m·β, rotation = m·γ (hip-angles.ts).
  return [clinical.flexion, -m * clinical.abduction, m * clinical.rotation];
}

/**
 * Unit direction (pelvis frame) of the relative angular velocity for Cardan rates `rates` at the current Cardan
 * angles cardan = [α (about Z), β (about the floating X)], in radians. Allocation-free (the angles come in an
 * array: V8 allocates double arguments of a call it does not inline).
 */
export function expectedAxisInto(out: NumArray, rates: Readonly<Vec3>, cardan: Readonly<NumArray>): void {
  const alpha = cardan[0]!,
    beta = cardan[1]!;
  const ca = Math.cos(alpha),
    sa = Math.sin(alpha),
    cb = Math.cos(beta),
    sb = Math.sin(beta);
  // Rz(α)·X = (cα, sα, 0); Rz(α)·Rx(β)·Y = Rz(α)·(0, cβ, sβ) = (−sα·cβ, cα·cβ, sβ).
  const x = rates[1] * ca - rates[2] * sa * cb;
  const y = rates[1] * sa + rates[2] * ca * cb;
  const z = rates[0] + rates[2] * sb;
  const n = Math.sqrt(x * x + y * y + z * z) || 1;
  out[0] = x / n;
  out[1] = y / n;
  out[2] = z / n;
}
