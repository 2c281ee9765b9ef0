/**
 * Streaming quality assessment next to the movement detector: keeps the recent samples (primary angle and pelvis
 * orientation) in a ring buffer and, when the detector reports a repetition or a hold, assesses it from there.
 * Allocation-free per sample; an assessment allocates its result.
 */
import type { ExerciseDefinition, RepTempo } from '../exercises/catalogue.js';
import type { Side } from '../joint/hip-angles.js';
import type { NumArray } from '../math/quat.js';
import type { MovementDetectorOptions } from '../reps/options.js';
import { resolveDetectorOptions } from '../reps/options.js';
import type { AngleSample, HoldEvent, RepEvent } from '../reps/types.js';
import type { CompensationLimits } from './compensation.js';
import type { PelvisOrientationAngles } from './pelvis.js';
import { pelvisQuatFromAnglesInto } from './pelvis.js';
import { DEFAULT_COMPENSATION_LIMITS } from './compensation.js';
import type { HoldQuality, QualityScratch, QualityWindow, RepQuality, RepQualitySettings } from './rep-quality.js';
import { assessHoldQuality, assessRepQuality, SPEED_MARGIN_S } from './rep-quality.js';
import type { SetQuality } from './sets.js';
import { summarizeSets } from './sets.js';
import type { TempoBounds } from './tempo.js';
import { DEFAULT_TEMPO_BOUNDS } from './tempo.js';

export interface QualityOptions extends MovementDetectorOptions {
  /** Treated side: the signs of the pelvis compensation angles refer to it. */
  side: Side;
  /** Default: DEFAULT_COMPENSATION_LIMITS of the exercise. */
  compensationLimits?: CompensationLimits;
  /** Prescribed tempo. Default: the catalogue's. */
  tempo?: RepTempo;
  tempoBounds?: TempoBounds;
  /** Full repetitions below this share of the target are flagged `low_rom`. Default 0.8. */
  lowRomShare?: number;
  /** A pause longer than this between two repetitions starts a new set. Default 10 s. */
  setGapS?: number;
  /** Seconds of samples kept (the longest repetition or hold that can be assessed whole). Default 45 s. */
  historyS?: number;
}

export interface QualityTracker {
  readonly settings: Readonly<RepQualitySettings>;
  readonly definition: ExerciseDefinition;
  /**
   * One sample: the hip angles and the pelvis orientation relative to calibration, if known — as a quaternion
   * (w,x,y,z) or as the tracker's pelvis angles (tilt, obliquity, rotation).
   */
  push(sample: Readonly<AngleSample>, pelvis?: Readonly<NumArray> | Readonly<PelvisOrientationAngles> | null): void;
  assessRep(rep: Readonly<RepEvent>): RepQuality;
  assessHold(hold: Readonly<HoldEvent>): HoldQuality;
  /** Every repetition assessed so far, grouped into sets. */
  sets(): SetQuality[];
}

const ANGLE_KEYS = ['flexion', 'abduction', 'rotation'] as const;

export function createQualityTracker(options: QualityOptions): QualityTracker {
  const config = resolveDetectorOptions(options);
  const def = config.definition;
  const settings: RepQualitySettings = {
    side: options.side,
    direction: config.direction,
    targetRomDeg: config.targetRomDeg,
    restBandDeg: config.restBandDeg,
    sampleRateHz: config.sampleRateHz,
    smoothingHalfWidth: config.smoothingHalfWidth,
    compensationLimits: options.compensationLimits ?? DEFAULT_COMPENSATION_LIMITS[def.id],
    tempo: options.tempo ?? def.tempo,
    tempoBounds: options.tempoBounds ?? DEFAULT_TEMPO_BOUNDS,
    lowRomShare: options.lowRomShare ?? 0.8,
  };
  const setGapS = options.setGapS ?? 10;
  const capacity = Math.ceil((options.historyS ?? 45) * config.sampleRateHz * 1.25) + 16;
  const key = ANGLE_KEYS[config.primaryIndex];
  const ringT = new Float64Array(capacity);
  const ringPrimary = new Float32Array(capacity);
  const ringPelvis = new Float32Array(4 * capacity).fill(Number.NaN);
  let written = 0;
  let lastT = Number.NaN;
  // Contiguous copies of a window, handed to the pure assessment; grown on demand (a rep needs a few seconds).
  let winT = new Float64Array(0);
  let winPrimary = new Float32Array(0);
  let winPelvis = new Float32Array(0);
  const scratch: QualityScratch = { speed: new Float64Array(0), work: new Float64Array(0) };
  const assessed: RepQuality[] = [];
  const qScratch = new Float64Array(4);

  function windowFrom(time: number): QualityWindow {
    const oldest = Math.max(0, written - capacity);
    let first = written;
    while (first > oldest && ringT[(first - 1) % capacity]! >= time) first--;
    const n = written - first;
    if (winT.length < n) {
      winT = new Float64Array(n);
      winPrimary = new Float32Array(n);
      winPelvis = new Float32Array(4 * n);
    }
    for (let i = 0; i < n; i++) {
      const slot = (first + i) % capacity;
      winT[i] = ringT[slot]!;
      winPrimary[i] = ringPrimary[slot]!;
      for (let k = 0; k < 4; k++) winPelvis[4 * i + k] = ringPelvis[4 * slot + k]!;
    }
    return { t: winT, primary: winPrimary, pelvis: winPelvis, length: n };
  }

  return {
    settings,
    definition: def,
    push(sample, pelvis) {
      const t = sample.t;
      const value = sample[key];
      if (!Number.isFinite(t) || !Number.isFinite(value) || t <= lastT) return;
      lastT = t;
      const slot = written % capacity;
      ringT[slot] = t;
      ringPrimary[slot] = value;
      const q =
        pelvis == null ? null : 'tilt' in pelvis ? pelvisQuatFromAnglesInto(qScratch, pelvis, options.side) : pelvis;
      const valid =
        q !== null &&
        Number.isFinite(q[0]!) &&
        Number.isFinite(q[1]!) &&
        Number.isFinite(q[2]!) &&
        Number.isFinite(q[3]!);
      for (let k = 0; k < 4; k++) ringPelvis[4 * slot + k] = valid ? q[k]! : Number.NaN;
      written++;
    },
    assessRep(rep) {
      const window = windowFrom(rep.start - SPEED_MARGIN_S - 0.5);
      const quality =
        window.length > 0
          ? assessRepQuality(rep, window, settings, scratch)
          : assessRepQuality(rep, { t: [rep.start], primary: [0], pelvis: [Number.NaN], length: 1 }, settings);
      assessed.push(quality);
      return quality;
    },
    assessHold(hold) {
      const window = windowFrom(hold.start - 0.5);
      const prescribed = options.prescribedHoldS ?? def.hold?.holdS ?? config.prescribedHoldS;
      return window.length > 0
        ? assessHoldQuality(hold, window, settings, prescribed)
        : assessHoldQuality(
            hold,
            { t: [hold.start], primary: [0], pelvis: [Number.NaN], length: 1 },
            settings,
            prescribed,
          );
    },
    sets: () => summarizeSets(assessed, setGapS),
  };
}
