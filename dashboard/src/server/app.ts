/**
 * The therapist dashboard's HTTP server: REST API (OpenAPI at /docs), login with argon2 and a signed session cookie,
 * CSRF protection on every state-changing request, rate limits, security headers, the live WebSocket bridged from
 * MQTT, and the built web UI. Who may see which patient is decided by the metadata store (`canSeePatient` and the
 * viewer-scoped dashboard queries) on every route; a patient the viewer may not see answers 404, exactly like a
 * patient that does not exist, so ids cannot be probed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import type { PlanPayload } from '@hipmon/core';
import { MetadataError } from '@hipmon/services';
import type { MetadataStore, SeriesStore, User } from '@hipmon/services';
import type { SessionCookieSettings } from './auth.js';
import { registerApiRoutes } from './routes.js';
import { registerLiveRoute } from './live-route.js';
import type { LiveBridge } from './live-bridge.js';

export interface DashboardServerOptions {
  metadata: MetadataStore;
  series: SeriesStore;
  /** signs the session and CSRF cookies; at least 32 characters (HIPMON_SESSION_SECRET) */
  sessionSecret: string;
  /** the MQTT bridge for the live WebSocket and for publishing plans; null: no live view, plans left to the service */
  live?: LiveBridge | null;
  /** publishes a new plan version retained; default: through `live` when given */
  publishPlan?: (patientId: string, plan: PlanPayload) => Promise<void>;
  /** the Vite build output (index.html + assets); null or missing: the API only */
  webRoot?: string | null;
  /** Secure cookies: true behind TLS, 'auto' (default) from the request's protocol, false for plain-HTTP localhost */
  secureCookies?: boolean | 'auto';
  /** trust X-Forwarded-* from a reverse proxy (TLS termination) */
  trustProxy?: boolean;
  sessionTtlMs?: number;
  /** requests per window per client IP: everything (`max`) and login attempts (`loginMax`) */
  rateLimit?: { max?: number; loginMax?: number; timeWindowMs?: number };
  now?: () => number;
  /** fastify logger option */
  logger?: boolean | Record<string, unknown>;
}

declare module 'fastify' {
  interface FastifyRequest {
    user: User | null;
  }
}

export interface DashboardContext {
  metadata: MetadataStore;
  series: SeriesStore;
  live: LiveBridge | null;
  publishPlan: ((patientId: string, plan: PlanPayload) => Promise<void>) | null;
  cookies: SessionCookieSettings;
  /** login attempts per client IP and window */
  loginLimit: { max: number; timeWindowMs: number };
  now: () => number;
}

/** 404 for a patient the viewer may not see (or that does not exist): the two must look the same. */
export class NotVisibleError extends Error {
  readonly statusCode = 404;
  constructor(what: string) {
    super(`${what} not found`);
    this.name = 'NotVisibleError';
  }
}

/** The app's content security policy: everything from this origin, no inline script or style at all. */
const APP_CSP: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/**
 * Swagger UI (/docs): the app's policy, plus the one inline <style> its bundle inserts (the Swagger logo's SVG),
 * allowed by its hash on these pages only. Not @fastify/swagger-ui's default policy: that one allows styles and
 * fonts from any https: origin and adds upgrade-insecure-requests, which turns every asset request of a page served
 * over plain HTTP (other than from loopback) into an https one that fails, leaving the page blank. A new Swagger UI
 * version with another inline style shows up as a CSP console error in the browser test.
 */
const SWAGGER_UI_CSP: Record<string, string[]> = {
  ...APP_CSP,
  'style-src': ["'self'", "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"],
};

const cspHeader = (directives: Record<string, string[]>) =>
  Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');

const STATUS_OF: Record<string, number> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  schema_too_new: 500,
};

export async function buildDashboardServer(options: DashboardServerOptions): Promise<FastifyInstance> {
  if (typeof options.sessionSecret !== 'string' || options.sessionSecret.length < 32) {
    throw new Error('sessionSecret must be at least 32 characters');
  }
  const app = Fastify({
    logger: options.logger ?? false,
    trustProxy: options.trustProxy ?? false,
    bodyLimit: 256 * 1024,
  });
  const live = options.live ?? null;
  const ctx: DashboardContext = {
    metadata: options.metadata,
    series: options.series,
    live,
    publishPlan: options.publishPlan ?? (live ? (id, plan) => live.publishPlan(id, plan) : null),
    cookies: { ttlMs: options.sessionTtlMs ?? 8 * 3_600_000, secure: options.secureCookies ?? 'auto' },
    loginLimit: { max: options.rateLimit?.loginMax ?? 10, timeWindowMs: options.rateLimit?.timeWindowMs ?? 60_000 },
    now: options.now ?? Date.now,
  };

  await app.register(fastifyHelmet, { contentSecurityPolicy: { useDefaults: false, directives: APP_CSP } });
  await app.register(fastifyRateLimit, {
    global: true,
    max: options.rateLimit?.max ?? 600,
    timeWindow: options.rateLimit?.timeWindowMs ?? 60_000,
    // Per client address (behind a proxy: the forwarded one, with trustProxy); a socket without one shares a bucket.
    keyGenerator: (request) => request.ip ?? 'unknown',
  });
  await app.register(fastifyCookie, { secret: options.sessionSecret });
  await app.register(fastifyCsrf, {
    cookieKey: 'hipmon_csrf',
    cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true, signed: true, secure: ctx.cookies.secure === true },
  });
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'hipmon dashboard API', version: '1' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'hipmon_session' },
          csrf: { type: 'apiKey', in: 'header', name: 'x-csrf-token' },
        },
      },
      security: [{ session: [] }],
    },
  });
  // The plugin sets this header on its own routes only, over helmet's.
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: cspHeader(SWAGGER_UI_CSP) });
  await app.register(fastifyWebsocket, { options: { maxPayload: 4096 } });

  app.decorateRequest('user', null);
  app.addHook('onRequest', (request, reply, done) => {
    if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(request.method)) return done();
    app.csrfProtection(request, reply, done);
  });

  app.setErrorHandler((error: Error & { statusCode?: number; validation?: unknown }, request, reply) => {
    if (error instanceof MetadataError) {
      const status = STATUS_OF[error.code] ?? 500;
      return reply.code(status).send({ error: error.code, message: error.message });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    return reply.code(status).send({
      error: status >= 500 ? 'internal' : ((error as { code?: string }).code?.toLowerCase() ?? 'bad_request'),
      message: status >= 500 ? 'internal error' : error.message,
    });
  });

  app.get(
    '/healthz',
    {
      config: { rateLimit: false },
      schema: {
        hide: false,
        tags: ['health'],
        security: [],
        response: {
          200: {
            type: 'object',
            properties: { healthy: { type: 'boolean' }, mqtt: { type: ['boolean', 'null'] } },
          },
        },
      },
    },
    async () => ({ healthy: true, mqtt: live ? live.connected : null }),
  );

  registerApiRoutes(app, ctx);
  registerLiveRoute(app, ctx);

  const webRoot = options.webRoot ?? null;
  if (webRoot && existsSync(join(webRoot, 'index.html'))) {
    await app.register(fastifyStatic, { root: webRoot, prefix: '/', index: 'index.html', wildcard: false });
  } else {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .code(503)
        .type('text/plain')
        .send('The web UI is not built: npx vite build dashboard/web (or start with hipmon dashboard).\n'),
    );
  }
  return app;
}

export type { FastifyRequest };
