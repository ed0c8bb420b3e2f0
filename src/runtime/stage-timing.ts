// Per-stage latency, opt-in (RuntimeOptions.stageTiming): ingress (an input's planned send time, or
// its ingest() call, to the moment it is in its worker's ring), ring hop (in the ring until the worker
// takes it), risk check and matching (time inside the trade engine's account and symbol stages for an
// order), egress (a worker writing an output to the moment the main thread receives it). End to end is
// the runtime's output latency (Runtime.histograms()). Frames replayed to rebuild state (origin
// REPLAY_ORIGIN) are left out of every stage, so a warm-up fed that way is not recorded.
//
// A frame header has room for one time only, its origin (the planned send time), so the time a frame
// entered a ring travels beside it: a RingStamps table with one slot per 8 bytes of the ring, indexed by
// the frame's offset. Frames in a ring never overlap, so a slot belongs to one frame from the producer's
// write until the consumer releases it; the producer writes the stamp before it publishes the frame,
// which makes it visible to the consumer with the frame (publish is an Atomics.store, the consumer's
// read of it an Atomics.load).
//
// Thread-safety: a RingStamps table has the same two owners as its ring (the producer writes, the
// consumer reads). A WorkerStageTiming belongs to one worker thread.
import { latencyHistogram, type LatencyHistogram } from '../metrics/histogram.js';
import { RING_CONTROL_BYTES, type RingRegion } from '../ring/spsc-ring.js';

/** Every stage an SLA report covers, in pipeline order. */
export const STAGES = ['ingress', 'ring_hop', 'risk_check', 'matching', 'egress', 'risk_decision', 'end_to_end'] as const;
export type Stage = (typeof STAGES)[number];

/** Stages measured inside the workers, shipped to the main thread when they stop. */
export const WORKER_STAGES = ['ring_hop', 'risk_check', 'matching'] as const;
export type WorkerStage = (typeof WORKER_STAGES)[number];

/** What a job may record into (JobContext.stageTiming): time spent in its stages, in ns. */
export interface JobStageTiming {
  readonly risk_check: LatencyHistogram;
  readonly matching: LatencyHistogram;
}

/** Shared memory for the stamps of one ring: one Float64 per 8 bytes of its data area. */
export const createStampMemory = (region: RingRegion): SharedArrayBuffer => new SharedArrayBuffer(region.capacity);

export class RingStamps {
  private readonly ns: Float64Array;
  private readonly data: number;

  constructor(memory: SharedArrayBuffer, region: RingRegion) {
    this.ns = new Float64Array(memory);
    this.data = region.byteOffset + RING_CONTROL_BYTES;
  }

  /** Producer: the frame whose header is at `at` entered the ring at `ns` (call before publish). */
  stamp(at: number, ns: number): void {
    this.ns[(at - this.data) >>> 3] = ns;
  }

  /** Consumer: when the frame whose header is at `at` entered the ring. */
  stampOf(at: number): number {
    return this.ns[(at - this.data) >>> 3]!;
  }
}

/** Records `nowNs - sinceNs` (a clock read on another thread can be a hair later: clamped to 0). */
export function recordSince(h: LatencyHistogram, sinceNs: number, nowNs: number): void {
  h.recordValue(nowNs > sinceNs ? Math.round(nowNs - sinceNs) : 0);
}

/** A worker's histograms of the stages it measures. */
export class WorkerStageTiming implements JobStageTiming {
  readonly ring_hop = latencyHistogram();
  readonly risk_check = latencyHistogram();
  readonly matching = latencyHistogram();
}
