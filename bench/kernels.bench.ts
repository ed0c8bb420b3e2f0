// `tickwave bench kernels`: each Wasm kernel against its TypeScript reference on the same operations,
// in one run. The kernels take commands in batches from their memory (as they will from ring frames);
// the references take the same commands one call at a time. The references are written for clarity
// and exact 64-bit arithmetic (BigInt), not speed: the ratio is what the kernels buy.
import { Bench } from 'tinybench';
import { FifoLotsReference, FifoLotsWasm } from '../src/kernels/fifo-lots.js';
import { PreTradeRiskReference, PreTradeRiskWasm, type RiskPolicy } from '../src/kernels/pre-trade-risk.js';
import { AccountStatus, Side as WireSide, TimeInForce as WireTif } from '../src/wire/generated/index.js';
import { BOOK_COMMAND_BYTES, type BookCommand, OrderBooksReference, OrderBooksWasm, writeBookCommands } from '../src/kernels/order-book.js';
import { OrderBook as NodeOrderBook, Side as NodeSide } from 'nodejs-order-book';
import { monotonicNs } from '../src/runtime/clock.js';
import { exchangeCoreMix } from './book-stream.js';
import { type WindowSpec, WindowKind, WindowsReference, WindowsWasm } from '../src/kernels/windows.js';
import { latencyHistogram, percentiles } from '../src/metrics/histogram.js';
import { saveRecord } from './report.js';
import type { BenchRunOptions } from './index.js';

const BATCH = 4096;
const COMMANDS_AT = 0;
const RESULTS_AT = 512 * 1024;

interface Command {
  account: number;
  symbol: number;
  side: number;
  qty: bigint;
  price: bigint;
}

function commands(seed: number, n: number, accounts: number, symbols: number): Command[] {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return Array.from({ length: n }, () => ({
    account: 1 + (next() % accounts),
    symbol: 1 + (next() % symbols),
    side: 1 + (next() % 2),
    qty: BigInt(1 + (next() % 500)),
    price: BigInt(90_000_000 + (next() % 2000) * 10_000),
  }));
}

/** Writes commands as 32-byte records (account, symbol, side, pad, qty, price) into kernel memory. */
function writeCommands(memory: WebAssembly.Memory, cmds: Command[]): void {
  const view = new DataView(memory.buffer);
  cmds.forEach((c, i) => {
    const at = COMMANDS_AT + i * 32;
    view.setUint32(at, c.account, true);
    view.setUint32(at + 4, c.symbol, true);
    view.setUint32(at + 8, c.side, true);
    view.setBigInt64(at + 16, c.qty, true);
    view.setBigInt64(at + 24, c.price, true);
  });
}

const CHUNK = 4096;

interface Throughput {
  opsPerS: number;
  p50: number;
  p99: number;
}

/** Times a command stream through `run(from, to)` chunk by chunk: ops/s overall, ns/op percentiles. */
function timeStream(n: number, run: (from: number, to: number) => void): Throughput {
  const h = latencyHistogram();
  let total = 0;
  for (let from = 0; from < n; from += CHUNK) {
    const to = Math.min(n, from + CHUNK);
    const t0 = monotonicNs();
    run(from, to);
    const dt = monotonicNs() - t0;
    total += dt;
    h.recordValue(Math.max(1, Math.round(dt / (to - from))));
  }
  const p = percentiles(h);
  return { opsPerS: n / (total / 1e9), p50: p.p50, p99: p.p99 };
}

function bookWasm(stream: readonly BookCommand[]): { book: OrderBooksWasm; at: number } {
  const book = new OrderBooksWasm(16_384, 4_096, 1);
  const at = book.exports.reserve(stream.length * BOOK_COMMAND_BYTES);
  writeBookCommands(new DataView(book.memory.buffer), at, stream);
  return { book, at };
}

function runReference(book: OrderBooksReference, c: BookCommand): void {
  if (c.op === 'submit') book.submit(c.order);
  else if (c.op === 'cancel') book.cancel(c.orderId);
  else book.replace(c.orderId, c.price, c.quantity);
}

/** The same stream as nodejs-order-book calls (prices in ticks of 0.01, as numbers). */
function runNodeOrderBook(ob: NodeOrderBook, c: BookCommand): void {
  if (c.op === 'submit') {
    const o = c.order;
    ob.limit({
      id: String(o.orderId), side: o.side === WireSide.BUY ? NodeSide.BUY : NodeSide.SELL, size: Number(o.quantity), price: Number(o.price / 10_000n),
      timeInForce: (o.tif === WireTif.IOC ? 'IOC' : 'GTC') as never,
    });
  } else if (c.op === 'cancel') ob.cancel(String(c.orderId));
  else ob.modify(String(c.orderId), { price: Number(c.price / 10_000n), size: Number(c.quantity) });
}

