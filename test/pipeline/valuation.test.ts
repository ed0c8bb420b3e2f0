// The account stage's valuation on a random run: accounts trading several symbols while the marks
// move one symbol at a time. Each account's last P&L and Portfolio must equal what the fills (its
// exec reports) give through FIFO lots valued at the last prices, worked out here independently: the
// engine keeps its sums by each holding's change and revalues only holdings whose mark moved, so a
// missed or double-counted change shows up as a difference.
import { describe, expect, it } from 'vitest';
import { type Output, startPipeline } from '../fixtures/pipeline.js';
import { toTicks } from '../../src/wire/codec.js';
import { AccountPolicyT, AccountStatus, Body, Exchange, ExecStatus, OrderT, OrderType, QuoteT, Side, TimeInForce } from '../../src/wire/generated/index.js';
import { Prng } from '../fixtures/prng.js';

const T0 = 1_767_623_400_000_000_000n;
const SYMBOLS = ['AAA', 'BBB', 'CCC'];
const ACCOUNTS = ['V1', 'V2', 'V3', 'V4'];
const CASH = toTicks(1_000_000);
const big = (v: unknown): bigint => BigInt(String(v).replace(/n$/, ''));

interface Lot {
  qty: bigint; // signed: negative is short
  price: bigint;
}

/** FIFO lots of one account and symbol: a fill closes opposite lots oldest first, then opens the rest. */
function fill(lots: Lot[], side: Side, qty: bigint, price: bigint): bigint {
  let left = side === Side.BUY ? qty : -qty;
  let realized = 0n;
  while (left !== 0n && lots.length > 0 && lots[0]!.qty > 0n !== left > 0n) {
    const lot = lots[0]!;
    const lotAbs = lot.qty < 0n ? -lot.qty : lot.qty;
    const leftAbs = left < 0n ? -left : left;
    const closeAbs = lotAbs < leftAbs ? lotAbs : leftAbs;
    const closing = lot.qty > 0n ? closeAbs : -closeAbs; // the signed part of the lot that closes
    realized += closing * (price - lot.price);
    lot.qty -= closing;
    left += closing;
    if (lot.qty === 0n) lots.shift();
  }
  if (left !== 0n) lots.push({ qty: left, price });
  return realized;
}

describe('valuation', () => {
  it('each account\'s last P&L and portfolio equal its fills through FIFO lots at the last prices', async () => {
    const rng = new Prng(Number(process.env.TICKWAVE_SEED ?? 424242));
    const pipeline = await startPipeline(2, { riskMonitor: { markIntervalMs: 0, killSwitch: false } });
    const outputs: Output[] = [];
    const last = new Map<string, bigint>();
    let ts = T0;
    let id = 1n;
    const quote = (symbol: string, price: bigint): [Body, QuoteT] => {
      last.set(symbol, price);
      return [Body.Quote, Object.assign(new QuoteT(), { symbol, exchange: Exchange.NYSE, bid: price - 1n, ask: price + 1n, last: price, tsNs: (ts += 1_000n) })];
    };
    const order = (account: string, symbol: string, side: Side, quantity: bigint, price: bigint): [Body, OrderT] => [
      Body.Order,
      Object.assign(new OrderT(), { orderId: id++, account, symbol, side, type: OrderType.LIMIT, tif: TimeInForce.GTC, price, quantity, clientTsNs: (ts += 1_000n) }),
    ];
    try {
      for (const account of ACCOUNTS) {
        await pipeline.step([[Body.AccountPolicy, Object.assign(new AccountPolicyT(), { account, status: AccountStatus.ACTIVE, initialCash: CASH, version: 1n })]]);
      }
      for (const s of SYMBOLS) outputs.push(...(await pipeline.step([quote(s, toTicks(100))])));
      for (let i = 0; i < 400; i++) {
        const symbol = SYMBOLS[rng.int(0, SYMBOLS.length - 1)]!;
        const mark = last.get(symbol)!;
        const step = rng.chance(0.3)
          ? quote(symbol, mark + toTicks(rng.int(-150, 150) / 100))
          : order(ACCOUNTS[rng.int(0, ACCOUNTS.length - 1)]!, symbol, rng.chance(0.5) ? Side.BUY : Side.SELL, BigInt(rng.int(1, 40)), mark + toTicks(rng.int(-3, 3) / 100));
        outputs.push(...(await pipeline.step([step])));
      }
      // Move every mark, then one more order per account: its valuation sees the last prices.
      for (const s of SYMBOLS) outputs.push(...(await pipeline.step([quote(s, last.get(s)! + toTicks(0.37))])));
      for (const a of ACCOUNTS) outputs.push(...(await pipeline.step([order(a, 'AAA', Side.BUY, 1n, toTicks(1))])));
    } finally {
      await pipeline.stop();
    }

    const lots = new Map<string, Lot[]>();
    const realized = new Map<string, bigint>();
    const cash = new Map<string, bigint>(ACCOUNTS.map((a) => [a, CASH]));
    let fills = 0;
    for (const o of outputs) {
      if (o.type !== 'ExecReport' || (o.status !== ExecStatus.PARTIAL && o.status !== ExecStatus.FILLED) || big(o.lastQty) === 0n) continue;
      fills++;
      const account = o.account as string;
      const key = `${account}/${o.symbol as string}`;
      if (!lots.has(key)) lots.set(key, []);
      const qty = big(o.lastQty);
      const price = big(o.lastPrice);
      realized.set(account, (realized.get(account) ?? 0n) + fill(lots.get(key)!, o.side as Side, qty, price));
      cash.set(account, cash.get(account)! + (o.side === Side.BUY ? -qty * price : qty * price));
    }
    expect(fills).toBeGreaterThan(100);
    let checked = 0;
    for (const account of ACCOUNTS) {
      let unrealized = 0n;
      let marketValue = 0n;
      let gross = 0n;
      for (const s of SYMBOLS) {
        const held = lots.get(`${account}/${s}`) ?? [];
        const qty = held.reduce((a, l) => a + l.qty, 0n);
        const cost = held.reduce((a, l) => a + l.qty * l.price, 0n);
        const mv = qty * last.get(s)!;
        unrealized += mv - cost;
        marketValue += mv;
        gross += mv < 0n ? -mv : mv;
      }
      const pnl = outputs.filter((o) => o.type === 'PnL' && o.account === account).at(-1);
      const portfolio = outputs.filter((o) => o.type === 'Portfolio' && o.account === account).at(-1);
      if (!pnl || !portfolio) continue;
      checked++;
      expect([big(pnl.realized), big(pnl.unrealized)], account).toEqual([realized.get(account) ?? 0n, unrealized]);
      expect([big(portfolio.cash), big(portfolio.equity), big(portfolio.grossExposure)], account).toEqual([cash.get(account)!, cash.get(account)! + marketValue, gross]);
    }
    expect(checked).toBe(ACCOUNTS.length);
  }, 120_000);
});
