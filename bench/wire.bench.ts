// `tickwave bench wire`: what the wire format costs per message, against JSON measured in the same
// run. Encode (flatc builder into a frame), verify+read (tickwave's verifier, then every field through
// flatc's accessors, in place), the AssemblyScript verifier, and JSON.stringify / JSON.parse of the
// same message as a plain object; and an exec report written by a Builder against FixedFrame (the
// trade engine's writer of fixed-shape outputs). Each benchmark iteration handles a batch of messages; tinybench
// times the batches and an HDR histogram gives percentiles of the per-message cost.
import * as flatbuffers from 'flatbuffers';
import { Bench } from 'tinybench';
import { Body, Envelope, Exchange, ExecReport, ExecStatus, Order, OrderType, Quote, RejectReason, SelfTradePrevention, Side, TimeInForce } from '../src/wire/generated/index.js';
import { FixedFrame } from '../src/wire/fixed-frame.js';
import { Verifier } from '../src/wire/verifier.js';
import { WireBuffer } from '../src/wire/wire-buffer.js';
import { WireBuilder } from '../src/wire/wire-builder.js';
import { loadWireReader } from '../src/wire/wasm-reader.js';
import { latencyHistogram, percentiles } from '../src/metrics/histogram.js';
import { saveRecord } from './report.js';

export interface WireBenchOptions {
  quick?: boolean;
  json?: boolean;
  /** Write bench/results/wire.json and regenerate bench/RESULTS.md (default true). */
  save?: boolean;
  log?: (line: string) => void;
}

const BATCH = 256;
const SET = 1024;
const SYMBOLS = ['AAPL', 'GOOGL', 'MSFT', 'AMZN', 'TSLA', 'NVDA', 'META', 'NFLX'];
const EXCHANGES = [Exchange.NYSE, Exchange.NASDAQ, Exchange.BATS];

interface OrderJson {
  order_id: number; account: string; symbol: string; side: string; type: string; tif: string; post_only: boolean;
  price: number; stop_price: number; quantity: number; client_ts_ns: number; strategy_id: string; stp: string;
}
interface QuoteJson {
  symbol: string; exchange: string; bid: number; ask: number; bid_size: number; ask_size: number; last: number; volume: number; ts_ns: number;
}

function sampleOrders(): OrderJson[] {
  return Array.from({ length: SET }, (_, i) => ({
    order_id: 1_000_000 + i,
    account: `TRADER_${String(1 + (i % 20)).padStart(3, '0')}`,
    symbol: SYMBOLS[i % SYMBOLS.length]!,
    side: i % 2 ? 'SELL' : 'BUY',
    type: 'LIMIT',
    tif: 'GTC',
    post_only: i % 7 === 0,
    price: 175_230_000 + (i % 100) * 10_000,
    stop_price: 0,
    quantity: 100 + (i % 10) * 100,
    client_ts_ns: 1_763_769_600_000_000_000 + i * 1000,
    strategy_id: `strategy-${i % 5}`,
    stp: 'NONE',
  }));
}

function sampleQuotes(): QuoteJson[] {
  return Array.from({ length: SET }, (_, i) => ({
    symbol: SYMBOLS[i % SYMBOLS.length]!,
    exchange: Exchange[EXCHANGES[i % 3]!]!,
    bid: 175_210_000 + (i % 50) * 10_000,
    ask: 175_250_000 + (i % 50) * 10_000,
    bid_size: 5000 + i,
    ask_size: 3000 + i,
    last: 175_230_000 + (i % 50) * 10_000,
    volume: 125_000 + i * 10,
    ts_ns: 1_763_769_600_000_000_000 + i * 1000,
  }));
}

function encodeOrder(b: flatbuffers.Builder, o: OrderJson): void {
  b.clear();
  const account = b.createString(o.account);
  const symbol = b.createString(o.symbol);
  const strategy = b.createString(o.strategy_id);
  const order = Order.createOrder(b, BigInt(o.order_id), account, symbol, o.side === 'BUY' ? Side.BUY : Side.SELL, OrderType.LIMIT,
    TimeInForce.GTC, o.post_only, BigInt(o.price), BigInt(o.stop_price), BigInt(o.quantity), BigInt(o.client_ts_ns), strategy, SelfTradePrevention.NONE);
  b.finish(Envelope.createEnvelope(b, Body.Order, order), 'TWV1');
}

