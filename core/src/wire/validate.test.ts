import { describe, expect, it } from 'vitest';
import { encodeImuFrame } from './binary.js';
import { WireError } from './errors.js';
import { encodeImuFrameJson } from './json.js';
import type { ImuFrame } from './types.js';
import { validateImuFrame } from './validate.js';

const good: ImuFrame = {
  role: 'thigh_left',
  seq: 1,
  timing: { kind: 'explicit', t: [1, 1.01] },
  samples: [
    { gyr: [0, 0, 0], acc: [9.81, 0, 0] },
    { gyr: [0, 0, 0], acc: [9.81, 0, 0] },
  ],
};
const regular = (t0: number, period: number): ImuFrame => ({ ...good, timing: { kind: 'regular', t0, period } });
const explicit = (t: number[]): ImuFrame => ({ ...good, timing: { kind: 'explicit', t } });

describe('validateImuFrame (shared by every encoder and decoder)', () => {
  it('accepts a valid frame and the edges of every range', () => {
    expect(() => validateImuFrame(good)).not.toThrow();
    expect(() => validateImuFrame(regular(0, 1e-6))).not.toThrow();
    expect(() => validateImuFrame(regular(2 ** 32 - 2 ** -20, 10))).not.toThrow();
    expect(() => validateImuFrame(explicit([5, 5]))).not.toThrow();
    expect(() => validateImuFrame(explicit([0, 4294.967295]))).not.toThrow();
    expect(() => validateImuFrame({ ...good, seq: 0xffffffff, sensorId: 'AA:BB:CC:DD:EE:FF' })).not.toThrow();
  });

  it.each<[string, ImuFrame, string]>([
    ['unknown role', { ...good, role: 'knee' as ImuFrame['role'] }, 'bad_role'],
    ['negative seq', { ...good, seq: -1 }, 'bad_seq'],
    ['seq 2^32', { ...good, seq: 2 ** 32 }, 'bad_seq'],
    ['fractional seq', { ...good, seq: 0.5 }, 'bad_seq'],
    ['empty sensor id', { ...good, sensorId: '' }, 'bad_sensor_id'],
    ['65-character sensor id', { ...good, sensorId: 'a'.repeat(65) }, 'bad_sensor_id'],
    ['non-ASCII sensor id', { ...good, sensorId: 'capteur-é' }, 'bad_sensor_id'],
    ['NaN t0', regular(NaN, 0.01), 'non_finite'],
    ['negative t0', regular(-0.001, 0.01), 'bad_timing'],
    ['t0 = 2^32', regular(2 ** 32, 0.01), 'bad_timing'],
    ['period below 1 µs', regular(0, 1e-7), 'bad_timing'],
    ['period above 10 s', regular(0, 10.5), 'bad_timing'],
    ['infinite period', regular(0, Infinity), 'non_finite'],
    ['one timestamp for two samples', explicit([1]), 'bad_timing'],
    ['time going back', explicit([2, 1]), 'bad_timing'],
    ['span beyond 2^32 − 1 µs', explicit([0, 4294.9673]), 'bad_timing'],
    [
      'mag on one sample only',
      { ...good, samples: [{ ...good.samples[0]!, mag: [1, 2, 3] }, good.samples[1]!] },
      'inconsistent_mag',
    ],
    ['NaN gyro', { ...good, samples: [{ gyr: [0, NaN, 0], acc: [0, 0, 0] }, good.samples[1]!] }, 'non_finite'],
    [
      'value beyond float32',
      { ...good, samples: [{ gyr: [0, 0, 0], acc: [0, 0, -1e39] }, good.samples[1]!] },
      'out_of_range',
    ],
    [
      '1001 samples',
      { ...good, timing: { kind: 'regular', t0: 0, period: 0.01 }, samples: Array(1001).fill(good.samples[0]) },
      'too_many_samples',
    ],
  ])('rejects %s, and so do both encoders', (_name, frame, code) => {
    for (const run of [() => validateImuFrame(frame), () => encodeImuFrame(frame), () => encodeImuFrameJson(frame)]) {
      expect(run).toThrow(WireError);
      expect(run).toThrow(expect.objectContaining({ code }));
    }
  });
});
