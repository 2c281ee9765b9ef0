/** fast-check generators of valid IMU frames, shared by the wire tests (not exported from the package). */
import fc from 'fast-check';
import type { Vec3 } from '../math/quat.js';
import type { FrameTiming, ImuFrame, ImuReading } from './types.js';
import {
  FLOAT32_MAX,
  MAX_EXPLICIT_OFFSET_US,
  MAX_PERIOD_S,
  MAX_SAMPLES_PER_FRAME,
  MAX_TIMESTAMP_S,
  MIN_PERIOD_S,
  SENSOR_ROLES,
} from './types.js';

export interface FrameArbOptions {
  /** upper bound on the sample count (defaults to the protocol maximum) */
  maxSamples?: number;
  /** 'f32': values exactly representable in float32 (binary round trip); 'f64': any double in float32 range */
  values?: 'f32' | 'f64';
  timing?: 'regular' | 'explicit';
  /** fast-check size of the sample array; 'max' spreads lengths over the whole 0..maxSamples range */
  size?: fc.SizeForArbitrary;
}

const float32Value = fc.float({ noNaN: true, noDefaultInfinity: true });
// -0 + 0 is +0: JSON has no negative zero, so the f64 generator does not produce one.
const float64Value = fc.double({ min: -FLOAT32_MAX, max: FLOAT32_MAX, noNaN: true }).map((x) => x + 0);

export const seqArb = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 1, 0xfffffffe, 0xffffffff));
export const sensorIdArb = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/);
export const timestampArb = fc
  .double({ min: 0, max: MAX_TIMESTAMP_S, maxExcluded: true, noNaN: true })
  .map((t) => t + 0);

const regularTimingArb = (_n: number): fc.Arbitrary<FrameTiming> =>
  fc
    .record({ t0: timestampArb, period: fc.double({ min: MIN_PERIOD_S, max: MAX_PERIOD_S, noNaN: true }) })
    .map(({ t0, period }) => ({ kind: 'regular', t0, period }));

/** n non-decreasing arbitrary doubles whose span fits the uint32 µs offsets of the binary form. */
const explicitTimingArb = (n: number): fc.Arbitrary<FrameTiming> =>
  fc
    .record({
      t0: fc.double({ min: 0, max: MAX_TIMESTAMP_S - 5000, noNaN: true }).map((t) => t + 0),
      steps: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n }),
      spanS: fc.oneof(fc.double({ min: 0, max: 2, noNaN: true }), fc.constant(MAX_EXPLICIT_OFFSET_US / 1e6 - 1)),
    })
    .map(({ t0, steps, spanS }) => {
      const total = steps.reduce((a, b) => a + b, 0) || 1;
      const t: number[] = [];
      let cumulative = 0;
      for (let i = 0; i < n; i++) {
        t.push(i === 0 ? t0 : t0 + (cumulative / total) * spanS);
        cumulative += steps[i]!;
      }
      return { kind: 'explicit', t };
    });

export function imuFrameArb(options: FrameArbOptions = {}): fc.Arbitrary<ImuFrame> {
  const value = options.values === 'f64' ? float64Value : float32Value;
  const vec3: fc.Arbitrary<Vec3> = fc.tuple(value, value, value);
  const timingFor = (n: number): fc.Arbitrary<FrameTiming> =>
    options.timing === 'regular'
      ? regularTimingArb(n)
      : options.timing === 'explicit'
        ? explicitTimingArb(n)
        : fc.oneof(regularTimingArb(n), explicitTimingArb(n));
  const readingsArb = fc.record({
    withMag: fc.boolean(),
    readings: fc.array(fc.record({ gyr: vec3, acc: vec3, mag: vec3 }), {
      maxLength: options.maxSamples ?? MAX_SAMPLES_PER_FRAME,
      size: options.size ?? 'max',
    }),
  });
  return fc
    .record({
      role: fc.constantFrom(...SENSOR_ROLES),
      seq: seqArb,
      sensorId: fc.option(sensorIdArb, { nil: undefined }),
      body: readingsArb.chain(({ withMag, readings }) =>
        timingFor(readings.length).map((timing) => ({
          timing,
          samples: readings.map((r): ImuReading => (withMag ? r : { gyr: r.gyr, acc: r.acc })),
        })),
      ),
    })
    .map(({ role, seq, sensorId, body }) => {
      const frame: ImuFrame = { role, seq, timing: body.timing, samples: body.samples };
      if (sensorId !== undefined) frame.sensorId = sensorId;
      return frame;
    });
}
