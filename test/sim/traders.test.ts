// The simulated traders: one AccountPolicy each with the documented limits, unique order ids that
// encode the trader, cancels and replaces only of the trader's own live orders, and an order mix
// with passive and crossing limits, two-sided quotes, MARKET, IOC and FOK orders.
import { describe, expect, it } from 'vitest';
import { MarketSimulator } from '../../src/sim/market-simulator.js';
import { UNIVERSE } from '../../src/sim/instruments.js';
import { TRADER_LIMITS, limitPrice, orderIdOf, positionCaps, traderName } from '../../src/sim/traders.js';
import {
  AccountPolicyT,
  AccountStatus,
  Body,
  type CancelT,
  type OrderT,
  OrderType,
  type ReplaceT,
  Side,
  SymbolCapT,
  TimeInForce,
} from '../../src/wire/generated/index.js';
import { body } from './fixtures.js';

const TRADER_BIT = 2n ** 40n;

describe('account policies', () => {
  it('20 ACTIVE accounts TRADER_001..TRADER_020 with the documented limits', () => {
    const sim = new MarketSimulator();
    const policies = sim.setupFrames().slice(33).map((f) => body<AccountPolicyT>(f));
    expect(policies.map((p) => p.account)).toEqual(Array.from({ length: 20 }, (_, i) => `TRADER_${String(i + 1).padStart(3, '0')}`));
    // Position caps: 1,000,000 USD at the start price, whole lots, worked out by hand.
    const caps: [string, bigint][] = [
      ['AAPL', 5714n], // 1e6 / 175
      ['GOOGL', 7142n], // 1e6 / 140
      ['MSFT', 2857n],
      ['AMZN', 7142n],
      ['TSLA', 4000n],
      ['NVDA', 2222n],
      ['META', 3125n],
      ['NFLX', 2222n],
      ['EURUSD', 921_000n], // 1e6 / 1.085 = 921,658.99 -> lots of 1000
      ['GBPUSD', 787_000n], // 1e6 / 1.27 = 787,401.57
      ['USDJPY', 1_000_000n], // one unit is one dollar
      ['XAUUSD', 377n], // 1e6 / 2650
      ['XAGUSD', 32_258n], // 1e6 / 31
      ['WTI', 13_888n], // 1e6 / 72
      ['BTCUSD', 10n], // 1e6 / 95,000
      ['ETHUSD', 294n], // 1e6 / 3400
      ['ADAUSD', 1_428_571n], // 1e6 / 0.70
    ];
    for (const p of policies) {
      expect(p).toEqual(
        new AccountPolicyT(
          p.account,
          AccountStatus.ACTIVE,
          1_000_000n,
          500_000_000_000n, // 500,000 USD
          caps.map(([symbol, cap]) => new SymbolCapT(symbol, cap)),
          10_000n,
          4_000_000_000_000n, // 4,000,000 USD: 4x the cash
          40_000, // 4x
          50_000_000_000n, // 50,000 USD
          1_000_000_000_000n, // 1,000,000 USD
          1n,
          1_767_623_400_000_000_000n,
        ),
      );
    }
    expect(positionCaps(UNIVERSE).map((c) => [c.symbol, BigInt(c.maxPosition)])).toEqual(caps);
    expect(TRADER_LIMITS.maxLeverageBp).toBe(40_000);
  });

  it('the trader count is configurable', () => {
    const frames = new MarketSimulator({ traders: 3, symbols: ['AAPL'] }).setupFrames();
    expect(frames).toHaveLength(3 + 3);
    expect(frames.slice(3).map((f) => body<AccountPolicyT>(f).account)).toEqual(['TRADER_001', 'TRADER_002', 'TRADER_003']);
    expect(traderName(120)).toBe('TRADER_120');
  });
});

