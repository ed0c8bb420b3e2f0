// Order books: one suite against every implementation, with the expected reports worked out by hand;
// then the implementations on the same random streams, compared report by report.
import { describe, expect, test } from 'vitest';
import { BOOK_COMMAND_BYTES, type BookCommand, type BookOrder, type ExecReport, type OrderBooks, OrderBooksReference, OrderBooksWasm, writeBookCommands } from '../../src/kernels/order-book.js';
import { ExecStatus as X, OrderType, RejectReason as R, SelfTradePrevention as STP, Side, TimeInForce as TIF } from '../../src/wire/generated/index.js';
import { Prng } from '../fixtures/prng.js';

const P = (price: number) => BigInt(Math.round(price * 1_000_000));

export const implementations: [string, () => OrderBooks][] = [
  ['TypeScript reference', () => new OrderBooksReference(10_000, 1_000, 16)],
  ['Wasm kernel', () => new OrderBooksWasm(10_000, 1_000, 16)],
];

let nextId = 1n;
function order(o: Partial<BookOrder> & { side: Side; quantity: bigint }): BookOrder {
  return {
    orderId: nextId++, account: 1, symbol: 1, type: OrderType.LIMIT, tif: TIF.GTC, postOnly: false, price: 0n, stopPrice: 0n,
    stp: STP.NONE, ...o,
  };
}
/** The fields of a report a test cares about: order, status, reason, last qty @ price, leaves, cum. */
const brief = (r: ExecReport) => `${r.orderId} ${X[r.status]}${r.reason ? ` ${R[r.reason]}` : ''} ${r.lastQty}@${Number(r.lastPrice) / 1e6} leaves ${r.leavesQty} cum ${r.cumQty} #${r.execSeq}`;

