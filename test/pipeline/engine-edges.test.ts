// The trade engine's edges: pending exposure across replaces (of a waiting stop, and racing the
// order's own reports), a replace checked as a whole order, symbols the board cannot hold, and exec
// reports from outside for an order the engine's book holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Output, type Pipeline, startPipeline } from '../fixtures/pipeline.js';
import { encode, toTicks } from '../../src/wire/codec.js';
import {
  AccountPolicyT, AccountStatus, Body, CancelT, DeadLetterReason, Exchange, ExecReportT, ExecStatus, OrderT, OrderType, QuoteT, RejectReason, ReplaceT, RiskAlertKind, Side,
  TimeInForce,
} from '../../src/wire/generated/index.js';

const T0 = 1_767_623_400_000_000_000n;
const P = (v: number): bigint => toTicks(v);
let nextId = 1n;
const order = (account: string, side: Side, qty: bigint, price: number, over: Partial<OrderT> = {}): [Body, OrderT] => [
  Body.Order,
  Object.assign(new OrderT(), { orderId: nextId++, account, symbol: 'XYZ', side, type: OrderType.LIMIT, tif: TimeInForce.GTC, price: P(price), quantity: qty, clientTsNs: T0 }, over),
];
const replace = (orderId: bigint, account: string, qty: bigint, price: number): [Body, ReplaceT] => [
  Body.Replace,
  Object.assign(new ReplaceT(), { orderId, account, symbol: 'XYZ', price: P(price), quantity: qty, tsNs: T0 }),
];
const policy = (account: string, fields: Partial<AccountPolicyT>): [Body, AccountPolicyT] => [
  Body.AccountPolicy,
  Object.assign(new AccountPolicyT(), { account, status: AccountStatus.ACTIVE, initialCash: P(1_000_000), version: 1n }, fields),
];
const decisions = (out: Output[]) => out.filter((o) => o.type === 'RiskDecision').map((d) => [d.accepted, d.reason, d.limit, d.value]);

let pipeline: Pipeline;
beforeAll(async () => {
  pipeline = await startPipeline(2, { riskMonitor: { markIntervalMs: 0 } });
  await pipeline.step([[Body.Quote, Object.assign(new QuoteT(), { symbol: 'XYZ', exchange: Exchange.NYSE, bid: P(99), ask: P(101), last: P(100), tsNs: T0 })]]);
}, 60_000);
afterAll(async () => {
  await pipeline.stop();
});

describe('pending exposure', () => {
  it('a replace of a waiting stop (the book cannot replace it) keeps the stop\'s exposure held', async () => {
    await pipeline.step([policy('CAP1', { defaultPositionCap: 100n })]);
    const stop = order('CAP1', Side.BUY, 100n, 120, { type: OrderType.STOP_LIMIT, stopPrice: P(115) });
    const stopId = stop[1].orderId;
    expect(decisions(await pipeline.step([stop]))).toEqual([[true, RejectReason.NONE, '0n', '0n']]);
    await pipeline.step([replace(stopId, 'CAP1', 90n, 121)]);
    // 100 pending + 1 is over the cap of 100: the stop still holds its 100.
    expect(decisions(await pipeline.step([order('CAP1', Side.BUY, 1n, 90)]))).toEqual([[false, RejectReason.POSITION_CAP, '100n', '101n']]);
  });

  it('a replace that adds quantity keeps the addition held when it overtakes the order\'s reports', async () => {
    await pipeline.step([policy('CAP2', { defaultPositionCap: 150n })]);
    const first = order('CAP2', Side.BUY, 100n, 90);
    const id = first[1].orderId;
    // The replace goes in before the order's NEW comes back to the account stage.
    const out = await pipeline.step([first, replace(id, 'CAP2', 150n, 90)], { together: true });
    expect(out.filter((o) => o.type === 'ExecReport').map((e) => [e.status, e.leavesQty])).toEqual([[ExecStatus.NEW, '100n'], [ExecStatus.REPLACED, '150n']]);
    // 150 resting and held: one more is over the cap.
    expect(decisions(await pipeline.step([order('CAP2', Side.BUY, 1n, 90)]))).toEqual([[false, RejectReason.POSITION_CAP, '150n', '151n']]);
  });

  it('a replace is checked as the whole order: quantity and notional limits, and the kill switch', async () => {
    await pipeline.step([policy('LIM', { maxOrderQty: 100n, maxOrderNotional: P(10_000) })]);
    const o = order('LIM', Side.BUY, 100n, 90);
    await pipeline.step([o]);
    expect(decisions(await pipeline.step([replace(o[1].orderId, 'LIM', 190n, 90)]))).toEqual([[false, RejectReason.MAX_ORDER_QTY, '100n', '190n']]);
    // Same quantity at a price that makes the order worth 100 x 150 = 15,000 > 10,000.
    expect(decisions(await pipeline.step([replace(o[1].orderId, 'LIM', 100n, 150)]))).toEqual([
      [false, RejectReason.MAX_ORDER_NOTIONAL, `${P(10_000)}n`, `${P(15_000)}n`],
    ]);
    await pipeline.step([policy('LIM', { status: AccountStatus.BLOCKED, version: 2n })]);
    expect(decisions(await pipeline.step([replace(o[1].orderId, 'LIM', 50n, 90)]))).toEqual([[false, RejectReason.ACCOUNT_BLOCKED, '0n', '0n']]);
  });
});

