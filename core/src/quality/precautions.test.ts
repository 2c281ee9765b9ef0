import { describe, expect, it } from 'vitest';
import { createPrng } from '@hipmon/simulator';
import type { AngleSample } from '../reps/types.js';
import { createScenario } from '../reps/test-scenarios.js';
import type { PrecautionEvent } from './precautions.js';
import { exerciseEnvelopeLimits, PRECAUTION_PRESETS, PrecautionMonitor } from './precautions.js';

const at = (t: number, flexion: number, abduction = 5, rotation = -5): AngleSample => ({
  t,
  flexion,
  abduction,
  rotation,
});

function feed(monitor: PrecautionMonitor, samples: AngleSample[]): PrecautionEvent[] {
  return samples.flatMap((s) => [...monitor.push(s)]);
}

describe('PrecautionMonitor', () => {
  it('alerts on the first sample past limit + tolerance, and clears once back at the limit', () => {
    const m = new PrecautionMonitor({ limits: PRECAUTION_PRESETS.posterior_tha });
    const flexion = [80, 88, 91.9, 92.01, 95, 93, 91, 90.5, 89.9, 89, 88, 87, 86, 85];
    const events = feed(
      m,
      flexion.map((f, i) => at(i / 10, f)),
    );
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ type: 'precaution_alert', id: 'flexion_over_90', t: 0.3, valueDeg: 92.01 });
    // Back at ≤ 90° from t = 0.8 s; cleared after 0.3 s there, stamped with the first sample back.
    expect(events[1]).toMatchObject({ type: 'precaution_clear', id: 'flexion_over_90', t: 0.8, alertT: 0.3 });
    expect((events[1] as { worstExcessDeg: number }).worstExcessDeg).toBeCloseTo(5, 9);
  });

  it('raises one alert per excursion even when noise makes the angle hover around the threshold', () => {
    const rnd = createPrng('hover');
    const m = new PrecautionMonitor({ limits: PRECAUTION_PRESETS.posterior_tha });
    const samples: AngleSample[] = [];
    // 3 s hovering at 92° ± 1.5° noise (crossing 92° up and down dozens of times), then back to 60°.
    for (let i = 0; i < 300; i++) samples.push(at(i / 100, 92 + rnd.gaussian(0, 1.5)));
    for (let i = 300; i < 400; i++) samples.push(at(i / 100, 60 + rnd.gaussian(0, 1.5)));
    const events = feed(m, samples);
    expect(events.map((e) => e.type)).toEqual(['precaution_alert', 'precaution_clear']);
    const first = samples.findIndex((s) => s.flexion > 92);
    expect(events[0]!.t).toBe(samples[first]!.t);
    expect(events[1]!.t).toBeGreaterThanOrEqual(3);
  });

  it('watches several limits independently, each with its own alert', () => {
    const m = new PrecautionMonitor({ limits: PRECAUTION_PRESETS.posterior_tha });
    const events = feed(m, [at(0, 10, 5, -5), at(0.01, 10, -3, 4), at(0.02, 10, -3, 4)]);
    expect(events.map((e) => `${e.type}:${e.id}`).sort()).toEqual([
      'precaution_alert:adduction_past_midline',
      'precaution_alert:internal_rotation',
    ]);
    expect(m.activeIds.sort()).toEqual(['adduction_past_midline', 'internal_rotation']);
  });

  it('honours per-limit tolerance and the anterior-approach preset', () => {
    const m = new PrecautionMonitor({
      limits: PRECAUTION_PRESETS.anterior_tha.map((l) => ({ ...l, toleranceDeg: 5 })),
    });
    expect(feed(m, [at(0, -4), at(0.01, -4.9)])).toHaveLength(0);
    expect(feed(m, [at(0.02, -5.1)])[0]).toMatchObject({ id: 'extension', t: 0.02 });
  });

  it('ignores non-finite samples', () => {
    const m = new PrecautionMonitor({ limits: PRECAUTION_PRESETS.posterior_tha });
    expect(feed(m, [at(0, NaN, NaN, NaN), at(0.01, Infinity)])).toHaveLength(0);
  });

  it('alerts once per excursion over a whole sit-to-stand session, on the first sample past the threshold', () => {
    // The forward lean flexes the hip to about 98°, on the way up and again on the way down: two excursions per
    // repetition past a 95° limit (alert above 97°), each alerted once and cleared once back below 95°.
    const scenario = createScenario(
      { exercise: 'sit_to_stand', side: 'left', seed: 1, reps: 5 },
      { noiseDeg: 0.5, seed: 1 },
    );
    const limit = { id: 'flexion_95', angle: 'flexion', bound: 'above', limitDeg: 95, label: 'flexion > 95°' } as const;
    const m = new PrecautionMonitor({ limits: [limit] });
    const events = feed(m, scenario.samples);
    expect(events.map((e) => e.type)).toEqual(Array(10).fill(['precaution_alert', 'precaution_clear']).flat());
    const alerts = events.filter((e) => e.type === 'precaution_alert');
    scenario.script.movements.forEach((mv, i) => {
      const [up, down] = [alerts[2 * i]!, alerts[2 * i + 1]!];
      expect(up.t).toBeGreaterThan(mv.t0);
      expect(up.t).toBeLessThan(mv.tTop);
      expect(down.t).toBeGreaterThan(mv.tDown);
      expect(down.t).toBeLessThan(mv.tEnd);
      expect(up.t).toBe(scenario.samples.find((s) => s.t > mv.t0 && s.flexion > 97)!.t);
      expect(down.t).toBe(scenario.samples.find((s) => s.t > mv.tDown && s.flexion > 97)!.t);
    });
  });

  it('turns the catalogue envelope of an exercise into six limits', () => {
    const limits = exerciseEnvelopeLimits('standing_hip_flexion');
    expect(limits).toHaveLength(6);
    expect(limits.find((l) => l.id === 'flexion_max')).toMatchObject({ bound: 'above', limitDeg: 95 });
  });

  it('rejects a negative tolerance', () => {
    expect(() => new PrecautionMonitor({ limits: [], toleranceDeg: -1 })).toThrow(/toleranceDeg/);
  });
});
