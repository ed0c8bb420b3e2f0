// The verifier's reasons and byte offsets, one malformed frame per check. Expected offsets are found
// by walking the frame with flatc's runtime (ByteBuffer.__offset and friends), not by the verifier.
// Every case also runs through the AssemblyScript reader, which must agree exactly.
import * as flatbuffers from 'flatbuffers';
import { describe, expect, test } from 'vitest';
import { AccountPolicy, Body, Envelope, Order, OrderT, OrderType, Side, SymbolCap, TimeInForce } from '../src/wire/generated/index.js';
import { encode } from '../src/wire/codec.js';
import { MessageType } from '../src/wire/layout.generated.js';
import { type Verdict, Verifier, VerifyError } from '../src/wire/verifier.js';
import { loadWireReader } from '../src/wire/wasm-reader.js';

const reader = loadWireReader();

/** Verdict of the TypeScript verifier, after checking the AssemblyScript reader says the same. */
function verifyBoth(bytes: Uint8Array, verifier = new Verifier()): Verdict {
  const verdict = verifier.verify(bytes);
  const ptr = reader.bytes.length - bytes.length;
  reader.bytes.set(bytes, ptr);
  reader.exports.setMaxFrameBytes(verifier.maxFrameBytes);
  const as = reader.exports.verify(ptr, bytes.length);
  reader.exports.setMaxFrameBytes(1 << 20);
  if (verdict.ok) expect(as).toBe(verdict.type);
  else {
    expect(as).toBe(-verdict.code);
    expect(reader.exports.lastErrorOffset()).toBe(verdict.offset);
    expect(reader.exports.lastErrorField()).toBe(verifier.errorField);
  }
  return verdict;
}

function order(overrides: Partial<OrderT> = {}): Uint8Array {
  const o = new OrderT(42n, 'TRADER_001', 'AAPL', Side.BUY, OrderType.LIMIT, TimeInForce.GTC, false, 175_230_000n, 0n, 100n, 1n, 'mm-1');
  return encode(Body.Order, Object.assign(o, overrides));
}

const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);
const setU32 = (b: Uint8Array, at: number, v: number) => new DataView(b.buffer, b.byteOffset).setUint32(at, v, true);
const setI32 = (b: Uint8Array, at: number, v: number) => new DataView(b.buffer, b.byteOffset).setInt32(at, v, true);

/** Positions in a frame, found with flatc's runtime. */
function positions(bytes: Uint8Array) {
  const bb = new flatbuffers.ByteBuffer(bytes);
  const env = Envelope.getRootAsEnvelope(bb);
  const envPos = env.bb_pos;
  const envVtable = envPos - bb.readInt32(envPos);
  const bodyTypeAt = envPos + bb.__offset(envPos, 4);
  const body = env.body(new Order()) as Order | null;
  const bodyPos = body ? body.bb_pos : -1;
  const field = (voffset: number) => bodyPos + bb.__offset(bodyPos, voffset);
  const target = (voffset: number) => bb.__indirect(field(voffset));
  return { envPos, envVtable, bodyTypeAt, bodyPos, field, target };
}

function expectRejection(v: Verdict, code: VerifyError, offset: number, field: string | null = null) {
  expect(v.ok).toBe(false);
  if (v.ok) return;
  expect({ code: VerifyError[v.code], offset: v.offset, field: v.field }).toEqual({ code: VerifyError[code], offset, field });
}

describe('accepts', () => {
  test('a well-formed order, naming its type', () => {
    expect(verifyBoth(order())).toEqual({ ok: true, type: MessageType.Order, typeName: 'Order' });
  });
  test('strings with multi-byte UTF-8 (2, 3 and 4 bytes)', () => {
    expect(verifyBoth(order({ strategyId: 'é€中😀' })).ok).toBe(true);
  });
});

