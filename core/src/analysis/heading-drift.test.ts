/**
 * 20-minute 6D sessions with gyroscope bias drift: the two filters' relative heading drifts (nothing observes it
 * in 6D), and the functional tracking (calibration/functional.ts: δ) must keep it out of the hip angles.
 * Bias random walk 0.02 °/s/√s — four times the 'typical' preset, the 'high' one's — on otherwise typical sensors.
 */
import { describe, expect, it } from 'vitest';
import { DEG } from '../math/quat.js';
import type { ExerciseId } from '../exercises/catalogue.js';
import type { HipAngles } from '../joint/hip-angles.js';
import { HIP_ANGLE_NAMES } from '../joint/hip-angles.js';
import { runTracker, scoreFrames, simulateSession } from './test-support.js';
import type { FrameRecord, SimulatedSession } from './test-support.js';

const TWENTY_MINUTES = { reps: 15, sets: 14, restBetweenSetsS: 20 };

function session(exercise: ExerciseId, walkDegPerSqrtS: number): SimulatedSession {
  return simulateSession({
    exercise,
    side: 'right',
    mode: '6d',
    seed: 1,
    misplacementDeg: 10,
    noise: 'typical',
    motion: TWENTY_MINUTES,
    errors: { gyroBiasWalk: walkDegPerSqrtS * DEG },
  });
}

/** Largest |mean error| over any minute of the session, per plane. */
function worstMinuteMean(frames: readonly FrameRecord[], s: SimulatedSession): HipAngles {
  const worst = { flexion: 0, abduction: 0, rotation: 0 };
  for (let m = 0; m * 60 < s.script.duration; m++) {
    const e = scoreFrames(frames, s.script, Math.max(m * 60, s.script.calibrationEnd), (m + 1) * 60);
    if (e.frames === 0) continue;
    for (const k of HIP_ANGLE_NAMES) worst[k] = Math.max(worst[k], Math.abs(e.mean[k]));
  }
  return worst;
}

describe('20-minute 6D session with gyroscope bias drift', () => {
  const flexion = session('standing_hip_flexion', 0.02);

  it('lasts 20 minutes', () => {
    expect(flexion.script.duration).toBeGreaterThan(1150);
  });

  it('standing hip flexion: relative heading drift kept to ≤ 1.5° per minute (mean error) and RMSE on target', () => {
    const { frames, tracker } = runTracker(flexion.recording.samples, {
      side: 'right',
      mode: '6d',
      exercise: 'standing_hip_flexion',
    });
    const worst = worstMinuteMean(frames, flexion);
    const all = scoreFrames(frames, flexion.script);
    expect(worst.rotation).toBeLessThanOrEqual(1.5);
    expect(worst.abduction).toBeLessThanOrEqual(1.5);
    expect(worst.flexion).toBeLessThanOrEqual(1.5);
    expect(all.rmse.flexion).toBeLessThanOrEqual(2);
    expect(all.rmse.abduction).toBeLessThanOrEqual(2);
    expect(all.rmse.rotation).toBeLessThanOrEqual(4);
    // What was tracked is real: the filters' relative heading moved by tens of degrees over the session.
    expect(Math.abs(tracker.functionalState!.driftDeg)).toBeGreaterThan(10);
  });

  it('without the exercise (static calibration only) the same drift reaches the angles', () => {
    const { frames } = runTracker(flexion.recording.samples, { side: 'right', mode: '6d' });
    expect(worstMinuteMean(frames, flexion).rotation).toBeGreaterThan(10);
  });

  it('side-lying clamshell (drift about the flexion axis, typical drift): ≤ 2° per minute', () => {
    const clamshell = session('side_lying_clamshell', 0.005);
    const { frames } = runTracker(clamshell.recording.samples, {
      side: 'right',
      mode: '6d',
      exercise: 'side_lying_clamshell',
    });
    const worst = worstMinuteMean(frames, clamshell);
    for (const k of HIP_ANGLE_NAMES) expect(worst[k]).toBeLessThanOrEqual(2);
  });
});
