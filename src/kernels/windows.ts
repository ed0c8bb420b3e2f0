// Windows: the interface both implementations share and the TypeScript reference. The Wasm kernel
// (assembly/window.ts) implements the same rules; tests hold the two to the same results.
//
// Rules:
// - Per key (a symbol id), over events (event time in ns, price, quantity). Aggregates: count, sum,
//   min, max, first and last (by event time; ties by arrival), avg (sum / count, truncated), VWAP
//   (sum of price x qty / sum of qty, truncated), sum of quantity, and the population standard
//   deviation (doubles, Welford's running mean and M2 per pane, merged with Chan's formula: the
//   naive sum-of-squares formula loses the digits that matter when prices are large and close).
// - Event-time windows: tumbling (slide = size) and hopping/sliding (slide < size). Each event goes
//   into one pane (width gcd(size, slide)); a window is the merge of its panes when it is emitted, so
//   an event is never copied into every window it belongs to.
// - Watermark = the largest event time seen - `delay` (bounded out-of-orderness), or later when the
//   host advances it (advanceWatermark: how an idle partition keeps time moving). A window is emitted
//   FINAL when the watermark reaches its end; it then stays open for `lateness` more: an event for it
//   updates it and emits it again (LATE). An event whose every window is past end + lateness is late:
//   counted and written to the side output, never dropped silently.
// - With emitChanges, every event also emits each open window it lands in (UPDATE).
// - Session windows (gap g): an event opens [ts, ts + g); sessions that overlap merge (their panes
//   in start order, then the event). A session is emitted FINAL when the watermark reaches its end
//   and kept `lateness` longer; an event merging into a closed session re-emits it (LATE); an event
//   whose merged session is past end + lateness is late. (Like Flink's merging windows.)
// - Count windows (ROWS n): on every event, the aggregate of that key's last n events (COUNT).
//
// Thread-safety: an instance belongs to the worker that owns its keys' partitions.
import { M64, mix64, u64 } from './state-hash.js';
import { instantiateKernel, KernelMemoryView } from '../runtime/kernel-module.js';

export const WindowKind = { TUMBLING: 1, HOPPING: 2, SESSION: 3, COUNT: 4 } as const;
export const Emit = { FINAL: 1, UPDATE: 2, LATE: 3, COUNT: 4 } as const;

export interface WindowSpec {
  kind: number;
  /** ns for time windows; the gap for SESSION; events for COUNT. */
  size: bigint;
  /** ns; equal to size for TUMBLING. */
  slide: bigint;
  lateness: bigint;
  delay: bigint;
  emitChanges: boolean;
}

export interface WindowResult {
  emit: number;
  key: number;
  /** [start, end) in ns; for COUNT windows the event times of the first and last event. */
  start: bigint;
  end: bigint;
  count: bigint;
  sum: bigint;
  min: bigint;
  max: bigint;
  first: bigint;
  last: bigint;
  sumQty: bigint;
  vwap: bigint;
  avg: bigint;
  stddev: number;
}

export interface LateEvent {
  key: number;
  ts: bigint;
  price: bigint;
  qty: bigint;
}

export interface Windows {
  /** Adds an event; results and late events of this call are in results() and lateEvents(). */
  event(key: number, ts: bigint, price: bigint, qty: bigint): void;
  advanceWatermark(ts: bigint): void;
  results(): WindowResult[];
  lateEvents(): LateEvent[];
  watermark(): bigint;
  lateCount(): number;
  stateHash(): bigint;
}

interface Agg {
  count: bigint;
  sum: bigint;
  min: bigint;
  max: bigint;
  firstTs: bigint;
  first: bigint;
  lastTs: bigint;
  last: bigint;
  sumQty: bigint;
  sumPxQty: bigint;
  /** Welford: running mean and sum of squared deviations. */
  mean: number;
  m2: number;
}

const I64_MIN = -(1n << 63n);
const emptyAgg = (): Agg => ({ count: 0n, sum: 0n, min: 0n, max: 0n, firstTs: 0n, first: 0n, lastTs: 0n, last: 0n, sumQty: 0n, sumPxQty: 0n, mean: 0, m2: 0 });

function add(a: Agg, ts: bigint, price: bigint, qty: bigint): void {
  if (a.count === 0n || price < a.min) a.min = price;
  if (a.count === 0n || price > a.max) a.max = price;
  if (a.count === 0n || ts < a.firstTs) {
    a.firstTs = ts;
    a.first = price;
  }
  if (a.count === 0n || ts >= a.lastTs) {
    a.lastTs = ts;
    a.last = price;
  }
  a.count += 1n;
  a.sum += price;
  a.sumQty += qty;
  a.sumPxQty += price * qty;
  const x = Number(price);
  const delta = x - a.mean;
  a.mean += delta / Number(a.count);
  a.m2 += delta * (x - a.mean);
}

