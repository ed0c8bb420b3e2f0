// tickwave: the embeddable API: the wire format (schema classes, verifier, codecs, frame header), the
// runtime (workers, partitions, rings, price board, clock, sources, typed outputs), the trading jobs
// and the market simulator.
export * from './wire/index.js';
export { startRuntime, Runtime, Ingest, type RuntimeOptions, type RuntimeStats, type IngestResult, type WorkerCrash, type DeadLetterRecord, type OutputHandler, type InputHandler, type BackPressurePolicy } from './runtime/runtime.js';
export type { Job, JobContext, JobFactory, JobSpec, FrameInfo } from './runtime/job.js';
export type { Source, SourceSink } from './runtime/source.js';
export type { RuntimeEvents, RuntimeEventName, Alert, AlertKind, OutputStage } from './runtime/output-events.js';
export { tradingJobs, TRADING_JOBS, type TradingJobName } from './jobs/index.js';
export { resolvePipelineConfig, DEFAULT_CONFIG, type PipelineConfig } from './jobs/config.js';
export { SimulatorSource, type SimulatorSourceOptions, type SimulatorSourceStats } from './sim/simulator-source.js';
export { MarketSimulator, SCENARIO_NAMES, UNIVERSE, type SimulatorOptions, type SimEvent } from './sim/index.js';
export { latencyHistogram, percentiles, type LatencyHistogram, type Percentiles } from './metrics/histogram.js';
export { monotonicNs } from './runtime/clock.js';
export { kafkaPartition, murmur2, partitionOf, KEY_FIELDS } from './runtime/partitioner.js';
export { RingProducer, RingConsumer, createRingRegion, ringStats, frameSlot, DEFAULT_WAIT, SPIN_WAIT, workerWait, type RingRegion, type RingStats, type WaitStrategy } from './ring/spsc-ring.js';
export { SymbolDirectory, PriceBoard, createPriceBoardMemory, type LastPrice, type PriceBoardMemory } from './ring/price-board.js';
export { VERSION } from './version.js';
