// The platform's own floor under any latency a benchmark reports: a worker thread that does nothing
// but read the clock, beside a main thread that spins as a sender does, on an otherwise idle
// runtime. Every gap in its readings is time the operating system or the hypervisor did not run it,
// and an event arriving during a gap waits out the rest of it. On a small virtual machine those gaps
// reach milliseconds, and no pipeline on it can show a p99 below what they give a bare thread.
import { Worker } from 'node:worker_threads';
import { distFile } from '../src/package-root.js';
import { monotonicNs } from '../src/runtime/clock.js';

export interface Hiccups {
  durationNs: number;
  /** Gaps longer than the threshold, ns. */
  gaps: number[];
  /** What an event arriving at a uniformly random instant waits before the thread runs again: p99, p99.99, ns. */
  waitP99Ns: number;
  waitP9999Ns: number;
  maxGapNs: number;
  over1ms: number;
}

/**
 * The wait w that an event arriving at a uniformly random instant of `totalNs` exceeds with
 * probability `q`: an instant inside a gap g waits out its rest, so P(wait > w) = Σ max(0, g - w) / totalNs.
 */
export function residualWait(gaps: readonly number[], totalNs: number, q: number): number {
  const above = (w: number) => gaps.reduce((s, g) => s + Math.max(0, g - w), 0);
  if (above(0) <= q * totalNs) return 0;
  let lo = 0;
  let hi = Math.max(...gaps);
  for (let i = 0; i < 100 && hi - lo > 0.5; i++) {
    const mid = (lo + hi) / 2;
    if (above(mid) > q * totalNs) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Runs the bare spinning thread for `ms` while this thread spins in rounds, as a sender does. */
export async function measureHiccups(ms: number, thresholdNs = 20_000): Promise<Hiccups> {
  const worker = new Worker(distFile('bench/hiccups.worker.js'), { workerData: { ms, thresholdNs } });
  const done = new Promise<{ gaps: number[]; durationNs: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  let finished = false;
  void done.then(() => (finished = true), () => (finished = true));
  while (!finished) {
    const until = monotonicNs() + 200_000;
    while (monotonicNs() < until);
    await new Promise((r) => setImmediate(r));
  }
  const { gaps, durationNs } = await done;
  await worker.terminate();
  return {
    durationNs, gaps,
    waitP99Ns: residualWait(gaps, durationNs, 0.01),
    waitP9999Ns: residualWait(gaps, durationNs, 0.0001),
    maxGapNs: gaps.length ? Math.max(...gaps) : 0,
    over1ms: gaps.filter((g) => g > 1e6).length,
  };
}
