/**
 * A session split by a service restart must come out as if it had run straight through. The first service's
 * outputs and frames go to a series store; a recovery rebuilds the pipeline from it; the rest of the session then
 * arrives the way the broker delivers it after a restart: the frames it had in flight to the stopped service come
 * only after some of the queued ones (measured with Mosquitto in tests/integration/faults.test.ts: 4 frames per
 * stream behind the next 10), through the service's reorder buffers.
 */
import { describe, expect, it } from 'vitest';
import type { ExerciseId, ImuFrame, RepEventPayload, SensorRole, Side } from '@hipmon/core';
import { SqliteSeriesStore } from '../store/series/sqlite-store.js';
import { ReorderBuffer } from './reorder-buffer.js';
import type { ReorderRelease } from './reorder-buffer.js';
import { recoverSession, resumedReorderOptions } from './session-recovery.js';
import type { PipelineOutput, SessionPipeline } from './session-pipeline.js';
import { planFor, runPipeline, simulateLiveSession } from './test-sessions.js';
import type { SessionInput } from './test-sessions.js';

const VARIABLE = { rom: 0.08, tempo: 0.1, offPlaneDeg: 1 };
const REF = { patientId: 'p1', sessionId: 's1' };
/** Frames per stream the broker had in flight at the stop, and how many queued ones overtake them. */
const IN_FLIGHT = 4;
const OVERTAKEN_BY = 10;

const repsOf = (outputs: PipelineOutput[]): RepEventPayload[] =>
  outputs.flatMap((o) => (o.kind === 'rep' ? [o.rep] : []));

/** The resumed part in the broker's order: each stream's first IN_FLIGHT frames after OVERTAKEN_BY later ones. */
function redeliveryOrder(inputs: readonly SessionInput[]): SessionInput[] {
  const seen = new Map<SensorRole, number>();
  const inFlight: SessionInput[] = [];
  const order: SessionInput[] = [];
  let overtaken = 0;
  for (const input of inputs) {
    if (input.kind === 'frame') {
      const n = seen.get(input.frame.role) ?? 0;
      seen.set(input.frame.role, n + 1);
      if (n < IN_FLIGHT) {
        inFlight.push(input);
        continue;
      }
      if (n < IN_FLIGHT + OVERTAKEN_BY) overtaken++;
    }
    order.push(input);
    if (inFlight.length > 0 && overtaken >= OVERTAKEN_BY * seen.size) order.push(...inFlight.splice(0));
  }
  return [...order, ...inFlight];
}

/** What the service does with the resumed session's messages (reorder buffers, then the pipeline). */
function resume(pipeline: SessionPipeline, nextSeq: Partial<Record<SensorRole, number>>, inputs: SessionInput[]) {
  const buffers = new Map<SensorRole, ReorderBuffer<ImuFrame>>();
  const outputs: PipelineOutput[] = [];
  let gaps = 0;
  const release = (role: SensorRole, releases: ReorderRelease<ImuFrame>[]) => {
    for (const r of releases) {
      if (r.kind === 'gap') {
        gaps++;
        outputs.push(...pipeline.gap(role, r.count));
      } else if (r.kind === 'frame') outputs.push(...pipeline.pushFrame(r.item));
    }
  };
  // A burst: one message per millisecond, far faster than the frames' 100 ms.
  inputs.forEach((input, ms) => {
    if (input.kind === 'control') {
      if (input.control.type === 'end_session') for (const [role, b] of buffers) release(role, b.flush());
      outputs.push(...pipeline.control(input.control));
      return;
    }
    const role = input.frame.role;
    let buffer = buffers.get(role);
    if (!buffer) {
      buffer = new ReorderBuffer<ImuFrame>(resumedReorderOptions({}, nextSeq[role]!));
      buffers.set(role, buffer);
    }
    release(role, buffer.push(input.frame.seq, input.frame, ms));
  });
  return { outputs, gaps };
}

