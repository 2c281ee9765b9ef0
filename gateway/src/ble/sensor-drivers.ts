/**
 * Per-device-family connection logic on top of a GATT link: what to configure and subscribe, and how notifications
 * become counted readings. The byte formats themselves are in the pure codec modules (hipmon-profile, witmotion).
 */
import type { Vec3 } from '@hipmon/core';
import type { CountedReading } from './driver.js';
import {
  BATTERY_LEVEL_UUID,
  BATTERY_SERVICE_UUID,
  decodeHipmonPacket,
  decodeStreamConfig,
  encodeHipmonCommand,
  HIPMON_CONFIG_UUID,
  HIPMON_CONTROL_UUID,
  HIPMON_DATA_UUID,
  HIPMON_SERVICE_UUID,
} from './hipmon-profile.js';
import {
  decodeDotPayload,
  DOT_CONTROL_UUID,
  DOT_MEASUREMENT_SERVICE_UUID,
  DOT_MEDIUM_PAYLOAD_UUID,
  dotControl,
} from './movella-dot.js';
import {
  decodeWitNotification,
  WIT_NOTIFY_UUID,
  WIT_REG,
  WIT_SERVICE_UUID,
  WIT_WRITE_UUID,
  witBatteryVoltage,
  witMagnetometer,
  witReadRegister,
  witSetRateCommands,
} from './witmotion.js';

/** The GATT operations a driver needs, implemented over noble by the adapter. */
export interface GattLink {
  has(serviceUuid: string, characteristicUuid: string): boolean;
  read(serviceUuid: string, characteristicUuid: string): Promise<Buffer>;
  write(serviceUuid: string, characteristicUuid: string, data: Buffer, withoutResponse?: boolean): Promise<void>;
  subscribe(serviceUuid: string, characteristicUuid: string, onData: (data: Buffer) => void): Promise<void>;
}

export interface BatteryReading {
  percent?: number;
  volts?: number;
}

export interface DriverSession {
  nominalRate: number;
  /** True when the device stamps its samples (sample counter or timestamp), so its clock survives reconnects. */
  hasCounter: boolean;
  /** Counter ticks per second: the sample rate for a sample counter, 1e6 for a µs timestamp. */
  counterRate: number;
  readBattery(): Promise<BatteryReading | undefined>;
}

export interface DriverOptions {
  /** Requested output rate, Hz (where the device lets the gateway set it). */
  rate?: number;
  /** Read the magnetometer too (WitMotion: polled through register reads). */
  mag?: boolean;
}

export type DriverKind = 'hipmon' | 'witmotion' | 'dot';

export interface SensorDriver {
  kind: DriverKind;
  serviceUuid: string;
  open(
    link: GattLink,
    options: DriverOptions,
    onReadings: (readings: CountedReading[]) => void,
  ): Promise<DriverSession>;
}

export const hipmonDriver: SensorDriver = {
  kind: 'hipmon',
  serviceUuid: HIPMON_SERVICE_UUID,
  async open(link, options, onReadings) {
    if (options.rate !== undefined) {
      await link.write(
        HIPMON_SERVICE_UUID,
        HIPMON_CONTROL_UUID,
        encodeHipmonCommand({ op: 'setRate', rate: options.rate }),
      );
    }
    const config = decodeStreamConfig(await link.read(HIPMON_SERVICE_UUID, HIPMON_CONFIG_UUID));
    await link.subscribe(HIPMON_SERVICE_UUID, HIPMON_DATA_UUID, (data) => onReadings(decodeHipmonPacket(config, data)));
    await link.write(HIPMON_SERVICE_UUID, HIPMON_CONTROL_UUID, encodeHipmonCommand({ op: 'start' }));
    const hasBattery = link.has(BATTERY_SERVICE_UUID, BATTERY_LEVEL_UUID);
    return {
      nominalRate: config.rate,
      hasCounter: true,
      counterRate: config.rate,
      readBattery: async () =>
        hasBattery ? { percent: (await link.read(BATTERY_SERVICE_UUID, BATTERY_LEVEL_UUID))[0]! } : undefined,
    };
  },
};

/** Polls the magnetometer every this many data packets when asked to (the module does not stream it). */
const WIT_MAG_POLL_EVERY = 10;

export const witmotionDriver: SensorDriver = {
  kind: 'witmotion',
  serviceUuid: WIT_SERVICE_UUID,
  async open(link, options, onReadings) {
    let mag: Vec3 | undefined;
    let volts: number | undefined;
    let sinceMag = 0;
    const ask = (register: number): void => {
      link.write(WIT_SERVICE_UUID, WIT_WRITE_UUID, witReadRegister(register), true).catch(() => undefined);
    };
    await link.subscribe(WIT_SERVICE_UUID, WIT_NOTIFY_UUID, (data) => {
      const readings: CountedReading[] = [];
      for (const packet of decodeWitNotification(data)) {
        if (packet.kind === 'register') {
          mag = witMagnetometer(packet) ?? mag;
          volts = witBatteryVoltage(packet) ?? volts;
        } else if (!options.mag || mag) {
          readings.push({ gyr: packet.gyr, acc: packet.acc, ...(options.mag && mag ? { mag } : {}) });
        }
      }
      if (options.mag && (sinceMag += readings.length || 1) >= WIT_MAG_POLL_EVERY) {
        sinceMag = 0;
        ask(WIT_REG.magX);
      }
      if (readings.length > 0) onReadings(readings);
    });
    const rate = options.rate ?? 10;
    if (options.rate !== undefined) {
      for (const command of witSetRateCommands(options.rate))
        await link.write(WIT_SERVICE_UUID, WIT_WRITE_UUID, command, true);
    }
    if (options.mag) ask(WIT_REG.magX);
    return {
      nominalRate: rate,
      hasCounter: false,
      counterRate: rate,
      async readBattery() {
        ask(WIT_REG.battery);
        return volts === undefined ? undefined : { volts };
      },
    };
  },
};

/** Movella DOT: "Rate quantities" at the device's output rate (set in its configuration service; 60 Hz default). */
export const dotDriver: SensorDriver = {
  kind: 'dot',
  serviceUuid: DOT_MEASUREMENT_SERVICE_UUID,
  async open(link, options, onReadings) {
    await link.subscribe(DOT_MEASUREMENT_SERVICE_UUID, DOT_MEDIUM_PAYLOAD_UUID, (data) =>
      onReadings([decodeDotPayload('rateQuantities', data)]),
    );
    await link.write(DOT_MEASUREMENT_SERVICE_UUID, DOT_CONTROL_UUID, dotControl(true, 'rateQuantities'));
    return { nominalRate: options.rate ?? 60, hasCounter: true, counterRate: 1e6, readBattery: async () => undefined };
  },
};

export const SENSOR_DRIVERS: Record<DriverKind, SensorDriver> = {
  hipmon: hipmonDriver,
  witmotion: witmotionDriver,
  dot: dotDriver,
};
