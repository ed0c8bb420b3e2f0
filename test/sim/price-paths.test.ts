// Price paths: the factor model gives each instrument its own volatility and correlates instruments
// of one asset class and sector as the loadings say; the intraday clock makes equities' variance
// U-shaped over the session; news shocks jump 2–6% and set off a volume burst.
import { describe, expect, it } from 'vitest';
import { MarketSimulator } from '../../src/sim/market-simulator.js';
import { type InstrumentSpec, UNIVERSE, findInstrument } from '../../src/sim/instruments.js';
import { EQUITY_SESSION, NS_PER_DAY, ROUND_THE_CLOCK } from '../../src/sim/intraday-volatility.js';
import { PricePaths, factorLoadings } from '../../src/sim/price-paths.js';
import { SeededRandom } from '../../src/sim/prng.js';
import { correlation } from './fixtures.js';

const HOUR = 3_600_000_000_000;
const MINUTE = 60_000_000_000;

/** Daily log returns of some symbols: one event per simulated hour, fair prices sampled every 24. */
function dailyReturns(symbols: string[], days: number, seed: number): Map<string, number[]> {
  const sim = new MarketSimulator({ seed, eventsPerSecond: 1 / 3600, newsPerHour: 0 });
  const returns = new Map(symbols.map((s) => [s, [] as number[]]));
  let prev = symbols.map((s) => sim.fairPrice(s));
  for (let d = 0; d < days; d++) {
    for (let h = 0; h < 24; h++) sim.next();
    const now = symbols.map((s) => sim.fairPrice(s));
    symbols.forEach((s, i) => returns.get(s)!.push(Math.log(now[i]! / prev[i]!)));
    prev = now;
  }
  return returns;
}

describe('factor model', () => {
  it('loadings leave room for idiosyncratic noise and keep each instrument at its own volatility', () => {
    for (const spec of UNIVERSE) {
      const l = factorLoadings(spec);
      expect(l.market ** 2 + l.sector ** 2 + l.idiosyncratic ** 2).toBeCloseTo(1, 12);
      expect(l.idiosyncratic).toBeGreaterThan(0.25);
    }
    // AAPL: beta 1.05 on the equity factor (0.55), Technology sector 0.45.
    const aapl = factorLoadings(findInstrument('AAPL')!);
    expect(aapl.market).toBeCloseTo(0.5775, 12);
    expect(aapl.sector).toBe(0.45);
    expect(aapl.idiosyncratic).toBeCloseTo(Math.sqrt(1 - 0.33350625 - 0.2025), 12);
  });

  it('daily returns of AAPL and MSFT are clearly, and as predicted, positively correlated; AAPL and EURUSD are not', () => {
    const r = dailyReturns(['AAPL', 'MSFT', 'EURUSD', 'BTCUSD'], 500, 2024);
    // Same class and sector: 0.55^2 * 1.05 * 0.95 + 0.45^2 = 0.504.
    const predicted = 0.55 * 0.55 * 1.05 * 0.95 + 0.45 * 0.45;
    expect(predicted).toBeCloseTo(0.5042, 4);
    const aaplMsft = correlation(r.get('AAPL')!, r.get('MSFT')!);
    expect(aaplMsft).toBeGreaterThan(0.3);
    // 500 samples: the estimate's standard error is about (1 - rho^2) / sqrt(500) = 0.033.
    expect(Math.abs(aaplMsft - predicted)).toBeLessThan(0.1);
    expect(Math.abs(correlation(r.get('AAPL')!, r.get('EURUSD')!))).toBeLessThan(0.15);
    expect(Math.abs(correlation(r.get('AAPL')!, r.get('BTCUSD')!))).toBeLessThan(0.15);
  });

  it('daily volatility matches the annualized volatility over calendar days', () => {
    const r = dailyReturns(['AAPL', 'BTCUSD'], 500, 99);
    const sd = (xs: number[]) => {
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
    };
    // 25% and 50% a year, over 365.25 days; 500 samples put the estimate within ~10%.
    expect(sd(r.get('AAPL')!) / (0.25 / Math.sqrt(365.25))).toBeGreaterThan(0.88);
    expect(sd(r.get('AAPL')!) / (0.25 / Math.sqrt(365.25))).toBeLessThan(1.12);
    expect(sd(r.get('BTCUSD')!) / (0.5 / Math.sqrt(365.25))).toBeGreaterThan(0.88);
    expect(sd(r.get('BTCUSD')!) / (0.5 / Math.sqrt(365.25))).toBeLessThan(1.12);
  });
});

