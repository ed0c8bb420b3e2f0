// The market simulator: from a seed, a deterministic stream of wire frames in event time: quotes and
// trade prints of every symbol on each of its exchanges, and the simulated traders' orders, cancels
// and replaces. It is what `tickwave run` consumes when no Kafka source is configured.
//
// Thread-safety: not safe for use from multiple threads; one simulator per thread.
import { type AssetClass, Body, type Exchange, Side } from '../wire/generated/index.js';
import { Venues } from './exchanges.js';
import { FrameWriter } from './frame-writer.js';
import { type InstrumentSpec, findInstrument, instrumentFrames } from './instruments.js';
import { NS_PER_DAY } from './intraday-volatility.js';
import { PricePaths } from './price-paths.js';
import { SeededRandom, streamSeed } from './prng.js';
import { type Scenario, type ScenarioName, planScenario, scenarioName } from './scenarios.js';
import { type ResolvedSimulatorOptions, type SimulatorOptions, resolveSimulatorOptions } from './simulator-options.js';
import { type MarketView, TraderDesk } from './traders.js';

export type { SimulatorOptions } from './simulator-options.js';

export interface SimEvent {
  /** A finished Envelope frame (a fresh copy, the caller's to keep). */
  readonly frame: Uint8Array;
  /** The Body union tag: Body.Quote, Body.Trade, Body.Order, Body.Cancel or Body.Replace. */
  readonly type: number;
  /** Event time, ns since the epoch (the frame's ts_ns or client_ts_ns). */
  readonly tsNs: bigint;
}

export interface ScenarioInfo {
  readonly name: ScenarioName;
  /** spike and arbitrage: the symbol; crash: null. */
  readonly symbol: string | null;
  /** arbitrage: the offset exchange; otherwise null. */
  readonly exchange: Exchange | null;
  /** crash: the asset class whose market factor falls; otherwise null. */
  readonly assetClass: AssetClass | null;
  readonly startNs: bigint;
  readonly endNs: bigint;
}

// Fair prices move every 10 simulated ms: often enough for quotes to look alive, seldom enough that
// the factor model's draws cost little per event (one step per 200 events at 20,000 events/s).
const PRICE_STEP_NS = 10_000_000;
// Print sizes: log-normal around the instrument's typical print, plus occasional block prints several
// times larger, which a "volume above 3x its 20-period average" detector catches now and then.
const PRINT_LOG_SD = 0.35;
const BLOCK_PRINT_SHARE = 0.0015;
const BLOCK_PRINT_MIN = 4;
const BLOCK_PRINT_MAX = 10;
// After a news shock: volume x5 for the burst, and most prints go with the news.
const NEWS_VOLUME_BOOST = 5;
const NEWS_WITH_FLOW_SHARE = 0.7;

// Independent random streams, so that e.g. the price paths do not change with the event mix.
const PRICE_STREAM = 1;
const FLOW_STREAM = 2;
const TRADER_STREAM = 3;

export class MarketSimulator {
  /** The options in force, defaults filled in. */
  readonly options: ResolvedSimulatorOptions;

  private readonly specs: readonly InstrumentSpec[];
  private readonly indexOf: ReadonlyMap<string, number>;
  private readonly writer = new FrameWriter();
  private readonly flow: SeededRandom;
  private readonly paths: PricePaths;
  private readonly venues: Venues;
  private readonly desk: TraderDesk | null;
  private readonly market: MarketView;
  // Order flow of each instrument, refreshed at every price step and trigger.
  private readonly volumeBoost: Float64Array;
  private readonly sellShare: Float64Array;
  private readonly spreadWiden: Float64Array;
  private readonly printSize: Float64Array;
  private readonly lotSize: Float64Array;
  private readonly orderCut: number;
  private readonly tradeCut: number;
  private readonly stepNs: number;
  private scenarios: Scenario[] = [];
  // Event time of the next event: ns since the first event (for the model), and since the epoch.
  private elapsedNs = 0;
  private clockNs: bigint;
  private lastStepNs = 0;
  private tradeId = 0;
  private emitted = 0;

