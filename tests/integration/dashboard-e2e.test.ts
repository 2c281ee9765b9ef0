/**
 * The dashboard end to end, in a real browser: embedded broker + processing service + dashboard server + one
 * simulated patient at 10× speed. A therapist logs in, opens the patient, and the live rep counter (fed by the
 * WebSocket bridged from MQTT) reaches the number of repetitions the simulator performed. A screenshot of the live
 * view lands in test-artifacts/.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, runDashboard } from '@hipmon/dashboard';
import type { RunningDashboard } from '@hipmon/dashboard';
import { openMetadataStore, SqliteSeriesStore, startEmbeddedBroker, startProcessingService } from '@hipmon/services';
import type { EmbeddedBroker, MetadataStore, ProcessingService } from '@hipmon/services';
import { runVirtualPatient } from '@hipmon/simulator/live';

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');
const PASSWORD = 'e2e-password-123';

describe('dashboard in a browser (playwright-core + chromium)', () => {
  let dir: string;
  let broker: EmbeddedBroker;
  let metadata: MetadataStore;
  let series: SqliteSeriesStore;
  let service: ProcessingService;
  let dashboard: RunningDashboard;
  let browser: Browser;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hipmon-dashboard-e2e-'));
    const logger = pino({ level: 'silent' });
    metadata = openMetadataStore({ path: join(dir, 'metadata.sqlite') });
    series = new SqliteSeriesStore({ path: join(dir, 'series.sqlite'), logger });
    broker = await startEmbeddedBroker({ port: 0 });
    const therapist = metadata.createUser({
      role: 'therapist',
      login: 'tess',
      displayName: 'Tess Therapist',
      passwordHash: await hashPassword(PASSWORD),
    });
    metadata.createPatient({
      id: 'e2e-patient',
      displayName: 'Eve E2E',
      treatedSide: 'left',
      surgeryType: 'tha_anterior',
    });
    metadata.assignTherapist(therapist.id, 'e2e-patient');
    metadata.createPlanVersion({
      patientId: 'e2e-patient',
      authorId: therapist.id,
      sessionsPerWeek: 5,
      items: [{ exercise: 'standing_hip_abduction', sets: 1, reps: 6, targetRomDeg: 25 }],
    });
    service = await startProcessingService({
      mqttUrl: broker.url,
      series,
      metadata,
      logger,
      clientId: 'e2e-processing',
    });
    dashboard = await runDashboard({
      host: '127.0.0.1',
      port: 0,
      mqttUrl: broker.url,
      metadata,
      series,
      sessionSecret: 'e2e secret, long enough to sign cookies with',
      secureCookies: false,
    });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
    await service?.stop();
    await broker?.close();
    await series?.close();
    metadata?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('logs in, opens the patient and counts the live repetitions up to the simulated count', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const consoleErrors: string[] = [];
    const failedRequests: string[] = [];
    page.on(
      'console',
      (m) =>
        void (m.type() === 'error' && !m.text().startsWith('Failed to load resource') && consoleErrors.push(m.text())),
    );
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on(
      'response',
      (r) => void (r.status() >= 400 && failedRequests.push(`${r.status()} ${new URL(r.url()).pathname}`)),
    );

    await page.goto(dashboard.url);
    await page.waitForURL(/#\/login$/);
    await page.getByLabel('Login').fill('tess');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: 'Eve E2E' }).click();
    await page.getByText('Live session').waitFor();
    // The page has subscribed once the bridge watches the patient; give the WebSocket its round trip.
    await page.waitForFunction(() => document.querySelector('[data-testid="session-reps"]') !== null);
    await new Promise((r) => setTimeout(r, 500));

    const report = await runVirtualPatient({
      brokerUrl: broker.url,
      patientId: 'e2e-patient',
      gatewayId: 'e2e-gw',
      programme: [{ exercise: 'standing_hip_abduction', side: 'left', reps: 6, romDeg: 25 }],
      speed: 10,
    });
    const simulated = report.sessions[0]!.reps;
    expect(simulated).toBe(6);

    const counter = page.getByTestId('session-reps');
    await expect
      .poll(async () => Number(await counter.textContent()), { timeout: 20_000, interval: 200 })
      .toBe(simulated);
    await expect.poll(async () => page.getByTestId('session-state').textContent(), { timeout: 10_000 }).toBe('ended');
    expect(await page.getByTestId('target-rom').textContent()).toBe('25.0');
    const lastRom = Number(await page.getByTestId('last-rom').textContent());
    // The simulator moved every rep through 25° (no variability asked); measured from the calibration pose.
    expect(Math.abs(lastRom - 25)).toBeLessThan(3);
    // The chart received angles (uPlot draws into a canvas sized to the container).
    expect(await page.locator('.chart canvas').count()).toBeGreaterThan(0);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-live-session.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
    // The only refused request is the login check before logging in.
    expect(failedRequests).toEqual(['401 /api/me']);
  });
});
