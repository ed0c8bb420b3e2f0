// The spinning thread of bench/hiccups.ts: reads the clock in a tight loop for `ms` and reports every
// gap between two readings longer than `thresholdNs` (the loop itself takes tens of nanoseconds, so a
// longer gap is time the thread did not run).
import { parentPort, workerData } from 'node:worker_threads';
import { monotonicNs } from '../src/runtime/clock.js';

const { ms, thresholdNs } = workerData as { ms: number; thresholdNs: number };
const gaps: number[] = [];
const start = monotonicNs();
const end = start + ms * 1e6;
let last = start;
while (last < end) {
  const now = monotonicNs();
  if (now - last > thresholdNs) gaps.push(now - last);
  last = now;
}
parentPort!.postMessage({ gaps, durationNs: last - start });
