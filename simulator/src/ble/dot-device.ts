/**
 * A Movella DOT as its BLE Service Specification describes it: the configuration service's Device Control (output
 * rate, changeable only while not measuring; 60 Hz by default), the measurement service's Control (start/stop and
 * payload mode) with measurements notified on the payload characteristic of the mode's length (medium for "Rate
 * quantities", long for "Custom mode 5"), and the battery service. Timestamps are the sensor clock in µs.
 */
import {
  decodeDotDeviceControl,
  DOT_BATTERY_SERVICE_UUID,
  DOT_BATTERY_UUID,
  DOT_CONFIGURATION_SERVICE_UUID,
  DOT_CONTROL_UUID,
  DOT_DEFAULT_OUTPUT_RATE,
  DOT_DEVICE_CONTROL_UUID,
  DOT_LONG_PAYLOAD_UUID,
  DOT_MEASUREMENT_SERVICE_UUID,
  DOT_MEDIUM_PAYLOAD_UUID,
  DOT_OUTPUT_RATES,
  DOT_PAYLOAD_MODE,
  DOT_SHORT_PAYLOAD_UUID,
  DOT_VISIT,
  dotPayloadCharacteristic,
  encodeDotBattery,
  encodeDotDeviceControl,
  encodeDotPayload,
  parseDotControl,
} from '@hipmon/gateway';
import type { DotPayloadMode } from '@hipmon/gateway';
import { RateCursor, VirtualDevice } from './virtual-device.js';
import type { DeviceFaults, Notify, RateSource, VirtualCharacteristic, VirtualDeviceInfo } from './virtual-device.js';

export class DotVirtualDevice extends VirtualDevice {
  private readonly cursor: RateCursor;
  private measuring = false;
  private mode: DotPayloadMode = 'rateQuantities';
  tag = 'Movella DOT';
  batteryPercent = 76;
  /** Device Control writes the sensor ignored (a rate change while measuring, an unsupported rate). */
  refusedWrites = 0;

  constructor(info: Omit<VirtualDeviceInfo, 'advertisedServices'>, samples: RateSource, faults: DeviceFaults = {}) {
    super({ ...info, advertisedServices: [] }, faults);
    this.cursor = new RateCursor(samples, DOT_DEFAULT_OUTPUT_RATE);
  }

  /** The output rate the sensor streams at, Hz. */
  get outputRate(): number {
    return this.cursor.rate;
  }

  gatt(): Map<string, VirtualCharacteristic[]> {
    return new Map([
      [DOT_CONFIGURATION_SERVICE_UUID, [{ uuid: DOT_DEVICE_CONTROL_UUID, properties: ['read', 'write'] }]],
      [
        DOT_MEASUREMENT_SERVICE_UUID,
        [
          { uuid: DOT_CONTROL_UUID, properties: ['read', 'write'] },
          { uuid: DOT_LONG_PAYLOAD_UUID, properties: ['notify'] },
          { uuid: DOT_MEDIUM_PAYLOAD_UUID, properties: ['notify'] },
          { uuid: DOT_SHORT_PAYLOAD_UUID, properties: ['notify'] },
        ],
      ],
      [DOT_BATTERY_SERVICE_UUID, [{ uuid: DOT_BATTERY_UUID, properties: ['read', 'notify'] }]],
    ]);
  }

  read(serviceUuid: string, characteristicUuid: string): Buffer {
    if (characteristicUuid === DOT_CONTROL_UUID)
      return Buffer.from([1, this.measuring ? 1 : 0, DOT_PAYLOAD_MODE[this.mode]]);
    if (characteristicUuid === DOT_DEVICE_CONTROL_UUID)
      return encodeDotDeviceControl({ outputRate: this.outputRate, filterProfile: 0, tag: this.tag });
    if (characteristicUuid === DOT_BATTERY_UUID) return encodeDotBattery(this.batteryPercent, false);
    throw new Error(`not readable: ${serviceUuid}/${characteristicUuid}`);
  }

  write(_serviceUuid: string, characteristicUuid: string, data: Buffer): void {
    if (characteristicUuid === DOT_CONTROL_UUID) {
      const control = parseDotControl(data);
      this.measuring = control.start;
      if (control.start) this.mode = control.mode; // the mode applies on 'start' only
    } else if (characteristicUuid === DOT_DEVICE_CONTROL_UUID) {
      const control = decodeDotDeviceControl(data);
      if (!(control.visitIndex & DOT_VISIT.outputRate)) return;
      if (this.measuring || !DOT_OUTPUT_RATES.includes(control.outputRate)) this.refusedWrites++;
      else this.cursor.setRate(control.outputRate);
    } else {
      throw new Error(`not writable: ${characteristicUuid}`);
    }
  }

  onDisconnect(): void {
    this.measuring = false;
  }

  protected produce(now: number, notify: Notify): void {
    for (let s = this.cursor.nextDue(now); s; s = this.cursor.nextDue(now)) {
      // The sensor clock is the sample's own time (with its offset and drift), in µs. Custom mode 5's quaternion
      // (the DOT's own fusion) is not simulated: it stays the identity.
      if (!this.measuring) continue;
      const payload = encodeDotPayload(this.mode, Math.round(s.t * 1e6), s.acc, s.gyr);
      notify(DOT_MEASUREMENT_SERVICE_UUID, dotPayloadCharacteristic(this.mode), payload);
    }
  }
}
