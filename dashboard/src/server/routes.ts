/**
 * The REST API. Every patient route starts with `visiblePatient`, which asks the metadata store whether the viewer
 * may see the patient (404 otherwise); the list and alert queries are viewer-scoped in the store itself.
 */
import { EXERCISE_CATALOGUE, EXERCISE_IDS } from '@hipmon/core';
import type { ExerciseId } from '@hipmon/core';
import { PRECAUTION_PRESETS, weekStartOf } from '@hipmon/services';
import type { Patient, User } from '@hipmon/services';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { clearSessionCookie, sessionUser, setSessionCookie, verifyLogin } from './auth.js';
import { NotVisibleError } from './app.js';
import type { DashboardContext } from './app.js';
import { repsCsv, sessionFhirBundle, sessionReportHtml } from './exports.js';
import { loadSessionDetail } from './session-detail.js';

const ID = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;
const patientParams = {
  type: 'object',
  required: ['patientId'],
  properties: { patientId: ID },
  additionalProperties: false,
} as const;
const sessionParams = {
  type: 'object',
  required: ['patientId', 'sessionId'],
  properties: { patientId: ID, sessionId: ID },
  additionalProperties: false,
} as const;
const userSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    role: { type: 'string', enum: ['admin', 'therapist', 'patient'] },
    login: { type: ['string', 'null'] },
    displayName: { type: 'string' },
  },
} as const;
const bounds = {
  type: 'object',
  properties: { min: { type: 'number' }, max: { type: 'number' } },
  additionalProperties: false,
} as const;
const planBody = {
  type: 'object',
  required: ['sessionsPerWeek', 'items'],
  additionalProperties: false,
  properties: {
    sessionsPerWeek: { type: 'integer', minimum: 1, maximum: 21 },
    notes: { type: 'string', maxLength: 2000 },
    precautions: {
      type: 'object',
      additionalProperties: false,
      properties: {
        preset: { type: ['string', 'null'] },
        limits: {
          type: 'object',
          additionalProperties: false,
          properties: { flexion: bounds, abduction: bounds, rotation: bounds },
        },
      },
    },
    items: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      items: {
        type: 'object',
        required: ['exercise', 'sets', 'reps'],
        additionalProperties: false,
        properties: {
          exercise: { type: 'string', enum: [...EXERCISE_IDS] },
          sets: { type: 'integer', minimum: 1, maximum: 20 },
          reps: { type: 'integer', minimum: 1, maximum: 100 },
          targetRomDeg: { type: ['number', 'null'] },
          holdSeconds: { type: ['number', 'null'] },
          tempoSeconds: { type: ['number', 'null'] },
          notes: { type: 'string', maxLength: 500 },
        },
      },
    },
  },
} as const;

interface PlanBody {
  sessionsPerWeek: number;
  notes?: string;
  precautions?: { preset?: string | null; limits?: Record<string, { min?: number; max?: number }> };
  items: { exercise: ExerciseId; sets: number; reps: number }[];
}

const publicUser = (u: User) => ({ id: u.id, role: u.role, login: u.login, displayName: u.displayName });

