/**
 * The noble side of the gateway: loads noble lazily (it is optional and its native binding needs a Bluetooth
 * adapter), scans for the configured sensors, connects, discovers, subscribes through the device's driver, stamps
 * samples with gateway time via the clock mapper, and reconnects with exponential backoff. Tests hand it a Noble
 * built with `@abandonware/noble/with-bindings` on the simulator's virtual adapter.
 */
import { createRequire } from 'node:module';
import type { ImuSample, SensorRole } from '@hipmon/core';
import { ClockMapper } from './clock-mapper.js';
import { BlePacketError } from './hipmon-profile.js';
import type { CountedReading } from './driver.js';
import { matchesSensor } from './sensor-config.js';
import type { SensorEntry } from './sensor-config.js';
import { SENSOR_DRIVERS } from './sensor-drivers.js';
import type { BatteryReading, DriverSession, GattLink } from './sensor-drivers.js';

/** The parts of noble's API the gateway uses (structural, so noble's types stay optional). */
export interface NobleCharacteristic {
  uuid: string;
  on(event: 'data', listener: (data: Buffer, isNotification: boolean) => void): unknown;
  readAsync(): Promise<Buffer>;
  writeAsync(data: Buffer, withoutResponse: boolean): Promise<void>;
  subscribeAsync(): Promise<void>;
}
export interface NobleService {
  uuid: string;
  characteristics: NobleCharacteristic[];
}
export interface NoblePeripheral {
  id: string;
  address: string;
  rssi: number;
  advertisement: { localName?: string; serviceUuids?: string[] };
  connectAsync(): Promise<void>;
  cancelConnect(): void;
  disconnectAsync(): Promise<void>;
  updateRssiAsync(): Promise<number>;
  discoverAllServicesAndCharacteristicsAsync(): Promise<{ services: NobleService[] }>;
  once(event: 'disconnect', listener: (reason?: unknown) => void): unknown;
  removeAllListeners(event?: string): unknown;
}
export interface NobleLike {
  state: string;
  on(event: 'discover', listener: (p: NoblePeripheral) => void): unknown;
  on(event: 'stateChange', listener: (state: string) => void): unknown;
  removeAllListeners(event?: string): unknown;
  startScanningAsync(serviceUuids?: string[], allowDuplicates?: boolean): Promise<void>;
  stopScanningAsync(): Promise<void>;
}

export class BleUnavailableError extends Error {
  override name = 'BleUnavailableError';
}

/** Loads the system's noble (HCI/native binding) only when a real adapter is wanted. */
export function loadNoble(): NobleLike {
  const require = createRequire(import.meta.url);
  try {
    return require('@abandonware/noble') as NobleLike;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'MODULE_NOT_FOUND'
        ? '@abandonware/noble is not installed (npm i @abandonware/noble)'
        : e.code === 'EAFNOSUPPORT'
          ? 'this machine has no Bluetooth adapter/socket support (EAFNOSUPPORT)'
          : `noble could not load: ${e.message}`;
    throw new BleUnavailableError(`BLE unavailable: ${why}. Use --simulate to run with virtual sensors.`);
  }
}

export type SensorState = 'searching' | 'connecting' | 'connected' | 'no-answer' | 'waiting-retry';

export interface SensorStatus {
  role: SensorRole;
  driver: string;
  state: SensorState;
  address?: string;
  rssi?: number;
  battery?: BatteryReading;
  /** Samples per second over the last few seconds of gateway time. */
  measuredRate?: number;
  driftPpm?: number;
  samples: number;
  /** Samples missing according to the sensor's counter (drivers with a counter only). */
  missing: number;
  connects: number;
  /** Connection attempts without an answer since the last success. */
  unanswered: number;
  /** Notifications the driver could not decode (dropped). */
  badPackets: number;
  lastError?: string;
}

export interface BleHubOptions {
  noble: NobleLike;
  sensors: SensorEntry[];
  onSample: (role: SensorRole, sample: ImuSample) => void;
  /** Gateway clock, s (virtual time under simulation). */
  now: () => number;
  connectTimeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** How often RSSI and battery are refreshed, ms. */
  statusIntervalMs?: number;
}

interface Slot {
  entry: SensorEntry;
  status: SensorStatus;
  peripheral?: NoblePeripheral;
  busy: boolean;
  retryAt: number;
  backoffMs: number;
  mapper?: ClockMapper;
  localCounter: number;
  lastCounter?: number;
  /** Last time stamped on this sensor's samples (stamps never go back). */
  lastT?: number;
  rateWindow: Array<[number, number]>;
  session?: DriverSession;
}

