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

/** A Quote's fields as every job reads them. */
export interface QuoteFields {
  symbol: string;
  exchange: number;
  bid: bigint;
  ask: bigint;
  bidSize: bigint;
  askSize: bigint;
  last: bigint;
  volume: bigint;
  tsNs: bigint;
}

/** A Trade's fields as every job reads them. */
export interface TradeFields {
  symbol: string;
  exchange: number;
  price: bigint;
  quantity: bigint;
  aggressor: number;
  tsNs: bigint;
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
  private readonly quote: QuoteFields = { symbol: '', exchange: 0, bid: 0n, ask: 0n, bidSize: 0n, askSize: 0n, last: 0n, volume: 0n, tsNs: 0n };
  private readonly trade: TradeFields = { symbol: '', exchange: 0, price: 0n, quantity: 0n, aggressor: 0, tsNs: 0n };

  private known(view: DataView, f: FrameInfo): boolean {
    if (this.buffer === view.buffer && this.offset === f.offset && this.sequence === f.sequence) return true;
    this.buffer = view.buffer;
    this.offset = f.offset;
    this.sequence = f.sequence;
    return false;
  }

  quoteOf(view: DataView, f: FrameInfo): QuoteFields {
    const d = this.quote;
    if (this.known(view, f)) return d;
    const q = this.reader.read(view, f).body(this.quoteMsg) as Quote;
    d.symbol = q.symbol()!;
    d.exchange = q.exchange();
    d.bid = q.bid();
    d.ask = q.ask();
    d.bidSize = q.bidSize();
    d.askSize = q.askSize();
    d.last = q.last();
    d.volume = q.volume();
    d.tsNs = q.tsNs();
    return d;
  }

  tradeOf(view: DataView, f: FrameInfo): TradeFields {
    const d = this.trade;
    if (this.known(view, f)) return d;
    const t = this.reader.read(view, f).body(this.tradeMsg) as Trade;
    d.symbol = t.symbol()!;
    d.exchange = t.exchange();
    d.price = t.price();
    d.quantity = t.quantity();
    d.aggressor = t.aggressor();
    d.tsNs = t.tsNs();
    return d;
  }
}

const marketData = new MarketDataMemo();

/** The fields of the Quote frame `f` (its type must be Body.Quote). Valid until another frame is read. */
export const quoteOf = (view: DataView, f: FrameInfo): QuoteFields => marketData.quoteOf(view, f);

/** The fields of the Trade frame `f` (its type must be Body.Trade). Valid until another frame is read. */
export const tradeOf = (view: DataView, f: FrameInfo): TradeFields => marketData.tradeOf(view, f);
