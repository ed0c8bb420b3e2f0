// Order books and matching: the interface both implementations share and the TypeScript reference.
// The Wasm kernel (assembly/book.ts) implements the same rules; tests hold the two to the same
// execution reports and state hash after every operation.
//
// Rules:
// - One book per symbol, many symbols per instance. Price-time priority: better price first, then
//   arrival order within a price level. A trade happens at the resting order's price.
// - LIMIT and MARKET orders; STOP_LIMIT and STOP_MARKET wait until the symbol's last trade price
//   reaches the stop (buy: last >= stop; sell: last <= stop), then enter as LIMIT or MARKET, oldest
//   stop first; a stop already reached when submitted enters at once.
// - GTC rests what does not trade; IOC and MARKET cancel it (reason NO_LIQUIDITY); FOK trades in full
//   or is rejected (FOK_NOT_FILLABLE). Post-only (LIMIT GTC only) is rejected if it would trade.
// - Self-trade prevention, by the incoming order's mode, when it meets a resting order of the same
//   account: CANCEL_NEWEST cancels the incoming rest, CANCEL_OLDEST the resting order (matching goes
//   on), CANCEL_BOTH both (reason SELF_TRADE). With NONE the accounts may trade with each other.
// - Cancel; replace to a new total quantity and price: a lower (or equal) quantity at the same price
//   keeps the order's place; a new price or a higher quantity re-enters it at the back (and it may
//   trade).
// - Reports: NEW on acceptance; per trade, the resting order's report then the incoming one's
//   (PARTIAL or FILLED); CANCELLED, REJECTED (with a reason), REPLACED. Every report has a global
//   exec id and the order's own sequence number from 1.
//
// Thread-safety: an instance belongs to the worker that owns its symbols' partitions.
import { M64, mix64, u64 } from './state-hash.js';
import { ExecStatus, OrderType, RejectReason, SelfTradePrevention, Side, TimeInForce } from '../wire/generated/index.js';
import { instantiateKernel, KernelMemoryView } from '../runtime/kernel-module.js';

export interface BookOrder {
  orderId: bigint;
  account: number;
  symbol: number;
  side: Side;
  type: OrderType;
  tif: TimeInForce;
  postOnly: boolean;
  price: bigint;
  stopPrice: bigint;
  quantity: bigint;
  stp: SelfTradePrevention;
}

export interface ExecReport {
  orderId: bigint;
  execId: bigint;
  execSeq: number;
  status: ExecStatus;
  side: number;
  reason: RejectReason;
  lastQty: bigint;
  lastPrice: bigint;
  leavesQty: bigint;
  cumQty: bigint;
  account: number;
  symbol: number;
}

export interface PriceLevel {
  price: bigint;
  quantity: bigint;
}

export interface OrderBooks {
  submit(order: BookOrder): void;
  cancel(orderId: bigint): void;
  /** New total quantity (filled + leaves) and price. */
  replace(orderId: bigint, price: bigint, quantity: bigint): void;
  /** The reports of the last operation, in order. */
  reports(): ExecReport[];
  bestBid(symbol: number): PriceLevel | null;
  bestAsk(symbol: number): PriceLevel | null;
  /** Up to `levels` levels of one side, best first. */
  depth(symbol: number, side: Side, levels: number): PriceLevel[];
  stateHash(): bigint;
}

interface RefOrder {
  orderId: bigint;
  account: number;
  symbol: number;
  side: Side;
  type: OrderType;
  tif: TimeInForce;
  postOnly: boolean;
  price: bigint;
  stopPrice: bigint;
  leaves: bigint;
  cum: bigint;
  stp: SelfTradePrevention;
  seq: number;
}

interface RefLevel {
  price: bigint;
  orders: RefOrder[];
}

interface RefBook {
  symbol: number;
  /** Best first: bids descending, asks ascending. */
  bids: RefLevel[];
  asks: RefLevel[];
  stops: RefOrder[];
  lastTrade: bigint;
}


