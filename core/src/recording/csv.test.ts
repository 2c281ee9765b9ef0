import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../math/quat.js';
import {
  formatAnglesCsv,
  formatFloat32,
  formatImuCsv,
  formatRecordingCsv,
  formatRecordingCsvRow,
  parseAnglesCsv,
  parseImuCsv,
  parseRecordingCsv,
  recordingCsvHeader,
  RecordingCsvError,
  type AnglesRow,
  type RecordingSample,
} from './csv.js';
import { SENSOR_ROLES, type ImuSample } from '../wire/types.js';

const HEADER_6D = 't,role,gyr_x,gyr_y,gyr_z,acc_x,acc_y,acc_z';
const HEADER_9D = `${HEADER_6D},mag_x,mag_y,mag_z`;

/** Lossless for float32 means: the value read back rounds to the same float32 (the sign of zero is not kept). */
const f32 = (v: Readonly<Vec3> | undefined): Vec3 | undefined =>
  v && [Math.fround(v[0]) + 0, Math.fround(v[1]) + 0, Math.fround(v[2]) + 0];
/** Stated precision: t to the microsecond (half a µs of rounding, plus float64 spacing up to t = 1e5 s). */
const T_TOLERANCE = 0.5e-6 + 1e-11;

function caughtError(fn: () => unknown): RecordingCsvError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RecordingCsvError) return err;
    throw err;
  }
  throw new Error('expected a RecordingCsvError');
}

// Realistic magnitudes (rad/s, m/s², µT) plus the odd tiny or large value; float32 range only.
const value = fc.oneof(
  fc.double({ min: -40, max: 40, noNaN: true }),
  fc.double({ min: -1e-30, max: 1e-30, noNaN: true }),
  fc.double({ min: -3e38, max: 3e38, noNaN: true }),
);
const vec = fc.tuple(value, value, value);
const time = fc.double({ min: 0, max: 1e5, noNaN: true });
const role = fc.constantFrom(...SENSOR_ROLES);

describe('formatFloat32', () => {
  it('writes the shortest decimal that reads back to the same float32', () => {
    expect(formatFloat32(9.81)).toBe('9.81');
    expect(formatFloat32(0)).toBe('0');
    expect(formatFloat32(-0)).toBe('0');
    expect(formatFloat32(1e-7)).toBe('1e-7');
    expect(formatFloat32(-4900)).toBe('-4900');
    expect(formatFloat32(1 / 3)).toBe('0.33333334');
    fc.assert(
      fc.property(value, (x) => {
        const s = formatFloat32(x);
        expect(Math.fround(Number(s))).toBe(Math.fround(x) + 0);
        expect(s.replace(/^-/, '').replace('.', '').replace(/e.*$/, '').replace(/^0+/, '').length).toBeLessThanOrEqual(
          9,
        );
      }),
    );
  });

  it('refuses values that do not fit a float32', () => {
    expect(() => formatFloat32(NaN)).toThrow(RangeError);
    expect(() => formatFloat32(1e39)).toThrow(RangeError);
  });
});

