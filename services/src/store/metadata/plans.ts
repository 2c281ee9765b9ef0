/**
 * Exercise plans, versioned per patient. A version is immutable; a change is a whole new version numbered one
 * above the last. A session records the version in force when it started, so a change applies from the next
 * session and every past session keeps the prescription it was done against.
 */
import { EXERCISE_IDS, HIP_ANGLE_NAMES, planPayloadSchema } from '@hipmon/core';
import type { ExerciseId, HipAngleName, PlanPayload } from '@hipmon/core';
import type { StoreContext } from './database.js';
import { MetadataError } from './errors.js';
import { PRECAUTION_PRESET_NAMES, effectiveLimits, targetViolation } from './precautions.js';
import type { PrecautionPreset } from './precautions.js';
import type { AngleBounds, AngleLimits, Patient, PlanItem, PlanVersion, UnixMs } from './types.js';
import type { UserStore } from './users.js';
import {
  checkInt,
  checkNumber,
  checkObject,
  checkOneOf,
  checkString,
  checkUnixMs,
  invalid,
  optional,
} from './validate.js';

export interface PlanItemInput {
  exercise: ExerciseId;
  sets: number;
  reps: number;
  targetRomDeg?: number | null;
  holdSeconds?: number | null;
  tempoSeconds?: number | null;
  notes?: string;
}

export interface PrecautionsInput {
  preset?: PrecautionPreset | null;
  /** bounds that replace the preset's (or stand alone without a preset) */
  limits?: AngleLimits;
}

export interface NewPlanVersion {
  patientId: string;
  /** a therapist assigned to the patient, or an admin */
  authorId: number;
  sessionsPerWeek: number;
  items: PlanItemInput[];
  precautions?: PrecautionsInput;
  notes?: string;
  createdAt?: UnixMs;
}

/** Limits shared with the wire schema, so a stored plan always makes a valid retained payload. */
export const PLAN_LIMITS = {
  items: 50,
  sets: 20,
  reps: 100,
  itemNotes: 500,
  planNotes: 2000,
  sessionsPerWeek: 21,
} as const;

interface VersionRow {
  patientId: string;
  version: number;
  createdAt: UnixMs;
  createdBy: number;
  sessionsPerWeek: number;
  preset: string | null;
  notes: string;
  flexion_min: number | null;
  flexion_max: number | null;
  abduction_min: number | null;
  abduction_max: number | null;
  rotation_min: number | null;
  rotation_max: number | null;
}

function checkBounds(value: unknown, path: string): AngleBounds {
  const fields = checkObject(value, path, ['min', 'max']);
  const bounds: AngleBounds = {};
  const min = optional(fields.min, (v) => checkNumber(v, `${path}.min`, { min: -180, max: 180 }));
  const max = optional(fields.max, (v) => checkNumber(v, `${path}.max`, { min: -180, max: 180 }));
  if (min !== null) bounds.min = min;
  if (max !== null) bounds.max = max;
  return bounds;
}

function checkPrecautions(value: unknown): { preset: PrecautionPreset | null; limits: AngleLimits } {
  if (value === undefined || value === null) return { preset: null, limits: {} };
  const fields = checkObject(value, 'plan.precautions', ['preset', 'limits']);
  const preset = optional(fields.preset, (v) => checkOneOf(v, 'plan.precautions.preset', PRECAUTION_PRESET_NAMES));
  const custom: AngleLimits = {};
  if (fields.limits !== undefined && fields.limits !== null) {
    const limits = checkObject(fields.limits, 'plan.precautions.limits', HIP_ANGLE_NAMES);
    for (const angle of HIP_ANGLE_NAMES) {
      if (limits[angle] !== undefined) custom[angle] = checkBounds(limits[angle], `plan.precautions.limits.${angle}`);
    }
  }
  const effective = effectiveLimits(preset, custom);
  for (const angle of HIP_ANGLE_NAMES) {
    const b = effective[angle];
    if (b?.min !== undefined && b.max !== undefined && b.min >= b.max) {
      invalid(`plan.precautions.limits.${angle}`, `min ${b.min}° must be below max ${b.max}° (after the preset)`);
    }
  }
  return { preset, limits: effective };
}

