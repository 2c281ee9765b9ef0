/// <reference lib="dom" />
// The progress view of one patient (#/patients/<id>/progress): the two progress charts and, per calendar week,
// the sessions done against the plan's sessions per week.
import { api } from './api.js';
import { fmt, h } from './dom.js';
import type { Catalogue } from './plan-editor.js';
import { adherenceChart, peakRomChart } from './progress-charts.js';
import type { ProgressSeries, SessionTotals } from './progress-charts.js';

interface ProgressResponse extends ProgressSeries {
  weeks: { weekStart: number; sessions: number; bestPeakRomDeg: number; meanPeakRomDeg: number }[];
}

const WEEK_MS = 7 * 86_400_000;

/** Monday 00:00 (browser time zone) of the week holding `ms`. */
function weekStart(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return d.getTime();
}

export async function showProgress(app: HTMLElement, patientId: string): Promise<() => void> {
  const [detail, progress, sessions, catalogue] = await Promise.all([
    api<{ patient: { displayName: string }; plan: { sessionsPerWeek: number } | null }>(
      'GET',
      `/api/patients/${patientId}`,
    ),
    api<ProgressResponse[]>('GET', `/api/patients/${patientId}/progress`),
    api<SessionTotals[]>('GET', `/api/patients/${patientId}/sessions?limit=500`),
    api<Catalogue>('GET', '/api/catalogue'),
  ]);
  const names = new Map(catalogue.exercises.map((e) => [e.id, e.name]));
  const romBox = h('div', { class: 'chart', 'data-testid': 'progress-rom-chart' });
  const adherenceBox = h('div', { class: 'chart', 'data-testid': 'progress-adherence-chart' });

  const perWeek = new Map<number, { sessions: number; done: number; prescribed: number }>();
  for (const s of sessions) {
    const key = weekStart(s.session.startedAt);
    const w = perWeek.get(key) ?? { sessions: 0, done: 0, prescribed: 0 };
    w.sessions++;
    w.done += s.totals.repsDone;
    w.prescribed += s.totals.repsPrescribed;
    perWeek.set(key, w);
  }
  const planned = detail.plan?.sessionsPerWeek ?? null;
  const weekRows = [...perWeek.entries()]
    .sort(([a], [b]) => b - a)
    .map(([start, w]) =>
      h(
        'tr',
        {},
        h('td', {}, `${new Date(start).toLocaleDateString()} – ${new Date(start + WEEK_MS - 1).toLocaleDateString()}`),
        h('td', {}, planned === null ? String(w.sessions) : `${w.sessions}/${planned}`),
        h('td', {}, `${w.done}/${w.prescribed}`),
        h('td', {}, w.prescribed > 0 ? `${fmt((100 * w.done) / w.prescribed, 0)} %` : '–'),
      ),
    );

  app.replaceChildren(
    h('h1', {}, `${detail.patient.displayName}: progress`),
    h('p', {}, h('a', { href: `#/patients/${patientId}` }, '← back to the patient')),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Peak ROM per exercise and session'),
      progress.length === 0 ? h('p', {}, 'No session with a measured peak yet.') : romBox,
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Repetitions done vs prescribed, adherence'),
      sessions.length === 0 ? h('p', {}, 'No session yet.') : adherenceBox,
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Weeks'),
      h(
        'table',
        { 'data-testid': 'progress-weeks' },
        h(
          'thead',
          {},
          h('tr', {}, ...['week', 'sessions', 'reps done/prescribed', 'adherence'].map((t) => h('th', {}, t))),
        ),
        h('tbody', {}, ...weekRows),
      ),
    ),
  );
  const charts = [
    ...(progress.length > 0 ? [peakRomChart(romBox, progress, names)] : []),
    ...(sessions.length > 0 ? [adherenceChart(adherenceBox, sessions)] : []),
  ];
  return () => charts.forEach((c) => c.destroy());
}
