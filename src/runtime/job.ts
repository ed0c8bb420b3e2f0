import type { PriceBoard, SymbolDirectory } from '../ring/price-board.js';
import type { JobStageTiming } from './stage-timing.js';

// What a job is to the runtime: code that runs inside each worker thread and sees the frames of the
// partitions that worker owns. A job module exports `createJob(ctx)`; the runtime loads it in every
// worker. State a job keeps belongs to its worker alone (single writer).

/**
 * Flag bit in the frame header: the frame was routed by a job to another partition. On an egress ring
 * it tells the main thread to pass the frame on rather than output it; on an inbound ring it tells the
 * job the frame is a later stage's input (an accepted order on its way to the book), not new input.
 */
export const FLAG_ROUTED = 1;

/**
 * Flag bit in the frame header: the parity of the checkpoint epoch the frame belongs to (the epoch of
 * its input, for a routed frame). Runtime.checkpoint() waits for every frame of the old parity.
 */
export const FLAG_EPOCH = 2;

/** Message types from 240 up are control frames on rings, never messages. */
export const CONTROL_BARRIER = 250;

export interface JobContext {
  readonly workerId: number;
  readonly workers: number;
  readonly partitions: number;
  /** The partitions this worker owns: p with p % workers === workerId. */
  readonly ownedPartitions: readonly number[];
  /** The job's options, as given to startRuntime (structured-cloned). */
  readonly options: unknown;
  /**
   * Sends a frame (Envelope bytes) out of the runtime, to the main thread's output handlers.
   * `originNs`: when the input that caused it entered the runtime (FrameInfo.ingressNs), so the main
   * thread can time each output from its cause; default now.
   */
  emit(frame: Uint8Array, msgType: number, partition: number, originNs?: number): void;
  /**
   * Makes what this worker emitted so far visible to the main thread now, rather than at the end of
   * its round (every 64 frames otherwise): for an output someone waits on, such as a risk decision.
   */
  flush(): void;
  /**
   * Sends a frame to the worker owning `partition` (directly or via the main thread, as configured);
   * it arrives with FrameInfo.routed set and FrameInfo.ingressNs = `originNs` (default now).
   */
  route(frame: Uint8Array, msgType: number, partition: number, originNs?: number): void;
  /** Nanoseconds on the runtime's one clock (src/runtime/clock.ts). */
  nowNs(): number;
  /** Symbol slots of the shared last-price board (any worker may intern or look up). */
  readonly symbols: SymbolDirectory;
  /** The shared last prices: publish only for symbols of partitions this worker owns. */
  readonly prices: PriceBoard;
  /**
   * Histograms of the time spent in a job's stages, when the runtime was started with stageTiming
   * (null or absent otherwise: then a job reads no clock for them).
   */
  readonly stageTiming?: JobStageTiming | null;
}

export interface FrameInfo {
  /** Message type (Body tag). */
  type: number;
  partition: number;
  /** Sequence on the ring it came from. */
  sequence: number;
  /** When ingress wrote it (or, for a routed frame, when its cause entered), on the one clock. */
  ingressNs: number;
  /** True when another job routed it here (ctx.route), false for input from the main thread. */
  routed: boolean;
  /** Where its Envelope bytes start in `view`, and how many. */
  offset: number;
  length: number;
}

export interface Job {
  /** One frame of an owned partition. `view` is only valid during the call: copy what you keep. */
  onFrame(view: DataView, frame: FrameInfo): void;
  /**
   * The message types (Body tags, 1-249) this job takes; frames of other types are not handed to it
   * (a worker running several jobs calls each only for what it reads). Default: every type.
   */
  readonly accepts?: readonly number[];
  /**
   * Called once when the runtime stops, after every frame was handled. Close what the job holds
   * here, uWebSockets.js sockets above all: a worker terminated with open uWS sockets aborts the
   * whole process.
   */
  onStop?(): void | Promise<void>;
  /**
   * Called about every `tickMs` (default 100 ms) of the one clock, between frames, also when no frame
   * arrives: for work driven by time rather than input (advancing an idle partition's watermark,
   * marking positions to market). Precision is bounded by the worker's park time (50 ms by default).
   */
  onTick?(nowNs: number): void;
  tickMs?: number;
  /**
   * Called after each round in which the worker handed frames to its jobs (up to a few hundred per
   * ring), before their outputs are published: for work worth doing once per batch rather than per
   * frame (valuing an account once after several fills).
   */
  onBatchEnd?(): void;
}

export type JobFactory = (ctx: JobContext) => Job | Promise<Job>;

/** A job module for the runtime: its path or file: URL, and the options its createJob receives. */
export interface JobSpec {
  module: string;
  options?: unknown;
}
