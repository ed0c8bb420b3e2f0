// Each job's thresholds at the boundary, through the pipeline: exactly 5%, exactly 3x and 5x,
// exactly 70% (and exactly the minimum volume), exactly 10 bp (and exactly the minimum size) behave
// as the jobs document (strictly above alerts; the minimums are inclusive). The risk monitor's
// levels are checked on the class itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Output, type Pipeline, startPipeline } from '../fixtures/pipeline.js';
import { toTicks } from '../../src/wire/codec.js';
import { Body, Exchange, QuoteT, RiskAlertKind, Severity, Side, TradeT } from '../../src/wire/generated/index.js';
import { RiskMonitor } from '../../src/jobs/risk-monitor.js';
import { resolvePipelineConfig } from '../../src/jobs/config.js';

const T0 = 1_767_623_400_000_000_000n;
const at = (ms: number): bigint => T0 + BigInt(ms) * 1_000_000n;
const P = (v: number): bigint => toTicks(v);

const quote = (symbol: string, exchange: Exchange, bid: number, ask: number, last: number, ms: number, size = 500n): [Body, QuoteT] => [
  Body.Quote,
  Object.assign(new QuoteT(), { symbol, exchange, bid: P(bid), ask: P(ask), bidSize: size, askSize: size, last: P(last), tsNs: at(ms) }),
];
const print = (symbol: string, side: Side, qty: number, ms: number): [Body, TradeT] => [
  Body.Trade,
  Object.assign(new TradeT(), { symbol, exchange: Exchange.NYSE, price: P(50), quantity: BigInt(qty), aggressor: side, tsNs: at(ms) }),
];
const only = (outputs: Output[], type: string): Output[] => outputs.filter((o) => o.type === type);

let pipeline: Pipeline;
beforeAll(async () => {
  pipeline = await startPipeline(1, {
    riskMonitor: { markIntervalMs: 0 },
    orderImbalance: { minVolume: 1_000, delayMs: 0, latenessMs: 0, idleMs: 0 },
    arbitrage: { minSize: 100, maxQuoteAgeMs: 1_000 },
  });
}, 60_000);
afterAll(async () => {
  await pipeline.stop();
});

describe('price movement: more than 5%', () => {
  it('does not alert at exactly +5% or -5%, and alerts one tick beyond', async () => {
    const out = await pipeline.step([
      quote('PM1', Exchange.NYSE, 99.99, 100.01, 100, 1_000),
      quote('PM1', Exchange.NYSE, 104.99, 105.01, 105, 2_000), // +5.000%: no
      quote('PM1', Exchange.NYSE, 94.99, 95.01, 95, 3_000), // -5.000%: no
      quote('PM1', Exchange.NYSE, 105, 105.02, 105.000001, 4_000), // +5.000001%: yes, 500 bp
      quote('PM1', Exchange.NYSE, 94.98, 95, 94.999999, 5_000), // -5.000001%: yes, -500 bp
    ]);
    expect(only(out, 'PriceAlert').map((a) => [a.priceChangeBp, a.price, a.prevPrice, a.severity])).toEqual([
      [500, `${P(105.000001)}n`, `${P(100)}n`, Severity.WARNING],
      [-500, `${P(94.999999)}n`, `${P(100)}n`, Severity.WARNING],
    ]);
  });

  it('marks a move beyond twice the threshold CRITICAL, at exactly twice WARNING', async () => {
    const out = await pipeline.step([
      quote('PM2', Exchange.NYSE, 99.99, 100.01, 100, 1_000),
      quote('PM2', Exchange.NYSE, 109.99, 110.01, 110, 2_000), // +10%: WARNING
      quote('PM2', Exchange.BATS, 99.99, 100.01, 100, 1_000),
      quote('PM2', Exchange.BATS, 89.99, 89.999999, 89.99, 2_000), // -10.01%: CRITICAL
    ]);
    expect(only(out, 'PriceAlert').map((a) => [a.exchange, a.priceChangeBp, a.severity])).toEqual([
      [Exchange.NYSE, 1_000, Severity.WARNING],
      [Exchange.BATS, -1_001, Severity.CRITICAL],
    ]);
  });
});