function checkItem(value: unknown, index: number, limits: AngleLimits): Omit<PlanItem, 'position'> {
  const path = `plan.items[${index}]`;
  const fields = checkObject(value, path, [
    'exercise',
    'sets',
    'reps',
    'targetRomDeg',
    'holdSeconds',
    'tempoSeconds',
    'notes',
  ]);
  const exercise = checkOneOf(fields.exercise, `${path}.exercise`, EXERCISE_IDS);
  const item = {
    exercise,
    sets: checkInt(fields.sets, `${path}.sets`, 1, PLAN_LIMITS.sets),
    reps: checkInt(fields.reps, `${path}.reps`, 1, PLAN_LIMITS.reps),
    targetRomDeg: optional(fields.targetRomDeg, (v) => checkNumber(v, `${path}.targetRomDeg`, { gt: 0, max: 180 })),
    holdSeconds: optional(fields.holdSeconds, (v) => checkNumber(v, `${path}.holdSeconds`, { gt: 0, max: 600 })),
    tempoSeconds: optional(fields.tempoSeconds, (v) => checkNumber(v, `${path}.tempoSeconds`, { gt: 0, max: 60 })),
    notes: optional(fields.notes, (v) => checkString(v, `${path}.notes`, { max: PLAN_LIMITS.itemNotes })) ?? '',
  };
  if (item.targetRomDeg !== null) {
    const violation = targetViolation(exercise, item.targetRomDeg, limits);
    if (violation) invalid(`${path}.targetRomDeg`, `${exercise}: ${violation}`);
  }
  return item;
}

function toPlanVersion(row: VersionRow, items: PlanItem[]): PlanVersion {
  const limits: AngleLimits = {};
  for (const angle of HIP_ANGLE_NAMES) {
    const min = row[`${angle}_min`];
    const max = row[`${angle}_max`];
    if (min !== null || max !== null) {
      limits[angle] = { ...(min !== null && { min }), ...(max !== null && { max }) };
    }
  }
  return {
    patientId: row.patientId,
    version: row.version,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    sessionsPerWeek: row.sessionsPerWeek,
    precautions: { preset: row.preset, limits },
    notes: row.notes,
    items,
  };
}

/**
 * The retained `plan/<patientId>` payload for a plan version: absent optional values are left out, not sent as
 * null. Validated against the wire schema, so a store bug surfaces here rather than at every gateway.
 */
export function toPlanPayload(plan: PlanVersion, patient?: Pick<Patient, 'treatedSide'>): PlanPayload {
  const limits: Partial<Record<HipAngleName, AngleBounds>> = plan.precautions.limits;
  const hasPrecautions = plan.precautions.preset !== null || Object.keys(limits).length > 0;
  return planPayloadSchema.parse({
    version: plan.version,
    exercises: plan.items.map((item) => ({
      exercise: item.exercise,
      sets: item.sets,
      reps: item.reps,
      ...(item.targetRomDeg !== null && { targetRomDeg: item.targetRomDeg }),
      ...(item.holdSeconds !== null && { holdSeconds: item.holdSeconds }),
      ...(item.tempoSeconds !== null && { tempoSeconds: item.tempoSeconds }),
      ...(item.notes !== '' && { notes: item.notes }),
    })),
    ...(patient && { side: patient.treatedSide }),
    sessionsPerWeek: plan.sessionsPerWeek,
    ...(hasPrecautions && {
      precautions: { ...(plan.precautions.preset !== null && { preset: plan.precautions.preset }), limits },
    }),
    ...(plan.notes !== '' && { notes: plan.notes }),
  });
}

