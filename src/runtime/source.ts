// What feeds a runtime: a source pushes Envelope frames into it (the simulator, a replay file, Kafka),
// pacing itself and pausing on back-pressure. The runtime starts each source once its workers are up
// and stops the sources first when it stops, so every frame a source handed over is still processed.
import type { IngestResult } from './runtime.js';
import type { Rejection } from '../wire/verifier.js';

/** The part of the runtime a source writes to. */
export interface SourceSink {
  /** The runtime's partition count. */
  readonly partitions: number;
  /** Verifies and enqueues a frame; FULL means pause and retry after whenWritable(). */
  ingest(frame: Uint8Array, source?: string, originNs?: number): IngestResult;
  /** ingest(), waiting while the owner's ring is full. */
  ingestAsync(frame: Uint8Array, source?: string, originNs?: number): Promise<IngestResult>;
  /** Resolves when the ring `frame` goes to (by its key, or to `partition`) has room, or after timeoutMs. */
  whenWritable(frame: Uint8Array, timeoutMs?: number, partition?: number): Promise<void>;
  /** A frame another process routed to `partition` (a stage topic), enqueued as a routed frame. */
  ingestRouted(frame: Uint8Array, partition: number, source?: string, originNs?: number): IngestResult;
  /** Resolves when every frame given so far is handled and its outputs delivered. */
  whenIdle(timeoutMs?: number): Promise<void>;
  /**
   * Resolves when every frame given before the call is handled and its outputs delivered, while later
   * frames flow on (a source commits on it); rejects when a worker crashed. See Runtime.checkpoint().
   */
  checkpoint(timeoutMs?: number): Promise<void>;
  /** Why the last REJECTED frame was refused. */
  lastRejection(): Rejection | null;
}

/**
 * The origin time a source gives frames it replays to rebuild state: their outputs were produced
 * before (by this process or another), so the runtime counts them but output sinks skip them, and
 * latency histograms leave them out.
 */
export const REPLAY_ORIGIN = 1;

export interface Source {
  /** Names the source in dead letters and stats. */
  readonly name: string;
  /** Runs until the source ends or stop() is called; resolves then. */
  run(sink: SourceSink): Promise<void>;
  /** Asks run() to finish soon (after handing over the frame in hand). */
  stop(): void;
}
