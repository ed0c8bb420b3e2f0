// HeldOrders: the trade engine's accepted orders in typed columns: found by id, every column as
// written after the table grows, a released slot taken again (once), and ids either side of 2^53.
import { expect, test } from 'vitest';
import { HeldOrders } from '../src/jobs/held-orders.js';
import { orderKey } from '../src/jobs/order-key.js';

const hold = (t: HeldOrders, id: bigint, i: number): number => t.add(orderKey(id), id, i % 7, i % 5 + 1, i % 2 + 1, BigInt(i) * 3n + 1n);

test('3,000 orders (the table grows twice past its first 1,024) keep every column as written', () => {
  const t = new HeldOrders();
  const slots: number[] = [];
  for (let i = 0; i < 3_000; i++) {
    const s = hold(t, 1_000n + BigInt(i), i);
    slots.push(s);
    // Columns a later growth must carry over.
    t.lastSeq[s] = i * 2;
    t.cum[s] = BigInt(-i);
    t.replacesInFlight[s] = i % 3;
  }
  expect(t.size).toBe(3_000);
  expect(new Set(slots).size).toBe(3_000);
  let wrong = 0;
  for (let i = 0; i < 3_000; i++) {
    const s = t.find(orderKey(1_000n + BigInt(i)));
    const row = [t.orderId[s], t.account[s], t.symbolId[s], t.side[s], t.held[s], t.leaves[s], t.extra[s], t.cum[s], t.replacesInFlight[s], t.lastSeq[s], t.done[s]];
    const want = [1_000n + BigInt(i), i % 7, (i % 5) + 1, (i % 2) + 1, BigInt(i) * 3n + 1n, BigInt(i) * 3n + 1n, 0n, BigInt(-i), i % 3, i * 2, 0];
    if (s !== slots[i] || JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) !== JSON.stringify(want, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))) wrong++;
  }
  expect(wrong).toBe(0);
  expect(t.find(orderKey(999n))).toBe(-1);
  expect(t.has(orderKey(999n))).toBe(false);
});

test('a released order is forgotten, its slot is the next one taken, and a new order there starts clean', () => {
  const t = new HeldOrders();
  const a = hold(t, 1n, 10);
  const b = hold(t, 2n, 11);
  t.done[a] = 1;
  t.extra[a] = 5n;
  t.release(a);
  expect([t.find(1), t.has(1), t.find(2), t.size]).toEqual([-1, false, b, 1]);
  const c = t.add(orderKey(3n), 3n, 4, 2, 1, 9n);
  expect(c).toBe(a);
  expect([t.orderId[c], t.done[c], t.extra[c], t.held[c], t.leaves[c], t.find(3)]).toEqual([3n, 0, 0n, 9n, 9n, c]);
});

test('a second release of a slot is a no-op: the slot is not handed out twice', () => {
  const t = new HeldOrders();
  const a = hold(t, 7n, 1);
  t.release(a);
  t.release(a);
  const next = [hold(t, 8n, 2), hold(t, 9n, 3)];
  expect(next[0]).toBe(a);
  expect(next[1]).not.toBe(a);
  expect([t.find(8), t.find(9), t.size]).toEqual([a, next[1], 2]);
});

test('ids either side of 2^53 are told apart (number keys below it, bigint keys from it)', () => {
  const t = new HeldOrders();
  const ids = [2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 64n - 1n];
  const slots = ids.map((id, i) => hold(t, id, i));
  expect(ids.map((id) => t.find(orderKey(id)))).toEqual(slots);
  t.release(slots[1]!);
  expect(ids.map((id) => t.has(orderKey(id)))).toEqual([true, false, true, true]);
  expect(t.orderId[slots[3]!]).toBe(2n ** 64n - 1n);
});