describe('marks', () => {
  it('a market order is checked at the symbol\'s latest mark, each time it moves', async () => {
    await pipeline.step([policy('MKTA', { maxOrderNotional: P(10_000) })]);
    const quote = (last: number): [Body, QuoteT] => [Body.Quote, Object.assign(new QuoteT(), { symbol: 'MKT', exchange: Exchange.NYSE, bid: P(last - 1), ask: P(last + 1), last: P(last), tsNs: T0 })];
    const market = () => order('MKTA', Side.BUY, 90n, 0, { symbol: 'MKT', type: OrderType.MARKET, tif: TimeInForce.IOC, price: 0n });
    const results: unknown[] = [];
    for (const last of [100, 120, 120, 100, 112]) {
      await pipeline.step([quote(last)]);
      results.push(...decisions(await pipeline.step([market()])));
    }
    // 90 x 100 = 9,000 and 90 x 112 = 10,080 against a 10,000 limit; 90 x 120 = 10,800.
    expect(results).toEqual([
      [true, RejectReason.NONE, '0n', '0n'],
      [false, RejectReason.MAX_ORDER_NOTIONAL, `${P(10_000)}n`, `${P(10_800)}n`],
      [false, RejectReason.MAX_ORDER_NOTIONAL, `${P(10_000)}n`, `${P(10_800)}n`],
      [true, RejectReason.NONE, '0n', '0n'],
      [false, RejectReason.MAX_ORDER_NOTIONAL, `${P(10_000)}n`, `${P(10_080)}n`],
    ]);
  });
});

describe('order ids', () => {
  it('ids either side of 2^53 (keyed as numbers below it, as bigints from it) trade, report and cancel as themselves', async () => {
    await pipeline.step([policy('BIG1', {}), policy('BIG2', {})]);
    // Three resting sells of one account (one engine holds them all): 2^53 and 2^53 + 1 are one double apart.
    const below = order('BIG1', Side.SELL, 10n, 300, { orderId: 2n ** 53n - 1n });
    const at = order('BIG1', Side.SELL, 10n, 301, { orderId: 2n ** 53n });
    const above = order('BIG1', Side.SELL, 10n, 302, { orderId: 2n ** 53n + 1n });
    const buy = order('BIG2', Side.BUY, 15n, 301);
    const buyId = `${buy[1].orderId}n`;
    const out = await pipeline.step([below, at, above, buy]);
    expect(decisions(out)).toEqual(Array(4).fill([true, RejectReason.NONE, '0n', '0n']));
    // The buy takes 10 at 300 (2^53 - 1, filled), then 5 at 301 (2^53, 5 left): each match reports the resting order first.
    expect(out.filter((o) => o.type === 'ExecReport').map((e) => [e.orderId, e.status, e.lastQty, e.leavesQty])).toEqual([
      [`${2n ** 53n - 1n}n`, ExecStatus.NEW, '0n', '10n'],
      [`${2n ** 53n}n`, ExecStatus.NEW, '0n', '10n'],
      [`${2n ** 53n + 1n}n`, ExecStatus.NEW, '0n', '10n'],
      [buyId, ExecStatus.NEW, '0n', '15n'],
      [`${2n ** 53n - 1n}n`, ExecStatus.FILLED, '10n', '0n'],
      [buyId, ExecStatus.PARTIAL, '10n', '5n'],
      [`${2n ** 53n}n`, ExecStatus.PARTIAL, '5n', '5n'],
      [buyId, ExecStatus.FILLED, '5n', '0n'],
    ]);
    // The two still resting are found by their ids; the filled one is not.
    const cancel = (orderId: bigint): [Body, CancelT] => [Body.Cancel, Object.assign(new CancelT(), { orderId, account: 'BIG1', symbol: 'XYZ', tsNs: T0 })];
    const cancels = await pipeline.step([cancel(2n ** 53n + 1n), cancel(2n ** 53n), cancel(2n ** 53n - 1n)]);
    expect(cancels.filter((o) => o.type === 'ExecReport').map((e) => [e.orderId, e.status, e.leavesQty, e.reason])).toEqual([
      [`${2n ** 53n + 1n}n`, ExecStatus.CANCELLED, '0n', RejectReason.NONE],
      [`${2n ** 53n}n`, ExecStatus.CANCELLED, '0n', RejectReason.NONE],
      [`${2n ** 53n - 1n}n`, ExecStatus.REJECTED, '0n', RejectReason.UNKNOWN_ORDER],
    ]);
  });
});