/** Merges b into a (b's events came from later panes: its first/last win only on strict order). */
function merge(a: Agg, b: Agg): void {
  if (b.count === 0n) return;
  if (a.count === 0n) {
    Object.assign(a, b);
    return;
  }
  if (b.min < a.min) a.min = b.min;
  if (b.max > a.max) a.max = b.max;
  if (b.firstTs < a.firstTs) {
    a.firstTs = b.firstTs;
    a.first = b.first;
  }
  if (b.lastTs >= a.lastTs) {
    a.lastTs = b.lastTs;
    a.last = b.last;
  }
  const na = Number(a.count);
  const nb = Number(b.count);
  const n = na + nb;
  const delta = b.mean - a.mean;
  a.mean += (delta * nb) / n;
  a.m2 += b.m2 + (delta * delta * na * nb) / n;
  a.count += b.count;
  a.sum += b.sum;
  a.sumQty += b.sumQty;
  a.sumPxQty += b.sumPxQty;
}

function result(emit: number, key: number, start: bigint, end: bigint, a: Agg): WindowResult {
  return {
    emit, key, start, end, count: a.count, sum: a.sum, min: a.min, max: a.max, first: a.first, last: a.last, sumQty: a.sumQty,
    vwap: a.sumQty === 0n ? 0n : a.sumPxQty / a.sumQty, avg: a.sum / a.count, stddev: Math.sqrt(a.m2 / Number(a.count)),
  };
}

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
/** Floor division (BigInt division truncates toward zero). */
const fdiv = (a: bigint, b: bigint): bigint => (a >= 0n ? a / b : -((-a + b - 1n) / b));

interface KeyState {
  key: number;
  /** Time windows: pane index -> aggregate. */
  panes: Map<bigint, Agg>;
  /** Start of the earliest window not yet emitted FINAL; null before the first event. */
  nextFire: bigint | null;
  maxTs: bigint;
  /** COUNT windows: the last n events. */
  rows: { ts: bigint; price: bigint; qty: bigint }[];
  /** SESSION windows, in start order. */
  sessions: Session[];
}

interface Session {
  start: bigint;
  end: bigint;
  fired: boolean;
  agg: Agg;
}

/** The TypeScript reference. */
export class WindowsReference implements Windows {
  private readonly keys = new Map<number, KeyState>();
  private readonly pane: bigint;
  private wm = I64_MIN;
  private maxTs = I64_MIN;
  private epochs: [bigint, bigint] = [I64_MIN, I64_MIN];
  /** Sessions a key can hold: those retained span at most lateness + delay, each at least a gap. */
  private readonly maxSessions: number;
  private late = 0;
  private out: WindowResult[] = [];
  private lateOut: LateEvent[] = [];

  constructor(private readonly spec: WindowSpec, private readonly maxKeys: number) {
    if (spec.kind === WindowKind.SESSION) {
      if (spec.size <= 0n) throw new RangeError('windows: a session window needs a gap > 0');
    } else if (spec.kind !== WindowKind.COUNT) {
      if (spec.size <= 0n || spec.slide <= 0n || spec.slide > spec.size) throw new RangeError('windows: need 0 < slide <= size');
      if (spec.kind === WindowKind.TUMBLING && spec.slide !== spec.size) throw new RangeError('windows: a tumbling window slides by its size');
    } else if (spec.size <= 0n) throw new RangeError('windows: a count window needs size > 0');
    this.pane = spec.kind === WindowKind.COUNT || spec.kind === WindowKind.SESSION ? 1n : gcd(spec.size, spec.slide);
    this.maxSessions = spec.kind === WindowKind.SESSION ? Number((spec.lateness + spec.delay) / spec.size) + 6 : 0;
  }

  results(): WindowResult[] {
    return this.out;
  }
  lateEvents(): LateEvent[] {
    return this.lateOut;
  }
  watermark(): bigint {
    return this.wm;
  }
  lateCount(): number {
    return this.late;
  }

  private state(key: number): KeyState | null {
    let k = this.keys.get(key);
    if (!k) {
      if (this.keys.size >= this.maxKeys) return null;
      k = { key, panes: new Map(), nextFire: null, maxTs: I64_MIN, rows: [], sessions: [] };
      this.keys.set(key, k);
    }
    return k;
  }