describe('orders', () => {
  const sim = new MarketSimulator({ seed: 17, orderShare: 0.6, tradeShare: 0.1 });
  const orders: { order: OrderT; fair: number }[] = [];
  const flow: { type: number; account: string; id: bigint; symbol: string }[] = [];
  for (let i = 0; i < 150_000; i++) {
    const e = sim.next();
    if (e.type === Body.Order) {
      const order = body<OrderT>(e.frame);
      // The fair price the trader saw: nothing moves prices between next() calls.
      orders.push({ order, fair: sim.fairPrice(order.symbol as string) });
      flow.push({ type: e.type, account: order.account as string, id: order.orderId, symbol: order.symbol as string });
    } else if (e.type === Body.Cancel || e.type === Body.Replace) {
      const m = body<CancelT | ReplaceT>(e.frame);
      flow.push({ type: e.type, account: m.account as string, id: m.orderId, symbol: m.symbol as string });
    }
  }

  it('ids are unique and are (trader index << 40) | 1, 2, 3, ... per trader', () => {
    const ids = orders.map((o) => o.order.orderId);
    expect(new Set(ids).size).toBe(ids.length);
    const counters = new Map<string, bigint>();
    for (const { order } of orders) {
      const index = order.orderId / TRADER_BIT;
      const expected = (counters.get(order.account as string) ?? 0n) + 1n;
      if (order.account !== traderName(Number(index)) || order.orderId !== index * TRADER_BIT + expected) {
        expect.fail(`${order.account}: order id ${order.orderId}, expected (${index} << 40) | ${expected}`);
      }
      counters.set(order.account as string, expected);
    }
    expect(counters.size).toBe(20);
    expect(BigInt(orderIdOf(20, 5))).toBe((20n << 40n) | 5n);
  });

  it("cancels and replaces name only the same trader's live GTC orders, with the order's symbol", () => {
    const live = new Map<bigint, { account: string; symbol: string }>();
    let cancels = 0;
    let replaces = 0;
    const gtc = new Set(orders.filter((o) => o.order.tif === TimeInForce.GTC).map((o) => o.order.orderId));
    for (const f of flow) {
      if (f.type === Body.Order) {
        if (gtc.has(f.id)) live.set(f.id, { account: f.account, symbol: f.symbol });
        continue;
      }
      const known = live.get(f.id);
      if (known === undefined) expect.fail(`${f.account} names order ${f.id}, not a live GTC order`);
      expect(known).toEqual({ account: f.account, symbol: f.symbol });
      if (f.type === Body.Cancel) {
        cancels++;
        live.delete(f.id);
      } else {
        replaces++;
      }
    }
    expect(cancels).toBeGreaterThan(1000);
    expect(replaces).toBeGreaterThan(1000);
  });

  it('a trader forgets a resting order 90 s after sending or replacing it', () => {
    // Half an order event per trader per second: orders age before the 64-order memory overflows.
    const slow = new MarketSimulator({ seed: 2, orderShare: 0.5, eventsPerSecond: 2, traders: 2, symbols: ['AAPL'] });
    const touched = new Map<bigint, bigint>();
    let oldest = 0n;
    for (let i = 0; i < 20_000; i++) {
      const e = slow.next();
      if (e.type === Body.Order) {
        touched.set(body<OrderT>(e.frame).orderId, e.tsNs);
      } else if (e.type === Body.Cancel || e.type === Body.Replace) {
        const id = body<CancelT | ReplaceT>(e.frame).orderId;
        const age = e.tsNs - touched.get(id)!;
        if (age > oldest) oldest = age;
        if (e.type === Body.Replace) touched.set(id, e.tsNs);
      }
    }
    // 10,000 simulated seconds: orders do grow old, and none is touched after 90 s.
    expect(oldest).toBeLessThanOrEqual(90_000_000_000n);
    expect(oldest).toBeGreaterThan(60_000_000_000n);
  });

  it('the mix: GTC limits (passive and crossing), two-sided quotes, MARKET, IOC and FOK', () => {
    const count = (pred: (o: OrderT, fair: number) => boolean) => orders.filter(({ order, fair }) => pred(order, fair)).length;
    const n = orders.length;
    const gtc = count((o) => o.type === OrderType.LIMIT && o.tif === TimeInForce.GTC);
    const market = count((o) => o.type === OrderType.MARKET && o.tif === TimeInForce.IOC);
    const ioc = count((o) => o.type === OrderType.LIMIT && o.tif === TimeInForce.IOC);
    const fok = count((o) => o.type === OrderType.LIMIT && o.tif === TimeInForce.FOK);
    expect(gtc + market + ioc + fok).toBe(n);
    expect(gtc / n).toBeGreaterThan(0.6);
    expect(market / n).toBeGreaterThan(0.05);
    expect(ioc / n).toBeGreaterThan(0.03);
    expect(fok / n).toBeGreaterThan(0.002);
    const crossing = (o: OrderT, fair: number) =>
      o.type === OrderType.LIMIT && (o.side === Side.BUY ? Number(o.price) > fair : Number(o.price) < fair);
    expect(count((o, fair) => o.tif === TimeInForce.GTC && crossing(o, fair)) / gtc).toBeGreaterThan(0.1);
    expect(count((o, fair) => o.tif === TimeInForce.GTC && !crossing(o, fair)) / gtc).toBeGreaterThan(0.5);
    // IOC and FOK limits are priced through the mid.
    expect(count((o, fair) => o.tif !== TimeInForce.GTC && o.type === OrderType.LIMIT && !crossing(o, fair))).toBe(0);
    // A market maker's quote: a bid then, as the very next order, an ask of the same size above it.
    let twoSided = 0;
    for (let i = 1; i < orders.length; i++) {
      const bid = orders[i - 1]!.order;
      const ask = orders[i]!.order;
      const pair =
        ask.account === bid.account && ask.orderId === bid.orderId + 1n && bid.side === Side.BUY && ask.side === Side.SELL &&
        bid.tif === TimeInForce.GTC && ask.tif === TimeInForce.GTC && ask.symbol === bid.symbol && ask.quantity === bid.quantity;
      if (pair && bid.strategyId === 'mm' && ask.price > bid.price) twoSided++;
    }
    expect(twoSided).toBeGreaterThan(500);
  });

  it('prices are positive and on the tick grid, quantities whole lots; strategy ids by style', () => {
    for (const { order } of orders) {
      const spec = UNIVERSE.find((s) => s.symbol === order.symbol)!;
      if (order.type === OrderType.LIMIT && (order.price <= 0n || order.price % BigInt(spec.tickSize) !== 0n)) {
        expect.fail(`${order.symbol}: price ${order.price}`);
      }
      if (order.quantity <= 0n || order.quantity % BigInt(spec.lotSize) !== 0n) expect.fail(`${order.symbol}: quantity ${order.quantity}`);
    }
    const strategies = new Map<string, string | null>();
    for (const { order } of orders) strategies.set(order.account as string, order.strategyId as string | null);
    // Styles rotate market maker, momentum, retail, retail, churner.
    expect([1, 2, 3, 4, 5, 6].map((i) => strategies.get(traderName(i)))).toEqual(['mm', 'momentum', null, null, 'churn', 'mm']);
  });

  it('mostly within the account limits, with the rare fat finger for the risk checks to catch', () => {
    const notionalUsd = (o: OrderT, fair: number) => {
      const spec = UNIVERSE.find((s) => s.symbol === o.symbol)!;
      return (Number(o.quantity) * fair * spec.usdPerQuoteUnit) / 1e6;
    };
    // Bitcoin trades in whole coins, so its smallest order is one coin; leave it out of the median.
    const sizes = orders.filter(({ order }) => order.symbol !== 'BTCUSD').map(({ order, fair }) => notionalUsd(order, fair)).sort((a, b) => a - b);
    const median = sizes[Math.floor(sizes.length / 2)]!;
    expect(median).toBeGreaterThan(5_000);
    expect(median).toBeLessThan(40_000);
    const over = orders.filter(({ order, fair }) => notionalUsd(order, fair) > 500_000).length;
    expect(over).toBeGreaterThan(0);
    expect(over / orders.length).toBeLessThan(0.005);
  });
});

describe('limitPrice', () => {
  // AAPL at 175.00, tick 0.01.
  it('passive prices sit behind the mid, aggressive ones through it, at least a tick away', () => {
    expect(limitPrice(Side.BUY, 175_000_000, 10_000, 10, false)).toBe(174_820_000); // 175 * (1 - 0.001) = 174.825 -> down
    expect(limitPrice(Side.SELL, 175_000_000, 10_000, 10, false)).toBe(175_180_000); // 175.175 -> up
    expect(limitPrice(Side.BUY, 175_000_000, 10_000, 10, true)).toBe(175_180_000);
    expect(limitPrice(Side.SELL, 175_000_000, 10_000, 10, true)).toBe(174_820_000);
    expect(limitPrice(Side.BUY, 175_000_000, 10_000, 0, false)).toBe(174_990_000); // one tick behind
    expect(limitPrice(Side.BUY, 175_000_000, 10_000, 0, true)).toBe(175_010_000); // one tick through
    expect(limitPrice(Side.BUY, 10_000, 10_000, 50, false)).toBe(10_000); // never below one tick
  });
});
