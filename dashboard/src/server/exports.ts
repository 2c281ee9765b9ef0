/**
 * Session exports: the per-rep CSV, a printable HTML report, and an HL7 FHIR R4 Bundle of hip range-of-motion
 * Observations.
 *
 * Coding of the Observations: LOINC has joint-specific active-range-of-motion codes for the shoulder (e.g.
 * 41387-2 "Shoulder External rotation Active Range of Motion Quantitative") but no code for hip ROM could be
 * verified, and LOINC 92851-5 ("Range of motion during assessment period [CMS Assessment] Lower extremity") is an
 * impairment item, not a measurement in degrees. So each Observation is coded in hipmon's own code system
 * (`HIPMON_CODE_SYSTEM`, one code per plane: hip-flexion-rom, hip-abduction-rom, hip-rotation-rom) with a readable
 * `code.text`, category `exam`, value in UCUM degrees (`deg`); a receiving system maps the local code to its own
 * vocabulary (or to LOINC once a hip code is confirmed) with a ConceptMap.
 */
import type { Patient } from '@hipmon/services';
import type { RepRow, SessionDetail } from './session-detail.js';

export const REPS_CSV_HEADER = [
  'set',
  'rep',
  'exercise',
  'side',
  'start_s',
  'end_s',
  'duration_s',
  'peak_flexion_deg',
  'peak_abduction_deg',
  'peak_rotation_deg',
  'rom_deg',
  'target_rom_deg',
];

const num = (v: number | null, digits = 2) => (v === null ? '' : String(Number(v.toFixed(digits))));