describe('price movement on prices beyond 2^53 ticks (judged on the exact integers, not doubles)', () => {
  // 2^54: at these prices doubles are 16 to 32 ticks apart, so one tick beyond 5% has the same double as exactly 5%.
  const unit = 2n ** 54n;
  const big = (last: bigint, ms: number): [Body, QuoteT] => [
    Body.Quote,
    Object.assign(new QuoteT(), { symbol: 'PMB', exchange: Exchange.NYSE, bid: last - 1n, ask: last + 1n, bidSize: 500n, askSize: 500n, last, tsNs: at(ms) }),
  ];
  it('does not alert at exactly +5% or -5%, and alerts one tick beyond', async () => {
    expect(Number(105n * unit)).toBe(Number(105n * unit + 1n));
    const out = await pipeline.step([big(100n * unit, 1_000), big(105n * unit, 2_000), big(95n * unit, 3_000), big(105n * unit + 1n, 4_000), big(95n * unit - 1n, 5_000)]);
    expect(only(out, 'PriceAlert').map((a) => [a.priceChangeBp, a.price, a.prevPrice, a.severity])).toEqual([
      [500, `${105n * unit + 1n}n`, `${100n * unit}n`, Severity.WARNING],
      [-500, `${95n * unit - 1n}n`, `${100n * unit}n`, Severity.WARNING],
    ]);
  });
});

describe('volume spike: above 3x the 20-print average, extreme above 5x', () => {
  // 19 prints summing 1,700, then v: the average is (1,700 + v) / 20; 3x exactly when v = 300.
  const base3 = (symbol: string) => [...Array.from({ length: 15 }, (_, i) => print(symbol, Side.BUY, 100, i)), ...[15, 16, 17, 18].map((i) => print(symbol, Side.BUY, 50, i))];
  // 19 prints summing 2,100: 5x exactly when v = 700 (20 x 700 / 2,800 = 5).
  const base5 = (symbol: string) => [...Array.from({ length: 18 }, (_, i) => print(symbol, Side.BUY, 100, i)), print(symbol, Side.BUY, 300, 18)];

  it('does not alert at exactly 3x, alerts just above', async () => {
    const exactly = await pipeline.step([...base3('VS1'), print('VS1', Side.BUY, 300, 19)]);
    expect(only(exactly, 'VolumeSpikeAlert')).toEqual([]);
    const above = await pipeline.step([...base3('VS2'), print('VS2', Side.BUY, 301, 19)]);
    // 301 x 20 / 2,001 = 3.0084x; average 2,001 / 20 = 100 (truncated).
    expect(only(above, 'VolumeSpikeAlert').map((a) => [a.volume, a.avgVolume20, a.spikeRatioBp, a.severity])).toEqual([['301n', '100n', 30_084, Severity.WARNING]]);
  });

  it('is WARNING at exactly 5x and EXTREME just above', async () => {
    const exactly = await pipeline.step([...base5('VS3'), print('VS3', Side.BUY, 700, 19)]);
    expect(only(exactly, 'VolumeSpikeAlert').map((a) => [a.spikeRatioBp, a.severity])).toEqual([[50_000, Severity.WARNING]]);
    const above = await pipeline.step([...base5('VS4'), print('VS4', Side.BUY, 701, 19)]);
    // 701 x 20 x 10,000 / 2,801 = 50,053.5 bp.
    expect(only(above, 'VolumeSpikeAlert').map((a) => [a.spikeRatioBp, a.severity])).toEqual([[50_053, Severity.EXTREME]]);
  });

  it('does not judge before 20 prints', async () => {
    const out = await pipeline.step([print('VS5', Side.BUY, 1, 0), print('VS5', Side.BUY, 1_000_000, 1)]);
    expect(only(out, 'VolumeSpikeAlert')).toEqual([]);
  });
});

describe('order-flow imbalance: one side above 70% of at least the minimum volume', () => {
  it('judges each symbol\'s minute when the watermark passes it', async () => {
    const minute = 120_000; // a window of its own, after the volume tests' prints
    const out = await pipeline.step([
      print('OI1', Side.BUY, 700, minute + 1), print('OI1', Side.SELL, 300, minute + 2), // exactly 70%: no
      print('OI2', Side.BUY, 701, minute + 1), print('OI2', Side.SELL, 299, minute + 2), // 70.1%: yes
      print('OI3', Side.SELL, 800, minute + 1), print('OI3', Side.BUY, 200, minute + 2), // 80% sell, volume exactly 1,000: yes
      print('OI4', Side.SELL, 799, minute + 1), print('OI4', Side.BUY, 200, minute + 2), // 999 volume: not judged
      print('OI5', Side.BUY, 900, minute + 1), print('OI5', Side.SELL, 100, minute + 2), // 90%: CRITICAL
      print('OI9', Side.BUY, 1, minute + 60_000), // moves the watermark to the next minute
    ]);
    // (The volume tests' prints close with the first minute too: only the OI symbols are judged here.)
    const alerts = only(out, 'OrderImbalanceAlert').filter((a) => String(a.symbol).startsWith('OI')).map((a) => [a.symbol, a.buyVolume, a.sellVolume, a.buyShareBp, a.dominantSide, a.severity, a.windowStartNs]);
    const start = `${at(minute)}n`;
    expect(alerts.sort()).toEqual([
      ['OI2', '701n', '299n', 7_010, Side.BUY, Severity.WARNING, start],
      ['OI3', '200n', '800n', 2_000, Side.SELL, Severity.WARNING, start],
      ['OI5', '900n', '100n', 9_000, Side.BUY, Severity.CRITICAL, start],
    ]);
  });
});

