import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import type { FastifyInstance } from 'fastify';
import type WebSocket from 'ws';
import { repsTopic, sessionStateTopic } from '@hipmon/core';
import { startEmbeddedBroker } from '@hipmon/services';
import type { EmbeddedBroker } from '@hipmon/services';
import { buildDashboardServer } from './app.js';
import { LiveBridge } from './live-bridge.js';
import { buildClinic, PASSWORD, REPS } from './test-fixture.js';

/** Logs in through the API and returns the cookie header of the session. */
async function sessionCookie(app: FastifyInstance, login: string): Promise<string> {
  const csrf = await app.inject({ method: 'GET', url: '/api/csrf' });
  const csrfCookie = csrf.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const r = await app.inject({
    method: 'POST',
    url: '/api/login',
    headers: { cookie: csrfCookie, 'x-csrf-token': csrf.json().token },
    payload: { login, password: PASSWORD },
  });
  expect(r.statusCode).toBe(200);
  return r.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

/** Collects a socket's JSON messages; `next(pred)` resolves with the first (past or future) that matches. */
function inbox(socket: WebSocket) {
  const messages: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)));
    for (const w of waiters.splice(0)) w();
  });
  return {
    messages,
    async next(pred: (m: Record<string, unknown>) => boolean, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(pred);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching message; got ${JSON.stringify(messages)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
  };
}

describe('live WebSocket bridged from MQTT', () => {
  let clinic: Awaited<ReturnType<typeof buildClinic>>;
  let broker: EmbeddedBroker;
  let bridge: LiveBridge;
  let app: FastifyInstance;

  beforeEach(async () => {
    clinic = await buildClinic();
    broker = await startEmbeddedBroker({ port: 0 });
    bridge = await LiveBridge.connect(broker.url);
    app = await buildDashboardServer({
      metadata: clinic.metadata,
      series: clinic.series,
      sessionSecret: 'a test secret that is long enough for hmac signing',
      live: bridge,
      now: () => clinic.clock.now,
    });
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    await bridge.close();
    await broker.close();
    await clinic.series.close();
    clinic.metadata.close();
  });

  it('forwards a visible patient’s live messages and refuses patients the user may not see', async () => {
    const alice = await app.injectWS('/api/live', { headers: { cookie: await sessionCookie(app, 'alice') } });
    const bob = await app.injectWS('/api/live', { headers: { cookie: await sessionCookie(app, 'bob') } });
    const aliceIn = inbox(alice);
    const bobIn = inbox(bob);
    alice.send(JSON.stringify({ type: 'subscribe', patientId: 'p1' }));
    bob.send(JSON.stringify({ type: 'subscribe', patientId: 'p1' }));
    bob.send(JSON.stringify({ type: 'subscribe', patientId: 'p2' }));
    await aliceIn.next((m) => m.type === 'subscribed' && m.patientId === 'p1');
    expect(await bobIn.next((m) => m.type === 'error')).toMatchObject({
      patientId: 'p1',
      message: 'patient not found',
    });
    await bobIn.next((m) => m.type === 'subscribed' && m.patientId === 'p2');

    const publisher = await mqtt.connectAsync(broker.url);
    try {
      const state = { t: 1000, state: 'in_set', side: 'left', exercise: 'standing_hip_abduction', set: 1, reps: 0 };
      await publisher.publishAsync(sessionStateTopic('p1', 's9'), JSON.stringify(state), { qos: 1, retain: true });
      await publisher.publishAsync(repsTopic('p1', 's9'), JSON.stringify(REPS[0]), { qos: 1 });
      await publisher.publishAsync(repsTopic('p2', 's2'), JSON.stringify({ ...REPS[0], side: 'right' }), { qos: 1 });
      const rep = await aliceIn.next((m) => m.type === 'reps');
      expect(rep).toEqual({ type: 'reps', patientId: 'p1', sessionId: 's9', payload: REPS[0] });
      expect(await aliceIn.next((m) => m.type === 'state')).toMatchObject({ sessionId: 's9', payload: state });
      await bobIn.next((m) => m.type === 'reps');

      // A browser joining later gets the latest state at once (the retained copy came with the first subscription).
      const late = await app.injectWS('/api/live', { headers: { cookie: await sessionCookie(app, 'alice') } });
      const lateIn = inbox(late);
      late.send(JSON.stringify({ type: 'subscribe', patientId: 'p1' }));
      expect(await lateIn.next((m) => m.type === 'state')).toMatchObject({ patientId: 'p1', payload: state });
      late.terminate();
    } finally {
      await publisher.endAsync();
    }
    // Bob saw only his own patient's messages.
    expect(
      bobIn.messages.filter((m) => 'patientId' in m && m.type !== 'error').every((m) => m.patientId === 'p2'),
    ).toBe(true);
    alice.terminate();
    bob.terminate();
  });

  it('closes the socket of a request without a valid session or from a foreign origin', async () => {
    const anonymous = await app.injectWS('/api/live');
    const closed = await new Promise<number>((resolve) => anonymous.on('close', (code) => resolve(code)));
    expect(closed).toBe(4401);
    const foreign = await app.injectWS('/api/live', {
      headers: { cookie: await sessionCookie(app, 'alice'), origin: 'https://evil.example' },
    });
    expect(await new Promise<number>((resolve) => foreign.on('close', (code) => resolve(code)))).toBe(4401);
  });
});
