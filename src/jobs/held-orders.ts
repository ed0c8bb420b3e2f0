// The orders the account stage accepted and still holds (open, or finished and remembered a while so
// their repeated reports are recognised), kept in typed columns indexed by slot rather than as one
// object each. A resting order can live for minutes: as an object (with its BigInts) it would survive
// young-generation collections and be copied by each, and the worker's scavenge pauses grew with the
// number of resting orders; in columns it lives outside the collected heap, and an order's lookup is a
// map from its id to a small integer.
//
// Thread-safety: one instance per trade engine, so per worker.
import { type OrderKey, orderKey } from './order-key.js';

const FIRST_CAPACITY = 1_024;

export class HeldOrders {
  private capacity = 0;
  private readonly slots = new Map<OrderKey, number>();
  /** Free slots, used last-in first-out. */
  private free: Int32Array = new Int32Array(0);
  private freeCount = 0;
  orderId: BigUint64Array = new BigUint64Array(0);
  /** The engine's account id and the kernels' symbol id (board slot + 1). */
  account: Int32Array = new Int32Array(0);
  symbolId: Int32Array = new Int32Array(0);
  side: Uint8Array = new Uint8Array(0);
  /**
   * Quantity the order holds as pending exposure in the risk state: always `leaves + extra`, where
   * `leaves` is the book's open quantity as last reported and `extra` what replaces in flight added.
   */
  held: BigInt64Array = new BigInt64Array(0);
  leaves: BigInt64Array = new BigInt64Array(0);
  extra: BigInt64Array = new BigInt64Array(0);
  cum: BigInt64Array = new BigInt64Array(0);
  /** Replaces routed to the book and not yet answered (REPLACED, or a rejection). */
  replacesInFlight: Int32Array = new Int32Array(0);
  /** Last exec sequence applied: a report at or below it is a repeat (a uint64 on the wire, exact here to 2^53). */
  lastSeq: Float64Array = new Float64Array(0);
  /** 1 once the order is filled, cancelled or rejected for good. */
  done: Uint8Array = new Uint8Array(0);

  /** Orders held, open or finished. */
  get size(): number {
    return this.slots.size;
  }

  /** The slot of the order with this key, or -1. */
  find(key: OrderKey): number {
    return this.slots.get(key) ?? -1;
  }

  has(key: OrderKey): boolean {
    return this.slots.has(key);
  }

  /** Holds a newly accepted order of `quantity`; returns its slot. */
  add(key: OrderKey, orderId: bigint, account: number, symbolId: number, side: number, quantity: bigint): number {
    if (this.freeCount === 0) this.grow();
    const s = this.free[--this.freeCount]!;
    this.slots.set(key, s);
    this.orderId[s] = orderId;
    this.account[s] = account;
    this.symbolId[s] = symbolId;
    this.side[s] = side;
    this.held[s] = quantity;
    this.leaves[s] = quantity;
    this.extra[s] = 0n;
    this.cum[s] = 0n;
    this.replacesInFlight[s] = 0;
    this.lastSeq[s] = 0;
    this.done[s] = 0;
    return s;
  }

  /** Forgets the order in `slot` (its id can be taken again); a slot no longer its key's is left alone. */
  release(slot: number): void {
    const key = orderKey(this.orderId[slot]!);
    if (this.slots.get(key) !== slot) return;
    this.slots.delete(key);
    this.free[this.freeCount++] = slot;
  }

  private grow(): void {
    const old = this.capacity;
    const n = old === 0 ? FIRST_CAPACITY : old * 2;
    const widen = <T extends { length: number; set(a: T): void }>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.orderId = widen(this.orderId, (k) => new BigUint64Array(k));
    this.account = widen(this.account, (k) => new Int32Array(k));
    this.symbolId = widen(this.symbolId, (k) => new Int32Array(k));
    this.side = widen(this.side, (k) => new Uint8Array(k));
    this.held = widen(this.held, (k) => new BigInt64Array(k));
    this.leaves = widen(this.leaves, (k) => new BigInt64Array(k));
    this.extra = widen(this.extra, (k) => new BigInt64Array(k));
    this.cum = widen(this.cum, (k) => new BigInt64Array(k));
    this.replacesInFlight = widen(this.replacesInFlight, (k) => new Int32Array(k));
    this.lastSeq = widen(this.lastSeq, (k) => new Float64Array(k));
    this.done = widen(this.done, (k) => new Uint8Array(k));
    // The new slots go on the free list highest first, so the lowest is taken next.
    const free = new Int32Array(n);
    free.set(this.free.subarray(0, this.freeCount));
    for (let s = n - 1; s >= old; s--) free[this.freeCount++] = s;
    this.free = free;
    this.capacity = n;
  }
}