export function bookSuite(make: () => OrderBooks): void {
  const submit = (k: OrderBooks, o: BookOrder) => {
    k.submit(o);
    return k.reports().map(brief);
  };

  test('price-time priority: better price first, then arrival order; trades at the resting price', () => {
    const k = make();
    const a = order({ side: Side.SELL, quantity: 100n, price: P(10.02), account: 2 });
    const b = order({ side: Side.SELL, quantity: 100n, price: P(10.01), account: 3 });
    const c = order({ side: Side.SELL, quantity: 50n, price: P(10.01), account: 4 });
    for (const o of [a, b, c]) k.submit(o);
    expect(k.bestAsk(1)).toEqual({ price: P(10.01), quantity: 150n });
    expect(k.depth(1, Side.SELL, 5)).toEqual([{ price: P(10.01), quantity: 150n }, { price: P(10.02), quantity: 100n }]);
    const buy = order({ side: Side.BUY, quantity: 180n, price: P(10.02) });
    expect(submit(k, buy)).toEqual([
      `${buy.orderId} NEW 0@0 leaves 180 cum 0 #1`,
      `${b.orderId} FILLED 100@10.01 leaves 0 cum 100 #2`,
      `${buy.orderId} PARTIAL 100@10.01 leaves 80 cum 100 #2`,
      `${c.orderId} FILLED 50@10.01 leaves 0 cum 50 #2`,
      `${buy.orderId} PARTIAL 50@10.01 leaves 30 cum 150 #3`,
      `${a.orderId} PARTIAL 30@10.02 leaves 70 cum 30 #2`,
      `${buy.orderId} FILLED 30@10.02 leaves 0 cum 180 #4`,
    ]);
    expect(k.bestAsk(1)).toEqual({ price: P(10.02), quantity: 70n });
    expect(k.bestBid(1)).toBeNull();
  });

  test('GTC rests the rest; IOC and MARKET cancel it; FOK trades in full or not at all', () => {
    const k = make();
    k.submit(order({ side: Side.SELL, quantity: 100n, price: P(20) }));
    const gtc = order({ side: Side.BUY, quantity: 150n, price: P(20), account: 2 });
    expect(submit(k, gtc).at(-1)).toBe(`${gtc.orderId} PARTIAL 100@20 leaves 50 cum 100 #2`);
    expect(k.bestBid(1)).toEqual({ price: P(20), quantity: 50n });
    k.submit(order({ side: Side.SELL, quantity: 10n, price: P(21) }));
    const ioc = order({ side: Side.BUY, quantity: 15n, price: P(21), tif: TIF.IOC, account: 2 });
    expect(submit(k, ioc).slice(-2)).toEqual([`${ioc.orderId} PARTIAL 10@21 leaves 5 cum 10 #2`, `${ioc.orderId} CANCELLED NO_LIQUIDITY 0@0 leaves 0 cum 10 #3`]);
    const market = order({ side: Side.SELL, quantity: 70n, type: OrderType.MARKET, account: 3 });
    expect(submit(k, market).slice(-2)).toEqual([`${market.orderId} PARTIAL 50@20 leaves 20 cum 50 #2`, `${market.orderId} CANCELLED NO_LIQUIDITY 0@0 leaves 0 cum 50 #3`]);
    k.submit(order({ side: Side.SELL, quantity: 30n, price: P(22) }));
    const fok = order({ side: Side.BUY, quantity: 31n, price: P(22), tif: TIF.FOK, account: 2 });
    expect(submit(k, fok)).toEqual([`${fok.orderId} REJECTED FOK_NOT_FILLABLE 0@0 leaves 0 cum 0 #1`]);
    const fok2 = order({ side: Side.BUY, quantity: 30n, price: P(22), tif: TIF.FOK, account: 2 });
    expect(submit(k, fok2).at(-1)).toBe(`${fok2.orderId} FILLED 30@22 leaves 0 cum 30 #2`);
  });

  test('post-only is rejected when it would trade, rests otherwise', () => {
    const k = make();
    k.submit(order({ side: Side.SELL, quantity: 10n, price: P(5) }));
    const cross = order({ side: Side.BUY, quantity: 1n, price: P(5), postOnly: true, account: 2 });
    expect(submit(k, cross)).toEqual([`${cross.orderId} REJECTED POST_ONLY_WOULD_CROSS 0@0 leaves 0 cum 0 #1`]);
    const passive = order({ side: Side.BUY, quantity: 1n, price: P(4.99), postOnly: true, account: 2 });
    expect(submit(k, passive)).toEqual([`${passive.orderId} NEW 0@0 leaves 1 cum 0 #1`]);
  });

  test('stops wait for the last trade price, then enter oldest first', () => {
    const k = make();
    const stop1 = order({ side: Side.BUY, quantity: 5n, type: OrderType.STOP_MARKET, stopPrice: P(101), account: 9 });
    const stop2 = order({ side: Side.BUY, quantity: 1n, type: OrderType.STOP_LIMIT, price: P(101), stopPrice: P(101), account: 9 });
    expect(submit(k, stop1)).toEqual([`${stop1.orderId} NEW 0@0 leaves 5 cum 0 #1`]);
    k.submit(stop2);
    const ask = order({ side: Side.SELL, quantity: 10n, price: P(101), account: 2 });
    k.submit(ask);
    k.submit(order({ side: Side.SELL, quantity: 1n, price: P(100), account: 3 }));
    // A trade at 100 does not reach the stops.
    expect(submit(k, order({ side: Side.BUY, quantity: 1n, price: P(100), account: 4 })).length).toBe(3);
    expect(k.bestAsk(1)).toEqual({ price: P(101), quantity: 10n });
    // A trade at 101 does: stop 1 (a market buy of 5), then stop 2 (a limit buy of 1 @ 101).
    const trigger = order({ side: Side.BUY, quantity: 2n, price: P(101), account: 4 });
    expect(submit(k, trigger)).toEqual([
      `${trigger.orderId} NEW 0@0 leaves 2 cum 0 #1`,
      `${ask.orderId} PARTIAL 2@101 leaves 8 cum 2 #2`,
      `${trigger.orderId} FILLED 2@101 leaves 0 cum 2 #2`,
      `${ask.orderId} PARTIAL 5@101 leaves 3 cum 7 #3`,
      `${stop1.orderId} FILLED 5@101 leaves 0 cum 5 #2`,
      `${ask.orderId} PARTIAL 1@101 leaves 2 cum 8 #4`,
      `${stop2.orderId} FILLED 1@101 leaves 0 cum 1 #2`,
    ]);
    expect(k.bestAsk(1)).toEqual({ price: P(101), quantity: 2n });
    // A sell stop already reached when it arrives (last 101 <= 102) enters at once.
    k.submit(order({ side: Side.BUY, quantity: 4n, price: P(99), account: 5 }));
    const late = order({ side: Side.SELL, quantity: 4n, type: OrderType.STOP_MARKET, stopPrice: P(102), account: 6 });
    expect(submit(k, late).slice(-1)).toEqual([`${late.orderId} FILLED 4@99 leaves 0 cum 4 #2`]);
  });

  test('self-trade prevention: newest, oldest, both', () => {
    for (const [mode, expected] of [
      [STP.CANCEL_NEWEST, ['NEW', 'CANCELLED SELF_TRADE']],
      [STP.CANCEL_OLDEST, ['NEW', 'CANCELLED SELF_TRADE', 'FILLED', 'FILLED']],
      [STP.CANCEL_BOTH, ['NEW', 'CANCELLED SELF_TRADE', 'CANCELLED SELF_TRADE']],
    ] as const) {
      const k = make();
      const own = order({ side: Side.SELL, quantity: 5n, price: P(10), account: 7 });
      const other = order({ side: Side.SELL, quantity: 5n, price: P(10), account: 8 });
      k.submit(own);
      k.submit(other);
      const buy = order({ side: Side.BUY, quantity: 5n, price: P(10), account: 7, stp: mode });
      k.submit(buy);
      expect(k.reports().map((r) => `${X[r.status]}${r.reason ? ` ${R[r.reason]}` : ''}`), STP[mode]).toEqual(expected);
    }
    // Without prevention an account trades with itself.
    const k = make();
    k.submit(order({ side: Side.SELL, quantity: 5n, price: P(10), account: 7 }));
    k.submit(order({ side: Side.BUY, quantity: 5n, price: P(10), account: 7 }));
    expect(k.reports().map((r) => X[r.status])).toEqual(['NEW', 'FILLED', 'FILLED']);
  });

  test('cancel and replace: a smaller quantity keeps the place, a new price loses it', () => {
    const k = make();
    const first = order({ side: Side.BUY, quantity: 10n, price: P(50), account: 1 });
    const second = order({ side: Side.BUY, quantity: 10n, price: P(50), account: 2 });
    k.submit(first);
    k.submit(second);
    k.replace(first.orderId, P(50), 6n);
    expect(k.reports().map(brief)).toEqual([`${first.orderId} REPLACED 0@0 leaves 6 cum 0 #2`]);
    k.submit(order({ side: Side.SELL, quantity: 6n, price: P(50), account: 3 }));
    expect(k.reports().map(brief)[1]).toBe(`${first.orderId} FILLED 6@50 leaves 0 cum 6 #3`);
    // second now first in line; a third at 50, then second re-priced to 50.01 and back to 50: last in line.
    const third = order({ side: Side.BUY, quantity: 10n, price: P(50), account: 4 });
    k.submit(third);
    k.replace(second.orderId, P(50.01), 10n);
    k.replace(second.orderId, P(50), 10n);
    k.submit(order({ side: Side.SELL, quantity: 10n, price: P(50), account: 3 }));
    expect(k.reports().map(brief)[1]).toBe(`${third.orderId} FILLED 10@50 leaves 0 cum 10 #2`);
    k.cancel(second.orderId);
    expect(k.reports().map(brief)).toEqual([`${second.orderId} CANCELLED 0@0 leaves 0 cum 0 #4`]);
    expect(k.bestBid(1)).toBeNull();
    k.cancel(second.orderId);
    expect(k.reports().map(brief)).toEqual([`${second.orderId} REJECTED UNKNOWN_ORDER 0@0 leaves 0 cum 0 #0`]);
  });

  test('bad orders are rejected with the reason; books are per symbol', () => {
    const k = make();
    const bad = [
      order({ side: Side.BUY, quantity: 0n, price: P(1) }),
      order({ side: Side.BUY, quantity: 1n, price: 0n }),
      order({ side: Side.BUY, quantity: 1n, type: OrderType.STOP_LIMIT, price: P(1) }),
      order({ side: Side.BUY, quantity: 1n, price: P(1), postOnly: true, tif: TIF.IOC }),
    ];
    for (const o of bad) expect(submit(k, o)).toEqual([`${o.orderId} REJECTED INVALID_ORDER 0@0 leaves 0 cum 0 #1`]);
    const a = order({ side: Side.BUY, quantity: 1n, price: P(1) });
    k.submit(a);
    expect(submit(k, { ...a })).toEqual([`${a.orderId} REJECTED DUPLICATE_ORDER_ID 0@0 leaves 0 cum 0 #1`]);
    k.submit(order({ side: Side.SELL, quantity: 1n, price: P(1), symbol: 2 }));
    expect([k.bestBid(1), k.bestAsk(1), k.bestBid(2), k.bestAsk(2)]).toEqual([{ price: P(1), quantity: 1n }, null, null, { price: P(1), quantity: 1n }]);
  });
}

