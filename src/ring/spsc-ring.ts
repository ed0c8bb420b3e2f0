// A single-producer single-consumer ring of frames over shared memory (a SharedArrayBuffer, or the
// host region of a kernel's shared WebAssembly.Memory, so a kernel reads frames where they landed).
// Each frame is the 24-byte FrameHeader of the schema followed by its payload padded to 8 bytes; a
// frame never straddles the end of the ring (a skip marker sends the consumer back to the start).
//
// Thread-safety: exactly one thread may hold the RingProducer and exactly one the RingConsumer of a
// ring; any thread may read stats(). The producer publishes with one Atomics.store of `head` per
// batch and the consumer releases with one store of `tail` per batch. Each side caches the other's
// index and reads the shared one only when its cached view says the ring is full (producer) or
// empty (consumer), as the LMAX single-producer sequencer does. head and tail sit on separate
// 64-byte cache lines so the two threads never write the same line.
import { FRAME_HEADER_SIZE } from '../wire/frame-header.js';
import { Doorbell, type DoorbellRef } from './doorbell.js';

/** Bytes in front of the data area: indices, wait flags and counters, each side on its own lines. */
export const RING_CONTROL_BYTES = 512;

// Int32 indices into the control block.
const HEAD = 0; // byte 0: producer's published position (bytes written, mod 2^32)
const TAIL = 16; // byte 64: consumer's released position
const CONSUMER_PARKED = 32; // byte 128: 1 while the consumer sleeps in Atomics.wait on HEAD
const PRODUCER_PARKED = 48; // byte 192: 1 while the producer sleeps in Atomics.wait on TAIL
// Float64 indices: counters written by one side only (plain stores, read by anyone).
const P_FRAMES = 32; // byte 256
const P_BYTES = 33;
const P_FULL = 34;
const P_PARKS = 35;
const C_FRAMES = 40; // byte 320
const C_BYTES = 41;
const C_PARKS = 42;
const C_WAKEUPS = 43;

/** First u32 of a slot that sends the consumer back to the start of the ring. */
const SKIP = 0xffffffff;

export interface RingStats {
  capacity: number;
  /** Bytes written and not yet released. */
  used: number;
  framesWritten: number;
  bytesWritten: number;
  /** Times the producer found the ring full. */
  fullEvents: number;
  producerParks: number;
  framesRead: number;
  bytesRead: number;
  consumerParks: number;
  /** Times a parked consumer woke with data to read. */
  wakeups: number;
}

/** Bytes a frame with `payloadLength` payload bytes occupies in the ring. */
export const frameSlot = (payloadLength: number): number => FRAME_HEADER_SIZE + ((payloadLength + 7) & ~7);

/** Where a ring lives: `capacity` data bytes after RING_CONTROL_BYTES of control, at byteOffset. */
export interface RingRegion {
  buffer: SharedArrayBuffer;
  byteOffset: number;
  capacity: number;
}

/** Allocates a ring in its own SharedArrayBuffer. Capacity: a power of two, at least 64 bytes. */
export function createRingRegion(capacity: number): RingRegion {
  checkCapacity(capacity);
  return { buffer: new SharedArrayBuffer(RING_CONTROL_BYTES + capacity), byteOffset: 0, capacity };
}

/** Bytes a ring of `capacity` takes in a region. */
export const ringBytes = (capacity: number): number => RING_CONTROL_BYTES + capacity;

function checkCapacity(capacity: number): void {
  if (!Number.isInteger(capacity) || capacity < 64 || capacity > 2 ** 30 || (capacity & (capacity - 1)) !== 0) {
    throw new RangeError(`ring capacity must be a power of two between 64 and 2^30 bytes, got ${capacity}`);
  }
}

class RingSide {
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly view: DataView;
  readonly u8: Uint8Array;
  /** Absolute byte offset of the data area in buffer. */
  readonly data: number;
  readonly capacity: number;
  readonly mask: number;

  constructor(readonly region: RingRegion) {
    const { buffer, byteOffset, capacity } = region;
    checkCapacity(capacity);
    if (byteOffset % 64 !== 0) throw new RangeError(`ring byteOffset must be 64-byte aligned, got ${byteOffset}`);
    if (byteOffset + RING_CONTROL_BYTES + capacity > buffer.byteLength) throw new RangeError('ring region exceeds its buffer');
    this.i32 = new Int32Array(buffer, byteOffset, RING_CONTROL_BYTES / 4);
    this.f64 = new Float64Array(buffer, byteOffset, RING_CONTROL_BYTES / 8);
    this.view = new DataView(buffer);
    this.u8 = new Uint8Array(buffer);
    this.data = byteOffset + RING_CONTROL_BYTES;
    this.capacity = capacity;
    this.mask = capacity - 1;
  }

  /** How far the producer has published (bytes, mod 2^32). */
  published(): number {
    return Atomics.load(this.i32, HEAD) >>> 0;
  }

  /** Whether the consumer has released everything up to `position` (a published() reading). */
  releasedUpTo(position: number): boolean {
    return ((Atomics.load(this.i32, TAIL) - position) | 0) >= 0;
  }

