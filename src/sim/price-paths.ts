// Correlated fair-price paths for the simulated universe: a factor model (one market factor per asset
// class, one factor per sector, idiosyncratic noise) scaled by each instrument's volatility and the
// intraday variance clock, plus rare news shocks: a 2–6% jump followed by some seconds of heavy volume.
// Fair prices are continuous; fairPrice() and the quotes put them on the instrument's tick grid.
import { AssetClass } from '../wire/generated/index.js';
import type { InstrumentSpec } from './instruments.js';
import { type VarianceClock, varianceClockFor } from './intraday-volatility.js';
import type { SeededRandom } from './prng.js';

const DAYS_PER_YEAR = 365.25;
const NS_PER_HOUR = 3_600_000_000_000;

export const NEWS_MOVE_MIN = 0.02;
export const NEWS_MOVE_MAX = 0.06;
const NEWS_BURST_MIN_NS = 5_000_000_000;
const NEWS_BURST_MAX_NS = 15_000_000_000;

/**
 * How much of an instrument's normalized move comes from each source; the squares sum to 1, so the
 * instrument's volatility is exactly its spec's, and two instruments' return correlation is
 * market_a * market_b (same asset class) + sector_a * sector_b (same sector).
 */
export interface FactorLoadings {
  readonly market: number;
  readonly sector: number;
  readonly idiosyncratic: number;
}

// Per asset class: the market factor's loading at beta 1, and the sector factor's loading. Equities
// and crypto move together most; commodities follow their sector (metals, energy) more than the class.
const CLASS_LOADINGS: ReadonlyMap<AssetClass, { market: number; sector: number }> = new Map([
  [AssetClass.EQUITY, { market: 0.55, sector: 0.45 }],
  [AssetClass.FX, { market: 0.6, sector: 0.5 }],
  [AssetClass.COMMODITY, { market: 0.4, sector: 0.6 }],
  [AssetClass.CRYPTO, { market: 0.7, sector: 0.3 }],
  [AssetClass.BOND, { market: 0.7, sector: 0.3 }],
]);

export function factorLoadings(spec: InstrumentSpec): FactorLoadings {
  const cls = CLASS_LOADINGS.get(spec.assetClass);
  if (cls === undefined) throw new Error(`${spec.symbol}: no factor loadings for asset class ${spec.assetClass}`);
  const market = spec.beta * cls.market;
  const common = market * market + cls.sector * cls.sector;
  if (common > 1) throw new Error(`${spec.symbol}: beta ${spec.beta} leaves no room for idiosyncratic variance`);
  return { market, sector: cls.sector, idiosyncratic: Math.sqrt(1 - common) };
}

export class PricePaths {
  /** Fair price of each instrument, wire ticks, continuous (not yet on the tick grid). */
  readonly fair: Float64Array;
  /** Elapsed ns until which a news shock's volume burst lasts (0: none yet). */
  readonly newsBurstUntil: Float64Array;
  /** Direction of the last news shock: +1 good news, -1 bad. */
  readonly newsDirection: Int8Array;

  private readonly count: number;
  private readonly tick: Float64Array;
  private readonly vol: Float64Array;
  private readonly beta: Float64Array;
  private readonly marketLoading: Float64Array;
  private readonly sectorLoading: Float64Array;
  private readonly idioLoading: Float64Array;
  private readonly classOf: Uint8Array; // index into classes
  private readonly sectorOf: Uint8Array; // index into sectors
  private readonly classes: AssetClass[] = [];
  private readonly clocks: VarianceClock[] = [];
  private readonly clockAtLast: Float64Array;
  private readonly classVariance: Float64Array; // scratch: variance (years) of the current step
  private readonly marketDraw: Float64Array; // scratch
  private readonly sectorDraw: Float64Array; // scratch
  private readonly nextNewsAt: Float64Array;
  private readonly newsMeanGapNs: number;
  private lastNs = 0;