describe('rejects, naming the reason and byte offset', () => {
  test('an empty or 7-byte frame: too short', () => {
    const v = verifyBoth(new Uint8Array(0));
    expectRejection(v, VerifyError.TOO_SHORT, 0);
    expect(!v.ok && v.reason).toBe('frame too short to hold a root offset and file identifier at byte 0');
    expectRejection(verifyBoth(order().slice(0, 7)), VerifyError.TOO_SHORT, 0);
  });

  test('a frame over the size limit', () => {
    expectRejection(verifyBoth(order(), new Verifier(64)), VerifyError.OVERSIZED, 0);
  });

  test('another file identifier', () => {
    const b = order();
    b[7] = 0x32; // "TWV2"
    expectRejection(verifyBoth(b), VerifyError.BAD_IDENTIFIER, 4);
  });

  test('a root offset past the end', () => {
    const b = order();
    setU32(b, 0, b.length);
    expectRejection(verifyBoth(b), VerifyError.OUT_OF_BOUNDS, 0);
  });

  test('a misaligned root table', () => {
    const b = order();
    setU32(b, 0, u32(b, 0) + 2);
    expectRejection(verifyBoth(b), VerifyError.MISALIGNED, positions(order()).envPos + 2);
  });

  test('a vtable outside the frame', () => {
    const b = order();
    const { envPos } = positions(b);
    setI32(b, envPos, -b.length);
    expectRejection(verifyBoth(b), VerifyError.BAD_VTABLE, envPos);
  });

  test('an unknown message type', () => {
    const b = order();
    const { bodyTypeAt } = positions(b);
    b[bodyTypeAt] = 99;
    expectRejection(verifyBoth(b), VerifyError.UNKNOWN_MESSAGE_TYPE, bodyTypeAt, 'Envelope.body_type');
  });

  test('an enum value out of range, with the reason text', () => {
    const b = order();
    const p = positions(b);
    b[p.field(10)] = 7; // Order.side
    const v = verifyBoth(b);
    expectRejection(v, VerifyError.ENUM_OUT_OF_RANGE, p.field(10), 'Order.side');
    expect(!v.ok && v.reason).toBe(`enum value out of range (Order.side) at byte ${p.field(10)}`);
  });

  test('an order without a side (UNSPECIFIED)', () => {
    const b = order({ side: Side.UNSPECIFIED });
    expectRejection(verifyBoth(b), VerifyError.UNSPECIFIED_ENUM, positions(b).bodyPos, 'Order.side');
  });

  test('a missing required string', () => {
    const builder = new flatbuffers.Builder(256);
    const account = builder.createString('TRADER_001');
    Order.startOrder(builder);
    Order.addAccount(builder, account);
    Order.addSide(builder, Side.SELL);
    Order.addType(builder, OrderType.MARKET);
    Order.addTif(builder, TimeInForce.IOC);
    const o = builder.endObject(); // endOrder() would refuse: it checks required fields
    builder.finish(Envelope.createEnvelope(builder, Body.Order, o), 'TWV1');
    const b = builder.asUint8Array().slice();
    expectRejection(verifyBoth(b), VerifyError.REQUIRED_FIELD_MISSING, positions(b).bodyPos, 'Order.symbol');
  });

  test('a string without its terminating zero', () => {
    const b = order();
    const s = positions(b).target(8); // Order.symbol
    const end = s + 4 + u32(b, s);
    b[end] = 0x58;
    expectRejection(verifyBoth(b), VerifyError.STRING_NOT_TERMINATED, end, 'Order.symbol');
  });

  test('a string longer than the frame', () => {
    const b = order();
    const s = positions(b).target(8);
    setU32(b, s, b.length);
    expectRejection(verifyBoth(b), VerifyError.OUT_OF_BOUNDS, s, 'Order.symbol');
  });

  test.each([
    ['a stray continuation byte', [0x41, 0x80, 0x41], 1],
    ['an overlong encoding of "/"', [0x41, 0xc0, 0xaf], 1],
    ['a UTF-16 surrogate', [0x41, 0x42, 0xed, 0xa0, 0x80], 2],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['a sequence cut short by the end', [0x41, 0xe2, 0x82], 1],
  ])('a string that is not UTF-8: %s', (_, bytes, bad) => {
    const b = order({ strategyId: 'X'.repeat(bytes.length) });
    const s = positions(b).target(26); // Order.strategy_id
    b.set(bytes, s + 4);
    expectRejection(verifyBoth(b), VerifyError.BAD_UTF8, s + 4 + bad, 'Order.strategy_id');
  });

  test('a union type without its value', () => {
    const builder = new flatbuffers.Builder(64);
    Envelope.startEnvelope(builder);
    Envelope.addBodyType(builder, Body.Order);
    builder.finish(builder.endObject(), 'TWV1');
    const b = builder.asUint8Array().slice();
    const { envVtable } = positions(b);
    expectRejection(verifyBoth(b), VerifyError.UNION_MISMATCH, envVtable + 4, 'Envelope.body');
  });

  test('an envelope with no body', () => {
    const builder = new flatbuffers.Builder(64);
    Envelope.startEnvelope(builder);
    builder.finish(builder.endObject(), 'TWV1');
    const b = builder.asUint8Array().slice();
    expectRejection(verifyBoth(b), VerifyError.REQUIRED_FIELD_MISSING, positions(b).envPos, 'Envelope.body');
  });

  function policyWithCaps(caps: (builder: flatbuffers.Builder) => number): Uint8Array {
    const builder = new flatbuffers.Builder(1024);
    const vec = caps(builder);
    const account = builder.createString('TRADER_001');
    AccountPolicy.startAccountPolicy(builder);
    AccountPolicy.addAccount(builder, account);
    AccountPolicy.addStatus(builder, 1);
    AccountPolicy.addPositionCaps(builder, vec);
    const p = AccountPolicy.endAccountPolicy(builder);
    builder.finish(Envelope.createEnvelope(builder, Body.AccountPolicy, p), 'TWV1');
    return builder.asUint8Array().slice();
  }

  test('a vector longer than the frame', () => {
    const b = policyWithCaps((builder) => {
      const sym = builder.createString('AAPL');
      const cap = SymbolCap.createSymbolCap(builder, sym, 1000n);
      return AccountPolicy.createPositionCapsVector(builder, [cap]);
    });
    const vec = positions(b).target(12); // AccountPolicy.position_caps
    setU32(b, vec, 0x7fffffff);
    expectRejection(verifyBoth(b), VerifyError.OUT_OF_BOUNDS, vec, 'AccountPolicy.position_caps');
  });

  test('more than 100,000 tables (one table referenced over and over)', () => {
    let capPos = 0;
    const b = policyWithCaps((builder) => {
      const sym = builder.createString('AAPL');
      const cap = SymbolCap.createSymbolCap(builder, sym, 1000n);
      builder.startVector(4, 100_001, 4);
      for (let i = 0; i < 100_001; i++) builder.addOffset(cap);
      const vec = builder.endVector();
      capPos = cap;
      return vec;
    });
    // Builder offsets count from the end of the buffer.
    expectRejection(verifyBoth(b), VerifyError.TOO_MANY_TABLES, b.length - capPos);
  });
});

