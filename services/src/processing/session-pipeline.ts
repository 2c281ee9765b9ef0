/**
 * One live session, pure (no I/O, no clock): the pelvis and thigh sample streams and the session's control messages
 * in, live outputs out. HipAngleTracker (calibration, fusion, ISB angles; it aligns the two streams in time) →
 * MovementDetector + QualityTracker for the set under way, PrecautionMonitor on every analysed frame.
 *
 * State machine (docs/processing.md): idle → calibrating → ready → in_set ⇄ resting → ended, with
 * calibrating → idle on a failed calibration. Control messages are applied when they arrive, except `stop_set`,
 * which waits until the analysis has reached its time `t` (the frames before it still belong to the set); later
 * controls queue behind it so their order is kept. `end_session` drains everything.
 *
 * The tracker is created at `calibrate` without an exercise (the state must reach `ready` before any set); at the
 * first `start_set` it is rebuilt with the exercise (functional refinement of the alignment) from the samples kept
 * since the calibration began, its first frames (already reported) suppressed.
 *
 * Every call returns the outputs it produced, in order. While `muted` (rebuilding a session after a service
 * restart), outputs are computed but dropped.
 */
import {
  createMovementDetector,
  createQualityTracker,
  frameSampleTimes,
  HipAngleTracker,
  PrecautionMonitor,
} from '@hipmon/core';
import type {
  AlertPayload,
  ControlPayload,
  ExerciseId,
  HipAngleFrame,
  HipAngleName,
  ImuFrame,
  MovementDetector,
  NumArray,
  PlanPayload,
  QualityTracker,
  RepEventPayload,
  SensorRole,
  SessionStatePayload,
  Side,
} from '@hipmon/core';
import type { AngleSample as StoredAngleSample } from '../store/series/series-store.js';
import { precautionAlertCode, precautionLimits, prescriptionOf } from './plan-settings.js';
import { SessionSummaryAccumulator } from './session-summary.js';
import type { SessionSummary } from './session-summary.js';

export type LiveSessionState = SessionStatePayload['state'];

export type PipelineOutput =
  | { kind: 'state'; state: SessionStatePayload }
  /** Every analysed frame (analysis rate) for the store; `live` marks the decimated ones to publish. */
  | { kind: 'angles'; sample: StoredAngleSample; live: boolean }
  /** A full repetition or a hold (partial repetitions only count in the summary). */
  | { kind: 'rep'; rep: RepEventPayload }
  | {
      kind: 'alert';
      alert: AlertPayload;
      angle?: HipAngleName;
      valueDeg?: number;
      limitDeg?: number;
    }
  | { kind: 'summary'; summary: SessionSummary };

export interface SessionPipelineOptions {
  /** The patient's plan: target ROM, prescribed reps and hold time per exercise, precautions. */
  plan?: PlanPayload | null;
  /** Treated side assumed until `start_session` says otherwise (the patient record, or the plan). */
  side?: Side;
  /** Hip-angle frames per second. Default 100. */
  analysisRate?: number;
  /** Publish every n-th frame live. Default 4 (25 Hz at 100 Hz). */
  liveDecimation?: number;
  /** Longest stretch of samples (s) kept from `calibrate` to rebuild the tracker at the first set. Default 60. */
  calibrationBufferS?: number;
  /** Frames lost in one gap before a `sensor_data_gap` alert. Default 5 (0.5 s at 10 frames/s). */
  gapAlertFrames?: number;
  /** Orientation fusion; '9d' needs magnetometer samples. Default '6d'. */
  mode?: '6d' | '9d';
}

interface CurrentSet {
  exercise: ExerciseId;
  set: number;
  targetReps?: number;
  /** Full repetitions (or holds) reported in this set. */
  reps: number;
  /** Frames before this time (s) belong to the rest before the set. */
  from: number;
  detector: MovementDetector;
  quality: QualityTracker;
}

interface BufferedSample {
  role: SensorRole;
  t: number;
  gyr: Readonly<NumArray>;
  acc: Readonly<NumArray>;
  mag?: Readonly<NumArray>;
}

