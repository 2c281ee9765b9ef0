/**
 * A simulated BLE peripheral as the virtual adapter sees it: advertisement, a GATT table, and a sample stream it
 * turns into notifications as (virtual) time passes. Faults are part of the device: lost notifications, link drops,
 * periods out of range, or a device that never answers a connection request.
 */
import type { ImuSample } from '@hipmon/core';
import { createPrng } from '../prng.js';
import type { Prng } from '../prng.js';

export interface VirtualCharacteristic {
  uuid: string;
  properties: string[];
}

export interface DeviceFaults {
  /** Probability that one notification is lost over the air (seeded). */
  lossProbability?: number;
  /** Times (s) at which the link drops (the device stays in range and can be reconnected). */
  disconnectAt?: number[];
  /** Intervals [from, to) s during which the device is out of range: invisible, unreachable, link lost. */
  outOfRange?: Array<[number, number]>;
  /** Advertises but never completes a connection. */
  neverAnswers?: boolean;
  seed?: number | string;
}

export interface VirtualDeviceInfo {
  /** noble's peripheral id */
  id: string;
  address: string;
  localName: string;
  rssi: number;
  advertisedServices: string[];
}

export type Notify = (serviceUuid: string, characteristicUuid: string, data: Buffer) => void;

export abstract class VirtualDevice {
  readonly faults: Required<Omit<DeviceFaults, 'seed'>>;
  private readonly lossPrng: Prng;
  private readonly subscribed = new Set<string>();
  /** Notifications sent, and lost over the air (ground truth for tests). */
  sent = 0;
  lost = 0;

  constructor(
    readonly info: VirtualDeviceInfo,
    faults: DeviceFaults = {},
  ) {
    this.faults = {
      lossProbability: faults.lossProbability ?? 0,
      disconnectAt: [...(faults.disconnectAt ?? [])].sort((a, b) => a - b),
      outOfRange: faults.outOfRange ?? [],
      neverAnswers: faults.neverAnswers ?? false,
    };
    this.lossPrng = createPrng(faults.seed ?? info.id);
  }

  abstract gatt(): Map<string, VirtualCharacteristic[]>;
  abstract read(serviceUuid: string, characteristicUuid: string): Buffer;
  /** A write from the central; replies (if any) go out through `notify`. */
  abstract write(serviceUuid: string, characteristicUuid: string, data: Buffer, notify: Notify): void;
  /** Emits the notifications whose samples were taken up to time `now`. */
  protected abstract produce(now: number, notify: Notify): void;
  /** The link went down: the device stops streaming (as firmware does) until it is configured again. */
  abstract onDisconnect(): void;

  inRange(now: number): boolean {
    return !this.faults.outOfRange.some(([from, to]) => now >= from && now < to);
  }

  setSubscribed(serviceUuid: string, characteristicUuid: string, on: boolean): void {
    const key = `${serviceUuid}/${characteristicUuid}`;
    if (on) this.subscribed.add(key);
    else this.subscribed.delete(key);
  }

  isSubscribed(serviceUuid: string, characteristicUuid: string): boolean {
    return this.subscribed.has(`${serviceUuid}/${characteristicUuid}`);
  }

  /** Advances the device to `now`, sending through `deliver` what survives the air. */
  tick(now: number, deliver: Notify): void {
    this.produce(now, (s, c, data) => {
      if (!this.isSubscribed(s, c)) return;
      this.sent++;
      if (this.faults.lossProbability > 0 && this.lossPrng.next() < this.faults.lossProbability) {
        this.lost++;
        return;
      }
      deliver(s, c, data);
    });
  }

  resetLink(): void {
    this.subscribed.clear();
    this.onDisconnect();
  }
}

/** Pulls samples from a stream up to a time, keeping the first one not yet due. */
export class SampleCursor {
  private pending: ImuSample | undefined;
  private done = false;
  /** Index of the next sample the cursor will return (the sensor's sample counter). */
  index = 0;

  constructor(private readonly source: Iterator<ImuSample>) {}

  /** The next sample if it was taken at or before `now`. */
  nextDue(now: number): ImuSample | undefined {
    if (!this.pending && !this.done) {
      const r = this.source.next();
      if (r.done) this.done = true;
      else this.pending = r.value;
    }
    if (!this.pending || this.pending.t > now) return undefined;
    const s = this.pending;
    this.pending = undefined;
    this.index++;
    return s;
  }

  /** Drops the samples taken up to `now` (a sensor that is not streaming still runs its clock). */
  skipUntil(now: number): void {
    while (this.nextDue(now)) {
      /* discard */
    }
  }
}

/** Samples of one sensor at a given output data rate (a device whose rate the central can change asks for more). */
export type RateSource = (rate: number) => Iterator<ImuSample>;

/**
 * A sample cursor whose output data rate can change: the sensor's clock runs on, and from the change its samples
 * come from the source at the new rate. The change takes effect from the time of the last `nextDue`/`skipUntil`.
 */
export class RateCursor {
  private cursor: SampleCursor;
  private lastNow = -Infinity;
  private pendingRate: number | undefined;

  constructor(
    private readonly source: RateSource,
    private currentRate: number,
  ) {
    this.cursor = new SampleCursor(source(currentRate));
  }

  get rate(): number {
    return this.pendingRate ?? this.currentRate;
  }

  setRate(rate: number): void {
    if (rate !== this.rate) this.pendingRate = rate;
  }

  nextDue(now: number): ImuSample | undefined {
    this.applyPendingRate();
    this.lastNow = Math.max(this.lastNow, now);
    return this.cursor.nextDue(now);
  }

  skipUntil(now: number): void {
    this.applyPendingRate();
    this.lastNow = Math.max(this.lastNow, now);
    this.cursor.skipUntil(now);
  }

  private applyPendingRate(): void {
    if (this.pendingRate === undefined) return;
    this.currentRate = this.pendingRate;
    this.pendingRate = undefined;
    this.cursor = new SampleCursor(this.source(this.currentRate));
    if (Number.isFinite(this.lastNow)) this.cursor.skipUntil(this.lastNow);
  }
}
