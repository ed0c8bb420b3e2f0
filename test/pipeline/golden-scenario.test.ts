// The golden scenario: a scripted sequence of quotes, trade prints, orders, cancels, a replace,
// policy changes, a repeated exec report and an exec report for an unknown order, through the whole
// pipeline. Every expected alert, fill, position, P&L figure and risk decision is worked out by hand
// in the comments beside it. The same scenario runs with 1 worker and with 4 workers and must give
// the same outputs.
import { describe, expect, it } from 'vitest';
import { canonical, type Output, type Pipeline, startPipeline } from '../fixtures/pipeline.js';
import { encode, toTicks } from '../../src/wire/codec.js';
import { kafkaPartition, murmur2 } from '../../src/runtime/partitioner.js';
import {
  AccountPolicyT, AccountStatus, Body, CancelT, DeadLetterReason, Exchange, ExecReportT, ExecStatus, OrderT, OrderType, QuoteT, RejectReason, ReplaceT,
  RiskAlertKind, Severity, Side, TimeInForce, TradeT,
} from '../../src/wire/generated/index.js';

const CONFIG = {
  riskMonitor: { positionLimit: 50_000, dailyLossLimit: 50_000, markIntervalMs: 0 },
  volumeSpike: { periods: 5 },
  orderImbalance: { minVolume: 1_000, delayMs: 0, latenessMs: 0, idleMs: 0 },
  arbitrage: { maxQuoteAgeMs: 1_000 },
};

const PARTITIONS = 8;
const T0 = 1_767_623_400_000_000_000n; // 2026-01-05T14:30:00Z, on a minute boundary
const at = (seconds: number): bigint => T0 + BigInt(Math.round(seconds * 1000)) * 1_000_000n;
const P = (price: number): bigint => toTicks(price);
/** Money in ticks: USD x 1e6. */
const USD = (amount: number): bigint => BigInt(Math.round(amount * 1e6));
const n = (v: bigint | number): string => `${BigInt(v)}n`;

const quote = (exchange: Exchange, bid: number, ask: number, last: number, ts: bigint, bidSize = 500n, askSize = 500n): [Body, QuoteT] => [
  Body.Quote,
  Object.assign(new QuoteT(), { symbol: 'AAPL', exchange, bid: P(bid), ask: P(ask), bidSize, askSize, last: P(last), volume: 1_000n, tsNs: ts }),
];
const print = (side: Side, qty: bigint, ts: bigint): [Body, TradeT] => [
  Body.Trade,
  Object.assign(new TradeT(), { symbol: 'MSFT', exchange: Exchange.NASDAQ, price: P(400), quantity: qty, aggressor: side, tradeId: ts, tsNs: ts }),
];
const order = (orderId: bigint, account: string, side: Side, qty: bigint, price: number, ts: bigint): [Body, OrderT] => [
  Body.Order,
  Object.assign(new OrderT(), { orderId, account, symbol: 'AAPL', side, type: OrderType.LIMIT, tif: TimeInForce.GTC, price: P(price), quantity: qty, clientTsNs: ts }),
];
const policy = (account: string, maxOrderQty: bigint, dailyLoss: number): [Body, AccountPolicyT] => [
  Body.AccountPolicy,
  Object.assign(new AccountPolicyT(), { account, status: AccountStatus.ACTIVE, maxOrderQty, dailyLossLimit: USD(dailyLoss), initialCash: USD(100_000), version: 1n }),
];

// ---- expected outputs, as the harness flattens them (64-bit values as "123n") ------------------

