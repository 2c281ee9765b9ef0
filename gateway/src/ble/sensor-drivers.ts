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
  decodeDotBattery,
  decodeDotDeviceControl,
  decodeDotPayload,
  DOT_BATTERY_SERVICE_UUID,
  DOT_BATTERY_UUID,
  DOT_CONFIGURATION_SERVICE_UUID,
  DOT_CONTROL_UUID,
  DOT_DEFAULT_OUTPUT_RATE,
  DOT_DEVICE_CONTROL_UUID,
  DOT_MEASUREMENT_SERVICE_UUID,
  dotControl,
  dotPayloadCharacteristic,
  dotSetOutputRate,
} from './movella-dot.js';
import type { DotPayloadMode } from './movella-dot.js';
import {
  WIT_DEFAULT_RATE,
  WIT_NOTIFY_UUID,
  WIT_REG,
  WIT_SERVICE_UUID,
  WIT_WRITE_UUID,
  witBatteryVoltage,
  WitFrameAssembler,
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
/** Pause between register writes, as the vendor's SDK does (device_model.py writeReg: 100 ms). */
const WIT_COMMAND_GAP_MS = 100;

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
    // The rate is set before subscribing, so no packet at the old rate reaches the clock mapper.
    if (options.rate !== undefined) {
      for (const command of witSetRateCommands(options.rate)) {
        await link.write(WIT_SERVICE_UUID, WIT_WRITE_UUID, command, true);
        await new Promise((r) => setTimeout(r, WIT_COMMAND_GAP_MS));
      }
    }
    const frames = new WitFrameAssembler();
    await link.subscribe(WIT_SERVICE_UUID, WIT_NOTIFY_UUID, (data) => {
      const readings: CountedReading[] = [];
      for (const packet of frames.push(data)) {
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
    if (options.mag) ask(WIT_REG.magX);
    const rate = options.rate ?? WIT_DEFAULT_RATE;
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

/**
 * Movella DOT, as its BLE Service Specification's best practice (§3.8) has it: stop a measurement left running, set
 * the output rate in Device Control (possible only while not measuring), read the rate back, subscribe to the
 * payload characteristic, then start.
 */
export const dotDriver: SensorDriver = {
  kind: 'dot',
  serviceUuid: DOT_MEASUREMENT_SERVICE_UUID,
  async open(link, options, onReadings) {
    const mode: DotPayloadMode = 'rateQuantities';
    const status = await link.read(DOT_MEASUREMENT_SERVICE_UUID, DOT_CONTROL_UUID);
    if (status[1] === 1) await link.write(DOT_MEASUREMENT_SERVICE_UUID, DOT_CONTROL_UUID, dotControl(false, mode));
    let nominalRate = options.rate ?? DOT_DEFAULT_OUTPUT_RATE;
    if (link.has(DOT_CONFIGURATION_SERVICE_UUID, DOT_DEVICE_CONTROL_UUID)) {
      const readControl = () => link.read(DOT_CONFIGURATION_SERVICE_UUID, DOT_DEVICE_CONTROL_UUID);
      if (options.rate !== undefined) {
        const write = dotSetOutputRate(await readControl(), options.rate);
        await link.write(DOT_CONFIGURATION_SERVICE_UUID, DOT_DEVICE_CONTROL_UUID, write);
      }
      nominalRate = decodeDotDeviceControl(await readControl()).outputRate;
      if (options.rate !== undefined && nominalRate !== options.rate)
        throw new Error(`DOT kept its output rate at ${nominalRate} Hz instead of ${options.rate} Hz`);
    }
    await link.subscribe(DOT_MEASUREMENT_SERVICE_UUID, dotPayloadCharacteristic(mode), (data) =>
      onReadings([decodeDotPayload(mode, data)]),
    );
    await link.write(DOT_MEASUREMENT_SERVICE_UUID, DOT_CONTROL_UUID, dotControl(true, mode));
    const hasBattery = link.has(DOT_BATTERY_SERVICE_UUID, DOT_BATTERY_UUID);
    return {
      nominalRate,
      hasCounter: true,
      counterRate: 1e6,
      readBattery: async () =>
        hasBattery
          ? { percent: decodeDotBattery(await link.read(DOT_BATTERY_SERVICE_UUID, DOT_BATTERY_UUID)).percent }
          : undefined,
    };
  },
};

export const SENSOR_DRIVERS: Record<DriverKind, SensorDriver> = {
  hipmon: hipmonDriver,
  witmotion: witmotionDriver,
  dot: dotDriver,
};
