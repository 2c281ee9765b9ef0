/**
 * The dashboard under live load: a Mosquitto broker + processing service + dashboard server in this process,
 * N simulated patients replaying sessions in real time from a forked process (bench/live-publishers.ts, job
 * `sessions`), and a real Chromium (playwright-core) following patient 0's live view.
 *
 * The sessions run `durationS`: once the followed patient's angles are on screen and 2 s more, the live view is
 * measured for `liveWindowS` with its tab in front, then the page loads in a second tab (a tab in the background gets no animation frames, so the two are not
 * measured at the same time).
 *
 * - Page load: a fresh navigation to the patient page until the first chart paint (the UI's performance mark
 *   `hipmon:first-chart-paint`, relative to the navigation start), repeated while the sessions run.
 * - Live chart paints: the chart redraws on every animation frame while live data flows, scrolling a small playout
 *   delay behind the newest sample (dashboard/src/charts/playout-clock.ts). The page reports each paint
 *   (`chartdraw`: the newest sample on screen, the time at the right edge, the newest sample received). Counted over
 *   the time the sessions stream with the live tab in front: paints per second, how many of them moved the window
 *   on, the interval between paints, and how many showed a new sample (all a redraw per message could do).
 * - Live latency: from a frame of patient 0 being published to the first paint showing the angle computed from it.
 *   This process subscribes to patient 0's raw IMU topics and notes when each frame arrives (≈ published: the
 *   broker runs here). Latency = paint − arrival of the later of the pelvis and thigh frames holding that instant.
 *   Both clocks are performance.timeOrigin + now() on one machine. It includes the playout delay (reported on its
 *   own: how far the edge ran behind the newest sample received, in stream time) and the wait for the next frame.
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
import { launchHeadlessChromium } from '@hipmon/dashboard/testing';
import type { Page } from 'playwright-core';
import { decodeImuFrame, frameSampleTimes, imuTopic } from '@hipmon/core';
import { ensureWebBuild, hashPassword, PLAYOUT_DELAY_S, runDashboard } from '@hipmon/dashboard';
import { openMetadataStore, SqliteSeriesStore, startProcessingService } from '@hipmon/services';
import { startMosquitto } from '@hipmon/tests';
import type { PublisherMessage, PublisherRequest } from './live-publishers.js';

export interface DashboardBenchmarkOptions {
  /** Live simulated sessions. Default 50. */
  patients?: number;
  /** Wall time of the sessions, s: enough for their start, the live window and the page loads. Default 45. */
  durationS?: number;
  /** Page loads measured while the sessions run. Default 20. */
  pageLoads?: number;
  /** Wall time the live view is measured for, s. Default 10. */
  liveWindowS?: number;
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
  /** page loads that finished before the sessions did (the rest ran on an idle server) */
  pageLoadsUnderLoad: number;
  /** wall time the live view was measured for, s */
  liveWindowS: number;
  /** frame published → first live chart paint showing it, ms (playout delay included) */
  liveLatency: Percentiles;
  /** live chart paints per second while the sessions stream (the tab in front) */
  paintsPerS: number;
  /** share of those paints that moved the chart's window on */
  movingShare: number;
  /** interval between consecutive paints, ms */
  paintInterval: Percentiles;
  /** paints per second that showed a sample not shown before (bounded by the bursts' rate) */
  newSamplePaintsPerS: number;
  /** the playout clock's delay behind its fit of the arrivals, s (configured) */
  playoutDelayS: number;
  /** newest sample received − time at the chart's right edge, at each paint, ms of stream time */
  playoutLag: Percentiles;
  /** how late the simulated gateways published against their schedule (p99, ms): load health, not in the latency */
  publisherLatenessP99Ms: number;
}