/** Reps of the session stopped after `cut` inputs and resumed by a recovery from the store. */
async function runSplit(inputs: readonly SessionInput[], cut: number, plan: ReturnType<typeof planFor>, side: Side) {
  const store = new SqliteSeriesStore({ path: ':memory:' });
  try {
    const before = runPipeline(inputs.slice(0, cut), { plan });
    for (const input of inputs.slice(0, cut)) if (input.kind === 'frame') await store.writeImu(REF, input.frame);
    for (const o of before.outputs) {
      if (o.kind === 'state') await store.writeSessionState(REF, o.state);
      if (o.kind === 'rep') await store.writeRep(REF, o.rep);
    }
    await store.flush();
    // The side the service would assume without a record is the other one: the stored states must give it back.
    const recovered = await recoverSession(store, REF, { plan, side: side === 'left' ? 'right' : 'left' });
    expect(recovered).not.toBeNull();
    const after = resume(recovered!.pipeline, recovered!.nextSeq, redeliveryOrder(inputs.slice(cut)));
    return { reps: [...repsOf(before.outputs), ...repsOf(after.outputs)], gaps: after.gaps };
  } finally {
    await store.close();
  }
}

describe('a session resumed after a service restart', () => {
  const cases: [ExerciseId, Side, number, number, number][] = [
    ['standing_hip_abduction', 'left', 8, 25, 31],
    ['mini_squat', 'right', 7, 35, 32],
    ['sit_to_stand', 'right', 5, 85, 5],
  ];
  it.each(cases)('%s (%s): same reps as straight through, at every hand-over point', async (...c) => {
    const [exercise, side, reps, romDeg, seed] = c;
    const sim = simulateLiveSession({ exercise, side, reps, romDeg, seed, variability: VARIABLE }, {}, 30_000);
    const plan = planFor(sim.script);
    const straight = repsOf(runPipeline(sim.inputs, { plan }).outputs);
    expect(straight).toHaveLength(reps);
    // Hand-overs before the set, in the middle of reps and in the pauses between them.
    const frames = sim.inputs.length;
    for (const share of [0.05, 0.2, 0.33, 0.41, 0.5, 0.58, 0.67, 0.8, 0.9]) {
      const cut = Math.round(frames * share);
      const split = await runSplit(sim.inputs, cut, plan, side);
      expect(split.gaps, `hand-over at ${share}`).toBe(0);
      expect(
        split.reps.map((r) => r.rep),
        `hand-over at ${share}`,
      ).toEqual(straight.map((r) => r.rep));
      split.reps.forEach((r, i) => {
        expect(Math.abs(r.start - straight[i]!.start), `hand-over at ${share}, rep ${r.rep} start`).toBeLessThan(0.05);
        expect(Math.abs(r.end - straight[i]!.end), `hand-over at ${share}, rep ${r.rep} end`).toBeLessThan(0.05);
      });
    }
  });

  it('the delivery modelled here does overtake: a resumed stream with the default hold declares a gap', () => {
    const sim = simulateLiveSession({ exercise: 'mini_squat', side: 'right', reps: 3, seed: 32 });
    const cut = Math.round(sim.inputs.length / 2);
    const pelvis = redeliveryOrder(sim.inputs.slice(cut)).flatMap((i) =>
      i.kind === 'frame' && i.frame.role === 'pelvis' ? [i.frame] : [],
    );
    const first = Math.min(...pelvis.map((f) => f.seq));
    const fixed = new ReorderBuffer<ImuFrame>(resumedReorderOptions({}, first));
    const plain = new ReorderBuffer<ImuFrame>({ nextSeq: first });
    pelvis.forEach((f, ms) => {
      fixed.push(f.seq, f, ms);
      plain.push(f.seq, f, ms);
    });
    expect(plain.counters.gaps).toBeGreaterThan(0);
    expect(fixed.counters).toMatchObject({ gaps: 0, late: 0, released: pelvis.length });
  });
});