describe('arbitrage: a bid above another exchange\'s ask by more than 10 bp, at least the minimum size', () => {
  it('does not alert at exactly 10 bp, alerts at 11 bp', async () => {
    const exactly = await pipeline.step([quote('AR1', Exchange.NASDAQ, 99.9, 100, 100, 1_000), quote('AR1', Exchange.NYSE, 100.1, 100.2, 100.1, 1_100)]);
    expect(only(exactly, 'ArbitrageAlert')).toEqual([]);
    const above = await pipeline.step([quote('AR2', Exchange.NASDAQ, 99.9, 100, 100, 1_000), quote('AR2', Exchange.NYSE, 100.11, 100.2, 100.1, 1_100)]);
    expect(only(above, 'ArbitrageAlert').map((a) => [a.buyExchange, a.sellExchange, a.buyPrice, a.sellPrice, a.spreadBp, a.availableSize])).toEqual([
      [Exchange.NASDAQ, Exchange.NYSE, `${P(100)}n`, `${P(100.11)}n`, 11, '500n'],
    ]);
  });

  it('takes exactly the minimum size, not one less, and no stale quote', async () => {
    const atMin = await pipeline.step([quote('AR3', Exchange.NASDAQ, 99.9, 100, 100, 1_000, 100n), quote('AR3', Exchange.NYSE, 100.5, 100.6, 100.5, 1_100)]);
    expect(only(atMin, 'ArbitrageAlert').map((a) => a.availableSize)).toEqual(['100n']);
    const below = await pipeline.step([quote('AR4', Exchange.NASDAQ, 99.9, 100, 100, 1_000, 99n), quote('AR4', Exchange.NYSE, 100.5, 100.6, 100.5, 1_100)]);
    expect(only(below, 'ArbitrageAlert')).toEqual([]);
    // NASDAQ's quote is 1,001 ms older than NYSE's: past maxQuoteAgeMs.
    const stale = await pipeline.step([quote('AR5', Exchange.NASDAQ, 99.9, 100, 100, 1_000), quote('AR5', Exchange.NYSE, 100.5, 100.6, 100.5, 2_001)]);
    expect(only(stale, 'ArbitrageAlert')).toEqual([]);
  });

  it('judges prices beyond 2^53 ticks exactly: 10 bp is not an opportunity, one tick more is', async () => {
    // ask 10,000 x 2^49, bid 10 bp above it: doubles there are 1,024 ticks apart.
    const ask = 10_000n * 2n ** 49n;
    const tenBp = ask + ask / 1_000n;
    const q = (symbol: string, exchange: Exchange, bid: bigint, ask: bigint, ms: number): [Body, QuoteT] => [
      Body.Quote,
      Object.assign(new QuoteT(), { symbol, exchange, bid, ask, bidSize: 500n, askSize: 500n, last: bid, tsNs: at(ms) }),
    ];
    expect(Number(tenBp)).toBe(Number(tenBp + 1n));
    const exactly = await pipeline.step([q('AR8', Exchange.NASDAQ, ask - 10n, ask, 1_000), q('AR8', Exchange.NYSE, tenBp, tenBp + 10n, 1_100)]);
    expect(only(exactly, 'ArbitrageAlert')).toEqual([]);
    const above = await pipeline.step([q('AR9', Exchange.NASDAQ, ask - 10n, ask, 1_000), q('AR9', Exchange.NYSE, tenBp + 1n, tenBp + 10n, 1_100)]);
    expect(only(above, 'ArbitrageAlert').map((a) => [a.buyExchange, a.sellExchange, a.buyPrice, a.sellPrice, a.spreadBp, a.availableSize])).toEqual([
      [Exchange.NASDAQ, Exchange.NYSE, `${ask}n`, `${tenBp + 1n}n`, 10, '500n'],
    ]);
  });

  it('judges a quote\'s age to the nanosecond: exactly maxQuoteAgeMs old is fresh, 1 ns more is stale', async () => {
    // At these timestamps doubles are 256 ns apart: the two cases below differ by 1 ns and have the same double.
    const ns = (symbol: string, exchange: Exchange, bid: number, ask: number, tsNs: bigint): [Body, QuoteT] => [
      Body.Quote,
      Object.assign(new QuoteT(), { symbol, exchange, bid: P(bid), ask: P(ask), bidSize: 500n, askSize: 500n, last: P(bid), tsNs }),
    ];
    const older = at(1_000) + 7n;
    expect(Number(older + 1_000_000_000n)).toBe(Number(older + 1_000_000_001n));
    const exactly = await pipeline.step([ns('AR6', Exchange.NASDAQ, 99.9, 100, older), ns('AR6', Exchange.NYSE, 100.5, 100.6, older + 1_000_000_000n)]);
    expect(only(exactly, 'ArbitrageAlert').map((a) => [a.buyExchange, a.sellExchange])).toEqual([[Exchange.NASDAQ, Exchange.NYSE]]);
    const past = await pipeline.step([ns('AR7', Exchange.NASDAQ, 99.9, 100, older), ns('AR7', Exchange.NYSE, 100.5, 100.6, older + 1_000_000_001n)]);
    expect(only(past, 'ArbitrageAlert')).toEqual([]);
  });
});

