/// <reference lib="dom" />
/**
 * The dashboard's single page: hash routes #/login, #/patients, #/patients/<id>, #/patients/<id>/progress, #/live.
 * Plain TypeScript and the DOM: six views do not need a framework, and this keeps the bundle small and the CSP
 * strict (no inline code).
 */
import { api, ApiError, login } from './api.js';
import { fmt, h, when } from './dom.js';
import { showLiveBoard } from './live-board.js';
import { LiveChart } from './live-chart.js';
import { LiveSocket } from './live-socket.js';
import { planEditor } from './plan-editor.js';
import type { Catalogue, PlanVersion } from './plan-editor.js';
import { showProgress } from './progress-view.js';
import { PatientLiveState, setProgressText } from '../../src/live/patient-live-state.js';

interface Patient {
  id: string;
  displayName: string;
  treatedSide: string;
  surgeryType: string;
}
interface PatientEntry {
  patient: Patient;
  lastSession: { id: string; startedAt: number; state: string } | null;
  adherence: { sessionsDone: number; sessionsPrescribed: number; repRatio: number | null };
  openAlerts: number;
  gateway: { online: boolean };
}
interface OpenAlert {
  id: number;
  at: number;
  level: string;
  message: string;
}
interface SessionReport {
  session: { id: string; startedAt: number; endedAt: number | null; state: string; planVersion: number | null };
  durationS: number | null;
  totals: { repsDone: number; repsPrescribed: number; partialReps: number };
  alertsCount: number;
  exercises: { exercise: string; peakRomDeg: Record<string, number | null> }[];
}

const app = document.getElementById('app')!;
const who = document.getElementById('who')!;
let cleanup: (() => void) | null = null;

async function route(): Promise<void> {
  cleanup?.();
  cleanup = null;
  const hash = location.hash || '#/patients';
  try {
    if (hash === '#/login') return showLogin();
    const me = await api<{ displayName: string; role: string }>('GET', '/api/me');
    who.replaceChildren(h('span', {}, `${me.displayName} (${me.role}) `), logoutButton());
    if (hash === '#/live') {
      cleanup = await showLiveBoard(app);
      return;
    }
    const m = /^#\/patients\/([A-Za-z0-9_-]{1,64})(\/progress)?$/.exec(hash);
    if (m?.[2]) {
      cleanup = await showProgress(app, m[1]!);
      return;
    }
    if (m) return await showPatient(m[1]!);
    return await showPatients();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      location.hash = '#/login';
      return;
    }
    app.replaceChildren(h('p', { class: 'error' }, (err as Error).message));
  }
}

function logoutButton() {
  const b = h('button', { type: 'button' }, 'Log out');
  b.addEventListener('click', async () => {
    await api('POST', '/api/logout');
    location.hash = '#/login';
  });
  return b;
}

function showLogin(): void {
  who.replaceChildren();
  const user = h('input', { name: 'login', autocomplete: 'username', required: '', 'aria-label': 'Login' });
  const pass = h('input', {
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: '',
    'aria-label': 'Password',
  });
  const message = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    { class: 'login card' },
    h('h1', {}, 'Log in'),
    user,
    pass,
    h('button', { type: 'submit' }, 'Log in'),
    message,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await login(user.value, pass.value);
      location.hash = '#/patients';
    } catch (err) {
      message.textContent =
        err instanceof ApiError && err.status === 429 ? 'Too many attempts, wait a minute' : (err as Error).message;
    }
  });
  app.replaceChildren(form);
  user.focus();
}

