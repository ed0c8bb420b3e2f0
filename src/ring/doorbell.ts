// A doorbell per consuming thread, for a consumer fed by several rings (a worker reads the main
// thread's ring and one ring from each peer worker). Producers ring it after publishing; the consumer
// parks on it when every ring came up empty. Atomics.wait watches one address, so the doorbell is that
// address.
//
// Thread-safety: any thread may ring(); only the owning thread may wait()/waitAsync(). Each bell has
// its own 64-byte line: [0] rings counter, [1] parked flag.
export const DOORBELL_STRIDE_INTS = 16;

export interface DoorbellRef {
  buffer: SharedArrayBuffer;
  /** Which bell in the buffer. */
  index: number;
}

export function createDoorbells(count: number): SharedArrayBuffer {
  return new SharedArrayBuffer(count * DOORBELL_STRIDE_INTS * 4);
}

export class Doorbell {
  private readonly i32: Int32Array;
  private readonly seq: number;
  private readonly parked: number;

  constructor(ref: DoorbellRef) {
    this.i32 = new Int32Array(ref.buffer);
    this.seq = ref.index * DOORBELL_STRIDE_INTS;
    this.parked = this.seq + 1;
  }

  /** Called by a producer after it published. Wakes the consumer only if it is parked. */
  ring(): void {
    Atomics.add(this.i32, this.seq, 1);
    if (Atomics.load(this.i32, this.parked) !== 0 && Atomics.exchange(this.i32, this.parked, 0) !== 0) {
      Atomics.notify(this.i32, this.seq, 1);
    }
  }

  /** Read before polling: a ring after this reading makes the next wait return at once. */
  observe(): number {
    return Atomics.load(this.i32, this.seq);
  }

  /** Parks until rung after `observed` was read, or timeoutMs passes. Blocks the thread. */
  wait(observed: number, timeoutMs: number): void {
    Atomics.store(this.i32, this.parked, 1);
    if (Atomics.load(this.i32, this.seq) === observed) Atomics.wait(this.i32, this.seq, observed, timeoutMs);
    Atomics.store(this.i32, this.parked, 0);
  }

  /** wait() for a thread that keeps its event loop. */
  async waitAsync(observed: number, timeoutMs: number): Promise<void> {
    Atomics.store(this.i32, this.parked, 1);
    if (Atomics.load(this.i32, this.seq) === observed) {
      const r = Atomics.waitAsync(this.i32, this.seq, observed, timeoutMs);
      if (r.async) await r.value;
    }
    Atomics.store(this.i32, this.parked, 0);
  }
}
