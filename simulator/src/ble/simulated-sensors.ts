/**
 * A patient's two hipmon-profile sensors (pelvis and the exercised side's thigh) as virtual BLE devices, fed by one
 * motion script and reached through the real noble library on the virtual adapter: what `hipmon gateway --simulate`
 * and the gateway's end-to-end tests connect to.
 */
import { createRequire } from 'node:module';
import type { SensorRole } from '@hipmon/core';
import type { NobleLike, SensorEntry } from '@hipmon/gateway';
import { createMotionScript } from '../kinematics/motion-script.js';
import type { ExerciseMotionScript, MotionOptions } from '../kinematics/motion-script.js';
import { createRecorder, thighRole } from '../imu/record.js';
import { HipmonVirtualDevice } from './hipmon-device.js';
import { VirtualBleAdapter } from './virtual-adapter.js';

export interface SimulatedSensorsOptions {
  motion: MotionOptions;
  /** Output data rate, Hz (default 100). */
  rate?: number;
  /** Samples per notification (default 10). */
  samplesPerPacket?: number;
  /** Seed of the sensors' error draws (default 1). */
  seed?: number;
}

export interface SimulatedSensors {
  script: ExerciseMotionScript;
  adapter: VirtualBleAdapter;
  /** The real noble library on the virtual adapter. */
  noble: NobleLike;
  /** Config entries that find the two sensors by name. */
  sensors: SensorEntry[];
}

export function createSimulatedSensors(options: SimulatedSensorsOptions): SimulatedSensors {
  const script = createMotionScript(options.motion);
  // The BLE layer makes its own timing: the sensors sample without stamp jitter or drops.
  const recorder = createRecorder(script, {
    rate: options.rate ?? 100,
    seed: options.seed ?? 1,
    errors: { jitter: 0, dropRate: 0 },
  });
  const roles: SensorRole[] = ['pelvis', thighRole(script.side)];
  const devices = roles.map(
    (role, i) =>
      new HipmonVirtualDevice(
        { id: `sim-${role}`, address: `02:00:00:00:00:0${i + 1}`, localName: `hipmon-sim-${role}`, rssi: -58 - 6 * i },
        (function* () {
          for (const s of recorder.samples()) if (s.role === role) yield s;
        })(),
        { samplesPerPacket: options.samplesPerPacket ?? 10, rate: options.rate ?? 100 },
      ),
  );
  const adapter = new VirtualBleAdapter(devices);
  const require = createRequire(import.meta.url);
  const noble = (require('@abandonware/noble/with-bindings') as (bindings: unknown) => NobleLike)(adapter);
  const sensors: SensorEntry[] = roles.map((role) => ({
    role,
    driver: 'hipmon',
    match: { localName: `hipmon-sim-${role}` },
  }));
  return { script, adapter, noble, sensors };
}