/** A control whose time lies this far (s) beyond the data is applied at once: the clocks disagree. */
const MAX_CONTROL_LEAD_S = 10;
/**
 * How far (s of data) one sensor's samples may run ahead of the other's before they go to the tracker anyway: a
 * memory bound. A silent sensor is normally declared sooner by the caller's clock (`releaseStalled`).
 */
const MAX_STREAM_LEAD_S = 30;
/**
 * How far (s) a sample may lie beyond the other sensor's latest one and still go to the tracker: within the
 * tracker's maxGapS (0.1 s) its frames do not depend on the interleaving. Waiting until the other sensor reaches
 * the sample's own time instead held the last samples of every frame for the other sensor's next frame whenever
 * its stamps ran a little behind — 100 ms more live latency (bench/live.ts, p99 23 → 102 ms at 10 sessions).
 */
const MERGE_LEAD_S = 0.05;
/** At most one sensor_data_gap alert per sensor per this many seconds of data. */
const GAP_ALERT_INTERVAL_S = 10;

const thighSide = (role: SensorRole): Side | null =>
  role === 'thigh_left' ? 'left' : role === 'thigh_right' ? 'right' : null;

export class SessionPipeline {
  /** While true, outputs are dropped (the pipeline is being rebuilt from stored data). */
  muted = false;
  private readonly plan: PlanPayload | null;
  private readonly analysisRate: number;
  private readonly decimation: number;
  private readonly calibrationBufferS: number;
  private readonly gapAlertFrames: number;
  private readonly mode: '6d' | '9d';
  private side_: Side | null;
  private opened = false;
  private state_: LiveSessionState = 'idle';
  private tracker: HipAngleTracker | null = null;
  private trackerExercise: ExerciseId | undefined;
  private calibrationFrom = -Infinity;
  private calibrationBuffer: BufferedSample[] | null = null;
  private pendingSet: Extract<ControlPayload, { type: 'start_set' }> | null = null;
  private readonly queue: ControlPayload[] = [];
  private current: CurrentSet | null = null;
  private lastSet: { exercise: ExerciseId; set: number; reps: number; targetReps?: number } | null = null;
  private readonly setsStarted = new Map<ExerciseId, number>();
  private monitor: PrecautionMonitor | null = null;
  private readonly summary = new SessionSummaryAccumulator();
  private lastFrameT = -Infinity;
  private readonly latest: Record<'pelvis' | 'thigh', number> = { pelvis: -Infinity, thigh: -Infinity };
  /** Samples not yet given to the tracker, per sensor, in time order (merged by time, see addSample). */
  private readonly pending: Record<'pelvis' | 'thigh', BufferedSample[]> = { pelvis: [], thigh: [] };
  /** A sensor declared silent by `releaseStalled`: the other's samples do not wait for it until it speaks again. */
  private readonly silent: Record<'pelvis' | 'thigh', boolean> = { pelvis: false, thigh: false };
  /** Time (s) of the last sample given to the tracker. */
  private releasedUntil_ = -Infinity;
  private readonly lastGapAlert = new Map<SensorRole, number>();
  /** Repetitions ending at or before this time were reported before a restart: not reported again. */
  private reportedUntil = -Infinity;
  private out: PipelineOutput[] = [];
  private readonly stats_ = { samples: 0, frames: 0, reps: 0, partialReps: 0, alerts: 0, ignoredControls: 0 };

  constructor(options: SessionPipelineOptions = {}) {
    this.plan = options.plan ?? null;
    this.side_ = options.side ?? null;
    this.analysisRate = options.analysisRate ?? 100;
    this.decimation = options.liveDecimation ?? 4;
    this.calibrationBufferS = options.calibrationBufferS ?? 60;
    this.gapAlertFrames = options.gapAlertFrames ?? 5;
    this.mode = options.mode ?? '6d';
  }

  get state(): LiveSessionState {
    return this.state_;
  }

  get side(): Side | null {
    return this.side_;
  }

