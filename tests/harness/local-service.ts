import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanupOnExit } from './exit-cleanup.js';
import { lastLines, readTextIfPresent } from './log-tail.js';
import { pollUntil } from './wait.js';
import { Watchdog } from './watchdog.js';

/** What every harness handle offers to drive its process: the fault tests stop, restart and crash services. */
export interface ServiceLifecycle {
  /** PID while running, undefined after kill()/stop(). */
  readonly pid: number | undefined;
  /** Graceful stop and removal of the temp dir; idempotent. */
  stop(): Promise<void>;
  /** Graceful stop, then start again on the same ports and data. */
  restart(): Promise<void>;
  /** Sends a signal (default SIGKILL, a crash) and waits for the exit; restart() brings it back. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Captured output and log files. */
  logs(): string;
}

export interface LocalServiceSpec {
  /** Short name used in errors and file names, e.g. 'mosquitto'. */
  name: string;
  binary: string;
  args: readonly string[];
  /** Temp dir owned by the service: removed by stop(), by the exit safety net or by the watchdog. */
  dir: string;
  /** Log files the service writes itself, besides its captured stdout/stderr. */
  logFiles: readonly string[];
  /** One readiness probe; polled until it answers true. */
  ready: () => Promise<boolean>;
  startTimeoutMs: number;
  /** How long a graceful SIGTERM may take before SIGKILL. */
  stopTimeoutMs?: number;
}

const LOG_TAIL_LINES = 25;

/** A service that did not come up; the message carries the end of its logs. */
export class ServiceStartError extends Error {
  constructor(
    readonly service: string,
    readonly reason: string,
    readonly logTail: string,
  ) {
    super(`${service} failed to start: ${reason}\n--- last log lines ---\n${logTail || '(log is empty)'}`);
    this.name = 'ServiceStartError';
  }
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface RunningProcess {
  child: ChildProcess;
  exited: Promise<Exit>;
  exit: Exit | undefined;
}

function describeSpawnError(binary: string, error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return `binary not found: ${binary} (${error.message})`;
  if (error.code === 'EACCES') return `binary not executable: ${binary} (${error.message})`;
  return `cannot run ${binary}: ${error.message}`;
}

/** Waits for the exit at most `ms`, without leaving a timer behind that would hold the event loop. */
async function exitsWithin(running: RunningProcess, ms: number): Promise<boolean> {
  const timer = new AbortController();
  try {
    return await Promise.race([
      running.exited.then(() => true),
      sleep(ms, false, { signal: timer.signal }).catch(() => false),
    ]);
  } finally {
    timer.abort();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * One external server process with its temp dir: start and wait until ready, stop gracefully, kill
 * abruptly, restart on the same config. Whatever happens to the test, the process and the dir go away
 * (stop(), the process-exit safety net, or the watchdog if the test process itself is killed).
 */
export class LocalService {
  private current: RunningProcess | undefined;
  private readonly watchdog: Watchdog;
  private readonly unregisterExitCleanup: () => void;
  private stopped = false;
  readonly outputFile: string;

  constructor(private readonly spec: LocalServiceSpec) {
    this.outputFile = join(spec.dir, `${spec.name}.out`);
    this.watchdog = new Watchdog(spec.dir);
    this.unregisterExitCleanup = cleanupOnExit(() => this.cleanupSync());
  }

  get pid(): number | undefined {
    return this.isRunning ? this.current!.child.pid : undefined;
  }

  get isRunning(): boolean {
    return this.current !== undefined && this.current.exit === undefined;
  }

  /** Captured stdout/stderr followed by the service's own log files. */
  logs(): string {
    return [this.outputFile, ...this.spec.logFiles].map(readTextIfPresent).join('');
  }

  logTail(): string {
    return lastLines(this.logs(), LOG_TAIL_LINES);
  }

  /** Spawns the process and resolves once the readiness probe succeeds; on failure the process is killed. */
  async start(): Promise<void> {
    if (this.stopped) throw new Error(`${this.spec.name} was stopped; start a new one instead`);
    if (this.isRunning) throw new Error(`${this.spec.name} is already running (pid ${this.pid})`);
    const running = await this.spawnProcess();
    const outcome = await pollUntil(this.spec.ready, {
      timeoutMs: this.spec.startTimeoutMs,
      intervalMs: 50,
      abortReason: () =>
        running.exit === undefined
          ? undefined
          : `process exited early (code ${running.exit.code}, signal ${running.exit.signal})`,
    });
    if (!outcome.ok) {
      await this.terminate('SIGKILL', 0);
      throw new ServiceStartError(this.spec.name, outcome.reason, this.logTail());
    }
  }

  /** Sends a signal and waits for the process to exit (SIGKILL simulates a crash; the dir is kept). */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.terminate(signal, this.spec.stopTimeoutMs ?? 10_000);
  }

  /** Graceful stop (SIGTERM, SIGKILL if it hangs) then start again with the same config and dirs. */
  async restart(): Promise<void> {
    await this.terminate('SIGTERM', this.spec.stopTimeoutMs ?? 10_000);
    await this.start();
  }

  /** Stops the process and deletes the temp dir. Safe to call more than once. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    try {
      await this.terminate('SIGTERM', this.spec.stopTimeoutMs ?? 10_000);
    } finally {
      this.watchdog.dispose();
      await rm(this.spec.dir, { recursive: true, force: true });
      this.unregisterExitCleanup();
    }
  }

  private async spawnProcess(): Promise<RunningProcess> {
    const output = openSync(this.outputFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(this.spec.binary, [...this.spec.args], { stdio: ['ignore', output, output], cwd: this.spec.dir });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (error) {
      throw new ServiceStartError(
        this.spec.name,
        describeSpawnError(this.spec.binary, error as NodeJS.ErrnoException),
        this.logTail(),
      );
    } finally {
      closeSync(output); // the child holds its own copy of the descriptor
    }
    // A forgotten stop() must not keep the test runner alive; the exit safety net kills the process.
    child.unref();
    const running: RunningProcess = {
      child,
      exit: undefined,
      exited: new Promise<Exit>((resolve) => {
        child.once('exit', (code, signal) => {
          running.exit = { code, signal };
          this.watchdog.release();
          resolve(running.exit);
        });
      }),
    };
    this.current = running;
    this.watchdog.guard(child.pid!);
    return running;
  }

  private async terminate(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const running = this.current;
    if (running === undefined || running.exit !== undefined) return;
    running.child.kill(signal);
    if (!(await exitsWithin(running, graceMs))) {
      running.child.kill('SIGKILL');
      await running.exited;
    }
  }

  /** Last-resort cleanup while Node exits: only synchronous calls work there. */
  private cleanupSync(): void {
    const pid = this.pid;
    if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
    this.watchdog.dispose();
    rmSync(this.spec.dir, { recursive: true, force: true });
  }
}