  constructor(options?: SimulatorOptions) {
    const o = (this.options = resolveSimulatorOptions(options));
    this.specs = o.symbols.map((symbol) => findInstrument(symbol)!);
    this.indexOf = new Map(this.specs.map((spec, i) => [spec.symbol, i]));
    this.stepNs = Number(o.stepNs);
    this.clockNs = o.startNs;
    const startOfDayNs = Number(o.startNs % BigInt(NS_PER_DAY));
    this.paths = new PricePaths(this.specs, new SeededRandom(streamSeed(o.seed, PRICE_STREAM)), startOfDayNs, o.newsPerHour);
    this.flow = new SeededRandom(streamSeed(o.seed, FLOW_STREAM));
    this.venues = new Venues(this.specs, this.flow);
    this.desk = o.traders > 0 ? new TraderDesk(o.traders, this.specs, new SeededRandom(streamSeed(o.seed, TRADER_STREAM)), this.writer) : null;
    // With no traders, the order share goes to quotes.
    this.orderCut = this.desk === null ? 0 : o.orderShare;
    this.tradeCut = this.orderCut + o.tradeShare;
    const n = this.specs.length;
    this.volumeBoost = new Float64Array(n);
    this.sellShare = new Float64Array(n);
    this.spreadWiden = new Float64Array(n);
    this.printSize = new Float64Array(this.specs.map((spec) => spec.tradeSize));
    this.lotSize = new Float64Array(this.specs.map((spec) => spec.lotSize));
    const paths = this.paths;
    const sellShare = this.sellShare;
    this.market = {
      mid: (instrument) => paths.tickPrice(instrument),
      sellShare: (instrument) => sellShare[instrument]!,
    };
    this.refreshFlow(0);
  }

  /** Instrument frames (one per listing), then one AccountPolicy frame per trader: send before the stream. */
  setupFrames(): Uint8Array[] {
    const frames = instrumentFrames(this.specs);
    if (this.desk !== null) frames.push(...this.desk.policyFrames(this.options.startNs));
    return frames;
  }

  /** The next market or order event; event time advances by the step after each. */
  next(): SimEvent {
    const now = this.elapsedNs;
    if (now - this.lastStepNs >= PRICE_STEP_NS) this.stepMarket(now);
    const tsNs = this.clockNs;
    const roll = this.flow.uniform();
    let frame: Uint8Array;
    let type: number;
    if (roll < this.orderCut) {
      const order = this.desk!.next(now, tsNs, this.market);
      frame = order.frame;
      type = order.type;
    } else {
      const own = this.venues.bySymbol[this.flow.below(this.specs.length)]!;
      const listing = own.length === 1 ? own[0]! : own[this.flow.below(own.length)]!;
      const i = listing.instrument;
      this.venues.price(listing, this.paths.fair[i]!, this.spreadWiden[i]!);
      if (roll < this.tradeCut) {
        const sell = this.flow.uniform() < this.sellShare[i]!;
        const price = sell ? listing.bid : listing.ask;
        const quantity = this.printQuantity(i);
        listing.last = price;
        listing.volume += quantity;
        this.tradeId += 1;
        frame = this.writer.trade(listing.symbol, listing.exchange, price, quantity, sell ? Side.SELL : Side.BUY, this.tradeId, tsNs);
        type = Body.Trade;
      } else {
        const bidSize = this.venues.size(i);
        const askSize = this.venues.size(i);
        frame = this.writer.quote(listing.symbol, listing.exchange, listing.bid, listing.ask, bidSize, askSize, listing.last, listing.volume, tsNs);
        type = Body.Quote;
      }
    }
    this.elapsedNs = now + this.stepNs;
    this.clockNs = tsNs + this.options.stepNs;
    this.emitted += 1;
    return { frame, type, tsNs };
  }

