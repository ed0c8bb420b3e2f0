// Scenarios do what they say within their window: the crash takes equities down ~8% with heavy
// selling, the spike lifts one symbol 7% on heavy buying, the arbitrage window puts one exchange's
// bid above another's ask; unknown names and bad targets are refused with the valid choices.
import { describe, expect, it } from 'vitest';
import { MarketSimulator } from '../../src/sim/market-simulator.js';
import { CRASH, SPIKE, scenarioName } from '../../src/sim/scenarios.js';
import { AssetClass, Body, Exchange, type QuoteT, Side, type TradeT } from '../../src/wire/generated/index.js';
import { body } from './fixtures.js';

const EVENTS_PER_SECOND = 2000; // 0.5 ms steps: 20,000 events span the crash
const STEP_NS = 500_000n;
const SECOND = 1_000_000_000n;

/** Runs the simulator until event time reaches `untilNs`, handing each event to `see`. */
function runUntil(sim: MarketSimulator, untilNs: bigint, see: (type: number, frame: Uint8Array, tsNs: bigint) => void = () => {}): void {
  for (;;) {
    const e = sim.next();
    see(e.type, e.frame, e.tsNs);
    if (e.tsNs >= untilNs) return;
  }
}

describe('crash', () => {
  const sim = new MarketSimulator({ seed: 21, eventsPerSecond: EVENTS_PER_SECOND });
  const start = sim.options.startNs;
  const equities = sim.instruments().filter((s) => s.assetClass === AssetClass.EQUITY);
  const before = new Map<string, number>();
  const sizesBefore: number[] = [];
  const sizesDuring: number[] = [];
  let sellsDuring = 0;
  const spreadsDuring: number[] = [];
  const isEquity = (symbol: unknown) => equities.some((s) => s.symbol === symbol);

  runUntil(sim, start + 20n * SECOND, (type, frame) => {
    if (type === Body.Trade && isEquity(body<TradeT>(frame).symbol)) sizesBefore.push(Number(body<TradeT>(frame).quantity));
  });
  for (const s of equities) before.set(s.symbol, sim.fairPrice(s.symbol));
  const eurusdBefore = sim.fairPrice('EURUSD');
  const triggeredAt = start + 20n * SECOND;
  sim.trigger('crash');
  const info = sim.activeScenarios();
  const end = triggeredAt + BigInt(CRASH.durationNs);
  runUntil(sim, end - STEP_NS, (type, frame) => {
    if (type === Body.Trade) {
      const t = body<TradeT>(frame);
      if (!isEquity(t.symbol)) return;
      sizesDuring.push(Number(t.quantity));
      if (t.aggressor === Side.SELL) sellsDuring++;
    } else if (type === Body.Quote) {
      const q = body<QuoteT>(frame);
      if (isEquity(q.symbol)) spreadsDuring.push(Number((q.ask - q.bid) / 10_000n));
    }
  });
  // One more price step past the end completes the move.
  runUntil(sim, end + 20_000_000n);

  it('is announced as running over the equity market for 10 s', () => {
    expect(info).toEqual([
      { name: 'crash', symbol: null, exchange: null, assetClass: AssetClass.EQUITY, startNs: triggeredAt, endNs: triggeredAt + 10n * SECOND },
    ]);
    expect(sim.activeScenarios()).toEqual([]);
  });

  it('takes every equity down 8% +-2% within 10 s, beta times the market factor', () => {
    for (const s of equities) {
      const fall = 1 - sim.fairPrice(s.symbol) / before.get(s.symbol)!;
      expect(fall, s.symbol).toBeGreaterThan(0.06);
      expect(fall, s.symbol).toBeLessThan(0.1);
      // The factor falls by ln(0.92); a stock moves beta times that, give or take 10 s of diffusion.
      expect(Math.abs(fall - (1 - 0.92 ** s.beta)), s.symbol).toBeLessThan(0.006);
    }
    // Other asset classes only diffuse.
    expect(Math.abs(sim.fairPrice('EURUSD') / eurusdBefore - 1)).toBeLessThan(0.005);
  });

  it('comes with ~85% sell-initiated prints, four times the volume, and doubled spreads', () => {
    expect(Math.abs(sellsDuring / sizesDuring.length - 0.85)).toBeLessThan(0.03);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const ratio = mean(sizesDuring) / mean(sizesBefore);
    expect(ratio).toBeGreaterThan(3.4);
    expect(ratio).toBeLessThan(4.6);
    // 1-3 ticks, doubled.
    expect(new Set(spreadsDuring)).toEqual(new Set([2, 4, 6]));
  });
});

