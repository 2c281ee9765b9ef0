import { describe, expect, it } from 'vitest';
import { createPrng } from '@hipmon/simulator';
import { ClockMapper } from './clock-mapper.js';

interface Arrival {
  lastK: number;
  t: number;
}

/**
 * A 100 Hz sensor whose crystal runs `driftPpm` fast, started `offset` s after the gateway's zero, sending packets of
 * 4 samples at 11.25 ms connection events; each packet waits a positive random delay, and sometimes the link stalls
 * (retransmissions) and releases a queue in one burst: arrival order is preserved.
 */
function burstyArrivals(
  seconds: number,
  driftPpm: number,
  seed: number,
): { arrivals: Arrival[]; takenAt: (k: number) => number } {
  const prng = createPrng(seed);
  const period = 0.01 / (1 + driftPpm * 1e-6);
  const offset = 0.3731;
  const takenAt = (k: number): number => offset + k * period;
  const arrivals: Arrival[] = [];
  let stallUntil = 0;
  let lastDelivery = 0;
  for (let k = 3; takenAt(k) < seconds; k += 4) {
    const ready = takenAt(k);
    const event = Math.ceil(ready / 0.01125) * 0.01125;
    if (prng.next() < 0.03) stallUntil = Math.max(stallUntil, event + prng.uniform(0.05, 0.3));
    const delivery = Math.max(event, stallUntil, lastDelivery) + 0.004 + -Math.log(1 - prng.next()) * 0.003;
    lastDelivery = delivery;
    arrivals.push({ lastK: k, t: delivery });
  }
  return { arrivals, takenAt };
}

describe('ClockMapper', () => {
  it('maps bursty arrivals back to sample times within 2.5 ms of the minimum latency and measures the drift', () => {
    for (const [driftPpm, seed] of [
      [80, 1],
      [-150, 2],
      [0, 3],
    ] as const) {
      const { arrivals, takenAt } = burstyArrivals(120, driftPpm, seed);
      const mapper = new ClockMapper({ nominalRate: 100 });
      let worst = 0;
      let errSum = 0;
      let count = 0;
      for (const a of arrivals) {
        mapper.observe(a.lastK, a.t);
        if (a.t < 20) continue;
        for (let k = a.lastK - 3; k <= a.lastK; k++) {
          // Minimum link latency (4 ms) + connection-event wait is the constant the envelope includes.
          const err = mapper.map(k)! - takenAt(k);
          worst = Math.max(worst, Math.abs(err - 0.004));
          errSum += err;
          count++;
        }
      }
      expect(worst).toBeLessThan(0.0025);
      // On average the mapped time sits just above the 4 ms minimum latency: the envelope removed the bursts.
      expect(errSum / count).toBeGreaterThan(0.004);
      expect(errSum / count).toBeLessThan(0.0055);
      expect(mapper.estimate()!.driftPpm).toBeGreaterThan(driftPpm - 20);
      expect(mapper.estimate()!.driftPpm).toBeLessThan(driftPpm + 20);
    }
  });

  it('beats naive receive-time stamping on the sample-interval jitter', () => {
    const { arrivals, takenAt } = burstyArrivals(60, 50, 7);
    const mapper = new ClockMapper({ nominalRate: 100 });
    let naiveWorst = 0;
    let mappedWorst = 0;
    for (const a of arrivals) {
      mapper.observe(a.lastK, a.t);
      if (a.t < 20) continue;
      naiveWorst = Math.max(naiveWorst, Math.abs(a.t - takenAt(a.lastK)));
      mappedWorst = Math.max(mappedWorst, Math.abs(mapper.map(a.lastK)! - takenAt(a.lastK)));
    }
    expect(naiveWorst).toBeGreaterThan(0.05);
    expect(mappedWorst).toBeLessThan(0.02);
  });

  it('uses the nominal rate until the window spans enough time, and unwraps the uint32 counter', () => {
    const mapper = new ClockMapper({ nominalRate: 50 });
    expect(mapper.map(0)).toBeUndefined();
    mapper.observe(10, 1.2);
    expect(mapper.map(20)).toBeCloseTo(1.4, 12);
    expect(mapper.unwrap(0xfffffffe)).toBe(0xfffffffe);
    expect(mapper.unwrap(1)).toBe(0x100000001);
  });
});
