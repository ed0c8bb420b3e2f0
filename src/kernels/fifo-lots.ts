// FIFO lots and P&L: the interface both implementations share, the TypeScript reference, and the
// Wasm kernel (assembly/lots.ts) behind the same interface. The reference is written for clarity
// and exactness (BigInt arithmetic, arrays of lots); the kernel for speed. Tests hold them to the same
// results and the same stateHash() after every sequence.
//
// Conventions (also in the README):
// - a position is a queue of open lots; a fill on the position's side, or on a flat position, opens a
//   lot at the back; a fill against it closes lots from the front (first in, first out);
// - closing a long lot realizes (close - open) x qty, a short lot (open - close) x qty;
// - a fill larger than the position closes every lot and opens the rest on the other side at the
//   fill price, so the average price resets there;
// - cost is the signed sum of qty x open price of the open lots (negative when short); the average
//   price is cost / qty; unrealized P&L against a mark is mark x qty - cost;
// - prices are wire ticks (PRICE_SCALE 1e6) and money is ticks x quantity: exact integers;
// - valuation: value() marks a position (at the given mark, else at its last fill price): market value
//   qty x mark, unrealized market value - cost, gross |market value|, average price cost / qty
//   (truncated toward zero); its account keeps the sums, its cash flow (a sell adds qty x price, a buy
//   subtracts it), its realized P&L, day P&L (realized + unrealized), cash (initial + flow) and equity
//   (cash + market value). Fills move cash flow and realized at once; the rest moves with value().
//   The kernel's values are i64 and wrap at 2^63, as the wire's int64 fields do.
//
// Thread-safety: an instance belongs to the worker that owns its partitions.
import { M64, mix64, u64 } from './state-hash.js';
import { instantiateKernel, KernelMemoryView } from '../runtime/kernel-module.js';

export const LotsError = {
  OK: 0,
  BAD_SIDE: 1,
  BAD_QUANTITY: 2,
  BAD_PRICE: 3,
  NO_POSITION_ROOM: 4,
  NO_LOT_ROOM: 5,
  NO_ACCOUNT_ROOM: 7,
  /** value() of a position the account never filled. */
  NO_POSITION: 8,
} as const;

/** Byte offsets of the i64 fields of a position record in the kernel's memory (assembly/lots.ts). */
export const POSITION_FIELDS = { quantity: 0, cost: 8, realized: 16, lastFill: 48, mark: 56, marketValue: 64, unrealized: 72, gross: 80, avgPrice: 88 } as const;
/** Byte offsets of the i64 fields of an account record. */
export const ACCOUNT_FIELDS = { initialCash: 0, cashFlow: 8, realized: 16, unrealized: 24, marketValue: 32, gross: 40, dayPnl: 48, cash: 56, equity: 64 } as const;

/** Side of a fill, as in the wire schema. */
export const BUY = 1;
export const SELL = 2;

export interface ClosedLot {
  quantity: bigint;
  openPrice: bigint;
  closePrice: bigint;
  realized: bigint;
}

export interface PositionState {
  /** Signed: negative is short. */
  quantity: bigint;
  /** Signed sum of qty x open price of the open lots. */
  cost: bigint;
  realized: bigint;
  lots: number;
}

/** A position's valuation as of its last value() (all 0 before the first), and its last fill price. */
export interface PositionValuation {
  lastFill: bigint;
  mark: bigint;
  marketValue: bigint;
  unrealized: bigint;
  gross: bigint;
  avgPrice: bigint;
}

/** An account's sums over its positions' last valuations, and its cash. */
export interface AccountValuation {
  initialCash: bigint;
  cashFlow: bigint;
  realized: bigint;
  unrealized: bigint;
  marketValue: bigint;
  gross: bigint;
  dayPnl: bigint;
  cash: bigint;
  equity: bigint;
}

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const wrap = (v: bigint): bigint => BigInt.asIntN(64, v);

