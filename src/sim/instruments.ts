// The simulated universe: the seed demo's eight tech stocks (its start prices and volatilities),
// plus the FX pairs, commodities and coins the demo's roadmap asks for. Each entry carries what the
// wire's Instrument message needs and what the price model needs (volatility, beta, sector).
import { AssetClass, Exchange } from '../wire/generated/index.js';
import { PRICE_SCALE } from '../wire/codec.js';
import { FrameWriter } from './frame-writer.js';

export interface InstrumentSpec {
  /** Ticker, as on the wire: AAPL, EURUSD, BTCUSD. */
  readonly symbol: string;
  readonly assetClass: AssetClass;
  /** Venues quoting it; the first is the primary listing. */
  readonly exchanges: readonly Exchange[];
  /** Price increment in wire ticks (PRICE_SCALE units): 0.01 USD is 10_000. */
  readonly tickSize: number;
  /** Quantity increment, whole units (shares, currency units, ounces, barrels, coins). */
  readonly lotSize: number;
  /** Price at the simulator's start, wire ticks, on the tick grid. */
  readonly startPrice: number;
  /** Annualized volatility over calendar time (0.25 = 25%). */
  readonly volatility: number;
  /** Loading on its asset class's market factor (for FX the factor is the US dollar's strength). */
  readonly beta: number;
  readonly sector: string;
  /** Quote currency (ISO 4217). */
  readonly currency: string;
  /** USD value of one unit of the quote currency: sizes orders and limits across currencies. */
  readonly usdPerQuoteUnit: number;
  /** Median size of a print, whole units. */
  readonly tradeSize: number;
}

const EQUITY_VENUES: readonly Exchange[] = [Exchange.NYSE, Exchange.NASDAQ, Exchange.BATS];
const CENT = PRICE_SCALE / 100;

function equity(symbol: string, price: number, volatility: number, beta: number, sector: string): InstrumentSpec {
  return {
    symbol,
    assetClass: AssetClass.EQUITY,
    exchanges: EQUITY_VENUES,
    tickSize: CENT,
    lotSize: 1,
    startPrice: price * PRICE_SCALE,
    volatility,
    beta,
    sector,
    currency: 'USD',
    usdPerQuoteUnit: 1,
    tradeSize: 100,
  };
}