async function showPatients(): Promise<void> {
  const list = await api<PatientEntry[]>('GET', '/api/patients');
  const rows = list.map((e) =>
    h(
      'tr',
      {},
      h('td', {}, h('a', { href: `#/patients/${e.patient.id}` }, e.patient.displayName)),
      h('td', { class: e.gateway.online ? 'online' : 'offline' }, e.gateway.online ? 'online' : 'offline'),
      h('td', {}, e.lastSession ? `${when(e.lastSession.startedAt)} (${e.lastSession.state})` : '–'),
      h(
        'td',
        {},
        `${e.adherence.sessionsDone}/${e.adherence.sessionsPrescribed} sessions` +
          (e.adherence.repRatio === null ? '' : `, ${Math.round(e.adherence.repRatio * 100)} % reps`),
      ),
      h('td', {}, e.openAlerts),
    ),
  );
  app.replaceChildren(
    h(
      'section',
      { class: 'card' },
      h(
        'div',
        { class: 'card-head' },
        h('h1', {}, 'Patients'),
        h('a', { href: '#/live' }, 'Live board: all running sessions'),
      ),
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['patient', 'gateway', 'last session', 'adherence this week', 'open alerts'].map((t) => h('th', {}, t)),
          ),
        ),
        h('tbody', {}, ...rows),
      ),
    ),
  );
}