interface WindowEvent {
  key: number;
  ts: bigint;
  price: bigint;
  qty: bigint;
}

/** Quotes of 8 symbols every 10 µs of event time, 2% up to 5 ms out of order. */
function windowEvents(n: number): WindowEvent[] {
  let s = 7;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return Array.from({ length: n }, (_, i) => {
    const ts = 1_000_000_000_000n + BigInt(i) * 10_000n - (next() % 50 === 0 ? BigInt(next() % 5_000_000) : 0n);
    return { key: 1 + (i % 8), ts, price: BigInt(100_000_000 + (next() % 100_000)), qty: BigInt(1 + (next() % 500)) };
  });
}

function windowThroughput(spec: WindowSpec, events: readonly WindowEvent[]): Throughput {
  const w = new WindowsWasm(spec, 64);
  const at = w.exports.reserve(events.length * 32);
  const view = new DataView(w.memory.buffer);
  events.forEach((e, i) => {
    view.setUint32(at + i * 32, e.key, true);
    view.setBigInt64(at + i * 32 + 8, e.ts, true);
    view.setBigInt64(at + i * 32 + 16, e.price, true);
    view.setBigInt64(at + i * 32 + 24, e.qty, true);
  });
  return timeStream(events.length, (from, to) => {
    w.exports.eventBatch(at + from * 32, to - from);
  });
}

/** The book at an open-loop rate: operation i is due at t0 + i / rate; latency is from then to done. */
function bookLatency(stream: readonly BookCommand[], rate: number): ReturnType<typeof percentiles> {
  const { book, at } = bookWasm(stream);
  const h = latencyHistogram();
  const interval = 1e9 / rate;
  const warmup = Math.floor(stream.length / 5);
  const t0 = monotonicNs() + 1e6;
  let i = 0;
  while (i < stream.length) {
    const due = Math.min(stream.length, Math.floor((monotonicNs() - t0) / interval) + 1);
    const first = i;
    while (i < due) {
      book.exports.processBatch(at + i * BOOK_COMMAND_BYTES, 1);
      i++;
    }
    if (i > first) {
      const done = monotonicNs();
      for (let k = Math.max(first, warmup); k < i; k++) h.recordValue(Math.max(1, Math.round(done - (t0 + k * interval))));
    }
  }
  return percentiles(h);
}