/** The TypeScript reference. */
export class OrderBooksReference implements OrderBooks {
  private readonly books = new Map<number, RefBook>();
  private readonly live = new Map<bigint, RefOrder>();
  private out: ExecReport[] = [];
  private execId = 0n;

  /**
   * @param maxOrders resting orders and waiting stops, in all books together
   * @param maxLevels price levels per side of one book
   * @param maxBooks symbols
   */
  constructor(
    private readonly maxOrders: number,
    private readonly maxLevels: number,
    private readonly maxBooks: number,
  ) {}

  reports(): ExecReport[] {
    return this.out;
  }

  private report(o: RefOrder, status: ExecStatus, reason: RejectReason, lastQty = 0n, lastPrice = 0n): void {
    this.out.push({
      orderId: o.orderId, execId: ++this.execId, execSeq: ++o.seq, status, side: o.side, reason, lastQty, lastPrice,
      leavesQty: o.leaves, cumQty: o.cum, account: o.account, symbol: o.symbol,
    });
  }

  private book(symbol: number, create: boolean): RefBook | null {
    let b = this.books.get(symbol);
    if (!b && create && this.books.size < this.maxBooks) {
      b = { symbol, bids: [], asks: [], stops: [], lastTrade: 0n };
      this.books.set(symbol, b);
    }
    return b ?? null;
  }

  submit(order: BookOrder): void {
    this.out = [];
    const o: RefOrder = {
      orderId: order.orderId, account: order.account, symbol: order.symbol, side: order.side, type: order.type, tif: order.tif,
      postOnly: order.postOnly, price: order.price, stopPrice: order.stopPrice, leaves: order.quantity, cum: 0n, stp: order.stp, seq: 0,
    };
    const reject = (reason: RejectReason) => {
      o.leaves = 0n;
      this.report(o, ExecStatus.REJECTED, reason);
    };
    const stop = o.type === OrderType.STOP_LIMIT || o.type === OrderType.STOP_MARKET;
    const limit = o.type === OrderType.LIMIT || o.type === OrderType.STOP_LIMIT;
    if (
      (o.side !== Side.BUY && o.side !== Side.SELL) ||
      o.type < OrderType.LIMIT || o.type > OrderType.STOP_MARKET ||
      o.tif < TimeInForce.GTC || o.tif > TimeInForce.FOK ||
      o.stp < SelfTradePrevention.NONE || o.stp > SelfTradePrevention.CANCEL_BOTH ||
      o.leaves <= 0n || (limit && o.price <= 0n) || (stop && o.stopPrice <= 0n) ||
      (o.postOnly && (o.type !== OrderType.LIMIT || o.tif !== TimeInForce.GTC))
    ) {
      return reject(RejectReason.INVALID_ORDER);
    }
    if (this.live.has(o.orderId)) return reject(RejectReason.DUPLICATE_ORDER_ID);
    const b = this.book(o.symbol, true);
    if (!b) return reject(RejectReason.BOOK_CAPACITY);
    const mayRest = stop || (o.type === OrderType.LIMIT && o.tif === TimeInForce.GTC);
    if (mayRest && this.live.size >= this.maxOrders) return reject(RejectReason.BOOK_CAPACITY);
    if (!stop) {
      if (o.postOnly && this.crosses(b, o)) return reject(RejectReason.POST_ONLY_WOULD_CROSS);
      if (o.tif === TimeInForce.FOK && this.fillable(b, o) < o.leaves) return reject(RejectReason.FOK_NOT_FILLABLE);
    }
    this.report(o, ExecStatus.NEW, RejectReason.NONE);
    if (stop) {
      if (b.lastTrade > 0n && this.reached(o, b.lastTrade)) this.enter(b, o, true);
      else {
        b.stops.push(o);
        this.live.set(o.orderId, o);
      }
    } else {
      this.enter(b, o, false);
    }
    this.triggerStops(b);
  }

