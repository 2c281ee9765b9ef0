type SyncCleanup = () => void;

const pending = new Set<SyncCleanup>();
let installed = false;

function runPending(): void {
  for (const cleanup of [...pending]) {
    try {
      cleanup();
    } catch {
      // Exiting anyway: one failed cleanup must not prevent the others.
    }
  }
  pending.clear();
}

/**
 * Registers a synchronous cleanup for when this Node process exits without having stopped a service
 * (a failed test, a forgotten stop()). Returns the function that unregisters it.
 * Signals and SIGKILL are covered by each service's watchdog instead, which avoids replacing the
 * runner's own signal handling.
 */
export function cleanupOnExit(cleanup: SyncCleanup): () => void {
  if (!installed) {
    process.once('exit', runPending);
    installed = true;
  }
  pending.add(cleanup);
  return () => {
    pending.delete(cleanup);
  };
}
