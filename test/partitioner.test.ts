// Partitioning: murmur2 matches Kafka's (the vectors of Kafka's own UtilsTest), and a frame's
// partition comes from its key field read in place.
import { describe, expect, test } from 'vitest';
import { Body, CancelT, DeadLetterT, DeadLetterReason, Exchange, OrderT, OrderType, QuoteT, Side, TimeInForce } from '../src/wire/generated/index.js';
import { encode } from '../src/wire/codec.js';
import { kafkaPartition, murmur2, partitionOf } from '../src/runtime/partitioner.js';

const enc = new TextEncoder();
const mm = (s: string | number[]) => {
  const b = typeof s === 'string' ? enc.encode(s) : Uint8Array.from(s);
  return murmur2(b, 0, b.length);
};

describe('murmur2', () => {
  test("equals Kafka's Utils.murmur2 on Kafka's test vectors", () => {
    expect(mm('21')).toBe(-973932308);
    expect(mm('foobar')).toBe(-790332482);
    expect(mm('a-little-bit-long-string')).toBe(-985981536);
    expect(mm('a-little-bit-longer-string')).toBe(-1486304829);
    expect(mm('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8')).toBe(-58897971);
    expect(mm([0x61, 0x62, 0x63])).toBe(479470107);
  });
  test('reads a key in the middle of a buffer', () => {
    const b = enc.encode('xxfoobaryy');
    expect(murmur2(b, 2, 6)).toBe(-790332482);
    expect(kafkaPartition(b, 2, 6, 12)).toBe((-790332482 & 0x7fffffff) % 12);
  });
});

describe('partitionOf', () => {
  const at = (frame: Uint8Array, partitions: number, pad = 8) => {
    const buf = new Uint8Array(frame.length + pad);
    buf.set(frame, pad);
    return partitionOf(new DataView(buf.buffer), buf, pad, partitions);
  };
  const keyPartition = (key: string, partitions: number) => kafkaPartition(enc.encode(key), 0, key.length, partitions);

  test('quotes by symbol, orders and cancels by account, dead letters to 0', () => {
    const quote = encode(Body.Quote, new QuoteT('NVDA', Exchange.NASDAQ, 1n, 2n, 3n, 4n, 5n, 6n, 7n));
    const order = encode(Body.Order, new OrderT(1n, 'TRADER_017', 'NVDA', Side.BUY, OrderType.LIMIT, TimeInForce.GTC, false, 1n, 0n, 1n, 0n, null));
    const cancel = encode(Body.Cancel, new CancelT(1n, 'TRADER_017', 'NVDA', 0n));
    const dead = encode(Body.DeadLetter, Object.assign(new DeadLetterT(), { reason: DeadLetterReason.MALFORMED }));
    for (const p of [1, 7, 12, 64]) {
      expect(at(quote, p)).toBe(keyPartition('NVDA', p));
      expect(at(order, p)).toBe(keyPartition('TRADER_017', p));
      expect(at(cancel, p)).toBe(keyPartition('TRADER_017', p));
      expect(at(dead, p)).toBe(0);
    }
    // The two keys really differ somewhere, so the test can tell symbol from account.
    expect([7, 12, 64].some((p) => keyPartition('NVDA', p) !== keyPartition('TRADER_017', p))).toBe(true);
  });
});
