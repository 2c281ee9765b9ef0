import { escape, FieldType, InfluxDB, type IPoint } from 'influx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInfluxd, type InfluxdHandle } from '@hipmon/tests';

/*
 * The InfluxDB v1 HTTP API as the processing service will use it (line protocol writes at nanosecond
 * precision, InfluxQL reads), against a real influxd started for this file.
 */

const DATABASE = 'hipmon_it';
const MEASUREMENT = 'imu';
const RATE_HZ = 100;
const PERIOD_NS = 1_000_000_000n / BigInt(RATE_HZ);
/** An arbitrary instant with non-zero nanosecond digits, so any loss of precision shows. */
const T0_NS = 1_700_000_000_123_456_789n;

interface Sample {
  role: string;
  timeNs: string;
  seq: number;
  gyr: [number, number, number];
}

/** Deterministic float32 gyro values, like the ones the IMUs send. */
function sampleAt(role: string, clockOffsetNs: bigint, seq: number): Sample {
  const phase = seq / RATE_HZ;
  return {
    role,
    timeNs: (T0_NS + clockOffsetNs + BigInt(seq) * PERIOD_NS).toString(),
    seq,
    gyr: [Math.fround(Math.sin(phase) * 2.5), Math.fround(Math.cos(phase * 1.3) * -1.75), Math.fround(seq * 1e-3)],
  };
}

function toPoint(patient: string, sample: Sample): IPoint {
  return {
    measurement: MEASUREMENT,
    tags: { patient, role: sample.role },
    fields: { gyr_x: sample.gyr[0], gyr_y: sample.gyr[1], gyr_z: sample.gyr[2], seq: sample.seq },
    timestamp: sample.timeNs,
  };
}

function client(influxd: InfluxdHandle): InfluxDB {
  return new InfluxDB({
    host: influxd.host,
    port: influxd.port,
    database: DATABASE,
    schema: [
      {
        measurement: MEASUREMENT,
        tags: ['patient', 'role'],
        fields: {
          gyr_x: FieldType.FLOAT,
          gyr_y: FieldType.FLOAT,
          gyr_z: FieldType.FLOAT,
          seq: FieldType.INTEGER,
        },
      },
    ],
  });
}

async function writeInBatches(influx: InfluxDB, points: IPoint[], batchSize: number): Promise<number> {
  let batches = 0;
  for (let start = 0; start < points.length; start += batchSize) {
    await influx.writePoints(points.slice(start, start + batchSize), { precision: 'n' });
    batches += 1;
  }
  return batches;
}

/** The stored samples of one series, oldest first, with nanosecond timestamps as strings. */
async function readSeries(influx: InfluxDB, patient: string, role: string): Promise<Sample[]> {
  const rows = await influx.query<{ gyr_x: number; gyr_y: number; gyr_z: number; seq: number }>(
    `SELECT gyr_x, gyr_y, gyr_z, seq FROM ${MEASUREMENT}
     WHERE patient = ${escape.stringLit(patient)} AND role = ${escape.stringLit(role)} ORDER BY time ASC`,
  );
  return rows.map((row) => ({
    role,
    timeNs: row.time.getNanoTime(),
    seq: row.seq,
    gyr: [row.gyr_x, row.gyr_y, row.gyr_z],
  }));
}

async function countPoints(influx: InfluxDB, patient: string): Promise<number> {
  const rows = await influx.query<{ count: number }>(
    `SELECT COUNT(seq) AS count FROM ${MEASUREMENT} WHERE patient = ${escape.stringLit(patient)}`,
  );
  return rows.length === 0 ? 0 : rows[0]!.count;
}

describe('InfluxDB 1.x through the influx package (HTTP API v1)', () => {
  let influxd: InfluxdHandle;
  let influx: InfluxDB;

  beforeAll(async () => {
    influxd = await startInfluxd();
    influx = client(influxd);
    await influx.createDatabase(DATABASE);
  });

  afterAll(async () => {
    await influxd?.stop();
  });

  it('creates the database', async () => {
    expect(await influx.getDatabaseNames()).toContain(DATABASE);
  });

  // Two sensors with a 3.14 ms clock offset between them, 15 s at 100 Hz each.
  const patient = 'patient-0001';
  const pelvis = Array.from({ length: 1500 }, (_, seq) => sampleAt('pelvis', 0n, seq));
  const thigh = Array.from({ length: 1500 }, (_, seq) => sampleAt('thigh_right', 3_141_593n, seq));

  it('stores batched points with tags, typed fields and nanosecond timestamps exactly', async () => {
    const points = [...pelvis, ...thigh].map((sample) => toPoint(patient, sample));
    expect(await writeInBatches(influx, points, 500)).toBe(6);

    expect(await readSeries(influx, patient, 'pelvis')).toEqual(pelvis);
    expect(await readSeries(influx, patient, 'thigh_right')).toEqual(thigh);
    expect(await countPoints(influx, patient)).toBe(3000);
    const tagValues = await influx.query<{ key: string; value: string }>(
      `SHOW TAG VALUES FROM ${MEASUREMENT} WITH KEY = "role"`,
    );
    expect(tagValues.map((row) => row.value).sort()).toEqual(['pelvis', 'thigh_right']);
  });

  it('keeps one point per series and timestamp when a batch is written again', async () => {
    const other = 'patient-0002';
    const sample = sampleAt('pelvis', 0n, 42);
    await influx.writePoints([toPoint(other, sample)], { precision: 'n' });
    await influx.writePoints([toPoint(other, sample)], { precision: 'n' });
    expect(await countPoints(influx, other)).toBe(1);
    expect(await readSeries(influx, other, 'pelvis')).toEqual([sample]);

    // Same series and timestamp with new values: still one point, the last write wins.
    const corrected: Sample = { ...sample, gyr: [Math.fround(0.5), Math.fround(-0.25), Math.fround(0.125)] };
    await influx.writePoints([toPoint(other, corrected)], { precision: 'n' });
    expect(await readSeries(influx, other, 'pelvis')).toEqual([corrected]);

    // Same timestamp in another series (other sensor role) is a different point.
    const thighTwin: Sample = { ...sample, role: 'thigh_left' };
    await influx.writePoints([toPoint(other, thighTwin)], { precision: 'n' });
    expect(await countPoints(influx, other)).toBe(2);
  });

  it('keeps the data across a graceful restart and across a crash (WAL replay)', async () => {
    await influxd.restart();
    expect(await readSeries(influx, patient, 'pelvis')).toEqual(pelvis);
    expect(await readSeries(influx, patient, 'thigh_right')).toEqual(thigh);

    // Acknowledged writes must survive SIGKILL: influxd fsyncs its WAL before answering 204.
    const late = Array.from({ length: 200 }, (_, i) => sampleAt('pelvis', 0n, 1500 + i));
    await writeInBatches(
      influx,
      late.map((sample) => toPoint(patient, sample)),
      100,
    );
    await influxd.kill('SIGKILL');
    await influxd.restart();
    expect(await readSeries(influx, patient, 'pelvis')).toEqual([...pelvis, ...late]);
    expect(await readSeries(influx, patient, 'thigh_right')).toEqual(thigh);
    expect(await countPoints(influx, patient)).toBe(3200);
  });
});
