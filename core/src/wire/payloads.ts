/**
 * JSON payloads of the non-IMU topics. Messages *into* the service from homes (control) are strict objects so a
 * misspelt field is rejected, not silently ignored; messages the service or a gateway publishes for others
 * (live outputs, state, status, plan) drop unknown fields so a newer producer does not break an older consumer.
 * Times are seconds on the gateway clock (the clock of the IMU frames the values were computed from); angles are
 * degrees with the clinical signs of the design brief (flexion +, abduction +, internal rotation +).
 */
import { z } from 'zod';
import { EXERCISE_IDS } from '../exercises/catalogue.js';
import { SENSOR_ROLES } from './types.js';
import type { TopicKind } from './topics.js';

const seconds = z.number().min(0);
const degrees = z.number().min(-360).max(360);
/** Exercise ids are the catalogue ids of the design brief, e.g. standing_hip_abduction. */
export const exerciseIdSchema = z.enum(EXERCISE_IDS);
export const sideSchema = z.enum(['left', 'right']);
const count = z.number().int().min(0);
const ordinal = z.number().int().min(1);

export const hipAnglesSchema = z.object({ flexion: degrees, abduction: degrees, rotation: degrees });

/** `live/…/angles`, ~25 Hz, QoS 0. */
export const liveAnglesPayloadSchema = z.object({ t: seconds, side: sideSchema }).extend(hipAnglesSchema.shape);
export type LiveAnglesPayload = z.output<typeof liveAnglesPayloadSchema>;

/** `live/…/reps`: one completed repetition (or hold), published when it ends. */
export const repEventPayloadSchema = z
  .object({
    exercise: exerciseIdSchema,
    side: sideSchema,
    set: ordinal,
    rep: ordinal,
    start: seconds,
    end: seconds,
    peak: hipAnglesSchema,
    rom: z.number().min(0).max(360),
  })
  .refine((r) => r.end >= r.start, { message: 'end must not precede start', path: ['end'] });
export type RepEventPayload = z.output<typeof repEventPayloadSchema>;

/** `live/…/alerts`: something a therapist or the patient should know now. */
export const alertPayloadSchema = z.object({
  t: seconds,
  level: z.enum(['info', 'warning', 'critical']),
  /** e.g. sensor_disconnected, calibration_failed, rom_above_limit, compensation */
  code: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/),
  message: z.string().max(500),
});
export type AlertPayload = z.output<typeof alertPayloadSchema>;

export const SESSION_STATES = ['idle', 'calibrating', 'ready', 'in_set', 'resting', 'ended'] as const;

/** `live/…/state`, retained: where the session is now, so a dashboard opened mid-session catches up. */
export const sessionStatePayloadSchema = z.object({
  t: seconds,
  state: z.enum(SESSION_STATES),
  side: sideSchema.optional(),
  exercise: exerciseIdSchema.optional(),
  set: ordinal.optional(),
  reps: count.optional(),
  targetReps: ordinal.optional(),
});
export type SessionStatePayload = z.output<typeof sessionStatePayloadSchema>;

/**
 * `gateway/…/status`, retained. `{"state":"offline"}` alone is the gateway's MQTT last will, so everything but
 * `state` is optional (a will is fixed at connect time and cannot carry a fresh clock reading).
 */
export const gatewayStatusPayloadSchema = z.object({
  state: z.enum(['online', 'offline']),
  t: seconds.optional(),
  software: z.string().max(64).optional(),
  sensors: z
    .array(
      z.object({
        role: z.enum(SENSOR_ROLES),
        sensorId: z.string().max(64).optional(),
        connected: z.boolean(),
        batteryPct: z.number().min(0).max(100).optional(),
        rssiDbm: z.number().min(-150).max(20).optional(),
      }),
    )
    .max(8)
    .optional(),
});
export type GatewayStatusPayload = z.output<typeof gatewayStatusPayloadSchema>;

const controlBase = {
  /** gateway clock, s, when the patient pressed the button */
  t: seconds.optional(),
  /** echoed in the resulting session state/alert so a UI can match its request */
  requestId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
};

/** `control/…`: what a gateway (patient's button, app) asks the service to do with a session. */
export const controlPayloadSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('start_session'), side: sideSchema, ...controlBase }),
  z.strictObject({ type: z.literal('calibrate'), ...controlBase }),
  z.strictObject({
    type: z.literal('start_set'),
    exercise: exerciseIdSchema,
    set: ordinal.optional(),
    targetReps: ordinal.optional(),
    ...controlBase,
  }),
  z.strictObject({ type: z.literal('stop_set'), ...controlBase }),
  z.strictObject({ type: z.literal('end_session'), ...controlBase }),
]);
export type ControlPayload = z.output<typeof controlPayloadSchema>;

/** Hip angle bounds (degrees, clinical signs) a precaution allows; a missing bound means no limit that way. */
export const angleLimitSchema = z
  .object({ min: degrees.optional(), max: degrees.optional() })
  .refine((l) => l.min === undefined || l.max === undefined || l.min < l.max, {
    message: 'min must be below max',
    path: ['max'],
  });
export type AngleLimit = z.output<typeof angleLimitSchema>;

/**
 * `plan/<patientId>`, retained, service → gateway. `version` increases with every change. Everything after
 * `version`/`exercises`/`sets`/`reps` is optional, so the first (minimal) form of the plan still validates.
 */
export const planPayloadSchema = z.object({
  version: ordinal,
  exercises: z
    .array(
      z.object({
        exercise: exerciseIdSchema,
        sets: ordinal,
        reps: ordinal,
        targetRomDeg: z.number().gt(0).max(180).optional(),
        holdSeconds: z.number().gt(0).max(600).optional(),
        /** seconds per repetition (up, top, down; pauses excluded), as `hipmon simulate --tempo` */
        tempoSeconds: z.number().gt(0).max(60).optional(),
        notes: z.string().max(500).optional(),
      }),
    )
    .max(50),
  /** treated side, so the gateway can open a session (`start_session` needs it) without asking */
  side: sideSchema.optional(),
  sessionsPerWeek: z.number().int().min(1).max(21).optional(),
  /** movement limits: a named preset (e.g. posterior_tha) and the effective bounds per hip angle */
  precautions: z
    .object({
      preset: z
        .string()
        .regex(/^[a-z][a-z0-9_]{0,63}$/)
        .optional(),
      limits: z.object({
        flexion: angleLimitSchema.optional(),
        abduction: angleLimitSchema.optional(),
        rotation: angleLimitSchema.optional(),
      }),
    })
    .optional(),
  notes: z.string().max(2000).optional(),
});
export type PlanPayload = z.output<typeof planPayloadSchema>;

/** The schema of every JSON topic, by topic kind (IMU frames have their own codec). */
export const PAYLOAD_SCHEMAS = {
  angles: liveAnglesPayloadSchema,
  reps: repEventPayloadSchema,
  alerts: alertPayloadSchema,
  session_state: sessionStatePayloadSchema,
  gateway_status: gatewayStatusPayloadSchema,
  control: controlPayloadSchema,
  plan: planPayloadSchema,
} as const satisfies Record<Exclude<TopicKind, 'imu'>, z.ZodType>;
