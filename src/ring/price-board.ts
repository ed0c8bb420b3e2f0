// The shared last-price board: the latest price and time of every symbol, in shared memory, so an
// account-keyed worker marks its positions to market without a message from the symbol's worker.
// A SymbolDirectory gives each symbol a slot (any thread may intern; first come is first served, by
// compare-and-swap); the PriceBoard holds one seqlock-guarded record per slot.
//
// Thread-safety: any thread may intern and look up symbols and read prices. Each slot must have one
// writer: the worker that owns the symbol's partition. Readers never block the writer; a reader that
// catches a write in progress retries. Each slot has its own 64-byte line.
import { murmur2 } from '../runtime/partitioner.js';

const SLOT_INTS = 16; // 64 bytes
/** Longest symbol the directory holds, in UTF-8 bytes. */
export const MAX_SYMBOL_BYTES = 48;
const EMPTY = 0;
const WRITING = 1;
const READY = 2;

export interface PriceBoardMemory {
  directory: SharedArrayBuffer;
  prices: SharedArrayBuffer;
  capacity: number;
}

export function createPriceBoardMemory(capacity = 4096): PriceBoardMemory {
  if (!Number.isInteger(capacity) || capacity < 1 || (capacity & (capacity - 1)) !== 0) {
    throw new RangeError(`price board capacity must be a power of two, got ${capacity}`);
  }
  return {
    directory: new SharedArrayBuffer(capacity * SLOT_INTS * 4),
    prices: new SharedArrayBuffer(capacity * SLOT_INTS * 4),
    capacity,
  };
}

export class SymbolDirectory {
  private readonly i32: Int32Array;
  private readonly u8: Uint8Array;
  private readonly mask: number;
  private readonly encoder = new TextEncoder();
  /** Slots this thread has already found: a symbol's slot never changes once interned. */
  private readonly known = new Map<string, number>();

  constructor(private readonly memory: PriceBoardMemory) {
    this.i32 = new Int32Array(memory.directory);
    this.u8 = new Uint8Array(memory.directory);
    this.mask = memory.capacity - 1;
  }

  /** The slot of a symbol, creating it if new. */
  intern(symbol: string): number {
    let slot = this.known.get(symbol);
    if (slot === undefined) {
      const bytes = this.encoder.encode(symbol);
      slot = this.internBytes(bytes, 0, bytes.length);
      if (this.known.size < this.memory.capacity) this.known.set(symbol, slot);
    }
    return slot;
  }

  /** The slot of the symbol in u8[start, start+len), creating it if new (nothing allocated when known). */
  internBytes(u8: Uint8Array, start: number, len: number): number {
    return this.find(u8, start, len, true);
  }

  /** The slot of a symbol, or -1 when no thread has interned it. */
  lookup(symbol: string): number {
    const bytes = this.encoder.encode(symbol);
    return this.find(bytes, 0, bytes.length, false);
  }

  lookupBytes(u8: Uint8Array, start: number, len: number): number {
    return this.find(u8, start, len, false);
  }

  private find(u8: Uint8Array, start: number, len: number, insert: boolean): number {
    if (len > MAX_SYMBOL_BYTES) throw new RangeError(`symbol of ${len} bytes is longer than the board's ${MAX_SYMBOL_BYTES}`);
    const h = murmur2(u8, start, len);
    for (let probe = 0, slot = h & this.mask; probe <= this.mask; probe++, slot = (slot + 1) & this.mask) {
      const base = slot * SLOT_INTS;
      let state = Atomics.load(this.i32, base);
      if (state === EMPTY) {
        if (!insert) return -1;
        state = Atomics.compareExchange(this.i32, base, EMPTY, WRITING);
        if (state === EMPTY) {
          this.i32[base + 1] = len;
          this.i32[base + 2] = h;
          this.u8.set(u8.subarray(start, start + len), (base + 4) * 4);
          Atomics.store(this.i32, base, READY);
          return slot;
        }
      }
      // Another thread is writing this slot: wait for it to finish before comparing.
      while (state === WRITING) state = Atomics.load(this.i32, base);
      if (this.i32[base + 2] === h && this.i32[base + 1] === len && this.same(u8, start, len, (base + 4) * 4)) return slot;
    }
    if (!insert) return -1;
    throw new RangeError(`the price board is full (${this.memory.capacity} symbols)`);
  }

  private same(u8: Uint8Array, start: number, len: number, at: number): boolean {
    for (let i = 0; i < len; i++) if (this.u8[at + i] !== u8[start + i]) return false;
    return true;
  }

  /** The symbol in a slot (for display). */
  symbolAt(slot: number): string {
    const base = slot * SLOT_INTS;
    if (Atomics.load(this.i32, base) !== READY) throw new RangeError(`slot ${slot} holds no symbol`);
    return new TextDecoder().decode(this.u8.slice((base + 4) * 4, (base + 4) * 4 + this.i32[base + 1]!));
  }
}

export interface LastPrice {
  /** Price in wire ticks (PRICE_SCALE), as a double: exact below 2^53. */
  price: number;
  /** Event time of the price, ns. */
  tsNs: number;
}

const TWO32 = 2 ** 32;

export class PriceBoard {
  private readonly i32: Int32Array;

  constructor(memory: PriceBoardMemory) {
    this.i32 = new Int32Array(memory.prices);
  }

  /** Writes a slot's price (its one writer only). */
  publish(slot: number, price: number, tsNs: number): void {
    const base = slot * SLOT_INTS;
    const seq = this.i32[base]!; // the writer's own value: no other thread changes it
    Atomics.store(this.i32, base, seq + 1); // odd: write in progress
    // Each word as an int32 (the bits Atomics.store would keep anyway): a larger double is boxed on every call.
    Atomics.store(this.i32, base + 2, (price % TWO32) | 0);
    Atomics.store(this.i32, base + 3, Math.floor(price / TWO32) | 0);
    Atomics.store(this.i32, base + 4, (tsNs % TWO32) | 0);
    Atomics.store(this.i32, base + 5, Math.floor(tsNs / TWO32) | 0);
    if (this.i32[base + 1] === 0) Atomics.store(this.i32, base + 1, 1); // ever written (a fenced store saved on every later write)
    Atomics.store(this.i32, base, seq + 2);
  }

  /**
   * The slot's version: it changes with every write, so a reader that kept it knows, with one load,
   * whether the price moved since (a version read during a write is odd and never matches).
   */
  version(slot: number): number {
    return Atomics.load(this.i32, slot * SLOT_INTS);
  }

  /** Reads a slot into `out`; false when it was never written. Retries across a concurrent write. */
  read(slot: number, out: LastPrice): boolean {
    const base = slot * SLOT_INTS;
    const i32 = this.i32;
    for (;;) {
      const s1 = Atomics.load(i32, base);
      if ((s1 & 1) !== 0) continue;
      const written = Atomics.load(i32, base + 1);
      const priceLo = Atomics.load(i32, base + 2) >>> 0;
      const priceHi = Atomics.load(i32, base + 3);
      const tsLo = Atomics.load(i32, base + 4) >>> 0;
      const tsHi = Atomics.load(i32, base + 5);
      if (Atomics.load(i32, base) !== s1) continue;
      if (written === 0) return false;
      out.price = priceHi * TWO32 + priceLo;
      out.tsNs = tsHi * TWO32 + tsLo;
      return true;
    }
  }
}
