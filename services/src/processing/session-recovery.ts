/**
 * Rebuilding a live session after a service restart. The stored series are the session's memory: the raw samples
 * (with their seq), the state changes (which give back the control timeline: side, calibration, sets) and the reps
 * already reported. They are replayed through a fresh, muted pipeline, which ends where the stopped one was; reps
 * ending at or before the last stored one are not reported again; the reorder buffers resume one past the last
 * stored seq, so the broker's redeliveries are duplicates. See docs/processing.md (restart semantics).
 */
import type { ControlPayload, SensorRole, SessionStatePayload, Side } from '@hipmon/core';
import type { SeriesStore, SessionRef, StoredImuSample } from '../store/series/series-store.js';
import type { ReorderBufferOptions } from './reorder-buffer.js';
import { SessionPipeline } from './session-pipeline.js';
import type { SessionPipelineOptions } from './session-pipeline.js';

/**
 * Frames a resumed stream may hold behind a missing one. After a restart the broker sends the frames it had in
 * flight to the stopped service only after some of the queued ones (Mosquitto: seqs 125–128 behind 129–138), all in
 * one burst: a limit of a few frames would declare them a gap within milliseconds and the rep under way would be
 * analysed without them (its start or end off by up to 0.6 s). So a resumed stream waits for a missing frame by
 * time only (`maxWaitMs`, enforced by the service's timer); this bound just caps the memory.
 */
export const RESUMED_MAX_HELD_FRAMES = 256;

/** Reorder options for a stream resumed at `nextSeq` (see RESUMED_MAX_HELD_FRAMES). */
export function resumedReorderOptions(base: ReorderBufferOptions, nextSeq: number): ReorderBufferOptions {
  return { ...base, nextSeq, maxHeldFrames: Math.max(base.maxHeldFrames ?? 0, RESUMED_MAX_HELD_FRAMES) };
}

export interface RecoveredSession {
  pipeline: SessionPipeline;
  /** Next seq to expect per sensor stream (one past the last stored frame). */
  nextSeq: Partial<Record<SensorRole, number>>;
  /** Samples replayed. */
  samples: number;
}

/** The controls that led to these state changes (the pipeline's own states, in order). */
export function controlsFromStates(states: readonly SessionStatePayload[], side: Side): ControlPayload[] {
  const controls: ControlPayload[] = [];
  let previous: SessionStatePayload | null = null;
  for (const s of states) {
    if (previous === null) controls.push({ type: 'start_session', side: s.side ?? side, t: s.t });
    if (s.state === 'calibrating') controls.push({ type: 'calibrate', t: s.t });
    if (s.state === 'in_set' && s.exercise && (previous?.state !== 'in_set' || previous.set !== s.set)) {
      controls.push({
        type: 'start_set',
        exercise: s.exercise,
        t: s.t,
        ...(s.set !== undefined && { set: s.set }),
        ...(s.targetReps !== undefined && { targetReps: s.targetReps }),
      });
    }
    if (s.state === 'resting' && previous?.state !== 'resting') controls.push({ type: 'stop_set', t: s.t });
    previous = s;
  }
  return controls;
}

/** Null when nothing is stored for the session (a new session). */
export async function recoverSession(
  store: SeriesStore,
  ref: SessionRef,
  options: SessionPipelineOptions & { side: Side },
): Promise<RecoveredSession | null> {
  const states = await store.sessionStates(ref);
  const side = states.find((s) => s.side)?.side ?? options.side;
  const thigh: SensorRole = side === 'left' ? 'thigh_left' : 'thigh_right';
  const roles: SensorRole[] = ['pelvis', 'thigh_left', 'thigh_right'];
  const coverage = await Promise.all(roles.map((role) => store.imuSeqCoverage(ref, role)));
  if (states.length === 0 && coverage.every((c) => c.length === 0)) return null;
  const nextSeq: Partial<Record<SensorRole, number>> = {};
  roles.forEach((role, i) => {
    const last = coverage[i]!.at(-1);
    if (last) nextSeq[role] = (last.seq + 1) >>> 0;
  });
  const [pelvis, thighSamples, reps] = await Promise.all([
    store.imu(ref, 'pelvis'),
    store.imu(ref, thigh),
    store.reps(ref),
  ]);
  const pipeline = new SessionPipeline({ ...options, side });
  pipeline.muted = true;
  const controls = controlsFromStates(states, side);
  let c = 0;
  const applyControlsUntil = (t: number) => {
    while (c < controls.length && (controls[c]!.t ?? -Infinity) <= t) pipeline.control(controls[c++]!);
  };
  let samples = 0;
  for (const { role, sample } of mergeByTime(pelvis, thighSamples, thigh)) {
    applyControlsUntil(sample.t);
    pipeline.pushSample(role, sample.t, sample.gyr, sample.acc, sample.mag);
    samples++;
  }
  // Controls after the last stored sample (a set started, then the service stopped) are still in force.
  applyControlsUntil(Infinity);
  if (states.at(-1)?.state === 'ended') pipeline.end(states.at(-1)!.t);
  pipeline.muted = false;
  const lastRepEnd = reps.reduce((end, r) => Math.max(end, r.end), -Infinity);
  pipeline.markReportedUntil(lastRepEnd);
  return { pipeline, nextSeq, samples };
}

function* mergeByTime(
  pelvis: readonly StoredImuSample[],
  thigh: readonly StoredImuSample[],
  thighRole: SensorRole,
): Generator<{ role: SensorRole; sample: StoredImuSample }> {
  let i = 0,
    j = 0;
  while (i < pelvis.length || j < thigh.length) {
    if (j >= thigh.length || (i < pelvis.length && pelvis[i]!.t <= thigh[j]!.t)) {
      yield { role: 'pelvis', sample: pelvis[i++]! };
    } else yield { role: thighRole, sample: thigh[j++]! };
  }
}
