// The simulated traders TRADER_001, TRADER_002, ...: each has an AccountPolicy and a trading style, and
// sends orders around the current mid (passive limits, limits that cross the spread so the engine
// has fills, market makers' two-sided quotes, MARKET and IOC/FOK orders) and cancels or replaces its
// own resting orders. Order ids are (trader index << 40) | per-trader counter, unique across traders.
import { Body, OrderType, Side, TimeInForce } from '../wire/generated/index.js';
import { PRICE_SCALE } from '../wire/codec.js';
import type { FrameWriter, PolicyLimits, PositionCap } from './frame-writer.js';
import { type InstrumentSpec, unitValueUsd } from './instruments.js';
import type { SeededRandom } from './prng.js';

/** The limits every simulated account gets (money at PRICE_SCALE). */
export const TRADER_LIMITS: PolicyLimits = {
  maxOrderQty: 1_000_000, // units: covers a 1M-unit FX order
  maxOrderNotional: 500_000 * PRICE_SCALE,
  defaultPositionCap: 10_000, // units, for symbols without a cap of their own
  grossExposureLimit: 4_000_000 * PRICE_SCALE, // the initial cash at the maximum leverage
  maxLeverageBp: 40_000, // 4x
  dailyLossLimit: 50_000 * PRICE_SCALE,
  initialCash: 1_000_000 * PRICE_SCALE,
};

/** A position's cap in USD: the seed flags POSITION_LIMIT_EXCEEDED above |position * price| = 1,000,000. */
export const POSITION_CAP_USD = 1_000_000;

/** Largest supported trader count: names have three digits. */
export const MAX_TRADERS = 999;

// 2^40: the trader index sits above the per-trader counter.
const ORDER_ID_TRADER_UNIT = 1_099_511_627_776;
// A trader stops tracking a resting order after this long (it assumes it filled or no longer cares).
const FORGET_AFTER_NS = 90_000_000_000;
const MAX_TRACKED = 64;
const WATCHLIST_SIZE = 4;
// Order notional: log-normal around this median, USD.
const ORDER_NOTIONAL_USD = 25_000;
const ORDER_NOTIONAL_LOG_SD = 0.8;
// Now and then an order is far too large: the pre-trade risk checks have something to reject.
const FAT_FINGER_SHARE = 0.002;
const FAT_FINGER_FACTOR = 25;

/** TRADER_001 for index 1. */
export function traderName(index: number): string {
  return `TRADER_${String(index).padStart(3, '0')}`;
}

/** (traderIndex << 40) | counter, as a number: exact, since both stay far below 2^53. */
export function orderIdOf(traderIndex: number, counter: number): number {
  return traderIndex * ORDER_ID_TRADER_UNIT + counter;
}

/** Per-symbol position caps: what POSITION_CAP_USD buys at the start price, in whole lots. */
export function positionCaps(instruments: readonly InstrumentSpec[]): PositionCap[] {
  return instruments.map((spec) => ({
    symbol: spec.symbol,
    maxPosition: Math.floor(POSITION_CAP_USD / unitValueUsd(spec, spec.startPrice) / spec.lotSize) * spec.lotSize,
  }));
}

/** What a trader needs to know about the market. */
export interface MarketView {
  /** Mid price on the tick grid, wire ticks. */
  mid(instrument: number): number;
  /** Probability that flow in the instrument is selling right now. */
  sellShare(instrument: number): number;
}

/** Shares of a style's decisions (each given that the previous ones did not happen). */
interface TradingStyle {
  readonly name: string;
  readonly strategyId: string | null;
  readonly cancel: number;
  readonly replace: number;
  /** New orders that are a two-sided quote (a bid and an ask). */
  readonly twoSided: number;
  readonly market: number;
  readonly ioc: number;
  readonly fok: number;
  /** GTC limits priced through the mid, so they fill against resting orders. */
  readonly crossing: number;
  readonly sizeScale: number;
}