  get ended(): boolean {
    return this.state_ === 'ended';
  }

  /** Latest time (s) the analysis reached: the last frame, or the latest sample before there are frames. */
  get now(): number {
    if (Number.isFinite(this.lastFrameT)) return this.lastFrameT;
    const t = Math.max(this.latest.pelvis, this.latest.thigh);
    return Number.isFinite(t) ? t : 0;
  }

  get stats(): Readonly<typeof this.stats_> {
    return this.stats_;
  }

  /** Time (s) of the last sample given to the tracker: it stops moving while one sensor waits for the other. */
  get releasedUntil(): number {
    return this.releasedUntil_;
  }

  /** Samples waiting for the other sensor to reach their time. */
  get pendingSamples(): number {
    return this.pending.pelvis.length + this.pending.thigh.length;
  }

  /**
   * The caller's clock says the sensor that others wait for has gone silent: what waits goes to the tracker, and
   * until that sensor sends again the other's samples no longer wait for it.
   */
  releaseStalled(): PipelineOutput[] {
    if (this.pending.pelvis.length > 0) this.silent.thigh = true;
    if (this.pending.thigh.length > 0) this.silent.pelvis = true;
    this.releaseSamples(false);
    this.drainQueue(this.lastFrameT);
    return this.take();
  }

  /** After a rebuild: repetitions ending at or before `t` were already reported. */
  markReportedUntil(t: number): void {
    this.reportedUntil = Math.max(this.reportedUntil, t);
  }

  control(message: ControlPayload): PipelineOutput[] {
    if (this.state_ === 'ended') {
      this.stats_.ignoredControls++;
      return [];
    }
    if (message.type === 'end_session') {
      this.finish(message.t);
      return this.take();
    }
    this.queue.push(message);
    this.drainQueue(this.lastFrameT);
    return this.take();
  }

  pushFrame(frame: ImuFrame): PipelineOutput[] {
    const times = frameSampleTimes(frame);
    for (let i = 0; i < frame.samples.length; i++) {
      const s = frame.samples[i]!;
      this.addSample(frame.role, times[i]!, s.gyr, s.acc, s.mag);
    }
    return this.take();
  }

  pushSample(role: SensorRole, t: number, gyr: Readonly<NumArray>, acc: Readonly<NumArray>, mag?: Readonly<NumArray>) {
    this.addSample(role, t, gyr, acc, mag);
    return this.take();
  }

  /** `frames` frames of `role` were given up on by the reorder buffer. */
  gap(role: SensorRole, frames: number): PipelineOutput[] {
    if (!this.opened || this.ended || frames < this.gapAlertFrames) return [];
    const t = Math.max(0, role === 'pelvis' ? this.latest.pelvis : this.latest.thigh, this.now);
    const last = this.lastGapAlert.get(role);
    if (last !== undefined && t - last < GAP_ALERT_INTERVAL_S) return [];
    this.lastGapAlert.set(role, t);
    this.alert({
      t,
      level: 'warning',
      code: 'sensor_data_gap',
      message: `${frames} frames of the ${role.replace('_', ' ')} sensor were lost`,
    });
    return this.take();
  }

  /** End of the session (end_session, or the service's idle timeout): last events, `ended`, the summary. */
  end(t?: number): PipelineOutput[] {
    if (!this.ended) this.finish(t);
    return this.take();
  }

  // ---- internals ----

