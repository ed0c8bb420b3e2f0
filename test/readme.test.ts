// The README's wire-format example does what the README says it does.
import { expect, test } from 'vitest';
import { Body, OrderT, OrderType, Side, TimeInForce, decode, encode, toTicks } from '../src/index.js';

test('README: encode an order, decode it, and decode a truncated copy', () => {
  const frame = encode(Body.Order, new OrderT(1n, 'TRADER_001', 'AAPL', Side.BUY, OrderType.LIMIT, TimeInForce.GTC, false, toTicks(175.23), 0n, 100n, 0n, null));
  const ok = decode(frame);
  expect(ok.ok && { type: ok.type, typeName: ok.typeName, price: (ok.body as OrderT).price }).toEqual({ type: 4, typeName: 'Order', price: 175_230_000n });
  expect(decode(frame.slice(0, 7))).toEqual({
    ok: false, code: 1, offset: 0, field: null, reason: 'frame too short to hold a root offset and file identifier at byte 0',
  });
});
