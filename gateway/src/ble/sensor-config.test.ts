import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GatewayConfigError, loadGatewayConfig, matchesSensor, parseGatewayConfig } from './sensor-config.js';
import type { SensorEntry } from './sensor-config.js';

const pelvis = { role: 'pelvis', driver: 'hipmon', match: { localName: 'hipmon-7f21' } };
const valid = { patientId: 'p-0042', sensors: [pelvis] };
/** `valid` with one change; `undefined` deletes the field. */
const withField = (path: (string | number)[], value: unknown): unknown => {
  const copy = structuredClone(valid) as Record<string, unknown>;
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
};
const sensor = (over: Record<string, unknown>): unknown => ({ ...valid, sensors: [{ ...pelvis, ...over }] });

describe('gateway config parser', () => {
  it('accepts the example of docs/gateway.md, as written there', () => {
    const doc = readFileSync(new URL('../../../docs/gateway.md', import.meta.url), 'utf8');
    const json = /```json\n([\s\S]*?)```/.exec(doc)![1]!;
    const config = parseGatewayConfig(JSON.parse(json));
    expect(config.patientId).toBe('p-0042');
    expect(config.mqtt?.url).toBe('mqtt://broker.example:1883');
    expect(config.sensors.map((s) => [s.role, s.driver, s.rate, s.mag])).toEqual([
      ['pelvis', 'hipmon', undefined, undefined],
      ['thigh_right', 'witmotion', 100, true],
      ['thigh_left', 'dot', undefined, undefined],
    ]);
  });

  it('accepts every driver at each of its documented rates, and the minimal file', () => {
    expect(parseGatewayConfig(valid)).toEqual(valid);
    for (const rate of [0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200])
      expect(parseGatewayConfig(sensor({ driver: 'witmotion', rate })).sensors[0]!.rate).toBe(rate);
    for (const rate of [1, 4, 10, 12, 15, 20, 30, 60])
      expect(parseGatewayConfig(sensor({ driver: 'dot', rate })).sensors[0]!.rate).toBe(rate);
    for (const rate of [1, 52, 100, 1000])
      expect(parseGatewayConfig(sensor({ rate, mag: true })).sensors[0]).toMatchObject({ rate, mag: true });
    const url = parseGatewayConfig({ ...valid, mqtt: { url: 'mqtts://broker:8883' }, outboxDir: '/var/lib/x' });
    expect(url.outboxDir).toBe('/var/lib/x');
  });

  // Each invalid file: the one-line message names the field and says what is wrong with it.
  const invalid: [string, unknown, RegExp][] = [
    ['not an object', [], /^gateway config: the file must hold a JSON object$/],
    ['null', null, /the file must hold a JSON object/],
    [
      'missing patientId',
      withField(['patientId'], undefined),
      /^gateway config: patientId: missing \(string required\)$/,
    ],
    ['bad patientId', withField(['patientId'], 'p 42'), /patientId: must be 1–64 letters, digits, _ or -/],
    ['unknown top-level field', { ...valid, brokr: 'x' }, /^gateway config: brokr: unknown field$/],
    ['mqtt url not a URL', { ...valid, mqtt: { url: 'not a url' } }, /^gateway config: mqtt.url: is not a URL$/],
    ['mqtt url without scheme', { ...valid, mqtt: { url: 'localhost:1883' } }, /mqtt.url: must start with mqtt:\/\//],
    ['mqtt url of another protocol', { ...valid, mqtt: { url: 'http://b:80' } }, /mqtt.url: must start with mqtt:\/\//],
    ['mqtt unknown field', { ...valid, mqtt: { url: 'mqtt://b', user: 'x' } }, /mqtt.user: unknown field/],
    ['empty outboxDir', { ...valid, outboxDir: '' }, /outboxDir: /],
    ['no sensors', withField(['sensors'], []), /^gateway config: sensors: needs at least one sensor$/],
    ['sensors missing', withField(['sensors'], undefined), /sensors: missing \(array required\)/],
    ['unknown role', sensor({ role: 'elbow' }), /sensors.0.role: .*"pelvis"\|"thigh_left"\|"thigh_right"/],
    ['unknown driver', sensor({ driver: 'shimmer' }), /sensors.0.driver: .*"hipmon"\|"witmotion"\|"dot"/],
    ['empty match', sensor({ match: {} }), /sensors.0.match: needs an address, a localName or a serviceUuid/],
    ['match unknown field', sensor({ match: { mac: 'x' } }), /sensors.0.match.mac: unknown field/],
    ['sensor unknown field', sensor({ name: 'x' }), /sensors.0.name: unknown field/],
    ['negative rate', sensor({ rate: -1 }), /sensors.0.rate: /],
    ['rate as text', sensor({ rate: '100' }), /sensors.0.rate: .*number/],
    [
      'fractional hipmon rate',
      sensor({ rate: 12.5 }),
      /sensors.0.rate: 12.5 Hz is not a hipmon rate: use a whole number/,
    ],
    [
      'WitMotion 125 Hz',
      sensor({ driver: 'witmotion', rate: 125 }),
      /sensors.0.rate: 125 Hz is not a witmotion rate: use one of 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200 Hz/,
    ],
    [
      'DOT 100 Hz',
      sensor({ driver: 'dot', rate: 100 }),
      /sensors.0.rate: 100 Hz is not a dot rate: use one of 1, 4, 10, 12, 15, 20, 30, 60 Hz/,
    ],
    [
      'DOT magnetometer',
      sensor({ driver: 'dot', mag: true }),
      /sensors.0.mag: the dot driver does not read the magnetometer/,
    ],
    ['mag not boolean', sensor({ mag: 'yes' }), /sensors.0.mag: .*boolean/],
    [
      'role twice',
      { ...valid, sensors: [pelvis, { ...pelvis, match: { address: 'aa' } }] },
      /^gateway config: sensors.1.role: pelvis is already sensors.0's role$/,
    ],
  ];
  it.each(invalid)('rejects %s with one line naming the field', (_what, value, message) => {
    let error: unknown;
    try {
      parseGatewayConfig(value);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(GatewayConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('reports further problems of other fields as a count', () => {
    expect(() => parseGatewayConfig({ sensors: [] })).toThrow(
      /^gateway config: patientId: missing \(string required\) \(and 1 more problem\)$/,
    );
  });

  it('loads files: a valid one, a missing one, one that is not JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hipmon-gw-config-'));
    writeFileSync(join(dir, 'ok.json'), JSON.stringify(valid));
    writeFileSync(join(dir, 'bad.json'), '{ "patientId": "p1", ');
    expect(await loadGatewayConfig(join(dir, 'ok.json'))).toEqual(valid);
    await expect(loadGatewayConfig(join(dir, 'none.json'))).rejects.toThrow(/^cannot read gateway config .*none\.json/);
    await expect(loadGatewayConfig(join(dir, 'bad.json'))).rejects.toThrow(/bad\.json is not JSON/);
    await expect(loadGatewayConfig(join(dir, 'bad.json'))).rejects.toBeInstanceOf(GatewayConfigError);
  });
});

describe('matching advertisements to config entries', () => {
  const entry = (match: SensorEntry['match']): SensorEntry => ({ role: 'pelvis', driver: 'hipmon', match });
  const peripheral = {
    address: 'd4:22:cd:00:31:9e',
    advertisement: { localName: 'Movella DOT', serviceUuids: ['b3a100018e3f4b1c9c5a68697066d001'] },
  };
  it('compares addresses without case, service UUIDs without case or dashes, names exactly; all must hold', () => {
    expect(matchesSensor(entry({ address: 'D4:22:CD:00:31:9E' }), peripheral)).toBe(true);
    expect(matchesSensor(entry({ address: 'd4:22:cd:00:31:9f' }), peripheral)).toBe(false);
    expect(matchesSensor(entry({ localName: 'Movella DOT' }), peripheral)).toBe(true);
    expect(matchesSensor(entry({ localName: 'movella dot' }), peripheral)).toBe(false);
    expect(matchesSensor(entry({ serviceUuid: 'B3A10001-8E3F-4B1C-9C5A-68697066D001' }), peripheral)).toBe(true);
    expect(matchesSensor(entry({ serviceUuid: '180f' }), peripheral)).toBe(false);
    expect(matchesSensor(entry({ address: 'd4:22:cd:00:31:9e', localName: 'other' }), peripheral)).toBe(false);
    expect(matchesSensor(entry({ localName: 'x' }), { address: 'a', advertisement: {} })).toBe(false);
  });
});
