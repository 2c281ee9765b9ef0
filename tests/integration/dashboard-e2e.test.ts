/**
 * The dashboard end to end, in a real browser: embedded broker + processing service + dashboard server + one
 * simulated patient at 10× speed. A therapist logs in, opens the patient, and the live rep counter (fed by the
 * WebSocket bridged from MQTT) reaches the number of repetitions the simulator performed. Then, on the recorded
 * session: the plan editor stores a new version (a refused one shows the server's reason inline), an open alert is
 * acknowledged, and the progress view charts the session. Screenshots land in test-artifacts/. The tests run in
 * order: the later ones use the session the first one recorded.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuild, hashPassword, runDashboard } from '@hipmon/dashboard';
import type { RunningDashboard } from '@hipmon/dashboard';
import { openMetadataStore, SqliteSeriesStore, startEmbeddedBroker, startProcessingService } from '@hipmon/services';
import type { EmbeddedBroker, MetadataStore, PlanVersion, ProcessingService, User } from '@hipmon/services';
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
  let therapist: User;

  /** A page that records console errors and refused requests, logged in as the therapist. */
  async function loggedInPage() {
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
    await page.getByRole('link', { name: 'Eve E2E' }).waitFor();
    return { page, consoleErrors, failedRequests };
  }

  const currentPlan = async (page: Page) =>
    (
      (await (await page.request.get(`${dashboard.url}/api/patients/e2e-patient/plan`)).json()) as {
        current: PlanVersion;
      }
    ).current;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hipmon-dashboard-e2e-'));
    const logger = pino({ level: 'silent' });
    metadata = openMetadataStore({ path: join(dir, 'metadata.sqlite') });
    series = new SqliteSeriesStore({ path: join(dir, 'series.sqlite'), logger });
    broker = await startEmbeddedBroker({ port: 0 });
    therapist = metadata.createUser({
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
    // Build the UI from the sources under test, not whatever an earlier build left in dist/.
    await ensureWebBuild({ force: true });
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

  it('edits the plan: a refused version shows the reason inline, a valid one is stored as the next version', async () => {
    const { page, consoleErrors, failedRequests } = await loggedInPage();
    await page.getByRole('link', { name: 'Eve E2E' }).click();
    await page.getByText('Exercise plan').waitFor();
    expect(await page.getByTestId('plan-version').textContent()).toBe('1');
    await expect.poll(() => page.getByText('changes apply from the next session').count()).toBe(1);

    // Posterior-approach precautions forbid flexion past 90°: a 100° knee raise is refused by the server.
    await page.getByLabel('Precautions preset').selectOption('posterior_tha');
    await page.getByLabel('Exercise to add').selectOption('standing_hip_flexion');
    await page.getByRole('button', { name: 'Add exercise' }).click();
    const flexionRom = page.locator('tr[data-exercise="standing_hip_flexion"] input[aria-label$="target ROM"]');
    await flexionRom.fill('100');
    await page.getByRole('button', { name: 'Save plan' }).click();
    const message = page.getByTestId('plan-message');
    await expect.poll(() => message.textContent(), { timeout: 5000 }).toMatch(/^Not saved: .*precaution limit of 90/);
    expect((await currentPlan(page)).version).toBe(1);

    // Within the limits and with the abduction target raised from 25° to 30°, it saves as version 2.
    await flexionRom.fill('60');
    await page.getByLabel('Standing hip abduction target ROM').fill('30');
    await page.getByRole('button', { name: 'Save plan' }).click();
    await expect.poll(() => message.textContent(), { timeout: 5000 }).toMatch(/^Saved as version 2/);
    expect(await page.getByTestId('plan-version').textContent()).toBe('2');
    const plan = await currentPlan(page);
    expect(plan.version).toBe(2);
    expect(plan.precautions.preset).toBe('posterior_tha');
    expect(plan.items.map((i) => [i.exercise, i.sets, i.reps, i.targetRomDeg])).toEqual([
      ['standing_hip_abduction', 1, 6, 30],
      ['standing_hip_flexion', 2, 10, 60],
    ]);
    // The session recorded before keeps the version it was done under.
    expect(metadata.sessionHistory(therapist.id, 'e2e-patient')[0]!.session.planVersion).toBe(1);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-plan-editor.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
    expect(failedRequests).toEqual(['401 /api/me', '400 /api/patients/e2e-patient/plan']);
  });

  it('acknowledges an open alert from the patient page', async () => {
    const { page, consoleErrors, failedRequests } = await loggedInPage();
    // A clean simulated session raises no alert: record one on it, as the processing service would.
    const session = metadata.sessionHistory(therapist.id, 'e2e-patient')[0]!.session;
    const alert = metadata.recordAlert({
      patientId: 'e2e-patient',
      sessionId: session.id,
      at: session.startedAt + 5000,
      level: 'warning',
      kind: 'rom_above_limit',
      angle: 'abduction',
      valueDeg: 47,
      limitDeg: 45,
      message: 'abduction 47° above the 45° limit',
    });
    await page.getByRole('link', { name: 'Eve E2E' }).click();
    const item = page.locator(`[data-testid="open-alerts"] li[data-alert-id="${alert.id}"]`);
    await item.waitFor();
    expect(await item.textContent()).toContain('abduction 47° above the 45° limit');
    await page.getByRole('button', { name: `Acknowledge alert ${alert.id}` }).click();
    await item.waitFor({ state: 'detached', timeout: 5000 });
    expect(await page.getByTestId('open-alerts').textContent()).toBe('none');

    const open = await (await page.request.get(`${dashboard.url}/api/patients/e2e-patient/alerts`)).json();
    expect(open).toEqual([]);
    const stored = metadata.alertsOfSession('e2e-patient', session.id).find((a) => a.id === alert.id);
    expect(stored?.acknowledgedBy).toBe(therapist.id);
    expect(consoleErrors).toEqual([]);
    expect(failedRequests).toEqual(['401 /api/me']);
  });

  it('opens the progress view with the peak ROM and adherence charts of the recorded session', async () => {
    const { page, consoleErrors, failedRequests } = await loggedInPage();
    await page.getByRole('link', { name: 'Eve E2E' }).click();
    await page.getByRole('link', { name: 'Progress over weeks' }).click();
    await page.waitForURL(/#\/patients\/e2e-patient\/progress$/);
    await page.locator('[data-testid="progress-rom-chart"] canvas').waitFor();
    await page.locator('[data-testid="progress-adherence-chart"] canvas').waitFor();

    // One abduction session, peak near the simulated 25°, against the version-1 target of 25°.
    const progress = await (await page.request.get(`${dashboard.url}/api/patients/e2e-patient/progress`)).json();
    expect(progress).toHaveLength(1);
    expect(progress[0].exercise).toBe('standing_hip_abduction');
    expect(Math.abs(progress[0].points[0].peakRomDeg - 25)).toBeLessThan(3);
    const legend = await page.locator('[data-testid="progress-rom-chart"] .u-legend').textContent();
    expect(legend).toContain('Standing hip abduction peak');
    // The week's row: one session of the plan's five, all 6 prescribed repetitions done.
    const weekRow = page.locator('[data-testid="progress-weeks"] tbody tr');
    expect(await weekRow.count()).toBe(1);
    expect(await weekRow.locator('td').allTextContents()).toEqual([expect.any(String), '1/5', '6/6', '100 %']);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-progress.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
    expect(failedRequests).toEqual(['401 /api/me']);
  });
});