const decision = (orderId: number, account: string, reason: RejectReason, ts: bigint, limit = 0n, value = 0n): Output => ({
  type: 'RiskDecision', orderId: n(orderId), account, symbol: 'AAPL', accepted: reason === RejectReason.NONE, reason, limit: n(limit), value: n(value), tsNs: n(ts),
});
const AAPL_EXEC_BASE = BigInt(murmur2(new TextEncoder().encode('AAPL'), 0, 4) >>> 0) << 32n;
const exec = (
  execNo: number, orderId: number, account: string, seq: number, status: ExecStatus, side: Side, last: [bigint, number] | null, leaves: bigint, cum: bigint,
  ts: bigint, reason = RejectReason.NONE,
): Output => ({
  type: 'ExecReport', orderId: n(orderId), account, symbol: 'AAPL', execId: n(execNo === 0 ? 0n : AAPL_EXEC_BASE | BigInt(execNo)), execSeq: n(seq), status, side,
  lastQty: n(last ? last[0] : 0n), lastPrice: n(last ? P(last[1]) : 0n), leavesQty: n(leaves), cumQty: n(cum), reason, tsNs: n(ts),
});
const position = (account: string, qty: bigint, avg: number, realized: bigint, unrealized: bigint, mark: number, ts: bigint): Output => ({
  type: 'Position', account, symbol: 'AAPL', quantity: n(qty), avgPrice: n(P(avg)), realizedPnl: n(realized), unrealizedPnl: n(unrealized), markPrice: n(P(mark)), tsNs: n(ts),
});
const pnl = (account: string, realized: bigint, unrealized: bigint, ts: bigint): Output => ({
  type: 'PnL', account, symbol: null, realized: n(realized), unrealized: n(unrealized), tsNs: n(ts),
});
const portfolio = (account: string, cash: bigint, equity: bigint, gross: bigint, leverageBp: number, realized: bigint, unrealized: bigint, ts: bigint): Output => ({
  type: 'Portfolio', account, cash: n(cash), equity: n(equity), grossExposure: n(gross), leverageBp, realizedPnl: n(realized), unrealizedPnl: n(unrealized), tsNs: n(ts),
});
const riskAlert = (account: string, kind: RiskAlertKind, limit: bigint, currentPnl: bigint, ts: bigint): Output => ({
  type: 'RiskAlert', account, symbol: null, kind, positionSize: n(0), limit: n(limit), currentPnl: n(currentPnl), severity: Severity.CRITICAL, detectionTsNs: n(ts),
});
const priceAlert = (exchange: Exchange, bp: number, price: number, severity: Severity, ts: bigint): Output => ({
  type: 'PriceAlert', symbol: 'AAPL', exchange, priceChangeBp: bp, price: n(P(price)), prevPrice: n(P(100)), severity, detectionTsNs: n(ts),
});