  stats(): RingStats {
    const f = this.f64;
    return {
      capacity: this.capacity,
      used: (Atomics.load(this.i32, HEAD) - Atomics.load(this.i32, TAIL)) >>> 0,
      framesWritten: f[P_FRAMES]!,
      bytesWritten: f[P_BYTES]!,
      fullEvents: f[P_FULL]!,
      producerParks: f[P_PARKS]!,
      framesRead: f[C_FRAMES]!,
      bytesRead: f[C_BYTES]!,
      consumerParks: f[C_PARKS]!,
      wakeups: f[C_WAKEUPS]!,
    };
  }
}

/** Reads a ring's counters from any thread. */
export const ringStats = (region: RingRegion): RingStats => new RingSide(region).stats();

/** The writing end. Claim space, fill header and payload, claim more, then publish() them at once. */
export class RingProducer extends RingSide {
  /** Position after the last claimed frame (published or not). */
  private head: number;
  private cachedTail: number;
  private pendingFrames = 0;
  private pendingBytes = 0;
  private readonly doorbell: Doorbell | null;

  /** With a doorbell, publish() also rings it (for a consumer that waits on several rings). */
  constructor(region: RingRegion, doorbell?: DoorbellRef) {
    super(region);
    this.doorbell = doorbell ? new Doorbell(doorbell) : null;
    this.head = Atomics.load(this.i32, HEAD) >>> 0;
    this.cachedTail = Atomics.load(this.i32, TAIL) >>> 0;
  }

  /**
   * Reserves a frame of `payloadLength` bytes; returns the absolute offset in buffer of its header
   * (the payload follows at + 24), or -1 when the ring is full. The caller writes the header.
   */
  claim(payloadLength: number): number {
    const slot = frameSlot(payloadLength);
    if (slot > this.capacity) throw new RangeError(`frame of ${payloadLength} bytes cannot fit a ${this.capacity}-byte ring`);
    const idx = this.head & this.mask;
    const toEnd = this.capacity - idx;
    const need = slot <= toEnd ? slot : toEnd + slot;
    if (need > this.capacity - ((this.head - this.cachedTail) >>> 0)) {
      this.cachedTail = Atomics.load(this.i32, TAIL) >>> 0;
      if (need > this.capacity - ((this.head - this.cachedTail) >>> 0)) {
        this.f64[P_FULL]! += 1;
        return -1;
      }
    }
    let at = this.data + idx;
    if (slot > toEnd) {
      this.view.setUint32(at, SKIP, true);
      this.head = (this.head + toEnd) >>> 0;
      at = this.data;
    }
    this.head = (this.head + slot) >>> 0;
    this.pendingFrames++;
    this.pendingBytes += slot;
    return at;
  }

  /** Frames claimed and not yet published. */
  get unpublished(): number {
    return this.pendingFrames;
  }

  /** Makes every claimed frame visible to the consumer, and wakes it if it sleeps. */
  publish(): void {
    if (this.pendingFrames === 0) return;
    this.f64[P_FRAMES]! += this.pendingFrames;
    this.f64[P_BYTES]! += this.pendingBytes;
    this.pendingFrames = 0;
    this.pendingBytes = 0;
    Atomics.store(this.i32, HEAD, this.head | 0);
    // Only the first publish after the consumer parked pays for a wake-up: it takes the flag down.
    if (Atomics.load(this.i32, CONSUMER_PARKED) !== 0 && Atomics.exchange(this.i32, CONSUMER_PARKED, 0) !== 0) {
      Atomics.notify(this.i32, HEAD, 1);
    }
    this.doorbell?.ring();
  }

  /** Free bytes as the producer last saw them (refreshes the consumer's position). */
  free(): number {
    this.cachedTail = Atomics.load(this.i32, TAIL) >>> 0;
    return this.capacity - ((this.head - this.cachedTail) >>> 0);
  }

  /**
   * Blocks this thread until `bytes` are free or `timeoutMs` passes (Atomics.wait: not for a thread
   * that must keep its event loop). Returns whether the space is there.
   */
  waitForSpace(bytes: number, timeoutMs: number): boolean {
    if (this.free() >= bytes) return true;
    this.f64[P_PARKS]! += 1;
    Atomics.store(this.i32, PRODUCER_PARKED, 1);
    const tail = Atomics.load(this.i32, TAIL);
    if (this.free() < bytes) Atomics.wait(this.i32, TAIL, tail, timeoutMs);
    Atomics.store(this.i32, PRODUCER_PARKED, 0);
    return this.free() >= bytes;
  }

  /** Resolves when the consumer releases space (or after timeoutMs): for a thread with an event loop. */
  async spaceReleased(timeoutMs: number): Promise<void> {
    this.f64[P_PARKS]! += 1;
    Atomics.store(this.i32, PRODUCER_PARKED, 1);
    const tail = Atomics.load(this.i32, TAIL);
    if ((tail >>> 0) === this.cachedTail) {
      const r = Atomics.waitAsync(this.i32, TAIL, tail, timeoutMs);
      if (r.async) await r.value;
    }
    Atomics.store(this.i32, PRODUCER_PARKED, 0);
  }
}