  private reached(o: RefOrder, last: bigint): boolean {
    return o.side === Side.BUY ? last >= o.stopPrice : last <= o.stopPrice;
  }

  /** Whether a limit (or market) order would trade at once. */
  private crosses(b: RefBook, o: RefOrder): boolean {
    const best = (o.side === Side.BUY ? b.asks : b.bids)[0];
    if (!best) return false;
    if (o.type === OrderType.MARKET || o.type === OrderType.STOP_MARKET) return true;
    return o.side === Side.BUY ? o.price >= best.price : o.price <= best.price;
  }

  /** Quantity the order could trade now (same-account orders excluded when it prevents self-trades). */
  private fillable(b: RefBook, o: RefOrder): bigint {
    let total = 0n;
    const market = o.type === OrderType.MARKET || o.type === OrderType.STOP_MARKET;
    for (const level of o.side === Side.BUY ? b.asks : b.bids) {
      if (!market && (o.side === Side.BUY ? level.price > o.price : level.price < o.price)) break;
      for (const r of level.orders) if (o.stp === SelfTradePrevention.NONE || r.account !== o.account) total += r.leaves;
      if (total >= o.leaves) break;
    }
    return total;
  }

  /** Matches an order (triggered: a stop entering, already reported NEW), then rests or cancels the rest. */
  private enter(b: RefBook, o: RefOrder, triggered: boolean): void {
    if (triggered) {
      o.type = o.type === OrderType.STOP_LIMIT ? OrderType.LIMIT : o.type === OrderType.STOP_MARKET ? OrderType.MARKET : o.type;
      if (o.postOnly && this.crosses(b, o)) return this.cancelRest(o, RejectReason.POST_ONLY_WOULD_CROSS);
      if (o.tif === TimeInForce.FOK && this.fillable(b, o) < o.leaves) return this.cancelRest(o, RejectReason.FOK_NOT_FILLABLE);
    }
    const levels = o.side === Side.BUY ? b.asks : b.bids;
    const market = o.type === OrderType.MARKET;
    while (o.leaves > 0n && levels.length > 0) {
      const level = levels[0]!;
      if (!market && (o.side === Side.BUY ? level.price > o.price : level.price < o.price)) break;
      const r = level.orders[0]!;
      if (r.account === o.account && o.stp !== SelfTradePrevention.NONE) {
        if (o.stp === SelfTradePrevention.CANCEL_OLDEST || o.stp === SelfTradePrevention.CANCEL_BOTH) {
          this.removeResting(b, r);
          r.leaves = 0n;
          this.report(r, ExecStatus.CANCELLED, RejectReason.SELF_TRADE);
        }
        if (o.stp === SelfTradePrevention.CANCEL_NEWEST || o.stp === SelfTradePrevention.CANCEL_BOTH) {
          return this.cancelRest(o, RejectReason.SELF_TRADE);
        }
        continue;
      }
      const q = r.leaves < o.leaves ? r.leaves : o.leaves;
      r.leaves -= q;
      r.cum += q;
      o.leaves -= q;
      o.cum += q;
      b.lastTrade = level.price;
      if (r.leaves === 0n) this.removeResting(b, r);
      this.report(r, r.leaves === 0n ? ExecStatus.FILLED : ExecStatus.PARTIAL, RejectReason.NONE, q, level.price);
      this.report(o, o.leaves === 0n ? ExecStatus.FILLED : ExecStatus.PARTIAL, RejectReason.NONE, q, level.price);
    }
    if (o.leaves === 0n) return;
    if (o.type === OrderType.LIMIT && o.tif === TimeInForce.GTC) {
      if (!this.rest(b, o)) this.cancelRest(o, RejectReason.BOOK_CAPACITY);
    } else {
      this.cancelRest(o, RejectReason.NO_LIQUIDITY);
    }
  }

