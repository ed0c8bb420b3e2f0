// Each symbol's quotes on each exchange that lists it: a spread of a few ticks around the fair price
// and sizes of the venue's own. Now and then one venue of a multi-venue symbol falls out of line for a
// few seconds (it lags, showing a stale price, or is offset by 15–30 bp), so that its bid can exceed
// another venue's ask: the opportunities the arbitrage job looks for.
import type { Exchange } from '../wire/generated/index.js';
import type { InstrumentSpec } from './instruments.js';
import type { PricePaths } from './price-paths.js';
import type { SeededRandom } from './prng.js';

// Per multi-venue symbol, one natural dislocation every two simulated minutes on average.
const DISLOCATION_MEAN_GAP_NS = 120_000_000_000;
const DISLOCATION_MIN_NS = 2_000_000_000;
const DISLOCATION_MAX_NS = 5_000_000_000;
const DISLOCATION_MIN_BP = 15;
const DISLOCATION_MAX_BP = 30;
const LAG_SHARE = 0.4;
const MAX_SPREAD_TICKS = 3;
// Displayed depth is this many typical prints, spread log-normally.
const DEPTH_IN_PRINTS = 20;
const DEPTH_LOG_SD = 0.6;

/** One symbol on one exchange: its last quote, last print and session volume. */
export class Listing {
  bid = 0;
  ask = 0;
  /** Units printed on this exchange since the simulator started: the run is one session. */
  volume = 0;
  /** Offset of a natural dislocation, bp (0 when in line). */
  dislocationBp = 0;
  /** Offset set by the arbitrage scenario, bp. */
  scenarioBp = 0;
  /** While the venue lags: the fair price it is stuck on (0 when current). */
  staleFair = 0;

  constructor(
    readonly instrument: number,
    readonly symbol: string,
    readonly exchange: Exchange,
    /** Last print, wire ticks; the start price until the first trade. */
    public last: number,
  ) {}
}

export class Venues {
  /** Every listing, instruments in order, exchanges in listing order. */
  readonly listings: Listing[] = [];
  /** The listings of each instrument. */
  readonly bySymbol: Listing[][] = [];
  private readonly tick: Float64Array;
  private readonly lot: Float64Array;
  private readonly depth: Float64Array;
  private readonly nextDislocationAt: Float64Array;
  private readonly dislocationEndsAt: Float64Array;
  private readonly dislocated: (Listing | null)[];

  constructor(
    instruments: readonly InstrumentSpec[],
    private readonly rng: SeededRandom,
  ) {
    const n = instruments.length;
    this.tick = new Float64Array(n);
    this.lot = new Float64Array(n);
    this.depth = new Float64Array(n);
    this.nextDislocationAt = new Float64Array(n);
    this.dislocationEndsAt = new Float64Array(n);
    this.dislocated = new Array<Listing | null>(n).fill(null);
    for (let i = 0; i < n; i++) {
      const spec = instruments[i]!;
      this.tick[i] = spec.tickSize;
      this.lot[i] = spec.lotSize;
      this.depth[i] = spec.tradeSize * DEPTH_IN_PRINTS;
      const own = spec.exchanges.map((exchange) => new Listing(i, spec.symbol, exchange, spec.startPrice));
      this.bySymbol.push(own);
      this.listings.push(...own);
      this.nextDislocationAt[i] = own.length > 1 ? rng.exponential(DISLOCATION_MEAN_GAP_NS) : Infinity;
    }
  }

  /** Starts the natural dislocations due by `nowNs` and ends the ones that are over. */
  update(nowNs: number, paths: PricePaths): void {
    const rng = this.rng;
    for (let i = 0; i < this.bySymbol.length; i++) {
      const current = this.dislocated[i]!;
      if (current !== null && nowNs >= this.dislocationEndsAt[i]!) {
        current.dislocationBp = 0;
        current.staleFair = 0;
        this.dislocated[i] = null;
        this.nextDislocationAt[i] = nowNs + rng.exponential(DISLOCATION_MEAN_GAP_NS);
      }
      if (this.dislocated[i] === null && nowNs >= this.nextDislocationAt[i]!) {
        const own = this.bySymbol[i]!;
        const listing = own[rng.below(own.length)]!;
        if (rng.chance(LAG_SHARE)) listing.staleFair = paths.fair[i]!;
        else listing.dislocationBp = rng.sign() * rng.between(DISLOCATION_MIN_BP, DISLOCATION_MAX_BP);
        this.dislocated[i] = listing;
        this.dislocationEndsAt[i] = nowNs + rng.between(DISLOCATION_MIN_NS, DISLOCATION_MAX_NS);
      }
    }
  }

  /**
   * Sets the listing's bid and ask (wire ticks, on the grid, bid >= one tick, ask > bid): 1–3 ticks
   * wide, times `widen` in stressed markets, around the venue's view of the fair price.
   */
  price(listing: Listing, fair: number, widen: number): void {
    const tick = this.tick[listing.instrument]!;
    const reference = listing.staleFair > 0 ? listing.staleFair : fair;
    const offsetBp = listing.dislocationBp + listing.scenarioBp;
    const midTicks = Math.round((reference * (1 + offsetBp * 1e-4)) / tick);
    const spread = (1 + this.rng.below(MAX_SPREAD_TICKS)) * widen;
    let bidTicks = midTicks - (spread >> 1);
    if (bidTicks < 1) bidTicks = 1;
    listing.bid = bidTicks * tick;
    listing.ask = (bidTicks + spread) * tick;
  }

  /** A displayed size for one side of the instrument's quote: whole lots, at least one. */
  size(instrument: number): number {
    const lot = this.lot[instrument]!;
    const lots = Math.round((this.depth[instrument]! * Math.exp(DEPTH_LOG_SD * this.rng.gaussian())) / lot);
    return (lots < 1 ? 1 : lots) * lot;
  }
}