describe('spike', () => {
  it('lifts the symbol 7% within 3 s, with six times the volume and buyers in control', () => {
    const sim = new MarketSimulator({ seed: 4, eventsPerSecond: EVENTS_PER_SECOND, symbols: ['AAPL', 'NVDA', 'BTCUSD'] });
    const start = sim.options.startNs;
    const sizes = { before: [] as number[], during: [] as number[] };
    // NVDA's volume per simulated second, for a "volume above 3x its 20-period average" detector.
    const perSecond = new Array<number>(40).fill(0);
    const detect = (quantity: number, tsNs: bigint) => {
      perSecond[Number((tsNs - start) / SECOND)]! += quantity;
    };
    let buys = 0;
    runUntil(sim, start + 30n * SECOND - STEP_NS, (type, frame, tsNs) => {
      if (type !== Body.Trade || body<TradeT>(frame).symbol !== 'NVDA') return;
      sizes.before.push(Number(body<TradeT>(frame).quantity));
      detect(Number(body<TradeT>(frame).quantity), tsNs);
    });
    const before = sim.fairPrice('NVDA');
    const aaplBefore = sim.fairPrice('AAPL');
    sim.trigger('spike', 'NVDA');
    const at = start + 30n * SECOND;
    const during = (type: number, frame: Uint8Array, tsNs: bigint) => {
      if (type !== Body.Trade) return;
      const t = body<TradeT>(frame);
      if (t.symbol !== 'NVDA') return;
      sizes.during.push(Number(t.quantity));
      detect(Number(t.quantity), tsNs);
      if (t.aggressor === Side.BUY) buys++;
    };
    runUntil(sim, at + BigInt(SPIKE.moveNs) + 20_000_000n, during);
    const risen = sim.fairPrice('NVDA') / before - 1;
    expect(risen).toBeGreaterThanOrEqual(0.05);
    expect(Math.abs(risen - 0.07)).toBeLessThan(0.005);
    runUntil(sim, at + BigInt(SPIKE.durationNs) - 2n * STEP_NS, during);
    // The detector stays quiet in the 10 s before and fires in the spike's first seconds.
    const fires = (second: number) => perSecond[second]! > (3 * perSecond.slice(second - 20, second).reduce((a, b) => a + b, 0)) / 20;
    expect([20, 21, 22, 23, 24, 25, 26, 27, 28, 29].filter(fires)).toEqual([]);
    expect([30, 31, 32].filter(fires)).toEqual([30, 31, 32]);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(sizes.during) / mean(sizes.before)).toBeGreaterThan(5);
    expect(mean(sizes.during) / mean(sizes.before)).toBeLessThan(7);
    expect(Math.abs(buys / sizes.during.length - 0.8)).toBeLessThan(0.04);
    // Only NVDA: AAPL merely diffuses.
    expect(Math.abs(sim.fairPrice('AAPL') / aaplBefore - 1)).toBeLessThan(0.01);
  });

  it('defaults to the first simulated symbol', () => {
    const sim = new MarketSimulator({ symbols: ['TSLA', 'AAPL'], eventsPerSecond: EVENTS_PER_SECOND });
    sim.trigger('spike');
    expect(sim.activeScenarios().map((s) => s.symbol)).toEqual(['TSLA']);
  });
});

