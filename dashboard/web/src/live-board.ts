/// <reference lib="dom" />
// The live board (#/live): a tile for every patient of the user's with a session running, for a second screen.
// One WebSocket watches the visible patients (the server allows 50 per socket and checks visibility at each
// subscription); a tile appears when a running session's first message arrives — so sessions that start while
// the board is open show up by themselves — greys out when it ends, and leaves after ENDED_KEEP_MS. The patient
// list is read again every REFRESH_MS: newly assigned patients are watched, unassigned ones dropped, and with more
// than 50 patients those with a session running (by the store) are watched first.
import { api, ApiError } from './api.js';
import { h } from './dom.js';
import { LiveSocket } from './live-socket.js';
import { LiveTile } from './live-tile.js';
import type { TilePatient } from './live-tile.js';
import type { Catalogue, PlanVersion } from './plan-editor.js';
import { PatientLiveState } from '../../src/live/patient-live-state.js';
import type { LiveSocketMessage } from '../../src/live/patient-live-state.js';

/** the server's limit of patients per live socket (live-route.ts) */
const MAX_WATCHED = 50;
const REFRESH_MS = 30_000;
const ENDED_KEEP_MS = 10 * 60_000;

interface BoardPatientEntry {
  patient: TilePatient;
  lastSession: { id: string; state: string } | null;
}

interface Watched {
  patient: TilePatient;
  live: PatientLiveState;
  tile: LiveTile | null;
  removeTimer: number;
}

export async function showLiveBoard(app: HTMLElement): Promise<() => void> {
  const [entries, catalogue] = await Promise.all([
    api<BoardPatientEntry[]>('GET', '/api/patients'),
    api<Catalogue>('GET', '/api/catalogue'),
  ]);
  const names = new Map(catalogue.exercises.map((e) => [e.id, e.name]));
  const exerciseName = (id: string) => names.get(id) ?? id;

  const status = h('p', { 'aria-live': 'polite', 'data-testid': 'live-board-status' });
  const empty = h('p', { class: 'board-empty' }, 'No session is running. Sessions appear here as they start.');
  const grid = h('div', { class: 'board', 'data-testid': 'live-board' });
  app.classList.add('wide');
  app.replaceChildren(
    h('h1', {}, 'Live sessions'),
    status,
    empty,
    grid,
    h('p', {}, h('a', { href: '#/patients' }, 'Back to the patient list')),
  );

  const watched = new Map<string, Watched>();
  /** patients whose subscription the server confirmed */
  const subscribed = new Set<string>();

  const showStatus = () => {
    const live = [...watched.values()].filter((w) => w.tile && !w.tile.ended).length;
    status.textContent = `${live} live · watching ${subscribed.size} of your patients`;
    // For the browser test: the board is ready once every watched patient's subscription is confirmed.
    grid.dataset.subscribed = String(subscribed.size);
    empty.hidden = grid.childElementCount > 0;
  };

  const removeTile = (w: Watched) => {
    clearTimeout(w.removeTimer);
    w.tile?.destroy();
    w.tile = null;
  };

  /** Puts a tile in name order among the others. */
  const mount = (element: HTMLElement) => {
    const name = element.querySelector('h2')!.textContent ?? '';
    const next = [...grid.children].find((c) => (c.querySelector('h2')!.textContent ?? '').localeCompare(name) > 0);
    grid.insertBefore(element, next ?? null);
  };

  const loadTargets = async (w: Watched, sessionId: string) => {
    const tile = w.tile;
    const targets = await sessionTargets(w.patient.id, sessionId).catch(() => null);
    if (targets && w.tile === tile && w.live.sessionId === sessionId) tile?.setTargets(targets, w.live);
  };

  const onMessage = (message: LiveSocketMessage) => {
    const patientId = message.patientId;
    const w = patientId === undefined ? undefined : watched.get(patientId);
    if (!w) return;
    if (message.type === 'subscribed') {
      subscribed.add(w.patient.id);
      return showStatus();
    }
    if (message.type === 'error') {
      // No longer visible to this user (assignment revoked): drop the patient.
      unwatch(w.patient.id);
      return showStatus();
    }
    for (const update of w.live.apply(message)) {
      if (update.kind === 'session') {
        clearTimeout(w.removeTimer);
        w.tile ??= new LiveTile(w.patient, exerciseName, mount);
        w.tile.showGateway(w.live.gatewayOnline);
        void loadTargets(w, update.sessionId);
      }
      w.tile?.apply(update, w.live);
      if (update.kind === 'state' && w.live.ended) {
        clearTimeout(w.removeTimer);
        w.removeTimer = window.setTimeout(() => {
          removeTile(w);
          showStatus();
        }, ENDED_KEEP_MS);
      }
    }
    if (message.type !== 'angles') showStatus();
  };

  const socket = new LiveSocket({
    message: onMessage,
    unauthorized: () => {
      location.hash = '#/login';
    },
  });

  const unwatch = (patientId: string) => {
    const w = watched.get(patientId);
    if (w) removeTile(w);
    watched.delete(patientId);
    subscribed.delete(patientId);
    socket.unwatch(patientId);
  };

  const sync = (list: BoardPatientEntry[]) => {
    const chosen = choosePatients(list, (id) => {
      const tile = watched.get(id)?.tile;
      return tile !== null && tile !== undefined && !tile.ended;
    });
    const keep = new Set(chosen.map((e) => e.patient.id));
    for (const patientId of [...watched.keys()]) if (!keep.has(patientId)) unwatch(patientId);
    for (const { patient } of chosen) {
      const w = watched.get(patient.id);
      if (w) {
        w.patient = patient;
        continue;
      }
      watched.set(patient.id, { patient, live: new PatientLiveState(), tile: null, removeTimer: 0 });
      socket.watch(patient.id);
    }
    showStatus();
  };
  sync(entries);

  const refresh = window.setInterval(() => {
    api<BoardPatientEntry[]>('GET', '/api/patients').then(sync, (err: unknown) => {
      if (err instanceof ApiError && err.status === 401) location.hash = '#/login';
      // Otherwise keep watching whom the board watches; the next refresh tries again.
    });
  }, REFRESH_MS);

  return () => {
    clearInterval(refresh);
    socket.close();
    for (const w of watched.values()) removeTile(w);
    app.classList.remove('wide');
  };
}