function encodeQuote(b: flatbuffers.Builder, q: QuoteJson): void {
  b.clear();
  const symbol = b.createString(q.symbol);
  const quote = Quote.createQuote(b, symbol, Exchange[q.exchange as keyof typeof Exchange], BigInt(q.bid), BigInt(q.ask), BigInt(q.bid_size),
    BigInt(q.ask_size), BigInt(q.last), BigInt(q.volume), BigInt(q.ts_ns));
  b.finish(Envelope.createEnvelope(b, Body.Quote, quote), 'TWV1');
}

interface ExecJson {
  order_id: bigint; account: string; symbol: string; exec_id: bigint; exec_seq: bigint; status: ExecStatus; side: Side;
  last_qty: bigint; last_price: bigint; leaves_qty: bigint; cum_qty: bigint; reason: RejectReason; ts_ns: bigint;
}

function sampleExecs(): ExecJson[] {
  return Array.from({ length: SET }, (_, i) => ({
    order_id: BigInt(1_000_000 + i), account: `TRADER_${String(1 + (i % 20)).padStart(3, '0')}`, symbol: SYMBOLS[i % SYMBOLS.length]!,
    exec_id: BigInt(7_000_000 + i), exec_seq: BigInt(1 + (i % 3)), status: i % 3 ? ExecStatus.PARTIAL : ExecStatus.NEW, side: i % 2 ? Side.SELL : Side.BUY,
    last_qty: BigInt(i % 3 ? 100 : 0), last_price: BigInt(175_230_000 + (i % 100) * 10_000), leaves_qty: BigInt(100 * (i % 4)),
    cum_qty: BigInt(100 * (i % 3)), reason: RejectReason.NONE, ts_ns: BigInt(1_763_769_600_000_000_000 + i * 1000),
  }));
}

function encodeExec(b: flatbuffers.Builder, e: ExecJson): void {
  b.clear();
  const body = ExecReport.createExecReport(b, e.order_id, b.createString(e.account), b.createString(e.symbol), e.exec_id, e.exec_seq, e.status, e.side,
    e.last_qty, e.last_price, e.leaves_qty, e.cum_qty, e.reason, e.ts_ns);
  b.finish(Envelope.createEnvelope(b, Body.ExecReport, body), 'TWV1');
}

function writeExec(w: FixedFrame, e: ExecJson): Uint8Array {
  const at = w.begin().at;
  return w.i64At(at.order_id!, e.order_id).strAt(at.account!, e.account).strAt(at.symbol!, e.symbol).i64At(at.exec_id!, e.exec_id)
    .i64At(at.exec_seq!, e.exec_seq).u8At(at.status!, e.status).u8At(at.side!, e.side).i64At(at.last_qty!, e.last_qty).i64At(at.last_price!, e.last_price)
    .i64At(at.leaves_qty!, e.leaves_qty).i64At(at.cum_qty!, e.cum_qty).u16At(at.reason!, e.reason).i64At(at.ts_ns!, e.ts_ns).bytes();
}

/** Frames laid end to end, 8-aligned, as they would sit in a ring. */
function layOut(encodeOne: (b: flatbuffers.Builder, i: number) => void): { bytes: Uint8Array; offsets: number[]; lengths: number[] } {
  const b = new flatbuffers.Builder(256);
  const frames: Uint8Array[] = [];
  for (let i = 0; i < SET; i++) {
    encodeOne(b, i);
    frames.push(b.asUint8Array().slice());
  }
  const offsets: number[] = [];
  let at = 0;
  for (const f of frames) {
    offsets.push(at);
    at += (f.length + 7) & ~7;
  }
  const bytes = new Uint8Array(at);
  frames.forEach((f, i) => bytes.set(f, offsets[i]!));
  return { bytes, offsets, lengths: frames.map((f) => f.length) };
}