describe.each(implementations)('order books: %s', (_, make) => bookSuite(make));

const OPS = Number(process.env.TICKWAVE_KERNEL_OPS ?? 100_000);
const SEED = Number(process.env.TICKWAVE_SEED ?? 20261122);
const show = (x: unknown) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? `${v}` : v));

// Small capacities so the stream also meets full books: first orders, then (8 levels a side) levels,
// with levels emptying and filling again all the time.
describe.each([
  ['400 orders, 40 levels a side', 400, 40],
  ['400 orders, 8 levels a side', 400, 8],
])('differential, %s', (_, maxOrders, maxLevels) => test(`${OPS} random operations on 3 books, identical reports after every one (seed ${SEED})`, () => {
  const rng = new Prng(SEED);
  const ref = new OrderBooksReference(maxOrders, maxLevels, 3);
  const wasm = new OrderBooksWasm(maxOrders, maxLevels, 3);
  const ids: bigint[] = [];
  let id = 0n;
  const statuses = new Set<number>();
  const reasons = new Set<number>();
  for (let i = 0; i < OPS; i++) {
    const op = rng.int(0, 99);
    const apply = (k: OrderBooks) => {
      if (op < 70) k.submit(current!);
      else if (op < 85) k.cancel(target);
      else k.replace(target, replacePrice, replaceQty);
    };
    let current: BookOrder | null = null;
    const target = ids.length && rng.chance(0.9) ? ids[rng.int(0, ids.length - 1)]! : id + 1000n;
    const replacePrice = BigInt(9_900 + rng.int(-30, 30)) * 10_000n;
    const replaceQty = BigInt(rng.int(0, 300));
    if (op < 70) {
      const type = rng.pick([OrderType.LIMIT, OrderType.LIMIT, OrderType.LIMIT, OrderType.LIMIT, OrderType.MARKET, OrderType.STOP_LIMIT, OrderType.STOP_MARKET]);
      current = {
        orderId: rng.chance(0.01) && ids.length ? ids[0]! : ++id, account: rng.int(1, 6), symbol: rng.int(1, 4),
        side: rng.chance(0.005) ? 0 : rng.int(1, 2), type, tif: rng.pick([TIF.GTC, TIF.GTC, TIF.GTC, TIF.IOC, TIF.FOK]),
        postOnly: rng.chance(0.05), price: BigInt(9_900 + rng.int(-30, 30)) * 10_000n, stopPrice: BigInt(9_900 + rng.int(-20, 20)) * 10_000n,
        quantity: BigInt(rng.int(rng.chance(0.005) ? 0 : 1, 200)), stp: rng.pick([STP.NONE, STP.NONE, STP.CANCEL_NEWEST, STP.CANCEL_OLDEST, STP.CANCEL_BOTH]),
      };
      ids.push(current.orderId);
      if (ids.length > 2000) ids.shift();
    }
    apply(ref);
    apply(wasm);
    const a = ref.reports();
    const b = wasm.reports();
    if (show(a) !== show(b)) expect.fail(`seed ${SEED}, op ${i}: reports differ\nreference ${show(a)}\nwasm      ${show(b)}`);
    for (const r of a) {
      statuses.add(r.status);
      reasons.add(r.reason);
    }
    if (i % 100 === 99) {
      expect(wasm.stateHash(), `seed ${SEED}, op ${i}`).toBe(ref.stateHash());
      for (let s = 1; s <= 4; s++) {
        for (const side of [Side.BUY, Side.SELL]) expect(show(wasm.depth(s, side, 5)), `seed ${SEED}, op ${i}`).toBe(show(ref.depth(s, side, 5)));
      }
    }
  }
  expect(wasm.stateHash()).toBe(ref.stateHash());
  // Every status and reason the book can give came up.
  expect([...statuses].sort((x, y) => x - y)).toEqual([X.NEW, X.PARTIAL, X.FILLED, X.CANCELLED, X.REJECTED, X.REPLACED]);
  expect([...reasons].sort((x, y) => x - y)).toEqual([
    R.NONE, R.INVALID_ORDER, R.POST_ONLY_WOULD_CROSS, R.FOK_NOT_FILLABLE, R.NO_LIQUIDITY, R.SELF_TRADE, R.UNKNOWN_ORDER, R.DUPLICATE_ORDER_ID, R.BOOK_CAPACITY,
  ]);
}));

