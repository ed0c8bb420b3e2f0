// The universe: the seed demo's eight stocks with its start prices and volatilities, the FX pairs,
// commodities and coins, every start price on its tick grid, and one Instrument frame per listing.
import { describe, expect, it } from 'vitest';
import { UNIVERSE, findInstrument, instrumentFrames, unitValueUsd } from '../../src/sim/instruments.js';
import { AssetClass, Exchange, InstrumentT } from '../../src/wire/generated/index.js';
import { body } from './fixtures.js';

describe('universe', () => {
  it("has the seed's eight stocks at the seed's start prices and volatilities, on NYSE, NASDAQ and BATS", () => {
    // trading_data_generator.rs: (symbol, price, volatility)
    const seed: [string, number, number][] = [
      ['AAPL', 175, 0.25],
      ['GOOGL', 140, 0.3],
      ['MSFT', 350, 0.25],
      ['AMZN', 140, 0.35],
      ['TSLA', 250, 0.5],
      ['NVDA', 450, 0.4],
      ['META', 320, 0.35],
      ['NFLX', 450, 0.4],
    ];
    const equities = UNIVERSE.filter((s) => s.assetClass === AssetClass.EQUITY);
    expect(equities.map((s) => [s.symbol, s.startPrice / 1e6, s.volatility])).toEqual(seed);
    for (const s of equities) {
      expect(s.exchanges).toEqual([Exchange.NYSE, Exchange.NASDAQ, Exchange.BATS]);
      expect(s.tickSize).toBe(10_000); // one cent
      expect(s.beta).toBeGreaterThanOrEqual(0.9);
      expect(s.beta).toBeLessThanOrEqual(1.25);
    }
  });

  it('adds FX on FX_ECN, metals on CME, oil on NYMEX and coins on CRYPTO', () => {
    const venue = (symbol: string) => [findInstrument(symbol)!.assetClass, findInstrument(symbol)!.exchanges];
    expect(venue('EURUSD')).toEqual([AssetClass.FX, [Exchange.FX_ECN]]);
    expect(venue('GBPUSD')).toEqual([AssetClass.FX, [Exchange.FX_ECN]]);
    expect(venue('USDJPY')).toEqual([AssetClass.FX, [Exchange.FX_ECN]]);
    expect(venue('XAUUSD')).toEqual([AssetClass.COMMODITY, [Exchange.CME]]);
    expect(venue('XAGUSD')).toEqual([AssetClass.COMMODITY, [Exchange.CME]]);
    expect(venue('WTI')).toEqual([AssetClass.COMMODITY, [Exchange.NYMEX]]);
    expect(venue('BTCUSD')).toEqual([AssetClass.CRYPTO, [Exchange.CRYPTO]]);
    expect(venue('ETHUSD')).toEqual([AssetClass.CRYPTO, [Exchange.CRYPTO]]);
    expect(venue('ADAUSD')).toEqual([AssetClass.CRYPTO, [Exchange.CRYPTO]]);
    expect(UNIVERSE).toHaveLength(17);
    expect(findInstrument('IBM')).toBeUndefined();
  });

  it('start prices sit on the tick grid; sizes are whole lots', () => {
    for (const s of UNIVERSE) {
      expect(Number.isInteger(s.startPrice / s.tickSize), s.symbol).toBe(true);
      expect(s.startPrice).toBeGreaterThan(0);
      expect(Number.isInteger(s.tradeSize / s.lotSize), s.symbol).toBe(true);
    }
    // USDJPY is quoted in yen: one unit (a dollar) is worth one dollar.
    expect(unitValueUsd(findInstrument('USDJPY')!, 157_000_000)).toBeCloseTo(1, 12);
    expect(unitValueUsd(findInstrument('EURUSD')!, 1_085_000)).toBe(1.085);
  });
});

describe('instrumentFrames', () => {
  it('one Instrument frame per listing, in universe order', () => {
    const frames = instrumentFrames();
    expect(frames).toHaveLength(8 * 3 + 9);
    const listings = frames.map((f) => body<InstrumentT>(f));
    expect(listings.slice(0, 3)).toEqual([
      new InstrumentT('AAPL', Exchange.NYSE, AssetClass.EQUITY, 10_000n, 1n, 'Technology', 'USD'),
      new InstrumentT('AAPL', Exchange.NASDAQ, AssetClass.EQUITY, 10_000n, 1n, 'Technology', 'USD'),
      new InstrumentT('AAPL', Exchange.BATS, AssetClass.EQUITY, 10_000n, 1n, 'Technology', 'USD'),
    ]);
    expect(listings.find((i) => i.symbol === 'USDJPY')).toEqual(new InstrumentT('USDJPY', Exchange.FX_ECN, AssetClass.FX, 1000n, 1000n, 'Asia', 'JPY'));
    expect(listings.find((i) => i.symbol === 'XAUUSD')).toEqual(
      new InstrumentT('XAUUSD', Exchange.CME, AssetClass.COMMODITY, 100_000n, 1n, 'Precious Metals', 'USD'),
    );
    expect(instrumentFrames([findInstrument('BTCUSD')!]).map((f) => body<InstrumentT>(f))).toEqual([
      new InstrumentT('BTCUSD', Exchange.CRYPTO, AssetClass.CRYPTO, 10_000n, 1n, 'Store of Value', 'USD'),
    ]);
  });
});
