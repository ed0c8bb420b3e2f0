// Start-up checks that the parts built so far work on this machine: a sample order is encoded,
// verified by the TypeScript verifier and by the Wasm reader, and a corrupted copy is rejected by both
// alike; then the runtime moves quotes through its workers and reports the ring hop.
import { Body, Exchange, OrderT, OrderType, QuoteT, Side, TimeInForce } from './wire/generated/index.js';
import { distFile } from './package-root.js';
import { Ingest, startRuntime } from './runtime/runtime.js';
import type { Percentiles } from './metrics/histogram.js';
import { encode } from './wire/codec.js';
import { Verifier } from './wire/verifier.js';
import { loadWireReader } from './wire/wasm-reader.js';

export function selfCheck(): string {
  const frame = encode(Body.Order, new OrderT(1n, 'TRADER_001', 'AAPL', Side.BUY, OrderType.LIMIT, TimeInForce.GTC, false, 175_230_000n, 0n, 100n, 0n, null));
  const verifier = new Verifier();
  const reader = loadWireReader();
  reader.bytes.set(frame, 0);
  const ts = verifier.verifyBytes(frame);
  const wasm = reader.exports.verify(0, frame.length);
  if (ts !== Body.Order || wasm !== Body.Order) throw new Error(`tickwave self-check failed: verifier ${ts}, wasm reader ${wasm}`);
  const bad = frame.slice();
  bad[4] = 0;
  reader.bytes.set(bad, 0);
  if (verifier.verifyBytes(bad) >= 0 || reader.exports.verify(0, bad.length) !== verifier.verifyBytes(bad)) {
    throw new Error('tickwave self-check failed: a corrupted frame was not rejected alike');
  }
  return `ok (a ${frame.length}-byte Order verified by TypeScript and Wasm; a corrupted copy rejected: ${verifier.rejection().reason})`;
}

/** Runs `frames` quotes through a runtime with the self-check job; returns one line of results. */
export async function runtimeCheck(frames = 100_000): Promise<string> {
  const rt = await startRuntime({ job: distFile('src/runtime/self-check-job.js') });
  const summaries: { frames: number; hop: Percentiles }[] = [];
  rt.onOutput((view, at, length) => summaries.push(JSON.parse(new TextDecoder().decode(new Uint8Array(view.buffer, at, length)))));
  const symbols = ['AAPL', 'GOOGL', 'MSFT', 'AMZN', 'TSLA', 'NVDA', 'META', 'NFLX'];
  const quotes = symbols.map((s, i) => encode(Body.Quote, new QuoteT(s, Exchange.NYSE, 1n, 2n, 3n, 4n, BigInt(i), 5n, 6n)));
  for (let i = 0; i < frames; i++) {
    const q = quotes[i % quotes.length]!;
    if (rt.ingest(q) !== Ingest.OK) await rt.ingestAsync(q);
  }
  const stats = await rt.stop();
  const handled = summaries.reduce((a, s) => a + s.frames, 0);
  if (handled !== frames) throw new Error(`tickwave self-check failed: ${frames} quotes ingested, ${handled} handled`);
  const p99 = Math.max(...summaries.map((s) => s.hop.p99));
  const p50 = Math.max(...summaries.map((s) => s.hop.p50));
  const workers = `${stats.workers} worker${stats.workers === 1 ? '' : 's'}`;
  return `ok (${frames.toLocaleString('en-US')} quotes at full speed through ${workers} and ${stats.partitions} partitions, every one handled; time in the ring p50 ${(p50 / 1000).toFixed(1)} µs, p99 ${(p99 / 1000).toFixed(1)} µs)`;
}