// The seed's bot roster, condensed: passive market makers, momentum takers, random retail, and a
// "place and cancel" churner.
const MARKET_MAKER: TradingStyle = {
  name: 'market-maker', strategyId: 'mm', cancel: 0.15, replace: 0.15, twoSided: 0.6,
  market: 0.02, ioc: 0.03, fok: 0, crossing: 0.1, sizeScale: 1,
};
const MOMENTUM: TradingStyle = {
  name: 'momentum', strategyId: 'momentum', cancel: 0.05, replace: 0.05, twoSided: 0,
  market: 0.25, ioc: 0.2, fok: 0.05, crossing: 0.5, sizeScale: 1.5,
};
const RETAIL: TradingStyle = {
  name: 'retail', strategyId: null, cancel: 0.05, replace: 0.03, twoSided: 0,
  market: 0.15, ioc: 0.05, fok: 0, crossing: 0.3, sizeScale: 0.3,
};
const CHURNER: TradingStyle = {
  name: 'churner', strategyId: 'churn', cancel: 0.35, replace: 0.15, twoSided: 0,
  market: 0, ioc: 0.05, fok: 0, crossing: 0.05, sizeScale: 0.5,
};
const STYLE_ROTATION: readonly TradingStyle[] = [MARKET_MAKER, MOMENTUM, RETAIL, RETAIL, CHURNER];

interface RestingOrder {
  readonly id: number;
  readonly instrument: number;
  readonly side: Side;
  price: number;
  quantity: number;
  sentAt: number;
}

class SimulatedTrader {
  readonly account: string;
  /** Orders sent so far: the low 40 bits of the next order id. */
  sent = 0;
  /** GTC orders this trader still tracks, oldest first. */
  readonly resting: RestingOrder[] = [];

  constructor(
    readonly index: number,
    readonly style: TradingStyle,
    readonly watchlist: readonly number[],
  ) {
    this.account = traderName(index);
  }

  nextOrderId(): number {
    this.sent += 1;
    return orderIdOf(this.index, this.sent);
  }

  forgetOld(nowNs: number): void {
    const horizon = nowNs - FORGET_AFTER_NS;
    let stale = 0;
    while (stale < this.resting.length && this.resting[stale]!.sentAt < horizon) stale++;
    if (stale > 0) this.resting.splice(0, stale);
  }

  track(order: RestingOrder): void {
    if (this.resting.length >= MAX_TRACKED) this.resting.shift();
    this.resting.push(order);
  }
}

/** The ask of a market maker's two-sided quote, sent as the very next order event. */
interface PendingLeg {
  readonly trader: SimulatedTrader;
  readonly instrument: number;
  readonly price: number;
  readonly quantity: number;
}

export interface OrderEvent {
  readonly frame: Uint8Array;
  readonly type: Body;
}

export class TraderDesk {
  private readonly traders: SimulatedTrader[] = [];
  private readonly caps: PositionCap[];
  private pendingLeg: PendingLeg | null = null;

  constructor(
    count: number,
    private readonly instruments: readonly InstrumentSpec[],
    private readonly rng: SeededRandom,
    private readonly writer: FrameWriter,
  ) {
    this.caps = positionCaps(instruments);
    for (let index = 1; index <= count; index++) {
      const style = STYLE_ROTATION[(index - 1) % STYLE_ROTATION.length]!;
      this.traders.push(new SimulatedTrader(index, style, this.pickWatchlist()));
    }
  }

  /** One AccountPolicy frame per trader, to be sent before any order. */
  policyFrames(tsNs: bigint): Uint8Array[] {
    return this.traders.map((t) => this.writer.accountPolicy(t.account, TRADER_LIMITS, this.caps, 1, tsNs));
  }

