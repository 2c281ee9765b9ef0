import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImuSample, RecordingSample, SensorRole } from '@hipmon/core';
import { BleSensorHub, DEFAULT_STREAM_CONFIG, WIT_QUANTUM } from '@hipmon/gateway';
import type { NobleLike, SensorEntry } from '@hipmon/gateway';
import { createMotionScript } from '../kinematics/motion-script.js';
import { createRecorder } from '../imu/record.js';
import { HipmonVirtualDevice } from './hipmon-device.js';
import { VirtualBleAdapter } from './virtual-adapter.js';
import type { DeviceFaults, RateSource } from './virtual-device.js';
import { WitMotionVirtualDevice } from './witmotion-device.js';
import { DotVirtualDevice } from './dot-device.js';

const require = createRequire(import.meta.url);
const withBindings = require('@abandonware/noble/with-bindings') as (bindings: unknown) => NobleLike;

const script = createMotionScript({ exercise: 'standing_hip_abduction', side: 'right', reps: 4, seed: 5 });
// The BLE layer makes its own losses and timing: the sensor itself samples without drops or stamp jitter.
const recorderAt = (rate: number) => createRecorder(script, { rate, seed: 9, errors: { jitter: 0, dropRate: 0 } });
/** What the sensor `role` measures at an output rate (the same sensor and clock at every rate). */
const truth = (role: SensorRole, rate = 100): RecordingSample[] =>
  [...recorderAt(rate).samples()].filter((s) => s.role === role);
const stream = (role: SensorRole): Iterator<ImuSample> => truth(role)[Symbol.iterator]();
/** A sensor whose output rate the gateway sets (WitMotion, DOT). */
const source =
  (role: SensorRole): RateSource =>
  (rate) =>
    truth(role, rate)[Symbol.iterator]();

const hubs: BleSensorHub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((h) => h.stop()));
});

interface Rig {
  adapter: VirtualBleAdapter;
  hub: BleSensorHub;
  received: Map<SensorRole, ImuSample[]>;
  pump(until: number): Promise<void>;
}

function rig(devices: ConstructorParameters<typeof VirtualBleAdapter>[0], sensors: SensorEntry[]): Rig {
  const adapter = new VirtualBleAdapter(devices);
  const received = new Map<SensorRole, ImuSample[]>();
  const hub = new BleSensorHub({
    noble: withBindings(adapter),
    sensors,
    now: () => adapter.now(),
    onSample: (role, s) => received.set(role, [...(received.get(role) ?? []), s]),
    connectTimeoutMs: 300,
    backoffInitialMs: 20,
    backoffMaxMs: 200,
    statusIntervalMs: 50,
  });
  hubs.push(hub);
  return {
    adapter,
    hub,
    received,
    // Virtual time moves 20 ms per step while real timers (noble's promises, backoff) get ~1 ms of wall time.
    async pump(until) {
      while (adapter.now() < until) {
        adapter.advanceTo(Math.min(until, adapter.now() + 0.02));
        await new Promise((r) => setTimeout(r, 1));
      }
    },
  };
}

const hipmon = (id: string, role: SensorRole, faults?: DeviceFaults, mag = false) =>
  new HipmonVirtualDevice(
    { id, address: `aa:bb:cc:00:00:${id.slice(-2)}`, localName: `hipmon-${id}`, rssi: -60 },
    stream(role),
    { samplesPerPacket: 5, hasMag: mag },
    faults,
  );

/** Index in `reference` of the sample `got` encodes: the closest in value among those within 30 ms of its time. */
function locate(reference: ImuSample[], got: ImuSample): number {
  const first = got;
  let best = -1;
  let bestErr = Infinity;
  reference.forEach((s, i) => {
    if (Math.abs(s.t - got.t) > 0.03) return;
    const err = Math.hypot(
      s.gyr[0] - first.gyr[0],
      s.gyr[1] - first.gyr[1],
      s.gyr[2] - first.gyr[2],
      s.acc[0] - first.acc[0],
      s.acc[1] - first.acc[1],
      s.acc[2] - first.acc[2],
    );
    if (err < bestErr) [best, bestErr] = [i, err];
  });
  return best;
}