  private cancelRest(o: RefOrder, reason: RejectReason): void {
    o.leaves = 0n;
    this.report(o, ExecStatus.CANCELLED, reason);
  }

  /** Puts an order at the back of its price level; false when a new level does not fit. */
  private rest(b: RefBook, o: RefOrder): boolean {
    const levels = o.side === Side.BUY ? b.bids : b.asks;
    const better = (p: bigint, q: bigint) => (o.side === Side.BUY ? p > q : p < q);
    if (this.live.size >= this.maxOrders) return false;
    let i = 0;
    while (i < levels.length && better(levels[i]!.price, o.price)) i++;
    if (i < levels.length && levels[i]!.price === o.price) levels[i]!.orders.push(o);
    else {
      if (levels.length >= this.maxLevels) return false;
      levels.splice(i, 0, { price: o.price, orders: [o] });
    }
    this.live.set(o.orderId, o);
    return true;
  }

  private removeResting(b: RefBook, o: RefOrder): void {
    const levels = o.side === Side.BUY ? b.bids : b.asks;
    const i = levels.findIndex((l) => l.price === o.price);
    const level = levels[i]!;
    level.orders.splice(level.orders.indexOf(o), 1);
    if (level.orders.length === 0) levels.splice(i, 1);
    this.live.delete(o.orderId);
  }

  /** After a trade: stops reached by the last price enter, oldest first, until none is reached. */
  private triggerStops(b: RefBook): void {
    for (;;) {
      const i = b.stops.findIndex((s) => b.lastTrade > 0n && this.reached(s, b.lastTrade));
      if (i < 0) return;
      const s = b.stops.splice(i, 1)[0]!;
      this.live.delete(s.orderId);
      this.enter(b, s, true);
    }
  }

  cancel(orderId: bigint): void {
    this.out = [];
    const o = this.live.get(orderId);
    if (!o) return this.unknown(orderId);
    const b = this.books.get(o.symbol)!;
    const stop = b.stops.indexOf(o);
    if (stop >= 0) {
      b.stops.splice(stop, 1);
      this.live.delete(orderId);
    } else this.removeResting(b, o);
    o.leaves = 0n;
    this.report(o, ExecStatus.CANCELLED, RejectReason.NONE);
  }

  private unknown(orderId: bigint): void {
    this.out.push({
      orderId, execId: ++this.execId, execSeq: 0, status: ExecStatus.REJECTED, side: 0, reason: RejectReason.UNKNOWN_ORDER,
      lastQty: 0n, lastPrice: 0n, leavesQty: 0n, cumQty: 0n, account: 0, symbol: 0,
    });
  }

  replace(orderId: bigint, price: bigint, quantity: bigint): void {
    this.out = [];
    const o = this.live.get(orderId);
    const b = o ? this.books.get(o.symbol)! : null;
    if (!o || !b || b.stops.includes(o)) return this.unknown(orderId);
    if (price <= 0n || quantity <= o.cum) {
      this.report(o, ExecStatus.REJECTED, RejectReason.INVALID_ORDER);
      return;
    }
    const leaves = quantity - o.cum;
    if (price === o.price && leaves <= o.leaves) {
      // Same price, not larger: the order keeps its place.
      o.leaves = leaves;
      this.report(o, ExecStatus.REPLACED, RejectReason.NONE);
      return;
    }
    if (o.postOnly) {
      const probe = { ...o, price };
      if (this.crosses(b, probe)) {
        this.report(o, ExecStatus.REJECTED, RejectReason.POST_ONLY_WOULD_CROSS);
        return;
      }
    }
    this.removeResting(b, o);
    o.price = price;
    o.leaves = leaves;
    this.report(o, ExecStatus.REPLACED, RejectReason.NONE);
    this.enter(b, o, false);
    this.triggerStops(b);
  }

