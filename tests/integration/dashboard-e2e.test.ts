/**
 * The dashboard end to end, in a real browser: embedded broker + processing service + dashboard server + one
 * simulated patient at 10× speed. A therapist logs in, opens the patient, and the live rep counter (fed by the
 * WebSocket bridged from MQTT) reaches the number of repetitions the simulator performed. Then, on the recorded
 * session: the plan editor stores a new version (a refused one shows the server's reason inline) and keeps precaution
 * limits set by hand, an open alert is acknowledged, the progress view charts the session on a dates axis, and the
 * API docs (Swagger UI) render under the app's security headers. Last, a second session streams in real time: the
 * live chart redraws at display rate while it flows, and the progress view spans both sessions. Finally three more
 * patients exercise at the same time and the live board shows a tile for each of the therapist's own two, each
 * counting its own repetitions, and none for the colleague's patient. Screenshots land in test-artifacts/. The
 * tests run in order: the later ones use the sessions the earlier ones recorded.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { launchHeadlessChromium } from '@hipmon/dashboard/testing';
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

  const DAY_S = 86_400;

  /** The x range a progress chart applies (Unix s): the axis is drawn on a canvas, the container carries it. */
  const chartXRange = async (page: Page, testId: string) => {
    const chart = page.getByTestId(testId);
    return [Number(await chart.getAttribute('data-x-min')), Number(await chart.getAttribute('data-x-max'))];
  };

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
    browser = await launchHeadlessChromium();
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
    const { page, consoleErrors, failedRequests } = await loggedInPage();
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

  it('keeps precaution limits set by hand: shows them, saves exactly what is shown, shows them after a reload', async () => {
    const { page, consoleErrors, failedRequests } = await loggedInPage();
    const limit = (name: string) => page.getByLabel(name);
    const save = async (version: number) => {
      await page.getByRole('button', { name: 'Save plan' }).click();
      await expect
        .poll(() => page.getByTestId('plan-message').textContent(), { timeout: 5000 })
        .toMatch(new RegExp(`^Saved as version ${version}`));
    };

    // Precautions set through the API, without a preset.
    const before = await currentPlan(page);
    const csrf = ((await (await page.request.get(`${dashboard.url}/api/csrf`)).json()) as { token: string }).token;
    const byHand = { preset: null, limits: { flexion: { max: 80 }, rotation: { min: -10, max: 5 } } };
    const put = await page.request.put(`${dashboard.url}/api/patients/e2e-patient/plan`, {
      headers: { 'x-csrf-token': csrf },
      data: {
        sessionsPerWeek: before.sessionsPerWeek,
        // Per-exercise tempo and notes too: the editor must keep them as well.
        items: before.items.map(({ exercise, sets, reps, targetRomDeg }, i) => ({
          exercise,
          sets,
          reps,
          targetRomDeg,
          ...(i === 0 && { tempoSeconds: 4, notes: 'slowly, no trunk lean' }),
        })),
        precautions: { limits: byHand.limits },
      },
    });
    expect(put.status()).toBe(201);
    const v = before.version + 1;
    expect((await currentPlan(page)).precautions).toEqual(byHand);

    // The editor shows them …
    await page.getByRole('link', { name: 'Eve E2E' }).click();
    await page.getByText('Exercise plan').waitFor();
    expect(await page.getByTestId('plan-version').textContent()).toBe(String(v));
    expect(await page.getByLabel('Precautions preset').inputValue()).toBe('');
    expect(await limit('Flexion maximum').inputValue()).toBe('80');
    expect(await limit('Flexion minimum').inputValue()).toBe('');
    expect(await limit('Abduction minimum').inputValue()).toBe('');
    expect(await limit('Rotation minimum').inputValue()).toBe('-10');
    expect(await limit('Rotation maximum').inputValue()).toBe('5');
    // … and saving another change keeps them (the editor used to send a preset only, and they were lost).
    await page.getByLabel('Standing hip abduction sets').fill('2');
    await save(v + 1);
    const kept = await currentPlan(page);
    const abduction = kept.items.find((i) => i.exercise === 'standing_hip_abduction')!;
    expect([abduction.sets, abduction.tempoSeconds, abduction.notes]).toEqual([2, 4, 'slowly, no trunk lean']);
    expect(kept.precautions).toEqual(byHand);

    // Limits typed into the form are stored as shown, and shown again after a reload.
    await limit('Flexion maximum').fill('85');
    await limit('Abduction minimum').fill('-5');
    await save(v + 2);
    const typed = {
      preset: null,
      limits: { flexion: { max: 85 }, abduction: { min: -5 }, rotation: { min: -10, max: 5 } },
    };
    expect((await currentPlan(page)).precautions).toEqual(typed);
    await page.reload();
    await page.getByText('Exercise plan').waitFor();
    expect(await page.getByTestId('plan-version').textContent()).toBe(String(v + 2));
    expect(await limit('Flexion maximum').inputValue()).toBe('85');
    expect(await limit('Abduction minimum').inputValue()).toBe('-5');
    expect(await limit('Rotation minimum').inputValue()).toBe('-10');

    // A preset fills its own limits in, which can then be changed; one it sets cannot silently be left empty
    // (the store would put the preset's back): the form says how to drop it and sends nothing.
    await page.getByLabel('Precautions preset').selectOption('posterior_tha');
    expect(await limit('Flexion maximum').inputValue()).toBe('90');
    expect(await limit('Abduction minimum').inputValue()).toBe('0');
    expect(await limit('Rotation minimum').inputValue()).toBe('');
    expect(await limit('Rotation maximum').inputValue()).toBe('0');
    await limit('Flexion maximum').fill('85');
    await limit('Rotation maximum').fill('');
    await page.getByRole('button', { name: 'Save plan' }).click();
    expect(await limit('Rotation maximum').evaluate((el) => (el as HTMLInputElement).validationMessage)).toMatch(
      /posterior tha preset sets this limit \(0°\)/,
    );
    expect((await currentPlan(page)).version).toBe(v + 2);
    await limit('Rotation maximum').fill('0');
    await save(v + 3);
    expect((await currentPlan(page)).precautions).toEqual({
      preset: 'posterior_tha',
      limits: { flexion: { max: 85 }, abduction: { min: 0 }, rotation: { max: 0 } },
    });

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-plan-precautions.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
    expect(failedRequests).toEqual(['401 /api/me']);
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
    // One session: its day ± 1 day on both charts (uPlot's own widening of a single x spans ~1000 days).
    const started = progress[0].points[0].startedAt / 1000;
    for (const chart of ['progress-rom-chart', 'progress-adherence-chart']) {
      const [min, max] = await chartXRange(page, chart);
      expect(min).toBeCloseTo(started - DAY_S, 3);
      expect(max).toBeCloseTo(started + DAY_S, 3);
    }
    // The week's row: one session of the plan's five, all 6 prescribed repetitions done.
    const weekRow = page.locator('[data-testid="progress-weeks"] tbody tr');
    expect(await weekRow.count()).toBe(1);
    expect(await weekRow.locator('td').allTextContents()).toEqual([expect.any(String), '1/5', '6/6', '100 %']);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-progress.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
    expect(failedRequests).toEqual(['401 /api/me']);
  });

  it('renders the API docs (Swagger UI) with their operations, under a CSP of their own', async () => {
    const { page, consoleErrors, failedRequests } = await loggedInPage();
    const appPolicy = (await (await page.request.get(dashboard.url)).headers())['content-security-policy'];
    const response = await page.goto(`${dashboard.url}/docs`);
    expect(response?.status()).toBe(200);
    // Swagger UI builds the page from /docs/json in the browser: its operations are there once its scripts ran.
    await page.locator('.opblock-summary-path[data-path="/api/patients"]').waitFor({ timeout: 10_000 });
    const spec = (await (await page.request.get(`${dashboard.url}/docs/json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.values(spec.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
    expect(await page.locator('.opblock').count()).toBe(operations);
    expect(await page.locator('.opblock-summary-path[data-path="/api/patients/{patientId}/plan"]').count()).toBe(2);
    // A CSP violation is a console error: none, with the app pages' policy untouched (no inline style at all).
    expect(consoleErrors).toEqual([]);
    expect(appPolicy).toContain("style-src 'self';");
    expect(response?.headers()['content-security-policy']).not.toContain('upgrade-insecure-requests');

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-api-docs.png'), fullPage: false });
    expect(failedRequests).toEqual(['401 /api/me']);
  });

  it('redraws the live chart at display rate while a real-time session streams', async () => {
    const { page, consoleErrors, failedRequests } = await loggedInPage();
    // When the browser receives each live angle message (Playwright sees the page's WebSocket frames).
    const angleArrivals: number[] = [];
    page.on('websocket', (ws) =>
      ws.on('framereceived', (frame) => {
        if (typeof frame.payload === 'string' && frame.payload.startsWith('{"type":"angles"')) {
          angleArrivals.push(Date.now());
        }
      }),
    );
    await page.getByRole('link', { name: 'Eve E2E' }).click();
    await page.locator('.chart canvas').waitFor();
    await page.evaluate(() => {
      const paints: { at: number; edge: number; newest: number }[] = [];
      (window as unknown as { livePaints: typeof paints }).livePaints = paints;
      document.querySelector('.chart')!.addEventListener('chartdraw', (event) => {
        const { edge, newest } = (event as CustomEvent<{ edge: number; newest: number }>).detail;
        paints.push({ at: Date.now(), edge, newest });
      });
    });
    await new Promise((r) => setTimeout(r, 500)); // the WebSocket subscription round trip

    const report = await runVirtualPatient({
      brokerUrl: broker.url,
      patientId: 'e2e-patient',
      gatewayId: 'e2e-gw',
      programme: [{ exercise: 'standing_hip_abduction', side: 'left', reps: 2, romDeg: 25 }],
      speed: 1,
    });
    expect(report.sessions[0]!.reps).toBe(2);
    await expect.poll(async () => page.getByTestId('session-state').textContent(), { timeout: 10_000 }).toBe('ended');
    const paints = await page.evaluate(
      () => (window as unknown as { livePaints: { at: number; edge: number; newest: number }[] }).livePaints,
    );

    // A 2 s window while live data flowed (25 messages/s in ~10 bursts/s): from 1 s after the first angle message.
    expect(angleArrivals.length).toBeGreaterThan(100);
    const from = angleArrivals[0]! + 1000;
    const to = from + 2000;
    expect(angleArrivals.at(-1)!).toBeGreaterThan(to + 500);
    const inWindow = paints.filter((p) => p.at >= from && p.at < to);
    // The render loop paints every animation frame (~120 in 2 s at 60 Hz); a loaded 2-core machine gives fewer.
    expect(inWindow.length).toBeGreaterThanOrEqual(20);
    // It also paints between the bursts (no new sample since the previous paint, yet the window moved on): a
    // redraw per message could not do that.
    const between = inWindow.filter(
      (p, i) => i > 0 && p.newest === inWindow[i - 1]!.newest && p.edge > inWindow[i - 1]!.edge,
    );
    expect(between.length).toBeGreaterThanOrEqual(10);
    // The window never scrolls back, and never shows past the newest sample received.
    for (let i = 1; i < paints.length; i++) expect(paints[i]!.edge).toBeGreaterThanOrEqual(paints[i - 1]!.edge);
    for (const p of paints) expect(p.edge).toBeLessThanOrEqual(p.newest);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-live-realtime.png'), fullPage: false });
    expect(consoleErrors).toEqual([]);
    expect(failedRequests).toEqual(['401 /api/me']);
  });

  it('spans both sessions on the progress dates axis', async () => {
    const { page, consoleErrors, failedRequests } = await loggedInPage();
    await page.goto(`${dashboard.url}/#/patients/e2e-patient/progress`);
    await page.locator('[data-testid="progress-adherence-chart"] canvas').waitFor();
    const sessions = metadata.sessionHistory(therapist.id, 'e2e-patient');
    expect(sessions).toHaveLength(2);
    const starts = sessions.map((s) => s.session.startedAt / 1000).sort((a, b) => a - b);
    // Two sessions minutes apart: both inside, a day of margin either side.
    const [min, max] = await chartXRange(page, 'progress-adherence-chart');
    expect(min).toBeCloseTo(starts[0]! - DAY_S, 3);
    expect(max).toBeCloseTo(starts[1]! + DAY_S, 3);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-progress-two-sessions.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
    expect(failedRequests).toEqual(['401 /api/me']);
  });

  it('shows every running session of the therapist on the live board, each tile counting its own repetitions', async () => {
    // Three patients exercise at once: Ann and Ben are the therapist's, Olga is a colleague's. Ben's plan limits
    // abduction to 15° (target 14°), so each of his 25° repetitions crosses it.
    const colleague = metadata.createUser({ role: 'therapist', login: 'otto', displayName: 'Otto Other' });
    const live = [
      { id: 'board-ann', name: 'Ann Board', reps: 3, targetRomDeg: 22, therapistId: therapist.id },
      { id: 'board-ben', name: 'Ben Board', reps: 5, targetRomDeg: 14, therapistId: therapist.id, abductionMax: 15 },
      { id: 'board-olga', name: 'Olga Other', reps: 4, targetRomDeg: 25, therapistId: colleague.id },
    ];
    for (const p of live) {
      metadata.createPatient({ id: p.id, displayName: p.name, treatedSide: 'left', surgeryType: 'tha_anterior' });
      metadata.assignTherapist(p.therapistId, p.id);
      metadata.createPlanVersion({
        patientId: p.id,
        authorId: p.therapistId,
        sessionsPerWeek: 5,
        items: [{ exercise: 'standing_hip_abduction', sets: 1, reps: p.reps, targetRomDeg: p.targetRomDeg }],
        ...(p.abductionMax !== undefined && { precautions: { limits: { abduction: { max: p.abductionMax } } } }),
      });
    }
    const [ann, ben, olga] = live as [(typeof live)[number], (typeof live)[number], (typeof live)[number]];

    const { page, consoleErrors, failedRequests } = await loggedInPage();
    await page.getByRole('link', { name: 'Live board' }).click();
    await page.waitForURL(/#\/live$/);
    await page.getByRole('heading', { name: 'Live sessions' }).waitFor();
    // Ready once the server confirmed the subscription of each of the therapist's patients: Eve, Ann, Ben.
    const board = page.getByTestId('live-board');
    await expect.poll(() => board.getAttribute('data-subscribed'), { timeout: 5000 }).toBe('3');
    // Eve's sessions ended before the board opened: no tile for them.
    expect(await page.getByTestId('live-tile').count()).toBe(0);

    const running = Promise.all(
      live.map((p) =>
        runVirtualPatient({
          brokerUrl: broker.url,
          patientId: p.id,
          gatewayId: `${p.id}-gw`,
          programme: [{ exercise: 'standing_hip_abduction', side: 'left', reps: p.reps, romDeg: 25 }],
          speed: 5,
        }),
      ),
    );
    const tile = (id: string) => page.locator(`[data-testid="live-tile"][data-patient-id="${id}"]`);
    // Both sessions that started after the board opened show at the same time while they run.
    await expect
      .poll(() => page.locator('[data-testid="live-tile"]:not(.ended)').count(), { timeout: 10_000, interval: 100 })
      .toBe(2);
    // The moment Ben crosses his limit, his tile shows it, highlighted.
    const benAlert = tile(ben.id).locator('[data-testid="tile-alerts"] li.precaution').first();
    await benAlert.waitFor({ timeout: 10_000 });
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-live-board.png'), fullPage: true });
    const reports = await running;

    for (const [i, p] of [ann, ben].entries()) {
      const simulated = reports[i]!.sessions[0]!.reps;
      expect(simulated).toBe(p.reps);
      const reps = tile(p.id).getByTestId('tile-reps');
      await expect
        .poll(async () => Number(await reps.textContent()), { timeout: 20_000, interval: 200 })
        .toBe(simulated);
      // Ended: greyed out, with the session's own plan target and the simulated 25° (± 3°, as on the patient page).
      await expect.poll(() => tile(p.id).getAttribute('class'), { timeout: 10_000 }).toMatch(/\bended\b/);
      expect(await tile(p.id).getByTestId('tile-target-rom').textContent()).toBe(p.targetRomDeg.toFixed(1));
      expect(Math.abs(Number(await tile(p.id).getByTestId('tile-last-rom').textContent()) - 25)).toBeLessThan(3);
      expect(await tile(p.id).getByTestId('tile-set').textContent()).toMatch(
        new RegExp(`^Standing hip abduction, set 1: \\d+/${p.reps}$`),
      );
      expect(await tile(p.id).getByRole('link', { name: p.name }).getAttribute('href')).toBe(`#/patients/${p.id}`);
    }
    expect(await tile(ben.id).getAttribute('class')).toMatch(/\bprecaution-alert\b/);
    expect(await benAlert.getAttribute('data-code')).toBe('abduction_above_limit');
    expect(await benAlert.textContent()).toContain('(limit 15°)');
    expect(await tile(ann.id).locator('[data-testid="tile-alerts"] li').count()).toBe(0);

    // Olga's session ran alongside (the store recorded it), but she is not the therapist's patient: no tile, and
    // the live socket refuses to subscribe her.
    expect(reports[2]!.sessions[0]!.reps).toBe(olga.reps);
    expect(metadata.sessionHistory(colleague.id, olga.id).map((r) => r.session.state)).toEqual(['ended']);
    expect(await tile(olga.id).count()).toBe(0);
    expect(await page.getByTestId('live-tile').count()).toBe(2);
    const refused = await page.evaluate(
      (patientId) =>
        new Promise((resolve) => {
          const socket = new WebSocket(`ws://${location.host}/api/live`);
          socket.onopen = () => socket.send(JSON.stringify({ type: 'subscribe', patientId }));
          socket.onmessage = (event) => {
            resolve(JSON.parse(String(event.data)));
            socket.close();
          };
        }),
      olga.id,
    );
    expect(refused).toEqual({ type: 'error', patientId: olga.id, message: 'patient not found' });

    expect(consoleErrors).toEqual([]);
    expect(failedRequests).toEqual(['401 /api/me']);
  });
});