export function createPlanStore({ db, now }: StoreContext, users: UserStore) {
  const selectLastVersion = db.prepare('SELECT max(version) AS v FROM plan_versions WHERE patient_id = ?');
  const insertVersion = db.prepare(`INSERT INTO plan_versions (patient_id, version, created_at, created_by,
      sessions_per_week, precaution_preset, flexion_min, flexion_max, abduction_min, abduction_max, rotation_min,
      rotation_max, notes)
    VALUES (@patientId, @version, @createdAt, @createdBy, @sessionsPerWeek, @preset, @flexion_min, @flexion_max,
      @abduction_min, @abduction_max, @rotation_min, @rotation_max, @notes)`);
  const insertItem = db.prepare(`INSERT INTO plan_items (patient_id, version, position, exercise, sets, reps,
      target_rom_deg, hold_seconds, tempo_seconds, notes)
    VALUES (@patientId, @version, @position, @exercise, @sets, @reps, @targetRomDeg, @holdSeconds, @tempoSeconds,
      @notes)`);
  const VERSION_COLUMNS = `patient_id AS patientId, version, created_at AS createdAt, created_by AS createdBy,
    sessions_per_week AS sessionsPerWeek, precaution_preset AS preset, notes, flexion_min, flexion_max,
    abduction_min, abduction_max, rotation_min, rotation_max`;
  const selectVersion = db.prepare(`SELECT ${VERSION_COLUMNS} FROM plan_versions WHERE patient_id = ? AND version = ?`);
  const selectCurrent = db.prepare(
    `SELECT ${VERSION_COLUMNS} FROM plan_versions WHERE patient_id = ? ORDER BY version DESC LIMIT 1`,
  );
  const selectInForceAt = db.prepare(`SELECT ${VERSION_COLUMNS} FROM plan_versions
    WHERE patient_id = ? AND created_at <= ? ORDER BY version DESC LIMIT 1`);
  const selectAllVersions = db.prepare(
    `SELECT ${VERSION_COLUMNS} FROM plan_versions WHERE patient_id = ? ORDER BY version DESC`,
  );
  const selectItems = db.prepare(`SELECT position, exercise, sets, reps, target_rom_deg AS targetRomDeg,
      hold_seconds AS holdSeconds, tempo_seconds AS tempoSeconds, notes
    FROM plan_items WHERE patient_id = ? AND version = ? ORDER BY position`);

  const withItems = (row: VersionRow | undefined): PlanVersion | null =>
    row ? toPlanVersion(row, selectItems.all(row.patientId, row.version) as PlanItem[]) : null;

  function currentPlan(patientId: string): PlanVersion | null {
    users.requirePatient(patientId);
    return withItems(selectCurrent.get(patientId) as VersionRow | undefined);
  }

  return {
    /**
     * Stores the next version of the patient's plan (the whole list, in order) and returns it. The author must be
     * an active therapist assigned to the patient, or an admin.
     */
    createPlanVersion(input: NewPlanVersion): PlanVersion {
      const fields = checkObject(input, 'plan', [
        'patientId',
        'authorId',
        'sessionsPerWeek',
        'items',
        'precautions',
        'notes',
        'createdAt',
      ]);
      const patient = users.requirePatient(fields.patientId as string);
      const author = users.requireUser(fields.authorId as number, 'plan.authorId');
      if (author.role === 'patient' || !users.canSeePatient(author.id, patient.id)) {
        throw new MetadataError('forbidden', `user ${author.id} may not prescribe for patient ${patient.id}`);
      }
      const sessionsPerWeek = checkInt(fields.sessionsPerWeek, 'plan.sessionsPerWeek', 1, PLAN_LIMITS.sessionsPerWeek);
      const precautions = checkPrecautions(fields.precautions);
      if (!Array.isArray(fields.items) || fields.items.length === 0 || fields.items.length > PLAN_LIMITS.items) {
        invalid('plan.items', `must be a list of 1…${PLAN_LIMITS.items} exercises`);
      }
      const items = fields.items.map((item, i) => checkItem(item, i, precautions.limits));
      const seen = new Set<ExerciseId>();
      items.forEach((item, i) => {
        if (seen.has(item.exercise)) invalid(`plan.items[${i}].exercise`, `${item.exercise} is already in the plan`);
        seen.add(item.exercise);
      });
      const notes = optional(fields.notes, (v) => checkString(v, 'plan.notes', { max: PLAN_LIMITS.planNotes })) ?? '';
      const createdAt = optional(fields.createdAt, (v) => checkUnixMs(v, 'plan.createdAt')) ?? now();
      const bounds = Object.fromEntries(
        HIP_ANGLE_NAMES.flatMap((a) => [
          [`${a}_min`, precautions.limits[a]?.min ?? null],
          [`${a}_max`, precautions.limits[a]?.max ?? null],
        ]),
      );

      // IMMEDIATE: the write lock is taken before reading max(version), so two editors cannot both get version n.
      const version = db
        .transaction(() => {
          const last = (selectLastVersion.get(patient.id) as { v: number | null }).v ?? 0;
          const next = last + 1;
          insertVersion.run({
            patientId: patient.id,
            version: next,
            createdAt,
            createdBy: author.id,
            sessionsPerWeek,
            preset: precautions.preset,
            notes,
            ...bounds,
          });
          items.forEach((item, i) =>
            insertItem.run({ patientId: patient.id, version: next, position: i + 1, ...item }),
          );
          return next;
        })
        .immediate();
      return withItems(selectVersion.get(patient.id, version) as VersionRow)!;
    },

    /** The latest version, or null when the patient has no plan yet. */
    currentPlan,

    planVersion(patientId: string, version: number): PlanVersion | null {
      users.requirePatient(patientId);
      return withItems(selectVersion.get(patientId, version) as VersionRow | undefined);
    },

    /** The version in force at `at`: the last one created at or before it. */
    planInForceAt(patientId: string, at: UnixMs): PlanVersion | null {
      users.requirePatient(patientId);
      return withItems(selectInForceAt.get(patientId, checkUnixMs(at, 'at')) as VersionRow | undefined);
    },

    /** Every version, newest first. */
    planHistory(patientId: string): PlanVersion[] {
      users.requirePatient(patientId);
      return (selectAllVersions.all(patientId) as VersionRow[]).map((row) => withItems(row)!);
    },

    /** What to publish retained on `plan/<patientId>`: the current plan with the treated side, or null. */
    planPayload(patientId: string): PlanPayload | null {
      const patient = users.requirePatient(patientId);
      const plan = currentPlan(patientId);
      return plan ? toPlanPayload(plan, patient) : null;
    },
  };
}

export type PlanStore = ReturnType<typeof createPlanStore>;