/** The scenario: each step's messages and the outputs they must produce (in any order). */
function scenario(): { name: string; send: ([Body, object] | Uint8Array)[]; expect: Output[] }[] {
  // The repeated exec: byte for byte the FILLED report of order 2 (step "ALICE buys").
  const repeatedFill = encode(Body.ExecReport, Object.assign(new ExecReportT(), {
    orderId: 2n, account: 'ALICE', symbol: 'AAPL', execId: AAPL_EXEC_BASE | 4n, execSeq: 2n, status: ExecStatus.FILLED, side: Side.BUY,
    lastQty: 200n, lastPrice: P(100), leavesQty: 0n, cumQty: 200n, tsNs: at(3),
  }));
  const strayFill = encode(Body.ExecReport, Object.assign(new ExecReportT(), {
    orderId: 999n, account: 'ALICE', symbol: 'AAPL', execId: 1n, execSeq: 1n, status: ExecStatus.FILLED, side: Side.BUY,
    lastQty: 10n, lastPrice: P(100), leavesQty: 0n, cumQty: 10n, tsNs: at(5.5),
  }));
  return [
    {
      // Two venues quote AAPL at 100.00 (last): the board's mark is 100.00; nothing to alert.
      name: 'opening quotes',
      send: [quote(Exchange.NYSE, 99.99, 100.01, 100, at(1)), quote(Exchange.NASDAQ, 99.98, 100.02, 100, at(1))],
      expect: [],
    },
    {
      // ALICE: at most 1,000 per order, a 5,000 USD daily loss limit; BOB: no limits. Both 100,000 cash.
      name: 'policies',
      send: [policy('ALICE', 1_000n, 5_000), policy('BOB', 0n, 0), policy('DAVE', 0n, 0)],
      expect: [],
    },
    {
      name: 'BOB offers 300 at 100.00',
      send: [order(1n, 'BOB', Side.SELL, 300n, 100, at(2))],
      expect: [decision(1, 'BOB', RejectReason.NONE, at(2)), exec(1, 1, 'BOB', 1, ExecStatus.NEW, Side.SELL, null, 300n, 0n, at(2))],
    },
    {
      // 200 trade at the resting price 100.00. ALICE is long 200 at 100 (cost 20,000), BOB short 200.
      // Marks at 100.00: no unrealized P&L. ALICE's cash 100,000 - 20,000 = 80,000, equity 80,000 +
      // 200 x 100 = 100,000, gross 20,000, leverage 20,000 / 100,000 = 2,000 bp; BOB's cash 120,000,
      // equity 120,000 - 20,000 = 100,000.
      name: 'ALICE buys 200 at 100.00',
      send: [order(2n, 'ALICE', Side.BUY, 200n, 100, at(3))],
      expect: [
        decision(2, 'ALICE', RejectReason.NONE, at(3)),
        exec(2, 2, 'ALICE', 1, ExecStatus.NEW, Side.BUY, null, 200n, 0n, at(3)),
        exec(3, 1, 'BOB', 2, ExecStatus.PARTIAL, Side.SELL, [200n, 100], 100n, 200n, at(3)),
        exec(4, 2, 'ALICE', 2, ExecStatus.FILLED, Side.BUY, [200n, 100], 0n, 200n, at(3)),
        position('BOB', -200n, 100, 0n, 0n, 100, at(3)),
        pnl('BOB', 0n, 0n, at(3)),
        portfolio('BOB', USD(120_000), USD(100_000), USD(20_000), 2_000, 0n, 0n, at(3)),
        position('ALICE', 200n, 100, 0n, 0n, 100, at(3)),
        pnl('ALICE', 0n, 0n, at(3)),
        portfolio('ALICE', USD(80_000), USD(100_000), USD(20_000), 2_000, 0n, 0n, at(3)),
      ],
    },
    {
      name: 'over the order quantity limit, and an account without a policy',
      send: [order(3n, 'ALICE', Side.BUY, 1_500n, 100, at(4)), [Body.Order, Object.assign(order(4n, 'CAROL', Side.BUY, 10n, 100, at(5))[1])]],
      expect: [decision(3, 'ALICE', RejectReason.MAX_ORDER_QTY, at(4), 1_000n, 1_500n), { ...decision(4, 'CAROL', RejectReason.UNKNOWN_ACCOUNT, at(5)) }],
    },
    {
      // The repeated FILLED report counts once: nothing changes, nothing is emitted. A report for an
      // order the engine never accepted goes to the dead letters with the reason.
      name: 'a repeated exec report and a stray one',
      send: [repeatedFill, strayFill],
      expect: [{
        type: 'DeadLetter', reason: DeadLetterReason.REJECTED_BY_JOB, detail: 'exec report for order 999, which this engine did not accept or no longer remembers',
        errorOffset: -1, source: 'trade-engine', partition: kafkaPartition(new TextEncoder().encode('ALICE'), 0, 5, PARTITIONS), offset: n(-1), payload: [...strayFill], tsNs: n(at(5.5)),
      }],
    },
    {
      // ALICE's new policy (100 per order) applies from the next order.
      name: 'a tighter policy, a resting bid, its replace and its cancel',
      send: [
        policy('ALICE', 100n, 5_000),
        order(5n, 'ALICE', Side.BUY, 150n, 99, at(6)),
        order(6n, 'ALICE', Side.BUY, 100n, 99, at(7)),
        [Body.Replace, Object.assign(new ReplaceT(), { orderId: 6n, account: 'ALICE', symbol: 'AAPL', price: P(99), quantity: 80n, tsNs: at(8) })],
        [Body.Cancel, Object.assign(new CancelT(), { orderId: 6n, account: 'ALICE', symbol: 'AAPL', tsNs: at(9) })],
        [Body.Cancel, Object.assign(new CancelT(), { orderId: 6n, account: 'ALICE', symbol: 'AAPL', tsNs: at(9.5) })],
      ],
      expect: [
        decision(5, 'ALICE', RejectReason.MAX_ORDER_QTY, at(6), 100n, 150n),
        decision(6, 'ALICE', RejectReason.NONE, at(7)),
        exec(5, 6, 'ALICE', 1, ExecStatus.NEW, Side.BUY, null, 100n, 0n, at(7)),
        exec(6, 6, 'ALICE', 2, ExecStatus.REPLACED, Side.BUY, null, 80n, 0n, at(8)),
        exec(7, 6, 'ALICE', 3, ExecStatus.CANCELLED, Side.BUY, null, 0n, 0n, at(9)),
        // The second cancel finds no open order: rejected by the account stage, sequence 0.
        exec(0, 6, 'ALICE', 0, ExecStatus.REJECTED, Side.UNSPECIFIED, null, 0n, 0n, at(9.5), RejectReason.UNKNOWN_ORDER),
      ],
    },
    {
      // NYSE's price 106.00 is 6% above its window's first price 100.00: more than 5%, under 10%.
      // NASDAQ's quote is 9 s old (over maxQuoteAgeMs): no arbitrage against it.
      name: 'AAPL up 6% on NYSE',
      send: [quote(Exchange.NYSE, 105.99, 106.01, 106, at(10))],
      expect: [priceAlert(Exchange.NYSE, 600, 106, Severity.WARNING, at(10))],
    },
    {
      // BOB's short 200 marked at 106: -200 x 106 + 20,000 = -1,200 unrealized. Cash 120,000, equity
      // 120,000 - 21,200 = 98,800, gross 21,200, leverage 21,200 x 10,000 / 98,800 = 2,145.7 -> 2,145.
      name: 'BOB bids 100 at 99.00 (marked first)',
      send: [order(7n, 'BOB', Side.BUY, 100n, 99, at(11))],
      expect: [
        pnl('BOB', 0n, USD(-1_200), at(11)),
        portfolio('BOB', USD(120_000), USD(98_800), USD(21_200), 2_145, 0n, USD(-1_200), at(11)),
        decision(7, 'BOB', RejectReason.NONE, at(11)),
        exec(8, 7, 'BOB', 1, ExecStatus.NEW, Side.BUY, null, 100n, 0n, at(11)),
      ],
    },
    {
      // NYSE at 70.00: -30% (CRITICAL beyond twice the threshold). ALICE's long 200 at 70: unrealized
      // 14,000 - 20,000 = -6,000, which reaches her 5,000 daily loss limit: DAILY_LOSS_EXCEEDED, the
      // kill switch, and her order is rejected KILL_SWITCH. Cash 80,000, equity 94,000, gross 14,000,
      // leverage 14,000 x 10,000 / 94,000 = 1,489.4 -> 1,489.
      name: 'AAPL falls to 70 and ALICE breaches her loss limit',
      send: [quote(Exchange.NYSE, 69.99, 70.01, 70, at(20)), order(8n, 'ALICE', Side.BUY, 10n, 69, at(21))],
      expect: [
        priceAlert(Exchange.NYSE, -3_000, 70, Severity.CRITICAL, at(20)),
        pnl('ALICE', 0n, USD(-6_000), at(21)),
        portfolio('ALICE', USD(80_000), USD(94_000), USD(14_000), 1_489, 0n, USD(-6_000), at(21)),
        riskAlert('ALICE', RiskAlertKind.DAILY_LOSS_EXCEEDED, USD(5_000), USD(-6_000), at(21)),
        riskAlert('ALICE', RiskAlertKind.KILL_SWITCH, USD(5_000), USD(-6_000), at(21)),
        decision(8, 'ALICE', RejectReason.KILL_SWITCH, at(21)),
      ],
    },
    {
      // NASDAQ asks 69.90 while NYSE (0.5 s older, fresh) bids 69.99: 0.09 / 69.90 = 12.9 bp > 10 bp;
      // size min(400, 500) = 400. NASDAQ's last 69.95 is 30.05% below its window's 100.00.
      name: 'an arbitrage window between NASDAQ and NYSE',
      send: [quote(Exchange.NASDAQ, 69.85, 69.9, 69.95, at(20.5), 300n, 400n)],
      expect: [
        priceAlert(Exchange.NASDAQ, -3_005, 69.95, Severity.CRITICAL, at(20.5)),
        {
          type: 'ArbitrageAlert', symbol: 'AAPL', buyExchange: Exchange.NASDAQ, sellExchange: Exchange.NYSE, buyPrice: n(P(69.9)), sellPrice: n(P(69.99)),
          spreadBp: 12, availableSize: n(400), severity: Severity.WARNING, detectionTsNs: n(at(20.5)),
        },
      ],
    },
    {
      // DAVE sells 300 at 99: 100 trade with BOB's bid at 99 (BOB's short 200 at 100 loses 100 lots:
      // realized (100 - 99) x 100 = 100), 200 rest. Marks are 69.95 now (NASDAQ's last).
      // BOB: short 100 at 100 (cost -10,000): unrealized -6,995 + 10,000 = 3,005; cash 120,000 - 9,900 =
      // 110,100; equity 110,100 - 6,995 = 103,105; leverage 6,995 x 10,000 / 103,105 = 678.4 -> 678.
      // DAVE: short 100 at 99: unrealized -6,995 + 9,900 = 2,905; cash 109,900; equity 102,905;
      // leverage 6,995 x 10,000 / 102,905 = 679.8 -> 679.
      name: 'DAVE sells into BOB\'s bid',
      send: [order(9n, 'DAVE', Side.SELL, 300n, 99, at(40))],
      expect: [
        decision(9, 'DAVE', RejectReason.NONE, at(40)),
        exec(9, 9, 'DAVE', 1, ExecStatus.NEW, Side.SELL, null, 300n, 0n, at(40)),
        exec(10, 7, 'BOB', 2, ExecStatus.FILLED, Side.BUY, [100n, 99], 0n, 100n, at(40)),
        exec(11, 9, 'DAVE', 2, ExecStatus.PARTIAL, Side.SELL, [100n, 99], 200n, 100n, at(40)),
        position('BOB', -100n, 100, USD(100), USD(3_005), 69.95, at(40)),
        pnl('BOB', USD(100), USD(3_005), at(40)),
        portfolio('BOB', USD(110_100), USD(103_105), USD(6_995), 678, USD(100), USD(3_005), at(40)),
        position('DAVE', -100n, 99, 0n, USD(2_905), 69.95, at(40)),
        pnl('DAVE', 0n, USD(2_905), at(40)),
        portfolio('DAVE', USD(109_900), USD(102_905), USD(6_995), 679, 0n, USD(2_905), at(40)),
      ],
    },
    {
      // BOB buys 250 at 99: 200 trade with DAVE's rest. BOB goes from short 100 to long 100: the short
      // lot at 100 closes at 99 (realized +100, 200 in all) and a long lot opens at 99, so the average
      // resets to 99; unrealized 6,995 - 9,900 = -2,905. Cash 110,100 - 19,800 = 90,300, equity
      // 97,295, leverage 6,995 x 10,000 / 97,295 = 718.9 -> 718. 50 rest at 99.
      // DAVE: short 300 at 99 (cost -29,700): unrealized -20,985 + 29,700 = 8,715; cash 129,700;
      // equity 108,715; gross 20,985; leverage 20,985 x 10,000 / 108,715 = 1,930.3 -> 1,930.
      name: 'BOB crosses from short to long',
      send: [order(11n, 'BOB', Side.BUY, 250n, 99, at(41))],
      expect: [
        decision(11, 'BOB', RejectReason.NONE, at(41)),
        exec(12, 11, 'BOB', 1, ExecStatus.NEW, Side.BUY, null, 250n, 0n, at(41)),
        exec(13, 9, 'DAVE', 3, ExecStatus.FILLED, Side.SELL, [200n, 99], 0n, 300n, at(41)),
        exec(14, 11, 'BOB', 2, ExecStatus.PARTIAL, Side.BUY, [200n, 99], 50n, 200n, at(41)),
        position('DAVE', -300n, 99, 0n, USD(8_715), 69.95, at(41)),
        pnl('DAVE', 0n, USD(8_715), at(41)),
        portfolio('DAVE', USD(129_700), USD(108_715), USD(20_985), 1_930, 0n, USD(8_715), at(41)),
        position('BOB', 100n, 99, USD(200), USD(-2_905), 69.95, at(41)),
        pnl('BOB', USD(200), USD(-2_905), at(41)),
        portfolio('BOB', USD(90_300), USD(97_295), USD(6_995), 718, USD(200), USD(-2_905), at(41)),
      ],
    },
    {
      // MSFT prints: sell 200, buy 100 x 4, buy 1,000. With the last 5 prints 100,100,100,100,1,000
      // (sum 1,400, average 280), 1,000 is 1,000 x 5 / 1,400 = 3.57x the average: a spike, under 5x.
      name: 'a volume spike on MSFT',
      send: [print(Side.SELL, 200n, at(30)), ...[31, 32, 33, 34].map((s) => print(Side.BUY, 100n, at(s))), print(Side.BUY, 1_000n, at(35))],
      expect: [{
        type: 'VolumeSpikeAlert', symbol: 'MSFT', exchange: Exchange.NASDAQ, volume: n(1_000), avgVolume20: n(280), spikeRatioBp: 35_714,
        severity: Severity.WARNING, detectionTsNs: n(at(35)),
      }],
    },
    {
      // A print at 61 s moves the watermark past the first minute: buy 4 x 100 + 1,000 = 1,400 of
      // 1,600 = 87.5% > 70% (and > 85%: CRITICAL), with at least 1,000 volume.
      name: 'the first minute\'s order-flow imbalance',
      send: [print(Side.SELL, 10n, at(61))],
      expect: [{
        type: 'OrderImbalanceAlert', symbol: 'MSFT', windowStartNs: n(T0), windowEndNs: n(at(60)), buyVolume: n(1_400), sellVolume: n(200), buyShareBp: 8_750,
        dominantSide: Side.BUY, severity: Severity.CRITICAL, detectionTsNs: n(at(60)),
      }],
    },
  ];
}

async function run(workers: number): Promise<string[][]> {
  const pipeline: Pipeline = await startPipeline(workers, CONFIG, PARTITIONS);
  const steps: string[][] = [];
  try {
    for (const step of scenario()) {
      const out = await pipeline.step(step.send as never);
      expect(canonical(out), step.name).toEqual(canonical(step.expect));
      steps.push(canonical(out));
    }
  } finally {
    await pipeline.stop();
  }
  return steps;
}

describe('the golden scenario', () => {
  let one: string[][] = [];

  it('gives every expected output, step by step, with 1 worker', async () => {
    one = await run(1);
    expect(one.length).toBe(scenario().length);
  }, 120_000);

  it('gives identical outputs with 4 workers', async () => {
    const four = await run(4);
    expect(one.length).toBe(scenario().length);
    expect(four).toEqual(one);
  }, 120_000);
});
