/**
 * Users (admins, therapists, patients), patient profiles, therapist ↔ patient assignments, and the one rule
 * every read path relies on: who may see which patient.
 *   - an admin sees every patient;
 *   - a therapist sees the patients assigned to them, and no other;
 *   - a patient sees their own profile;
 *   - a disabled user sees nobody.
 */
import { TOPIC_ID_PATTERN } from '@hipmon/core';
import type { Side } from '@hipmon/core';
import type { StoreContext } from './database.js';
import { MetadataError, translateSqliteError } from './errors.js';
import { SURGERY_TYPES, USER_ROLES } from './types.js';
import type { Patient, SurgeryType, UnixMs, User, UserCredentials, UserRole } from './types.js';
import {
  checkCalendarDate,
  checkInt,
  checkObject,
  checkOneOf,
  checkString,
  checkUnixMs,
  invalid,
  optional,
} from './validate.js';

export interface NewUser {
  role: UserRole;
  /** required for admins and therapists; case-insensitive unique */
  login?: string | null;
  email?: string | null;
  displayName: string;
  /** an argon2 PHC string (`$argon2id$…`) made by the dashboard; the store never sees a password */
  passwordHash?: string | null;
  createdAt?: UnixMs;
}

export interface NewPatient {
  /** the MQTT patient id */
  id: string;
  displayName: string;
  login?: string | null;
  email?: string | null;
  passwordHash?: string | null;
  treatedSide: Side;
  surgeryType: SurgeryType;
  surgeryDate?: string | null;
  notes?: string;
  createdAt?: UnixMs;
}

export interface PatientProfileChanges {
  displayName?: string;
  treatedSide?: Side;
  surgeryType?: SurgeryType;
  surgeryDate?: string | null;
  notes?: string;
}

const LOGIN = /^[A-Za-z0-9._@+-]{3,254}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ARGON2_PHC = /^\$argon2(id|i|d)\$\S+$/;

const USER_COLUMNS = `u.id, u.role, u.login, u.email, u.display_name AS displayName, u.created_at AS createdAt,
  u.disabled_at AS disabledAt`;
const PATIENT_COLUMNS = `p.id, p.user_id AS userId, u.display_name AS displayName, p.treated_side AS treatedSide,
  p.surgery_type AS surgeryType, p.surgery_date AS surgeryDate, p.notes`;

/**
 * The visibility rule as one SQL predicate over a patient row `p` and the parameter `@viewer`, shared by every
 * query that lists patients or their data so the rule exists in exactly one place.
 */
export const VISIBLE_TO_VIEWER = `EXISTS (
  SELECT 1 FROM users v WHERE v.id = @viewer AND v.disabled_at IS NULL AND (
    v.role = 'admin'
    OR (v.role = 'therapist' AND EXISTS (
      SELECT 1 FROM therapist_patients tp WHERE tp.therapist_id = v.id AND tp.patient_id = p.id))
    OR (v.role = 'patient' AND p.user_id = v.id)))`;

function checkUserFields(input: Record<string, unknown>, path: string) {
  return {
    login: optional(input.login, (v) => checkString(v, `${path}.login`, { max: 254, pattern: LOGIN })),
    email: optional(input.email, (v) => checkString(v, `${path}.email`, { max: 254, pattern: EMAIL })),
    displayName: checkString(input.displayName, `${path}.displayName`, { min: 1, max: 200 }).trim(),
    passwordHash: optional(input.passwordHash, (v) =>
      checkString(v, `${path}.passwordHash`, { max: 1024, pattern: ARGON2_PHC }),
    ),
  };
}

