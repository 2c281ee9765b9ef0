/**
 * The end-of-session summary, accumulated as the session runs: per exercise the sets and repetitions done (full and
 * partial) against the plan, the peak range of motion per plane, time under tension and hold time. Pure.
 */
import { EXERCISE_CATALOGUE } from '@hipmon/core';
import type { ExerciseId, HipAngles, HoldEvent, MotionPlane, PlanPayload, RepEvent } from '@hipmon/core';
import { prescriptionOf } from './plan-settings.js';

export interface ExerciseTotals {
  exercise: ExerciseId;
  /** Sets with at least one repetition or hold reported. */
  setsDone: number;
  /** Full repetitions; completed holds for a hold exercise. */
  repsDone: number;
  /** Repetitions short of the partial share of the target; holds released before the prescribed time. */
  partialReps: number;
  /**
   * Largest excursion per plane (degrees, ≥ 0): the primary plane from the detector's repetitions (excursion from
   * the rest angle), the other planes from the angles during the sets (distance from the set's first angles).
   */
  peakRomDeg: Record<MotionPlane, number | null>;
  /** Sum of the repetitions' durations (start → end), or of the holds'. */
  timeUnderTensionS: number;
  /** Time still at the top of repetitions, or in the stretch of holds. */
  holdTimeS: number;
  prescribedSets: number;
  /** sets × reps of the plan item; 0 when the exercise is not in the plan. */
  prescribedReps: number;
}

export interface SessionSummary {
  /** End of the session (s, gateway clock). */
  t: number;
  exercises: ExerciseTotals[];
  alerts: number;
}

const PLANE_OF: Record<keyof HipAngles, MotionPlane> = {
  flexion: 'sagittal',
  abduction: 'frontal',
  rotation: 'transverse',
};

interface Tally {
  setsWithEvents: Set<number>;
  repsDone: number;
  partialReps: number;
  peak: Record<MotionPlane, number | null>;
  tut: number;
  hold: number;
}

export class SessionSummaryAccumulator {
  private readonly tallies = new Map<ExerciseId, Tally>();
  private alerts = 0;
  /** Angles at the first frame of the current set: the start position the off-plane excursions are measured from. */
  private setStart: HipAngles | null = null;

  private tally(exercise: ExerciseId): Tally {
    let t = this.tallies.get(exercise);
    if (!t) {
      t = {
        setsWithEvents: new Set(),
        repsDone: 0,
        partialReps: 0,
        peak: { sagittal: null, frontal: null, transverse: null },
        tut: 0,
        hold: 0,
      };
      this.tallies.set(exercise, t);
    }
    return t;
  }

  startSet(exercise: ExerciseId): void {
    this.tally(exercise);
    this.setStart = null;
  }

  /** One analysed frame during a set. */
  angles(exercise: ExerciseId, a: Readonly<HipAngles>): void {
    if (!this.setStart) {
      this.setStart = { flexion: a.flexion, abduction: a.abduction, rotation: a.rotation };
      return;
    }
    const primary = EXERCISE_CATALOGUE[exercise].primary.angle;
    const t = this.tally(exercise);
    for (const angle of ['flexion', 'abduction', 'rotation'] as const) {
      if (angle === primary) continue;
      const excursion = Math.abs(a[angle] - this.setStart[angle]);
      const plane = PLANE_OF[angle];
      if (t.peak[plane] === null || excursion > t.peak[plane]!) t.peak[plane] = excursion;
    }
  }

  rep(exercise: ExerciseId, set: number, rep: Readonly<RepEvent>): void {
    const t = this.tally(exercise);
    t.setsWithEvents.add(set);
    if (rep.partial) t.partialReps++;
    else t.repsDone++;
    this.primaryPeak(t, exercise, rep.rom);
    t.tut += rep.duration;
    t.hold += rep.topS;
  }

  hold(exercise: ExerciseId, set: number, hold: Readonly<HoldEvent>): void {
    const t = this.tally(exercise);
    t.setsWithEvents.add(set);
    if (hold.complete) t.repsDone++;
    else t.partialReps++;
    this.primaryPeak(t, exercise, hold.excursion);
    t.tut += hold.duration;
    t.hold += hold.duration;
  }

  alert(): void {
    this.alerts++;
  }

  /** Exercises done, in the order they were first started, each against its prescription. */
  summary(plan: PlanPayload | null, t: number): SessionSummary {
    const exercises = [...this.tallies].map(([exercise, tally]): ExerciseTotals => {
      const prescribed = prescriptionOf(plan, exercise);
      return {
        exercise,
        setsDone: tally.setsWithEvents.size,
        repsDone: tally.repsDone,
        partialReps: tally.partialReps,
        peakRomDeg: { ...tally.peak },
        timeUnderTensionS: tally.tut,
        holdTimeS: tally.hold,
        prescribedSets: prescribed?.sets ?? 0,
        prescribedReps: prescribed ? prescribed.sets * prescribed.reps : 0,
      };
    });
    return { t, exercises, alerts: this.alerts };
  }

  private primaryPeak(t: Tally, exercise: ExerciseId, rom: number): void {
    const plane = EXERCISE_CATALOGUE[exercise].primary.plane;
    if (Number.isFinite(rom) && (t.peak[plane] === null || rom > t.peak[plane]!)) t.peak[plane] = Math.max(0, rom);
  }
}
