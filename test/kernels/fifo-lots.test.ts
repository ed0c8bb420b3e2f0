// FIFO lots: one suite, run against the TypeScript reference and the Wasm kernel, with every figure
// computed by hand; then both on the same 100,000 random fills, compared after every fill.
import { describe, expect, test } from 'vitest';
import { BUY, type FifoLots, FifoLotsReference, FifoLotsWasm, LotsError, SELL } from '../../src/kernels/fifo-lots.js';
import { Prng } from '../fixtures/prng.js';

const P = (price: number) => BigInt(Math.round(price * 1_000_000)); // wire ticks
const M = (money: number) => BigInt(Math.round(money * 1_000_000)); // money at the same scale

const implementations: [string, (positions: number, lots: number, accounts?: number) => FifoLots][] = [
  ['TypeScript reference', (p, l, a) => new FifoLotsReference(p, l, a)],
  ['Wasm kernel', (p, l, a) => new FifoLotsWasm(p, l, a)],
];

describe.each(implementations)('FIFO lots: %s', (_, make) => {
  test('long: two lots, a sale closes the first and part of the second (golden)', () => {
    const k = make(16, 64);
    expect(k.fill(1, 7, BUY, 100n, P(10))).toBe(0n);
    expect(k.fill(1, 7, BUY, 50n, P(11))).toBe(0n);
    expect(k.position(1, 7)).toEqual({ quantity: 150n, cost: M(1550), realized: 0n, lots: 2 });
    // Sell 120 @ 12: 100 @ 10 realize (12 - 10) x 100 = 200; 20 @ 11 realize (12 - 11) x 20 = 20.
    expect(k.fill(1, 7, SELL, 120n, P(12))).toBe(M(220));
    expect(k.closedLots()).toEqual([
      { quantity: 100n, openPrice: P(10), closePrice: P(12), realized: M(200) },
      { quantity: 20n, openPrice: P(11), closePrice: P(12), realized: M(20) },
    ]);
    expect(k.position(1, 7)).toEqual({ quantity: 30n, cost: M(330), realized: M(220), lots: 1 });
    // 30 left @ 11, marked at 10.50: 10.5 x 30 - 330 = -15.
    expect(k.unrealized(1, 7, P(10.5))).toBe(M(-15));
  });

  test('crossing through zero: the rest opens short at the fill price; covering part of it (golden)', () => {
    const k = make(16, 64);
    k.fill(1, 7, BUY, 30n, P(11));
    // Sell 50 @ 9: closes 30 @ 11, (9 - 11) x 30 = -60; the other 20 open short @ 9.
    expect(k.fill(1, 7, SELL, 50n, P(9))).toBe(M(-60));
    expect(k.position(1, 7)).toEqual({ quantity: -20n, cost: M(-180), realized: M(-60), lots: 1 });
    // Buy 5 @ 8 covers part of the short lot: (9 - 8) x 5 = 5.
    expect(k.fill(1, 7, BUY, 5n, P(8))).toBe(M(5));
    expect(k.closedLots()).toEqual([{ quantity: 5n, openPrice: P(9), closePrice: P(8), realized: M(5) }]);
    expect(k.position(1, 7)).toEqual({ quantity: -15n, cost: M(-135), realized: M(-55), lots: 1 });
    // Short 15 @ 9 marked at 10: 10 x -15 - (-135) = -15.
    expect(k.unrealized(1, 7, P(10))).toBe(M(-15));
  });

  test('short first, crossing to long, then closing flat exactly (golden)', () => {
    const k = make(16, 64);
    expect(k.fill(2, 3, SELL, 10n, P(100))).toBe(0n);
    expect(k.position(2, 3)).toEqual({ quantity: -10n, cost: M(-1000), realized: 0n, lots: 1 });
    // Buy 25 @ 90: covers 10, (100 - 90) x 10 = 100; 15 open long @ 90.
    expect(k.fill(2, 3, BUY, 25n, P(90))).toBe(M(100));
    expect(k.position(2, 3)).toEqual({ quantity: 15n, cost: M(1350), realized: M(100), lots: 1 });
    // Sell 15 @ 95: (95 - 90) x 15 = 75, flat.
    expect(k.fill(2, 3, SELL, 15n, P(95))).toBe(M(75));
    expect(k.position(2, 3)).toEqual({ quantity: 0n, cost: 0n, realized: M(175), lots: 0 });
    expect(k.unrealized(2, 3, P(1000))).toBe(0n);
    // Positions are per account x symbol: account 1 is untouched.
    expect(k.position(1, 3)).toEqual({ quantity: 0n, cost: 0n, realized: 0n, lots: 0 });
  });

  test('partial fills against one lot, one at a time (golden)', () => {
    const k = make(16, 64);
    k.fill(3, 1, BUY, 10n, P(50.25));
    const realized = [1n, 2n, 3n, 4n].map((q) => k.fill(3, 1, SELL, q, P(50.75)));
    expect(realized).toEqual([M(0.5), M(1), M(1.5), M(2)]);
    expect(k.position(3, 1)).toEqual({ quantity: 0n, cost: 0n, realized: M(5), lots: 0 });
  });

  test('bad fills are refused with a reason and change nothing', () => {
    const k = make(16, 64);
    k.fill(1, 1, BUY, 10n, P(5));
    const before = k.stateHash();
    expect([k.fill(1, 1, 0, 1n, P(5)), k.lastError()]).toEqual([0n, LotsError.BAD_SIDE]);
    expect([k.fill(1, 1, SELL, 0n, P(5)), k.lastError()]).toEqual([0n, LotsError.BAD_QUANTITY]);
    expect([k.fill(1, 1, SELL, 1n, -1n), k.lastError()]).toEqual([0n, LotsError.BAD_PRICE]);
    expect(k.stateHash()).toBe(before);
    k.fill(1, 1, SELL, 1n, P(6));
    expect(k.lastError()).toBe(LotsError.OK);
  });

  test('out of positions or lots: refused, nothing changes; a crossing fill needs no new room', () => {
    const k = make(2, 2);
    k.fill(1, 1, BUY, 1n, P(1));
    k.fill(1, 2, BUY, 1n, P(1));
    const before = k.stateHash();
    expect([k.fill(1, 3, BUY, 1n, P(1)), k.lastError()]).toEqual([0n, LotsError.NO_LOT_ROOM]);
    expect([k.fill(1, 1, BUY, 1n, P(2)), k.lastError()]).toEqual([0n, LotsError.NO_LOT_ROOM]);
    expect(k.stateHash()).toBe(before);
    // Selling 3 closes the one lot and opens a short one in the lot it freed.
    expect(k.fill(1, 1, SELL, 3n, P(2))).toBe(M(1));
    expect(k.position(1, 1)).toEqual({ quantity: -2n, cost: M(-4), realized: M(1), lots: 1 });
    const k2 = make(1, 8);
    k2.fill(1, 1, BUY, 1n, P(1));
    expect([k2.fill(2, 1, BUY, 1n, P(1)), k2.lastError()]).toEqual([0n, LotsError.NO_POSITION_ROOM]);
  });
});