export function createUserStore({ db, now }: StoreContext) {
  const insertUser = db.prepare(`INSERT INTO users (role, login, email, display_name, password_hash, created_at)
    VALUES (@role, @login, @email, @displayName, @passwordHash, @createdAt)`);
  const selectUser = db.prepare(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = ?`);
  const selectCredentials = db.prepare(
    `SELECT ${USER_COLUMNS}, u.password_hash AS passwordHash FROM users u WHERE u.login = ?`,
  );
  const selectUsers = db.prepare(
    `SELECT ${USER_COLUMNS} FROM users u WHERE @role IS NULL OR u.role = @role ORDER BY u.display_name, u.id`,
  );
  const updatePassword = db.prepare('UPDATE users SET password_hash = ? WHERE id = ?');
  const updateDisabled = db.prepare('UPDATE users SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL');
  const updateDisplayName = db.prepare('UPDATE users SET display_name = ? WHERE id = ?');
  const insertPatient = db.prepare(`INSERT INTO patients (id, user_id, treated_side, surgery_type, surgery_date, notes)
    VALUES (@id, @userId, @treatedSide, @surgeryType, @surgeryDate, @notes)`);
  const selectPatient = db.prepare(`SELECT ${PATIENT_COLUMNS} FROM patients p JOIN users u ON u.id = p.user_id
    WHERE p.id = ?`);
  const updatePatient = db.prepare(`UPDATE patients SET treated_side = @treatedSide, surgery_type = @surgeryType,
    surgery_date = @surgeryDate, notes = @notes WHERE id = @id`);
  const insertAssignment = db.prepare(`INSERT INTO therapist_patients (therapist_id, patient_id, assigned_at)
    VALUES (?, ?, ?) ON CONFLICT (therapist_id, patient_id) DO NOTHING`);
  const deleteAssignment = db.prepare('DELETE FROM therapist_patients WHERE therapist_id = ? AND patient_id = ?');
  const selectTherapists = db.prepare(`SELECT ${USER_COLUMNS} FROM therapist_patients tp
    JOIN users u ON u.id = tp.therapist_id WHERE tp.patient_id = ? ORDER BY u.display_name, u.id`);
  const selectVisible = db.prepare(`SELECT ${PATIENT_COLUMNS} FROM patients p JOIN users u ON u.id = p.user_id
    WHERE ${VISIBLE_TO_VIEWER} ORDER BY u.display_name COLLATE NOCASE, p.id`);
  const selectCanSee = db.prepare(`SELECT 1 FROM patients p WHERE p.id = @patient AND ${VISIBLE_TO_VIEWER}`);

  function getUser(id: number): User | null {
    return (selectUser.get(checkInt(id, 'userId', 1, Number.MAX_SAFE_INTEGER)) as User | undefined) ?? null;
  }

  function requireUser(id: number, path = 'userId'): User {
    const user = getUser(checkInt(id, path, 1, Number.MAX_SAFE_INTEGER));
    if (!user) throw new MetadataError('not_found', `${path}: no user ${id}`);
    return user;
  }

  function requirePatient(id: string): Patient {
    const patient = getPatient(id);
    if (!patient) throw new MetadataError('not_found', `no patient ${JSON.stringify(id)}`);
    return patient;
  }

  function getPatient(id: string): Patient | null {
    return (selectPatient.get(checkPatientId(id)) as Patient | undefined) ?? null;
  }

  function insertCheckedUser(role: UserRole, fields: ReturnType<typeof checkUserFields>, createdAt: UnixMs): number {
    if (role !== 'patient' && fields.login === null) invalid('user.login', `is required for a ${role}`);
    try {
      return Number(insertUser.run({ role, ...fields, createdAt }).lastInsertRowid);
    } catch (error) {
      translateSqliteError(error, `user ${fields.login ?? fields.email ?? fields.displayName}`);
    }
  }

  function canSeePatient(userId: number, patientId: string): boolean {
    if (!Number.isInteger(userId) || typeof patientId !== 'string') return false;
    return selectCanSee.get({ viewer: userId, patient: patientId }) !== undefined;
  }

  return {
    createUser(input: NewUser): User {
      const fields = checkObject(input, 'user', ['role', 'login', 'email', 'displayName', 'passwordHash', 'createdAt']);
      const role = checkOneOf(fields.role, 'user.role', USER_ROLES);
      if (role === 'patient') invalid('user.role', 'patients are created with createPatient (they need a profile)');
      const createdAt = optional(fields.createdAt, (v) => checkUnixMs(v, 'user.createdAt')) ?? now();
      return getUser(insertCheckedUser(role, checkUserFields(fields, 'user'), createdAt))!;
    },

    getUser,

    /** For the login form: the user and their password hash, by case-insensitive login. */
    findUserByLogin(login: string): UserCredentials | null {
      if (typeof login !== 'string') return null;
      return (selectCredentials.get(login) as UserCredentials | undefined) ?? null;
    },

    listUsers(role?: UserRole): User[] {
      return selectUsers.all({ role: role === undefined ? null : checkOneOf(role, 'role', USER_ROLES) }) as User[];
    },

    setPasswordHash(userId: number, passwordHash: string): void {
      requireUser(userId);
      updatePassword.run(checkString(passwordHash, 'passwordHash', { max: 1024, pattern: ARGON2_PHC }), userId);
    },

    /** Disables a login; the user's records stay (history must survive the person leaving). */
    disableUser(userId: number, at: UnixMs = now()): User {
      requireUser(userId);
      updateDisabled.run(checkUnixMs(at, 'at'), userId);
      return getUser(userId)!;
    },

    /** A patient is a user (role patient, login optional) plus a profile, created together or not at all. */
    createPatient(input: NewPatient): Patient {
      const fields = checkObject(input, 'patient', [
        'id',
        'displayName',
        'login',
        'email',
        'passwordHash',
        'treatedSide',
        'surgeryType',
        'surgeryDate',
        'notes',
        'createdAt',
      ]);
      const id = checkPatientId(fields.id, 'patient.id');
      const user = checkUserFields(fields, 'patient');
      const profile = {
        id,
        treatedSide: checkOneOf(fields.treatedSide, 'patient.treatedSide', ['left', 'right'] as const),
        surgeryType: checkOneOf(fields.surgeryType, 'patient.surgeryType', SURGERY_TYPES),
        surgeryDate: optional(fields.surgeryDate, (v) => checkCalendarDate(v, 'patient.surgeryDate')),
        notes: optional(fields.notes, (v) => checkString(v, 'patient.notes', { max: 5000 })) ?? '',
      };
      const createdAt = optional(fields.createdAt, (v) => checkUnixMs(v, 'patient.createdAt')) ?? now();
      db.transaction(() => {
        const userId = insertCheckedUser('patient', user, createdAt);
        try {
          insertPatient.run({ ...profile, userId });
        } catch (error) {
          translateSqliteError(error, `patient ${id}`);
        }
      }).immediate();
      return getPatient(id)!;
    },

    getPatient,

    updatePatientProfile(patientId: string, changes: PatientProfileChanges): Patient {
      const current = requirePatient(patientId);
      const fields = checkObject(changes, 'changes', [
        'displayName',
        'treatedSide',
        'surgeryType',
        'surgeryDate',
        'notes',
      ]);
      const next = {
        id: current.id,
        treatedSide:
          fields.treatedSide === undefined
            ? current.treatedSide
            : checkOneOf(fields.treatedSide, 'changes.treatedSide', ['left', 'right'] as const),
        surgeryType:
          fields.surgeryType === undefined
            ? current.surgeryType
            : checkOneOf(fields.surgeryType, 'changes.surgeryType', SURGERY_TYPES),
        surgeryDate:
          fields.surgeryDate === undefined
            ? current.surgeryDate
            : optional(fields.surgeryDate, (v) => checkCalendarDate(v, 'changes.surgeryDate')),
        notes: fields.notes === undefined ? current.notes : checkString(fields.notes, 'changes.notes', { max: 5000 }),
      };
      const displayName =
        fields.displayName === undefined
          ? current.displayName
          : checkString(fields.displayName, 'changes.displayName', { min: 1, max: 200 }).trim();
      db.transaction(() => {
        updatePatient.run(next);
        updateDisplayName.run(displayName, current.userId);
      }).immediate();
      return getPatient(patientId)!;
    },

    /** Returns true when the assignment is new, false when it already existed. */
    assignTherapist(therapistId: number, patientId: string, at: UnixMs = now()): boolean {
      const therapist = requireUser(therapistId, 'therapistId');
      if (therapist.role !== 'therapist') invalid('therapistId', `user ${therapistId} is a ${therapist.role}`);
      if (therapist.disabledAt !== null) invalid('therapistId', `user ${therapistId} is disabled`);
      requirePatient(patientId);
      return insertAssignment.run(therapistId, patientId, checkUnixMs(at, 'at')).changes === 1;
    },

    /** Returns true when an assignment was removed. */
    unassignTherapist(therapistId: number, patientId: string): boolean {
      return deleteAssignment.run(therapistId, patientId).changes === 1;
    },

    therapistsOf(patientId: string): User[] {
      return selectTherapists.all(checkPatientId(patientId)) as User[];
    },

    /** The patients `userId` may see (see the rule at the top of this file), by display name. */
    patientsVisibleTo(userId: number): Patient[] {
      if (!Number.isInteger(userId)) return [];
      return selectVisible.all({ viewer: userId }) as Patient[];
    },

    canSeePatient,

    /** Throws MetadataError('forbidden') unless `userId` may see the patient (also when there is no such patient). */
    assertCanSeePatient(userId: number, patientId: string): void {
      if (!canSeePatient(userId, patientId)) {
        throw new MetadataError('forbidden', `user ${userId} may not see patient ${JSON.stringify(patientId)}`);
      }
    },

    requireUser,
    requirePatient,
  };
}

export type UserStore = ReturnType<typeof createUserStore>;

export function checkPatientId(value: unknown, path = 'patientId'): string {
  return checkString(value, path, { min: 1, max: 64, pattern: TOPIC_ID_PATTERN });
}