export function registerApiRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  const { metadata } = ctx;

  /** Fills request.user or answers 401. */
  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    request.user = sessionUser(request, metadata, ctx.now());
    if (!request.user) return reply.code(401).send({ error: 'unauthenticated', message: 'log in first' });
  };

  const visiblePatient = (request: FastifyRequest, patientId: string): Patient => {
    if (!metadata.canSeePatient(request.user!.id, patientId)) throw new NotVisibleError(`patient ${patientId}`);
    return metadata.requirePatient(patientId);
  };

  const visibleSession = (request: FastifyRequest, patientId: string, sessionId: string) => {
    const patient = visiblePatient(request, patientId);
    if (!metadata.getSession(patientId, sessionId)) throw new NotVisibleError(`session ${sessionId}`);
    return patient;
  };

  const tags = (tag: string) => ({ tags: [tag] });

  app.get(
    '/api/csrf',
    { schema: { ...tags('auth'), security: [], description: 'A CSRF token for the x-csrf-token header' } },
    async (_request, reply) => ({ token: reply.generateCsrf() }),
  );

  app.post<{ Body: { login: string; password: string } }>(
    '/api/login',
    {
      config: { rateLimit: { max: ctx.loginLimit.max, timeWindow: ctx.loginLimit.timeWindowMs } },
      schema: {
        ...tags('auth'),
        security: [{ csrf: [] }],
        body: {
          type: 'object',
          required: ['login', 'password'],
          additionalProperties: false,
          properties: { login: { type: 'string', maxLength: 254 }, password: { type: 'string', maxLength: 1024 } },
        },
      },
    },
    async (request, reply) => {
      const user = await verifyLogin(metadata, request.body.login, request.body.password);
      if (!user) return reply.code(401).send({ error: 'bad_credentials', message: 'wrong login or password' });
      setSessionCookie(request, reply, user.id, ctx.now(), ctx.cookies);
      return { user: publicUser(user), csrfToken: reply.generateCsrf() };
    },
  );

  app.post('/api/logout', { schema: { ...tags('auth'), security: [{ csrf: [] }] } }, async (request, reply) => {
    clearSessionCookie(request, reply, ctx.cookies);
    return reply.code(204).send();
  });

  app.get(
    '/api/me',
    { preHandler: authenticate, schema: { ...tags('auth'), response: { 200: userSchema } } },
    async (request) => publicUser(request.user!),
  );

  app.get(
    '/api/catalogue',
    {
      preHandler: authenticate,
      schema: { ...tags('plans'), description: 'Exercises a plan can prescribe and the precaution presets' },
    },
    // The browser bundle stays free of the core library: the plan editor reads the catalogue from here.
    async () => ({
      exercises: EXERCISE_IDS.map((id) => {
        const def = EXERCISE_CATALOGUE[id];
        return {
          id,
          name: def.name,
          kind: def.kind,
          targetRomDeg: def.targetRomDeg,
          romRangeDeg: def.romRangeDeg,
          holdSeconds: def.hold ? def.hold.holdS : null,
        };
      }),
      precautionPresets: PRECAUTION_PRESETS,
    }),
  );

  app.get(
    '/api/patients',
    {
      preHandler: authenticate,
      schema: { ...tags('patients'), description: 'Visible patients: gateway, last session, adherence, alerts' },
    },
    async (request) => {
      const entries = metadata.patientList(request.user!.id, { weekStart: weekStartOf(ctx.now()) });
      return entries.map((e) => ({ ...e, gateway: gatewaySummary(ctx, e.patient.id) }));
    },
  );

  app.get<{ Params: { patientId: string } }>(
    '/api/patients/:patientId',
    { preHandler: authenticate, schema: { ...tags('patients'), params: patientParams } },
    async (request) => {
      const patient = visiblePatient(request, request.params.patientId);
      const viewer = request.user!.id;
      return {
        patient,
        plan: metadata.currentPlan(patient.id),
        gateways: metadata.gatewaysOf(patient.id),
        gateway: gatewaySummary(ctx, patient.id),
        adherence: metadata.weeklyAdherence(viewer, patient.id, weekStartOf(ctx.now())),
        openAlerts: metadata.openAlerts(viewer, { patientId: patient.id }),
      };
    },
  );

  app.get<{ Params: { patientId: string }; Querystring: { limit?: number; before?: number } }>(
    '/api/patients/:patientId/sessions',
    {
      preHandler: authenticate,
      schema: {
        ...tags('sessions'),
        params: patientParams,
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 1000 }, before: { type: 'integer' } },
        },
      },
    },
    async (request) => {
      const patient = visiblePatient(request, request.params.patientId);
      const { limit, before } = request.query;
      return metadata.sessionHistory(request.user!.id, patient.id, {
        ...(limit !== undefined && { limit }),
        ...(before !== undefined && { before }),
      });
    },
  );

  app.get<{ Params: { patientId: string; sessionId: string }; Querystring: { maxPoints?: number } }>(
    '/api/patients/:patientId/sessions/:sessionId',
    {
      preHandler: authenticate,
      schema: {
        ...tags('sessions'),
        params: sessionParams,
        querystring: { type: 'object', properties: { maxPoints: { type: 'integer', minimum: 10, maximum: 20000 } } },
        description: 'Per-rep table, decimated angles (bucket means), holds, compensations, alerts, states',
      },
    },
    async (request) => {
      const { patientId, sessionId } = request.params;
      visibleSession(request, patientId, sessionId);
      return loadSessionDetail(metadata, ctx.series, patientId, sessionId, request.query.maxPoints);
    },
  );

  app.get<{ Params: { patientId: string; sessionId: string } }>(
    '/api/patients/:patientId/sessions/:sessionId/export.csv',
    { preHandler: authenticate, schema: { ...tags('exports'), params: sessionParams } },
    async (request, reply) => {
      const { patientId, sessionId } = request.params;
      visibleSession(request, patientId, sessionId);
      const detail = await loadSessionDetail(metadata, ctx.series, patientId, sessionId, 10);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${patientId}-${sessionId}-reps.csv"`)
        .send(repsCsv(detail.reps));
    },
  );

  app.get<{ Params: { patientId: string; sessionId: string } }>(
    '/api/patients/:patientId/sessions/:sessionId/report.html',
    { preHandler: authenticate, schema: { ...tags('exports'), params: sessionParams } },
    async (request, reply) => {
      const { patientId, sessionId } = request.params;
      const patient = visibleSession(request, patientId, sessionId);
      const detail = await loadSessionDetail(metadata, ctx.series, patientId, sessionId, 10);
      // The report is a standalone page with its own inline print styles and no script at all.
      return reply
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
        .type('text/html; charset=utf-8')
        .send(sessionReportHtml(patient, detail));
    },
  );

  app.get<{ Params: { patientId: string; sessionId: string } }>(
    '/api/patients/:patientId/sessions/:sessionId/fhir',
    {
      preHandler: authenticate,
      schema: { ...tags('exports'), params: sessionParams, description: 'FHIR R4 Bundle of hip ROM Observations' },
    },
    async (request, reply) => {
      const { patientId, sessionId } = request.params;
      const patient = visibleSession(request, patientId, sessionId);
      const detail = await loadSessionDetail(metadata, ctx.series, patientId, sessionId, 10);
      const baseUrl = `${request.protocol}://${request.host}/fhir`;
      return reply.type('application/fhir+json').send(JSON.stringify(sessionFhirBundle(patient, detail, { baseUrl })));
    },
  );

  app.get<{
    Params: { patientId: string };
    Querystring: { exercise?: ExerciseId; weekBasis?: 'calendar' | 'post_op' };
  }>(
    '/api/patients/:patientId/progress',
    {
      preHandler: authenticate,
      schema: {
        ...tags('progress'),
        params: patientParams,
        querystring: {
          type: 'object',
          properties: {
            exercise: { type: 'string', enum: [...EXERCISE_IDS] },
            weekBasis: { type: 'string', enum: ['calendar', 'post_op'] },
          },
        },
      },
    },
    async (request) => {
      const patient = visiblePatient(request, request.params.patientId);
      const { exercise, weekBasis } = request.query;
      return metadata.exerciseProgress(request.user!.id, patient.id, {
        ...(exercise && { exercise }),
        ...(weekBasis && { weekBasis }),
      });
    },
  );

  app.get<{ Params: { patientId: string } }>(
    '/api/patients/:patientId/plan',
    { preHandler: authenticate, schema: { ...tags('plans'), params: patientParams } },
    async (request) => {
      const patient = visiblePatient(request, request.params.patientId);
      return { current: metadata.currentPlan(patient.id), history: metadata.planHistory(patient.id) };
    },
  );

  app.put<{ Params: { patientId: string }; Body: PlanBody }>(
    '/api/patients/:patientId/plan',
    {
      preHandler: authenticate,
      schema: {
        ...tags('plans'),
        params: patientParams,
        body: planBody,
        security: [{ session: [], csrf: [] }],
        description: 'Stores a new plan version (applies from the next session) and publishes it retained',
      },
    },
    async (request, reply) => {
      const patient = visiblePatient(request, request.params.patientId);
      const body = request.body;
      const plan = metadata.createPlanVersion({
        patientId: patient.id,
        authorId: request.user!.id,
        sessionsPerWeek: body.sessionsPerWeek,
        items: body.items,
        ...(body.notes !== undefined && { notes: body.notes }),
        ...(body.precautions && { precautions: body.precautions as never }),
      });
      let published = false;
      if (ctx.publishPlan) {
        try {
          await ctx.publishPlan(patient.id, metadata.planPayload(patient.id)!);
          published = true;
        } catch (err) {
          // Stored is what matters; the processing service republishes changed plans on its own poll.
          request.log.warn({ err }, 'plan publish failed');
        }
      }
      return reply.code(201).send({ plan, published });
    },
  );

  app.get<{ Params: { patientId: string } }>(
    '/api/patients/:patientId/alerts',
    { preHandler: authenticate, schema: { ...tags('alerts'), params: patientParams } },
    async (request) => {
      const patient = visiblePatient(request, request.params.patientId);
      return metadata.openAlerts(request.user!.id, { patientId: patient.id });
    },
  );

  app.post<{ Params: { alertId: number } }>(
    '/api/alerts/:alertId/acknowledge',
    {
      preHandler: authenticate,
      schema: {
        ...tags('alerts'),
        params: { type: 'object', required: ['alertId'], properties: { alertId: { type: 'integer', minimum: 1 } } },
        security: [{ session: [], csrf: [] }],
      },
    },
    async (request) => {
      try {
        return metadata.acknowledgeAlert(request.params.alertId, request.user!.id, ctx.now());
      } catch (err) {
        // An alert of a patient the viewer may not see does not exist for them.
        if ((err as { code?: string }).code === 'forbidden' && request.user!.role !== 'patient') {
          throw new NotVisibleError(`alert ${request.params.alertId}`);
        }
        throw err;
      }
    },
  );
}

function gatewaySummary(ctx: DashboardContext, patientId: string) {
  const gateways = ctx.metadata.gatewaysOf(patientId);
  const online = gateways.some((g) => g.lastStatus === 'online');
  const lastSeenAt = gateways.reduce<number | null>((m, g) => Math.max(m ?? 0, g.lastSeenAt ?? 0) || m, null);
  return { online, lastSeenAt };
}
