// Encoding and decoding at the edges (simulator, HTTP bodies, tests, tools): whole messages to and
// from flatc's object-API classes. Hot paths do not come here; they read fields in place through the
// generated accessors (TypeScript) or assembly/wire.ts (kernels).
import * as flatbuffers from 'flatbuffers';
import { Body, Envelope, EnvelopeT } from './generated/index.js';
import { FILE_IDENTIFIER, MESSAGE_TYPE_NAMES } from './layout.generated.js';
import { type Rejection, Verifier } from './verifier.js';
import { WireBuffer } from './wire-buffer.js';
import { WireBuilder } from './wire-builder.js';

/** Fixed-point scale of prices and money on the wire: 175.23 is 175_230_000n. */
export const PRICE_SCALE = 1_000_000;
const PRICE_SCALE_N = 1_000_000n;

/** A decimal price or amount to wire ticks; rejects what cannot be represented exactly enough. */
export function toTicks(value: number): bigint {
  if (!Number.isFinite(value)) throw new RangeError(`price ${value} is not a finite number`);
  const scaled = Math.round(value * PRICE_SCALE);
  if (!Number.isSafeInteger(scaled)) throw new RangeError(`price ${value} is out of range for the wire's fixed point`);
  return BigInt(scaled);
}

/** The magnitude of a signed int64 quantity or amount (a short position, a loss). */
export function absTicks(v: bigint): bigint {
  return v < 0n ? -v : v;
}

/** Wire ticks to a decimal number (for display and JSON; exact below 2^53 ticks). */
export function fromTicks(ticks: bigint | number): number {
  if (typeof ticks === 'number') return ticks / PRICE_SCALE;
  const whole = ticks / PRICE_SCALE_N;
  const frac = ticks % PRICE_SCALE_N;
  return Number(whole) + Number(frac) / PRICE_SCALE;
}

/** Any message body of the object API (OrderT, QuoteT, ...). */
export type MessageBody = NonNullable<EnvelopeT['body']>;

export interface Decoded {
  ok: true;
  type: Body;
  typeName: string;
  body: MessageBody;
}

const shared = new WireBuilder(1024);

/**
 * Encodes a message body into a finished frame (a fresh Uint8Array). `type` is the Body tag of the
 * body's class, e.g. Body.Order for an OrderT.
 */
export function encode(type: Body, body: MessageBody, builder: flatbuffers.Builder = shared): Uint8Array {
  builder.clear();
  const root = new EnvelopeT(type, body).pack(builder);
  builder.finish(root, FILE_IDENTIFIER);
  return builder.asUint8Array().slice();
}

const edgeVerifier = new Verifier();

/** Verifies, then unpacks a frame into object-API classes; a rejection says why and where. */
export function decode(bytes: Uint8Array, verifier: Verifier = edgeVerifier): Decoded | Rejection {
  const type = verifier.verifyBytes(bytes);
  if (type <= 0) return verifier.rejection();
  const envelope = Envelope.getRootAsEnvelope(new WireBuffer(bytes)).unpack();
  return { ok: true, type, typeName: MESSAGE_TYPE_NAMES[type]!, body: envelope.body! };
}
