/**
 * A virtual BLE adapter: noble bindings (the object `@abandonware/noble/with-bindings` drives) backed by simulated
 * devices, so the gateway runs the real noble library without a radio. Time is virtual: `advanceTo(t)` moves every
 * device forward and delivers what it produced; `run(speed)` pumps it from the wall clock for live use.
 * Event names and argument orders follow noble's lib/noble.js (discover, connect, disconnect, servicesDiscover,
 * characteristicsDiscover, read (data + isNotification), write, notify, rssiUpdate, scanStart, scanStop).
 */
import { EventEmitter } from 'node:events';
import type { VirtualDevice } from './virtual-device.js';

export class VirtualBleAdapter extends EventEmitter {
  private time = 0;
  private scanning = false;
  private scanFilter: string[] = [];
  private readonly connected = new Set<string>();
  /** Connection requests waiting for the device to come in range (BLE connects have no timeout of their own). */
  private readonly pendingConnects = new Set<string>();
  private readonly nextDrop = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private state: 'poweredOn' | 'poweredOff';

  constructor(
    readonly devices: VirtualDevice[],
    options: { poweredOn?: boolean } = {},
  ) {
    super();
    this.state = options.poweredOn === false ? 'poweredOff' : 'poweredOn';
    for (const d of devices) this.nextDrop.set(d.info.id, 0);
  }

  now(): number {
    return this.time;
  }

  // ---- noble bindings API ----
  init(): void {
    this.later(() => this.emit('stateChange', this.state));
  }

  setScanParameters(): void {
    this.later(() => this.emit('scanParametersSet'));
  }

  startScanning(serviceUuids: string[] = [], allowDuplicates = false): void {
    this.scanning = true;
    this.scanFilter = serviceUuids ?? [];
    this.later(() => {
      this.emit('scanStart', !allowDuplicates);
      this.advertise();
    });
  }

  stopScanning(): void {
    this.scanning = false;
    this.later(() => this.emit('scanStop'));
  }

  reset(): void {
    for (const id of [...this.connected]) this.drop(id, 'reset');
  }

  connect(id: string): void {
    const device = this.device(id);
    if (!device || device.faults.neverAnswers) return; // the request just hangs, as over the air
    if (!device.inRange(this.time)) {
      this.pendingConnects.add(id);
      return;
    }
    this.completeConnect(device);
  }

  cancelConnect(id: string): void {
    if (this.pendingConnects.delete(id) || this.device(id)?.faults.neverAnswers) {
      this.later(() => this.emit('connect', id, new Error('connection canceled')));
    }
  }

  disconnect(id: string): void {
    if (this.connected.has(id)) this.drop(id, 'local');
    else this.later(() => this.emit('disconnect', id, 'not connected'));
  }

  updateRssi(id: string): void {
    const device = this.device(id);
    this.later(() => this.emit('rssiUpdate', id, device ? device.info.rssi : -127));
  }

  discoverServices(id: string, uuids: string[] = []): void {
    const device = this.linked(id);
    if (!device) return;
    const services = [...device.gatt().keys()].filter((u) => uuids.length === 0 || uuids.includes(u));
    this.later(() => this.emit('servicesDiscover', id, services));
  }

  discoverIncludedServices(id: string, serviceUuid: string): void {
    this.later(() => this.emit('includedServicesDiscover', id, serviceUuid, []));
  }

  discoverCharacteristics(id: string, serviceUuid: string, uuids: string[] = []): void {
    const device = this.linked(id);
    if (!device) return;
    const characteristics = (device.gatt().get(serviceUuid) ?? []).filter(
      (c) => uuids.length === 0 || uuids.includes(c.uuid),
    );
    this.later(() => this.emit('characteristicsDiscover', id, serviceUuid, characteristics));
  }

  discoverDescriptors(id: string, serviceUuid: string, characteristicUuid: string): void {
    this.later(() => this.emit('descriptorsDiscover', id, serviceUuid, characteristicUuid, []));
  }

