/**
 * Gateway footprint: CPU and memory of the gateway process streaming 2 and 6 simulated BLE sensors (hipmon
 * profile, 100 Hz, 10 samples per notification) in real time, through the real noble on the virtual adapter, the
 * clock mapper, framing, the disk outbox and MQTT QoS 1 to a real Mosquitto. Six sensors = three patients' pairs
 * on one gateway (a clinic room). The virtual radio runs in the same process, so the figures are an upper bound
 * for the gateway's own work.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BleSensorHub, connectMqtt, OutboxForwarder, SamplePublisher, SegmentOutbox } from '@hipmon/gateway';
import type { NobleLike } from '@hipmon/gateway';
import { createMotionScript, createRecorder, HipmonVirtualDevice, VirtualBleAdapter } from '@hipmon/simulator';
import type { SensorRole } from '@hipmon/core';
import { startMosquitto } from '@hipmon/tests';

export interface GatewayBenchRow {
  sensors: number;
  seconds: number;
  samplesPerSecond: number;
  /** CPU time / wall time, % of one core */
  cpuPercent: number;
  rssMiB: number;
  heapMiB: number;
  framesPublished: number;
  outboxPendingAtEnd: number;
}

export interface GatewayBenchOptions {
  sensorCounts?: number[];
  /** Measured seconds per configuration (after a 2 s warm-up). */
  seconds?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runGatewayBenchmark(options: GatewayBenchOptions = {}): Promise<GatewayBenchRow[]> {
  const broker = await startMosquitto();
  const rows: GatewayBenchRow[] = [];
  try {
    for (const sensors of options.sensorCounts ?? [2, 6])
      rows.push(await measure(broker.url, sensors, options.seconds ?? 10));
  } finally {
    await broker.stop();
  }
  return rows;
}

async function measure(url: string, sensorCount: number, seconds: number): Promise<GatewayBenchRow> {
  const patients = Math.ceil(sensorCount / 2);
  const dir = await mkdtemp(join(tmpdir(), 'hipmon-bench-gw-'));
  const script = createMotionScript({ exercise: 'standing_hip_abduction', side: 'right', reps: 200 });
  const devices: HipmonVirtualDevice[] = [];
  for (let p = 0; p < patients; p++) {
    const recorder = createRecorder(script, { rate: 100, seed: p + 1, errors: { jitter: 0, dropRate: 0 } });
    for (const role of ['pelvis', 'thigh_right'] as SensorRole[]) {
      const stream = (function* () {
        for (const s of recorder.samples()) if (s.role === role) yield s;
      })();
      devices.push(
        new HipmonVirtualDevice(
          {
            id: `p${p}-${role}`,
            address: `02:00:00:00:0${p}:0${devices.length}`,
            localName: `p${p}-${role}`,
            rssi: -60,
          },
          stream,
          { samplesPerPacket: 10 },
        ),
      );
    }
  }
  const adapter = new VirtualBleAdapter(devices.slice(0, sensorCount));
  const require = createRequire(import.meta.url);
  const noble = (require('@abandonware/noble/with-bindings') as (b: unknown) => NobleLike)(adapter);
  const link = await connectMqtt(url, { clientId: `bench-gw-${sensorCount}` });
  const outbox = SegmentOutbox.open(dir);
  const forwarder = new OutboxForwarder(outbox, link);
  let samples = 0;
  const hubs: BleSensorHub[] = [];
  for (let p = 0; p < patients; p++) {
    const publisher = new SamplePublisher({ patientId: `bench-p${p}`, sessionId: `bench-p${p}-s1`, outbox, forwarder });
    hubs.push(
      new BleSensorHub({
        noble,
        sensors: (['pelvis', 'thigh_right'] as SensorRole[]).map((role) => ({
          role,
          driver: 'hipmon' as const,
          match: { localName: `p${p}-${role}` },
        })),
        now: () => adapter.now(),
        onSample: (role, s) => {
          samples++;
          publisher.push(role, s);
        },
      }),
    );
  }
  for (const hub of hubs) await hub.start();
  adapter.run(1);
  await sleep(2000);
  const samples0 = samples;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const cpu = process.cpuUsage(cpu0);
  const wall = (performance.now() - t0) / 1000;
  const mem = process.memoryUsage();
  const row: GatewayBenchRow = {
    sensors: sensorCount,
    seconds: wall,
    samplesPerSecond: (samples - samples0) / wall,
    cpuPercent: ((cpu.user + cpu.system) / 1e6 / wall) * 100,
    rssMiB: mem.rss / 2 ** 20,
    heapMiB: mem.heapUsed / 2 ** 20,
    framesPublished: forwarder.sent,
    outboxPendingAtEnd: outbox.pending,
  };
  adapter.stop();
  for (const hub of hubs) await hub.stop();
  await forwarder.drained();
  forwarder.stop();
  outbox.close();
  await link.client.endAsync();
  await rm(dir, { recursive: true, force: true });
  return row;
}

export function formatGatewayReport(rows: GatewayBenchRow[]): string {
  const lines = [
    'Gateway footprint (real time, 100 Hz sensors, noble + virtual adapter + outbox + MQTT QoS 1 to Mosquitto)',
    'sensors  samples/s  CPU % (1 core)  RSS MiB  heap MiB  frames sent  outbox left',
  ];
  for (const r of rows) {
    lines.push(
      [
        String(r.sensors).padStart(7),
        r.samplesPerSecond.toFixed(0).padStart(10),
        r.cpuPercent.toFixed(1).padStart(15),
        r.rssMiB.toFixed(0).padStart(8),
        r.heapMiB.toFixed(0).padStart(9),
        String(r.framesPublished).padStart(12),
        String(r.outboxPendingAtEnd).padStart(12),
      ].join(' '),
    );
  }
  lines.push('RSS is the whole process (simulated sensors and their motion model included).');
  return lines.join('\n');
}
