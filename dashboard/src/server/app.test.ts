import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { EXERCISE_CATALOGUE, EXERCISE_IDS } from '@hipmon/core';
import type { PlanPayload } from '@hipmon/core';
import { buildDashboardServer } from './app.js';
import type { DashboardServerOptions } from './app.js';
import { REPS_CSV_HEADER } from './exports.js';
import { buildClinic, PASSWORD, REPS } from './test-fixture.js';

const SECRET = 'a test secret that is long enough for hmac signing';

/** One browser: keeps the cookies the server sets and the CSRF token it hands out. */
class Client {
  cookies = new Map<string, string>();
  csrf = '';
  constructor(private readonly app: FastifyInstance) {}

  async request(options: InjectOptions & { csrf?: boolean }): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = { ...(options.headers as Record<string, string>) };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (options.csrf !== false && this.csrf) headers['x-csrf-token'] = this.csrf;
    const { csrf: _csrf, ...rest } = options;
    const response = await this.app.inject({ ...rest, headers });
    for (const c of response.cookies) {
      if (c.value === '' || (c.maxAge !== undefined && c.maxAge <= 0)) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return response;
  }

  async login(login: string, password = PASSWORD): Promise<LightMyRequestResponse> {
    this.csrf = (await this.request({ method: 'GET', url: '/api/csrf' })).json().token;
    const response = await this.request({ method: 'POST', url: '/api/login', payload: { login, password } });
    if (response.statusCode === 200) this.csrf = response.json().csrfToken;
    return response;
  }
}