export async function runWireBench(opts: WireBenchOptions = {}): Promise<Record<string, number>> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const orders = sampleOrders();
  const quotes = sampleQuotes();
  const execs = sampleExecs();
  const fixedExec = new FixedFrame('ExecReport');
  const orderStrings = orders.map((o) => JSON.stringify(o));
  const quoteStrings = quotes.map((q) => JSON.stringify(q));
  const orderFrames = layOut((b, i) => encodeOrder(b, orders[i]!));
  const quoteFrames = layOut((b, i) => encodeQuote(b, quotes[i]!));
  const verifier = new Verifier();
  const builder = new WireBuilder(256);
  const scratch = new Uint8Array(4096);
  const env = new Envelope();
  const order = new Order();
  const quote = new Quote();
  const reader = loadWireReader();
  let sink = 0;

  let cursor = 0;
  const next = () => (cursor = (cursor + 1) & (SET - 1));

  const verifyRead = (frames: ReturnType<typeof layOut>, read: (bb: flatbuffers.ByteBuffer, root: number) => void) => {
    const view = new DataView(frames.bytes.buffer);
    const bb = new WireBuffer(frames.bytes);
    return () => {
      for (let k = 0; k < BATCH; k++) {
        const i = next();
        const at = frames.offsets[i]!;
        if (verifier.verifyAt(view, at, frames.lengths[i]!) <= 0) throw new Error('bench frame rejected');
        read(bb, at + bb.readInt32(at));
      }
    };
  };
  const readOrder = (bb: flatbuffers.ByteBuffer, root: number) => {
    env.__init(root, bb).body(order);
    sink += Number(order.orderId()) + order.account()!.length + order.symbol()!.length + order.side() + order.type() + order.tif() +
      (order.postOnly() ? 1 : 0) + Number(order.price()) + Number(order.stopPrice()) + Number(order.quantity()) +
      Number(order.clientTsNs()) + order.strategyId()!.length + order.stp();
  };
  const readQuote = (bb: flatbuffers.ByteBuffer, root: number) => {
    env.__init(root, bb).body(quote);
    sink += quote.symbol()!.length + quote.exchange() + Number(quote.bid()) + Number(quote.ask()) + Number(quote.bidSize()) +
      Number(quote.askSize()) + Number(quote.last()) + Number(quote.volume()) + Number(quote.tsNs());
  };
  // Each frame set gets its own stretch of the host region at the bottom of the kernel's memory.
  const wasmVerify = (frames: ReturnType<typeof layOut>, at: number) => {
    reader.bytes.set(frames.bytes, at);
    return () => {
      for (let k = 0; k < BATCH; k++) {
        const i = next();
        if (reader.exports.verify(at + frames.offsets[i]!, frames.lengths[i]!) <= 0) throw new Error('bench frame rejected by wasm');
      }
    };
  };

  const tasks: [string, () => void][] = [
    ['encode Order', () => {
      for (let k = 0; k < BATCH; k++) {
        encodeOrder(builder, orders[next()]!);
        scratch.set(builder.asUint8Array(), 0);
      }
    }],
    ['verify+read Order', verifyRead(orderFrames, readOrder)],
    ['verify only Order', verifyRead(orderFrames, () => {})],
    ['wasm verify Order', wasmVerify(orderFrames, 0)],
    ['JSON.stringify Order', () => {
      for (let k = 0; k < BATCH; k++) sink += JSON.stringify(orders[next()]!).length;
    }],
    ['JSON.parse Order', () => {
      for (let k = 0; k < BATCH; k++) {
        const o = JSON.parse(orderStrings[next()]!) as OrderJson;
        sink += o.order_id + o.account.length + o.symbol.length + o.side.length + o.type.length + o.tif.length + (o.post_only ? 1 : 0) +
          o.price + o.stop_price + o.quantity + o.client_ts_ns + o.strategy_id.length + o.stp.length;
      }
    }],
    ['encode Quote', () => {
      for (let k = 0; k < BATCH; k++) {
        encodeQuote(builder, quotes[next()]!);
        scratch.set(builder.asUint8Array(), 0);
      }
    }],
    ['verify+read Quote', verifyRead(quoteFrames, readQuote)],
    ['wasm verify Quote', wasmVerify(quoteFrames, 512 * 1024)],
    ['JSON.stringify Quote', () => {
      for (let k = 0; k < BATCH; k++) sink += JSON.stringify(quotes[next()]!).length;
    }],
    ['JSON.parse Quote', () => {
      for (let k = 0; k < BATCH; k++) {
        const q = JSON.parse(quoteStrings[next()]!) as QuoteJson;
        sink += q.symbol.length + q.exchange.length + q.bid + q.ask + q.bid_size + q.ask_size + q.last + q.volume + q.ts_ns;
      }
    }],
    ['encode ExecReport (Builder)', () => {
      for (let k = 0; k < BATCH; k++) {
        encodeExec(builder, execs[next()]!);
        scratch.set(builder.asUint8Array(), 0);
      }
    }],
    ['encode ExecReport (FixedFrame)', () => {
      for (let k = 0; k < BATCH; k++) scratch.set(writeExec(fixedExec, execs[next()]!), 0);
    }],
  ];

  const bench = new Bench({ name: 'wire', time: opts.quick ? 150 : 1000, warmupTime: opts.quick ? 50 : 250, retainSamples: true });
  for (const [name, fn] of tasks) bench.add(name, fn);
  log(`tickwave bench wire${opts.quick ? ' --quick' : ''}: ${tasks.length} tasks, ${BATCH} messages per iteration`);
  await bench.run();

  const rows: string[] = ['| task | ns/msg p50 | mean | p90 | p99 | msgs/s at p50 |', '|---|---:|---:|---:|---:|---:|'];
  // Medians, not means, make the summary: a GC pause or a stolen time slice in one batch moves the
  // mean of a whole run on this shared machine, and barely moves the median.
  const median = new Map<string, number>();
  const p99 = new Map<string, number>();
  for (const task of bench.tasks) {
    const result = task.result as { latency?: { mean: number; samples?: number[] }; error?: Error };
    if (!result.latency) throw new Error(`bench task ${task.name} did not complete: ${result.error?.message ?? 'no result'}`);
    const h = latencyHistogram();
    for (const ms of result.latency.samples ?? []) h.recordValue(Math.max(1, Math.round((ms * 1e6) / BATCH)));
    const p = percentiles(h);
    const meanNs = (result.latency.mean * 1e6) / BATCH;
    median.set(task.name, p.p50);
    p99.set(task.name, p.p99);
    rows.push(`| ${task.name} | ${p.p50} | ${meanNs.toFixed(1)} | ${p.p90} | ${p.p99} | ${Math.round(1e9 / p.p50).toLocaleString('en-US')} |`);
  }
  const get = (name: string) => median.get(name)!;
  const summary: Record<string, number> = {
    encode_ns_order: round(get('encode Order')),
    verify_read_ns_order: round(get('verify+read Order')),
    verify_ns_order: round(get('verify only Order')),
    wasm_verify_ns_order: round(get('wasm verify Order')),
    json_stringify_ns_order: round(get('JSON.stringify Order')),
    json_parse_ns_order: round(get('JSON.parse Order')),
    encode_ns_quote: round(get('encode Quote')),
    verify_read_ns_quote: round(get('verify+read Quote')),
    wasm_verify_ns_quote: round(get('wasm verify Quote')),
    json_stringify_ns_quote: round(get('JSON.stringify Quote')),
    json_parse_ns_quote: round(get('JSON.parse Quote')),
    ratio_vs_json: round(get('JSON.parse Order') / get('verify+read Order'), 2),
    ratio_vs_json_quote: round(get('JSON.parse Quote') / get('verify+read Quote'), 2),
    verify_read_p99_ns_order: p99.get('verify+read Order')!,
    json_parse_p99_ns_order: p99.get('JSON.parse Order')!,
    encode_ns_exec_builder: round(get('encode ExecReport (Builder)')),
    encode_ns_exec_fixed_frame: round(get('encode ExecReport (FixedFrame)')),
    ratio_fixed_frame_vs_builder: round(get('encode ExecReport (Builder)') / get('encode ExecReport (FixedFrame)'), 2),
    order_frame_bytes: orderFrames.lengths[0]!,
    order_json_bytes: orderStrings[0]!.length,
  };
  const table = rows.join('\n');
  const notes = [
    `JSON.parse / verify+read, Order: ${summary.ratio_vs_json}x; Quote: ${summary.ratio_vs_json_quote}x (above 1: the wire format is faster)`,
    `Order frame ${summary.order_frame_bytes} bytes vs ${summary.order_json_bytes} bytes of JSON`,
    `ExecReport written by FixedFrame: ${summary.ratio_fixed_frame_vs_builder}x faster than a Builder (the trade engine's outputs are written this way)`,
    'per-message cost in ns within each timed batch of 256 (HDR histogram); the summary and ratios use the medians',
  ];
  log(table);
  for (const n of notes) log(n);
  if (sink === 0.5) log(''); // keeps the reads from being optimised away
  if (opts.save !== false) {
    saveRecord({ name: 'wire', command: `npx tickwave bench wire${opts.quick ? ' --quick' : ''}`, table, notes, summary });
  }
  if (opts.json) log(JSON.stringify(summary));
  return summary;
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
