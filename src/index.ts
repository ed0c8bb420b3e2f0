// tickwave: the embeddable API: the wire format (schema classes, verifier, codecs, frame header) and
// the runtime (workers, partitions, rings, price board, clock). Kernels and jobs join as they land.
export * from './wire/index.js';
export { startRuntime, Runtime, Ingest, type RuntimeOptions, type RuntimeStats, type IngestResult, type WorkerCrash, type DeadLetterRecord, type OutputHandler, type BackPressurePolicy } from './runtime/runtime.js';
export type { Job, JobContext, JobFactory, FrameInfo } from './runtime/job.js';
export { monotonicNs } from './runtime/clock.js';
export { kafkaPartition, murmur2, partitionOf, KEY_FIELDS } from './runtime/partitioner.js';
export { RingProducer, RingConsumer, createRingRegion, ringStats, frameSlot, DEFAULT_WAIT, type RingRegion, type RingStats, type WaitStrategy } from './ring/spsc-ring.js';
export { SymbolDirectory, PriceBoard, createPriceBoardMemory, type LastPrice, type PriceBoardMemory } from './ring/price-board.js';
export { VERSION } from './version.js';