describe.each(implementations)('FIFO lots valuation: %s', (_, make) => {
  test('positions and the account valued at marks, cash and equity (golden)', () => {
    const k = make(16, 64);
    expect(k.setInitialCash(1, M(10_000))).toBe(LotsError.OK);
    k.fill(1, 7, BUY, 100n, P(10)); // cash flow -1,000
    k.fill(1, 7, BUY, 50n, P(11)); // -550
    k.fill(1, 8, SELL, 20n, P(50)); // +1,000
    // Fills move cash flow and realized at once; nothing is valued yet.
    expect(k.positionValuation(1, 7)).toEqual({ lastFill: P(11), mark: 0n, marketValue: 0n, unrealized: 0n, gross: 0n, avgPrice: 0n });
    expect(k.accountValuation(1)).toEqual({
      initialCash: M(10_000), cashFlow: M(-550), realized: 0n, unrealized: 0n, marketValue: 0n, gross: 0n, dayPnl: 0n, cash: M(9_450), equity: M(9_450),
    });
    // 150 long (cost 1,550) at 12: value 1,800, unrealized 250; average 1,550 / 150 = 10.333333 (truncated).
    expect(k.value(1, 7, Number(P(12)))).toBe(LotsError.OK);
    expect(k.positionValuation(1, 7)).toEqual({ lastFill: P(11), mark: P(12), marketValue: M(1_800), unrealized: M(250), gross: M(1_800), avgPrice: 10_333_333n });
    // 20 short with no mark: valued at its last fill, 50: value -1,000, unrealized 0, gross 1,000.
    expect(k.value(1, 8, null)).toBe(LotsError.OK);
    expect(k.positionValuation(1, 8)).toEqual({ lastFill: P(50), mark: P(50), marketValue: M(-1_000), unrealized: 0n, gross: M(1_000), avgPrice: P(50) });
    expect(k.accountValuation(1)).toEqual({
      initialCash: M(10_000), cashFlow: M(-550), realized: 0n, unrealized: M(250), marketValue: M(800), gross: M(2_800), dayPnl: M(250), cash: M(9_450), equity: M(10_250),
    });
    // Sell 120 @ 12 realizes 220 (see the golden fills above) and brings in 1,440; the marks are as before.
    k.fill(1, 7, SELL, 120n, P(12));
    expect(k.accountValuation(1)).toEqual({
      initialCash: M(10_000), cashFlow: M(890), realized: M(220), unrealized: M(250), marketValue: M(800), gross: M(2_800), dayPnl: M(470), cash: M(10_890), equity: M(11_690),
    });
    // 30 left (cost 330) at 11.50: value 345, unrealized 15; the account's sums move by the change only.
    k.value(1, 7, Number(P(11.5)));
    expect(k.positionValuation(1, 7)).toEqual({ lastFill: P(12), mark: P(11.5), marketValue: M(345), unrealized: M(15), gross: M(345), avgPrice: P(11) });
    expect(k.accountValuation(1)).toEqual({
      initialCash: M(10_000), cashFlow: M(890), realized: M(220), unrealized: M(15), marketValue: M(-655), gross: M(1_345), dayPnl: M(235), cash: M(10_890), equity: M(10_235),
    });
    // Another account is apart; a position never filled cannot be valued.
    expect(k.accountValuation(2).equity).toBe(0n);
    expect(k.value(2, 7, 1)).toBe(LotsError.NO_POSITION);
    expect(k.value(1, 9, 1)).toBe(LotsError.NO_POSITION);
  });

  test('a short average price truncates toward zero; marks beyond int64 saturate; no room for an account', () => {
    const k = make(16, 64, 1);
    k.fill(1, 1, SELL, 3n, 10n);
    k.fill(1, 1, SELL, 3n, 11n);
    k.value(1, 1, 12);
    // cost -63 over -6: 10.5, truncated to 10 (not floored to 11 below zero: the quotient is positive here).
    expect(k.positionValuation(1, 1).avgPrice).toBe(10n);
    k.fill(1, 1, BUY, 5n, 1n); // closes 3 @ 10 and 2 @ 11: 1 short left at 11
    k.value(1, 1, 12);
    expect(k.positionValuation(1, 1)).toMatchObject({ marketValue: -12n, unrealized: -1n, avgPrice: 11n });
    k.value(1, 1, 2 ** 64);
    expect(k.positionValuation(1, 1).mark).toBe(2n ** 63n - 1n);
    k.value(1, 1, -(2 ** 64));
    expect(k.positionValuation(1, 1).mark).toBe(-(2n ** 63n));
    // Room for one account: a second is refused, and changes nothing.
    const before = k.stateHash();
    expect([k.fill(2, 1, BUY, 1n, 1n), k.lastError()]).toEqual([0n, LotsError.NO_ACCOUNT_ROOM]);
    expect(k.setInitialCash(2, 5n)).toBe(LotsError.NO_ACCOUNT_ROOM);
    expect(k.stateHash()).toBe(before);
  });
});

