// The job of `tickwave bench routing`: each quote is relayed once to partition (p + 1) % P, the way an
// order keyed by account is relayed to the worker that matches its symbol. The relayed frame carries
// the quote's planned send time (its ts_ns); the receiving worker records now - planned.
import * as flatbuffers from 'flatbuffers';
import { Envelope, Quote } from '../../src/wire/generated/index.js';
import { latencyHistogram, percentiles } from '../../src/metrics/histogram.js';
import type { Job, JobContext } from '../../src/runtime/job.js';

/** Message type of a relayed frame (an internal type below the control range). */
export const RELAYED = 200;
/** Message type of the summary each worker emits when it stops. */
export const SUMMARY = 239;

export function createJob(ctx: JobContext): Job {
  const h = latencyHistogram();
  const env = new Envelope();
  const quote = new Quote();
  const relay = new Uint8Array(8);
  const relayView = new DataView(relay.buffer);
  let relayed = 0;
  return {
    onFrame(view, f) {
      if (f.type === RELAYED) {
        const planned = view.getFloat64(f.offset, true);
        h.recordValue(Math.max(1, Math.round(ctx.nowNs() - planned)));
        relayed++;
        return;
      }
      const bb = new flatbuffers.ByteBuffer(new Uint8Array(view.buffer, f.offset, f.length));
      env.__init(bb.readInt32(0), bb).body(quote);
      relayView.setFloat64(0, Number(quote.tsNs()), true);
      ctx.route(relay, RELAYED, (f.partition + 1) % ctx.partitions);
    },
    onStop() {
      const summary = { relayed, latency: percentiles(h) };
      ctx.emit(new TextEncoder().encode(JSON.stringify(summary)), SUMMARY, 0);
    },
  };
}
