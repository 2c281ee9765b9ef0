/** A sensor built on the hipmon open GATT profile (docs/ble-profile.md), fed by simulated samples. */
import type { ImuReading, ImuSample } from '@hipmon/core';
import {
  BATTERY_LEVEL_UUID,
  BATTERY_SERVICE_UUID,
  decodeHipmonCommand,
  DEFAULT_STREAM_CONFIG,
  encodeHipmonPacket,
  encodeStreamConfig,
  HIPMON_CONFIG_UUID,
  HIPMON_CONTROL_UUID,
  HIPMON_DATA_UUID,
  HIPMON_SERVICE_UUID,
} from '@hipmon/gateway';
import type { HipmonStreamConfig } from '@hipmon/gateway';
import { SampleCursor, VirtualDevice } from './virtual-device.js';
import type { DeviceFaults, Notify, VirtualCharacteristic, VirtualDeviceInfo } from './virtual-device.js';

export class HipmonVirtualDevice extends VirtualDevice {
  private readonly cursor: SampleCursor;
  private config: HipmonStreamConfig;
  private batch: ImuReading[] = [];
  private batchFirst = 0;
  battery = 87;

  constructor(
    info: Omit<VirtualDeviceInfo, 'advertisedServices'>,
    samples: Iterator<ImuSample>,
    config: Partial<HipmonStreamConfig> = {},
    faults: DeviceFaults = {},
  ) {
    super({ ...info, advertisedServices: [HIPMON_SERVICE_UUID] }, faults);
    this.cursor = new SampleCursor(samples);
    this.config = { ...DEFAULT_STREAM_CONFIG, ...config, streaming: false };
  }

  gatt(): Map<string, VirtualCharacteristic[]> {
    return new Map([
      [
        HIPMON_SERVICE_UUID,
        [
          { uuid: HIPMON_DATA_UUID, properties: ['notify'] },
          { uuid: HIPMON_CONFIG_UUID, properties: ['read'] },
          { uuid: HIPMON_CONTROL_UUID, properties: ['write'] },
        ],
      ],
      [BATTERY_SERVICE_UUID, [{ uuid: BATTERY_LEVEL_UUID, properties: ['read', 'notify'] }]],
    ]);
  }

  read(serviceUuid: string, characteristicUuid: string): Buffer {
    if (characteristicUuid === HIPMON_CONFIG_UUID) return encodeStreamConfig(this.config);
    if (characteristicUuid === BATTERY_LEVEL_UUID) return Buffer.from([this.battery]);
    throw new Error(`not readable: ${serviceUuid}/${characteristicUuid}`);
  }

  write(_serviceUuid: string, characteristicUuid: string, data: Buffer): void {
    if (characteristicUuid !== HIPMON_CONTROL_UUID) throw new Error(`not writable: ${characteristicUuid}`);
    const command = decodeHipmonCommand(data);
    if (command.op === 'start') this.config = { ...this.config, streaming: true };
    else if (command.op === 'stop') this.config = { ...this.config, streaming: false };
    else this.config = { ...this.config, rate: command.rate };
  }

  onDisconnect(): void {
    this.config = { ...this.config, streaming: false };
    this.batch = [];
  }

  protected produce(now: number, notify: Notify): void {
    if (!this.config.streaming) {
      this.cursor.skipUntil(now);
      return;
    }
    for (let s = this.cursor.nextDue(now); s; s = this.cursor.nextDue(now)) {
      if (this.batch.length === 0) this.batchFirst = this.cursor.index - 1;
      this.batch.push(this.config.hasMag ? s : { gyr: s.gyr, acc: s.acc });
      if (this.batch.length >= this.config.samplesPerPacket) {
        notify(HIPMON_SERVICE_UUID, HIPMON_DATA_UUID, encodeHipmonPacket(this.config, this.batchFirst, this.batch));
        this.batch = [];
      }
    }
  }
}