describe('frames inside a larger buffer (a batch value, a ring)', () => {
  test('each is judged alone, at any offset, as its copy is; offsets count from its own start', () => {
    const good = order();
    const bad = order();
    const { envPos } = positions(bad);
    setU32(bad, 0, envPos + 2); // the root offset, misaligned
    const other = encode(Body.Order, new OrderT(7n, 'B', 'MSFT', Side.SELL, OrderType.MARKET, TimeInForce.IOC, false, 0n, 0n, 5n, 1n, null));
    // Packed back to back from byte 3, so the frames start at offsets that are not multiples of 4.
    const packed = new Uint8Array(3 + good.length + bad.length + other.length);
    const frames = [good, bad, other].map((f, i, all) => {
      const at = 3 + all.slice(0, i).reduce((n, g) => n + g.length, 0);
      packed.set(f, at);
      return packed.subarray(at, at + f.length);
    });
    const elsewhere = order({ orderId: 9n });
    const v = new Verifier();
    // Alternating buffers: the view kept for one buffer must not serve another.
    for (const f of [frames[0]!, elsewhere, frames[1]!, frames[2]!, elsewhere, frames[1]!, frames[0]!]) {
      expect(v.verify(f)).toEqual(new Verifier().verify(f.slice()));
    }
    expectRejection(v.verify(frames[1]!), VerifyError.MISALIGNED, envPos + 2); // the table, from the frame's start
    expect(v.verify(frames[2]!)).toEqual({ ok: true, type: MessageType.Order, typeName: 'Order' });
  });
});
