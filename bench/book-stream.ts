// The order stream of `tickwave bench kernels` for the book: exchange-core's published mix, about 9%
// new GTC orders, 3% IOC, 6% cancels and 82% replaces that move an order's price, over about 1,000
// resting orders on about 750 price levels of one symbol. Generated once, deterministically, by
// running it through a book and keeping track of which orders still rest, so every cancel and replace
// names a live order.
import { type BookCommand, OrderBooksWasm } from '../src/kernels/order-book.js';
import { ExecStatus, OrderType, SelfTradePrevention, Side, TimeInForce } from '../src/wire/generated/index.js';

const TICK = 10_000n; // 0.01 at the wire's 1e6 scale
const MID = 10_000n; // 100.00 in ticks of 0.01
const HALF_LEVELS = 500;
const TARGET_RESTING = 1_000;

export function exchangeCoreMix(count: number, seed = 1): BookCommand[] {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const book = new OrderBooksWasm(8_192, 2_048, 1);
  const live: bigint[] = [];
  const where = new Map<bigint, number>();
  const add = (id: bigint) => {
    where.set(id, live.length);
    live.push(id);
  };
  const drop = (id: bigint) => {
    const i = where.get(id);
    if (i === undefined) return;
    const last = live.pop()!;
    if (last !== id) {
      live[i] = last;
      where.set(last, i);
    }
    where.delete(id);
  };
  /** A passive price on `side`: 1..HALF_LEVELS ticks away from the middle. */
  const passive = (side: Side) => (side === Side.BUY ? MID - BigInt(int(1, HALF_LEVELS)) : MID + BigInt(int(1, HALF_LEVELS))) * TICK;
  const out: BookCommand[] = [];
  let nextId = 1n;
  while (out.length < count) {
    const r = rand();
    let c: BookCommand;
    if (live.length < TARGET_RESTING / 2 || r < 0.09) {
      const side = rand() < 0.5 ? Side.BUY : Side.SELL;
      const id = nextId++;
      c = { op: 'submit', order: { orderId: id, account: int(1, 50), symbol: 1, side, type: OrderType.LIMIT, tif: TimeInForce.GTC, postOnly: false,
        price: passive(side), stopPrice: 0n, quantity: BigInt(int(1, 100)), stp: SelfTradePrevention.NONE } };
    } else if (r < 0.12) {
      const side = rand() < 0.5 ? Side.BUY : Side.SELL;
      // Aggressive: crosses into the other side by up to 20 levels.
      const price = (side === Side.BUY ? MID + BigInt(int(1, 20)) : MID - BigInt(int(1, 20))) * TICK;
      c = { op: 'submit', order: { orderId: nextId++, account: int(1, 50), symbol: 1, side, type: OrderType.LIMIT, tif: TimeInForce.IOC, postOnly: false,
        price, stopPrice: 0n, quantity: BigInt(int(1, 50)), stp: SelfTradePrevention.NONE } };
    } else if (r < 0.18 || live.length > TARGET_RESTING * 1.2) {
      c = { op: 'cancel', orderId: live[int(0, live.length - 1)]! };
    } else {
      const id = live[int(0, live.length - 1)]!;
      // Keep the order on its side: a buy moves within the bids, a sell within the asks (the side is
      // read back from the book's last report for it).
      const side = sideOf.get(id)!;
      c = { op: 'replace', orderId: id, price: passive(side), quantity: totalOf.get(id)! };
    }
    apply(book, c);
    for (const rep of book.reports()) {
      if (rep.status === ExecStatus.NEW && c.op === 'submit' && c.order.tif === TimeInForce.GTC) {
        add(rep.orderId);
        sideOf.set(rep.orderId, rep.side);
        totalOf.set(rep.orderId, rep.leavesQty);
      }
      if (rep.status === ExecStatus.FILLED || rep.status === ExecStatus.CANCELLED) {
        drop(rep.orderId);
        sideOf.delete(rep.orderId);
        totalOf.delete(rep.orderId);
      }
    }
    out.push(c);
  }
  return out;
}

const sideOf = new Map<bigint, Side>();
const totalOf = new Map<bigint, bigint>();

function apply(book: OrderBooksWasm, c: BookCommand): void {
  if (c.op === 'submit') book.submit(c.order);
  else if (c.op === 'cancel') book.cancel(c.orderId);
  else book.replace(c.orderId, c.price, c.quantity);
}