  event(key: number, ts: bigint, price: bigint, qty: bigint): void {
    this.out = [];
    this.lateOut = [];
    const k = this.state(key);
    if (!k) return this.lateEvent(key, ts, price, qty); // no room for another key: counted, not lost silently
    const { size, slide, lateness, delay } = this.spec;
    if (this.spec.kind === WindowKind.COUNT) {
      k.rows.push({ ts, price, qty });
      if (BigInt(k.rows.length) > size) k.rows.shift();
      const a = emptyAgg();
      for (const r of k.rows) add(a, r.ts, r.price, r.qty);
      this.out.push(result(Emit.COUNT, key, k.rows[0]!.ts, k.rows.at(-1)!.ts, a));
      return;
    }
    // The watermark moves first: windows this event closes are emitted before its own updates.
    if (ts > this.maxTs) this.maxTs = ts;
    if (this.maxTs - delay > this.wm) this.advance(this.maxTs - delay);
    if (this.spec.kind === WindowKind.SESSION) return this.sessionEvent(k, ts, price, qty);
    // Windows [s, s + size) with s = j * slide containing ts: j from firstJ to lastJ.
    const lastJ = fdiv(ts, slide);
    const firstJ = fdiv(ts - size, slide) + 1n;
    if (lastJ * slide + size + lateness <= this.wm) return this.lateEvent(key, ts, price, qty); // every window closed for good
    const p = fdiv(ts, this.pane);
    let agg = k.panes.get(p);
    if (!agg) k.panes.set(p, (agg = emptyAgg()));
    add(agg, ts, price, qty);
    if (ts > k.maxTs) k.maxTs = ts;
    const firstOpen = firstJ * slide;
    if (k.nextFire === null || firstOpen < k.nextFire) {
      // Windows of this event that ended at or before the watermark were never due (they had no
      // events): they are reported as LATE below; the first not yet due is the next to emit.
      const due = this.firstNotDue(firstJ);
      if (k.nextFire === null || due < k.nextFire) k.nextFire = due;
    }
    const emits = this.spec.emitChanges || firstJ * slide + size <= this.wm;
    if (!emits) return;
    // All the windows of this event at once (their panes merged once, not once per window).
    const windows = firstJ === lastJ ? [this.window(k, firstJ * slide)] : this.windowsAt(k, firstJ, lastJ);
    for (let j = firstJ; j <= lastJ; j++) {
      const s = j * slide;
      const e = s + size;
      if (e + lateness <= this.wm) continue; // closed for good
      if (e <= this.wm) this.out.push(result(Emit.LATE, key, s, e, windows[Number(j - firstJ)]!));
      else if (this.spec.emitChanges) this.out.push(result(Emit.UPDATE, key, s, e, windows[Number(j - firstJ)]!));
    }
  }

  /**
   * Windows firstJ..lastJ of one key, which all contain one pane, by two sweeps instead of a merge
   * per window: left parts [start, last start) from the right, right parts [last start, end) from
   * the left; each window is its left part merged with its right part. About 2x the panes of one
   * window in merges, however many windows overlap.
   */
  private windowsAt(k: KeyState, firstJ: bigint, lastJ: bigint): Agg[] {
    const m = this.spec.slide / this.pane;
    const panes = this.spec.size / this.pane;
    const n = Number(lastJ - firstJ) + 1;
    const sweep = (into: Agg, from: bigint, to: bigint) => {
      for (let q = from; q < to; q++) {
        const pane = k.panes.get(q);
        if (pane) merge(into, pane);
      }
    };
    const left: Agg[] = new Array(n);
    left[n - 1] = emptyAgg();
    for (let i = n - 2; i >= 0; i--) {
      const j = firstJ + BigInt(i);
      const a = emptyAgg();
      sweep(a, j * m, (j + 1n) * m);
      merge(a, left[i + 1]!);
      left[i] = a;
    }
    const out: Agg[] = new Array(n);
    const right = emptyAgg();
    let from = lastJ * m;
    for (let i = 0; i < n; i++) {
      const end = (firstJ + BigInt(i)) * m + panes;
      sweep(right, from, end);
      from = end;
      const w = emptyAgg();
      merge(w, left[i]!);
      merge(w, right);
      out[i] = w;
    }
    return out;
  }