// Betas stay within 0.9–1.25 (TSLA's real beta is nearer 2) so that a crash of the equity market
// factor moves every name by a similar amount, as the seed's "market volatility event" shows it.
export const UNIVERSE: readonly InstrumentSpec[] = [
  equity('AAPL', 175, 0.25, 1.05, 'Technology'),
  equity('GOOGL', 140, 0.3, 1.0, 'Communication Services'),
  equity('MSFT', 350, 0.25, 0.95, 'Technology'),
  equity('AMZN', 140, 0.35, 1.1, 'Consumer Discretionary'),
  equity('TSLA', 250, 0.5, 1.25, 'Consumer Discretionary'),
  equity('NVDA', 450, 0.4, 1.2, 'Technology'),
  equity('META', 320, 0.35, 1.1, 'Communication Services'),
  equity('NFLX', 450, 0.4, 0.9, 'Communication Services'),
  // FX: the market factor is the dollar, so the EUR and GBP pairs load on it negatively.
  {
    symbol: 'EURUSD', assetClass: AssetClass.FX, exchanges: [Exchange.FX_ECN], tickSize: 10, lotSize: 1000,
    startPrice: 1_085_000, volatility: 0.07, beta: -1.0, sector: 'Europe', currency: 'USD', usdPerQuoteUnit: 1,
    tradeSize: 100_000,
  },
  {
    symbol: 'GBPUSD', assetClass: AssetClass.FX, exchanges: [Exchange.FX_ECN], tickSize: 10, lotSize: 1000,
    startPrice: 1_270_000, volatility: 0.08, beta: -0.9, sector: 'Europe', currency: 'USD', usdPerQuoteUnit: 1,
    tradeSize: 100_000,
  },
  {
    symbol: 'USDJPY', assetClass: AssetClass.FX, exchanges: [Exchange.FX_ECN], tickSize: 1000, lotSize: 1000,
    startPrice: 157_000_000, volatility: 0.1, beta: 0.8, sector: 'Asia', currency: 'JPY', usdPerQuoteUnit: 1 / 157,
    tradeSize: 100_000,
  },
  {
    symbol: 'XAUUSD', assetClass: AssetClass.COMMODITY, exchanges: [Exchange.CME], tickSize: 100_000, lotSize: 1,
    startPrice: 2_650_000_000, volatility: 0.15, beta: 1.0, sector: 'Precious Metals', currency: 'USD',
    usdPerQuoteUnit: 1, tradeSize: 10,
  },
  {
    symbol: 'XAGUSD', assetClass: AssetClass.COMMODITY, exchanges: [Exchange.CME], tickSize: 5_000, lotSize: 1,
    startPrice: 31_000_000, volatility: 0.28, beta: 1.2, sector: 'Precious Metals', currency: 'USD',
    usdPerQuoteUnit: 1, tradeSize: 500,
  },
  {
    symbol: 'WTI', assetClass: AssetClass.COMMODITY, exchanges: [Exchange.NYMEX], tickSize: CENT, lotSize: 1,
    startPrice: 72_000_000, volatility: 0.35, beta: 0.6, sector: 'Energy', currency: 'USD', usdPerQuoteUnit: 1,
    tradeSize: 1000,
  },
  // Quantities are whole units on the wire, so coins trade in whole coins.
  {
    symbol: 'BTCUSD', assetClass: AssetClass.CRYPTO, exchanges: [Exchange.CRYPTO], tickSize: CENT, lotSize: 1,
    startPrice: 95_000_000_000, volatility: 0.5, beta: 1.0, sector: 'Store of Value', currency: 'USD',
    usdPerQuoteUnit: 1, tradeSize: 1,
  },
  {
    symbol: 'ETHUSD', assetClass: AssetClass.CRYPTO, exchanges: [Exchange.CRYPTO], tickSize: CENT, lotSize: 1,
    startPrice: 3_400_000_000, volatility: 0.65, beta: 1.15, sector: 'Smart Contract Platforms', currency: 'USD',
    usdPerQuoteUnit: 1, tradeSize: 5,
  },
  {
    symbol: 'ADAUSD', assetClass: AssetClass.CRYPTO, exchanges: [Exchange.CRYPTO], tickSize: 100, lotSize: 1,
    startPrice: 700_000, volatility: 0.85, beta: 1.3, sector: 'Smart Contract Platforms', currency: 'USD',
    usdPerQuoteUnit: 1, tradeSize: 5000,
  },
];

const BY_SYMBOL = new Map(UNIVERSE.map((spec) => [spec.symbol, spec]));

/** The universe entry for a symbol, or undefined. */
export function findInstrument(symbol: string): InstrumentSpec | undefined {
  return BY_SYMBOL.get(symbol);
}

/** USD value of one unit of the instrument at `price` wire ticks. */
export function unitValueUsd(spec: InstrumentSpec, price: number): number {
  return (price / PRICE_SCALE) * spec.usdPerQuoteUnit;
}

/** One Instrument frame per listing (symbol and exchange), in universe order. */
export function instrumentFrames(instruments: readonly InstrumentSpec[] = UNIVERSE): Uint8Array[] {
  const writer = new FrameWriter();
  const frames: Uint8Array[] = [];
  for (const spec of instruments) {
    for (const exchange of spec.exchanges) {
      frames.push(
        writer.instrument(spec.symbol, exchange, spec.assetClass, spec.tickSize, spec.lotSize, spec.sector, spec.currency),
      );
    }
  }
  return frames;
}