function expectWithin(got: ImuSample, want: ImuSample, gyrTol: number, accTol: number, tTol: number): void {
  for (let i = 0; i < 3; i++) {
    expect(Math.abs(got.gyr[i]! - want.gyr[i]!)).toBeLessThanOrEqual(gyrTol);
    expect(Math.abs(got.acc[i]! - want.acc[i]!)).toBeLessThanOrEqual(accTol);
  }
  expect(Math.abs(got.t - want.t)).toBeLessThanOrEqual(tTol);
}

describe('virtual BLE adapter driven by the real noble', () => {
  it("scan → connect → subscribe: decoded samples equal the simulator's within quantization; a mute sensor is reported", async () => {
    const wit = new WitMotionVirtualDevice(
      { id: 'dev-02', address: 'aa:bb:cc:00:00:02', localName: 'WT901BLE68', rssi: -70 },
      source('thigh_right'),
    );
    const r = rig(
      [hipmon('dev-01', 'pelvis'), wit, hipmon('dev-03', 'thigh_right', { neverAnswers: true })],
      [
        { role: 'pelvis', driver: 'hipmon', match: { localName: 'hipmon-dev-01' } },
        { role: 'thigh_right', driver: 'witmotion', match: { address: 'AA:BB:CC:00:00:02' }, rate: 100 },
        { role: 'thigh_left', driver: 'hipmon', match: { localName: 'hipmon-dev-03' } },
      ],
    );
    await r.hub.start();
    await r.pump(12);
    const status = Object.fromEntries(r.hub.status().map((s) => [s.role, s]));
    expect(status.pelvis!.state).toBe('connected');
    expect(status.thigh_right!.state).toBe('connected');
    expect(status.thigh_left!.state).toBe('no-answer');
    expect(status.thigh_left!.unanswered).toBeGreaterThanOrEqual(1);
    expect(status.thigh_left!.samples).toBe(0);
    expect(status.pelvis!.battery).toEqual({ percent: 87 });
    expect(status.pelvis!.rssi).toBe(-60);
    expect(status.pelvis!.measuredRate).toBeGreaterThan(90);
    expect(status.pelvis!.measuredRate).toBeLessThan(110);
    // The WitMotion module was unlocked and switched from its factory 10 Hz to 100 Hz (packed 4 frames a notification).
    expect(wit.rate).toBe(100);
    expect(wit.lockedWrites).toBe(0);
    expect(status.thigh_right!.measuredRate).toBeGreaterThan(90);
    expect(status.thigh_right!.measuredRate).toBeLessThan(110);
    expect(status.thigh_right!.badPackets).toBe(0);

    for (const [role, gyrTol, accTol] of [
      ['pelvis', DEFAULT_STREAM_CONFIG.gyrLsb / 2 + 1e-9, DEFAULT_STREAM_CONFIG.accLsb / 2 + 1e-9],
      ['thigh_right', WIT_QUANTUM.gyr / 2 + 1e-9, WIT_QUANTUM.acc / 2 + 1e-9],
    ] as const) {
      const got = r.received.get(role)!;
      const want = truth(role);
      expect(got.length).toBeGreaterThan(800);
      const k0 = locate(want, got[0]!);
      // Every sample, in order, none lost; times within a pump step (20 ms) of the sensor's own clock.
      got.forEach((s, i) => expectWithin(s, want[k0 + i]!, gyrTol, accTol, 0.03));
    }
  });

  it('reconnects after link drops and out-of-range periods; counted gaps match the lost notifications', async () => {
    const device = hipmon('dev-11', 'pelvis', {
      disconnectAt: [4],
      outOfRange: [[7, 9]],
      lossProbability: 0.05,
      seed: 3,
    });
    const r = rig(
      [device],
      [{ role: 'pelvis', driver: 'hipmon', match: { serviceUuid: device.info.advertisedServices[0]! } }],
    );
    await r.hub.start();
    await r.pump(14);
    const [status] = r.hub.status();
    expect(status!.state).toBe('connected');
    expect(status!.connects).toBe(3);
    const got = r.received.get('pelvis')!;
    const want = truth('pelvis');
    // Lost notifications and the sensor's samples while unlinked are both counted from the counter gaps.
    const k0 = locate(want, got[0]!);
    const kLast = locate(want, got[got.length - 1]!);
    expect(status!.missing).toBe(kLast - k0 + 1 - got.length);
    expect(device.lost).toBeGreaterThan(0);
    expect(got.length).toBe((device.sent - device.lost) * 5);
    // After each reconnect the counter keeps the clock fit valid: times still match the sensor's.
    let previous = -1;
    for (const s of got) {
      const k = locate(want, s);
      expect(k).toBeGreaterThan(previous);
      previous = k;
      expectWithin(s, want[k]!, DEFAULT_STREAM_CONFIG.gyrLsb / 2 + 1e-9, DEFAULT_STREAM_CONFIG.accLsb / 2 + 1e-9, 0.03);
    }
  });

  it('streams a Movella DOT at the output rate set in its Device Control, with µs timestamps and float32 fidelity', async () => {
    const dot = new DotVirtualDevice(
      { id: 'dev-21', address: 'd4:22:cd:00:00:21', localName: 'Movella DOT', rssi: -55 },
      source('pelvis'),
      { disconnectAt: [5] },
    );
    const r = rig([dot], [{ role: 'pelvis', driver: 'dot', match: { localName: 'Movella DOT' }, rate: 30 }]);
    await r.hub.start();
    await r.pump(12);
    const [status] = r.hub.status();
    expect(status!.state).toBe('connected');
    expect(status!.connects).toBe(2);
    // The sensor took the rate (it is not measuring when the gateway writes it) and the gateway measures it.
    expect(dot.outputRate).toBe(30);
    expect(dot.refusedWrites).toBe(0);
    expect(status!.measuredRate).toBeGreaterThan(28);
    expect(status!.measuredRate).toBeLessThan(32);
    expect(status!.battery).toEqual({ percent: 76 });
    const got = r.received.get('pelvis')!;
    const want = truth('pelvis', 30);
    // ≈ 12 s at 30 Hz, less the connection set-up and the reconnect.
    expect(got.length).toBeGreaterThan(300);
    expect(got.length).toBeLessThanOrEqual(360);
    let previous = -1;
    for (const s of got) {
      const k = locate(want, s);
      expect(k).toBeGreaterThan(previous);
      previous = k;
      expectWithin(s, want[k]!, 1e-6, 1e-5, 0.03);
    }
  });

  it('leaves a Movella DOT at its default 60 Hz when no rate is configured, and refuses rates it does not have', async () => {
    const dot = new DotVirtualDevice(
      { id: 'dev-22', address: 'd4:22:cd:00:00:22', localName: 'Movella DOT', rssi: -55 },
      source('pelvis'),
    );
    const r = rig([dot], [{ role: 'pelvis', driver: 'dot', match: { address: 'd4:22:cd:00:00:22' } }]);
    await r.hub.start();
    await r.pump(4);
    const [status] = r.hub.status();
    expect(status!.state).toBe('connected');
    expect(dot.outputRate).toBe(60);
    expect(status!.measuredRate).toBeGreaterThan(57);
    expect(status!.measuredRate).toBeLessThan(63);
    const want = truth('pelvis', 60);
    for (const s of r.received.get('pelvis')!) expectWithin(s, want[locate(want, s)]!, 1e-6, 1e-5, 0.03);

    // 100 Hz is not a DOT streaming rate: the gateway says so instead of streaming at another rate.
    const other = new DotVirtualDevice(
      { id: 'dev-23', address: 'd4:22:cd:00:00:23', localName: 'Movella DOT', rssi: -55 },
      source('thigh_right'),
    );
    const bad = rig(
      [other],
      [{ role: 'thigh_right', driver: 'dot', match: { address: 'd4:22:cd:00:00:23' }, rate: 100 }],
    );
    await bad.hub.start();
    await bad.pump(2);
    const [refused] = bad.hub.status();
    expect(refused!.state).not.toBe('connected');
    expect(refused!.lastError).toMatch(/streams at 1, 4, 10, 12, 15, 20, 30, 60 Hz, not 100/);
    expect(bad.received.get('thigh_right')).toBeUndefined();
    expect(other.outputRate).toBe(60);
  });
});