export interface FifoLots {
  /** Applies a fill; returns the P&L it realized. On bad input it changes nothing and returns 0n. */
  fill(account: number, symbol: number, side: number, quantity: bigint, price: bigint): bigint;
  /** LotsError code of the last fill. */
  lastError(): number;
  /** The lots the last fill closed, oldest first. */
  closedLots(): ClosedLot[];
  position(account: number, symbol: number): PositionState;
  unrealized(account: number, symbol: number, mark: bigint): bigint;
  /**
   * Values the position at `mark` (an integer, as the price board holds it; beyond the int64 range it
   * saturates), or at its last fill price when null. Returns a LotsError code.
   */
  value(account: number, symbol: number, mark: number | null): number;
  /** The account's starting cash. Returns a LotsError code. */
  setInitialCash(account: number, cash: bigint): number;
  positionValuation(account: number, symbol: number): PositionValuation;
  accountValuation(account: number): AccountValuation;
  stateHash(): bigint;
}


interface RefPosition extends PositionValuation {
  account: number;
  symbol: number;
  quantity: bigint;
  cost: bigint;
  realized: bigint;
  lots: { quantity: bigint; price: bigint }[];
}

const emptyValuation = (): PositionValuation => ({ lastFill: 0n, mark: 0n, marketValue: 0n, unrealized: 0n, gross: 0n, avgPrice: 0n });
const emptyAccount = (): AccountValuation => ({
  initialCash: 0n, cashFlow: 0n, realized: 0n, unrealized: 0n, marketValue: 0n, gross: 0n, dayPnl: 0n, cash: 0n, equity: 0n,
});

/** The TypeScript reference. */
export class FifoLotsReference implements FifoLots {
  private readonly positions = new Map<bigint, RefPosition>();
  private readonly accounts = new Map<number, AccountValuation>();
  private openLots = 0;
  private error = 0;
  private closed: ClosedLot[] = [];

  constructor(
    private readonly maxPositions: number,
    private readonly maxLots: number,
    private readonly maxAccounts = maxPositions,
  ) {}

  private accountOf(account: number, create: boolean): AccountValuation | null {
    let a = this.accounts.get(account >>> 0);
    if (!a && create && this.accounts.size < this.maxAccounts) this.accounts.set(account >>> 0, (a = emptyAccount()));
    return a ?? null;
  }

  private static settle(a: AccountValuation): void {
    a.dayPnl = wrap(a.realized + a.unrealized);
    a.cash = wrap(a.initialCash + a.cashFlow);
    a.equity = wrap(a.cash + a.marketValue);
  }

  private static key(account: number, symbol: number): bigint {
    return (BigInt(account >>> 0) << 32n) | BigInt(symbol >>> 0);
  }

  fill(account: number, symbol: number, side: number, quantity: bigint, price: bigint): bigint {
    this.error = LotsError.OK;
    this.closed = [];
    if (side !== BUY && side !== SELL) return this.refuse(LotsError.BAD_SIDE);
    if (quantity <= 0n) return this.refuse(LotsError.BAD_QUANTITY);
    if (price < 0n) return this.refuse(LotsError.BAD_PRICE);
    const key = FifoLotsReference.key(account, symbol);
    let p = this.positions.get(key);
    const signed = side === BUY ? quantity : -quantity;
    const pos = p?.quantity ?? 0n;
    const adds = pos === 0n || pos > 0n === signed > 0n;
    if (adds && this.openLots >= this.maxLots) return this.refuse(LotsError.NO_LOT_ROOM);
    if (!p && this.positions.size >= this.maxPositions) return this.refuse(LotsError.NO_POSITION_ROOM);
    const acc = this.accountOf(account, true);
    if (!acc) return this.refuse(LotsError.NO_ACCOUNT_ROOM);
    if (!p) {
      p = { account, symbol, quantity: 0n, cost: 0n, realized: 0n, lots: [], ...emptyValuation() };
      this.positions.set(key, p);
    }
    let remaining = quantity;
    let realized = 0n;
    if (!adds) {
      const long = pos > 0n;
      while (remaining > 0n && p.lots.length > 0) {
        const lot = p.lots[0]!;
        const q = lot.quantity < remaining ? lot.quantity : remaining;
        const r = long ? (price - lot.price) * q : (lot.price - price) * q;
        this.closed.push({ quantity: q, openPrice: lot.price, closePrice: price, realized: r });
        realized += r;
        p.cost -= long ? lot.price * q : -(lot.price * q);
        remaining -= q;
        if (q === lot.quantity) {
          p.lots.shift();
          this.openLots--;
        } else lot.quantity -= q;
      }
    }
    if (remaining > 0n) {
      p.lots.push({ quantity: remaining, price });
      this.openLots++;
      p.cost += side === BUY ? remaining * price : -(remaining * price);
    }
    p.quantity = pos + signed;
    p.realized += realized;
    p.lastFill = price;
    acc.cashFlow = wrap(acc.cashFlow + (side === BUY ? -(quantity * price) : quantity * price));
    acc.realized = wrap(acc.realized + realized);
    FifoLotsReference.settle(acc);
    return BigInt.asIntN(64, realized);
  }

