/**
 * What the patient's terminal shows: sensor status, the current exercise of the plan, and the service's live
 * feedback. `LiveState` folds incoming MQTT messages (pure); `renderLiveView` turns it into plain text lines.
 */
import { parseTopic, planPayloadSchema, repEventPayloadSchema, sessionStatePayloadSchema } from '@hipmon/core';
import type { PlanPayload, RepEventPayload, SessionStatePayload } from '@hipmon/core';
import type { SensorStatus } from '../ble/noble-adapter.js';

export interface LiveState {
  plan?: PlanPayload;
  /** Index in the plan of the exercise being done. */
  planIndex: number;
  setsDone: number;
  session?: SessionStatePayload;
  lastRep?: RepEventPayload;
  repsInSet: number;
  message?: string;
}

export const initialLiveState = (): LiveState => ({ planIndex: 0, setsDone: 0, repsInSet: 0 });

/** Folds one MQTT message (plan, live reps, session state) into the state; anything else is ignored. */
export function applyLiveMessage(state: LiveState, topic: string, payload: Buffer): LiveState {
  const parsed = parseTopic(topic);
  if (!parsed) return state;
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return state;
  }
  if (parsed.kind === 'plan') {
    const plan = planPayloadSchema.safeParse(json);
    return plan.success ? { ...state, plan: plan.data, planIndex: 0, setsDone: 0 } : state;
  }
  if (parsed.kind === 'reps') {
    const rep = repEventPayloadSchema.safeParse(json);
    return rep.success ? { ...state, lastRep: rep.data, repsInSet: rep.data.rep } : state;
  }
  if (parsed.kind === 'session_state') {
    const s = sessionStatePayloadSchema.safeParse(json);
    return s.success ? { ...state, session: s.data } : state;
  }
  return state;
}

/** The plan's current exercise, if any. */
export const currentExercise = (state: LiveState): PlanPayload['exercises'][number] | undefined =>
  state.plan?.exercises[state.planIndex];

/** After a set is stopped: move on to the next exercise once its sets are done. */
export function afterSet(state: LiveState): LiveState {
  const current = currentExercise(state);
  const setsDone = state.setsDone + 1;
  if (current && setsDone >= current.sets)
    return { ...state, planIndex: state.planIndex + 1, setsDone: 0, repsInSet: 0 };
  return { ...state, setsDone, repsInSet: 0 };
}

const fmt = (v: number | undefined, digits = 0, unit = ''): string =>
  v === undefined ? '–' : `${v.toFixed(digits)}${unit}`;

export function renderLiveView(input: {
  patientId: string;
  sessionId?: string;
  sensors: SensorStatus[];
  live: LiveState;
  outboxPending: number;
  broker: string;
  keys: boolean;
}): string[] {
  const lines = [
    `hipmon gateway — patient ${input.patientId}${input.sessionId ? `, session ${input.sessionId}` : ''}`,
    '',
  ];
  lines.push('sensor        state          rssi   battery   rate      samples  missing  drift');
  for (const s of input.sensors) {
    const battery =
      s.battery?.percent !== undefined
        ? `${s.battery.percent}%`
        : s.battery?.volts !== undefined
          ? `${s.battery.volts.toFixed(2)} V`
          : '–';
    lines.push(
      [
        s.role.padEnd(13),
        s.state.padEnd(14),
        fmt(s.rssi).padStart(4),
        battery.padStart(9),
        fmt(s.measuredRate, 1, ' Hz').padStart(9),
        String(s.samples).padStart(9),
        String(s.missing).padStart(8),
        fmt(s.driftPpm, 0, ' ppm').padStart(9),
      ].join(' '),
    );
    if (s.lastError && s.state !== 'connected') lines.push(`              ${s.lastError}`);
  }
  lines.push('');
  const exercise = currentExercise(input.live);
  lines.push(
    exercise
      ? `exercise: ${exercise.exercise}  set ${input.live.setsDone + 1}/${exercise.sets}  target ${exercise.reps} reps${exercise.targetRomDeg ? `, ${exercise.targetRomDeg}°` : ''}`
      : input.live.plan
        ? 'exercise: plan complete'
        : 'exercise: (no plan received yet)',
  );
  lines.push(
    `session: ${input.live.session?.state ?? '–'}   reps this set: ${input.live.repsInSet}   last ROM: ${fmt(input.live.lastRep?.rom, 1, '°')}`,
  );
  lines.push(`broker: ${input.broker}   outbox: ${input.outboxPending} frame(s) waiting`);
  if (input.live.message) lines.push(input.live.message);
  if (input.keys) lines.push('', 'keys: c calibrate · s start set · x stop set · q end session and quit');
  return lines;
}