  /**
   * @param startOfDayNs ns from midnight UTC to the simulator's first event (places the session)
   * @param newsPerHour mean news shocks per instrument per simulated hour (0: none)
   */
  constructor(
    instruments: readonly InstrumentSpec[],
    private readonly rng: SeededRandom,
    private readonly startOfDayNs: number,
    newsPerHour: number,
  ) {
    const n = (this.count = instruments.length);
    this.fair = new Float64Array(n);
    this.newsBurstUntil = new Float64Array(n);
    this.newsDirection = new Int8Array(n);
    this.tick = new Float64Array(n);
    this.vol = new Float64Array(n);
    this.beta = new Float64Array(n);
    this.marketLoading = new Float64Array(n);
    this.sectorLoading = new Float64Array(n);
    this.idioLoading = new Float64Array(n);
    this.classOf = new Uint8Array(n);
    this.sectorOf = new Uint8Array(n);
    this.nextNewsAt = new Float64Array(n);
    const sectors: string[] = [];
    for (let i = 0; i < n; i++) {
      const spec = instruments[i]!;
      const loadings = factorLoadings(spec);
      this.fair[i] = spec.startPrice;
      this.tick[i] = spec.tickSize;
      this.vol[i] = spec.volatility;
      this.beta[i] = spec.beta;
      this.marketLoading[i] = loadings.market;
      this.sectorLoading[i] = loadings.sector;
      this.idioLoading[i] = loadings.idiosyncratic;
      let c = this.classes.indexOf(spec.assetClass);
      if (c < 0) {
        c = this.classes.push(spec.assetClass) - 1;
        this.clocks.push(varianceClockFor(spec.assetClass));
      }
      this.classOf[i] = c;
      // Sectors are keyed by class too: "Energy" equities and "Energy" commodities are different factors.
      const sectorKey = `${spec.assetClass}/${spec.sector}`;
      let s = sectors.indexOf(sectorKey);
      if (s < 0) s = sectors.push(sectorKey) - 1;
      this.sectorOf[i] = s;
    }
    this.clockAtLast = new Float64Array(this.classes.length);
    for (let c = 0; c < this.classes.length; c++) this.clockAtLast[c] = this.clocks[c]!.at(startOfDayNs);
    this.classVariance = new Float64Array(this.classes.length);
    this.marketDraw = new Float64Array(this.classes.length);
    this.sectorDraw = new Float64Array(sectors.length);
    this.newsMeanGapNs = newsPerHour > 0 ? NS_PER_HOUR / newsPerHour : Infinity;
    for (let i = 0; i < n; i++) this.nextNewsAt[i] = this.newsMeanGapNs === Infinity ? Infinity : rng.exponential(this.newsMeanGapNs);
  }

  /** Moves every fair price from the last step to `nowNs` (elapsed since the first event). */
  advance(nowNs: number): void {
    if (nowNs <= this.lastNs) return;
    const rng = this.rng;
    const at = this.startOfDayNs + nowNs;
    for (let c = 0; c < this.classes.length; c++) {
      const clockNow = this.clocks[c]!.at(at);
      this.classVariance[c] = (clockNow - this.clockAtLast[c]!) / DAYS_PER_YEAR;
      this.clockAtLast[c] = clockNow;
      this.marketDraw[c] = rng.gaussian();
    }
    for (let s = 0; s < this.sectorDraw.length; s++) this.sectorDraw[s] = rng.gaussian();
    for (let i = 0; i < this.count; i++) {
      const c = this.classOf[i]!;
      const variance = this.classVariance[c]!;
      const vol = this.vol[i]!;
      const z =
        this.marketLoading[i]! * this.marketDraw[c]! +
        this.sectorLoading[i]! * this.sectorDraw[this.sectorOf[i]!]! +
        this.idioLoading[i]! * rng.gaussian();
      // The -vol²/2 term keeps the price (not its log) free of drift.
      let price = this.fair[i]! * Math.exp(vol * Math.sqrt(variance) * z - 0.5 * vol * vol * variance);
      while (this.nextNewsAt[i]! <= nowNs) {
        const shockAt = this.nextNewsAt[i]!;
        const direction = rng.sign();
        price *= 1 + direction * rng.between(NEWS_MOVE_MIN, NEWS_MOVE_MAX);
        this.newsDirection[i] = direction;
        this.newsBurstUntil[i] = shockAt + rng.between(NEWS_BURST_MIN_NS, NEWS_BURST_MAX_NS);
        this.nextNewsAt[i] = shockAt + rng.exponential(this.newsMeanGapNs);
      }
      this.fair[i] = price;
    }
    this.lastNs = nowNs;
  }

  /** A move of an asset class's market factor: each instrument of the class moves beta times `logMove`. */
  moveMarket(assetClass: AssetClass, logMove: number): void {
    const c = this.classes.indexOf(assetClass);
    if (c < 0) return;
    for (let i = 0; i < this.count; i++) {
      if (this.classOf[i] === c) this.fair[i] = this.fair[i]! * Math.exp(this.beta[i]! * logMove);
    }
  }

  /** A move of one instrument alone. */
  moveInstrument(instrument: number, logMove: number): void {
    this.fair[instrument] = this.fair[instrument]! * Math.exp(logMove);
  }

  /** The fair price on the tick grid, wire ticks; never below one tick. */
  tickPrice(instrument: number): number {
    const tick = this.tick[instrument]!;
    const price = Math.round(this.fair[instrument]! / tick) * tick;
    return price < tick ? tick : price;
  }

  /** True while a news shock's volume burst is on. */
  inNewsBurst(instrument: number, nowNs: number): boolean {
    return nowNs < this.newsBurstUntil[instrument]!;
  }
}