  bestBid(symbol: number): PriceLevel | null {
    return this.depth(symbol, Side.BUY, 1)[0] ?? null;
  }

  bestAsk(symbol: number): PriceLevel | null {
    return this.depth(symbol, Side.SELL, 1)[0] ?? null;
  }

  depth(symbol: number, side: Side, levels: number): PriceLevel[] {
    const b = this.books.get(symbol);
    if (!b) return [];
    return (side === Side.BUY ? b.bids : b.asks).slice(0, levels).map((l) => ({ price: l.price, quantity: l.orders.reduce((a, o) => a + o.leaves, 0n) }));
  }

  stateHash(): bigint {
    let total = mix64(u64(this.execId));
    for (const b of this.books.values()) {
      let h = mix64(BigInt(b.symbol >>> 0) ^ 0xb00cn);
      h = mix64(h ^ u64(b.lastTrade));
      for (const levels of [b.bids, b.asks]) {
        h = mix64(h ^ BigInt(levels.length));
        for (const l of levels) {
          h = mix64(h ^ u64(l.price));
          for (const o of l.orders) h = mix64(mix64(h ^ u64(o.orderId)) ^ u64(o.leaves));
        }
      }
      h = mix64(h ^ BigInt(b.stops.length));
      for (const s of b.stops) h = mix64(mix64(h ^ u64(s.orderId)) ^ u64(s.stopPrice));
      total = (total + h) & M64;
    }
    return BigInt.asIntN(64, total);
  }
}

interface BookExports {
  init(orders: number, levelsPerSide: number, books: number): void;
  submit(id: bigint, account: number, symbol: number, side: number, type: number, tif: number, postOnly: number, price: bigint, stopPrice: bigint, qty: bigint, stp: number): void;
  cancel(id: bigint): void;
  replace(id: bigint, price: bigint, qty: bigint): void;
  reportCount(): number;
  reportsPtr(): number;
  level(symbol: number, side: number, n: number, out: number): number;
  stateHash(): bigint;
  processBatch(commands: number, count: number): number;
  reserve(bytes: number): number;
}

/** One operation of a command stream, as processBatch() reads it (48 bytes). */
export type BookCommand =
  | { op: 'submit'; order: BookOrder }
  | { op: 'cancel'; orderId: bigint }
  | { op: 'replace'; orderId: bigint; price: bigint; quantity: bigint };

export const BOOK_COMMAND_BYTES = 48;

/** Writes commands as processBatch() records into `view` from byte `at`. */
export function writeBookCommands(view: DataView, at: number, commands: readonly BookCommand[]): void {
  commands.forEach((c, i) => {
    const p = at + i * BOOK_COMMAND_BYTES;
    for (let k = 0; k < BOOK_COMMAND_BYTES; k++) view.setUint8(p + k, 0);
    if (c.op === 'submit') {
      const o = c.order;
      view.setUint8(p, 1);
      view.setUint8(p + 1, o.side);
      view.setUint8(p + 2, o.type);
      view.setUint8(p + 3, o.tif);
      view.setUint8(p + 4, o.stp);
      view.setUint8(p + 5, o.postOnly ? 1 : 0);
      view.setUint32(p + 8, o.account, true);
      view.setUint32(p + 12, o.symbol, true);
      view.setBigUint64(p + 16, o.orderId, true);
      view.setBigInt64(p + 24, o.price, true);
      view.setBigInt64(p + 32, o.stopPrice, true);
      view.setBigInt64(p + 40, o.quantity, true);
    } else if (c.op === 'cancel') {
      view.setUint8(p, 2);
      view.setBigUint64(p + 16, c.orderId, true);
    } else {
      view.setUint8(p, 3);
      view.setBigUint64(p + 16, c.orderId, true);
      view.setBigInt64(p + 24, c.price, true);
      view.setBigInt64(p + 40, c.quantity, true);
    }
  });
}

