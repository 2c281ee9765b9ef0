/**
 * Logins and the session cookie. The cookie carries `<userId>.<expiresAtMs>` signed with the server's secret
 * (HMAC by @fastify/cookie): no server-side session table, so a restart or a second dashboard instance with the
 * same secret keeps everyone logged in. Every request re-reads the user, so disabling a user ends their access at
 * once; logging out clears the cookie (a copied cookie stays valid until it expires: keep `sessionTtlMs` short).
 */
import argon2 from 'argon2';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { MetadataStore, User } from '@hipmon/services';

export const SESSION_COOKIE = 'hipmon_session';

export interface SessionCookieSettings {
  ttlMs: number;
  /** true: always Secure; 'auto': Secure when the request came over TLS (directly or via a trusted proxy) */
  secure: boolean | 'auto';
}

/** Checked against when the login is unknown, so a wrong login costs as much time as a wrong password. */
let dummyHash: Promise<string> | null = null;

export async function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

/** The active user with these credentials, or null (unknown login, wrong password, no password, disabled). */
export async function verifyLogin(metadata: MetadataStore, login: string, password: string): Promise<User | null> {
  const found = metadata.findUserByLogin(login);
  if (!found?.passwordHash) {
    dummyHash ??= hashPassword('not a real password');
    await argon2.verify(await dummyHash, password).catch(() => false);
    return null;
  }
  const ok = await argon2.verify(found.passwordHash, password).catch(() => false);
  if (!ok || found.disabledAt !== null) return null;
  const { passwordHash: _hash, ...user } = found;
  return user;
}

function cookieOptions(request: FastifyRequest, settings: SessionCookieSettings) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: settings.secure === 'auto' ? request.protocol === 'https' : settings.secure,
    signed: true,
  };
}

export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  userId: number,
  now: number,
  settings: SessionCookieSettings,
): void {
  reply.setCookie(SESSION_COOKIE, `${userId}.${now + settings.ttlMs}`, {
    ...cookieOptions(request, settings),
    maxAge: Math.floor(settings.ttlMs / 1000),
  });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply, settings: SessionCookieSettings) {
  reply.clearCookie(SESSION_COOKIE, cookieOptions(request, settings));
}

/** The logged-in, active user of a request, or null. */
export function sessionUser(request: FastifyRequest, metadata: MetadataStore, now: number): User | null {
  const raw = request.cookies[SESSION_COOKIE];
  if (!raw) return null;
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || unsigned.value === null) return null;
  const m = /^(\d{1,15})\.(\d{1,15})$/.exec(unsigned.value);
  if (!m || Number(m[2]) <= now) return null;
  const user = metadata.getUser(Number(m[1]));
  return user && user.disabledAt === null ? user : null;
}
