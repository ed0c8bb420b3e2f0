// quoteOf / tradeOf: a market-data frame is decoded once for all the jobs of a worker; each new frame
// (another ring memory, another slot, or the same slot with a later sequence) is decoded afresh.
import { expect, test } from 'vitest';
import { quoteOf, tradeOf } from '../src/jobs/frame-io.js';
import type { FrameInfo } from '../src/runtime/job.js';
import { encode } from '../src/wire/codec.js';
import { Body, Exchange, QuoteT, Side, TradeT } from '../src/wire/generated/index.js';

const quote = (symbol: string, bid: bigint, ts: bigint) =>
  encode(Body.Quote, Object.assign(new QuoteT(), { symbol, exchange: Exchange.NASDAQ, bid, ask: bid + 7n, bidSize: 3n, askSize: 4n, last: bid + 1n, volume: 99n, tsNs: ts }));

/** `frame` copied into a ring-like memory at `offset`, with the FrameInfo a worker would give. */
function inRing(memory: Uint8Array, offset: number, frame: Uint8Array, sequence: number, type: Body): [DataView, FrameInfo] {
  memory.set(frame, offset);
  return [new DataView(memory.buffer), { type, partition: 0, sequence, ingressNs: 0, routed: false, offset, length: frame.length }];
}

test('every field of a quote, then the same slot with a later sequence, then another memory at the same slot and sequence', () => {
  const ring = new Uint8Array(4096);
  const first = quoteOf(...inRing(ring, 64, quote('AAPL', 1_000n, 5n), 1, Body.Quote));
  expect({ ...first }).toEqual({ symbol: 'AAPL', exchange: Exchange.NASDAQ, bid: 1_000n, ask: 1_007n, bidSize: 3n, askSize: 4n, last: 1_001n, volume: 99n, tsNs: 5n });
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
  expect({ ...tradeOf(...inRing(ring, 512, trade, 11, Body.Trade)) }).toEqual({ symbol: 'NVDA', exchange: Exchange.BATS, price: 500n, quantity: 20n, aggressor: Side.SELL, tsNs: 8n });
});