describe('risk monitor levels', () => {
  const cfg = resolvePipelineConfig({ riskMonitor: { positionLimit: 1_000_000, dailyLossLimit: 50_000 } }).riskMonitor;
  const USD = (v: number): bigint => BigInt(v) * 1_000_000n;

  it('warns above 80% of the position limit and breaches above it, each once', () => {
    const m = new RiskMonitor(cfg);
    const T1 = { level: 0 };
    // 8,000 x 100 = 800,000: exactly 80%, no warning.
    expect(m.position(T1, 'AAPL', 8_000n, P(100), 0n)).toBeNull();
    expect(m.position(T1, 'AAPL', 8_001n, P(100), 5n)).toEqual({
      symbol: 'AAPL', kind: RiskAlertKind.POSITION_LIMIT_WARNING, positionSize: 8_001n, limit: USD(1_000_000), currentPnl: 5n, severity: Severity.WARNING,
    });
    expect(m.position(T1, 'AAPL', 9_000n, P(100), 0n)).toBeNull(); // still warning: no repeat
    expect(m.position(T1, 'AAPL', -10_000n, P(100), 0n)).toBeNull(); // exactly the limit, short: not over
    expect(m.position(T1, 'AAPL', -10_001n, P(100), 0n)?.kind).toBe(RiskAlertKind.POSITION_LIMIT_EXCEEDED);
    expect(m.position(T1, 'AAPL', 100n, P(100), 0n)).toBeNull(); // back under: re-armed
    expect(m.position(T1, 'AAPL', 10_001n, P(100), 0n)?.kind).toBe(RiskAlertKind.POSITION_LIMIT_EXCEEDED);
  });

  it('warns on the exact product when the warning level is not a whole number of ticks', () => {
    // 80% of 1,000,001 ticks is 800,000.8: 800,000 is under it, 800,001 over (value x 10,000 > limit x 8,000).
    const m = new RiskMonitor({ ...cfg, positionLimit: 1_000_001n, dailyLossLimit: 1_000_001n });
    expect(m.position({ level: 0 }, 'AAPL', 800_000n, 1n, 0n)).toBeNull();
    expect(m.position({ level: 0 }, 'AAPL', -800_001n, 1n, 0n)?.kind).toBe(RiskAlertKind.POSITION_LIMIT_WARNING);
    expect(m.dailyLoss({ level: 0 }, -800_000n, 0n)).toBeNull();
    expect(m.dailyLoss({ level: 0 }, -800_001n, 0n)?.kind).toBe(RiskAlertKind.DAILY_LOSS_WARNING);
    // A policy's own limit and then the default again: each judged on its own level.
    expect(m.dailyLoss({ level: 0 }, -8_001n, 10_000n)?.kind).toBe(RiskAlertKind.DAILY_LOSS_WARNING);
    expect(m.dailyLoss({ level: 0 }, -8_001n, 0n)).toBeNull();
    expect(m.dailyLoss({ level: 0 }, -1_000_001n, 0n)?.kind).toBe(RiskAlertKind.DAILY_LOSS_EXCEEDED);
  });

  it('breaches the daily loss limit when the loss reaches it (as the pre-trade check stops trading)', () => {
    const m = new RiskMonitor(cfg);
    const T2 = { level: 0 };
    expect(m.dailyLoss(T2, -USD(40_000), 0n)).toBeNull(); // exactly 80% of the default 50,000
    expect(m.dailyLoss(T2, -USD(40_000) - 1n, 0n)?.kind).toBe(RiskAlertKind.DAILY_LOSS_WARNING);
    expect(m.shouldKill(T2)).toBe(false);
    expect(m.dailyLoss(T2, -USD(50_000), 0n)).toEqual({
      symbol: null, kind: RiskAlertKind.DAILY_LOSS_EXCEEDED, positionSize: 0n, limit: USD(50_000), currentPnl: -USD(50_000), severity: Severity.CRITICAL,
    });
    expect(m.shouldKill(T2)).toBe(true);
    // The account's own policy limit wins over the default.
    expect(m.dailyLoss({ level: 0 }, -USD(1_000), USD(1_000))?.kind).toBe(RiskAlertKind.DAILY_LOSS_EXCEEDED);
  });

  it('never kills when the kill switch is off', () => {
    const m = new RiskMonitor({ ...cfg, killSwitch: false });
    const T4 = { level: 0 };
    m.dailyLoss(T4, -USD(60_000), 0n);
    expect(m.shouldKill(T4)).toBe(false);
  });
});

