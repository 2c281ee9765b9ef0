/**
 * A small clinic for the API tests: an in-memory metadata store on a settable clock, an in-memory SQLite series
 * store, two therapists each with one patient, a plan, one finished session with reps, an alert and a summary.
 */
import pino from 'pino';
import { openMetadataStore, SqliteSeriesStore } from '@hipmon/services';
import type { MetadataStore } from '@hipmon/services';
import type { RepEventPayload } from '@hipmon/core';
import { hashPassword } from './auth.js';

/** 2025-03-03T09:00:00Z, a Monday morning. */
export const T0 = Date.UTC(2025, 2, 3, 9);
export const PASSWORD = 'correct horse battery staple';

export const REPS: RepEventPayload[] = [1, 2, 3].map((rep) => ({
  exercise: 'standing_hip_abduction',
  side: 'left',
  set: 1,
  rep,
  start: 1000 + rep * 4,
  end: 1002.5 + rep * 4,
  peak: { flexion: 2 + rep / 10, abduction: 20 + rep, rotation: -1.5 },
  rom: 19.5 + rep,
}));

export async function buildClinic() {
  const clock = { now: T0 };
  const metadata: MetadataStore = openMetadataStore({ path: ':memory:', now: () => clock.now });
  const series = new SqliteSeriesStore({ path: ':memory:', flushIntervalMs: 50, logger: pino({ level: 'silent' }) });
  const passwordHash = await hashPassword(PASSWORD);
  const admin = metadata.createUser({ role: 'admin', login: 'admin', displayName: 'Admin', passwordHash });
  const alice = metadata.createUser({ role: 'therapist', login: 'alice', displayName: 'Alice', passwordHash });
  const bob = metadata.createUser({ role: 'therapist', login: 'bob', displayName: 'Bob', passwordHash });
  const p1 = metadata.createPatient({
    id: 'p1',
    displayName: 'Ann <b>O’Neil</b>',
    login: 'ann',
    passwordHash,
    treatedSide: 'left',
    surgeryType: 'tha_posterior',
    surgeryDate: '2025-02-10',
  });
  const p2 = metadata.createPatient({ id: 'p2', displayName: 'Ben', treatedSide: 'right', surgeryType: 'other' });
  metadata.assignTherapist(alice.id, p1.id);
  metadata.assignTherapist(bob.id, p2.id);
  metadata.createPlanVersion({
    patientId: 'p1',
    authorId: alice.id,
    sessionsPerWeek: 5,
    items: [{ exercise: 'standing_hip_abduction', sets: 1, reps: 3, targetRomDeg: 25 }],
  });
  clock.now = T0 + 3_600_000;
  metadata.startSession({ patientId: 'p1', sessionId: 's1', side: 'left', startedAt: clock.now });
  metadata.recordAlert({
    patientId: 'p1',
    sessionId: 's1',
    at: clock.now + 60_000,
    t: 1010,
    level: 'warning',
    kind: 'compensation',
    message: 'Trunk lean during abduction',
  });
  metadata.recordSessionSummary({
    patientId: 'p1',
    sessionId: 's1',
    exercises: [
      {
        exercise: 'standing_hip_abduction',
        setsDone: 1,
        repsDone: 3,
        partialReps: 0,
        peakRomDeg: { sagittal: 4.25, frontal: 23.04, transverse: null },
        timeUnderTensionS: 7.5,
        holdTimeS: 0,
      },
    ],
  });
  metadata.endSession('p1', 's1', clock.now + 600_000);
  metadata.startSession({ patientId: 'p2', sessionId: 's2', side: 'right', startedAt: clock.now });
  const ref = { patientId: 'p1', sessionId: 's1' };
  for (const rep of REPS) await series.writeRep(ref, rep);
  // 20 s of angles at 100 Hz: 2000 samples, more than a chart needs.
  const angles = Array.from({ length: 2000 }, (_, i) => ({
    t: 1000 + i / 100,
    side: 'left' as const,
    flexion: 2,
    abduction: 10 + 10 * Math.sin(i / 50),
    rotation: -1,
  }));
  await series.writeAngles(ref, angles);
  await series.flush();
  clock.now = T0 + 2 * 3_600_000;
  return { clock, metadata, series, users: { admin, alice, bob }, patients: { p1, p2 } };
}
