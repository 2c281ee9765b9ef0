export * from './errors.js';
export * from './types.js';
export * from './migrations.js';
export * from './precautions.js';
export { weekStartOf, postOpWeek, postOpWeekStart } from './time.js';
export { toPlanPayload, PLAN_LIMITS } from './plans.js';
export type { NewPlanVersion, PlanItemInput, PrecautionsInput } from './plans.js';
export type { NewUser, NewPatient, PatientProfileChanges } from './users.js';
export type { GatewayStatusUpdate } from './gateways.js';
export type { NewSession, SessionSummaryInput, SessionTotals, SessionReport } from './sessions.js';
export type { NewAlert } from './alerts.js';
export type {
  WeeklyAdherence,
  PatientListEntry,
  OpenAlert,
  ProgressPoint,
  ProgressWeek,
  ExerciseProgress,
  ProgressOptions,
} from './queries.js';
export { openMetadataStore } from './store.js';
export type { MetadataStore, OpenMetadataStoreOptions } from './store.js';