  value(account: number, symbol: number, mark: number | null): number {
    this.error = LotsError.OK;
    const p = this.positions.get(FifoLotsReference.key(account, symbol));
    if (!p) return (this.error = LotsError.NO_POSITION);
    const a = this.accountOf(account, false)!;
    const m = mark === null ? p.lastFill : saturate(mark);
    const marketValue = wrap(p.quantity * m);
    const unrealized = wrap(marketValue - p.cost);
    const gross = wrap(marketValue < 0n ? -marketValue : marketValue);
    a.unrealized = wrap(a.unrealized + unrealized - p.unrealized);
    a.marketValue = wrap(a.marketValue + marketValue - p.marketValue);
    a.gross = wrap(a.gross + gross - p.gross);
    Object.assign(p, { mark: m, marketValue, unrealized, gross, avgPrice: p.quantity === 0n ? 0n : wrap(p.cost / p.quantity) });
    FifoLotsReference.settle(a);
    return LotsError.OK;
  }

  setInitialCash(account: number, cash: bigint): number {
    this.error = LotsError.OK;
    const a = this.accountOf(account, true);
    if (!a) return (this.error = LotsError.NO_ACCOUNT_ROOM);
    a.initialCash = wrap(cash);
    FifoLotsReference.settle(a);
    return LotsError.OK;
  }

  positionValuation(account: number, symbol: number): PositionValuation {
    const p = this.positions.get(FifoLotsReference.key(account, symbol));
    if (!p) return emptyValuation();
    return { lastFill: p.lastFill, mark: p.mark, marketValue: p.marketValue, unrealized: p.unrealized, gross: p.gross, avgPrice: p.avgPrice };
  }

  accountValuation(account: number): AccountValuation {
    return { ...(this.accountOf(account, false) ?? emptyAccount()) };
  }

  private refuse(code: number): bigint {
    this.error = code;
    return 0n;
  }

  lastError(): number {
    return this.error;
  }

  closedLots(): ClosedLot[] {
    return this.closed;
  }

  position(account: number, symbol: number): PositionState {
    const p = this.positions.get(FifoLotsReference.key(account, symbol));
    return p ? { quantity: p.quantity, cost: p.cost, realized: p.realized, lots: p.lots.length } : { quantity: 0n, cost: 0n, realized: 0n, lots: 0 };
  }

  unrealized(account: number, symbol: number, mark: bigint): bigint {
    const p = this.positions.get(FifoLotsReference.key(account, symbol));
    return p ? BigInt.asIntN(64, mark * p.quantity - p.cost) : 0n;
  }

  stateHash(): bigint {
    let total = 0n;
    for (const p of this.positions.values()) {
      let h = mix64(FifoLotsReference.key(p.account, p.symbol));
      h = mix64(h ^ u64(p.quantity));
      h = mix64(h ^ u64(p.cost));
      h = mix64(h ^ u64(p.realized));
      for (const lot of p.lots) {
        h = mix64(h ^ u64(lot.quantity));
        h = mix64(h ^ u64(lot.price));
      }
      total = (total + h) & M64;
    }
    return BigInt.asIntN(64, total);
  }
}

/** An integral double as the kernel converts it: exact, saturating beyond the int64 range. */
function saturate(mark: number): bigint {
  if (mark >= 2 ** 63) return I64_MAX;
  if (mark <= -(2 ** 63)) return I64_MIN;
  return BigInt(Math.trunc(mark));
}