test('batched commands from kernel memory give the same reports and state as one call each', () => {
  const rng = new Prng(SEED + 1);
  const calls = new OrderBooksWasm(1_000, 100, 2);
  const batched = new OrderBooksWasm(1_000, 100, 2);
  const commands: BookCommand[] = [];
  for (let i = 0; i < 2_000; i++) {
    const r = rng.int(0, 9);
    const id = BigInt(rng.int(1, 400));
    if (r < 7) {
      commands.push({ op: 'submit', order: { orderId: BigInt(i + 1), account: rng.int(1, 3), symbol: rng.int(1, 2), side: rng.int(1, 2), type: OrderType.LIMIT,
        tif: rng.chance(0.8) ? TIF.GTC : TIF.IOC, postOnly: false, price: BigInt(rng.int(90, 110)) * 1_000_000n, stopPrice: 0n,
        quantity: BigInt(rng.int(1, 50)), stp: STP.NONE } });
    } else if (r < 8) commands.push({ op: 'cancel', orderId: id });
    else commands.push({ op: 'replace', orderId: id, price: BigInt(rng.int(90, 110)) * 1_000_000n, quantity: BigInt(rng.int(1, 60)) });
  }
  const at = batched.exports.reserve(commands.length * BOOK_COMMAND_BYTES);
  writeBookCommands(new DataView(batched.memory.buffer), at, commands);
  let reports = 0;
  commands.forEach((c, i) => {
    if (c.op === 'submit') calls.submit(c.order);
    else if (c.op === 'cancel') calls.cancel(c.orderId);
    else calls.replace(c.orderId, c.price, c.quantity);
    reports += calls.reports().length;
    expect(batched.exports.processBatch(at + i * BOOK_COMMAND_BYTES, 1)).toBe(calls.reports().length);
    expect(show(batched.reports())).toBe(show(calls.reports()));
  });
  expect(batched.stateHash()).toBe(calls.stateHash());
  // The whole stream in one batch, on a fresh book, counts the same reports.
  const once = new OrderBooksWasm(1_000, 100, 2);
  const at2 = once.exports.reserve(commands.length * BOOK_COMMAND_BYTES);
  writeBookCommands(new DataView(once.memory.buffer), at2, commands);
  expect(once.exports.processBatch(at2, commands.length)).toBe(reports);
  expect(once.stateHash()).toBe(calls.stateHash());
});