describe('dashboard API', () => {
  let clinic: Awaited<ReturnType<typeof buildClinic>>;
  let app: FastifyInstance;
  let published: { patientId: string; plan: PlanPayload }[];

  const start = async (extra: Partial<DashboardServerOptions> = {}) => {
    published = [];
    app = await buildDashboardServer({
      metadata: clinic.metadata,
      series: clinic.series,
      sessionSecret: SECRET,
      publishPlan: async (patientId, plan) => void published.push({ patientId, plan }),
      now: () => clinic.clock.now,
      ...extra,
    });
    return app;
  };

  beforeEach(async () => {
    clinic = await buildClinic();
  });
  afterEach(async () => {
    await app?.close();
    await clinic.series.close();
    clinic.metadata.close();
  });

  it('answers /healthz and sets security headers with a CSP limited to the app itself', async () => {
    await start();
    const r = await app.inject({ method: 'GET', url: '/healthz' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ healthy: true, mqtt: null });
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves the OpenAPI document listing the API routes', async () => {
    await start();
    const r = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(r.statusCode).toBe(200);
    const paths = Object.keys(r.json().paths);
    expect(paths).toContain('/api/patients/{patientId}/plan');
    expect(paths).toContain('/api/patients/{patientId}/sessions/{sessionId}/fhir');
  });

  it("gives Swagger UI's pages their own CSP, and only them", async () => {
    await start();
    const directives = (r: LightMyRequestResponse) =>
      new Map(
        String(r.headers['content-security-policy'])
          .split(';')
          .map((d) => d.trim().split(/\s+/))
          .map(([name, ...sources]) => [name!, sources.join(' ')]),
      );
    const docs = directives(await app.inject({ method: 'GET', url: '/docs' }));
    expect(docs.get('script-src')).toBe("'self'");
    // The logo's inline <style>, by hash; no 'unsafe-inline', no https: wildcard.
    expect(docs.get('style-src')).toBe("'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='");
    // Over plain HTTP (not from loopback) this would send every asset request to https and blank the page.
    expect(docs.has('upgrade-insecure-requests')).toBe(false);
    expect(directives(await app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' }))).toEqual(docs);
    // Everything else keeps the app's policy: no inline style at all.
    for (const url of ['/healthz', '/api/me', '/']) {
      expect(directives(await app.inject({ method: 'GET', url })).get('style-src')).toBe("'self'");
    }
  });

  it('requires a login, verifies the argon2 hash, and sets an HttpOnly SameSite=Strict cookie', async () => {
    await start();
    const c = new Client(app);
    expect((await c.request({ method: 'GET', url: '/api/me' })).statusCode).toBe(401);
    expect((await c.request({ method: 'GET', url: '/api/patients' })).statusCode).toBe(401);
    expect((await c.login('alice', 'wrong password')).statusCode).toBe(401);
    expect((await c.login('nobody')).statusCode).toBe(401);
    const ok = await c.login('alice');
    expect(ok.statusCode).toBe(200);
    const cookie = ok.cookies.find((x) => x.name === 'hipmon_session')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Strict');
    expect(cookie.secure).toBeFalsy();
    const me = await c.request({ method: 'GET', url: '/api/me' });
    expect(me.json()).toMatchObject({ login: 'alice', role: 'therapist' });

    // A forged cookie (unsigned, or another user id under the same signature) is no login.
    const forged = new Client(app);
    forged.cookies.set(
      'hipmon_session',
      c.cookies.get('hipmon_session')!.replace(/^\d+/, String(clinic.users.admin.id)),
    );
    expect((await forged.request({ method: 'GET', url: '/api/me' })).statusCode).toBe(401);

    // Disabling the user ends the session at once; logging out clears the cookie.
    await c.request({ method: 'POST', url: '/api/logout' });
    expect((await c.request({ method: 'GET', url: '/api/me' })).statusCode).toBe(401);
    await c.login('alice');
    clinic.metadata.disableUser(clinic.users.alice.id);
    expect((await c.request({ method: 'GET', url: '/api/me' })).statusCode).toBe(401);
  });

  it('marks cookies Secure behind TLS', async () => {
    await start({ secureCookies: true });
    const r = await new Client(app).login('alice');
    expect(r.cookies.find((x) => x.name === 'hipmon_session')!.secure).toBe(true);
  });

  it('expires the session after its lifetime', async () => {
    await start({ sessionTtlMs: 60_000 });
    const c = new Client(app);
    await c.login('alice');
    expect((await c.request({ method: 'GET', url: '/api/me' })).statusCode).toBe(200);
    clinic.clock.now += 60_001;
    expect((await c.request({ method: 'GET', url: '/api/me' })).statusCode).toBe(401);
  });

  it('rejects state-changing requests without the CSRF token, login included', async () => {
    await start();
    const c = new Client(app);
    const noToken = await c.request({
      method: 'POST',
      url: '/api/login',
      payload: { login: 'alice', password: PASSWORD },
    });
    expect(noToken.statusCode).toBe(403);
    await c.login('alice');
    const plan = { sessionsPerWeek: 3, items: [{ exercise: 'glute_bridge', sets: 2, reps: 10 }] };
    const without = await c.request({ method: 'PUT', url: '/api/patients/p1/plan', payload: plan, csrf: false });
    expect(without.statusCode).toBe(403);
    const wrong = await c.request({
      method: 'PUT',
      url: '/api/patients/p1/plan',
      payload: plan,
      csrf: false,
      headers: { 'x-csrf-token': 'forged-token' },
    });
    expect(wrong.statusCode).toBe(403);
    expect(clinic.metadata.currentPlan('p1')!.version).toBe(1);
    const withToken = await c.request({ method: 'PUT', url: '/api/patients/p1/plan', payload: plan });
    expect(withToken.statusCode).toBe(201);
  });

  it('rate-limits login attempts per client', async () => {
    await start({ rateLimit: { loginMax: 3, timeWindowMs: 60_000 } });
    const c = new Client(app);
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await c.login('alice', 'guess ' + i)).statusCode);
    expect(codes).toEqual([401, 401, 401, 429, 429]);
    // The right password is refused too while the limit holds: guessing cannot continue.
    expect((await c.login('alice')).statusCode).toBe(429);
  });

  it('never shows a therapist a patient who is not assigned to them, on any patient route', async () => {
    await start();
    const bob = new Client(app);
    await bob.login('bob');
    const list = (await bob.request({ method: 'GET', url: '/api/patients' })).json();
    expect(list.map((e: { patient: { id: string } }) => e.patient.id)).toEqual(['p2']);

    const alertId = clinic.metadata.alertsOfSession('p1', 's1')[0]!.id;
    const plan = { sessionsPerWeek: 3, items: [{ exercise: 'glute_bridge', sets: 2, reps: 10 }] };
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/patients/p1'],
      ['GET', '/api/patients/p1/sessions'],
      ['GET', '/api/patients/p1/sessions/s1'],
      ['GET', '/api/patients/p1/sessions/s1/export.csv'],
      ['GET', '/api/patients/p1/sessions/s1/report.html'],
      ['GET', '/api/patients/p1/sessions/s1/fhir'],
      ['GET', '/api/patients/p1/progress'],
      ['GET', '/api/patients/p1/plan'],
      ['PUT', '/api/patients/p1/plan', plan],
      ['GET', '/api/patients/p1/alerts'],
      ['POST', `/api/alerts/${alertId}/acknowledge`],
    ];
    for (const [method, url, payload] of routes) {
      const r = await bob.request({ method: method as 'GET', url, ...(payload ? { payload } : {}) });
      expect(r.statusCode, `${method} ${url}`).toBe(404);
      expect(r.body, url).not.toContain('Ann');
      // Indistinguishable from a patient that does not exist.
      const ghost = await bob.request({
        method: method as 'GET',
        url: url.replace('/p1', '/p9'),
        ...(payload ? { payload } : {}),
      });
      if (!url.startsWith('/api/alerts')) expect(ghost.statusCode, url).toBe(404);
    }
    expect(clinic.metadata.currentPlan('p1')!.version).toBe(1);
    expect(clinic.metadata.alertsOfSession('p1', 's1')[0]!.acknowledgedAt).toBeNull();
    expect(published).toEqual([]);

    // Alice, assigned to p1, sees all of it; the admin sees everyone; the patient only themselves.
    const alice = new Client(app);
    await alice.login('alice');
    for (const [method, url] of routes.filter(([m]) => m === 'GET')) {
      expect((await alice.request({ method: method as 'GET', url })).statusCode, url).toBe(200);
    }
    const admin = new Client(app);
    await admin.login('admin');
    const all = (await admin.request({ method: 'GET', url: '/api/patients' })).json();
    expect(all.map((e: { patient: { id: string } }) => e.patient.id).sort()).toEqual(['p1', 'p2']);
    const ann = new Client(app);
    await ann.login('ann');
    expect((await ann.request({ method: 'GET', url: '/api/patients/p1' })).statusCode).toBe(200);
    expect((await ann.request({ method: 'GET', url: '/api/patients/p2' })).statusCode).toBe(404);
    expect((await ann.request({ method: 'PUT', url: '/api/patients/p1/plan', payload: plan })).statusCode).toBe(403);
  });

  it('lists patients with gateway state, last session, adherence this week and open alerts', async () => {
    await start();
    clinic.metadata.recordGatewayStatus({
      patientId: 'p1',
      gatewayId: 'gw1',
      status: { state: 'online' },
      at: clinic.clock.now,
    });
    const c = new Client(app);
    await c.login('alice');
    const [entry] = (await c.request({ method: 'GET', url: '/api/patients' })).json();
    expect(entry.patient.id).toBe('p1');
    expect(entry.gateway.online).toBe(true);
    expect(entry.lastSession.id).toBe('s1');
    expect(entry.openAlerts).toBe(1);
    expect(entry.adherence).toMatchObject({ sessionsDone: 1, sessionsPrescribed: 5, repsDone: 3, repsPrescribed: 15 });
  });

  it('returns a session with its reps, decimated angles, compensations and alerts; acknowledges alerts', async () => {
    await start();
    const c = new Client(app);
    await c.login('alice');
    const detail = (await c.request({ method: 'GET', url: '/api/patients/p1/sessions/s1?maxPoints=200' })).json();
    expect(detail.reps.map((r: { rep: number }) => r.rep)).toEqual([1, 2, 3]);
    expect(detail.reps[0].targetRomDeg).toBe(25);
    expect(detail.reps[0].durationS).toBeCloseTo(2.5, 9);
    expect(detail.angles.length).toBeGreaterThan(100);
    expect(detail.angles.length).toBeLessThanOrEqual(200);
    // Bucket means of a ±10° sine around 10°: within the signal's range, never beyond it.
    for (const a of detail.angles) expect(Math.abs(a.abduction - 10)).toBeLessThanOrEqual(10 + 1e-9);
    expect(detail.compensations).toHaveLength(1);
    expect(detail.report.totals.repsDone).toBe(3);

    const alertId = detail.alerts[0].id;
    const ack = await c.request({ method: 'POST', url: `/api/alerts/${alertId}/acknowledge` });
    expect(ack.statusCode).toBe(200);
    expect(ack.json().acknowledgedBy).toBe(clinic.users.alice.id);
    expect((await c.request({ method: 'POST', url: `/api/alerts/${alertId}/acknowledge` })).statusCode).toBe(409);
    expect((await c.request({ method: 'GET', url: '/api/patients/p1/alerts' })).json()).toEqual([]);
  });

  it('stores a plan update as a new version that applies from the next session, and publishes it', async () => {
    await start();
    const c = new Client(app);
    await c.login('alice');
    const body = {
      sessionsPerWeek: 4,
      items: [
        { exercise: 'standing_hip_abduction', sets: 2, reps: 12, targetRomDeg: 28 },
        { exercise: 'hip_flexor_stretch', sets: 1, reps: 3, holdSeconds: 30 },
      ],
      precautions: { preset: 'posterior_tha' },
      notes: 'Keep the trunk upright',
    };
    const r = await c.request({ method: 'PUT', url: '/api/patients/p1/plan', payload: body });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ plan: { version: 2, sessionsPerWeek: 4 }, published: true });
    expect(published).toHaveLength(1);
    expect(published[0]!.patientId).toBe('p1');
    expect(published[0]!.plan).toMatchObject({ version: 2, side: 'left', sessionsPerWeek: 4 });
    expect(published[0]!.plan.precautions?.limits.flexion?.max).toBe(90);

    // The session done before keeps version 1; the next one is done under version 2.
    expect(clinic.metadata.getSession('p1', 's1')!.planVersion).toBe(1);
    clinic.clock.now += 60_000;
    clinic.metadata.startSession({ patientId: 'p1', sessionId: 's3', side: 'left', startedAt: clinic.clock.now });
    expect(clinic.metadata.getSession('p1', 's3')!.planVersion).toBe(2);
    const plans = (await c.request({ method: 'GET', url: '/api/patients/p1/plan' })).json();
    expect(plans.current.version).toBe(2);
    expect(plans.history.map((p: { version: number }) => p.version)).toEqual([2, 1]);

    // Invalid plans are refused with a reason, and nothing is stored.
    const bad = await c.request({
      method: 'PUT',
      url: '/api/patients/p1/plan',
      payload: { sessionsPerWeek: 4, items: [{ exercise: 'moonwalk', sets: 1, reps: 1 }] },
    });
    expect(bad.statusCode).toBe(400);
    const unsafe = await c.request({
      method: 'PUT',
      url: '/api/patients/p1/plan',
      payload: { ...body, items: [{ exercise: 'standing_hip_flexion', sets: 1, reps: 5, targetRomDeg: 120 }] },
    });
    expect(unsafe.statusCode).toBe(400);
    expect(clinic.metadata.currentPlan('p1')!.version).toBe(2);
  });

  it('serves the exercise catalogue and precaution presets the plan editor offers, to logged-in users only', async () => {
    await start();
    const c = new Client(app);
    expect((await c.request({ method: 'GET', url: '/api/catalogue' })).statusCode).toBe(401);
    await c.login('alice');
    const catalogue = (await c.request({ method: 'GET', url: '/api/catalogue' })).json();
    expect(catalogue.exercises.map((e: { id: string }) => e.id)).toEqual([...EXERCISE_IDS]);
    const abduction = catalogue.exercises.find((e: { id: string }) => e.id === 'standing_hip_abduction');
    expect(abduction).toEqual({
      id: 'standing_hip_abduction',
      name: EXERCISE_CATALOGUE.standing_hip_abduction.name,
      kind: 'reps',
      targetRomDeg: 25,
      romRangeDeg: { min: 15, max: 35 },
      holdSeconds: null,
    });
    const stretch = catalogue.exercises.find((e: { id: string }) => e.id === 'hip_flexor_stretch');
    expect(stretch.holdSeconds).toBe(EXERCISE_CATALOGUE.hip_flexor_stretch.hold!.holdS);
    expect(catalogue.precautionPresets.posterior_tha.flexion).toEqual({ max: 90 });
    expect(Object.keys(catalogue.precautionPresets).sort()).toEqual(['anterior_tha', 'posterior_tha']);
  });

  it('exports the session as CSV (one row per rep), a printable report and a FHIR R4 bundle', async () => {
    await start();
    const c = new Client(app);
    await c.login('alice');
    const csv = await c.request({ method: 'GET', url: '/api/patients/p1/sessions/s1/export.csv' });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.body.trimEnd().split('\n');
    expect(lines[0]).toBe(REPS_CSV_HEADER.join(','));
    expect(lines).toHaveLength(1 + REPS.length);
    const first = Object.fromEntries(REPS_CSV_HEADER.map((h, i) => [h, lines[1]!.split(',')[i]]));
    expect(first).toMatchObject({ set: '1', rep: '1', exercise: 'standing_hip_abduction', side: 'left' });
    expect(Number(first.start_s)).toBeCloseTo(REPS[0]!.start, 3);
    expect(Number(first.rom_deg)).toBeCloseTo(REPS[0]!.rom, 2);
    expect(Number(first.target_rom_deg)).toBe(25);

    const html = await c.request({ method: 'GET', url: '/api/patients/p1/sessions/s1/report.html' });
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.body).toContain('Ann &lt;b&gt;O’Neil&lt;/b&gt;');
    expect(html.body).not.toContain('<b>O’Neil');
    expect(html.body).not.toContain('<script');
    expect(html.body).toContain('Trunk lean during abduction');

    const fhir = await c.request({ method: 'GET', url: '/api/patients/p1/sessions/s1/fhir' });
    expect(fhir.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const bundle = fhir.json();
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.type).toBe('collection');
    // Two planes with a peak (sagittal 4.25°, frontal 23.04°); transverse has none.
    expect(bundle.entry).toHaveLength(2);
    const ids = new Set<string>();
    for (const { fullUrl, resource } of bundle.entry) {
      expect(resource.resourceType).toBe('Observation');
      expect(resource.status).toBe('final');
      expect(resource.id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
      expect(fullUrl.endsWith(`/Observation/${resource.id}`)).toBe(true);
      ids.add(resource.id);
      expect(resource.subject.reference).toBe('Patient/p1');
      expect(resource.category[0].coding[0]).toMatchObject({ code: 'exam' });
      expect(resource.code.coding[0].system).toMatch(/^https:\/\//);
      expect(resource.valueQuantity).toMatchObject({ unit: 'deg', system: 'http://unitsofmeasure.org', code: 'deg' });
      expect(Number.isNaN(Date.parse(resource.effectiveDateTime))).toBe(false);
    }
    expect(ids.size).toBe(2);
    const byCode = Object.fromEntries(
      bundle.entry.map(
        (e: { resource: { code: { coding: { code: string }[] }; valueQuantity: { value: number } } }) => [
          e.resource.code.coding[0]!.code,
          e.resource.valueQuantity.value,
        ],
      ),
    );
    expect(byCode).toEqual({ 'hip-flexion-rom': 4.3, 'hip-abduction-rom': 23 });
  });

  it('reports progress per exercise and week', async () => {
    await start();
    const c = new Client(app);
    await c.login('alice');
    const progress = (await c.request({ method: 'GET', url: '/api/patients/p1/progress' })).json();
    expect(progress).toHaveLength(1);
    expect(progress[0]).toMatchObject({ exercise: 'standing_hip_abduction', plane: 'frontal' });
    expect(progress[0].points[0].peakRomDeg).toBeCloseTo(23.04, 9);
    expect(progress[0].weeks[0]).toMatchObject({ sessions: 1, weekStart: Date.UTC(2025, 2, 3) });
  });
});