describe('bad input inside valid frames', () => {
  it('a symbol the board cannot hold is refused with a dead letter; the worker lives on', async () => {
    await pipeline.step([policy('LONG', {})]);
    const longSymbol = 'X'.repeat(60);
    const out = await pipeline.step([
      order('LONG', Side.BUY, 1n, 10, { symbol: longSymbol }),
      [Body.Quote, Object.assign(new QuoteT(), { symbol: longSymbol, exchange: Exchange.NYSE, bid: P(1), ask: P(2), tsNs: T0 })],
    ]);
    expect(decisions(out)).toEqual([[false, RejectReason.INVALID_ORDER, '0n', '0n']]);
    expect(out.filter((o) => o.type === 'DeadLetter').map((d) => [d.reason, d.detail])).toEqual([
      [DeadLetterReason.REJECTED_BY_JOB, `symbol "${longSymbol}" cannot be tracked: longer than 48 bytes, or the price board is full`],
      [DeadLetterReason.REJECTED_BY_JOB, `symbol "${longSymbol}" cannot be tracked: longer than 48 bytes, or the price board is full`],
    ]);
    expect(pipeline.rt.stats().crashes).toEqual([]);
    expect(decisions(await pipeline.step([order('LONG', Side.BUY, 1n, 10)]))).toEqual([[true, RejectReason.NONE, '0n', '0n']]);
  });

  it('an exec report from outside for an order the book holds is refused, and the book\'s own still apply', async () => {
    await pipeline.step([policy('EXT', {}), policy('EXT2', {})]);
    const resting = order('EXT', Side.SELL, 10n, 200);
    const id = resting[1].orderId;
    await pipeline.step([resting]);
    const forged = encode(Body.ExecReport, Object.assign(new ExecReportT(), {
      orderId: id, account: 'EXT', symbol: 'XYZ', execId: 9n, execSeq: 1000n, status: ExecStatus.PARTIAL, side: Side.SELL, lastQty: 10n, lastPrice: P(200),
      leavesQty: 0n, cumQty: 10n, tsNs: T0,
    }));
    const refused = await pipeline.step([forged]);
    expect(refused.map((o) => [o.type, o.detail])).toEqual([['DeadLetter', `exec report 1000 for order ${id} from outside: only its book's reports apply (seen up to 1)`]]);
    // The book's fill still lands on EXT's position.
    const fill = await pipeline.step([order('EXT2', Side.BUY, 10n, 200)]);
    expect(fill.filter((o) => o.type === 'Position' && o.account === 'EXT').map((p) => p.quantity)).toEqual(['-10n']);
  });
});

describe('finished orders remembered (engine.rememberDoneOrders)', () => {
  it('a finished order\'s repeated report counts once while it is remembered; forgotten, the report is a dead letter and its id may trade again', async () => {
    const small = await startPipeline(1, { riskMonitor: { markIntervalMs: 0 }, engine: { rememberDoneOrders: 2 } });
    try {
      await small.step([[Body.Quote, Object.assign(new QuoteT(), { symbol: 'XYZ', exchange: Exchange.NYSE, bid: P(99), ask: P(101), last: P(100), tsNs: T0 })]]);
      await small.step([policy('MEM1', {}), policy('MEM2', {})]);
      const sell = order('MEM1', Side.SELL, 10n, 100);
      const buy = order('MEM2', Side.BUY, 10n, 100);
      const [sellId, buyId] = [sell[1].orderId, buy[1].orderId];
      await small.step([sell, buy]);
      // The sell's first report again (NEW, sequence 1), as a replayed input would bring it.
      const repeat = (orderId: bigint, account: string) => encode(Body.ExecReport, Object.assign(new ExecReportT(), {
        orderId, account, symbol: 'XYZ', execId: 1n, execSeq: 1n, status: ExecStatus.NEW, side: Side.SELL, lastQty: 0n, lastPrice: 0n, leavesQty: 10n, cumQty: 0n, tsNs: T0,
      }));
      // Both filled and remembered: the repeat changes nothing and says nothing.
      expect(await small.step([repeat(sellId, 'MEM1')])).toEqual([]);
      // A third finished order (cancelled) pushes the sell, the oldest, out of a memory of two.
      const third = order('MEM1', Side.SELL, 5n, 200);
      await small.step([third, [Body.Cancel, Object.assign(new CancelT(), { orderId: third[1].orderId, account: 'MEM1', symbol: 'XYZ', tsNs: T0 })]]);
      expect((await small.step([repeat(sellId, 'MEM1')])).map((o) => [o.type, o.detail])).toEqual([
        ['DeadLetter', `exec report for order ${sellId}, which this engine did not accept or no longer remembers`],
      ]);
      expect(await small.step([repeat(buyId, 'MEM2')])).toEqual([]);
      // The forgotten id is a new order's; the remembered one is still a duplicate.
      const again = await small.step([order('MEM1', Side.SELL, 1n, 300, { orderId: sellId }), order('MEM2', Side.BUY, 1n, 50, { orderId: buyId })]);
      expect(decisions(again)).toEqual([[true, RejectReason.NONE, '0n', '0n'], [false, RejectReason.DUPLICATE_ORDER_ID, '0n', '0n']]);
    } finally {
      await small.stop();
    }
  });
});

