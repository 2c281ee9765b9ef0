/**
 * The README's first command must keep working: `hipmon start` (what `npm start` runs) brings up the embedded
 * broker, the processing service with its SQLite stores and simulated patients seeded with plans; their frames
 * arrive decoded, in sequence, none rejected, repetitions are counted live per patient, and finished sessions leave
 * their summaries in the metadata store; the dashboard answers on localhost with the printed demo login.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openMetadataStore } from '@hipmon/services';

const hipmon = resolve(import.meta.dirname, '../../node_modules/.bin/hipmon');

describe('quick start (hipmon start)', () => {
  it('streams simulated patients through the embedded broker into the processing service and stops on SIGINT', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hipmon-quickstart-test-'));
    try {
      const child = spawn(
        hipmon,
        ['start', '--port', '0', '--http-port', '0', '--patients', '2', '--speed', '20', '--data-dir', dataDir],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = once(child, 'exit');
      let interruptedAt = Infinity;
      try {
        // First, while the pipeline warms up (so the moment of SIGINT below stays where it was):
        const printed = Date.now() + 30_000;
        while (!/dashboard: http/.test(stdout) && Date.now() < printed && child.exitCode === null) {
          await new Promise((r) => setTimeout(r, 100));
        }
        // The dashboard answers, and the demo therapist printed at start sees both simulated patients.
        const dashboardUrl = /dashboard: (http:\/\/127\.0\.0\.1:\d+) +\(login (\S+) \/ (\S+);/.exec(stdout);
        expect(dashboardUrl, stdout).not.toBeNull();
        const [, base, login, password] = dashboardUrl!;
        expect((await fetch(`${base}/healthz`)).status).toBe(200);
        const csrf = await fetch(`${base}/api/csrf`);
        const jar = csrf.headers.getSetCookie();
        const cookies = () => jar.map((c) => c.split(';')[0]).join('; ');
        const { token } = (await csrf.json()) as { token: string };
        const loggedIn = await fetch(`${base}/api/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': token, cookie: cookies() },
          body: JSON.stringify({ login, password }),
        });
        expect(loggedIn.status).toBe(200);
        jar.push(...loggedIn.headers.getSetCookie());
        const patients = (await (await fetch(`${base}/api/patients`, { headers: { cookie: cookies() } })).json()) as {
          patient: { id: string };
        }[];
        expect(patients.map((e) => e.patient.id).sort()).toEqual(['sim-patient-001', 'sim-patient-002']);
        // Three status lines (5 s apart): at 20× a session lasts a few seconds, so some have ended by then.
        const deadline = Date.now() + 45_000;
        while ((stdout.match(/^\[\d+ s\]/gm) ?? []).length < 3 && Date.now() < deadline && child.exitCode === null) {
          await new Promise((r) => setTimeout(r, 200));
        }
      } finally {
        interruptedAt = Date.now();
        child.kill('SIGINT');
      }
      const [code] = await exited;
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(/MQTT broker \(embedded, MQTT 3\.1\.1\): mqtt:\/\/127\.0\.0\.1:\d+/);
      expect(stdout).toContain(`data (SQLite metadata + series): ${dataDir}`);
      const status = stdout.match(/^\[\d+ s\] sessions .*$/gm);
      expect(status?.length).toBeGreaterThanOrEqual(3);
      const last = status!.at(-1)!;
      const [, sessions, frames, samples, duplicates, missing, rejected] =
        /sessions (\d+) .*frames (\d+) +samples (\d+).*duplicates (\d+) +missing (\d+) +rejected (\d+)/
          .exec(last)!
          .map(Number);
      // Two patients × (pelvis + thigh) at 100 Hz, 20× real time: thousands of frames, several sessions.
      expect(sessions).toBeGreaterThanOrEqual(2);
      expect(frames).toBeGreaterThan(400);
      expect(samples).toBeGreaterThan(frames! * 9);
      expect(duplicates).toBe(0);
      expect(missing).toBe(0);
      expect(rejected).toBe(0);
      // Live reps per patient, growing from the first status line to the last (10 s later).
      const repsOf = (line: string) =>
        Object.fromEntries([...line.matchAll(/(sim-patient-\d+) (\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
      const first = repsOf(status![0]!);
      const final = repsOf(last);
      expect(Object.keys(final).sort()).toEqual(['sim-patient-001', 'sim-patient-002']);
      for (const [patient, reps] of Object.entries(final)) expect(reps).toBeGreaterThan(first[patient] ?? 0);
      expect(stdout).toMatch(/stopped\n$/);

      // The finished sessions are in the metadata store, with reps counted against the seeded plans.
      const metadata = openMetadataStore({ path: join(dataDir, 'metadata.sqlite') });
      try {
        // Sessions that finished on their own; one that Ctrl-C ended a moment after it began may have no rep yet.
        const ended = metadata.db
          .prepare("SELECT patient_id AS p, id AS s FROM sessions WHERE state = 'ended' AND ended_at < ?")
          .all(interruptedAt) as { p: string; s: string }[];
        expect(ended.length).toBeGreaterThan(0);
        for (const { p, s } of ended) {
          const report = metadata.sessionReport(p, s);
          expect(report.session.planVersion).toBe(1);
          expect(report.totals.repsPrescribed).toBeGreaterThan(0);
          expect(report.totals.repsDone).toBeGreaterThan(0);
        }
      } finally {
        metadata.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