export class BleSensorHub {
  private readonly slots: Slot[];
  private readonly timers = new Set<NodeJS.Timeout>();
  private statusTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: BleHubOptions) {
    this.slots = options.sensors.map((entry) => ({
      entry,
      status: {
        role: entry.role,
        driver: entry.driver,
        state: 'searching',
        samples: 0,
        missing: 0,
        connects: 0,
        unanswered: 0,
        badPackets: 0,
      },
      busy: false,
      retryAt: 0,
      backoffMs: options.backoffInitialMs ?? 500,
      localCounter: 0,
      rateWindow: [],
    }));
  }

  async start(): Promise<void> {
    const { noble } = this.options;
    noble.on('discover', (p) => this.onDiscover(p));
    if (noble.state !== 'poweredOn') {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new BleUnavailableError(`Bluetooth adapter is ${noble.state}`)), 10_000);
        noble.on('stateChange', (state) => {
          if (state === 'poweredOn') {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    }
    // Duplicates on: a sensor that comes back in range must be seen again.
    await noble.startScanningAsync([], true);
    this.statusTimer = setInterval(() => void this.refreshStatus(), this.options.statusIntervalMs ?? 5000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.statusTimer) clearInterval(this.statusTimer);
    for (const t of this.timers) clearTimeout(t);
    await this.options.noble.stopScanningAsync().catch(() => undefined);
    for (const slot of this.slots) {
      if (slot.status.state === 'connected') await slot.peripheral?.disconnectAsync().catch(() => undefined);
      else if (slot.busy) slot.peripheral?.cancelConnect();
    }
  }

  status(): SensorStatus[] {
    return this.slots.map((s) => ({ ...s.status }));
  }

  private onDiscover(p: NoblePeripheral): void {
    if (this.stopped) return;
    const slot = this.slots.find((s) => (s.peripheral ? s.peripheral.id === p.id : matchesSensor(s.entry, p)));
    if (!slot || slot.busy || slot.status.state === 'connected' || Date.now() < slot.retryAt) return;
    if (!slot.peripheral && this.slots.some((s) => s.peripheral?.id === p.id)) return;
    slot.peripheral = p;
    slot.status.address = p.address;
    slot.status.rssi = p.rssi;
    void this.connect(slot, p);
  }

  private async connect(slot: Slot, p: NoblePeripheral): Promise<void> {
    slot.busy = true;
    // A sensor that has not answered stays reported as such while the gateway keeps trying.
    slot.status.state = slot.status.unanswered > 0 ? 'no-answer' : 'connecting';
    try {
      const answered = await withTimeout(p.connectAsync(), this.options.connectTimeoutMs ?? 10_000);
      if (answered === TIMED_OUT) {
        p.cancelConnect();
        slot.status.unanswered++;
        slot.status.state = 'no-answer';
        slot.status.lastError = `no answer to ${slot.status.unanswered} connection request(s)`;
        this.retryLater(slot, false);
        return;
      }
      slot.status.unanswered = 0;
      p.once('disconnect', (reason) => this.onDisconnect(slot, reason));
      const { services } = await p.discoverAllServicesAndCharacteristicsAsync();
      const driver = SENSOR_DRIVERS[slot.entry.driver];
      if (!services.some((s) => s.uuid === driver.serviceUuid))
        throw new Error(`no ${driver.kind} service on ${p.address}`);
      if (slot.entry.driver === 'witmotion' || !slot.mapper) slot.localCounter = 0;
      const session = await driver.open(
        gattLink(services, (err) => {
          slot.status.badPackets++;
          slot.status.lastError = err.message;
        }),
        { ...(slot.entry.rate ? { rate: slot.entry.rate } : {}), ...(slot.entry.mag ? { mag: true } : {}) },
        (r) => this.onReadings(slot, r),
      );
      slot.session = session;
      // A sensor without a counter restarts its numbering on every link: its clock fit starts over.
      if (!slot.mapper || !session.hasCounter) slot.mapper = new ClockMapper({ nominalRate: session.counterRate });
      slot.status.state = 'connected';
      slot.status.connects++;
      slot.status.lastError = undefined;
      slot.backoffMs = this.options.backoffInitialMs ?? 500;
      void this.refreshOne(slot);
    } catch (err) {
      slot.status.state = 'waiting-retry';
      await p.disconnectAsync().catch(() => undefined);
      // Set after the disconnect, whose handler would otherwise replace the cause with "disconnected".
      slot.status.lastError = (err as Error).message;
      this.retryLater(slot, true);
    } finally {
      slot.busy = false;
    }
  }

  private onDisconnect(slot: Slot, reason: unknown): void {
    slot.session = undefined;
    slot.status.state = 'waiting-retry';
    slot.status.lastError = `disconnected${reason ? `: ${String(reason)}` : ''}`;
    this.retryLater(slot, false);
  }

  /** Exponential backoff, then a direct reconnect to the known peripheral (scanning also re-finds it). */
  private retryLater(slot: Slot, grow: boolean): void {
    if (this.stopped) return;
    const delay = slot.backoffMs;
    slot.retryAt = Date.now() + delay;
    if (grow || slot.status.state === 'no-answer')
      slot.backoffMs = Math.min(slot.backoffMs * 2, this.options.backoffMaxMs ?? 30_000);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped && !slot.busy && slot.status.state !== 'connected' && slot.peripheral)
        void this.connect(slot, slot.peripheral);
    }, delay);
    this.timers.add(timer);
  }

  private onReadings(slot: Slot, readings: CountedReading[]): void {
    const t = this.options.now();
    const mapper = slot.mapper;
    if (!mapper || readings.length === 0) return;
    const counters = readings.map((r) => (r.counter === undefined ? slot.localCounter++ : mapper.unwrap(r.counter)));
    const perSample = slot.session ? slot.session.counterRate / slot.session.nominalRate : 1;
    if (slot.lastCounter !== undefined && counters[0]! > slot.lastCounter + 1.5 * perSample) {
      slot.status.missing += Math.round((counters[0]! - slot.lastCounter) / perSample) - 1;
    }
    slot.lastCounter = counters[counters.length - 1]!;
    mapper.observe(counters[counters.length - 1]!, t);
    // When the envelope drops (a quicker delivery shows earlier samples were stamped late), new stamps could fall
    // before ones already sent: slew instead, keeping half a period between samples until the fit is caught up.
    const minStep = 0.5 / (slot.session?.nominalRate ?? 100);
    readings.forEach((r, i) => {
      const t = Math.max(mapper.map(counters[i]!)!, (slot.lastT ?? -Infinity) + minStep);
      slot.lastT = t;
      const sample: ImuSample = {
        t,
        gyr: r.gyr,
        acc: r.acc,
        ...(r.mag ? { mag: r.mag } : {}),
      };
      this.options.onSample(slot.entry.role, sample);
    });
    slot.status.samples += readings.length;
    slot.status.driftPpm = mapper.estimate()?.driftPpm;
    slot.rateWindow.push([t, slot.status.samples]);
    while (slot.rateWindow.length > 2 && slot.rateWindow[0]![0] < t - 5) slot.rateWindow.shift();
    const [t0, n0] = slot.rateWindow[0]!;
    if (t > t0) slot.status.measuredRate = (slot.status.samples - n0) / (t - t0);
  }

  private async refreshStatus(): Promise<void> {
    await Promise.all(this.slots.map((s) => this.refreshOne(s)));
  }

  private async refreshOne(slot: Slot): Promise<void> {
    if (slot.status.state !== 'connected' || !slot.peripheral) return;
    try {
      const rssi = await withTimeout(slot.peripheral.updateRssiAsync(), 2000);
      if (rssi !== TIMED_OUT) slot.status.rssi = rssi;
      const battery = await withTimeout(slot.session?.readBattery() ?? Promise.resolve(undefined), 2000);
      if (battery && battery !== TIMED_OUT) slot.status.battery = battery;
    } catch {
      // Status is best effort: a link that drops mid-read is reported by the disconnect handler.
    }
  }
}

