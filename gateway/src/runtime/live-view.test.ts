import { describe, expect, it } from 'vitest';
import { planTopic, repsTopic, sessionStateTopic } from '@hipmon/core';
import { afterSet, applyLiveMessage, currentExercise, initialLiveState, renderLiveView } from './live-view.js';

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
const plan = {
  version: 3,
  exercises: [
    { exercise: 'standing_hip_abduction', sets: 2, reps: 10, targetRomDeg: 25 },
    { exercise: 'glute_bridge', sets: 1, reps: 12 },
  ],
};

describe('gateway live view', () => {
  it('follows the retained plan, live reps and session state, and moves through the plan set by set', () => {
    let s = applyLiveMessage(initialLiveState(), planTopic('p1'), json(plan));
    expect(currentExercise(s)?.exercise).toBe('standing_hip_abduction');
    const rep = {
      exercise: 'standing_hip_abduction',
      side: 'right',
      set: 1,
      rep: 4,
      start: 10,
      end: 12.5,
      peak: { flexion: 2, abduction: 24, rotation: 1 },
      rom: 23.5,
    };
    s = applyLiveMessage(s, repsTopic('p1', 's1'), json(rep));
    s = applyLiveMessage(s, sessionStateTopic('p1', 's1'), json({ t: 12.5, state: 'in_set' }));
    const text = renderLiveView({
      patientId: 'p1',
      sessionId: 's1',
      sensors: [],
      live: s,
      outboxPending: 3,
      broker: 'connected',
      keys: true,
    }).join('\n');
    expect(text).toContain('exercise: standing_hip_abduction  set 1/2  target 10 reps, 25°');
    expect(text).toContain('session: in_set   reps this set: 4   last ROM: 23.5°');
    expect(text).toContain('outbox: 3 frame(s) waiting');
    s = afterSet(s);
    expect(currentExercise(s)?.exercise).toBe('standing_hip_abduction');
    expect(s.repsInSet).toBe(0);
    s = afterSet(s);
    expect(currentExercise(s)?.exercise).toBe('glute_bridge');
    s = afterSet(s);
    expect(
      renderLiveView({ patientId: 'p1', sensors: [], live: s, outboxPending: 0, broker: 'none', keys: false }).join(
        '\n',
      ),
    ).toContain('plan complete');
  });

  it('ignores malformed or unrelated messages', () => {
    const s0 = initialLiveState();
    expect(applyLiveMessage(s0, planTopic('p1'), Buffer.from('{oops'))).toBe(s0);
    expect(applyLiveMessage(s0, planTopic('p1'), json({ version: 1 }))).toBe(s0);
    expect(applyLiveMessage(s0, 'elsewhere/x', json(plan))).toBe(s0);
  });
});