describe('valuation beyond 2^53', () => {
  it('positions, P&L and the portfolio stay exact where doubles would round', async () => {
    // 4,001 at about 2^44 ticks: values near 7 x 10^16, where doubles are 16 apart.
    const Q = 4_001n;
    const X = 2n ** 44n + 3n;
    const M = X + 7n;
    const gross = Q * M;
    expect(BigInt(Number(gross))).not.toBe(gross);
    const big = await startPipeline(1, { riskMonitor: { markIntervalMs: 0, positionLimit: 9e9, dailyLossLimit: 1_000_000 } });
    try {
      const cash = 2_000n * X + 3n;
      await big.step([
        [Body.Quote, Object.assign(new QuoteT(), { symbol: 'BIGV', exchange: Exchange.NYSE, bid: M - 1n, ask: M + 1n, last: M, tsNs: T0 })],
        policy('HUGE1', {}),
        policy('HUGE2', { initialCash: cash }),
      ]);
      await big.step([order('HUGE1', Side.SELL, Q, 0, { symbol: 'BIGV', price: X })]);
      const out = await big.step([order('HUGE2', Side.BUY, Q, 0, { symbol: 'BIGV', price: X })]);
      const of = (type: string, account: string) => out.filter((o) => o.type === type && o.account === account).map(({ tsNs: _t, ...rest }) => rest);
      const n = (v: bigint) => `${v}n`;
      // Bought 4,001 at X, marked at M = X + 7: unrealized 28,007; the seller's is the opposite.
      expect(of('Position', 'HUGE2')).toEqual([
        { type: 'Position', account: 'HUGE2', symbol: 'BIGV', quantity: n(Q), avgPrice: n(X), realizedPnl: '0n', unrealizedPnl: '28007n', markPrice: n(M) },
      ]);
      expect(of('Position', 'HUGE1')).toEqual([
        { type: 'Position', account: 'HUGE1', symbol: 'BIGV', quantity: n(-Q), avgPrice: n(X), realizedPnl: '0n', unrealizedPnl: '-28007n', markPrice: n(M) },
      ]);
      expect(of('PnL', 'HUGE2')).toEqual([{ type: 'PnL', account: 'HUGE2', symbol: null, realized: '0n', unrealized: '28007n' }]);
      // Cash: 2,000 X + 3 - 4,001 X; equity adds the position's 4,001 M; leverage: gross x 10,000 / equity, truncated.
      const equity = cash - Q * X + gross;
      expect(of('Portfolio', 'HUGE2')).toEqual([{
        type: 'Portfolio', account: 'HUGE2', cash: n(cash - Q * X), equity: n(equity), grossExposure: n(gross),
        leverageBp: Number((gross * 10_000n) / equity), realizedPnl: '0n', unrealizedPnl: '28007n',
      }]);
      // |4,001 x M| is above the 9e9 limit (in ticks, 9e15): exceeded, for each side.
      expect(out.filter((o) => o.type === 'RiskAlert').map((a) => [a.account, a.symbol, a.kind, a.positionSize, a.limit, a.currentPnl])).toEqual([
        ['HUGE1', 'BIGV', RiskAlertKind.POSITION_LIMIT_EXCEEDED, n(-Q), n(P(9e9)), '-28007n'],
        ['HUGE2', 'BIGV', RiskAlertKind.POSITION_LIMIT_EXCEEDED, n(Q), n(P(9e9)), '28007n'],
      ]);
    } finally {
      await big.stop();
    }
  });
});