  read(id: string, serviceUuid: string, characteristicUuid: string): void {
    const device = this.linked(id);
    if (!device) return;
    const data = device.read(serviceUuid, characteristicUuid);
    this.later(() => this.emit('read', id, serviceUuid, characteristicUuid, data, false));
  }

  write(id: string, serviceUuid: string, characteristicUuid: string, data: Buffer, _withoutResponse: boolean): void {
    const device = this.linked(id);
    if (!device) return;
    device.write(serviceUuid, characteristicUuid, Buffer.from(data), (s, c, reply) =>
      this.later(() => this.connected.has(id) && this.emit('read', id, s, c, reply, true)),
    );
    // noble completes every write on this event, with or without response (as its HCI bindings do).
    this.later(() => this.emit('write', id, serviceUuid, characteristicUuid));
  }

  notify(id: string, serviceUuid: string, characteristicUuid: string, on: boolean): void {
    const device = this.linked(id);
    if (!device) return;
    device.setSubscribed(serviceUuid, characteristicUuid, on);
    this.later(() => this.emit('notify', id, serviceUuid, characteristicUuid, on));
  }

  // ---- virtual time ----
  /** Moves time forward: faults fire, pending connections complete, devices notify (synchronously, in order). */
  advanceTo(t: number): void {
    if (t < this.time) return;
    this.time = t;
    for (const device of this.devices) {
      const id = device.info.id;
      const inRange = device.inRange(t);
      if (this.connected.has(id)) {
        const drops = device.faults.disconnectAt;
        let next = this.nextDrop.get(id)!;
        let dropNow = !inRange;
        while (next < drops.length && drops[next]! <= t) {
          next++;
          dropNow = true;
        }
        this.nextDrop.set(id, next);
        if (dropNow) {
          this.drop(id, 'connection timeout');
          continue;
        }
        device.tick(t, (s, c, data) => this.emit('read', id, s, c, data, true));
      } else {
        // Faults scheduled while disconnected are spent; the device's sensor keeps running.
        const drops = device.faults.disconnectAt;
        let next = this.nextDrop.get(id)!;
        while (next < drops.length && drops[next]! <= t) next++;
        this.nextDrop.set(id, next);
        device.tick(t, () => undefined);
        if (inRange && this.pendingConnects.delete(id)) this.completeConnect(device);
      }
    }
    if (this.scanning) this.advertise();
  }

  /** Pumps virtual time from the wall clock at `speed` × real time (live runs, the CLI's --simulate). */
  run(speed = 1, stepMs = 10): void {
    this.stop();
    let last = performance.now();
    this.timer = setInterval(() => {
      const wall = performance.now();
      this.advanceTo(this.time + ((wall - last) / 1000) * speed);
      last = wall;
    }, stepMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  // ---- internals ----
  private device(id: string): VirtualDevice | undefined {
    return this.devices.find((d) => d.info.id === id);
  }

  private linked(id: string): VirtualDevice | undefined {
    return this.connected.has(id) ? this.device(id) : undefined;
  }

  private completeConnect(device: VirtualDevice): void {
    this.connected.add(device.info.id);
    this.later(() => this.emit('connect', device.info.id, null));
  }

  private drop(id: string, reason: string): void {
    this.connected.delete(id);
    this.device(id)?.resetLink();
    this.later(() => this.emit('disconnect', id, reason));
  }

  private advertise(): void {
    for (const device of this.devices) {
      const { id, address, localName, rssi, advertisedServices } = device.info;
      if (this.connected.has(id) || !device.inRange(this.time)) continue;
      if (this.scanFilter.length > 0 && !advertisedServices.some((u) => this.scanFilter.includes(u))) continue;
      const advertisement = {
        localName,
        serviceUuids: advertisedServices,
        serviceData: [],
        manufacturerData: undefined,
        txPowerLevel: undefined,
      };
      this.emit('discover', id, address, 'random', true, advertisement, rssi, true);
    }
  }

  /** Replies come after the request returns, as from a radio. */
  private later(fn: () => void): void {
    setImmediate(fn);
  }
}
