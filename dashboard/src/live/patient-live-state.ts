/**
 * One patient's live session as the browser follows it from the /api/live messages: which session is shown, the
 * repetitions counted (each once: the same rep event can arrive twice, e.g. after a reconnect or a service
 * restart), last and best ROM, the state with the current exercise and set, and the alerts. Shared by the
 * single-patient live view and the live board; pure (no DOM, no clock), so it is tested here with vitest.
 *
 * `apply` returns what changed, in order; the views draw from the getters and the returned updates.
 */

/** A message of the live WebSocket: the wire payload of one live topic (docs/protocol.md §8). */
export interface LiveSocketMessage {
  type: string;
  patientId?: string;
  sessionId?: string;
  gatewayId?: string;
  payload?: unknown;
}

export interface LiveSessionInfo {
  state: string;
  exercise: string | null;
  /** the current set (from 1) */
  set: number | null;
  /** repetitions done in the current set */
  setReps: number | null;
  targetReps: number | null;
}

export interface LiveAlert {
  /** gateway clock, s */
  t: number;
  level: string;
  code: string;
  message: string;
  /** a crossed precaution limit of the plan (code `<angle>_above_limit` / `<angle>_below_limit`) */
  precaution: boolean;
}

export interface LiveRep {
  exercise: string;
  set: number;
  rep: number;
  romDeg: number;
}

export type LiveUpdate =
  /** a session not shown before took over: everything session-scoped starts again from zero */
  | { kind: 'session'; sessionId: string }
  | { kind: 'angles'; t: number; flexion: number; abduction: number; rotation: number }
  | { kind: 'rep'; rep: LiveRep }
  | { kind: 'state'; info: LiveSessionInfo }
  | { kind: 'alert'; alert: LiveAlert }
  | { kind: 'gateway'; online: boolean };

/** The current exercise and set, e.g. "Glute bridge, set 2: 4/10"; "–" before a set started. */
export function setProgressText(info: LiveSessionInfo, exerciseName: (id: string) => string = (id) => id): string {
  if (!info.exercise) return '–';
  return `${exerciseName(info.exercise)}, set ${info.set ?? '–'}: ${info.setReps ?? 0}/${info.targetReps ?? '–'}`;
}

const PRECAUTION_CODE = /^(flexion|abduction|rotation|rom)_(above|below)_limit$/;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export class PatientLiveState {
  private sessionId_: string | null = null;
  private readonly seenReps = new Set<string>();
  private lastRep_: LiveRep | null = null;
  private bestRomDeg_: number | null = null;
  private info_: LiveSessionInfo | null = null;
  private gatewayOnline_: boolean | null = null;

  /** the session shown; null until a running session was seen */
  get sessionId(): string | null {
    return this.sessionId_;
  }
  /** distinct repetitions of the shown session */
  get repCount(): number {
    return this.seenReps.size;
  }
  get lastRep(): LiveRep | null {
    return this.lastRep_;
  }
  get bestRomDeg(): number | null {
    return this.bestRomDeg_;
  }
  get info(): LiveSessionInfo | null {
    return this.info_;
  }
  get ended(): boolean {
    return this.info_?.state === 'ended';
  }
  /** from the newest gateway status message; null before one came */
  get gatewayOnline(): boolean | null {
    return this.gatewayOnline_;
  }

  apply(message: LiveSocketMessage): LiveUpdate[] {
    const p = message.payload;
    if (message.type === 'gateway') {
      const state = p && typeof p === 'object' ? (p as { state?: unknown }).state : undefined;
      if (state !== 'online' && state !== 'offline') return [];
      this.gatewayOnline_ = state === 'online';
      return [{ kind: 'gateway', online: this.gatewayOnline_ }];
    }
    const sessionId = message.sessionId;
    if (!sessionId || !p || typeof p !== 'object') return [];
    const payload = p as Record<string, unknown>;
    const updates: LiveUpdate[] = [];
    if (sessionId !== this.sessionId_) {
      // Only a running session takes over: an ended one's retained state is history (every past session of the
      // patient has one, and they come with each new subscription).
      if (message.type === 'state' && payload.state === 'ended') return [];
      this.reset(sessionId);
      updates.push({ kind: 'session', sessionId });
    }
    const update = this.applyToSession(message.type, payload);
    if (update) updates.push(update);
    return updates;
  }

  private reset(sessionId: string): void {
    this.sessionId_ = sessionId;
    this.seenReps.clear();
    this.lastRep_ = null;
    this.bestRomDeg_ = null;
    this.info_ = null;
  }

  private applyToSession(type: string, p: Record<string, unknown>): LiveUpdate | null {
    switch (type) {
      case 'angles': {
        const [t, flexion, abduction, rotation] = [num(p.t), num(p.flexion), num(p.abduction), num(p.rotation)];
        if (t === null || flexion === null || abduction === null || rotation === null) return null;
        return { kind: 'angles', t, flexion, abduction, rotation };
      }
      case 'reps': {
        const [exercise, set, rep, romDeg] = [str(p.exercise), num(p.set), num(p.rep), num(p.rom)];
        if (exercise === null || set === null || rep === null || romDeg === null) return null;
        const key = `${exercise}/${set}/${rep}`;
        if (this.seenReps.has(key)) return null;
        this.seenReps.add(key);
        this.lastRep_ = { exercise, set, rep, romDeg };
        this.bestRomDeg_ = Math.max(this.bestRomDeg_ ?? romDeg, romDeg);
        return { kind: 'rep', rep: this.lastRep_ };
      }
      case 'state': {
        const state = str(p.state);
        if (state === null) return null;
        // A state without exercise (e.g. `ended`) keeps the last exercise and set on show.
        const exercise = str(p.exercise);
        const previous = this.info_;
        this.info_ = exercise
          ? { state, exercise, set: num(p.set), setReps: num(p.reps), targetReps: num(p.targetReps) }
          : {
              state,
              exercise: previous?.exercise ?? null,
              set: previous?.set ?? null,
              setReps: previous?.setReps ?? null,
              targetReps: previous?.targetReps ?? null,
            };
        return { kind: 'state', info: this.info_ };
      }
      case 'alerts': {
        const [t, level, code, message] = [num(p.t), str(p.level), str(p.code), str(p.message)];
        if (level === null || message === null) return null;
        const alertCode = code ?? '';
        return {
          kind: 'alert',
          alert: { t: t ?? 0, level, code: alertCode, message, precaution: PRECAUTION_CODE.test(alertCode) },
        };
      }
      default:
        return null;
    }
  }
}