  /**
   * Starts a scenario ('crash', 'spike' or 'arbitrage', see scenarios.ts) at the current simulated
   * time: that of the last event, or of the first if none was produced yet.
   */
  trigger(scenario: string, symbol?: string): void {
    const name = scenarioName(scenario);
    if (symbol !== undefined && typeof symbol !== 'string') {
      throw new TypeError(`trigger: symbol must be a string, got ${String(symbol)}`);
    }
    const now = this.currentNs();
    this.scenarios.push(planScenario(name, symbol, now, this.specs, this.venues));
    this.refreshFlow(now);
  }

  /** The scenarios still running, in the order they were triggered. */
  activeScenarios(): ScenarioInfo[] {
    const start = this.options.startNs;
    const now = this.currentNs();
    return this.scenarios
      .filter((s) => now < s.endNs)
      .map((s) => ({
        name: s.name,
        symbol: s.instrument >= 0 ? this.specs[s.instrument]!.symbol : null,
        exchange: s.exchange,
        assetClass: s.assetClass,
        startNs: start + BigInt(s.startNs),
        endNs: start + BigInt(s.endNs),
      }));
  }

  /** The symbol's current fair price in wire ticks, on its tick grid. */
  fairPrice(symbol: string): number {
    const i = this.indexOf.get(symbol);
    if (i === undefined) throw new RangeError(`fairPrice: ${JSON.stringify(symbol)} is not simulated; symbols: ${this.options.symbols.join(', ')}`);
    return this.paths.tickPrice(i);
  }

  /** The simulated instruments, in the order of the `symbols` option. */
  instruments(): readonly InstrumentSpec[] {
    return this.specs;
  }

  /** Events produced so far. */
  get eventCount(): number {
    return this.emitted;
  }

  private currentNs(): number {
    return this.emitted === 0 ? 0 : this.elapsedNs - this.stepNs;
  }

  private stepMarket(now: number): void {
    this.paths.advance(now);
    let anyOver = false;
    for (const s of this.scenarios) {
      const due = s.moveDue(now);
      if (due !== 0) {
        if (s.assetClass !== null) this.paths.moveMarket(s.assetClass, due);
        else this.paths.moveInstrument(s.instrument, due);
      }
      if (now >= s.endNs) anyOver = true;
    }
    if (anyOver) this.scenarios = this.scenarios.filter((s) => now < s.endNs);
    this.venues.update(now, this.paths);
    this.refreshFlow(now);
    this.lastStepNs = now;
  }

  // Volume, aggressor side and spreads of each instrument: news bursts first, scenarios on top.
  private refreshFlow(now: number): void {
    const paths = this.paths;
    for (let i = 0; i < this.specs.length; i++) {
      const burst = paths.inNewsBurst(i, now);
      this.volumeBoost[i] = burst ? NEWS_VOLUME_BOOST : 1;
      this.sellShare[i] = !burst ? 0.5 : paths.newsDirection[i]! > 0 ? 1 - NEWS_WITH_FLOW_SHARE : NEWS_WITH_FLOW_SHARE;
      this.spreadWiden[i] = 1;
    }
    for (const listing of this.venues.listings) listing.scenarioBp = 0;
    for (const s of this.scenarios) {
      if (!s.isActive(now)) continue;
      const e = s.effects;
      for (const i of s.targets) {
        this.volumeBoost[i] = this.volumeBoost[i]! * e.volumeBoost;
        if (!Number.isNaN(e.sellShare)) this.sellShare[i] = e.sellShare;
        if (e.spreadWiden > this.spreadWiden[i]!) this.spreadWiden[i] = e.spreadWiden;
      }
      if (s.listing !== null) s.listing.scenarioBp += e.offsetBp;
    }
  }

  private printQuantity(i: number): number {
    const flow = this.flow;
    let size = this.printSize[i]! * this.volumeBoost[i]! * Math.exp(PRINT_LOG_SD * flow.gaussian());
    if (flow.chance(BLOCK_PRINT_SHARE)) size *= flow.between(BLOCK_PRINT_MIN, BLOCK_PRINT_MAX);
    const lot = this.lotSize[i]!;
    const lots = Math.round(size / lot);
    return (lots < 1 ? 1 : lots) * lot;
  }
}