describe('arbitrage', () => {
  it("offsets one exchange +25 bp for 5 s: its bid tops another exchange's ask by more than 10 bp", () => {
    const sim = new MarketSimulator({ seed: 9, eventsPerSecond: EVENTS_PER_SECOND, newsPerHour: 0 });
    const start = sim.options.startNs;
    runUntil(sim, start + 5n * SECOND);
    sim.trigger('arbitrage', 'AAPL');
    const [info] = sim.activeScenarios();
    expect(info).toMatchObject({ name: 'arbitrage', symbol: 'AAPL', exchange: Exchange.NASDAQ, assetClass: null });
    expect(info!.endNs - info!.startNs).toBe(5n * SECOND);
    const lastQuote = new Map<Exchange, QuoteT>();
    let widest = -Infinity;
    let crossedQuotes = 0;
    let offsetQuotes = 0;
    runUntil(sim, info!.endNs - 20_000_000n, (type, frame) => {
      if (type !== Body.Quote) return;
      const q = body<QuoteT>(frame);
      if (q.symbol !== 'AAPL') return;
      lastQuote.set(q.exchange, q);
      if (q.exchange !== Exchange.NASDAQ) return;
      offsetQuotes++;
      for (const [exchange, other] of lastQuote) {
        if (exchange === Exchange.NASDAQ) continue;
        const bp = (Number(q.bid - other.ask) / Number(other.ask)) * 1e4;
        widest = Math.max(widest, bp);
        if (bp > 10) {
          crossedQuotes++;
          break;
        }
      }
    });
    expect(widest).toBeGreaterThan(10);
    // All but the first NASDAQ quotes (before the others have quoted) are crossed.
    expect(crossedQuotes).toBeGreaterThan(offsetQuotes * 0.9);
    // After the window the venues are back in line (no natural dislocation is running on AAPL then).
    runUntil(sim, info!.endNs + 50_000_000n);
    expect(sim.activeScenarios()).toEqual([]);
  });

  it('needs a symbol quoted on two or more exchanges', () => {
    const sim = new MarketSimulator();
    expect(() => sim.trigger('arbitrage', 'BTCUSD')).toThrow(new RangeError("scenario 'arbitrage': BTCUSD is quoted on one exchange only"));
    expect(() => new MarketSimulator({ symbols: ['EURUSD'] }).trigger('arbitrage')).toThrow(
      new RangeError("scenario 'arbitrage': no simulated symbol is quoted on two or more exchanges"),
    );
    sim.trigger('arbitrage');
    expect(sim.activeScenarios()[0]).toMatchObject({ symbol: 'AAPL', exchange: Exchange.NASDAQ });
  });
});

describe('names and targets', () => {
  it('unknown scenario names are a RangeError listing the valid ones', () => {
    const sim = new MarketSimulator();
    expect(() => sim.trigger('meltdown')).toThrow(new RangeError('unknown scenario "meltdown"; valid scenarios: crash, spike, arbitrage'));
    expect(() => scenarioName(undefined)).toThrow('valid scenarios: crash, spike, arbitrage');
    expect(sim.activeScenarios()).toEqual([]);
  });

  it('unknown symbols are a RangeError listing the simulated ones', () => {
    const sim = new MarketSimulator({ symbols: ['AAPL', 'MSFT'] });
    expect(() => sim.trigger('spike', 'IBM')).toThrow(new RangeError(`scenario 'spike': unknown symbol "IBM"; simulated symbols: AAPL, MSFT`));
  });

  it("a crash named by symbol crashes that symbol's asset class; without equities it needs one", () => {
    const sim = new MarketSimulator({ symbols: ['BTCUSD', 'ETHUSD', 'AAPL'], eventsPerSecond: EVENTS_PER_SECOND });
    sim.trigger('crash', 'ETHUSD');
    expect(sim.activeScenarios()[0]).toMatchObject({ name: 'crash', assetClass: AssetClass.CRYPTO, symbol: null });
    const btc = sim.fairPrice('BTCUSD');
    runUntil(sim, sim.options.startNs + 10n * SECOND + 20_000_000n);
    expect(1 - sim.fairPrice('BTCUSD') / btc).toBeGreaterThan(0.06);
    expect(() => new MarketSimulator({ symbols: ['BTCUSD'] }).trigger('crash')).toThrow(
      "scenario 'crash': no equities are simulated; name a symbol to crash its asset class",
    );
  });
});