/** Called for each frame: `at` is the absolute offset of its header in the ring's buffer. */
export type FrameHandler = (view: DataView, at: number, payloadLength: number) => void;

export interface WaitStrategy {
  /** Polls of the head before parking. 0 parks at once. */
  spins: number;
  /** Longest single park, in ms (the consumer re-checks its stop flag after each). */
  parkMs: number;
}

/** Spin briefly, then park: on 2 cores a thread that spins for long steals its producer's core. */
export const DEFAULT_WAIT: WaitStrategy = { spins: 200, parkMs: 50 };

/**
 * Spin through the gaps of a busy stream (20,000 polls: a few hundred µs), then park: a thread woken
 * from Atomics.wait starts some 20 µs later, longer than a risk check takes. Only for a consumer with
 * a core of its own.
 */
export const SPIN_WAIT: WaitStrategy = { spins: 20_000, parkMs: 50 };

/**
 * The runtime's default for its workers: SPIN_WAIT when each worker and the main thread can have a
 * core, else DEFAULT_WAIT (spinners outnumbering the cores take turns on them, and each turn costs
 * milliseconds).
 */
export function workerWait(workers: number, cores: number): WaitStrategy {
  return workers + 1 <= cores ? SPIN_WAIT : DEFAULT_WAIT;
}

/** The reading end. */
export class RingConsumer extends RingSide {
  private tail: number;
  private cachedHead: number;

  constructor(region: RingRegion) {
    super(region);
    this.tail = Atomics.load(this.i32, TAIL) >>> 0;
    this.cachedHead = Atomics.load(this.i32, HEAD) >>> 0;
  }

  /** Whether a published frame is waiting (reads the producer's index). */
  hasFrames(): boolean {
    if (this.tail !== this.cachedHead) return true;
    this.cachedHead = Atomics.load(this.i32, HEAD) >>> 0;
    return this.tail !== this.cachedHead;
  }

  /**
   * Hands up to `max` published frames to `handler`, in order, then releases their space with one
   * store. Returns how many frames it handled. The handler must not keep references into the frame.
   */
  poll(handler: FrameHandler, max = 1024): number {
    // One read of the producer's index per batch.
    this.cachedHead = Atomics.load(this.i32, HEAD) >>> 0;
    if (this.tail === this.cachedHead) return 0;
    const view = this.view;
    let tail = this.tail;
    const head = this.cachedHead;
    let n = 0;
    let bytes = 0;
    while (tail !== head && n < max) {
      const idx = tail & this.mask;
      const at = this.data + idx;
      const len = view.getUint32(at, true);
      if (len === SKIP) {
        tail = (tail + this.capacity - idx) >>> 0;
        continue;
      }
      handler(view, at, len);
      const slot = FRAME_HEADER_SIZE + ((len + 7) & ~7);
      tail = (tail + slot) >>> 0;
      bytes += slot;
      n++;
    }
    this.release(tail, n, bytes);
    return n;
  }

  private release(tail: number, frames: number, bytes: number): void {
    this.tail = tail;
    this.f64[C_FRAMES]! += frames;
    this.f64[C_BYTES]! += bytes;
    Atomics.store(this.i32, TAIL, tail | 0);
    if (Atomics.load(this.i32, PRODUCER_PARKED) !== 0 && Atomics.exchange(this.i32, PRODUCER_PARKED, 0) !== 0) {
      Atomics.notify(this.i32, TAIL, 1);
    }
  }

  /**
   * Waits for a frame: polls the head `spins` times, then parks in Atomics.wait for up to parkMs.
   * Returns whether frames are waiting. Blocks the thread: for workers, not for the main thread.
   */
  waitForFrames(wait: WaitStrategy = DEFAULT_WAIT): boolean {
    for (let i = 0; i < wait.spins; i++) if (this.hasFrames()) return true;
    this.f64[C_PARKS]! += 1;
    Atomics.store(this.i32, CONSUMER_PARKED, 1);
    const head = Atomics.load(this.i32, HEAD);
    if ((head >>> 0) === this.tail) Atomics.wait(this.i32, HEAD, head, wait.parkMs);
    Atomics.store(this.i32, CONSUMER_PARKED, 0);
    const ready = this.hasFrames();
    if (ready) this.f64[C_WAKEUPS]! += 1;
    return ready;
  }

  /** Like waitForFrames, for a thread that must keep its event loop (Atomics.waitAsync). */
  async framesArrived(wait: WaitStrategy = DEFAULT_WAIT): Promise<boolean> {
    for (let i = 0; i < wait.spins; i++) if (this.hasFrames()) return true;
    this.f64[C_PARKS]! += 1;
    Atomics.store(this.i32, CONSUMER_PARKED, 1);
    const head = Atomics.load(this.i32, HEAD);
    if ((head >>> 0) === this.tail) {
      const r = Atomics.waitAsync(this.i32, HEAD, head, wait.parkMs);
      if (r.async) await r.value;
    }
    Atomics.store(this.i32, CONSUMER_PARKED, 0);
    const ready = this.hasFrames();
    if (ready) this.f64[C_WAKEUPS]! += 1;
    return ready;
  }
}
