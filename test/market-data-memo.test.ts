// quoteOf / tradeOf: a market-data frame is decoded once for all the jobs of a worker; each new frame
// (another ring memory, another slot, or the same slot with a later sequence) is decoded afresh.
import { expect, test } from 'vitest';
import { quoteOf, quotePrice, quotePriceValue, type QuoteFields, tradeOf } from '../src/jobs/frame-io.js';
import type { FrameInfo } from '../src/runtime/job.js';
import { encode } from '../src/wire/codec.js';
import { Body, Exchange, QuoteT, Side, TradeT } from '../src/wire/generated/index.js';

const quote = (symbol: string, bid: bigint, ts: bigint) =>
  encode(Body.Quote, Object.assign(new QuoteT(), { symbol, exchange: Exchange.NASDAQ, bid, ask: bid + 7n, bidSize: 3n, askSize: 4n, last: bid + 1n, volume: 99n, tsNs: ts }));

const quoteFields = (q: QuoteFields) => ({ symbol: q.symbol, exchange: q.exchange, bid: q.bid, ask: q.ask, bidSize: q.bidSize, askSize: q.askSize, last: q.last, volume: q.volume, tsNs: q.tsNs });
const quoteValues = (q: QuoteFields) => ({ bid: q.bidValue, ask: q.askValue, bidSize: q.bidSizeValue, askSize: q.askSizeValue, last: q.lastValue, volume: q.volumeValue, ts: q.tsValue });

/** `frame` copied into a ring-like memory at `offset`, with the FrameInfo a worker would give. */
function inRing(memory: Uint8Array, offset: number, frame: Uint8Array, sequence: number, type: Body): [DataView, FrameInfo] {
  memory.set(frame, offset);
  return [new DataView(memory.buffer), { type, partition: 0, sequence, ingressNs: 0, routed: false, offset, length: frame.length }];
}

test('every field of a quote, then the same slot with a later sequence, then another memory at the same slot and sequence', () => {
  const ring = new Uint8Array(4096);
  const first = quoteOf(...inRing(ring, 64, quote('AAPL', 1_000n, 5n), 1, Body.Quote));
  expect(quoteFields(first)).toEqual({ symbol: 'AAPL', exchange: Exchange.NASDAQ, bid: 1_000n, ask: 1_007n, bidSize: 3n, askSize: 4n, last: 1_001n, volume: 99n, tsNs: 5n });
  expect(quoteValues(first)).toEqual({ bid: 1_000, ask: 1_007, bidSize: 3, askSize: 4, last: 1_001, volume: 99, ts: 5 });
  // Asked again for the same frame (the next job): the same fields.
  expect(quoteOf(new DataView(ring.buffer), { type: Body.Quote, partition: 0, sequence: 1, ingressNs: 0, routed: false, offset: 64, length: 0 }).bid).toBe(1_000n);
  // The ring wrapped: the slot holds a new frame with a later sequence.
  expect(quoteOf(...inRing(ring, 64, quote('MSFT', 2_000n, 6n), 2, Body.Quote))).toMatchObject({ symbol: 'MSFT', bid: 2_000n, tsNs: 6n });
  // Another ring's memory, same offset and sequence.
  expect(quoteOf(...inRing(new Uint8Array(4096), 64, quote('TSLA', 3_000n, 7n), 2, Body.Quote))).toMatchObject({ symbol: 'TSLA', bid: 3_000n, tsNs: 7n });
});

test('a trade after a quote at another slot is its own frame', () => {
  const ring = new Uint8Array(4096);
  quoteOf(...inRing(ring, 0, quote('AAPL', 1n, 1n), 10, Body.Quote));
  const trade = encode(Body.Trade, Object.assign(new TradeT(), { symbol: 'NVDA', exchange: Exchange.BATS, price: 500n, quantity: 20n, aggressor: Side.SELL, tradeId: 1n, tsNs: 8n }));
  const t = tradeOf(...inRing(ring, 512, trade, 11, Body.Trade));
  expect({ symbol: t.symbol, exchange: t.exchange, price: t.price, quantity: t.quantity, aggressor: t.aggressor, tsNs: t.tsNs }).toEqual({ symbol: 'NVDA', exchange: Exchange.BATS, price: 500n, quantity: 20n, aggressor: Side.SELL, tsNs: 8n });
  expect([t.priceValue, t.quantityValue, t.tsValue]).toEqual([500, 20, 8]);
});

