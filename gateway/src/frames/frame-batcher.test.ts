import { describe, expect, it } from 'vitest';
import type { ImuSample } from '@hipmon/core';
import { frameToSamples } from '@hipmon/core';
import { FrameBatcher } from './frame-batcher.js';

const sample = (t: number, mag = false): ImuSample => ({
  t,
  gyr: [t, 0, 0],
  acc: [0, 0, 9.81],
  ...(mag ? { mag: [20, 0, -40] as [number, number, number] } : {}),
});

describe('FrameBatcher', () => {
  it('cuts each role into frames of N samples with consecutive seqs per role', () => {
    const batcher = new FrameBatcher({ samplesPerFrame: 3 });
    const frames = [];
    for (let i = 0; i < 7; i++) {
      frames.push(...batcher.push('pelvis', sample(i / 100)));
      frames.push(...batcher.push('thigh_left', sample(i / 100 + 0.003)));
    }
    frames.push(...batcher.flush());
    const pelvis = frames.filter((f) => f.role === 'pelvis');
    const thigh = frames.filter((f) => f.role === 'thigh_left');
    expect(pelvis.map((f) => f.seq)).toEqual([0, 1, 2]);
    expect(thigh.map((f) => f.seq)).toEqual([0, 1, 2]);
    expect(pelvis.map((f) => f.samples.length)).toEqual([3, 3, 1]);
    expect(pelvis.flatMap((f) => frameToSamples(f).map((s) => s.t))).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => i / 100));
  });

  it('continues from the given first seq and wraps at 2^32', () => {
    const batcher = new FrameBatcher({ samplesPerFrame: 1, firstSeq: { pelvis: 0xffffffff } });
    const seqs = [0, 1, 2].flatMap((i) => batcher.push('pelvis', sample(i)).map((f) => f.seq));
    expect(seqs).toEqual([0xffffffff, 0, 1]);
  });

  it('never mixes samples with and without magnetometer in one frame', () => {
    const batcher = new FrameBatcher({ samplesPerFrame: 10 });
    const frames = [
      ...batcher.push('pelvis', sample(0, true)),
      ...batcher.push('pelvis', sample(0.01, true)),
      ...batcher.push('pelvis', sample(0.02, false)),
      ...batcher.flush(),
    ];
    expect(frames.map((f) => f.samples.map((s) => Boolean(s.mag)))).toEqual([[true, true], [false]]);
    expect(frames.map((f) => f.seq)).toEqual([0, 1]);
  });

  it('rejects a nonsensical frame size', () => {
    expect(() => new FrameBatcher({ samplesPerFrame: 0 })).toThrow(RangeError);
  });
});
