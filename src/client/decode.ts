// Frames to messages for feed consumers: verifies a binary WebSocket frame (an Envelope) and gives
// its message in the JSON form of src/wire/json.ts. Quotes and trades, most of a market-data feed,
// are read in place with reused accessors instead of unpacking a whole object graph per message.
// Browser-safe: no Node imports, so the dashboard loads this very module.
import {
  Body, Envelope, Exchange, Quote, Side, Trade,
} from '../wire/generated/index.js';
import { messageToJson, messageTypeName } from '../wire/json.js';
import { Verifier, type Rejection } from '../wire/verifier.js';
import { WireBuffer } from '../wire/wire-buffer.js';
import type { Int64, QuoteMessage, TickwaveMessage, TradeMessage } from './messages.js';

/** Bytes that are not a tickwave frame; says why and at which byte. */
export class FrameDecodeError extends Error {
  constructor(
    message: string,
    /** Byte offset of the failed check, -1 when none applies. */
    readonly offset: number,
    /** `Table.field` the check was about, when there is one. */
    readonly field: string | null = null,
  ) {
    super(message);
    this.name = 'FrameDecodeError';
  }
}

export interface DecodeOptions {
  /**
   * Run the wire verifier first (default true). Only skip it for bytes from a source you trust:
   * the FlatBuffers accessors read whatever offsets a frame holds.
   */
  verify?: boolean;
}

// One of each per module instance (per thread); decodeFrame is not re-entrant, and need not be.
const verifier = new Verifier();
const envelope = new Envelope();
const quote = new Quote();
const trade = new Trade();

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const SCALE = 1_000_000n;

function money(v: bigint): number {
  const whole = v / SCALE;
  return Number(whole) + Number(v - whole * SCALE) / 1_000_000;
}

function int64(v: bigint): Int64 {
  return v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v.toString();
}

function quoteJson(q: Quote): QuoteMessage {
  return {
    type: 'Quote',
    symbol: q.symbol()!,
    exchange: Exchange[q.exchange()] as QuoteMessage['exchange'],
    bid: money(q.bid()),
    ask: money(q.ask()),
    bid_size: int64(q.bidSize()),
    ask_size: int64(q.askSize()),
    last: money(q.last()),
    volume: int64(q.volume()),
    ts_ns: int64(q.tsNs()),
  };
}

function tradeJson(t: Trade): TradeMessage {
  return {
    type: 'Trade',
    symbol: t.symbol()!,
    exchange: Exchange[t.exchange()] as TradeMessage['exchange'],
    price: money(t.price()),
    quantity: int64(t.quantity()),
    aggressor: Side[t.aggressor()] as TradeMessage['aggressor'],
    trade_id: int64(t.tradeId()),
    ts_ns: int64(t.tsNs()),
  };
}

function asBytes(data: Uint8Array | ArrayBufferLike | ArrayBufferView): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

function rejected(r: Rejection): FrameDecodeError {
  return new FrameDecodeError(`not a tickwave frame: ${r.reason}`, r.offset, r.field);
}

/**
 * The message in a binary frame (one FlatBuffers Envelope, file identifier TWV1), in its JSON form.
 * Throws FrameDecodeError for bytes that are not such a frame.
 */
export function decodeFrame(data: Uint8Array | ArrayBufferLike | ArrayBufferView, options: DecodeOptions = {}): TickwaveMessage {
  const bytes = asBytes(data);
  if (bytes.length < 8) {
    throw new FrameDecodeError(`not a tickwave frame: ${bytes.length} bytes, too short to hold a root offset and the TWV1 identifier`, 0);
  }
  if (bytes[4] !== 0x54 || bytes[5] !== 0x57 || bytes[6] !== 0x56 || bytes[7] !== 0x31) {
    const seen = Array.from(bytes.subarray(4, 8), (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
    throw new FrameDecodeError(`not a tickwave frame: file identifier at bytes 4..7 is "${seen}", not "TWV1"`, 4);
  }
  if (options.verify !== false && verifier.verifyBytes(bytes) <= 0) throw rejected(verifier.rejection());
  const env = Envelope.getRootAsEnvelope(new WireBuffer(bytes), envelope);
  const tag = env.bodyType();
  if (tag === Body.Quote) return quoteJson(env.body(quote) as Quote);
  if (tag === Body.Trade) return tradeJson(env.body(trade) as Trade);
  const whole = env.unpack();
  if (whole.body === null || whole.bodyType === Body.NONE || Body[whole.bodyType] === undefined) {
    throw new FrameDecodeError(`not a tickwave frame: unknown message type ${tag}`, -1, 'Envelope.body_type');
  }
  return messageToJson(messageTypeName(whole.bodyType), whole.body) as unknown as TickwaveMessage;
}

/** Whether bytes carry the TWV1 identifier of a tickwave frame (a cheap test, not a verification). */
export function isTickwaveFrame(data: Uint8Array | ArrayBufferLike | ArrayBufferView): boolean {
  const b = asBytes(data);
  return b.length >= 8 && b[4] === 0x54 && b[5] === 0x57 && b[6] === 0x56 && b[7] === 0x31;
}
