// The trade engine's resting orders, price level by level, as seen from the main thread: the books
// themselves live in the workers' Wasm memory, so the server keeps a mirror built from what passes
// through the runtime — limit orders and replaces going in (for their prices) and exec reports coming
// out (for what still rests). Stop orders are left out until they trade: their trigger is not
// reported. Used for the dashboard's depth view and GET /books/:symbol.
import { ExecStatus, OrderType, Side } from '../wire/generated/index.js';
import { fromTicks } from '../wire/codec.js';

interface TrackedOrder {
  symbol: string;
  side: Side;
  price: bigint;
  /** Quantity resting in the book (0 until the book confirms it). */
  resting: bigint;
  /** Price of a replace sent and not yet answered. */
  replacePrice: bigint | null;
}

interface Level {
  quantity: bigint;
  orders: number;
}

export interface DepthLevel {
  price: number;
  quantity: number;
  orders: number;
}

export interface BookDepthView {
  symbol: string;
  bids: DepthLevel[];
  asks: DepthLevel[];
}

/** Orders remembered at most; the oldest are forgotten first (a bound on memory, not a correctness limit in practice). */
const MAX_ORDERS = 1_000_000;

export class BookDepth {
  private readonly orders = new Map<bigint, TrackedOrder>();
  private readonly books = new Map<string, { bids: Map<bigint, Level>; asks: Map<bigint, Level> }>();

  constructor(private readonly maxOrders = MAX_ORDERS) {}

  /** An order entering the runtime. Only limit orders can rest where a mirror can see them. */
  order(orderId: bigint, symbol: string, side: Side, type: OrderType, price: bigint): void {
    if (type !== OrderType.LIMIT || this.orders.has(orderId)) return;
    if (this.orders.size >= this.maxOrders) this.forget(this.orders.keys().next().value!);
    this.orders.set(orderId, { symbol, side, price, resting: 0n, replacePrice: null });
  }

  replace(orderId: bigint, price: bigint): void {
    const o = this.orders.get(orderId);
    if (o) o.replacePrice = price;
  }

  /** An order the pre-trade check refused never reaches the book. */
  rejected(orderId: bigint): void {
    const o = this.orders.get(orderId);
    if (o && o.resting === 0n) this.orders.delete(orderId);
  }

  /** An exec report from the book: what rests afterwards is its leaves quantity. */
  execReport(orderId: bigint, status: ExecStatus, leaves: bigint): void {
    const o = this.orders.get(orderId);
    if (!o) return;
    if (status === ExecStatus.REJECTED && o.replacePrice !== null && leaves > 0n) {
      o.replacePrice = null; // the replace was refused; the order rests as it was
      return;
    }
    this.move(o, -o.resting);
    if (status === ExecStatus.REPLACED && o.replacePrice !== null) {
      o.price = o.replacePrice;
      o.replacePrice = null;
    }
    const done = leaves <= 0n || status === ExecStatus.CANCELLED || status === ExecStatus.REJECTED || status === ExecStatus.FILLED;
    if (done) {
      o.resting = 0n;
      this.orders.delete(orderId);
      return;
    }
    o.resting = leaves;
    this.move(o, leaves);
  }

  private forget(orderId: bigint): void {
    const o = this.orders.get(orderId);
    if (!o) return;
    this.move(o, -o.resting);
    this.orders.delete(orderId);
  }

  private move(o: TrackedOrder, delta: bigint): void {
    if (delta === 0n) return;
    let book = this.books.get(o.symbol);
    if (!book) this.books.set(o.symbol, (book = { bids: new Map(), asks: new Map() }));
    const side = o.side === Side.BUY ? book.bids : book.asks;
    const level = side.get(o.price) ?? { quantity: 0n, orders: 0 };
    level.quantity += delta;
    level.orders += delta > 0n ? 1 : -1;
    if (level.quantity <= 0n || level.orders <= 0) side.delete(o.price);
    else side.set(o.price, level);
  }

  /** Up to `levels` price levels a side, best first. */
  depth(symbol: string, levels = 10): BookDepthView {
    const book = this.books.get(symbol);
    const side = (m: Map<bigint, Level> | undefined, bestFirst: (a: bigint, b: bigint) => number): DepthLevel[] =>
      m
        ? [...m.entries()].sort((a, b) => bestFirst(a[0], b[0])).slice(0, levels).map(([price, l]) => ({ price: fromTicks(price), quantity: Number(l.quantity), orders: l.orders }))
        : [];
    return {
      symbol,
      bids: side(book?.bids, (a, b) => (a > b ? -1 : a < b ? 1 : 0)),
      asks: side(book?.asks, (a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    };
  }

  /** Orders being tracked (resting or awaiting the book's answer). */
  get tracked(): number {
    return this.orders.size;
  }
}
