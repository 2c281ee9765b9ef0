/**
 * Tests and measurements (not exported by the package): a simulated session as the live service receives it —
 * control messages and the gateway's frames (FrameBatcher, 10 samples per frame) on a gateway clock — with the
 * simulator's ground truth.
 */
import type { ControlPayload, ImuFrame, PlanPayload } from '@hipmon/core';
import { FrameBatcher } from '@hipmon/gateway';
import { createMotionScript, createRecorder } from '@hipmon/simulator';
import type { ExerciseMotionScript, MotionOptions, RecordOptions } from '@hipmon/simulator';
import { SessionPipeline } from './session-pipeline.js';
import type { PipelineOutput, SessionPipelineOptions } from './session-pipeline.js';

export type SessionInput = { kind: 'control'; control: ControlPayload } | { kind: 'frame'; frame: ImuFrame };

export interface SimulatedLiveSession {
  script: ExerciseMotionScript;
  /** What the gateway publishes, in publishing order (controls as the virtual patient sends them). */
  inputs: SessionInput[];
  clock0: number;
}

/** The inputs runVirtualPatient publishes for one session, without the broker. */
export function simulateLiveSession(
  motion: MotionOptions,
  record: RecordOptions = {},
  clock0 = 1000,
): SimulatedLiveSession {
  const script = createMotionScript(motion);
  const recorder = createRecorder(script, record);
  const batcher = new FrameBatcher({ samplesPerFrame: 10 });
  const inputs: SessionInput[] = [
    { kind: 'control', control: { type: 'start_session', side: script.side, t: clock0 } },
    { kind: 'control', control: { type: 'calibrate', t: clock0 } },
  ];
  let setStarted = false;
  for (const chunk of recorder.chunks(0.1)) {
    if (!setStarted && chunk.t0 >= script.calibrationEnd) {
      setStarted = true;
      const targetReps = script.reps.length || script.holds.length;
      inputs.push({
        kind: 'control',
        control: { type: 'start_set', exercise: script.exercise, t: clock0 + chunk.t0, targetReps },
      });
    }
    for (const s of chunk.samples) {
      for (const frame of batcher.push(s.role, { ...s, t: clock0 + s.t })) inputs.push({ kind: 'frame', frame });
    }
  }
  for (const frame of batcher.flush()) inputs.push({ kind: 'frame', frame });
  inputs.push({ kind: 'control', control: { type: 'stop_set', t: clock0 + script.duration } });
  inputs.push({ kind: 'control', control: { type: 'end_session', t: clock0 + script.duration } });
  return { script, inputs, clock0 };
}

export function runPipeline(
  inputs: readonly SessionInput[],
  options: SessionPipelineOptions = {},
): { pipeline: SessionPipeline; outputs: PipelineOutput[] } {
  const pipeline = new SessionPipeline(options);
  const outputs: PipelineOutput[] = [];
  for (const input of inputs) {
    outputs.push(...(input.kind === 'control' ? pipeline.control(input.control) : pipeline.pushFrame(input.frame)));
  }
  return { pipeline, outputs };
}

/** A one-exercise plan prescribing what the simulated patient does. */
export function planFor(script: ExerciseMotionScript, extra: Partial<PlanPayload> = {}): PlanPayload {
  return {
    version: 1,
    exercises: [
      {
        exercise: script.exercise,
        sets: 1,
        reps: script.reps.length || script.holds.length,
        targetRomDeg: script.romDeg,
      },
    ],
    side: script.side,
    ...extra,
  };
}
