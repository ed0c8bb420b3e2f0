// `tickwave bench routing`: a cross-key flow (a frame handled by one partition's worker, then by
// another's) routed worker to worker through a direct ring, or back through the main thread and in
// again. Measured in one run: the most frames/s each carries over two hops, and the second hop's
// latency at a fixed open-loop rate, from each frame's planned send time.
import * as flatbuffers from 'flatbuffers';
import { Body, Envelope, Exchange, Quote, QuoteT } from '../src/wire/generated/index.js';
import { voffsetOf } from '../src/runtime/partitioner.js';
import { WireBuilder } from '../src/wire/wire-builder.js';
import { EnvelopeT } from '../src/wire/generated/index.js';
import { FILE_IDENTIFIER } from '../src/wire/layout.generated.js';
import { Ingest, startRuntime } from '../src/runtime/runtime.js';
import { monotonicNs } from '../src/runtime/clock.js';
import { distFile } from '../src/package-root.js';
import type { Percentiles } from '../src/metrics/histogram.js';
import { saveRecord } from './report.js';
import type { BenchRunOptions } from './index.js';

const SYMBOLS = ['AAPL', 'GOOGL', 'MSFT', 'AMZN', 'TSLA', 'NVDA', 'META', 'NFLX'];
const builder = new WireBuilder(256);

function quoteFrame(i: number, plannedNs: number): Uint8Array {
  builder.clear();
  const q = new QuoteT(SYMBOLS[i % SYMBOLS.length]!, Exchange.NYSE, 1n, 2n, 3n, 4n, 5n, BigInt(i), BigInt(Math.round(plannedNs)));
  builder.finish(new EnvelopeT(Body.Quote, q).pack(builder), FILE_IDENTIFIER);
  return builder.asUint8Array().slice();
}

/** Byte offset of a frame's Quote.ts_ns, so the planned time can be written in place. */
function tsOffset(frame: Uint8Array): number {
  const bb = new flatbuffers.ByteBuffer(frame);
  const q = Envelope.getRootAsEnvelope(bb).body(new Quote()) as Quote;
  return q.bb_pos + bb.__offset(q.bb_pos, voffsetOf('Quote.ts_ns'));
}

interface Result {
  framesPerS: number;
  latency: Percentiles;
}

async function measure(routing: 'direct' | 'main', frames: number, rate: number, openLoopFrames: number): Promise<Result> {
  const job = distFile('bench/jobs/relay.js');
  // Saturation: ingest as fast as the rings take frames; the time ends when every relay was handled.
  const pre = Array.from({ length: 1024 }, (_, i) => quoteFrame(i, 0));
  let rt = await startRuntime({ job, workers: 2, partitions: 8, routing });
  let summaries: { relayed: number; latency: Percentiles }[] = [];
  const collect = () =>
    rt.onOutput((view, at, length, type) => {
      if (type === 239) summaries.push(JSON.parse(new TextDecoder().decode(new Uint8Array(view.buffer, at, length))));
    });
  collect();
  const start = monotonicNs();
  for (let i = 0; i < frames; i++) {
    const f = pre[i & 1023]!;
    if (rt.ingest(f) === Ingest.FULL) await rt.ingestAsync(f);
  }
  await rt.stop();
  const framesPerS = frames / ((monotonicNs() - start) / 1e9);
  if (summaries.reduce((a, s) => a + s.relayed, 0) !== frames) throw new Error(`routing ${routing}: relays lost`);
  // Open loop at `rate`: frame i is due at t0 + i / rate and carries that time.
  rt = await startRuntime({ job, workers: 2, partitions: 8, routing });
  summaries = [];
  collect();
  const interval = 1e9 / rate;
  // Frames encoded with a non-zero ts_ns, so the field is present and can be overwritten in place.
  const timed = Array.from({ length: 1024 }, (_, i) => quoteFrame(i, 1));
  const at = timed.map(tsOffset);
  const t0 = monotonicNs() + 1e6;
  for (let i = 0; i < openLoopFrames; ) {
    const due = Math.min(openLoopFrames, Math.floor((monotonicNs() - t0) / interval) + 1);
    while (i < due) {
      const planned = t0 + i * interval;
      const f = timed[i & 1023]!;
      const v = new DataView(f.buffer, f.byteOffset);
      v.setUint32(at[i & 1023]!, planned % 2 ** 32, true);
      v.setUint32(at[i & 1023]! + 4, Math.floor(planned / 2 ** 32), true);
      if (rt.ingest(f) === Ingest.FULL) break;
      i++;
    }
    // Yield every time: the main thread also drains egress (and, routing through it, re-ingests).
    await new Promise<void>((r) => setImmediate(r));
  }
  await rt.stop();
  // Workers' histograms are summarised separately; the worse of the two is reported.
  const worst = summaries.reduce((a, s) => (s.latency.p99 > a.latency.p99 ? s : a));
  return { framesPerS, latency: worst.latency };
}

export async function runRoutingBench(opts: BenchRunOptions = {}): Promise<Record<string, number>> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const quick = opts.quick === true;
  const frames = quick ? 100_000 : 500_000;
  const openLoop = quick ? 20_000 : 100_000;
  const rate = Number(process.env.TICKWAVE_ROUTING_RATE ?? 10_000);
  log(`tickwave bench routing${quick ? ' --quick' : ''}: quotes relayed to another partition's worker, 2 workers, 8 partitions`);
  const direct = await measure('direct', frames, rate, openLoop);
  const viaMain = await measure('main', frames, rate, openLoop);
  const us = (ns: number) => Math.round(ns / 10) / 100;
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  const table = [
    `| routing | frames/s, two hops | hop-2 p50 µs | p99 µs | p99.9 µs | max µs (open loop, ${fmt(rate)}/s) |`,
    '|---|---:|---:|---:|---:|---:|',
    `| worker to worker (direct ring) | ${fmt(direct.framesPerS)} | ${us(direct.latency.p50)} | ${us(direct.latency.p99)} | ${us(direct.latency.p999)} | ${us(direct.latency.max)} |`,
    `| through the main thread | ${fmt(viaMain.framesPerS)} | ${us(viaMain.latency.p50)} | ${us(viaMain.latency.p99)} | ${us(viaMain.latency.p999)} | ${us(viaMain.latency.max)} |`,
  ].join('\n');
  const summary: Record<string, number> = {
    routing_direct_frames_per_s: Math.round(direct.framesPerS),
    routing_main_frames_per_s: Math.round(viaMain.framesPerS),
    ratio_direct_vs_main: Math.round((direct.framesPerS / viaMain.framesPerS) * 100) / 100,
    routing_direct_p50_us: us(direct.latency.p50),
    routing_direct_p99_us: us(direct.latency.p99),
    routing_main_p50_us: us(viaMain.latency.p50),
    routing_main_p99_us: us(viaMain.latency.p99),
  };
  const notes = [
    `direct / through main, frames/s: ${summary.ratio_direct_vs_main}x: ${summary.ratio_direct_vs_main! >= 1 ? 'worker-to-worker rings are faster, and are the default' : 'the main thread is faster here'}`,
    'latency: from the quote\'s planned send time to the relay\'s arrival at the second worker (both hops and the main thread\'s ingress)',
  ];
  log(table);
  for (const n of notes) log(n);
  if (opts.save !== false) saveRecord({ name: 'routing', command: `npx tickwave bench routing${quick ? ' --quick' : ''}`, table, notes, summary });
  if (opts.json) log(JSON.stringify(summary));
  return summary;
}