  private sessionEvent(k: KeyState, ts: bigint, price: bigint, qty: bigint): void {
    const gap = this.spec.size;
    let start = ts;
    let end = ts + gap;
    let first = 0;
    while (first < k.sessions.length && k.sessions[first]!.end <= start) first++;
    let last = first;
    while (last < k.sessions.length && k.sessions[last]!.start < end) {
      const s = k.sessions[last]!;
      if (s.start < start) start = s.start;
      if (s.end > end) end = s.end;
      last++;
    }
    if (end + this.spec.lateness <= this.wm) return this.lateEvent(k.key, ts, price, qty);
    if (k.sessions.length - (last - first) + 1 > this.maxSessions) return this.lateEvent(k.key, ts, price, qty); // no room
    const agg = emptyAgg();
    for (let i = first; i < last; i++) merge(agg, k.sessions[i]!.agg);
    add(agg, ts, price, qty);
    const closed = end <= this.wm;
    k.sessions.splice(first, last - first, { start, end, fired: closed, agg });
    if (closed) this.out.push(result(Emit.LATE, k.key, start, end, agg));
    else if (this.spec.emitChanges) this.out.push(result(Emit.UPDATE, k.key, start, end, agg));
  }

  private lateEvent(key: number, ts: bigint, price: bigint, qty: bigint): void {
    this.late++;
    this.lateOut.push({ key, ts, price, qty });
  }

  /** The start of the first window, from j on, whose end is after the watermark. */
  private firstNotDue(j: bigint): bigint {
    const { size, slide } = this.spec;
    let s = j * slide;
    while (s + size <= this.wm) s += slide;
    return s;
  }

  private window(k: KeyState, start: bigint): Agg {
    const a = emptyAgg();
    for (let p = fdiv(start, this.pane), end = fdiv(start + this.spec.size, this.pane); p < end; p++) {
      const pane = k.panes.get(p);
      if (pane) merge(a, pane);
    }
    return a;
  }

  advanceWatermark(ts: bigint): void {
    this.out = [];
    this.lateOut = [];
    if (ts > this.wm) this.advance(ts);
  }

  private advance(to: bigint): void {
    this.wm = to;
    if (this.spec.kind === WindowKind.COUNT) return;
    const { size, slide, lateness } = this.spec;
    if (this.spec.kind === WindowKind.SESSION) {
      for (const k of this.keys.values()) {
        for (const s of k.sessions) {
          if (!s.fired && s.end <= to) {
            s.fired = true;
            this.out.push(result(Emit.FINAL, k.key, s.start, s.end, s.agg));
          }
        }
        k.sessions = k.sessions.filter((s) => s.end + lateness > to);
      }
      return;
    }
    // Window ends and pane expiries fall on pane boundaries (the latter shifted by the lateness):
    // unless the watermark crossed one, nothing can fire or go.
    const epochs: [bigint, bigint] = [fdiv(to, this.pane), fdiv(to - lateness, this.pane)];
    if (epochs[0] === this.epochs[0] && epochs[1] === this.epochs[1]) return;
    this.epochs = epochs;
    for (const k of this.keys.values()) {
      if (k.nextFire === null) continue;
      while (k.nextFire + size <= to && k.nextFire <= k.maxTs) {
        const a = this.window(k, k.nextFire);
        if (a.count > 0n) this.out.push(result(Emit.FINAL, k.key, k.nextFire, k.nextFire + size, a));
        k.nextFire += slide;
      }
      if (k.nextFire > k.maxTs) k.nextFire = null; // nothing pending: the next event sets it again
      // Panes whose last window has closed for good go.
      for (const p of [...k.panes.keys()]) {
        const lastStart = fdiv(p * this.pane, slide) * slide;
        if (lastStart + size + lateness <= to) k.panes.delete(p);
      }
    }
  }

  stateHash(): bigint {
    return hashWindows(this.wm, this.late, [...this.keys.values()].map((k) => ({
      key: k.key, nextFire: k.nextFire, maxTs: k.maxTs,
      panes: [...k.panes.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)), rows: k.rows, sessions: k.sessions,
    })));
  }
}


/** Order-independent over keys; panes in pane order; rows in arrival order. */
export function hashWindows(wm: bigint, late: number, keys: { key: number; nextFire: bigint | null; maxTs: bigint; panes: [bigint, Agg][]; rows: { ts: bigint; price: bigint; qty: bigint }[]; sessions: Session[] }[]): bigint {
  let total = mix64(mix64(u64(wm)) ^ BigInt(late));
  for (const k of keys) {
    let h = mix64(BigInt(k.key) ^ 0x3141n);
    h = mix64(h ^ (k.nextFire === null ? 0x7fffn : u64(k.nextFire)));
    h = mix64(h ^ u64(k.maxTs));
    for (const [p, a] of k.panes) {
      h = mix64(h ^ u64(p));
      for (const v of [a.count, a.sum, a.min, a.max, a.first, a.last, a.sumQty, a.sumPxQty]) h = mix64(h ^ u64(v));
    }
    for (const r of k.rows) h = mix64(mix64(mix64(h ^ u64(r.ts)) ^ u64(r.price)) ^ u64(r.qty));
    for (const s of k.sessions) {
      h = mix64(mix64(mix64(h ^ u64(s.start)) ^ u64(s.end)) ^ (s.fired ? 1n : 0n));
      const a = s.agg;
      for (const v of [a.count, a.sum, a.min, a.max, a.first, a.last, a.sumQty, a.sumPxQty]) h = mix64(h ^ u64(v));
    }
    total = (total + h) & M64;
  }
  return BigInt.asIntN(64, total);
}