describe('intraday variance clock', () => {
  // Equity density per minute: 0.5 + 1.5 * (2x - 1)^2 in the 390 session minutes (x at the minute's
  // middle), 0.05 in the other 1050. Over the session, sum (2x - 1)^2 = 2 * sum_{m=1..195} (2m - 1)^2 / 390^2
  // = 2 * 195 * (4 * 195^2 - 1) / 3 / 390^2.
  const squares = (2 * 195 * (4 * 195 ** 2 - 1)) / 3 / 390 ** 2;
  const session = 390 * 0.5 + 1.5 * squares;
  const total = session + 1050 * 0.05;
  const at = (hours: number, minutes: number) => (hours * 60 + minutes) * MINUTE;

  it('a day of equity variance is one day; the session (14:30-21:00 UTC) holds most of it', () => {
    expect(EQUITY_SESSION.at(NS_PER_DAY) - EQUITY_SESSION.at(0)).toBeCloseTo(1, 12);
    expect(EQUITY_SESSION.at(3 * NS_PER_DAY + at(5, 0)) - EQUITY_SESSION.at(2 * NS_PER_DAY + at(5, 0))).toBeCloseTo(1, 12);
    expect(EQUITY_SESSION.at(at(21, 0)) - EQUITY_SESSION.at(at(14, 30))).toBeCloseTo(session / total, 12);
    expect(session / total).toBeCloseTo(0.88136, 5);
  });

  it('is U-shaped: the first and last half hours carry more variance than the midday half hour', () => {
    const first = EQUITY_SESSION.at(at(15, 0)) - EQUITY_SESSION.at(at(14, 30));
    const midday = EQUITY_SESSION.at(at(18, 0)) - EQUITY_SESSION.at(at(17, 30));
    const last = EQUITY_SESSION.at(at(21, 0)) - EQUITY_SESSION.at(at(20, 30));
    expect(first / midday).toBeGreaterThan(3);
    expect(last).toBeCloseTo(first, 12);
    // At the open: 0.5 + 1.5 * (389/390)^2, relative to the day's mean density.
    expect(EQUITY_SESSION.intensity(at(14, 30))).toBeCloseTo(((0.5 + 1.5 * (389 / 390) ** 2) * 1440) / total, 12);
    expect(EQUITY_SESSION.intensity(at(3, 0))).toBeCloseTo((0.05 * 1440) / total, 12);
  });

  it('FX, commodities and crypto run flat around the clock', () => {
    expect(ROUND_THE_CLOCK.at(at(6, 0))).toBeCloseTo(0.25, 12);
    expect(ROUND_THE_CLOCK.at(NS_PER_DAY + at(12, 0))).toBeCloseTo(1.5, 12);
    expect(ROUND_THE_CLOCK.intensity(at(3, 17))).toBe(1);
  });
});

describe('news shocks', () => {
  const calm = (spec: InstrumentSpec): InstrumentSpec => ({ ...spec, volatility: 0 });

  it('jump 2-6% up or down, at the configured rate, each followed by a 5-15 s volume burst', () => {
    const specs = [calm(findInstrument('AAPL')!), calm(findInstrument('ETHUSD')!)];
    const paths = new PricePaths(specs, new SeededRandom(5), 0, 6); // six an hour
    const jumps: number[] = [];
    let prev = Array.from(paths.fair);
    let burstSeconds = 0;
    for (let s = 1; s <= 24 * 3600; s++) {
      paths.advance(s * 1e9);
      for (let i = 0; i < specs.length; i++) {
        const ratio = paths.fair[i]! / prev[i]!;
        if (ratio !== 1) jumps.push(ratio - 1);
        if (paths.inNewsBurst(i, s * 1e9)) burstSeconds++;
      }
      prev = Array.from(paths.fair);
    }
    // 2 symbols x 24 h x 6 per hour = 288 expected (Poisson sd 17); two in one second is rare.
    expect(jumps.length).toBeGreaterThan(288 - 60);
    expect(jumps.length).toBeLessThan(288 + 60);
    for (const j of jumps) {
      if (!(Math.abs(j) >= 0.02 - 1e-12 && Math.abs(j) <= 0.06 + 1e-12)) expect.fail(`a jump of ${j}`);
    }
    const ups = jumps.filter((j) => j > 0).length;
    expect(ups / jumps.length).toBeGreaterThan(0.38);
    expect(ups / jumps.length).toBeLessThan(0.62);
    // Each burst lasts 10 s on average.
    expect(burstSeconds / jumps.length).toBeGreaterThan(8);
    expect(burstSeconds / jumps.length).toBeLessThan(12);
  });

  it('no shocks when newsPerHour is 0, and prices stay on the tick grid and positive', () => {
    const paths = new PricePaths([calm(findInstrument('ADAUSD')!)], new SeededRandom(5), 0, 0);
    paths.advance(10 * HOUR);
    expect(paths.fair[0]).toBe(700_000);
    // A fall of 99.999% still leaves one tick.
    paths.moveInstrument(0, Math.log(1e-6));
    expect(paths.tickPrice(0)).toBe(100);
  });
});
