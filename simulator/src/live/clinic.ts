/** Many virtual patients at once, each its own gateway and MQTT connection, as `hipmon simulate --patients N`. */
import { patientProgramme } from './programme.js';
import type { ProgrammeOptions } from './programme.js';
import { runVirtualPatient } from './virtual-patient.js';
import type { VirtualPatientOptions, VirtualPatientReport } from './virtual-patient.js';

export interface ClinicOptions extends Omit<VirtualPatientOptions, 'patientId' | 'gatewayId' | 'programme'> {
  patients: number;
  programme?: ProgrammeOptions;
  /** Start the programmes again when they end, until the signal aborts. */
  loop?: boolean;
  /** Spread the patients' start times over this many seconds (wall clock) so their frames interleave. */
  staggerS?: number;
}

export const virtualPatientId = (index: number): string => `sim-patient-${String(index + 1).padStart(3, '0')}`;

export async function runVirtualClinic(options: ClinicOptions): Promise<VirtualPatientReport[]> {
  const { patients, programme, loop, staggerS, ...shared } = options;
  const one = async (index: number): Promise<VirtualPatientReport> => {
    const stagger = ((staggerS ?? 0) * 1000 * index) / Math.max(1, patients);
    if (stagger > 0) await new Promise((resolve) => setTimeout(resolve, stagger));
    const total: VirtualPatientReport = { patientId: virtualPatientId(index), sessions: [] };
    for (let round = 0; round === 0 || (loop && !shared.signal?.aborted); round++) {
      const report = await runVirtualPatient({
        ...shared,
        patientId: total.patientId,
        gatewayId: 'gw1',
        programme: patientProgramme(index, { ...programme, seed: `${String(programme?.seed ?? 1)}.${round}` }),
      });
      total.sessions.push(...report.sessions);
    }
    return total;
  };
  return Promise.all(Array.from({ length: patients }, (_, i) => one(i)));
}
