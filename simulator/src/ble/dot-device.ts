/** A Movella DOT streaming "Rate quantities" on its Medium Payload characteristic once measurement is started. */
import type { ImuSample } from '@hipmon/core';
import {
  DOT_CONTROL_UUID,
  DOT_MEASUREMENT_SERVICE_UUID,
  DOT_MEDIUM_PAYLOAD_UUID,
  encodeDotPayload,
  parseDotControl,
} from '@hipmon/gateway';
import { SampleCursor, VirtualDevice } from './virtual-device.js';
import type { DeviceFaults, Notify, VirtualCharacteristic, VirtualDeviceInfo } from './virtual-device.js';

export class DotVirtualDevice extends VirtualDevice {
  private readonly cursor: SampleCursor;
  private measuring = false;

  constructor(
    info: Omit<VirtualDeviceInfo, 'advertisedServices'>,
    samples: Iterator<ImuSample>,
    faults: DeviceFaults = {},
  ) {
    super({ ...info, advertisedServices: [] }, faults);
    this.cursor = new SampleCursor(samples);
  }

  gatt(): Map<string, VirtualCharacteristic[]> {
    return new Map([
      [
        DOT_MEASUREMENT_SERVICE_UUID,
        [
          { uuid: DOT_CONTROL_UUID, properties: ['read', 'write'] },
          { uuid: DOT_MEDIUM_PAYLOAD_UUID, properties: ['notify'] },
        ],
      ],
    ]);
  }

  read(): Buffer {
    return Buffer.from([1, this.measuring ? 1 : 0, 21]);
  }

  write(_serviceUuid: string, _characteristicUuid: string, data: Buffer): void {
    this.measuring = parseDotControl(data).start;
  }

  onDisconnect(): void {
    this.measuring = false;
  }

  protected produce(now: number, notify: Notify): void {
    for (let s = this.cursor.nextDue(now); s; s = this.cursor.nextDue(now)) {
      // The sensor clock is the sample's own time (with its offset and drift), in µs.
      if (this.measuring)
        notify(
          DOT_MEASUREMENT_SERVICE_UUID,
          DOT_MEDIUM_PAYLOAD_UUID,
          encodeDotPayload('rateQuantities', Math.round(s.t * 1e6), s.acc, s.gyr),
        );
    }
  }
}
