// Reading and writing frames inside jobs without a per-frame allocation: a reader keeps one
// ByteBuffer per ring memory and points it at each frame (the frame was verified at ingress, so its
// offsets stay inside it); a writer reuses one builder and hands out a view of the finished bytes,
// which emit() and route() copy into a ring at once; quoteOf() and tradeOf() decode a market-data
// frame once for every job of the worker.
//
// Thread-safety: one reader and one writer per job instance (per worker thread); the market-data memo
// is per module instance, so per thread.
import type * as flatbuffers from 'flatbuffers';
import { Body, Envelope, Quote, Trade } from '../wire/generated/index.js';
import { FILE_IDENTIFIER } from '../wire/layout.generated.js';
import { WireBuffer } from '../wire/wire-buffer.js';
import { WireBuilder } from '../wire/wire-builder.js';
import type { FrameInfo, JobContext } from '../runtime/job.js';

/**
 * The symbol's slot on the shared board, or -1 when it cannot have one (longer than the board's
 * symbols, or the board is full): the caller refuses the frame instead of failing the worker.
 */
export function symbolSlot(ctx: JobContext, symbol: string): number {
  try {
    return ctx.symbols.intern(symbol);
  } catch {
    return -1;
  }
}

export class FrameReader {
  private readonly buffers = new Map<ArrayBufferLike, WireBuffer>();
  private readonly envelope = new Envelope();
  /** The buffer of the last frame read, and its ByteBuffer: frames mostly come from one ring at a time. */
  private lastBuffer: ArrayBufferLike | null = null;
  private last: WireBuffer = new WireBuffer(new Uint8Array(0));

  /** The Envelope of the frame at info.offset in view's memory. Valid until the next call. */
  read(view: DataView, info: FrameInfo): Envelope {
    let bb = this.last;
    if (this.lastBuffer !== view.buffer) {
      const known = this.buffers.get(view.buffer);
      bb = known ?? new WireBuffer(new Uint8Array(view.buffer));
      if (known === undefined) this.buffers.set(view.buffer, bb);
      this.last = bb;
      this.lastBuffer = view.buffer;
    }
    bb.setPosition(info.offset);
    return Envelope.getRootAsEnvelope(bb, this.envelope);
  }

  /** A copy of the frame's bytes (to route it on or keep it). */
  static bytes(view: DataView, info: FrameInfo): Uint8Array {
    return new Uint8Array(view.buffer, info.offset, info.length);
  }
}

export class FrameWriter {
  readonly builder = new WireBuilder(512);

  /** Starts a message: clears the builder. */
  begin(): flatbuffers.Builder {
    this.builder.clear();
    return this.builder;
  }

  /** Wraps the body in an Envelope and finishes; the bytes are valid until the next begin(). */
  finish(type: Body, body: flatbuffers.Offset): Uint8Array {
    const b = this.builder;
    b.finish(Envelope.createEnvelope(b, type, body), FILE_IDENTIFIER);
    return b.asUint8Array();
  }
}

const TWO32 = 2 ** 32;

/**
 * The int64 at `at` as a double: exactly what Number() gives for its BigInt (the high word times 2^32
 * is exact, and the one addition rounds to nearest as Number() does), without making the BigInt. A
 * price or size is a safe integer (below 2^53) and so exact; event times in ns are not.
 */
function int64Value(dv: DataView, at: number): number {
  return at < 0 ? 0 : dv.getInt32(at + 4, true) * TWO32 + dv.getUint32(at, true);
}

function int64(dv: DataView, at: number): bigint {
  return at < 0 ? 0n : dv.getBigInt64(at, true);
}

/** Where a table's field is in the ring's memory, or -1 when it is absent (its default, 0, applies). */
function fieldAt(table: Quote | Trade, vtableOffset: number): number {
  const offset = table.bb!.__offset(table.bb_pos, vtableOffset);
  return offset ? table.bb_pos + offset : -1;
}

/**
 * A Quote's fields as every job reads them. Each price and size comes as a double (`bidValue`, ...),
 * exactly Number() of the field, and as a BigInt on request (`bid`, ...: read from the frame at each
 * call): most ticks are judged on the doubles, and a BigInt is made only where exact arithmetic on
 * large values needs one. The event time is a BigInt: every job compares event times to the ns.
 */
export class QuoteFields {
  symbol = '';
  exchange = 0;
  tsNs = 0n;
  bidValue = 0;
  askValue = 0;
  bidSizeValue = 0;
  askSizeValue = 0;
  lastValue = 0;
  volumeValue = 0;
  /** tsNs as a double (not exact: for the price board, which keeps event times as doubles). */
  tsValue = 0;
  private dv: DataView = new DataView(new ArrayBuffer(8));
  private bidAt = -1;
  private askAt = -1;
  private bidSizeAt = -1;
  private askSizeAt = -1;
  private lastAt = -1;
  private volumeAt = -1;

  get bid(): bigint {
    return int64(this.dv, this.bidAt);
  }
  get ask(): bigint {
    return int64(this.dv, this.askAt);
  }
  get bidSize(): bigint {
    return int64(this.dv, this.bidSizeAt);
  }
  get askSize(): bigint {
    return int64(this.dv, this.askSizeAt);
  }
  get last(): bigint {
    return int64(this.dv, this.lastAt);
  }
  get volume(): bigint {
    return int64(this.dv, this.volumeAt);
  }

