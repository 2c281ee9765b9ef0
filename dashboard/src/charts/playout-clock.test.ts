import { describe, expect, it } from 'vitest';
import { createPrng } from '@hipmon/simulator';
import { PLAYOUT_DELAY_S, PlayoutClock } from './playout-clock.js';

interface Arrival {
  wallS: number;
  t: number;
}

/**
 * Live angles as the browser receives them (measured: 25 Hz in bursts of 2–3, one burst per 100 ms gateway frame,
 * p10–p90 spacing 90–107 ms, a burst now and then over 100 ms late): samples every 40 ms of stream time; the
 * frame holding stream time (j−1)·0.1…j·0.1 arrives at wall j·0.1/speed + 20 ms + jitter.
 */
function burstyStream(options: { seconds: number; speed?: number; seed?: number; lateEvery?: number }): Arrival[] {
  const speed = options.speed ?? 1;
  const prng = createPrng(options.seed ?? 1);
  const arrivals: Arrival[] = [];
  let k = 0;
  for (let j = 1; j * 0.1 <= options.seconds * speed; j++) {
    const late = options.lateEvery && j % options.lateEvery === 0 ? 0.13 : 0;
    const at = (j * 0.1) / speed + 0.02 + prng.uniform(0, 0.015) + late;
    for (let m = 0; (k + 1) * 0.04 <= j * 0.1 + 1e-9; k++, m++) {
      arrivals.push({ wallS: at + m * 1e-4, t: (k + 1) * 0.04 });
    }
  }
  return arrivals.sort((a, b) => a.wallS - b.wallS);
}

/** Feeds the arrivals and samples the edge every display frame (60 Hz) in [fromS, toS). */
function play(clock: PlayoutClock, arrivals: Arrival[], fromS: number, toS: number) {
  const frames: { wallS: number; edge: number; newest: number }[] = [];
  let next = 0;
  for (let wallS = fromS; wallS < toS; wallS += 1 / 60) {
    while (next < arrivals.length && arrivals[next]!.wallS <= wallS) {
      clock.arrive(arrivals[next]!.t, arrivals[next]!.wallS);
      next++;
    }
    const edge = clock.edge(wallS);
    if (edge !== null) frames.push({ wallS, edge, newest: clock.newest! });
  }
  return frames;
}

/** Stream-time advance per wall second between consecutive frames. */
const paces = (frames: { wallS: number; edge: number }[]) =>
  frames.slice(1).map((f, i) => (f.edge - frames[i]!.edge) / (f.wallS - frames[i]!.wallS));

const share = (values: number[], test: (v: number) => boolean) => values.filter(test).length / values.length;

describe('PlayoutClock', () => {
  it('turns 10 bursts a second into a steady scroll at the stream pace, a fixed delay behind', () => {
    const clock = new PlayoutClock();
    const frames = play(clock, burstyStream({ seconds: 30, lateEvery: 37 }), 0, 30).filter((f) => f.wallS > 2);
    const pace = paces(frames);
    // Every display frame moves the chart (no stall even when a burst is 130 ms late) …
    expect(Math.min(...pace)).toBeGreaterThan(0);
    // … at the stream's own pace: within 3 % of real time on every frame (a refit's shift is eased out).
    expect(share(pace, (p) => Math.abs(p - 1) < 0.03)).toBe(1);
    // Never past the newest sample, and behind it by about the playout delay (plus up to one frame of data).
    const lag = frames.map((f) => f.newest - f.edge);
    expect(Math.min(...lag)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...lag)).toBeLessThan(PLAYOUT_DELAY_S + 0.1);
    // Against ground truth: the stream time produced by wall time w is w − 20 ms (the frame latency) at best.
    for (const f of frames) expect(f.wallS - 0.02 - f.edge).toBeLessThan(PLAYOUT_DELAY_S + 0.1);
  });

  it('follows a replay ten times faster than real time just as smoothly', () => {
    const clock = new PlayoutClock();
    const frames = play(clock, burstyStream({ seconds: 6, speed: 10, seed: 7 }), 0, 6).filter((f) => f.wallS > 1);
    const pace = paces(frames);
    expect(share(pace, (p) => Math.abs(p - 10) < 0.5)).toBe(1);
    const lag = frames.map((f) => f.newest - f.edge);
    expect(Math.min(...lag)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...lag)).toBeLessThan(PLAYOUT_DELAY_S + 0.3);
  });

  it('never moves backwards, also when arrivals are reordered or repeated', () => {
    const clock = new PlayoutClock();
    const arrivals = burstyStream({ seconds: 10, seed: 3 });
    // Swap neighbours and repeat every 10th sample: older and duplicate samples must not pull the edge back.
    for (let i = 0; i + 1 < arrivals.length; i += 9) {
      const a = arrivals[i]!;
      arrivals[i] = { ...arrivals[i + 1]!, wallS: a.wallS };
      arrivals[i + 1] = { ...a, wallS: arrivals[i + 1]!.wallS };
    }
    const repeated = arrivals.flatMap((a, i) => (i % 10 === 0 ? [a, { ...a, wallS: a.wallS + 0.05 }] : [a]));
    const frames = play(
      clock,
      repeated.sort((a, b) => a.wallS - b.wallS),
      0,
      10,
    );
    expect(Math.min(...paces(frames))).toBeGreaterThanOrEqual(0);
  });

  it('drains to the newest sample when the stream stops, reports idle, and picks up again when it resumes', () => {
    const clock = new PlayoutClock();
    const first = burstyStream({ seconds: 5 });
    const frames = play(clock, first, 0, 8);
    const lastArrival = first.at(-1)!;
    const newest = lastArrival.t;
    // Within the delay (plus a frame's worth of data) of the last arrival, the chart shows everything received.
    const drained = frames.find((f) => f.edge === newest)!;
    expect(drained.wallS - lastArrival.wallS).toBeLessThan(PLAYOUT_DELAY_S + 0.1 + 1 / 60);
    expect(clock.idle(lastArrival.wallS + 0.5)).toBe(false);
    expect(clock.idle(lastArrival.wallS + 1.01)).toBe(true);

    // The stream resumes 3 s later where it stopped (stream time continues): back to the live pace within 1 s.
    const resumed = burstyStream({ seconds: 5, seed: 2 }).map((a) => ({ wallS: a.wallS + 8, t: a.t + newest }));
    const after = play(clock, resumed, 8, 13).filter((f) => f.wallS > 9);
    expect(share(paces(after), (p) => Math.abs(p - 1) < 0.1)).toBe(1);
    expect(Math.max(...after.map((f) => f.newest - f.edge))).toBeLessThan(PLAYOUT_DELAY_S + 0.1);
  });

  it('starts over after reset (a new session whose clock starts lower)', () => {
    const clock = new PlayoutClock();
    play(clock, burstyStream({ seconds: 3 }), 0, 3);
    expect(clock.edge(3)).toBeGreaterThan(2);
    clock.reset();
    expect(clock.edge(3)).toBeNull();
    expect(clock.newest).toBeNull();
    clock.arrive(0.04, 3.1);
    // One sample: real time through it, minus the delay, but never past it.
    expect(clock.edge(3.1)).toBeCloseTo(0.04 - PLAYOUT_DELAY_S, 9);
    expect(clock.edge(5)).toBe(0.04);
  });
});
