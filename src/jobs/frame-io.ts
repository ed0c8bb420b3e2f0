// Reading and writing frames inside jobs without a per-frame allocation: a reader keeps one
// ByteBuffer per ring memory and points it at each frame (the frame was verified at ingress, so its
// offsets stay inside it); a writer reuses one builder and hands out a view of the finished bytes,
// which emit() and route() copy into a ring at once; quoteOf() and tradeOf() decode a market-data
// frame once for every job of the worker, straight from the frame's tables (TableFields).
//
// Thread-safety: one reader and one writer per job instance (per worker thread); the market-data memo
// is per module instance, so per thread.
import type * as flatbuffers from 'flatbuffers';
import { Body, Envelope } from '../wire/generated/index.js';
import { FILE_IDENTIFIER } from '../wire/layout.generated.js';
import { internedString, WireBuffer } from '../wire/wire-buffer.js';
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
export function int64Value(dv: DataView, at: number): number {
  return at < 0 ? 0 : dv.getInt32(at + 4, true) * TWO32 + dv.getUint32(at, true);
}

function int64(dv: DataView, at: number): bigint {
  return at < 0 ? 0n : dv.getBigInt64(at, true);
}

/**
 * One table of a verified frame, its vtable read once: where each field is in the memory. The market
 * data path reads ticks this way rather than through flatc's accessors, which look the vtable up
 * again for every field.
 */
class TableFields {
  private dv: DataView = new DataView(new ArrayBuffer(8));
  private pos = 0;
  private vtable = 0;
  private vtableSize = 0;

  /** Points at the body table of the Envelope frame at `at` (verified: the body is there). */
  body(dv: DataView, at: number): this {
    // The root table (after the 4-byte root offset and the file identifier), then its vtable slot 6: the body.
    this.table(dv, at + dv.getUint32(at, true));
    const body = this.at(6);
    return this.table(dv, body + dv.getUint32(body, true));
  }

  private table(dv: DataView, pos: number): this {
    this.dv = dv;
    this.pos = pos;
    this.vtable = pos - dv.getInt32(pos, true);
    this.vtableSize = dv.getUint16(this.vtable, true);
    return this;
  }

  /** Where the field at vtable slot `slot` is, or -1 when it is absent (its default, 0, applies). */
  at(slot: number): number {
    const offset = slot < this.vtableSize ? this.dv.getUint16(this.vtable + slot, true) : 0;
    return offset === 0 ? -1 : this.pos + offset;
  }

  /** The string field at `slot` (a required one: the verifier saw it), from the intern table when it is there. */
  string(u8: Uint8Array, slot: number): string {
    const at = this.at(slot);
    const start = at + this.dv.getUint32(at, true);
    return internedString(u8, start + 4, this.dv.getUint32(start, true));
  }

  uint8(slot: number): number {
    const at = this.at(slot);
    return at < 0 ? 0 : this.dv.getUint8(at);
  }
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

  /** Reads the Quote whose fields `t` points at, in `dv` (a view of `u8`'s memory; valid while its frame is). */
  read(dv: DataView, u8: Uint8Array, t: TableFields): void {
    this.dv = dv;
    // The vtable slots of tickwave.fbs's Quote: 4 symbol, 6 exchange, 8 bid, 10 ask, 12 bid_size,
    // 14 ask_size, 16 last, 18 volume, 20 ts_ns.
    this.symbol = t.string(u8, 4);
    this.exchange = t.uint8(6);
    this.bidValue = int64Value(dv, (this.bidAt = t.at(8)));
    this.askValue = int64Value(dv, (this.askAt = t.at(10)));
    this.bidSizeValue = int64Value(dv, (this.bidSizeAt = t.at(12)));
    this.askSizeValue = int64Value(dv, (this.askSizeAt = t.at(14)));
    this.lastValue = int64Value(dv, (this.lastAt = t.at(16)));
    this.volumeValue = int64Value(dv, (this.volumeAt = t.at(18)));
    const tsAt = t.at(20);
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

  /** Reads the Trade whose fields `t` points at, in `dv` (a view of `u8`'s memory; valid while its frame is). */
  read(dv: DataView, u8: Uint8Array, t: TableFields): void {
    this.dv = dv;
    // The vtable slots of tickwave.fbs's Trade: 4 symbol, 6 exchange, 8 price, 10 quantity, 12 aggressor, 16 ts_ns.
    this.symbol = t.string(u8, 4);
    this.exchange = t.uint8(6);
    this.aggressor = t.uint8(12);
    this.priceValue = int64Value(dv, (this.priceAt = t.at(8)));
    this.quantityValue = int64Value(dv, (this.quantityAt = t.at(10)));
    const tsAt = t.at(16);
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
  private readonly fields = new TableFields();
  /** The last frame decoded: its ring memory (known by its view), offset and ring sequence. */
  private view: DataView | null = null;
  private u8: Uint8Array = new Uint8Array(0);
  private offset = -1;
  private sequence = -1;
  private readonly quote = new QuoteFields();
  private readonly trade = new TradeFields();

  private known(view: DataView, f: FrameInfo): boolean {
    if (this.view === view && this.offset === f.offset && this.sequence === f.sequence) return true;
    if (this.view !== view) this.u8 = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    this.view = view;
    this.offset = f.offset;
    this.sequence = f.sequence;
    return false;
  }

  quoteOf(view: DataView, f: FrameInfo): QuoteFields {
    if (!this.known(view, f)) this.quote.read(view, this.u8, this.fields.body(view, f.offset));
    return this.quote;
  }

  tradeOf(view: DataView, f: FrameInfo): TradeFields {
    if (!this.known(view, f)) this.trade.read(view, this.u8, this.fields.body(view, f.offset));
    return this.trade;
  }
}

const marketData = new MarketDataMemo();

/** The fields of the Quote frame `f` (its type must be Body.Quote). Valid until another frame is read. */
export const quoteOf = (view: DataView, f: FrameInfo): QuoteFields => marketData.quoteOf(view, f);

/** The fields of the Trade frame `f` (its type must be Body.Trade). Valid until another frame is read. */
export const tradeOf = (view: DataView, f: FrameInfo): TradeFields => marketData.tradeOf(view, f);
