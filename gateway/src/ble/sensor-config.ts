/** The gateway's config file (JSON): which BLE sensor plays which role for which patient, and where to publish. */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { SENSOR_ROLES } from '@hipmon/core';
import { DOT_OUTPUT_RATES } from './movella-dot.js';
import { WIT_RATES } from './witmotion.js';

const DRIVERS = ['hipmon', 'witmotion', 'dot'] as const;

/** Output rates each driver can set, Hz (hipmon firmware takes any u16 rate and picks its nearest). */
const SUPPORTED_RATES: Record<(typeof DRIVERS)[number], (rate: number) => boolean> = {
  hipmon: (rate) => Number.isInteger(rate) && rate >= 1 && rate <= 1000,
  witmotion: (rate) => WIT_RATES.includes(rate),
  dot: (rate) => DOT_OUTPUT_RATES.includes(rate),
};
const RATE_CHOICES: Record<(typeof DRIVERS)[number], string> = {
  hipmon: 'a whole number of Hz from 1 to 1000',
  witmotion: `one of ${WIT_RATES.join(', ')} Hz`,
  dot: `one of ${DOT_OUTPUT_RATES.join(', ')} Hz`,
};

const match = z
  .object({
    address: z.string().min(1).optional(),
    localName: z.string().min(1).optional(),
    serviceUuid: z.string().min(1).optional(),
  })
  .strict()
  .refine((m) => m.address || m.localName || m.serviceUuid, 'needs an address, a localName or a serviceUuid');

export const sensorEntrySchema = z
  .object({
    role: z.enum(SENSOR_ROLES),
    driver: z.enum(DRIVERS),
    match,
    rate: z.number().positive().optional(),
    mag: z.boolean().optional(),
  })
  .strict()
  .superRefine((entry, ctx) => {
    if (entry.rate !== undefined && !SUPPORTED_RATES[entry.driver](entry.rate))
      ctx.addIssue({
        code: 'custom',
        path: ['rate'],
        message: `${entry.rate} Hz is not a ${entry.driver} rate: use ${RATE_CHOICES[entry.driver]}`,
      });
    // The DOT's magnetic field is in arbitrary units, not µT: the driver does not read it.
    if (entry.mag && entry.driver === 'dot')
      ctx.addIssue({ code: 'custom', path: ['mag'], message: 'the dot driver does not read the magnetometer' });
  });

const MQTT_PROTOCOLS = ['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:', 'ssl:'];
const protocolOf = (url: string): string => {
  try {
    return new URL(url).protocol;
  } catch {
    return '';
  }
};

export const gatewayConfigSchema = z
  .object({
    patientId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, _ or -'),
    mqtt: z
      .object({
        url: z
          .string()
          .url('is not a URL')
          .refine((u) => MQTT_PROTOCOLS.includes(protocolOf(u)), 'must start with mqtt://, mqtts://, ws:// or wss://'),
      })
      .strict()
      .optional(),
    outboxDir: z.string().min(1).optional(),
    sensors: z
      .array(sensorEntrySchema)
      .min(1, 'needs at least one sensor')
      .superRefine((sensors, ctx) => {
        sensors.forEach((s, i) => {
          const first = sensors.findIndex((o) => o.role === s.role);
          if (first < i)
            ctx.addIssue({
              code: 'custom',
              path: [i, 'role'],
              message: `${s.role} is already sensors.${first}'s role`,
            });
        });
      }),
  })
  .strict();

export type SensorEntry = z.infer<typeof sensorEntrySchema>;
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

export class GatewayConfigError extends Error {
  override name = 'GatewayConfigError';
}

/** One line naming the field: `sensors.1.rate: …`. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const where = path.length ? `${path.join('.')}.` : '';
    return issue.keys.map((k) => `${where}${k}: unknown field`).join('; ');
  }
  const field = path.join('.');
  if (!field) return issue.code === 'invalid_type' ? 'the file must hold a JSON object' : issue.message;
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message))
    return `${field}: missing (${issue.expected} required)`;
  return `${field}: ${issue.message}`;
}

export function parseGatewayConfig(value: unknown): GatewayConfig {
  const result = gatewayConfigSchema.safeParse(value);
  if (!result.success) {
    const [first, ...others] = result.error.issues;
    // Further problems of the same field (a value can fail two checks) are not news.
    const rest = others.filter((i) => i.path.join('.') !== first!.path.join('.'));
    const more = rest.length ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : '';
    throw new GatewayConfigError(`gateway config: ${describeIssue(first!)}${more}`);
  }
  return result.data;
}

export async function loadGatewayConfig(file: string): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new GatewayConfigError(`cannot read gateway config ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new GatewayConfigError(`gateway config ${file} is not JSON: ${(err as Error).message}`);
  }
  return parseGatewayConfig(json);
}

/** Whether an advertising peripheral is the one an entry describes (every given criterion must hold). */
export function matchesSensor(
  entry: SensorEntry,
  peripheral: { address: string; advertisement: { localName?: string; serviceUuids?: string[] } },
): boolean {
  const norm = (u: string): string => u.toLowerCase().replace(/-/g, '');
  const m = entry.match;
  if (m.address && peripheral.address.toLowerCase() !== m.address.toLowerCase()) return false;
  if (m.localName && peripheral.advertisement.localName !== m.localName) return false;
  if (m.serviceUuid && !(peripheral.advertisement.serviceUuids ?? []).map(norm).includes(norm(m.serviceUuid)))
    return false;
  return true;
}