interface LotsExports {
  init(positions: number, lots: number, accounts: number): void;
  applyFill(account: number, symbol: number, side: number, quantity: bigint, price: bigint): number;
  value(account: number, symbol: number, mark: number, hasMark: boolean): number;
  setInitialCash(account: number, cash: bigint): number;
  positionAt(account: number, symbol: number): number;
  accountAt(account: number): number;
  fill(account: number, symbol: number, side: number, quantity: bigint, price: bigint): bigint;
  lastError(): number;
  closedLotCount(): number;
  closedLots(): number;
  positionQty(account: number, symbol: number): bigint;
  positionCost(account: number, symbol: number): bigint;
  positionRealized(account: number, symbol: number): bigint;
  positionLots(account: number, symbol: number): number;
  unrealized(account: number, symbol: number, mark: bigint): bigint;
  stateHash(): bigint;
  fillBatch(commands: number, count: number, results: number): number;
}

/** The Wasm kernel behind the shared interface. */
export class FifoLotsWasm implements FifoLots {
  readonly exports: LotsExports;
  readonly memory: WebAssembly.Memory;
  private readonly kept: KernelMemoryView;

  constructor(maxPositions: number, maxLots: number, maxAccounts = maxPositions) {
    const k = instantiateKernel<LotsExports>('lots');
    this.exports = k.exports;
    this.memory = k.memory;
    this.kept = new KernelMemoryView(k.memory);
    this.exports.init(maxPositions, maxLots, maxAccounts);
  }

  fill(account: number, symbol: number, side: number, quantity: bigint, price: bigint): bigint {
    return this.exports.fill(account, symbol, side, quantity, price);
  }

  /** fill() without its realized P&L (no BigInt made for it): returns the LotsError code. */
  applyFill(account: number, symbol: number, side: number, quantity: bigint, price: bigint): number {
    return this.exports.applyFill(account, symbol, side, quantity, price);
  }

  value(account: number, symbol: number, mark: number | null): number {
    return this.exports.value(account, symbol, mark ?? 0, mark !== null);
  }

  setInitialCash(account: number, cash: bigint): number {
    return this.exports.setInitialCash(account, cash);
  }

  /** The kernel's memory, where positionAt() and accountAt() records are read (POSITION_FIELDS, ACCOUNT_FIELDS). */
  memoryView(): DataView {
    return this.kept.get();
  }

  /** Address of the position's record (it stays put), or 0 when the account never filled the symbol. */
  positionAt(account: number, symbol: number): number {
    return this.exports.positionAt(account, symbol);
  }

  /** Address of the account's record (it stays put), or 0. */
  accountAt(account: number): number {
    return this.exports.accountAt(account);
  }

  positionValuation(account: number, symbol: number): PositionValuation {
    const at = this.positionAt(account, symbol);
    if (at === 0) return emptyValuation();
    const v = this.memoryView();
    const f = POSITION_FIELDS;
    const r = (o: number) => v.getBigInt64(at + o, true);
    return { lastFill: r(f.lastFill), mark: r(f.mark), marketValue: r(f.marketValue), unrealized: r(f.unrealized), gross: r(f.gross), avgPrice: r(f.avgPrice) };
  }

  accountValuation(account: number): AccountValuation {
    const at = this.accountAt(account);
    if (at === 0) return emptyAccount();
    const v = this.memoryView();
    const out = emptyAccount();
    for (const [name, o] of Object.entries(ACCOUNT_FIELDS)) out[name as keyof AccountValuation] = v.getBigInt64(at + o, true);
    return out;
  }

  lastError(): number {
    return this.exports.lastError();
  }

  closedLots(): ClosedLot[] {
    const n = this.exports.closedLotCount();
    const words = new BigInt64Array(this.memory.buffer, this.exports.closedLots(), n * 4);
    const out: ClosedLot[] = [];
    for (let i = 0; i < n; i++) {
      out.push({ quantity: words[4 * i]!, openPrice: words[4 * i + 1]!, closePrice: words[4 * i + 2]!, realized: words[4 * i + 3]! });
    }
    return out;
  }

  position(account: number, symbol: number): PositionState {
    const e = this.exports;
    return {
      quantity: e.positionQty(account, symbol),
      cost: e.positionCost(account, symbol),
      realized: e.positionRealized(account, symbol),
      lots: e.positionLots(account, symbol),
    };
  }

  unrealized(account: number, symbol: number, mark: bigint): bigint {
    return this.exports.unrealized(account, symbol, mark);
  }

  stateHash(): bigint {
    return this.exports.stateHash();
  }
}
