// The benchmark registry behind `tickwave bench [name]`.
export interface BenchRunOptions {
  quick?: boolean;
  json?: boolean;
  save?: boolean;
  log?: (line: string) => void;
}

export const BENCHMARKS: Record<string, { about: string; run: (opts: BenchRunOptions) => Promise<Record<string, number>> }> = {
  wire: {
    about: 'encode and verify+read ns per message (Order, Quote) against JSON stringify/parse',
    run: async (opts) => (await import('./wire.bench.js')).runWireBench(opts),
  },
  ring: {
    about: '64-byte frames main -> worker: tickwave ring vs postMessage vs ringbuf.js; one-hop latency spinning and parking',
    run: async (opts) => (await import('./ring.bench.js')).runRingBench(opts),
  },
  routing: {
    about: 'a frame relayed from one partition\'s worker to another\'s: direct worker-to-worker ring vs through the main thread',
    run: async (opts) => (await import('./routing.bench.js')).runRoutingBench(opts),
  },
  kernels: {
    about: 'each Wasm kernel against its TypeScript reference on the same operations (order book vs nodejs-order-book, windows, FIFO lots, pre-trade risk)',
    run: async (opts) => (await import('./kernels.bench.js')).runKernelsBench(opts),
  },
  pipeline: {
    about: 'the trading pipeline open loop at fixed order rates: order -> risk decision and -> exec report percentiles, highest sustained rate',
    run: async (opts) => (await import('./pipeline.bench.js')).runPipelineBench(opts),
  },
  kafka: {
    about: 'market-data ticks through a real broker: tickwave vs a JSON-decoding node-rdkafka consumer, and broker -> alert latency',
    run: async (opts) => (await import('./kafka.bench.js')).runKafkaBench(opts),
  },
  ws: {
    about: 'market data to 1,000 WebSocket clients on loopback: tickwave\'s uWebSockets.js pub/sub vs a server on the ws package, delivered msgs/s and delivery latency',
    run: async (opts) => (await import('./ws.bench.js')).runWsBench(opts),
  },
};
