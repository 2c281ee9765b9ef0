/**
 * Offline hip angles of a whole recording: the streaming tracker fed every sample in file order (the same code as
 * live, so a recording analysed afterwards gives the live session's numbers).
 */
import type { AnglesRow, ParsedRecording } from '../recording/csv.js';
import type { ImuSample, SensorRole } from '../wire/types.js';
import { HipAngleTracker } from './hip-angle-tracker.js';
import type { CalibrationStatus, HipAngleTrackerOptions, PelvisAngles, TrackerStats } from './hip-angle-tracker.js';
import type { FunctionalAlignmentState } from '../calibration/functional.js';
import type { SegmentAlignment } from '../calibration/alignment.js';

export interface RecordingAngles {
  /** Hip angles at the analysis rate, from the moment the calibration window has lasted 2 s on. */
  rows: AnglesRow[];
  /** Pelvis orientation relative to the calibration pose, one per row. */
  pelvis: PelvisAngles[];
  /** Rows computed while one sensor was silent (its last orientation held). */
  gapRows: number;
  status: CalibrationStatus;
  alignment: SegmentAlignment | null;
  functional: FunctionalAlignmentState | null;
  stats: TrackerStats;
}

export type RecordingAnglesOptions = Omit<HipAngleTrackerOptions, 'onFrame' | 'mode'> & {
  /** Default: '9d' when the recording has magnetometer columns, else '6d'. */
  mode?: '6d' | '9d';
};

/**
 * Runs the tracker over a parsed recording. Samples of both sensors are merged by time (the file's order), so
 * this equals feeding them live as they were recorded. Throws RangeError when the recording lacks the pelvis or
 * the treated side's thigh sensor.
 */
export function computeRecordingAngles(recording: ParsedRecording, options: RecordingAnglesOptions): RecordingAngles {
  const thighRole: SensorRole = options.side === 'left' ? 'thigh_left' : 'thigh_right';
  const pelvis = recording.sensors.pelvis ?? [];
  const thigh = recording.sensors[thighRole] ?? [];
  const missing = [pelvis.length === 0 && 'pelvis', thigh.length === 0 && thighRole].filter(Boolean);
  if (missing.length > 0) {
    throw new RangeError(`the recording has no ${missing.join(' or ')} samples (side ${options.side})`);
  }
  const rows: AnglesRow[] = [];
  const pelvisAngles: PelvisAngles[] = [];
  let gapRows = 0;
  const tracker = new HipAngleTracker({
    ...options,
    mode: options.mode ?? (recording.hasMag ? '9d' : '6d'),
    onFrame: (f) => {
      rows.push({ t: f.t, flexion: f.flexion, abduction: f.abduction, rotation: f.rotation });
      pelvisAngles.push({ ...f.pelvis });
      if (f.gap) gapRows++;
    },
  });
  for (const { role, sample } of mergeByTime(pelvis, 'pelvis', thigh, thighRole)) {
    tracker.push(role, sample.t, sample.gyr, sample.acc, sample.mag);
  }
  tracker.finish();
  return {
    rows,
    pelvis: pelvisAngles,
    gapRows,
    status: tracker.status,
    alignment: tracker.alignment,
    functional: tracker.functionalState,
    stats: tracker.stats,
  };
}

/** Two time-sorted streams merged by t (ties: the first stream first, as the recording CSV orders them). */
function* mergeByTime(
  a: readonly ImuSample[],
  roleA: SensorRole,
  b: readonly ImuSample[],
  roleB: SensorRole,
): Generator<{ role: SensorRole; sample: ImuSample }> {
  let i = 0,
    j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]!.t <= b[j]!.t)) yield { role: roleA, sample: a[i++]! };
    else yield { role: roleB, sample: b[j++]! };
  }
}