/** One row per repetition (or hold), in time order; times on the gateway clock, angles in degrees. */
export function repsCsv(reps: readonly RepRow[]): string {
  const lines = [REPS_CSV_HEADER.join(',')];
  for (const r of reps) {
    lines.push(
      [
        r.set,
        r.rep,
        r.exercise,
        r.side,
        num(r.start, 3),
        num(r.end, 3),
        num(r.durationS, 3),
        num(r.peak.flexion),
        num(r.peak.abduction),
        num(r.peak.rotation),
        num(r.rom),
        num(r.targetRomDeg),
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/** A self-contained page (no script, inline print styles) the browser prints or saves as PDF. */
export function sessionReportHtml(patient: Patient, detail: SessionDetail): string {
  const { session, exercises, totals } = detail.report;
  const e = escapeHtml;
  const when = new Date(session.startedAt).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  const exerciseRows = exercises
    .map(
      (x) =>
        `<tr><td>${e(x.exercise)}</td><td>${x.setsDone}/${x.prescribedSets}</td><td>${x.repsDone}/${x.prescribedReps}</td>` +
        `<td>${x.partialReps}</td><td>${num(x.peakRomDeg.sagittal, 1)}</td><td>${num(x.peakRomDeg.frontal, 1)}</td>` +
        `<td>${num(x.peakRomDeg.transverse, 1)}</td><td>${num(x.holdTimeS, 1)}</td></tr>`,
    )
    .join('');
  const repRows = detail.reps
    .map(
      (r) =>
        `<tr><td>${e(r.exercise)}</td><td>${r.set}</td><td>${r.rep}</td><td>${num(r.durationS, 1)}</td>` +
        `<td>${num(r.rom, 1)}</td><td>${num(r.targetRomDeg, 1)}</td><td>${num(r.peak.flexion, 1)}</td>` +
        `<td>${num(r.peak.abduction, 1)}</td><td>${num(r.peak.rotation, 1)}</td></tr>`,
    )
    .join('');
  const alertRows = detail.alerts
    .map((a) => `<tr><td>${e(a.level)}</td><td>${e(a.kind)}</td><td>${e(a.message)}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Session ${e(session.id)} — ${e(patient.displayName)}</title>
<style>
body{font:12pt system-ui,sans-serif;margin:2em;color:#111}table{border-collapse:collapse;width:100%;margin:0 0 1.5em}
th,td{border:1px solid #999;padding:2px 6px;text-align:right}th:first-child,td:first-child{text-align:left}
h1{font-size:16pt}h2{font-size:13pt;margin-top:1.5em}@media print{body{margin:0}h2{break-after:avoid}tr{break-inside:avoid}}
</style></head><body>
<h1>Home exercise session — ${e(patient.displayName)}</h1>
<p>Patient id ${e(patient.id)} · treated side ${e(patient.treatedSide)} · ${e(patient.surgeryType)}${
    patient.surgeryDate ? ` (surgery ${e(patient.surgeryDate)})` : ''
  }<br>Session ${e(session.id)} · ${e(when)} · ${
    detail.report.durationS === null ? 'in progress' : `${num(detail.report.durationS / 60, 1)} min`
  } · plan version ${session.planVersion ?? '–'}</p>
<p>Repetitions ${totals.repsDone} of ${totals.repsPrescribed} prescribed (${totals.partialReps} partial) · time under
tension ${num(totals.timeUnderTensionS, 0)} s · alerts ${detail.alerts.length}</p>
<h2>Exercises</h2><table><thead><tr><th>exercise</th><th>sets</th><th>reps</th><th>partial</th><th>peak flexion-extension ROM °</th>
<th>peak ab-adduction ROM °</th><th>peak rotation ROM °</th><th>hold s</th></tr></thead><tbody>${exerciseRows}</tbody></table>
<h2>Repetitions</h2><table><thead><tr><th>exercise</th><th>set</th><th>rep</th><th>duration s</th><th>ROM °</th>
<th>target °</th><th>peak flexion °</th><th>peak abduction °</th><th>peak rotation °</th></tr></thead><tbody>${repRows}</tbody></table>
<h2>Alerts</h2>${
    alertRows
      ? `<table><thead><tr><th>level</th><th>code</th><th>message</th></tr></thead><tbody>${alertRows}</tbody></table>`
      : '<p>None.</p>'
  }
<p><small>Angles: ISB hip joint coordinate system, flexion/abduction/internal rotation positive, zero = standing
calibration pose. Generated by hipmon.</small></p>
</body></html>
`;
}

export const HIPMON_CODE_SYSTEM = 'https://hipmon.dev/fhir/CodeSystem/hip-rom';
const UCUM = 'http://unitsofmeasure.org';

const PLANE_CODES = {
  sagittal: { code: 'hip-flexion-rom', text: 'Hip flexion-extension active range of motion' },
  frontal: { code: 'hip-abduction-rom', text: 'Hip abduction-adduction active range of motion' },
  transverse: { code: 'hip-rotation-rom', text: 'Hip internal-external rotation active range of motion' },
} as const;

export interface FhirBundleOptions {
  /** base URL for fullUrl values; urn:uuid-free so the bundle is reproducible for the same input */
  baseUrl: string;
}

/**
 * A `collection` Bundle: per exercise of the session and per plane with a measured peak, one Observation of the
 * peak active ROM in degrees, with the exercise and side as components.
 */
export function sessionFhirBundle(patient: Patient, detail: SessionDetail, options: FhirBundleOptions) {
  const { session } = detail.report;
  const effective = new Date(session.startedAt).toISOString();
  const patientRef = `Patient/${patient.id}`;
  const entries = detail.report.exercises.flatMap((x) =>
    (Object.keys(PLANE_CODES) as (keyof typeof PLANE_CODES)[]).flatMap((plane) => {
      const value = x.peakRomDeg[plane];
      if (value === null || x.setsDone === 0) return [];
      const id = `${patient.id}-${session.id}-${x.exercise}-${plane}`.replace(/_/g, '-').slice(0, 64);
      const resource = {
        resourceType: 'Observation',
        id,
        status: session.endedAt === null ? 'preliminary' : 'final',
        category: [
          {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/observation-category',
                code: 'exam',
                display: 'Exam',
              },
            ],
          },
        ],
        code: {
          coding: [{ system: HIPMON_CODE_SYSTEM, code: PLANE_CODES[plane].code, display: PLANE_CODES[plane].text }],
          text: `${PLANE_CODES[plane].text} (${session.side} hip, ${x.exercise})`,
        },
        subject: { reference: patientRef, display: patient.displayName },
        effectiveDateTime: effective,
        valueQuantity: { value: Number(value.toFixed(1)), unit: 'deg', system: UCUM, code: 'deg' },
        method: { text: 'Two wearable IMUs (pelvis, thigh), ISB joint coordinate system' },
        component: [
          { code: { text: 'side' }, valueString: session.side },
          { code: { text: 'exercise' }, valueString: x.exercise },
          { code: { text: 'repetitions' }, valueInteger: x.repsDone },
        ],
      };
      return [{ fullUrl: `${options.baseUrl}/Observation/${id}`, resource }];
    }),
  );
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp: new Date(session.endedAt ?? session.startedAt).toISOString(),
    entry: entries,
  };
}
