/**
 * The live analysis chain over one recording, as the benchmarks run it: HipAngleTracker → MovementDetector and
 * PrecautionMonitor on every frame as the tracker emits it, then flushed.
 */
import { HipAngleTracker, PrecautionMonitor, createMovementDetector, exerciseEnvelopeLimits } from '@hipmon/core';
import type { DetectorEvent, ExerciseId, RecordingSample, Side } from '@hipmon/core';

export type Mode = '6d' | '9d';

export interface ChainOutput {
  frames: { t: Float64Array; angles: Float64Array; n: number };
  events: DetectorEvent[];
  /** Ids of the envelope alerts, in order. */
  alerts: string[];
  calibrated: boolean;
}

/** The live chain over one recording: tracker → detector + precaution monitor on every frame, then flushed. */
export function runChain(
  samples: readonly RecordingSample[],
  exercise: ExerciseId,
  side: Side,
  mode: Mode,
  targetRomDeg: number,
  keepFrames: boolean,
): ChainOutput {
  const detector = createMovementDetector({ exercise, targetRomDeg });
  const monitor = new PrecautionMonitor({ limits: exerciseEnvelopeLimits(exercise) });
  const capacity = keepFrames ? Math.ceil(samples.length / 2) + 16 : 0;
  const frames = { t: new Float64Array(capacity), angles: new Float64Array(3 * capacity), n: 0 };
  const events: DetectorEvent[] = [];
  const alerts: string[] = [];
  const tracker = new HipAngleTracker({
    side,
    mode,
    exercise,
    onFrame: (f) => {
      const ev = detector.push(f);
      if (ev) events.push(ev);
      const pe = monitor.push(f);
      for (let i = 0; i < pe.length; i++) if (pe[i]!.type === 'precaution_alert') alerts.push(pe[i]!.id);
      if (keepFrames && frames.n < capacity) {
        const k = frames.n++;
        frames.t[k] = f.t;
        frames.angles[3 * k] = f.flexion;
        frames.angles[3 * k + 1] = f.abduction;
        frames.angles[3 * k + 2] = f.rotation;
      }
    },
  });
  feedTracker(tracker, samples);
  tracker.finish();
  for (const ev of detector.flush()) events.push(ev);
  return { frames, events, alerts, calibrated: tracker.status.state === 'calibrated' };
}

/**
 * The per-sample loop on its own: V8 compiles a hot loop in place (on-stack replacement), and code after the loop
 * that had never run then lacks type feedback — in runChain it deoptimised the whole function once per call.
 */
function feedTracker(tracker: HipAngleTracker, samples: readonly RecordingSample[]): void {
  for (let i = 0; i < samples.length; i++) {
    tracker.pushSample(samples[i]!);
  }
}