export async function runKernelsBench(opts: BenchRunOptions = {}): Promise<Record<string, number>> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const quick = opts.quick === true;
  const time = quick ? 200 : 1000;
  log(`tickwave bench kernels${quick ? ' --quick' : ''}: Wasm kernels vs their TypeScript references, ${BATCH} operations per iteration`);

  // FIFO lots: fills over 20 accounts x 8 symbols.
  const fills = commands(1, BATCH, 20, 8);
  const lotsWasm = new FifoLotsWasm(1024, 1 << 20);
  writeCommands(lotsWasm.memory, fills);
  const lotsRef = new FifoLotsReference(1024, 1 << 20);

  // Pre-trade risk: checks over 20 accounts with limits, 8 symbols with marks; fills now and then
  // release pending exposure so the book of checks does not simply fill up.
  const policy: RiskPolicy = {
    status: AccountStatus.ACTIVE, maxOrderQty: 400n, maxOrderNotional: 40_000_000_000n, defaultPositionCap: 100_000n,
    grossExposureLimit: 10n ** 15n, maxLeverageBp: 400_000n, dailyLossLimit: 10n ** 12n, equity: 10n ** 13n,
  };
  const riskWasm = new PreTradeRiskWasm(64, 1024, 64);
  const riskRef = new PreTradeRiskReference(64, 1024, 64);
  for (const k of [riskWasm, riskRef]) {
    for (let a = 1; a <= 20; a++) k.setPolicy(a, policy);
    for (let s = 1; s <= 8; s++) k.setMark(s, 100_000_000n);
  }
  const checks = commands(2, BATCH, 20, 8);
  writeCommands(riskWasm.memory, checks);
  const release = () => {
    for (const k of [riskWasm, riskRef]) for (let a = 1; a <= 20; a++) for (let s = 1; s <= 8; s++) {
      k.cancel(a, s, 1, 1n << 40n);
      k.cancel(a, s, 2, 1n << 40n);
    }
  };

  const bench = new Bench({ name: 'kernels', time, warmupTime: quick ? 50 : 200, retainSamples: true });
  bench
    .add('lots: Wasm (batch)', () => {
      lotsWasm.exports.fillBatch(COMMANDS_AT, BATCH, RESULTS_AT);
    })
    .add('lots: TypeScript reference', () => {
      for (const c of fills) lotsRef.fill(c.account, c.symbol, c.side, c.qty, c.price);
    })
    .add('risk: Wasm (batch)', () => {
      riskWasm.exports.checkBatch(COMMANDS_AT, BATCH, RESULTS_AT);
    }, { afterEach: release })
    .add('risk: TypeScript reference', () => {
      for (const c of checks) riskRef.check(c.account, c.symbol, c.side, c.qty, c.price);
    }, { afterEach: release });
  await bench.run();

  // The order book on exchange-core's mix: tickwave's kernel, its reference, nodejs-order-book.
  const stream = exchangeCoreMix(quick ? 100_000 : 500_000);
  const wasmBook = bookWasm(stream);
  const bookW = timeStream(stream.length, (from, to) => {
    wasmBook.book.exports.processBatch(wasmBook.at + from * BOOK_COMMAND_BYTES, to - from);
  });
  const refBook = new OrderBooksReference(16_384, 4_096, 1);
  const bookR = timeStream(Math.min(stream.length, quick ? 20_000 : 100_000), (from, to) => {
    for (let i = from; i < to; i++) runReference(refBook, stream[i]!);
  });
  const nodeBook = new NodeOrderBook();
  const bookN = timeStream(stream.length, (from, to) => {
    for (let i = from; i < to; i++) runNodeOrderBook(nodeBook, stream[i]!);
  });
  const lat = bookLatency(stream, 1_000_000);

  // Windows: 1 s tumbling, 60 s hopping by 1 s (60 windows per event: where copying each event into
  // every window collapses), 30 s sessions, 20-event count windows; EMIT CHANGES on and off.
  const S = 1_000_000_000n;
  const events = windowEvents(quick ? 200_000 : 1_000_000);
  const spec = (kind: number, size: bigint, slide: bigint, emitChanges = false): WindowSpec => ({ kind, size, slide, lateness: 2n * S, delay: 10_000_000n, emitChanges });
  const winT = windowThroughput(spec(WindowKind.TUMBLING, S, S), events);
  const winTC = windowThroughput(spec(WindowKind.TUMBLING, S, S, true), events);
  const winH = windowThroughput(spec(WindowKind.HOPPING, 60n * S, S), events);
  const winHC = windowThroughput(spec(WindowKind.HOPPING, 60n * S, S, true), events.slice(0, quick ? 20_000 : 100_000));
  const winS = windowThroughput(spec(WindowKind.SESSION, 30n * S, 0n), events);
  const winC = windowThroughput(spec(WindowKind.COUNT, 20n, 1n), events);
  const refW = new WindowsReference(spec(WindowKind.TUMBLING, S, S), 64);
  const winR = timeStream(Math.min(events.length, quick ? 50_000 : 200_000), (from, to) => {
    for (let i = from; i < to; i++) refW.event(events[i]!.key, events[i]!.ts, events[i]!.price, events[i]!.qty);
  });

  const perOp = new Map<string, { p50: number; p99: number; opsPerS: number }>();
  for (const task of bench.tasks) {
    const result = task.result as { latency?: { samples?: number[] }; error?: Error };
    if (!result.latency) throw new Error(`bench task ${task.name} did not complete: ${result.error?.message ?? 'no result'}`);
    const h = latencyHistogram();
    for (const ms of result.latency.samples ?? []) h.recordValue(Math.max(1, Math.round((ms * 1e6) / BATCH)));
    const p = percentiles(h);
    perOp.set(task.name, { p50: p.p50, p99: p.p99, opsPerS: 1e9 / p.p50 });
  }
  const row = (name: string) => {
    const r = perOp.get(name)!;
    return `| ${name} | ${r.p50} | ${r.p99} | ${Math.round(r.opsPerS).toLocaleString('en-US')} |`;
  };
  perOp.set('windows: tumbling 1 s (Wasm)', winT);
  perOp.set('windows: tumbling 1 s, EMIT CHANGES', winTC);
  perOp.set('windows: hopping 60 s / 1 s', winH);
  perOp.set('windows: hopping 60 s / 1 s, EMIT CHANGES', winHC);
  perOp.set('windows: session, 30 s gap', winS);
  perOp.set('windows: count, last 20 events', winC);
  perOp.set('windows: tumbling 1 s, TypeScript reference', winR);
  perOp.set('book: Wasm (batch), exchange-core mix', bookW);
  perOp.set('book: TypeScript reference', bookR);
  perOp.set('book: nodejs-order-book', bookN);
  const us = (ns: number) => Math.round(ns / 10) / 100;
  const table = [
    '| kernel | ns/op p50 | p99 | ops/s |',
    '|---|---:|---:|---:|',
    ...[...bench.tasks.map((t) => t.name), 'windows: tumbling 1 s (Wasm)', 'windows: tumbling 1 s, EMIT CHANGES', 'windows: hopping 60 s / 1 s',
      'windows: hopping 60 s / 1 s, EMIT CHANGES', 'windows: session, 30 s gap', 'windows: count, last 20 events', 'windows: tumbling 1 s, TypeScript reference',
      'book: Wasm (batch), exchange-core mix', 'book: TypeScript reference', 'book: nodejs-order-book'].map((n) => row(n)),
    '',
    '| book at 1 M operations/s, open loop | p50 µs | p99 µs | p99.99 µs | max µs |',
    '|---|---:|---:|---:|---:|',
    `| Wasm book, one call per operation | ${us(lat.p50)} | ${us(lat.p99)} | ${us(lat.p9999)} | ${us(lat.max)} |`,
  ].join('\n');
  const ops = (name: string) => perOp.get(name)!.opsPerS;
  const summary: Record<string, number> = {
    lots_fills_per_s: Math.round(ops('lots: Wasm (batch)')),
    lots_ratio_vs_ts_reference: Math.round((ops('lots: Wasm (batch)') / ops('lots: TypeScript reference')) * 10) / 10,
    risk_checks_per_s: Math.round(ops('risk: Wasm (batch)')),
    risk_ratio_vs_ts_reference: Math.round((ops('risk: Wasm (batch)') / ops('risk: TypeScript reference')) * 10) / 10,
    window_events_per_s: Math.round(winT.opsPerS),
    window_hopping_events_per_s: Math.round(winH.opsPerS),
    window_session_events_per_s: Math.round(winS.opsPerS),
    window_count_events_per_s: Math.round(winC.opsPerS),
    window_ratio_vs_ts_reference: Math.round((winT.opsPerS / winR.opsPerS) * 10) / 10,
    emit_changes_slowdown_tumbling: Math.round((winT.opsPerS / winTC.opsPerS) * 100) / 100,
    emit_changes_slowdown_hopping: Math.round((winH.opsPerS / winHC.opsPerS) * 10) / 10,
    book_ops_per_s: Math.round(bookW.opsPerS),
    book_ratio_vs_nodejs_order_book: Math.round((bookW.opsPerS / bookN.opsPerS) * 10) / 10,
    book_ratio_vs_ts_reference: Math.round((bookW.opsPerS / bookR.opsPerS) * 10) / 10,
    nodejs_order_book_ops_per_s: Math.round(bookN.opsPerS),
    book_p50_us_at_1m: us(lat.p50),
    book_p99_us_at_1m: us(lat.p99),
    book_p9999_us_at_1m: us(lat.p9999),
  };
  const notes = [
    `Wasm / TypeScript reference: FIFO lots ${summary.lots_ratio_vs_ts_reference}x, pre-trade risk ${summary.risk_ratio_vs_ts_reference}x (medians)`,
    'between risk iterations, untimed, every pending quantity is released so checks keep meeting open limits',
    `book on exchange-core's mix (${stream.length.toLocaleString('en-US')} operations: 9% GTC, 3% IOC, 6-7% cancel, 80% price moves, ~1,000 resting orders): ${summary.book_ratio_vs_nodejs_order_book}x nodejs-order-book, ${summary.book_ratio_vs_ts_reference}x the reference (ops/s over the whole stream)`,
    'book latency: from each operation\'s planned time to its completion, one kernel call per operation; the first fifth warms up',
    `windows: ${summary.window_ratio_vs_ts_reference}x the reference (tumbling); EMIT CHANGES costs ${summary.emit_changes_slowdown_tumbling}x on tumbling windows and ${summary.emit_changes_slowdown_hopping}x on 60 s / 1 s hopping windows, where each event re-emits the 60 windows it is in (the left parts of its windows kept from the key's last event, one sweep over the panes to the right, then one merge per window)`,
  ];
  log(table);
  for (const n of notes) log(n);
  if (opts.save !== false) saveRecord({ name: 'kernels', command: `npx tickwave bench kernels${quick ? ' --quick' : ''}`, table, notes, summary });
  if (opts.json) log(JSON.stringify(summary));
  return summary;
}
