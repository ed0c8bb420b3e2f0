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
// - prices are wire ticks (PRICE_SCALE 1e6) and money is ticks x quantity: exact integers.
//
// Thread-safety: an instance belongs to the worker that owns its partitions.
import { M64, mix64, u64 } from './state-hash.js';
import { instantiateKernel } from '../runtime/kernel-module.js';

export const LotsError = {
  OK: 0,
  BAD_SIDE: 1,
  BAD_QUANTITY: 2,
  BAD_PRICE: 3,
  NO_POSITION_ROOM: 4,
  NO_LOT_ROOM: 5,
} as const;

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

export interface FifoLots {
  /** Applies a fill; returns the P&L it realized. On bad input it changes nothing and returns 0n. */
  fill(account: number, symbol: number, side: number, quantity: bigint, price: bigint): bigint;
  /** LotsError code of the last fill. */
  lastError(): number;
  /** The lots the last fill closed, oldest first. */
  closedLots(): ClosedLot[];
  position(account: number, symbol: number): PositionState;
  unrealized(account: number, symbol: number, mark: bigint): bigint;
  stateHash(): bigint;
}


interface RefPosition {
  account: number;
  symbol: number;
  quantity: bigint;
  cost: bigint;
  realized: bigint;
  lots: { quantity: bigint; price: bigint }[];
}

/** The TypeScript reference. */
export class FifoLotsReference implements FifoLots {
  private readonly positions = new Map<bigint, RefPosition>();
  private openLots = 0;
  private error = 0;
  private closed: ClosedLot[] = [];

  constructor(
    private readonly maxPositions: number,
    private readonly maxLots: number,
  ) {}

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
    if (!p) {
      if (this.positions.size >= this.maxPositions) return this.refuse(LotsError.NO_POSITION_ROOM);
      p = { account, symbol, quantity: 0n, cost: 0n, realized: 0n, lots: [] };
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
    return BigInt.asIntN(64, realized);
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

interface LotsExports {
  init(positions: number, lots: number): void;
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

  constructor(maxPositions: number, maxLots: number) {
    const k = instantiateKernel<LotsExports>('lots');
    this.exports = k.exports;
    this.memory = k.memory;
    this.exports.init(maxPositions, maxLots);
  }

  fill(account: number, symbol: number, side: number, quantity: bigint, price: bigint): bigint {
    return this.exports.fill(account, symbol, side, quantity, price);
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
