/**
 * Heap allocated by a piece of code, from V8's sampling heap profiler (objects collected by the young- and
 * old-generation GC included): an estimate, accurate to a few percent at the sampling interval used here.
 */
import { Session } from 'node:inspector';

interface SamplingNode {
  callFrame: { functionName: string; url: string };
  selfSize: number;
  children: SamplingNode[];
}

export interface AllocationFigure {
  /** Estimated bytes allocated while `run` ran. */
  bytes: number;
  /** Estimated bytes by allocating function ("name file"), largest first. */
  byFunction: { name: string; bytes: number }[];
}

function post<T>(session: Session, method: string, params?: object): T {
  let result: T | undefined;
  let error: Error | null = null;
  // An in-thread session dispatches synchronously: the callback has run when post returns.
  session.post(method, params, (err, res) => {
    error = err;
    result = res as T;
  });
  if (error) throw error;
  if (result === undefined) throw new Error(`inspector ${method}: no synchronous reply`);
  return result;
}

export function measureAllocation(run: () => void, samplingIntervalBytes = 128): AllocationFigure {
  const session = new Session();
  session.connect();
  try {
    post(session, 'HeapProfiler.startSampling', {
      samplingInterval: samplingIntervalBytes,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    run();
    const { profile } = post<{ profile: { head: SamplingNode } }>(session, 'HeapProfiler.stopSampling');
    const totals = new Map<string, number>();
    let bytes = 0;
    const walk = (node: SamplingNode) => {
      if (node.selfSize > 0) {
        const file = node.callFrame.url.split('/').slice(-2).join('/');
        const name = `${node.callFrame.functionName || '(anonymous)'} ${file}`.trim();
        totals.set(name, (totals.get(name) ?? 0) + node.selfSize);
        bytes += node.selfSize;
      }
      for (const child of node.children) walk(child);
    };
    walk(profile.head);
    const byFunction = [...totals].map(([name, b]) => ({ name, bytes: b })).sort((a, b) => b.bytes - a.bytes);
    return { bytes, byFunction };
  } finally {
    session.disconnect();
  }
}
