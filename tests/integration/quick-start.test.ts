/**
 * The README's first command must keep working: `hipmon start` (what `npm start` runs) brings up the embedded
 * broker, the ingest stage and simulated patients, and their frames arrive decoded, in sequence, none rejected.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const hipmon = resolve(import.meta.dirname, '../../node_modules/.bin/hipmon');

describe('quick start (hipmon start)', () => {
  it('streams simulated patients through the embedded broker into the ingest stage and stops on SIGINT', async () => {
    const child = spawn(hipmon, ['start', '--port', '0', '--patients', '2', '--speed', '20'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit');
    try {
      // Two status lines (5 s apart) so the second one reflects a steady stream.
      const deadline = Date.now() + 40_000;
      while ((stdout.match(/^\[\d+ s\]/gm) ?? []).length < 2 && Date.now() < deadline && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      child.kill('SIGINT');
    }
    const [code] = await exited;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/MQTT broker \(embedded, MQTT 3\.1\.1\): mqtt:\/\/127\.0\.0\.1:\d+/);
    const status = stdout.match(
      /^\[\d+ s\] streams (\d+) +frames (\d+) +samples (\d+).*duplicates (\d+) +missing (\d+) +rejected (\d+)$/gm,
    );
    expect(status?.length).toBeGreaterThanOrEqual(2);
    const [, streams, frames, samples, duplicates, missing, rejected] =
      /streams (\d+) +frames (\d+) +samples (\d+).*duplicates (\d+) +missing (\d+) +rejected (\d+)/
        .exec(status!.at(-1)!)!
        .map(Number);
    // Two patients × (pelvis + thigh) at 100 Hz, 20× real time: thousands of frames within 10 s.
    expect(streams).toBeGreaterThanOrEqual(4); // a new session = new streams: more at 20× speed
    expect(frames).toBeGreaterThan(400);
    expect(samples).toBeGreaterThan(frames! * 9);
    expect(duplicates).toBe(0);
    expect(missing).toBe(0);
    expect(rejected).toBe(0);
    expect(stdout).toMatch(/stopped\n$/);
  });
});
