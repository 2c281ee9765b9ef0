/// <reference lib="dom" />
// The one WebSocket to /api/live a view uses, whatever number of patients it watches: it keeps the set of
// watched patients, sends subscribe/unsubscribe as that set changes, and after a lost connection (server restart,
// network) opens a new one and subscribes them all again, with a growing pause. The server checks, at every
// subscription, that the user may see the patient.
import type { LiveSocketMessage } from '../../src/live/patient-live-state.js';

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30_000;
/** close code of the server when the session cookie is missing or expired (live-route.ts) */
const UNAUTHORIZED = 4401;

export interface LiveSocketHandlers {
  message(message: LiveSocketMessage): void;
  /** the server refused the connection for want of a login: reconnecting would not help */
  unauthorized?(): void;
}

export class LiveSocket {
  private readonly watched = new Set<string>();
  private socket: WebSocket | null = null;
  private retryMs = RETRY_MIN_MS;
  private retryTimer = 0;
  private closed = false;

  constructor(private readonly handlers: LiveSocketHandlers) {
    this.connect();
  }

  /** the patients watched */
  get patients(): ReadonlySet<string> {
    return this.watched;
  }

  watch(patientId: string): void {
    if (this.watched.has(patientId)) return;
    this.watched.add(patientId);
    this.send({ type: 'subscribe', patientId });
  }

  unwatch(patientId: string): void {
    if (!this.watched.delete(patientId)) return;
    this.send({ type: 'unsubscribe', patientId });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.socket?.close();
    this.socket = null;
  }

  private connect(): void {
    const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/live`);
    this.socket = socket;
    socket.addEventListener('open', () => {
      this.retryMs = RETRY_MIN_MS;
      for (const patientId of this.watched) this.send({ type: 'subscribe', patientId });
    });
    socket.addEventListener('message', (event) => {
      let message: LiveSocketMessage;
      try {
        message = JSON.parse(String(event.data)) as LiveSocketMessage;
      } catch {
        return;
      }
      this.handlers.message(message);
    });
    socket.addEventListener('close', (event) => {
      if (this.closed || this.socket !== socket) return;
      this.socket = null;
      if (event.code === UNAUTHORIZED) {
        this.handlers.unauthorized?.();
        return;
      }
      this.retryTimer = window.setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
    });
  }

  private send(message: { type: 'subscribe' | 'unsubscribe'; patientId: string }): void {
    // Before `open` nothing is sent: the open handler subscribes every watched patient.
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }
}
