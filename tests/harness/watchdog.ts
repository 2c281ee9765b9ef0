import { spawn, type ChildProcess } from 'node:child_process';

/*
 * A tiny shell that reads PIDs on its stdin. When its stdin reaches end of file (this Node process died,
 * even by SIGKILL, so the kernel closed the pipe), it kills the last PID it was told about and deletes
 * the service's temp dir. An empty line means "no process to guard right now".
 */
const SCRIPT = [
  "pid=''",
  'while IFS= read -r line; do pid=$line; done',
  'if [ -n "$pid" ]; then',
  '  kill -KILL "$pid" 2>/dev/null',
  '  n=0',
  // Wait until it is really gone (a zombie counts as gone: it can no longer write into the dir).
  '  while grep -q "^State:[[:space:]]*[^ZX[:space:]]" "/proc/$pid/status" 2>/dev/null && [ $n -lt 40 ]; do',
  '    sleep 0.05; n=$((n+1))',
  '  done',
  'fi',
  'rm -rf -- "$1"',
].join('\n');

/** Kills a service process and removes its temp dir if the test process dies without cleaning up. */
export class Watchdog {
  private readonly shell: ChildProcess;

  constructor(dir: string) {
    // Own session, so a Ctrl-C aimed at the test runner's process group does not kill the watchdog first.
    this.shell = spawn('/bin/sh', ['-c', SCRIPT, 'hipmon-watchdog', dir], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
    this.shell.on('error', () => undefined);
    this.shell.stdin?.on('error', () => undefined);
    // Neither the shell nor its pipe may keep the test process alive.
    this.shell.unref();
    (this.shell.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }

  guard(pid: number): void {
    this.shell.stdin?.write(`${pid}\n`);
  }

  release(): void {
    this.shell.stdin?.write('\n');
  }

  /** Ends the watchdog without it acting: the owner cleaned up itself. */
  dispose(): void {
    if (this.shell.exitCode === null && this.shell.signalCode === null) this.shell.kill('SIGKILL');
  }

  get pid(): number | undefined {
    return this.shell.pid;
  }
}