  private take(): PipelineOutput[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private emit(output: PipelineOutput): void {
    if (!this.muted) this.out.push(output);
  }

  private open(t: number, side: Side | null): void {
    if (this.opened) return;
    this.opened = true;
    if (side) this.side_ = side;
    this.setState('idle', t);
  }

  private addSample(
    role: SensorRole,
    t: number,
    gyr: Readonly<NumArray>,
    acc: Readonly<NumArray>,
    mag?: Readonly<NumArray>,
  ): void {
    if (this.ended || !Number.isFinite(t)) return;
    if (!this.opened) {
      // A session first heard of through its data: open it and calibrate from its first samples.
      this.open(t, this.side_ ?? thighSide(role));
      if (!this.side_) return;
      this.beginCalibration(t);
    }
    const segment = role === 'pelvis' ? 'pelvis' : 'thigh';
    if (segment === 'thigh' && thighSide(role) !== this.side_) return;
    this.stats_.samples++;
    if (t > this.latest[segment]) this.latest[segment] = t;
    this.silent[segment] = false;
    this.pending[segment].push({ role, t, gyr, acc, mag });
    this.releaseSamples(false);
    this.drainQueue(this.lastFrameT);
  }

  /**
   * The tracker gets both sensors' samples merged by time, whatever order they arrived in: its frames depend on
   * the interleaving once one sensor runs more than its maxGapS (0.1 s) ahead, which a burst of frames released
   * together (a reorder buffer after a restart, the broker's redeliveries) does; the replay after a restart merges
   * the stored samples by time too, so a resumed session gives the tracker exactly what an uninterrupted one did.
   * A sample waits until the other sensor has come within MERGE_LEAD_S of its time or was declared silent, or until
   * its own sensor is MAX_STREAM_LEAD_S further, or the end (`all`).
   */
  private releaseSamples(all: boolean): void {
    const { pelvis, thigh } = this.pending;
    const silent = this.silent;
    for (;;) {
      const p = pelvis[0];
      const q = thigh[0];
      let next: BufferedSample;
      if (p && q) next = p.t <= q.t ? pelvis.shift()! : thigh.shift()!;
      else if (
        p &&
        (all || silent.thigh || this.latest.thigh >= p.t - MERGE_LEAD_S || this.latest.pelvis - p.t > MAX_STREAM_LEAD_S)
      ) {
        next = pelvis.shift()!;
      } else if (
        q &&
        (all ||
          silent.pelvis ||
          this.latest.pelvis >= q.t - MERGE_LEAD_S ||
          this.latest.thigh - q.t > MAX_STREAM_LEAD_S)
      ) {
        next = thigh.shift()!;
      } else return;
      this.feedTracker(next);
    }
  }

  private feedTracker(sample: BufferedSample): void {
    this.releasedUntil_ = sample.t;
    const tracker = this.tracker;
    if (!tracker || sample.t < this.calibrationFrom) return;
    const buffer = this.calibrationBuffer;
    if (buffer) {
      if (sample.t - this.calibrationFrom <= this.calibrationBufferS) buffer.push(sample);
      else this.calibrationBuffer = null;
    }
    tracker.pushSample(sample);
    if (tracker === this.tracker) this.checkCalibration();
  }

  private newTracker(exercise: ExerciseId | undefined): HipAngleTracker {
    const tracker: HipAngleTracker = new HipAngleTracker({
      side: this.side_!,
      mode: this.mode,
      analysisRate: this.analysisRate,
      ...(exercise && { exercise }),
      onFrame: (f) => {
        if (tracker === this.tracker) this.onFrame(f);
      },
    });
    return tracker;
  }

  private beginCalibration(t: number): void {
    if (!this.side_) return;
    // The same request again (a redelivered control, or the data's implicit calibration): nothing new.
    if (this.state_ === 'calibrating' && Math.abs(t - this.calibrationFrom) < 0.5) return;
    this.calibrationFrom = t;
    this.calibrationBuffer = [];
    this.trackerExercise = this.lastSet?.exercise;
    this.tracker = this.newTracker(this.trackerExercise);
    this.monitor = null;
    this.setState('calibrating', t);
  }

  private checkCalibration(): void {
    if (this.state_ !== 'calibrating' || !this.tracker) return;
    const status = this.tracker.status;
    if (status.state === 'calibrated') {
      this.toReady(status.window[1]);
    } else if (status.state === 'failed') {
      const t = Math.max(0, this.now);
      this.tracker = null;
      this.calibrationBuffer = null;
      this.pendingSet = null;
      this.alert({ t, level: 'warning', code: 'calibration_failed', message: status.message.slice(0, 500) });
      this.setState('idle', t);
    }
  }

  private toReady(t: number): void {
    const limits = precautionLimits(this.plan);
    this.monitor = limits.length > 0 ? new PrecautionMonitor({ limits }) : null;
    this.setState('ready', t);
    const pending = this.pendingSet;
    this.pendingSet = null;
    if (pending) this.startSet(pending);
  }

  private isDue(message: ControlPayload, now: number): boolean {
    if (message.type !== 'stop_set' || message.t === undefined) return true;
    if (this.state_ !== 'in_set' || !this.tracker) return true;
    return message.t <= now || message.t > this.now + MAX_CONTROL_LEAD_S;
  }

  private drainQueue(now: number): void {
    while (this.queue.length > 0 && this.isDue(this.queue[0]!, now)) this.apply(this.queue.shift()!);
  }

  private apply(message: ControlPayload): void {
    const t = message.t ?? this.now;
    switch (message.type) {
      case 'start_session':
        if (!this.opened) this.open(t, message.side);
        else if (!this.tracker) this.side_ = message.side;
        return;
      case 'calibrate':
        if (!this.opened) this.open(t, null);
        if (this.state_ === 'in_set') {
          this.stats_.ignoredControls++;
          return;
        }
        this.beginCalibration(t);
        return;
      case 'start_set':
        if (!this.opened) this.open(t, null);
        if (this.state_ === 'idle') this.beginCalibration(t);
        if (this.state_ === 'calibrating') {
          this.pendingSet = message;
          return;
        }
        if (this.state_ === 'idle') {
          this.stats_.ignoredControls++; // no side known: nothing can be analysed
          return;
        }
        if (this.current) this.endSet(t);
        this.startSet(message);
        return;
      case 'stop_set':
        if (this.pendingSet) this.pendingSet = null;
        if (this.current) this.endSet(t);
        else this.stats_.ignoredControls++;
        return;
      case 'end_session':
        this.finish(message.t);
        return;
    }
  }

  private startSet(message: Extract<ControlPayload, { type: 'start_set' }>): void {
    const exercise = message.exercise;
    const t = message.t ?? this.now;
    const prescription = prescriptionOf(this.plan, exercise);
    const setNo = message.set ?? (this.setsStarted.get(exercise) ?? 0) + 1;
    this.setsStarted.set(exercise, Math.max(setNo, this.setsStarted.get(exercise) ?? 0));
    if (this.trackerExercise !== exercise && this.calibrationBuffer) this.rebuildTracker(exercise);
    this.calibrationBuffer = null;
    const options = {
      exercise,
      side: this.side_!,
      sampleRateHz: this.analysisRate,
      ...(prescription?.targetRomDeg !== undefined && { targetRomDeg: prescription.targetRomDeg }),
      ...(prescription?.holdSeconds !== undefined && { prescribedHoldS: prescription.holdSeconds }),
    };
    const targetReps = message.targetReps ?? prescription?.reps;
    this.current = {
      exercise,
      set: setNo,
      ...(targetReps !== undefined && { targetReps }),
      reps: 0,
      from: t,
      detector: createMovementDetector(options),
      quality: createQualityTracker(options),
    };
    this.summary.startSet(exercise);
    this.setState('in_set', t);
  }

  /** The calibration's samples again, through a tracker that refines the alignment along this exercise. */
  private rebuildTracker(exercise: ExerciseId): void {
    const buffer = this.calibrationBuffer!;
    this.calibrationBuffer = null;
    this.trackerExercise = exercise;
    this.tracker = this.newTracker(exercise);
    for (const s of buffer) this.tracker.pushSample(s);
  }

  private endSet(t: number): void {
    const set = this.current!;
    for (const event of set.detector.flush()) this.handleEvent(set, event);
    this.current = null;
    this.lastSet = { exercise: set.exercise, set: set.set, reps: set.reps, targetReps: set.targetReps };
    this.setState('resting', Math.max(t, 0));
  }

  private finish(t: number | undefined): void {
    this.releaseSamples(true);
    this.tracker?.finish();
    // Everything queued is due now, in order (a stop_set waiting for data that will not come).
    while (this.queue.length > 0) this.apply(this.queue.shift()!);
    if (this.state_ === 'ended') return;
    const end = Math.max(0, t ?? this.now, this.now);
    if (this.current) this.endSet(end);
    this.tracker = null;
    this.pendingSet = null;
    this.opened = true;
    this.setState('ended', end);
    this.emit({ kind: 'summary', summary: this.summary.summary(this.plan, end) });
  }

  private onFrame(f: Readonly<HipAngleFrame>): void {
    // A rebuilt tracker goes over frames already reported.
    if (f.t <= this.lastFrameT) return;
    this.checkCalibration();
    this.drainQueue(f.t);
    this.lastFrameT = f.t;
    this.stats_.frames++;
    if (this.monitor) {
      for (const event of this.monitor.push(f)) {
        if (event.type !== 'precaution_alert') continue;
        const limit = { angle: event.angle, bound: event.id.endsWith('_max') ? 'above' : 'below' } as const;
        this.alert(
          {
            t: Math.max(0, event.t),
            level: 'warning',
            code: precautionAlertCode(limit),
            message: `${event.label}: ${event.valueDeg.toFixed(0)}° (limit ${event.limitDeg}°)`.slice(0, 500),
          },
          { angle: event.angle, valueDeg: event.valueDeg, limitDeg: event.limitDeg },
        );
      }
    }
    const set = this.current && f.t >= this.current.from ? this.current : null;
    const sample: StoredAngleSample = {
      t: f.t,
      side: this.side_!,
      flexion: f.flexion,
      abduction: f.abduction,
      rotation: f.rotation,
      ...(set && { exercise: set.exercise }),
    };
    this.emit({ kind: 'angles', sample, live: Math.round(f.t * this.analysisRate) % this.decimation === 0 });
    if (!set) return;
    set.quality.push(f, f.pelvis);
    this.summary.angles(set.exercise, f);
    const event = set.detector.push(f);
    if (event) this.handleEvent(set, event);
  }

  private handleEvent(set: CurrentSet, event: ReturnType<MovementDetector['push']> & object): void {
    if (event.type === 'rep') {
      set.quality.assessRep(event);
      this.summary.rep(set.exercise, set.set, event);
      if (event.partial) {
        this.stats_.partialReps++;
        return;
      }
    } else {
      set.quality.assessHold(event);
      this.summary.hold(set.exercise, set.set, event);
    }
    set.reps++;
    this.stats_.reps++;
    if (event.end <= this.reportedUntil) return;
    const peak = event.type === 'rep' ? event.peak : event.angles;
    const rom = event.type === 'rep' ? event.rom : event.excursion;
    this.emit({
      kind: 'rep',
      rep: {
        exercise: set.exercise,
        side: this.side_!,
        set: set.set,
        rep: set.reps,
        start: Math.max(0, event.start),
        end: Math.max(0, event.start, event.end),
        peak: { flexion: peak.flexion, abduction: peak.abduction, rotation: peak.rotation },
        rom: Math.min(360, Math.max(0, rom)),
      },
    });
    this.setState('in_set', Math.max(0, event.end));
  }

  private alert(alert: AlertPayload, detail: { angle?: HipAngleName; valueDeg?: number; limitDeg?: number } = {}) {
    this.stats_.alerts++;
    this.summary.alert();
    this.emit({ kind: 'alert', alert, ...detail });
  }

  private setState(state: LiveSessionState, t: number): void {
    this.state_ = state;
    const set = this.current ?? (state === 'resting' || state === 'ended' ? this.lastSet : null);
    const payload: SessionStatePayload = {
      t: Math.max(0, t),
      state,
      ...(this.side_ && { side: this.side_ }),
      ...(set && { exercise: set.exercise, set: set.set, reps: set.reps }),
      ...(set?.targetReps !== undefined && { targetReps: set.targetReps }),
    };
    this.emit({ kind: 'state', state: payload });
  }
}
