// What feeds a runtime: a source pushes Envelope frames into it (the simulator, a replay file, Kafka),
// pacing itself and pausing on back-pressure. The runtime starts each source once its workers are up
// and stops the sources first when it stops, so every frame a source handed over is still processed.
import type { IngestResult } from './runtime.js';

/** The part of the runtime a source writes to. */
export interface SourceSink {
  /** Verifies and enqueues a frame; FULL means pause and retry after whenWritable(). */
  ingest(frame: Uint8Array, source?: string, originNs?: number): IngestResult;
  /** ingest(), waiting while the owner's ring is full. */
  ingestAsync(frame: Uint8Array, source?: string, originNs?: number): Promise<IngestResult>;
  whenWritable(frame: Uint8Array, timeoutMs?: number): Promise<void>;
}

export interface Source {
  /** Names the source in dead letters and stats. */
  readonly name: string;
  /** Runs until the source ends or stop() is called; resolves then. */
  run(sink: SourceSink): Promise<void>;
  /** Asks run() to finish soon (after handing over the frame in hand). */
  stop(): void;
}
