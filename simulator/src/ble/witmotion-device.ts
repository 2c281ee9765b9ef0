/**
 * A WitMotion BWT901BLECL (Bluetooth 5.0) module: 0x55 0x61 frames on the notify characteristic at the output rate
 * of register 0x03 (10 Hz from the factory; a write needs the unlock key first), several frames per notification
 * above 50 Hz (4 at 100 Hz, as measured on the module), register reads answered with 0x55 0x71 frames
 * (magnetometer 0x3A in mG, battery 0x64 in 0.01 V).
 */
import type { Vec3 } from '@hipmon/core';
import {
  encodeWitData,
  encodeWitRegisters,
  parseWitCommand,
  WIT_DEFAULT_RATE,
  WIT_NOTIFY_UUID,
  WIT_RATE_CODES,
  WIT_REG,
  WIT_SERVICE_UUID,
  WIT_UNLOCK_KEY,
  WIT_WRITE_UUID,
} from '@hipmon/gateway';
import { RateCursor, VirtualDevice } from './virtual-device.js';
import type { DeviceFaults, Notify, RateSource, VirtualCharacteristic, VirtualDeviceInfo } from './virtual-device.js';

/** Frames per notification: packed above 50 Hz (4 measured at 100 Hz; the same assumed at 200 Hz). */
const framesPerNotification = (rate: number): number => (rate > 50 ? 4 : 1);

export class WitMotionVirtualDevice extends VirtualDevice {
  private readonly cursor: RateCursor;
  private lastMag: Vec3 = [0, 0, 0];
  private unlocked = false;
  private batch: Buffer[] = [];
  batteryVolts = 3.95;
  /** Register writes ignored because the module was locked. */
  lockedWrites = 0;

  constructor(info: Omit<VirtualDeviceInfo, 'advertisedServices'>, samples: RateSource, faults: DeviceFaults = {}) {
    super({ ...info, advertisedServices: [WIT_SERVICE_UUID] }, faults);
    this.cursor = new RateCursor(samples, WIT_DEFAULT_RATE);
  }

  /** The output rate the module streams at, Hz. */
  get rate(): number {
    return this.cursor.rate;
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
    if (register === WIT_REG.unlock) this.unlocked = value === WIT_UNLOCK_KEY;
    else if (register === WIT_REG.rate) {
      const rate = WIT_RATE_CODES[value];
      if (!this.unlocked) this.lockedWrites++;
      else if (rate !== undefined) this.cursor.setRate(rate);
    } else if (register === WIT_REG.readAddress) {
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
    this.batch = [];
  }

  protected produce(now: number, notify: Notify): void {
    // The module streams whenever powered; unsubscribed notifications are simply not sent.
    for (let s = this.cursor.nextDue(now); s; s = this.cursor.nextDue(now)) {
      if (s.mag) this.lastMag = s.mag;
      this.batch.push(encodeWitData(s.gyr, s.acc)); // the module's own Euler angles are not simulated
      if (this.batch.length >= framesPerNotification(this.cursor.rate)) {
        notify(WIT_SERVICE_UUID, WIT_NOTIFY_UUID, Buffer.concat(this.batch));
        this.batch = [];
      }
    }
  }
}