  /** Points at the Quote `q` in `dv`'s memory (valid while its frame is). */
  read(dv: DataView, q: Quote): void {
    this.dv = dv;
    this.symbol = q.symbol()!;
    this.exchange = q.exchange();
    // The vtable slots of tickwave.fbs's Quote: 8 bid, 10 ask, 12 bid_size, 14 ask_size, 16 last, 18 volume, 20 ts_ns.
    this.bidValue = int64Value(dv, (this.bidAt = fieldAt(q, 8)));
    this.askValue = int64Value(dv, (this.askAt = fieldAt(q, 10)));
    this.bidSizeValue = int64Value(dv, (this.bidSizeAt = fieldAt(q, 12)));
    this.askSizeValue = int64Value(dv, (this.askSizeAt = fieldAt(q, 14)));
    this.lastValue = int64Value(dv, (this.lastAt = fieldAt(q, 16)));
    this.volumeValue = int64Value(dv, (this.volumeAt = fieldAt(q, 18)));
    const tsAt = fieldAt(q, 20);
    this.tsNs = int64(dv, tsAt);
    this.tsValue = int64Value(dv, tsAt);
  }
}

/**
 * A quote's price: its last trade price, else its mid ((bid + ask) / 2, toward zero) when it has
 * both sides, else 0n.
 */
export function quotePrice(q: QuoteFields): bigint {
  return q.lastValue > 0 ? q.last : q.bidValue > 0 && q.askValue > 0 ? (q.bid + q.ask) / 2n : 0n;
}

/** quotePrice() as a double, exactly Number() of it; no BigInt made unless the quote has no last price. */
export function quotePriceValue(q: QuoteFields): number {
  return q.lastValue > 0 ? q.lastValue : q.bidValue > 0 && q.askValue > 0 ? Number((q.bid + q.ask) / 2n) : 0;
}

/** A Trade's fields as every job reads them: as QuoteFields, the price and quantity also as doubles. */
export class TradeFields {
  symbol = '';
  exchange = 0;
  aggressor = 0;
  tsNs = 0n;
  priceValue = 0;
  quantityValue = 0;
  /** tsNs as a double (not exact). */
  tsValue = 0;
  private dv: DataView = new DataView(new ArrayBuffer(8));
  private priceAt = -1;
  private quantityAt = -1;

  get price(): bigint {
    return int64(this.dv, this.priceAt);
  }
  get quantity(): bigint {
    return int64(this.dv, this.quantityAt);
  }

  /** Points at the Trade `t` in `dv`'s memory (valid while its frame is). */
  read(dv: DataView, t: Trade): void {
    this.dv = dv;
    this.symbol = t.symbol()!;
    this.exchange = t.exchange();
    this.aggressor = t.aggressor();
    // The vtable slots of tickwave.fbs's Trade: 8 price, 10 quantity, 16 ts_ns.
    this.priceValue = int64Value(dv, (this.priceAt = fieldAt(t, 8)));
    this.quantityValue = int64Value(dv, (this.quantityAt = fieldAt(t, 10)));
    const tsAt = fieldAt(t, 16);
    this.tsNs = int64(dv, tsAt);
    this.tsValue = int64Value(dv, tsAt);
  }
}

/**
 * Market data decoded once per frame for all the jobs of a worker: each job reading a tick's fields
 * itself cost the worker about as much as its own logic. One memo per thread (module instance); it
 * holds the last frame decoded, known by its ring memory, offset and ring sequence.
 */
class MarketDataMemo {
  private readonly reader = new FrameReader();
  private readonly quoteMsg = new Quote();
  private readonly tradeMsg = new Trade();
  private buffer: ArrayBufferLike | null = null;
  private offset = -1;
  private sequence = -1;
  private readonly quote = new QuoteFields();
  private readonly trade = new TradeFields();

  private known(view: DataView, f: FrameInfo): boolean {
    if (this.buffer === view.buffer && this.offset === f.offset && this.sequence === f.sequence) return true;
    this.buffer = view.buffer;
    this.offset = f.offset;
    this.sequence = f.sequence;
    return false;
  }

  quoteOf(view: DataView, f: FrameInfo): QuoteFields {
    if (!this.known(view, f)) this.quote.read(view, this.reader.read(view, f).body(this.quoteMsg) as Quote);
    return this.quote;
  }

  tradeOf(view: DataView, f: FrameInfo): TradeFields {
    if (!this.known(view, f)) this.trade.read(view, this.reader.read(view, f).body(this.tradeMsg) as Trade);
    return this.trade;
  }
}

const marketData = new MarketDataMemo();

/** The fields of the Quote frame `f` (its type must be Body.Quote). Valid until another frame is read. */
export const quoteOf = (view: DataView, f: FrameInfo): QuoteFields => marketData.quoteOf(view, f);

/** The fields of the Trade frame `f` (its type must be Body.Trade). Valid until another frame is read. */
export const tradeOf = (view: DataView, f: FrameInfo): TradeFields => marketData.tradeOf(view, f);