test('each 64-bit field as a double is exactly Number() of its BigInt, at random values of every magnitude', () => {
  const ring = new Uint8Array(4096);
  let seed = 7n;
  // A 64-bit LCG: values of every size and sign, plus the edges below.
  const next = (): bigint => (seed = BigInt.asIntN(64, seed * 6_364_136_223_846_793_005n + 1_442_695_040_888_963_407n)) >> BigInt(Number(seed & 63n));
  const edges = [0n, 1n, -1n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n), -(2n ** 32n), 2n ** 32n - 1n, 3n * 2n ** 60n + 1n];
  for (let i = 0; i < 3_000; i++) {
    const v = (k: number): bigint => (i < edges.length ? edges[(i + k) % edges.length]! : next());
    const fields = { bid: v(0), ask: v(1), bidSize: v(2), askSize: v(3), last: v(4), volume: v(5), tsNs: v(6) };
    const frame = encode(Body.Quote, Object.assign(new QuoteT(), { symbol: 'RND', exchange: Exchange.NYSE, ...fields }));
    const q = quoteOf(...inRing(ring, 128, frame, 100 + i, Body.Quote));
    expect(quoteFields(q)).toEqual({ symbol: 'RND', exchange: Exchange.NYSE, ...fields });
    expect(quoteValues(q)).toEqual({ bid: Number(fields.bid), ask: Number(fields.ask), bidSize: Number(fields.bidSize), askSize: Number(fields.askSize), last: Number(fields.last), volume: Number(fields.volume), ts: Number(fields.tsNs) });
  }
});

test('a quote\'s price: its last trade, else its mid toward zero, else 0; as a BigInt and as its exact double', () => {
  const ring = new Uint8Array(4096);
  const q = (bid: bigint, ask: bigint, last: bigint, sequence: number) =>
    quoteOf(...inRing(ring, 0, encode(Body.Quote, Object.assign(new QuoteT(), { symbol: 'PX', exchange: Exchange.NYSE, bid, ask, last, tsNs: 1n })), sequence, Body.Quote));
  const cases: [bigint, bigint, bigint, bigint][] = [
    [100n, 104n, 101n, 101n], // the last trade
    [3n, 4n, 0n, 3n], // no trade yet: the mid, 3.5 toward zero
    [0n, 4n, 0n, 0n], // one side only
    [5n, 0n, 0n, 0n],
    [2n ** 62n + 1n, 2n ** 62n + 4n, 0n, 2n ** 62n + 2n], // a mid beyond 2^53: made exactly
  ];
  cases.forEach(([bid, ask, last, price], i) => {
    const fields = q(bid, ask, last, 1_000 + i);
    expect(quotePrice(fields)).toBe(price);
    expect(quotePriceValue(fields)).toBe(Number(price));
  });
});

test('fields left out of a frame (their defaults) read as 0: exchange, aggressor, and a vtable cut short before ts_ns', () => {
  const ring = new Uint8Array(4096);
  const q = quoteOf(...inRing(ring, 0, encode(Body.Quote, Object.assign(new QuoteT(), { symbol: 'ZERO', bid: 5n })), 500, Body.Quote));
  expect(quoteFields(q)).toEqual({ symbol: 'ZERO', exchange: Exchange.UNSPECIFIED, bid: 5n, ask: 0n, bidSize: 0n, askSize: 0n, last: 0n, volume: 0n, tsNs: 0n });
  expect(quoteValues(q)).toEqual({ bid: 5, ask: 0, bidSize: 0, askSize: 0, last: 0, volume: 0, ts: 0 });
  const t = tradeOf(...inRing(ring, 0, encode(Body.Trade, Object.assign(new TradeT(), { symbol: 'ZERO', price: 7n })), 501, Body.Trade));
  expect([t.symbol, t.exchange, t.aggressor, t.price, t.quantity, t.tsNs, t.priceValue, t.quantityValue, t.tsValue]).toEqual(['ZERO', 0, Side.UNSPECIFIED, 7n, 0n, 0n, 7, 0, 0]);
});
