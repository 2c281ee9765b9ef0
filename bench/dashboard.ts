/**
 * The dashboard under live load: a Mosquitto broker + processing service + dashboard server in this process,
 * N simulated patients replaying sessions in real time from a forked process (bench/live-publishers.ts, job
 * `sessions`), and a real Chromium (playwright-core) following patient 0's live view.
 *
 * - Page load: a fresh navigation to the patient page until the first chart paint (the UI's performance mark
 *   `hipmon:first-chart-paint`, relative to the navigation start), repeated in a second tab while the sessions run.
 * - Live latency: from a frame of patient 0 being published to the live chart's redraw showing the angle computed
 *   from it. This process subscribes to patient 0's raw IMU topics and notes when each frame arrives (≈ published:
 *   the broker runs here); the page reports each redraw with the newest sample time it shows (`chartdraw`). Latency
 *   = redraw − arrival of the later of the pelvis and thigh frames holding that instant. Both clocks are
 *   performance.timeOrigin + now() on one machine. It includes the wait for the browser's next animation frame.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { connect } from 'mqtt';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';
import { decodeImuFrame, frameSampleTimes, imuTopic } from '@hipmon/core';
import { ensureWebBuild, hashPassword, runDashboard } from '@hipmon/dashboard';
import { openMetadataStore, SqliteSeriesStore, startProcessingService } from '@hipmon/services';
import { startMosquitto } from '@hipmon/tests';
import type { PublisherMessage, PublisherRequest } from './live-publishers.js';

export interface DashboardBenchmarkOptions {
  /** Live simulated sessions. Default 50. */
  patients?: number;
  /** Wall time of the sessions, s. Default 30. */
  durationS?: number;
  /** Page loads measured while the sessions run. Default 20. */
  pageLoads?: number;
  log?: (line: string) => void;
}

export interface Percentiles {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export interface DashboardBenchmarkResult {
  patients: number;
  durationS: number;
  /** navigation start → first chart paint, ms */
  pageLoad: Percentiles;
  /** frame published → live chart redrawn with it, ms */
  liveLatency: Percentiles;
  /** live chart redraws per second of the followed patient */
  redrawsPerS: number;
  /** how late the simulated gateways published against their schedule (p99, ms): load health, not in the latency */
  publisherLatenessP99Ms: number;
}

const PUBLISHERS = fileURLToPath(new URL('./live-publishers.ts', import.meta.url));
const PREFIX = 'dash';
const PASSWORD = 'bench-dashboard-password';
const FOLLOWED = `${PREFIX}-0000`;
const wallMs = () => performance.timeOrigin + performance.now();

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  return { n: sorted.length, p50: at(50), p99: at(99), max: sorted.at(-1) ?? NaN };
}

