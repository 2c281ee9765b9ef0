/// <reference lib="dom" />
// Thin fetch wrapper: same-origin cookies, the CSRF token on state-changing requests, JSON in and out.

let csrfToken = '';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') {
    if (!csrfToken) csrfToken = (await api<{ token: string }>('GET', '/api/csrf')).token;
    headers['x-csrf-token'] = csrfToken;
  }
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (response.status === 204) return undefined as T;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, (data as { message?: string }).message ?? response.statusText);
  return data as T;
}

export async function login(loginName: string, password: string) {
  csrfToken = (await api<{ token: string }>('GET', '/api/csrf')).token;
  const result = await api<{ user: { displayName: string }; csrfToken: string }>('POST', '/api/login', {
    login: loginName,
    password,
  });
  csrfToken = result.csrfToken;
  return result.user;
}