/** One paint of the live chart as the page reports it (`chartdraw`), stamped with the wall clock. */
interface Paint {
  /** newest sample on screen, null while none is */
  t: number | null;
  /** stream time at the chart's right edge */
  edge: number;
  /** newest sample received */
  newest: number;
  atMs: number;
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
  const durationS = options.durationS ?? 45;
  const pageLoads = options.pageLoads ?? 20;
  const liveWindowS = options.liveWindowS ?? 10;
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
    const browser = await launchHeadlessChromium();
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
      const draws: Paint[] = [];
      (window as unknown as { benchDraws: typeof draws }).benchDraws = draws;
      document.querySelector('.chart')!.addEventListener('chartdraw', (event) => {
        const { t, edge, newest } = (event as CustomEvent<Omit<Paint, 'atMs'>>).detail;
        draws.push({ t, edge, newest, atMs: performance.timeOrigin + performance.now() });
      });
    });
    await new Promise((r) => setTimeout(r, 500)); // the page's WebSocket subscription round trip

    log(`${patients} sessions for ${durationS} s…`);
    const publishers = runPublishers({ job: 'sessions', brokerUrl: broker.url, prefix: PREFIX, patients, durationS });
    cleanups.unshift(() => void publishers.child.kill());
    let sessionsDoneAt = Infinity;
    void publishers.done.then(() => (sessionsDoneAt = wallMs())).catch(() => undefined);
    // Steady state: the followed patient's angles on screen (50 sessions starting together keep the service busy
    // calibrating for a few seconds, and its first angles come irregularly), then 2 s more.
    await live.waitForFunction(
      () => (window as unknown as { benchDraws: Paint[] }).benchDraws.some((d) => d.t !== null),
      null,
      { timeout: 30_000, polling: 100 },
    );
    await new Promise((r) => setTimeout(r, 2000));
    const liveFrom = wallMs();
    await new Promise((r) => setTimeout(r, liveWindowS * 1000));
    const liveTo = wallMs();
    log(`live view measured for ${liveWindowS} s`);

    const loadsPage = await context.newPage();
    const loads: number[] = [];
    let loadsUnderLoad = 0;
    for (let i = 0; i < pageLoads; i++) {
      loads.push(await measurePageLoad(loadsPage, dashboard.url));
      if (wallMs() < sessionsDoneAt) loadsUnderLoad++;
    }
    log(`page loads: ${loads.map((v) => v.toFixed(0)).join(' ')}`);
    await loadsPage.close();
    const done = (await publishers.done) as Extract<PublisherMessage, { kind: 'sessions-done' }>;
    if (sessionsDoneAt < liveTo) {
      throw new Error('the sessions ended before the live view was measured: raise durationS');
    }

    const draws = await live.evaluate(() => (window as unknown as { benchDraws: Paint[] }).benchDraws);
    const thigh = arrivals.get('thigh_right') ?? arrivals.get('thigh_left');
    const pelvis = arrivals.get('pelvis');
    if (!thigh || !pelvis) throw new Error('no raw frame of the followed patient arrived');
    const latencies: number[] = [];
    let lastShown = -Infinity;
    // The paints while the sessions streamed and the live tab was the only one.
    const flowing = draws.filter((d) => d.atMs >= liveFrom && d.atMs <= liveTo);
    for (const { t, atMs } of flowing) {
      if (t === null || t <= lastShown) continue; // no sample on screen yet, or none newer than before
      lastShown = t;
      const a = pelvis.arrivalOf(t);
      const b = thigh.arrivalOf(t);
      if (a !== null && b !== null) latencies.push(atMs - Math.max(a, b));
    }
    const flowingS = (liveTo - liveFrom) / 1000;
    const pairs = flowing.slice(1).map((d, i) => [flowing[i]!, d] as const);
    let newestShown = -Infinity;
    let newSamplePaints = 0;
    for (const { t } of flowing) {
      if (t === null || t <= newestShown) continue;
      newestShown = t;
      newSamplePaints++;
    }
    return {
      patients,
      durationS,
      pageLoad: percentiles(loads),
      pageLoadsUnderLoad: loadsUnderLoad,
      liveWindowS: flowingS,
      liveLatency: percentiles(latencies),
      paintsPerS: flowing.length / flowingS,
      movingShare: pairs.filter(([a, b]) => b.edge > a.edge).length / Math.max(1, pairs.length),
      paintInterval: percentiles(pairs.map(([a, b]) => b.atMs - a.atMs)),
      newSamplePaintsPerS: newSamplePaints / flowingS,
      playoutDelayS: PLAYOUT_DELAY_S,
      playoutLag: percentiles(flowing.map((d) => (d.newest - d.edge) * 1000)),
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
    `${r.patients} live simulated sessions for ${r.durationS} s; Chromium follows one patient's live view ` +
      `(${r.liveWindowS.toFixed(1)} s measured), then loads the patient page ${r.pageLoad.n} times ` +
      `(${r.pageLoadsUnderLoad} while the sessions still streamed).`,
    '',
    '| measure | n | p50 ms | p99 ms | max ms |',
    '|---|---|---|---|---|',
    row('page load (navigation → first chart paint)', r.pageLoad),
    row('frame published → first live chart paint showing it', r.liveLatency),
    row('  of which: playout lag (newest sample received − chart edge)', r.playoutLag),
    row('interval between live chart paints', r.paintInterval),
    '',
    `Live chart while data flows: ${r.paintsPerS.toFixed(1)} paints/s, ${(100 * r.movingShare).toFixed(1)} % of them ` +
      `scrolling the window on; ${r.newSamplePaintsPerS.toFixed(1)} paints/s showed a sample not shown before (the ` +
      `live angles come at 25 Hz in ~10 bursts/s). The chart runs a ${(r.playoutDelayS * 1000).toFixed(0)} ms ` +
      `playout delay behind its fit of the arrivals; the latency includes it. It counts from the frame's arrival at a ` +
      `subscriber, so the gateways' own publish lateness (p99 ${r.publisherLatenessP99Ms.toFixed(1)} ms) is not in it.`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      patients: { type: 'string' },
      seconds: { type: 'string' },
      loads: { type: 'string' },
      'live-seconds': { type: 'string' },
    },
  });
  const result = await runDashboardBenchmark({
    ...(values.patients !== undefined && { patients: Number(values.patients) }),
    ...(values.seconds !== undefined && { durationS: Number(values.seconds) }),
    ...(values.loads !== undefined && { pageLoads: Number(values.loads) }),
    ...(values['live-seconds'] !== undefined && { liveWindowS: Number(values['live-seconds']) }),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(formatDashboardReport(result) + '\n');
}