describe('recording CSV', () => {
  it('writes the contract header and one row per sample, sorted by t', () => {
    const samples: RecordingSample[] = [
      { t: 0.02, role: 'thigh_left', gyr: [0.1, -0.2, 0.3], acc: [9.81, 0, 0] },
      { t: 0.0105, role: 'pelvis', gyr: [0, 0, 0], acc: [9.81, 0.01, -0.02] },
    ];
    expect(formatRecordingCsv(samples)).toBe(
      `${HEADER_6D}\n0.010500,pelvis,0,0,0,9.81,0.01,-0.02\n0.020000,thigh_left,0.1,-0.2,0.3,9.81,0,0\n`,
    );
  });

  it('round-trips losslessly: t to 1 µs, sensor values exactly as float32 (6D and 9D)', () => {
    const sample = fc.record({ t: time, role, gyr: vec, acc: vec });
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 40 }), fc.boolean(), (raw, withMag) => {
        const samples: RecordingSample[] = raw.map((s) =>
          withMag ? { ...s, mag: [s.gyr[2], s.acc[0], -s.acc[1]] as Vec3 } : s,
        );
        const parsed = parseRecordingCsv(formatRecordingCsv(samples));
        expect(parsed.hasMag).toBe(withMag && samples.length > 0);
        expect(parsed.sampleCount).toBe(samples.length);
        for (const r of SENSOR_ROLES) {
          const mine = samples.filter((s) => s.role === r).sort((a, b) => a.t - b.t);
          const back = parsed.sensors[r] ?? [];
          expect(back.length).toBe(mine.length);
          back.forEach((b, i) => {
            const s = mine[i]!;
            expect(Math.abs(b.t - s.t)).toBeLessThanOrEqual(T_TOLERANCE);
            expect(f32(b.gyr)).toEqual(f32(s.gyr));
            expect(f32(b.acc)).toEqual(f32(s.acc));
            if (withMag) expect(f32(b.mag)).toEqual(f32(s.mag));
            else expect(b.mag).toBeUndefined();
          });
        }
      }),
      { numRuns: 200 },
    );
  });

  it('groups by role and accepts CRLF, a BOM, spaces and equal times of two sensors', () => {
    const text =
      `\ufeff${HEADER_9D}\r\n` +
      '0.000000, pelvis ,1,2,3,4,5,6,7,8,9\r\n' +
      '0.000000,thigh_right,1e-3,-2.5E2,3,4,5,6,7,8,9\r\n' +
      '0.01,pelvis,.5,2,3,4,5,6,7,8,-9\r\n\r\n';
    const parsed = parseRecordingCsv(text);
    expect(parsed.hasMag).toBe(true);
    expect(parsed.sensors.pelvis!.map((s) => s.t)).toEqual([0, 0.01]);
    expect(parsed.sensors.thigh_right![0]!.gyr).toEqual([0.001, -250, 3]);
    expect(parsed.sensors.pelvis![1]!.mag).toEqual([7, 8, -9]);
    expect(parsed.sensors.thigh_left).toBeUndefined();
  });

  it('accepts a header with no rows', () => {
    expect(parseRecordingCsv(`${HEADER_6D}\n`)).toEqual({ hasMag: false, sensors: {}, sampleCount: 0 });
  });

  it.each([
    ['', 1, /empty file/],
    ['t,role,gyr_x\n', 1, /bad recording CSV header/],
    [`${HEADER_6D},mag_x\n`, 1, /bad recording CSV header/],
    [`${HEADER_6D}\n0,pelvis,1,2,3,4,5\n`, 2, /expected 8 columns, found 7/],
    [`${HEADER_9D}\n0,pelvis,1,2,3,4,5,6\n`, 2, /expected 11 columns, found 8/],
    [`${HEADER_6D}\n0,pelvis,1,2,3,4,5,6\n0,pelvis,1,abc,3,4,5,6\n`, 3, /column gyr_y: "abc" is not a number/],
    [`${HEADER_6D}\n0,pelvis,1,2,3,4,5,\n`, 2, /column acc_z: "" is not a number/],
    [`${HEADER_6D}\n0,pelvis,1,2,3,4,Infinity,6\n`, 2, /column acc_y/],
    [`${HEADER_6D}\n0,pelvis,0x10,2,3,4,5,6\n`, 2, /column gyr_x/],
    [`${HEADER_6D}\n0,thigh,1,2,3,4,5,6\n`, 2, /unknown role "thigh" \(expected pelvis, thigh_left, thigh_right\)/],
    [`${HEADER_6D}\n1,pelvis,1,2,3,4,5,6\n0.5,thigh_left,1,2,3,4,5,6\n`, 3, /t goes backwards \(0.5 after 1\)/],
    [`${HEADER_6D}\n1,pelvis,1,2,3,4,5,6\n\n2,pelvis,1,2,3,4,5,6\n`, 3, /empty row/],
  ])('rejects %j at line %i', (text, line, reason) => {
    const err = caughtError(() => parseRecordingCsv(text));
    expect(err.line).toBe(line);
    expect(err.reason).toMatch(reason);
    expect(err.message).toBe(`line ${line}: ${err.reason}`);
    expect(err.message).not.toContain('\n');
  });

  it('refuses to write samples it could not read back', () => {
    const ok: RecordingSample = { t: 0, role: 'pelvis', gyr: [0, 0, 0], acc: [0, 0, 9.81] };
    expect(() => formatRecordingCsv([ok, { ...ok, mag: [1, 2, 3] }])).toThrow(/all or none/);
    expect(() => formatRecordingCsv([{ ...ok, gyr: [NaN, 0, 0] }])).toThrow(RangeError);
    expect(() => formatRecordingCsv([{ ...ok, t: Infinity }])).toThrow(RangeError);
    expect(() => formatRecordingCsv([{ ...ok, role: 'knee' as never }])).toThrow(/unknown role/);
  });

  it('lets nothing but RecordingCsvError escape on garbage input (fuzzed)', () => {
    const valid = formatRecordingCsv([
      { t: 0, role: 'pelvis', gyr: [0.1, 0.2, 0.3], acc: [9.81, 0, 0], mag: [20, 1, -44] },
      { t: 0.004, role: 'thigh_left', gyr: [-1, 2, 3], acc: [9.7, 0.1, 0.2], mag: [19, 2, -43] },
      { t: 0.01, role: 'pelvis', gyr: [0.1, 0.2, 0.3], acc: [9.81, 0, 0], mag: [20, 1, -44] },
    ]);
    const expectOnlyCsvErrors = (text: string): void => {
      for (const parse of [parseRecordingCsv, parseImuCsv, parseAnglesCsv]) {
        try {
          parse(text);
        } catch (err) {
          expect(err).toBeInstanceOf(RecordingCsvError);
          const e = err as RecordingCsvError;
          expect(Number.isInteger(e.line) && e.line >= 1).toBe(true);
          expect(e.message).not.toMatch(/[\n\r]/);
        }
      }
    };
    // Pure garbage, including CSV-looking alphabets.
    fc.assert(fc.property(fc.string({ maxLength: 300 }), expectOnlyCsvErrors), { numRuns: 500 });
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...'0123456789.,-+eE \n\r\ufefftrolepvishg_xyzamIfnN'.split('')), { maxLength: 300 }),
        (chars) => expectOnlyCsvErrors(`${HEADER_9D}\n${chars.join('')}`),
      ),
      { numRuns: 500 },
    );
    // A valid file with a few characters replaced, inserted or deleted.
    const edit = fc.record({ at: fc.nat(valid.length), del: fc.nat(3), ins: fc.string({ maxLength: 4 }) });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        let text = valid;
        for (const e of edits) text = text.slice(0, e.at) + e.ins + text.slice(e.at + e.del);
        expectOnlyCsvErrors(text);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('single-sensor IMU CSV', () => {
  it('round-trips 6D and 9D samples', () => {
    const sample = fc.record({ t: time, gyr: vec, acc: vec, mag: vec });
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 30 }), fc.boolean(), (raw, withMag) => {
        const samples: ImuSample[] = raw.map((s) => (withMag ? s : { t: s.t, gyr: s.gyr, acc: s.acc }));
        const text = formatImuCsv(samples);
        expect(text.split('\n')[0]).toBe(
          withMag && samples.length > 0
            ? 't,gyr_x,gyr_y,gyr_z,acc_x,acc_y,acc_z,mag_x,mag_y,mag_z'
            : 't,gyr_x,gyr_y,gyr_z,acc_x,acc_y,acc_z',
        );
        const back = parseImuCsv(text);
        const sorted = [...samples].sort((a, b) => a.t - b.t);
        expect(back.samples.length).toBe(samples.length);
        back.samples.forEach((b, i) => {
          expect(Math.abs(b.t - sorted[i]!.t)).toBeLessThanOrEqual(T_TOLERANCE);
          expect(f32(b.gyr)).toEqual(f32(sorted[i]!.gyr));
          expect(f32(b.acc)).toEqual(f32(sorted[i]!.acc));
          expect(f32(b.mag)).toEqual(withMag ? f32(sorted[i]!.mag) : undefined);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('reports the line of a bad row', () => {
    const err = caughtError(() => parseImuCsv('t,gyr_x,gyr_y,gyr_z,acc_x,acc_y,acc_z\n0,1,2,3,4,5,6\n0.01,1,2,3\n'));
    expect([err.line, err.reason]).toEqual([3, 'expected 7 columns, found 4']);
    expect(caughtError(() => parseImuCsv(HEADER_6D)).line).toBe(1);
  });
});

describe('angles CSV', () => {
  it('round-trips to float32 precision', () => {
    const row = fc.record({ t: time, flexion: value, abduction: value, rotation: value });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 30 }), (rows: AnglesRow[]) => {
        const back = parseAnglesCsv(formatAnglesCsv(rows));
        const sorted = [...rows].sort((a, b) => a.t - b.t);
        expect(back.length).toBe(rows.length);
        back.forEach((b, i) => {
          const r = sorted[i]!;
          expect(Math.abs(b.t - r.t)).toBeLessThanOrEqual(T_TOLERANCE);
          expect(f32([b.flexion, b.abduction, b.rotation])).toEqual(f32([r.flexion, r.abduction, r.rotation]));
        });
      }),
      { numRuns: 200 },
    );
    expect(formatAnglesCsv([{ t: 1.5, flexion: 35, abduction: -2.25, rotation: 0 }])).toBe(
      't,flexion,abduction,rotation\n1.500000,35,-2.25,0\n',
    );
  });

  it('rejects a wrong header and t going backwards', () => {
    expect(caughtError(() => parseAnglesCsv('t,flex,abd,rot\n')).line).toBe(1);
    const err = caughtError(() => parseAnglesCsv('t,flexion,abduction,rotation\n2,1,2,3\n1,1,2,3\n'));
    expect(err.line).toBe(3);
    expect(err.reason).toMatch(/t goes backwards/);
  });
});

describe('streaming recording rows', () => {
  it('header + rows equal the whole-file formatter and refuse a sample that does not match the file', () => {
    const samples: RecordingSample[] = [
      { t: 0, role: 'pelvis', gyr: [0.5, 0, -0.25], acc: [9.81, 0, 0], mag: [1, 2, 3] },
      { t: 0.01, role: 'thigh_right', gyr: [1, 2, 3], acc: [0, 9.81, 0.125], mag: [4, 5, 6] },
    ];
    const streamed =
      [recordingCsvHeader(true), ...samples.map((s) => formatRecordingCsvRow(s, true))].join('\n') + '\n';
    expect(streamed).toBe(formatRecordingCsv(samples));
    expect(recordingCsvHeader(false)).toBe(HEADER_6D);
    expect(() => formatRecordingCsvRow(samples[0]!, false)).toThrow(/has mag values in a 6D file/);
    expect(() => formatRecordingCsvRow({ ...samples[0]!, mag: undefined }, true)).toThrow(/lacks mag/);
  });
});
