// The job `tickwave run` starts until the trading pipeline lands: it counts the frames of its
// partitions and the time each spent between ingress and the worker, and reports both on stop.
import { latencyHistogram, percentiles } from '../metrics/histogram.js';
import type { Job, JobContext } from './job.js';

export const SELF_CHECK_SUMMARY = 239;

export function createJob(ctx: JobContext): Job {
  const h = latencyHistogram();
  let frames = 0;
  return {
    onFrame(_view, f) {
      frames++;
      h.recordValue(Math.max(1, Math.round(ctx.nowNs() - f.ingressNs)));
    },
    onStop() {
      const summary = { worker: ctx.workerId, frames, hop: percentiles(h) };
      ctx.emit(new TextEncoder().encode(JSON.stringify(summary)), SELF_CHECK_SUMMARY, 0);
    },
  };
}
