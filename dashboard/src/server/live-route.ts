/**
 * GET /api/live (WebSocket). The browser sends `{"type":"subscribe","patientId":…}` / `{"type":"unsubscribe",…}`;
 * the server forwards that patient's live messages (angles, reps, alerts, state, gateway status) as JSON, after
 * checking with the metadata store that the logged-in user may see the patient. The session cookie authenticates
 * the upgrade, and the Origin must be this server's own (a cookie alone would let any site open the socket).
 */
import type { FastifyInstance } from 'fastify';
import { isTopicId } from '@hipmon/core';
import { sessionUser } from './auth.js';
import type { DashboardContext } from './app.js';

const MAX_WATCHED = 50;

export function registerLiveRoute(app: FastifyInstance, ctx: DashboardContext): void {
  app.get('/api/live', { websocket: true, schema: { hide: true } }, (socket, request) => {
    const user = sessionUser(request, ctx.metadata, ctx.now());
    if (!user || !sameOrigin(request.headers.origin, request.host)) {
      socket.close(4401, 'unauthorized');
      return;
    }
    const live = ctx.live;
    if (!live) {
      socket.close(4503, 'live data unavailable');
      return;
    }
    const watching = new Map<string, Promise<() => void>>();
    const send = (message: unknown) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
    };
    socket.on('message', (raw) => {
      let msg: { type?: unknown; patientId?: unknown };
      try {
        msg = JSON.parse(raw.toString());
      } catch {
        return send({ type: 'error', message: 'not JSON' });
      }
      const patientId = msg.patientId;
      if (!isTopicId(patientId)) return send({ type: 'error', message: 'patientId missing or invalid' });
      if (msg.type === 'subscribe') {
        // Checked at every subscription against the store, so a revoked assignment takes effect on the next one.
        if (!ctx.metadata.canSeePatient(user.id, patientId)) {
          return send({ type: 'error', patientId, message: 'patient not found' });
        }
        if (watching.has(patientId)) return;
        if (watching.size >= MAX_WATCHED) return send({ type: 'error', message: 'too many patients watched' });
        watching.set(patientId, live.watch(patientId, send));
        send({ type: 'subscribed', patientId });
      } else if (msg.type === 'unsubscribe') {
        void watching.get(patientId)?.then((stop) => stop());
        watching.delete(patientId);
      }
    });
    socket.on('close', () => {
      for (const stop of watching.values()) void stop.then((s) => s());
      watching.clear();
    });
  });
}

/** No Origin header (a non-browser client) is fine; a browser's must name this very host. */
function sameOrigin(origin: string | undefined, host: string): boolean {
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
