/** The gateway's config file (JSON): which BLE sensor plays which role for which patient, and where to publish. */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { SENSOR_ROLES } from '@hipmon/core';

const match = z
  .object({
    address: z.string().min(1).optional(),
    localName: z.string().min(1).optional(),
    serviceUuid: z.string().min(1).optional(),
  })
  .strict()
  .refine((m) => m.address || m.localName || m.serviceUuid, 'match needs an address, a localName or a serviceUuid');

export const sensorEntrySchema = z
  .object({
    role: z.enum(SENSOR_ROLES),
    driver: z.enum(['hipmon', 'witmotion', 'dot']),
    match,
    rate: z.number().int().positive().max(1000).optional(),
    mag: z.boolean().optional(),
  })
  .strict();

export const gatewayConfigSchema = z
  .object({
    patientId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    mqtt: z.object({ url: z.string().url() }).strict().optional(),
    outboxDir: z.string().min(1).optional(),
    sensors: z
      .array(sensorEntrySchema)
      .min(1)
      .refine((s) => new Set(s.map((e) => e.role)).size === s.length, 'each role at most once'),
  })
  .strict();

export type SensorEntry = z.infer<typeof sensorEntrySchema>;
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

export class GatewayConfigError extends Error {
  override name = 'GatewayConfigError';
}

export function parseGatewayConfig(value: unknown): GatewayConfig {
  const result = gatewayConfigSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new GatewayConfigError(`gateway config: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
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