  /** The next order, cancel or replace from some trader. */
  next(nowNs: number, tsNs: bigint, market: MarketView): OrderEvent {
    const leg = this.pendingLeg;
    if (leg !== null) {
      this.pendingLeg = null;
      return this.newOrder(leg.trader, leg.instrument, Side.SELL, OrderType.LIMIT, TimeInForce.GTC, leg.price, leg.quantity, nowNs, tsNs);
    }
    const rng = this.rng;
    const trader = this.traders[rng.below(this.traders.length)]!;
    const style = trader.style;
    trader.forgetOld(nowNs);
    const resting = trader.resting;
    if (resting.length > 0 && rng.chance(style.cancel)) {
      const [order] = resting.splice(rng.below(resting.length), 1) as [RestingOrder];
      const spec = this.instruments[order.instrument]!;
      return { frame: this.writer.cancel(order.id, trader.account, spec.symbol, tsNs), type: Body.Cancel };
    }
    if (resting.length > 0 && rng.chance(style.replace)) {
      const [order] = resting.splice(rng.below(resting.length), 1) as [RestingOrder];
      const spec = this.instruments[order.instrument]!;
      // Re-peg passively at the current mid with a new size; the order is fresh again, so it moves
      // to the young end of the list.
      order.price = limitPrice(order.side, market.mid(order.instrument), spec.tickSize, rng.between(0, 10), false);
      order.quantity = wholeLots(order.quantity * rng.between(0.5, 1.5), spec.lotSize);
      order.sentAt = nowNs;
      resting.push(order);
      const frame = this.writer.replace(order.id, trader.account, spec.symbol, order.price, order.quantity, tsNs);
      return { frame, type: Body.Replace };
    }

    const instrument = trader.watchlist[rng.below(trader.watchlist.length)]!;
    const spec = this.instruments[instrument]!;
    const mid = market.mid(instrument);
    const quantity = this.orderQuantity(spec, mid, style.sizeScale);
    if (rng.chance(style.twoSided)) {
      const halfSpreadBp = rng.between(1, 6);
      const bid = limitPrice(Side.BUY, mid, spec.tickSize, halfSpreadBp, false);
      const ask = limitPrice(Side.SELL, mid, spec.tickSize, halfSpreadBp, false);
      this.pendingLeg = { trader, instrument, price: ask, quantity };
      return this.newOrder(trader, instrument, Side.BUY, OrderType.LIMIT, TimeInForce.GTC, bid, quantity, nowNs, tsNs);
    }
    const side = rng.chance(market.sellShare(instrument)) ? Side.SELL : Side.BUY;
    const kind = rng.uniform();
    if (kind < style.market) {
      return this.newOrder(trader, instrument, side, OrderType.MARKET, TimeInForce.IOC, 0, quantity, nowNs, tsNs);
    }
    const crossingBp = rng.between(2, 10);
    if (kind < style.market + style.ioc + style.fok) {
      const tif = kind < style.market + style.ioc ? TimeInForce.IOC : TimeInForce.FOK;
      const price = limitPrice(side, mid, spec.tickSize, crossingBp, true);
      return this.newOrder(trader, instrument, side, OrderType.LIMIT, tif, price, quantity, nowNs, tsNs);
    }
    const crossing = rng.chance(style.crossing);
    const price = limitPrice(side, mid, spec.tickSize, crossing ? crossingBp : rng.between(0, 15), crossing);
    return this.newOrder(trader, instrument, side, OrderType.LIMIT, TimeInForce.GTC, price, quantity, nowNs, tsNs);
  }

  private newOrder(
    trader: SimulatedTrader,
    instrument: number,
    side: Side,
    type: OrderType,
    tif: TimeInForce,
    price: number,
    quantity: number,
    nowNs: number,
    tsNs: bigint,
  ): OrderEvent {
    const id = trader.nextOrderId();
    if (tif === TimeInForce.GTC) trader.track({ id, instrument, side, price, quantity, sentAt: nowNs });
    const spec = this.instruments[instrument]!;
    const frame = this.writer.order(id, trader.account, spec.symbol, side, type, tif, price, quantity, tsNs, trader.style.strategyId);
    return { frame, type: Body.Order };
  }

  private orderQuantity(spec: InstrumentSpec, mid: number, sizeScale: number): number {
    const rng = this.rng;
    let notional = ORDER_NOTIONAL_USD * sizeScale * Math.exp(ORDER_NOTIONAL_LOG_SD * rng.gaussian());
    if (rng.chance(FAT_FINGER_SHARE)) notional *= FAT_FINGER_FACTOR;
    return wholeLots(notional / unitValueUsd(spec, mid), spec.lotSize);
  }

  private pickWatchlist(): number[] {
    const all = this.instruments.map((_, i) => i);
    if (all.length <= WATCHLIST_SIZE) return all;
    const picked: number[] = [];
    while (picked.length < WATCHLIST_SIZE) picked.push(all.splice(this.rng.below(all.length), 1)[0]!);
    return picked;
  }
}

/** A quantity rounded to whole lots, at least one lot. */
function wholeLots(quantity: number, lot: number): number {
  const lots = Math.round(quantity / lot);
  return (lots < 1 ? 1 : lots) * lot;
}

/**
 * A limit price `bp` away from `mid` on the tick grid: through the mid when `aggressive` (a buy above
 * it, a sell below it), behind it otherwise; at least one tick from the mid and never below one tick.
 */
export function limitPrice(side: Side, mid: number, tick: number, bp: number, aggressive: boolean): number {
  const above = (side === Side.BUY) === aggressive;
  const midTicks = Math.round(mid / tick);
  let ticks: number;
  if (above) {
    ticks = Math.ceil((mid * (1 + bp * 1e-4)) / tick);
    if (ticks <= midTicks) ticks = midTicks + 1;
  } else {
    ticks = Math.floor((mid * (1 - bp * 1e-4)) / tick);
    if (ticks >= midTicks) ticks = midTicks - 1;
  }
  return (ticks < 1 ? 1 : ticks) * tick;
}