async function showPatient(patientId: string): Promise<void> {
  const [detail, catalogue] = await Promise.all([
    api<{
      patient: Patient;
      plan: PlanVersion | null;
      gateway: { online: boolean };
      openAlerts: OpenAlert[];
      adherence: PatientEntry['adherence'];
    }>('GET', `/api/patients/${patientId}`),
    api<Catalogue>('GET', '/api/catalogue'),
  ]);
  // The live view shows the targets of the plan the running session was started with; a saved plan takes over
  // at the next session, as it does for the processing service.
  let targets = new Map((detail.plan?.items ?? []).map((i) => [i.exercise, i]));
  let nextTargets = targets;
  const gateway = h(
    'span',
    { class: detail.gateway.online ? 'online' : 'offline' },
    detail.gateway.online ? 'online' : 'offline',
  );
  const state = h('span', { 'data-testid': 'session-state' }, '–');
  const repCount = h('span', { class: 'big', 'data-testid': 'session-reps', 'aria-live': 'polite' }, '0');
  const setInfo = h('span', {}, '–');
  const targetRom = h('span', { 'data-testid': 'target-rom' }, '–');
  const lastRom = h('span', { 'data-testid': 'last-rom' }, '–');
  const bestRom = h('span', {}, '–');
  const alerts = h('ul', { 'data-testid': 'live-alerts', 'aria-live': 'assertive' });
  const openAlerts = h('ul', { 'data-testid': 'open-alerts' });
  const chartBox = h('div', { class: 'chart' });
  const history = h('tbody');

  app.replaceChildren(
    h('h1', {}, detail.patient.displayName),
    h(
      'p',
      {},
      `${detail.patient.treatedSide} hip · ${detail.patient.surgeryType} · gateway `,
      gateway,
      ` · this week ${detail.adherence.sessionsDone}/${detail.adherence.sessionsPrescribed} sessions · `,
      h('a', { href: `#/patients/${patientId}/progress` }, 'Progress over weeks'),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Live session'),
      h(
        'div',
        { class: 'grid' },
        h('div', {}, h('div', {}, 'repetitions this session'), repCount),
        h('div', {}, h('div', {}, 'state'), state, h('div', {}, setInfo)),
        h('div', {}, h('div', {}, 'target ROM °'), targetRom),
        h('div', {}, h('div', {}, 'last rep ROM °'), lastRom, h('div', {}, 'best '), bestRom),
      ),
      chartBox,
      h('h3', {}, 'Alerts'),
      alerts,
    ),
    h('section', { class: 'card' }, h('h2', {}, 'Open alerts'), openAlerts),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Exercise plan'),
      planEditor(patientId, catalogue, detail.plan, (plan) => {
        nextTargets = new Map(plan.items.map((i) => [i.exercise, i]));
      }),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Session history'),
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['started', 'duration', 'state', 'reps', 'partial', 'alerts', 'plan', 'exports'].map((t) =>
              h('th', {}, t),
            ),
          ),
        ),
        history,
      ),
    ),
  );

  const loadHistory = async () => {
    const sessions = await api<SessionReport[]>('GET', `/api/patients/${patientId}/sessions?limit=20`);
    const base = (s: SessionReport) => `/api/patients/${patientId}/sessions/${s.session.id}`;
    history.replaceChildren(
      ...sessions.map((s) =>
        h(
          'tr',
          {},
          h('td', {}, when(s.session.startedAt)),
          h('td', {}, s.durationS === null ? '–' : `${fmt(s.durationS / 60)} min`),
          h('td', {}, s.session.state),
          h('td', {}, `${s.totals.repsDone}/${s.totals.repsPrescribed}`),
          h('td', {}, s.totals.partialReps),
          h('td', {}, s.alertsCount),
          h('td', {}, s.session.planVersion ?? '–'),
          h(
            'td',
            {},
            h('a', { href: `${base(s)}/export.csv` }, 'CSV'),
            ' · ',
            h('a', { href: `${base(s)}/report.html`, target: '_blank', rel: 'noopener' }, 'report'),
            ' · ',
            h('a', { href: `${base(s)}/fhir` }, 'FHIR'),
          ),
        ),
      ),
    );
  };
  await loadHistory();

  const renderOpenAlerts = (list: OpenAlert[]) => {
    if (list.length === 0) {
      openAlerts.replaceChildren(h('li', {}, 'none'));
      return;
    }
    openAlerts.replaceChildren(
      ...list.map((a) => {
        const button = h('button', { type: 'button', 'aria-label': `Acknowledge alert ${a.id}` }, 'Acknowledge');
        const error = h('span', { class: 'error' });
        const item = h(
          'li',
          { class: `alert-${a.level}`, 'data-alert-id': String(a.id) },
          `${when(a.at)} ${a.level}: ${a.message} `,
          button,
          error,
        );
        button.addEventListener('click', async () => {
          button.disabled = true;
          try {
            await api('POST', `/api/alerts/${a.id}/acknowledge`);
            await loadOpenAlerts();
          } catch (err) {
            error.textContent = ` ${(err as Error).message}`;
            button.disabled = false;
          }
        });
        return item;
      }),
    );
  };
  const loadOpenAlerts = async () =>
    renderOpenAlerts(await api<OpenAlert[]>('GET', `/api/patients/${patientId}/alerts`));
  renderOpenAlerts(detail.openAlerts);

  const names = new Map(catalogue.exercises.map((e) => [e.id, e.name]));
  const chart = new LiveChart(chartBox);
  const live = new PatientLiveState();
  const socket = new LiveSocket({
    message: (message) => {
      if (message.patientId !== patientId) return;
      for (const update of live.apply(message)) {
        switch (update.kind) {
          case 'gateway':
            gateway.textContent = update.online ? 'online' : 'offline';
            gateway.className = update.online ? 'online' : 'offline';
            break;
          case 'session':
            targets = nextTargets;
            repCount.textContent = '0';
            lastRom.textContent = bestRom.textContent = '–';
            chart.clear();
            break;
          case 'angles':
            chart.push(update.t, update.flexion, update.abduction, update.rotation);
            break;
          case 'rep':
            repCount.textContent = String(live.repCount);
            lastRom.textContent = fmt(update.rep.romDeg);
            bestRom.textContent = fmt(live.bestRomDeg);
            targetRom.textContent = fmt(targets.get(update.rep.exercise)?.targetRomDeg);
            break;
          case 'state':
            state.textContent = update.info.state;
            if (update.info.exercise) {
              setInfo.textContent = setProgressText(update.info, (id) => names.get(id) ?? id);
              targetRom.textContent = fmt(targets.get(update.info.exercise)?.targetRomDeg);
            }
            if (live.ended) void loadHistory();
            break;
          case 'alert':
            alerts.prepend(
              h('li', { class: `alert-${update.alert.level}` }, `${update.alert.level}: ${update.alert.message}`),
            );
            // The processing service stores the alert (with the id to acknowledge) in the same step as it publishes it.
            void loadOpenAlerts().catch(() => undefined);
            break;
        }
      }
    },
    unauthorized: () => {
      location.hash = '#/login';
    },
  });
  socket.watch(patientId);
  cleanup = () => {
    socket.close();
    chart.destroy();
  };
}

window.addEventListener('hashchange', () => void route());
void route();