describe('pipeline configuration', () => {
  it('names the bad option', () => {
    expect(() => resolvePipelineConfig({ priceMovement: { thresholdBp: -1 } })).toThrow('priceMovement.thresholdBp must be an integer from 1 to 2147483647, got -1');
    expect(() => resolvePipelineConfig({ priceMovement: { treshold: 5 } })).toThrow('unknown option priceMovement.treshold (known: priceMovement.thresholdBp, priceMovement.windowMs)');
    expect(() => resolvePipelineConfig({ risk: {} })).toThrow('unknown config section "risk"');
    expect(() => resolvePipelineConfig({ riskMonitor: { killSwitch: 'yes' } })).toThrow('riskMonitor.killSwitch must be true or false, got "yes"');
    expect(() => resolvePipelineConfig({ riskMonitor: { positionLimit: Number.NaN } })).toThrow('riskMonitor.positionLimit must be an amount from 0.000001 to 9000000000, got null');
    expect(() => resolvePipelineConfig({ volumeSpike: { multiplierBp: 60_000 } })).toThrow('volumeSpike.extremeBp (50000) must be at least volumeSpike.multiplierBp (60000)');
    expect(() => resolvePipelineConfig({ riskMonitor: { positionLimit: 0.0000001 } })).toThrow('riskMonitor.positionLimit must be an amount from 0.000001 to 9000000000, got 1e-7');
    expect(() => resolvePipelineConfig({ orderImbalance: { shareBp: 10_000 } })).toThrow('orderImbalance.shareBp must be an integer from 1 to 9999, got 10000');
    expect(() => resolvePipelineConfig({ engine: { maxOrders: 5_000_000 } })).toThrow('engine.maxOrders must be an integer from 1 to 1000000, got 5000000');
    expect(resolvePipelineConfig({ riskMonitor: { positionLimit: 2_500.5 } }).riskMonitor.positionLimit).toBe(2_500_500_000n);
  });
});

describe('an idle worker does not hold its windows open', () => {
  it('closes the last minute on the clock once no print came for idleMs', async () => {
    const idle = await startPipeline(1, { riskMonitor: { markIntervalMs: 0 }, orderImbalance: { minVolume: 100, delayMs: 0, latenessMs: 0, idleMs: 300 } });
    try {
      // Event time here is the wall clock (as the simulator's is at its default pace): prints of this
      // minute, then silence. The window ends within the minute; the watermark gets there on the clock.
      const now = BigInt(Date.now()) * 1_000_000n;
      const minute = 60_000_000_000n;
      const start = now - (now % minute);
      const p = (side: Side, qty: number): [Body, TradeT] => [
        Body.Trade,
        Object.assign(new TradeT(), { symbol: 'IDLE', exchange: Exchange.NYSE, price: P(10), quantity: BigInt(qty), aggressor: side, tsNs: now }),
      ];
      const out = await idle.step([p(Side.BUY, 900), p(Side.SELL, 100)]);
      expect(out.filter((o) => o.type === 'OrderImbalanceAlert')).toEqual([]);
      // No more prints: the alert arrives when the clock passes the window's end (at most a minute).
      const deadline = Date.now() + 70_000;
      let alerts: Output[] = [];
      while (alerts.length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        alerts = (await idle.step([])).filter((o) => o.type === 'OrderImbalanceAlert');
      }
      expect(alerts.map((a) => [a.symbol, a.buyVolume, a.sellVolume, a.windowStartNs])).toEqual([['IDLE', '900n', '100n', `${start}n`]]);
    } finally {
      await idle.stop();
    }
  }, 90_000);
});