/**
 * Where the kernel writes each report of an operation (64 bytes, little-endian): the trade engine
 * copies the 64-bit fields from here into its exec report frames without making a BigInt of each.
 */
export const REPORT = {
  bytes: 64, orderId: 0, execId: 8, execSeq: 16, status: 20, side: 21, reason: 22,
  lastQty: 24, lastPrice: 32, leavesQty: 40, cumQty: 48, account: 56, symbol: 60,
} as const;

/** The Wasm kernel behind the shared interface. */
export class OrderBooksWasm implements OrderBooks {
  readonly exports: BookExports;
  readonly memory: WebAssembly.Memory;
  private readonly view: KernelMemoryView;

  constructor(maxOrders: number, maxLevels: number, maxBooks: number) {
    const k = instantiateKernel<BookExports>('book');
    this.exports = k.exports;
    this.memory = k.memory;
    this.view = new KernelMemoryView(k.memory);
    this.exports.init(maxOrders, maxLevels, maxBooks);
  }

  submit(o: BookOrder): void {
    this.exports.submit(o.orderId, o.account, o.symbol, o.side, o.type, o.tif, o.postOnly ? 1 : 0, o.price, o.stopPrice, o.quantity, o.stp);
  }

  cancel(orderId: bigint): void {
    this.exports.cancel(orderId);
  }

  replace(orderId: bigint, price: bigint, quantity: bigint): void {
    this.exports.replace(orderId, price, quantity);
  }

  reports(): ExecReport[] {
    const view = this.reportsView();
    const out: ExecReport[] = [];
    for (let at = 0; at < view.byteLength; at += REPORT.bytes) {
      out.push({
        orderId: view.getBigUint64(at + REPORT.orderId, true), execId: view.getBigUint64(at + REPORT.execId, true),
        execSeq: view.getUint32(at + REPORT.execSeq, true), status: view.getUint8(at + REPORT.status), side: view.getUint8(at + REPORT.side),
        reason: view.getUint16(at + REPORT.reason, true), lastQty: view.getBigInt64(at + REPORT.lastQty, true),
        lastPrice: view.getBigInt64(at + REPORT.lastPrice, true), leavesQty: view.getBigInt64(at + REPORT.leavesQty, true),
        cumQty: view.getBigInt64(at + REPORT.cumQty, true), account: view.getUint32(at + REPORT.account, true), symbol: view.getUint32(at + REPORT.symbol, true),
      });
    }
    return out;
  }

  /** The last operation's reports as they lie in the kernel's memory (REPORT gives the layout); valid until the next operation. */
  reportsView(): DataView {
    return new DataView(this.memory.buffer, this.exports.reportsPtr(), this.exports.reportCount() * REPORT.bytes);
  }

  /**
   * The same reports without a view made per operation: reportCount() of them, REPORT.bytes apart
   * from reportsAt() in memoryView() (one view, made again only when the memory grew).
   */
  reportCount(): number {
    return this.exports.reportCount();
  }

  reportsAt(): number {
    return this.exports.reportsPtr();
  }

  memoryView(): DataView {
    return this.view.get();
  }

  bestBid(symbol: number): PriceLevel | null {
    return this.depth(symbol, Side.BUY, 1)[0] ?? null;
  }

  bestAsk(symbol: number): PriceLevel | null {
    return this.depth(symbol, Side.SELL, 1)[0] ?? null;
  }

  depth(symbol: number, side: Side, levels: number): PriceLevel[] {
    // Scratch space for the answer: the first 16 bytes of the host region.
    const out: PriceLevel[] = [];
    const view = new DataView(this.memory.buffer, 0, 16);
    for (let n = 0; n < levels && this.exports.level(symbol, side, n, 0); n++) {
      out.push({ price: view.getBigInt64(0, true), quantity: view.getBigInt64(8, true) });
    }
    return out;
  }

  stateHash(): bigint {
    return this.exports.stateHash();
  }
}