/** The driver's view of a connected peripheral; a notification its driver cannot decode is dropped and reported. */
function gattLink(services: NobleService[], onBadPacket: (err: Error) => void): GattLink {
  const find = (s: string, c: string): NobleCharacteristic => {
    const ch = services.find((x) => x.uuid === s)?.characteristics.find((x) => x.uuid === c);
    if (!ch) throw new Error(`characteristic ${s}/${c} not found`);
    return ch;
  };
  return {
    has: (s, c) => services.some((x) => x.uuid === s && x.characteristics.some((y) => y.uuid === c)),
    read: (s, c) => find(s, c).readAsync(),
    write: (s, c, data, withoutResponse = false) => find(s, c).writeAsync(data, withoutResponse),
    async subscribe(s, c, onData) {
      const ch = find(s, c);
      ch.on('data', (data, isNotification) => {
        if (!isNotification) return;
        try {
          onData(data);
        } catch (err) {
          // Thrown inside noble's event emitter it would end the process: one bad packet is not worth that.
          if (err instanceof BlePacketError) onBadPacket(err);
          else throw err;
        }
      });
      await ch.subscribeAsync();
    },
  };
}

const TIMED_OUT = Symbol('timed out');

/** The promise's value, or TIMED_OUT when it does not settle within `ms`. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
