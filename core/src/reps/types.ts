/**
 * Data shapes of the repetition and hold detector. Angles are ISB hip angles in degrees with clinical signs
 * (flexion +, abduction +, internal rotation +), times in seconds of the sample clock.
 */
import type { HipAngles } from '../joint/hip-angles.js';

/** One sample of the hip-angle stream at the analysis rate. */
export interface AngleSample extends HipAngles {
  t: number;
}

/** A completed repetition: the primary angle left the rest band, reached its extreme and came back. */
export interface RepEvent {
  type: 'rep';
  /** Sequence number among all reported repetitions (full and partial), from 0. */
  index: number;
  /** Leaves the rest band (last instant inside it before the peak), s. */
  start: number;
  /** Back inside the rest band (first instant after the peak), s. */
  end: number;
  duration: number;
  /** Hip angles at the extreme (mean over the top of the movement). */
  peak: HipAngles;
  peakTime: number;
  /** Primary excursion at the extreme from the rest angle of this rep (degrees, positive). */
  rom: number;
  /** rom / target ROM. */
  romShare: number;
  /** Start → arrival at the top (within the top tolerance of the extreme), s. */
  concentricS: number;
  /** Time spent at the top, s. */
  topS: number;
  /** Departure from the top → end, s. */
  eccentricS: number;
  /** Rest value of the primary angle this rep started from (degrees, the angle itself, not the excursion). */
  restAngle: number;
  /** Reached less than the partial share of the target: reported, but not counted. */
  partial: boolean;
  /** Sample time at which the detector reported the rep (live latency = reportedAt − end). */
  reportedAt: number;
}

/** A completed hold: the stretch position was held for at least the minimum hold time. */
export interface HoldEvent {
  type: 'hold';
  index: number;
  /** The held position is reached (end of the approach), s. */
  start: number;
  /** The return begins, s. */
  end: number;
  duration: number;
  /** Mean hip angles while held. */
  angles: HipAngles;
  /** Mean primary excursion while held (degrees, positive) and its share of the target. */
  excursion: number;
  excursionShare: number;
  /** Held the prescribed hold time (within the 0.5 s the hold's boundaries can be measured to). */
  complete: boolean;
  reportedAt: number;
}

export type DetectorEvent = RepEvent | HoldEvent;

/**
 * Live phase. Reps: rest → concentric → top → eccentric → rest. Holds: rest → approach → holding → return → rest.
 */
export type MovementPhase = 'rest' | 'concentric' | 'top' | 'eccentric' | 'approach' | 'holding' | 'return';

/** Live state for a display; one object per detector, updated in place on every sample (do not keep a reference). */
export interface MovementProgress {
  /** Time of the latest analysed (smoothed) sample; NaN before the first one. */
  t: number;
  phase: MovementPhase;
  /** Since when the detector is in `phase`, s. */
  phaseSince: number;
  /** Current primary excursion from the rest angle (degrees, + in the working direction). */
  excursion: number;
  /** Excursion as a share of the target ROM. */
  share: number;
  /** Current estimate of the rest value of the primary angle (degrees). */
  restAngle: number;
  /** Full repetitions (or holds of at least the minimum time) so far. */
  count: number;
  partialCount: number;
  /** Seconds held so far in the current hold (0 when not holding). */
  heldS: number;
}