test('state hashes agree between the implementations and tell different states apart', () => {
  const a = new FifoLotsReference(16, 64);
  const b = new FifoLotsWasm(16, 64);
  for (const k of [a, b]) {
    k.fill(1, 1, BUY, 10n, P(10));
    k.fill(2, 1, SELL, 5n, P(11));
  }
  expect(a.stateHash()).toBe(b.stateHash());
  b.fill(2, 1, SELL, 1n, P(11));
  expect(a.stateHash()).not.toBe(b.stateHash());
});

const OPS = Number(process.env.TICKWAVE_KERNEL_OPS ?? 100_000);
const SEED = Number(process.env.TICKWAVE_SEED ?? 20261122);

test(`differential: ${OPS} random fills, identical results after every fill (seed ${SEED})`, () => {
  const rng = new Prng(SEED);
  const ref = new FifoLotsReference(64, 100_000);
  const wasm = new FifoLotsWasm(64, 100_000);
  for (let i = 0; i < OPS; i++) {
    const account = rng.int(1, 5);
    const symbol = rng.int(1, 4);
    // Mostly valid fills, a few bad ones.
    const side = rng.chance(0.002) ? 3 : rng.int(1, 2);
    const qty = rng.chance(0.002) ? 0n : BigInt(rng.int(1, 500));
    const price = BigInt(90_000_000 + rng.int(0, 2_000) * 10_000);
    const r1 = ref.fill(account, symbol, side, qty, price);
    const r2 = wasm.fill(account, symbol, side, qty, price);
    if (r1 !== r2 || ref.lastError() !== wasm.lastError()) expect.fail(`seed ${SEED}, fill ${i}: realized ${r1} vs ${r2}, errors ${ref.lastError()} vs ${wasm.lastError()}`);
    const c1 = ref.closedLots();
    const c2 = wasm.closedLots();
    if (c1.length !== c2.length || c1.some((c, j) => c.quantity !== c2[j]!.quantity || c.realized !== c2[j]!.realized || c.openPrice !== c2[j]!.openPrice)) {
      expect.fail(`seed ${SEED}, fill ${i}: closed lots differ`);
    }
    if (i % 97 === 0) {
      // Value a random position at a random mark (now and then none: its last fill; or far beyond 2^53).
      const a = rng.int(1, 5);
      const s = rng.int(1, 4);
      const mark = rng.chance(0.1) ? null : rng.chance(0.02) ? 2 ** 62 + rng.int(0, 1_000) * 2 ** 20 : 90_000_000 + rng.int(0, 2_000) * 10_000;
      expect(wasm.value(a, s, mark), `seed ${SEED}, fill ${i}: value`).toBe(ref.value(a, s, mark));
      if (rng.chance(0.1)) {
        const cash = BigInt(rng.int(0, 1e9)) * 1_000_000n;
        expect(wasm.setInitialCash(a, cash)).toBe(ref.setInitialCash(a, cash));
      }
      expect(wasm.positionValuation(a, s), `seed ${SEED}, fill ${i}: position ${a}/${s}`).toEqual(ref.positionValuation(a, s));
      expect(wasm.accountValuation(a), `seed ${SEED}, fill ${i}: account ${a}`).toEqual(ref.accountValuation(a));
    }
    if (i % 1000 === 999) {
      expect(wasm.stateHash(), `seed ${SEED}, fill ${i}`).toBe(ref.stateHash());
      const mark = BigInt(95_000_000 + rng.int(0, 1000) * 10_000);
      for (let a = 1; a <= 5; a++) {
        for (let s = 1; s <= 4; s++) {
          expect(wasm.position(a, s)).toEqual(ref.position(a, s));
          expect(wasm.unrealized(a, s, mark)).toBe(ref.unrealized(a, s, mark));
        }
      }
    }
  }
  expect(wasm.stateHash()).toBe(ref.stateHash());
});
