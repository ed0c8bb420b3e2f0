// Order ids as map keys: a number below 2^53, the bigint above; read from bytes, the same key.
import { describe, expect, it } from 'vitest';
import { orderKey, orderKeyAt } from '../src/jobs/order-key.js';

const EDGE = 2n ** 53n;

describe('order keys', () => {
  it('are numbers up to 2^53 - 1 and bigints from 2^53, so ids either side of the edge stay apart', () => {
    expect(orderKey(0n)).toBe(0);
    expect(orderKey(EDGE - 1n)).toBe(9_007_199_254_740_991);
    expect(orderKey(EDGE)).toBe(EDGE);
    expect(orderKey(2n ** 64n - 1n)).toBe(18_446_744_073_709_551_615n);
    const ids = [EDGE - 2n, EDGE - 1n, EDGE, EDGE + 1n, 2n ** 64n - 1n];
    expect(new Set(ids.map(orderKey)).size).toBe(ids.length);
  });

  it('read from little-endian bytes equal the key of the id, on both sides of the edge and at random', () => {
    const v = new DataView(new ArrayBuffer(16));
    let s = 12345;
    const rnd32 = (): bigint => BigInt((s = (Math.imul(s, 1103515245) + 12345) >>> 0));
    const ids = [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, EDGE - 1n, EDGE, EDGE + 1n, 2n ** 64n - 1n];
    for (let i = 0; i < 1_000; i++) ids.push(((rnd32() << 32n) | rnd32()) >> BigInt(i % 12)); // every high-word size
    for (const id of ids) {
      v.setBigUint64(4, id, true);
      expect(orderKeyAt(v, 4)).toBe(orderKey(id));
    }
  });
});