/** Runs the `sessions` job of bench/live-publishers.ts; resolves with its final report. */
function runPublishers(request: PublisherRequest): { child: ChildProcess; done: Promise<PublisherMessage> } {
  const child = fork(PUBLISHERS, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const done = new Promise<PublisherMessage>((resolve, reject) => {
    child.on('message', (message: PublisherMessage) => {
      if (message.kind === 'sessions-done') resolve(message);
    });
    child.once('exit', (code) => reject(new Error(`live publishers exited with ${code}`)));
  });
  done.catch(() => undefined); // killed on an error path before anyone awaits it
  child.send(request);
  return { child, done };
}

/** Arrival times of one sensor's frames, by the last sample time each frame holds (ascending). */
class FrameArrivals {
  readonly lastT: number[] = [];
  readonly arrivedMs: number[] = [];

  add(lastT: number, arrivedMs: number): void {
    this.lastT.push(lastT);
    this.arrivedMs.push(arrivedMs);
  }

  /** When the first frame holding instant t (its last sample at or after t) arrived; null if none did. */
  arrivalOf(t: number): number | null {
    let lo = 0;
    let hi = this.lastT.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.lastT[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo === this.lastT.length ? null : this.arrivedMs[lo]!;
  }
}

async function login(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForURL(/#\/login$/);
  await page.getByLabel('Login').fill('bench');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('link', { name: 'Patient 0' }).waitFor();
}

/** A cold navigation to the patient page; ms from its start to the first chart paint. */
async function measurePageLoad(page: Page, url: string): Promise<number> {
  await page.goto('about:blank');
  await page.goto(`${url}/#/patients/${FOLLOWED}`);
  await page.waitForFunction(() => performance.getEntriesByName('hipmon:first-chart-paint').length > 0);
  return page.evaluate(() => performance.getEntriesByName('hipmon:first-chart-paint')[0]!.startTime);
}

export async function runDashboardBenchmark(
  options: DashboardBenchmarkOptions = {},
): Promise<DashboardBenchmarkResult> {
  const patients = options.patients ?? 50;
  const durationS = options.durationS ?? 30;
  const pageLoads = options.pageLoads ?? 20;
  const log = options.log ?? (() => undefined);
  const dir = await mkdtemp(join(tmpdir(), 'hipmon-bench-dashboard-'));
  const logger = pino({ level: 'silent' });
  const metadata = openMetadataStore({ path: join(dir, 'metadata.sqlite') });
  const series = new SqliteSeriesStore({ path: join(dir, 'series.sqlite'), logger });
  // Mosquitto, not the embedded aedes: the simulated gateways of bench/live-publishers.ts speak MQTT 5.
  const broker = await startMosquitto({ persistence: false });
  const cleanups: (() => Promise<unknown> | void)[] = [
    () => rm(dir, { recursive: true, force: true }),
    () => void metadata.close(),
    () => series.close(),
    () => broker.stop(),
  ];
  try {
    const user = metadata.createUser({
      role: 'therapist',
      login: 'bench',
      displayName: 'Bench Therapist',
      passwordHash: await hashPassword(PASSWORD),
    });
    for (let i = 0; i < patients; i++) {
      const id = `${PREFIX}-${String(i).padStart(4, '0')}`;
      metadata.createPatient({ id, displayName: `Patient ${i}`, treatedSide: 'right', surgeryType: 'tha_anterior' });
      metadata.assignTherapist(user.id, id);
    }
    const service = await startProcessingService({
      mqttUrl: broker.url,
      series,
      metadata,
      logger,
      clientId: 'bench-dashboard-processing',
      healthPort: null,
    });
    cleanups.unshift(() => service.stop());
    await ensureWebBuild({ force: true });
    const dashboard = await runDashboard({
      host: '127.0.0.1',
      port: 0,
      mqttUrl: broker.url,
      metadata,
      series,
      sessionSecret: 'bench secret, long enough to sign cookies with',
      secureCookies: false,
      // One client (this benchmark) makes every request: the per-IP limits are not what is measured.
      rateLimit: { max: 100_000, timeWindowMs: 60_000 },
    });
    cleanups.unshift(() => dashboard.close());
    log(`dashboard at ${dashboard.url}`);
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
    cleanups.unshift(() => browser.close());
    log('browser up');
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });

    // The followed patient's raw frames, as they leave the broker.
    const arrivals = new Map<string, FrameArrivals>();
    const raw = connect(broker.url, { protocolVersion: 5, clientId: 'bench-dashboard-raw' });
    cleanups.unshift(() => raw.endAsync());
    await new Promise((resolve) => raw.once('connect', resolve));
    log('raw subscriber connected');
    raw.on('message', (_topic, payload) => {
      const arrived = wallMs();
      const frame = decodeImuFrame(payload);
      const entry = arrivals.get(frame.role) ?? new FrameArrivals();
      arrivals.set(frame.role, entry);
      entry.add(frameSampleTimes(frame).at(-1)!, arrived);
    });
    for (const role of ['pelvis', 'thigh_left', 'thigh_right'] as const) {
      await raw.subscribeAsync(imuTopic(FOLLOWED, `${FOLLOWED}-s1`, role), { qos: 1 });
    }

    const live = await context.newPage();
    await login(live, dashboard.url);
    log('logged in');
    await live.goto(`${dashboard.url}/#/patients/${FOLLOWED}`);
    await live.locator('.chart canvas').waitFor();
    await live.evaluate(() => {
      const draws: [number, number][] = [];
      (window as unknown as { benchDraws: typeof draws }).benchDraws = draws;
      document.querySelector('.chart')!.addEventListener('chartdraw', (event) => {
        draws.push([(event as CustomEvent<{ t: number }>).detail.t, performance.timeOrigin + performance.now()]);
      });
    });
    await new Promise((r) => setTimeout(r, 500)); // the page's WebSocket subscription round trip

    log(`${patients} sessions for ${durationS} s…`);
    const publishers = runPublishers({ job: 'sessions', brokerUrl: broker.url, prefix: PREFIX, patients, durationS });
    cleanups.unshift(() => void publishers.child.kill());
    const loadsPage = await context.newPage();
    await new Promise((r) => setTimeout(r, 3000)); // every session calibrated and streaming
    const loads: number[] = [];
    for (let i = 0; i < pageLoads; i++) loads.push(await measurePageLoad(loadsPage, dashboard.url));
    log(`page loads: ${loads.map((v) => v.toFixed(0)).join(' ')}`);
    // A tab in the background gets no animation frames: the live chart is measured once it is in front again.
    await loadsPage.close();
    await live.bringToFront();
    const frontAt = wallMs();
    const done = (await publishers.done) as Extract<PublisherMessage, { kind: 'sessions-done' }>;
    await new Promise((r) => setTimeout(r, 1000)); // the last angles reach the chart

    const draws = await live.evaluate(() => (window as unknown as { benchDraws: [number, number][] }).benchDraws);
    const thigh = arrivals.get('thigh_right') ?? arrivals.get('thigh_left');
    const pelvis = arrivals.get('pelvis');
    if (!thigh || !pelvis) throw new Error('no raw frame of the followed patient arrived');
    const latencies: number[] = [];
    let lastShown = -Infinity;
    for (const [t, drawnMs] of draws) {
      if (drawnMs < frontAt || t <= lastShown) continue; // behind the other tab, or a redraw without new data
      lastShown = t;
      const a = pelvis.arrivalOf(t);
      const b = thigh.arrivalOf(t);
      if (a !== null && b !== null) latencies.push(drawnMs - Math.max(a, b));
    }
    return {
      patients,
      durationS,
      pageLoad: percentiles(loads),
      liveLatency: percentiles(latencies),
      redrawsPerS: latencies.length / ((wallMs() - frontAt) / 1000 - 1),
      publisherLatenessP99Ms: done.lateness.p99,
    };
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
}

export function formatDashboardReport(r: DashboardBenchmarkResult): string {
  const row = (name: string, p: Percentiles) =>
    `| ${name} | ${p.n} | ${p.p50.toFixed(1)} | ${p.p99.toFixed(1)} | ${p.max.toFixed(1)} |`;
  return [
    `${r.patients} live simulated sessions for ${r.durationS} s; Chromium follows one patient's live view.`,
    '',
    '| measure | n | p50 ms | p99 ms | max ms |',
    '|---|---|---|---|---|',
    row('page load (navigation → first chart paint)', r.pageLoad),
    row('frame published → live chart redrawn', r.liveLatency),
    '',
    `Live chart redraws with new data: ${r.redrawsPerS.toFixed(1)}/s. The latency counts from the frame's arrival ` +
      `at a subscriber, so the gateways' own publish lateness (p99 ${r.publisherLatenessP99Ms.toFixed(1)} ms) is not in it.`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { patients: { type: 'string' }, seconds: { type: 'string' }, loads: { type: 'string' } },
  });
  const result = await runDashboardBenchmark({
    ...(values.patients !== undefined && { patients: Number(values.patients) }),
    ...(values.seconds !== undefined && { durationS: Number(values.seconds) }),
    ...(values.loads !== undefined && { pageLoads: Number(values.loads) }),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(formatDashboardReport(result) + '\n');
}