interface WindowExports {
  init(kind: number, size: bigint, slide: bigint, lateness: bigint, delay: bigint, emitChanges: number, keys: number): number;
  event(key: number, ts: bigint, price: bigint, qty: bigint): void;
  advanceWatermark(ts: bigint): void;
  resultCount(): number;
  resultsPtr(): number;
  lateEventCount(): number;
  lateEventsPtr(): number;
  watermark(): bigint;
  lateCount(): number;
  stateHash(): bigint;
  eventBatch(events: number, count: number): number;
  reserve(bytes: number): number;
}

/** Byte offsets of one result where the Wasm kernel writes them (WindowsWasm.memoryView), RESULT.bytes apart. */
export const RESULT = {
  bytes: 112, emit: 0, key: 4, start: 8, end: 16, count: 24, sum: 32, min: 40, max: 48, first: 56, last: 64, sumQty: 72, vwap: 80, avg: 88, stddev: 96,
} as const;

/** The Wasm kernel behind the shared interface. */
export class WindowsWasm implements Windows {
  readonly exports: WindowExports;
  readonly memory: WebAssembly.Memory;
  private readonly view: KernelMemoryView;

  constructor(spec: WindowSpec, maxKeys: number) {
    const k = instantiateKernel<WindowExports>('window');
    this.exports = k.exports;
    this.memory = k.memory;
    this.view = new KernelMemoryView(k.memory);
    if (this.exports.init(spec.kind, spec.size, spec.slide, spec.lateness, spec.delay, spec.emitChanges ? 1 : 0, maxKeys) !== 0) {
      throw new RangeError('windows: need 0 < slide <= size (a tumbling window slides by its size; a count window needs size > 0)');
    }
  }

  event(key: number, ts: bigint, price: bigint, qty: bigint): void {
    this.exports.event(key, ts, price, qty);
  }

  advanceWatermark(ts: bigint): void {
    this.exports.advanceWatermark(ts);
  }

  results(): WindowResult[] {
    const n = this.exports.resultCount();
    const v = this.memoryView();
    const out: WindowResult[] = [];
    for (let i = 0, at = this.exports.resultsPtr(); i < n; i++, at += RESULT.bytes) {
      const i64 = (o: number) => v.getBigInt64(at + o, true);
      out.push({
        emit: v.getUint8(at + RESULT.emit), key: v.getUint32(at + RESULT.key, true), start: i64(RESULT.start), end: i64(RESULT.end), count: i64(RESULT.count),
        sum: i64(RESULT.sum), min: i64(RESULT.min), max: i64(RESULT.max), first: i64(RESULT.first), last: i64(RESULT.last), sumQty: i64(RESULT.sumQty),
        vwap: i64(RESULT.vwap), avg: i64(RESULT.avg), stddev: v.getFloat64(at + RESULT.stddev, true),
      });
    }
    return out;
  }

  /** How many results the last call wrote, and where the first is in memoryView(). */
  resultCount(): number {
    return this.exports.resultCount();
  }

  resultsAt(): number {
    return this.exports.resultsPtr();
  }

  /**
   * The kernel's memory, to read the last call's results in place (RESULT gives the offsets) without
   * making a WindowResult of each: valid until the next call.
   */
  memoryView(): DataView {
    return this.view.get();
  }

  lateEvents(): LateEvent[] {
    if (this.exports.lateEventCount() === 0) return [];
    const v = new DataView(this.memory.buffer, this.exports.lateEventsPtr(), 32);
    return [{ key: v.getUint32(0, true), ts: v.getBigInt64(8, true), price: v.getBigInt64(16, true), qty: v.getBigInt64(24, true) }];
  }

  watermark(): bigint {
    return this.exports.watermark();
  }

  lateCount(): number {
    return this.exports.lateCount();
  }

  stateHash(): bigint {
    return this.exports.stateHash();
  }
}
