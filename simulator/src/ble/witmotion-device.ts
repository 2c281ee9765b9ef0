/**
 * A WitMotion BWT901BLECL (Bluetooth 5.0) module: one 0x55 0x61 packet per sample on the notify characteristic,
 * register reads answered with 0x55 0x71 packets (magnetometer 0x3A, battery 0x64), rate set through register 0x03.
 */
import type { ImuSample, Vec3 } from '@hipmon/core';
import {
  encodeWitData,
  encodeWitRegisters,
  parseWitCommand,
  WIT_NOTIFY_UUID,
  WIT_RATE_CODES,
  WIT_REG,
  WIT_SERVICE_UUID,
  WIT_WRITE_UUID,
} from '@hipmon/gateway';
import { SampleCursor, VirtualDevice } from './virtual-device.js';
import type { DeviceFaults, Notify, VirtualCharacteristic, VirtualDeviceInfo } from './virtual-device.js';

export class WitMotionVirtualDevice extends VirtualDevice {
  private readonly cursor: SampleCursor;
  private lastMag: Vec3 = [0, 0, 0];
  private unlocked = false;
  /** Output rate, Hz, as the module believes it is configured (the stream itself follows the sample source). */
  rate = 10;
  batteryVolts = 3.95;

  constructor(
    info: Omit<VirtualDeviceInfo, 'advertisedServices'>,
    samples: Iterator<ImuSample>,
    faults: DeviceFaults = {},
  ) {
    super({ ...info, advertisedServices: [WIT_SERVICE_UUID] }, faults);
    this.cursor = new SampleCursor(samples);
  }

  gatt(): Map<string, VirtualCharacteristic[]> {
    return new Map([
      [
        WIT_SERVICE_UUID,
        [
          { uuid: WIT_NOTIFY_UUID, properties: ['notify'] },
          { uuid: WIT_WRITE_UUID, properties: ['write', 'writeWithoutResponse'] },
        ],
      ],
    ]);
  }

  read(serviceUuid: string, characteristicUuid: string): Buffer {
    throw new Error(`not readable: ${serviceUuid}/${characteristicUuid}`);
  }

  write(_serviceUuid: string, characteristicUuid: string, data: Buffer, notify: Notify): void {
    if (characteristicUuid !== WIT_WRITE_UUID) throw new Error(`not writable: ${characteristicUuid}`);
    const { register, value } = parseWitCommand(data);
    if (register === WIT_REG.unlock) this.unlocked = true;
    else if (register === WIT_REG.rate && this.unlocked) this.rate = WIT_RATE_CODES[value] ?? this.rate;
    else if (register === WIT_REG.readAddress) {
      const registers =
        value === WIT_REG.magX
          ? this.lastMag.map((ut) => ut * 10) // µT → mG
          : value === WIT_REG.battery
            ? [Math.round(this.batteryVolts * 100)]
            : [];
      if (this.isSubscribed(WIT_SERVICE_UUID, WIT_NOTIFY_UUID)) {
        notify(WIT_SERVICE_UUID, WIT_NOTIFY_UUID, encodeWitRegisters(value, registers));
      }
    }
  }

  onDisconnect(): void {
    this.unlocked = false;
  }

  protected produce(now: number, notify: Notify): void {
    // The module streams whenever powered; unsubscribed notifications are simply not sent.
    for (let s = this.cursor.nextDue(now); s; s = this.cursor.nextDue(now)) {
      if (s.mag) this.lastMag = s.mag;
      notify(WIT_SERVICE_UUID, WIT_NOTIFY_UUID, encodeWitData(s.gyr, s.acc));
    }
  }
}