/**
 * Whom to watch, at most MAX_WATCHED: patients with a tile showing a running session, then those whose last
 * session the store has as running, then the others, each group by name.
 */
function choosePatients(list: BoardPatientEntry[], showsLive: (id: string) => boolean): BoardPatientEntry[] {
  const rank = (e: BoardPatientEntry) =>
    showsLive(e.patient.id) ? 0 : e.lastSession && e.lastSession.state !== 'ended' ? 1 : 2;
  return [...list]
    .sort((a, b) => rank(a) - rank(b) || a.patient.displayName.localeCompare(b.patient.displayName))
    .slice(0, MAX_WATCHED);
}

/**
 * Target ROM per exercise of the plan the session was started with (a plan saved since applies from the next
 * session); the current plan when the store does not know the session yet.
 */
async function sessionTargets(patientId: string, sessionId: string): Promise<Map<string, number | null>> {
  const [plans, sessions] = await Promise.all([
    api<{ current: PlanVersion | null; history: PlanVersion[] }>('GET', `/api/patients/${patientId}/plan`),
    api<{ session: { id: string; planVersion: number | null } }[]>(
      'GET',
      `/api/patients/${patientId}/sessions?limit=5`,
    ),
  ]);
  const version = sessions.find((s) => s.session.id === sessionId)?.session.planVersion;
  const plan = plans.history.find((p) => p.version === version) ?? plans.current;
  return new Map((plan?.items ?? []).map((i) => [i.exercise, i.targetRomDeg]));
}
