// Edge codecs: fixed-point conversion and whole-message encode/decode.
import { expect, test } from 'vitest';
import { Body, OrderT, OrderType, QuoteT, Side, TimeInForce, Exchange } from '../src/wire/generated/index.js';
import { decode, encode, fromTicks, PRICE_SCALE, toTicks } from '../src/wire/codec.js';
import { VerifyError } from '../src/wire/verifier.js';

test('prices convert to and from fixed point at 1e6', () => {
  expect(PRICE_SCALE).toBe(1_000_000);
  expect(toTicks(175.23)).toBe(175_230_000n);
  expect(toTicks(0.000001)).toBe(1n);
  expect(toTicks(-12.5)).toBe(-12_500_000n);
  expect(toTicks(1.0845)).toBe(1_084_500n); // EURUSD: 0.1 + 0.2 style float error must not leak
  expect(fromTicks(175_230_000n)).toBe(175.23);
  expect(fromTicks(-12_500_000n)).toBe(-12.5);
  expect(fromTicks(1n)).toBe(0.000001);
});

test('bad prices are refused with a reason', () => {
  expect(() => toTicks(Number.NaN)).toThrow('price NaN is not a finite number');
  expect(() => toTicks(1e20)).toThrow('out of range');
});

test('encode then decode returns the same order', () => {
  const o = new OrderT(7n, 'TRADER_003', 'TSLA', Side.SELL, OrderType.LIMIT, TimeInForce.IOC, true, toTicks(251.1), 0n, 30n, 99n, null);
  const d = decode(encode(Body.Order, o));
  expect(d.ok).toBe(true);
  if (!d.ok) return;
  expect(d.typeName).toBe('Order');
  expect(d.body).toEqual(o);
});

test('decode of bytes that are not a frame names the reason', () => {
  const d = decode(new TextEncoder().encode('{"symbol":"AAPL"}'));
  expect(d).toEqual({ ok: false, code: VerifyError.BAD_IDENTIFIER, offset: 4, field: null, reason: 'file identifier is not "TWV1" at byte 4' });
});

test('a quote round-trips with all its fields', () => {
  const q = new QuoteT('AAPL', Exchange.NYSE, toTicks(175.21), toTicks(175.25), 5000n, 3000n, toTicks(175.23), 125_000n, 1n);
  const d = decode(encode(Body.Quote, q));
  expect(d.ok && d.body).toEqual(q);
});
