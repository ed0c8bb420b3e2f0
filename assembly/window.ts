// Windows, the rules of src/kernels/windows.ts (its TypeScript reference) in linear memory: per key a
// ring of panes (time windows) or of the last n events (count windows). An event touches one pane; a
// window is merged from its panes when it is emitted. Results go to a buffer the host reads after each
// call (112 bytes each); a late event goes to the side-output buffer (32 bytes).
//
// Memory: fixed pools carved once by init(). One instance per memory.
import { indexCount, indexOf, indexOrAdd, newIndexTable, mix64 } from './index-table';

const TUMBLING: i32 = 1;
const SESSION: i32 = 3;
const COUNT: i32 = 4;
const FINAL: u8 = 1;
const UPDATE: u8 = 2;
const LATE: u8 = 3;
const COUNTED: u8 = 4;
const I64_MIN: i64 = -9223372036854775808;
const I64_MAX: i64 = 9223372036854775807;

// Pane (104 bytes).
const P_IDX = 0; // I64_MIN: empty
const P_COUNT = 8;
const P_SUM = 16;
const P_MIN = 24;
const P_MAX = 32;
const P_FIRST_TS = 40;
const P_FIRST = 48;
const P_LAST_TS = 56;
const P_LAST = 64;
const P_QTY = 72;
const P_PXQTY = 80;
const P_MEAN = 88; // f64
const P_M2 = 96; // f64
const P_SIZE: usize = 104;
// Key (48 bytes).
const K_KEY = 0;
const K_HAS_NEXT = 4;
const K_NEXT = 8;
const K_MAX_TS = 16;
const K_ROWS = 24; // i32: rows held
const K_ROW_HEAD = 28; // i32: oldest row
// The pane of the key's last event, with what the event path derives from it: an event in the same
// pane (most are) needs no division. Valid for ts in [K_C_LO, K_C_HI); zeroed, it matches no ts.
const K_C_LO = 32;
const K_C_HI = 40;
const K_C_PANE = 48;
const K_C_LAST_J = 56; // the last window of an event in the pane (fdiv(ts, slide))
const K_C_FIRST_J = 64; // the first (fdiv(ts - size, slide) + 1: the same for every ts in the pane)
const K_C_AT = 72; // usize: the pane's slot
const K_SIZE: usize = 80;
const RESULT_SIZE: usize = 112;
// Session (128 bytes): start i64, end i64, fired i32, pad, then an aggregate laid out as a pane.
const S_START = 0;
const S_END = 8;
const S_FIRED = 16;
const S_AGG: usize = 24;
const S_SIZE: usize = 128;

let kind: i32 = 0;
let size: i64 = 0;
let slide: i64 = 0;
let lateness: i64 = 0;
let delay: i64 = 0;
let emitChanges: bool = false;
let pane: i64 = 1;
let ring: i32 = 0; // panes (or rows) per key
let keyTable: usize = 0;
let keys: usize = 0;
let maxKeys: i32 = 0;
let store_: usize = 0; // per key: ring of panes or rows
let wm: i64 = I64_MIN;
let maxTs: i64 = I64_MIN;
let lateTotal: i32 = 0;
let results: usize = 0;
let resultCap: i32 = 0;
let resultN: i32 = 0;
let late: usize = 0;
let lateN: i32 = 0;
let scratch: usize = 0; // a pane to merge a window into
let leftParts: usize = 0; // windowsAt(): the left part of each window of one event
let rightPart: usize = 0;
// Left parts kept from one event to the next (hopping windows): the left part of a window covers the
// slides before the event's, so events of a key in the same slide share them. Entries, one per key
// (mod the entry count): [key index i32 (-1: none), pad, firstJ i64, lastJ i64, pad] then the parts.
// An event of the key in an earlier slide than an entry's last one drops it.
let leftCache: usize = 0;
let leftCacheEntries: i32 = 0;
let leftCacheBytes: usize = 0;
const LEFT_CACHE_BUDGET: usize = 4 << 20;
// The watermark values at which the next pane boundary (or one shifted by the lateness) is crossed:
// below both, an advance can neither fire a window nor expire a pane.
let nextBoundaryA: i64 = I64_MIN;
// Sessions: no session fires or goes while the watermark stays below this (at most the earliest end
// of an unfired session or end + lateness of any session; lowered as sessions change).
let sessionDeadline: i64 = I64_MAX;
let nextBoundaryB: i64 = I64_MIN;

function gcd(a: i64, b: i64): i64 {
  while (b != 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}
/** Floor division by a positive b (i64 division truncates toward zero); one division, not two. */
@inline function fdiv(a: i64, b: i64): i64 {
  const q = a / b;
  return a < 0 && q * b != a ? q - 1 : q;
}

/** Returns 0, or 1 when the spec is not valid. */
export function init(windowKind: i32, windowSize: i64, windowSlide: i64, allowedLateness: i64, outOfOrder: i64, changes: bool, keyCapacity: i32): i32 {
  kind = windowKind;
  size = windowSize;
  slide = windowSlide;
  lateness = allowedLateness;
  delay = outOfOrder;
  emitChanges = changes;
  maxKeys = keyCapacity;
  if (kind == COUNT) {
    if (size <= 0) return 1;
    pane = 1;
    ring = <i32>size;
  } else if (kind == SESSION) {
    if (size <= 0) return 1;
    pane = 1;
    ring = <i32>((lateness + delay) / size) + 6; // sessions a key can hold
  } else {
    if (size <= 0 || slide <= 0 || slide > size || (kind == TUMBLING && slide != size)) return 1;
    pane = gcd(size, slide);
    ring = <i32>((size + lateness + delay) / pane) + 3;
  }
  keyTable = newIndexTable(keyCapacity);
  keys = heap.alloc(<usize>keyCapacity * K_SIZE);
  memory.fill(keys, 0, <usize>keyCapacity * K_SIZE);
  const per: usize = kind == COUNT ? countBytes() : kind == SESSION ? <usize>ring * S_SIZE : <usize>ring * P_SIZE;
  store_ = heap.alloc(<usize>keyCapacity * per);
  if (kind == COUNT) memory.fill(store_, 0, <usize>keyCapacity * per); // sums and queues start empty
  if (kind != COUNT && kind != SESSION) {
    for (let i: usize = 0; i < <usize>keyCapacity * <usize>ring; i++) store<i64>(store_ + i * P_SIZE, I64_MIN, P_IDX);
  }
  const perKey = kind == COUNT ? 1 : kind == SESSION ? ring + 2 : <i32>((size + lateness + delay) / slide) + 4;
  resultCap = keyCapacity * perKey + 16;
  results = heap.alloc(<usize>resultCap * RESULT_SIZE);
  late = heap.alloc(32);
  scratch = heap.alloc(P_SIZE);
  rightPart = heap.alloc(P_SIZE);
  if (kind != COUNT && kind != SESSION) {
    leftParts = heap.alloc(<usize>(size / slide + 2) * P_SIZE);
    if (kind != TUMBLING) {
      leftCacheBytes = 32 + <usize>(size / slide + 2) * P_SIZE;
      const fit = <i32>(LEFT_CACHE_BUDGET / leftCacheBytes);
      leftCacheEntries = fit < keyCapacity ? fit : keyCapacity;
      if (leftCacheEntries > 16) leftCacheEntries = 16;
      if (leftCacheEntries > 0) {
        leftCache = heap.alloc(<usize>leftCacheEntries * leftCacheBytes);
        for (let i = 0; i < leftCacheEntries; i++) store<i32>(leftCache + <usize>i * leftCacheBytes, -1);
      }
    }
  }
  return 0;
}

export function resultCount(): i32 {
  return resultN;
}
export function resultsPtr(): usize {
  return results;
}
export function lateEventCount(): i32 {
  return lateN;
}
export function lateEventsPtr(): usize {
  return late;
}
export function watermark(): i64 {
  return wm;
}
export function lateCount(): i32 {
  return lateTotal;
}

@inline function keyAt(i: i32): usize {
  return keys + <usize>i * K_SIZE;
}
@inline function paneAt(ki: i32, p: i64): usize {
  let slot = p % <i64>ring;
  if (slot < 0) slot += ring;
  return store_ + (<usize>ki * <usize>ring + <usize>slot) * P_SIZE;
}

// ---- aggregates -----------------------------------------------------------------------------

function clear(a: usize): void {
  memory.fill(a + 8, 0, P_SIZE - 8);
}

function addEvent(a: usize, ts: i64, price: i64, qty: i64): void {
  const n = load<i64>(a, P_COUNT);
  if (n == 0 || price < load<i64>(a, P_MIN)) store<i64>(a, price, P_MIN);
  if (n == 0 || price > load<i64>(a, P_MAX)) store<i64>(a, price, P_MAX);
  if (n == 0 || ts < load<i64>(a, P_FIRST_TS)) {
    store<i64>(a, ts, P_FIRST_TS);
    store<i64>(a, price, P_FIRST);
  }
  if (n == 0 || ts >= load<i64>(a, P_LAST_TS)) {
    store<i64>(a, ts, P_LAST_TS);
    store<i64>(a, price, P_LAST);
  }
  store<i64>(a, n + 1, P_COUNT);
  store<i64>(a, load<i64>(a, P_SUM) + price, P_SUM);
  store<i64>(a, load<i64>(a, P_QTY) + qty, P_QTY);
  store<i64>(a, load<i64>(a, P_PXQTY) + price * qty, P_PXQTY);
  const x = <f64>price;
  let mean = load<f64>(a, P_MEAN);
  const delta = x - mean;
  mean += delta / <f64>(n + 1);
  store<f64>(a, mean, P_MEAN);
  store<f64>(a, load<f64>(a, P_M2) + delta * (x - mean), P_M2);
}

function mergeInto(a: usize, b: usize): void {
  const nb = load<i64>(b, P_COUNT);
  if (nb == 0) return;
  const na = load<i64>(a, P_COUNT);
  if (na == 0) {
    memory.copy(a + 8, b + 8, P_SIZE - 8);
    return;
  }
  if (load<i64>(b, P_MIN) < load<i64>(a, P_MIN)) store<i64>(a, load<i64>(b, P_MIN), P_MIN);
  if (load<i64>(b, P_MAX) > load<i64>(a, P_MAX)) store<i64>(a, load<i64>(b, P_MAX), P_MAX);
  if (load<i64>(b, P_FIRST_TS) < load<i64>(a, P_FIRST_TS)) {
    store<i64>(a, load<i64>(b, P_FIRST_TS), P_FIRST_TS);
    store<i64>(a, load<i64>(b, P_FIRST), P_FIRST);
  }
  if (load<i64>(b, P_LAST_TS) >= load<i64>(a, P_LAST_TS)) {
    store<i64>(a, load<i64>(b, P_LAST_TS), P_LAST_TS);
    store<i64>(a, load<i64>(b, P_LAST), P_LAST);
  }
  const fa = <f64>na;
  const fb = <f64>nb;
  const n = fa + fb;
  const delta = load<f64>(b, P_MEAN) - load<f64>(a, P_MEAN);
  store<f64>(a, load<f64>(a, P_MEAN) + (delta * fb) / n, P_MEAN);
  store<f64>(a, load<f64>(a, P_M2) + (load<f64>(b, P_M2) + (delta * delta * fa * fb) / n), P_M2);
  store<i64>(a, na + nb, P_COUNT);
  store<i64>(a, load<i64>(a, P_SUM) + load<i64>(b, P_SUM), P_SUM);
  store<i64>(a, load<i64>(a, P_QTY) + load<i64>(b, P_QTY), P_QTY);
  store<i64>(a, load<i64>(a, P_PXQTY) + load<i64>(b, P_PXQTY), P_PXQTY);
}

function emit(what: u8, key: u32, start: i64, end: i64, a: usize): void {
  if (resultN >= resultCap) return; // sized at init for the most one call can emit
  const r = results + <usize>resultN * RESULT_SIZE;
  const n = load<i64>(a, P_COUNT);
  const qty = load<i64>(a, P_QTY);
  store<u8>(r, what);
  store<u32>(r, key, 4);
  store<i64>(r, start, 8);
  store<i64>(r, end, 16);
  store<i64>(r, n, 24);
  store<i64>(r, load<i64>(a, P_SUM), 32);
  store<i64>(r, load<i64>(a, P_MIN), 40);
  store<i64>(r, load<i64>(a, P_MAX), 48);
  store<i64>(r, load<i64>(a, P_FIRST), 56);
  store<i64>(r, load<i64>(a, P_LAST), 64);
  store<i64>(r, qty, 72);
  store<i64>(r, qty == 0 ? 0 : load<i64>(a, P_PXQTY) / qty, 80);
  store<i64>(r, load<i64>(a, P_SUM) / n, 88);
  store<f64>(r, Math.sqrt(load<f64>(a, P_M2) / <f64>n), 96);
  resultN++;
}

/**
 * Emits the merge of a and b (a copy of a with b merged into it: mergeInto's operations, in its
 * order) without building it first: each window of an event is its left part merged with the right
 * part, written straight into its result.
 */
function emitMerged(what: u8, key: u32, start: i64, end: i64, a: usize, b: usize): void {
  const nb = load<i64>(b, P_COUNT);
  const na = load<i64>(a, P_COUNT);
  if (nb == 0 || na == 0) {
    emit(what, key, start, end, nb == 0 ? a : b); // an empty part is all zeros: the other one it is
    return;
  }
  if (resultN >= resultCap) return;
  const r = results + <usize>resultN * RESULT_SIZE;
  const n = na + nb;
  const sum = load<i64>(a, P_SUM) + load<i64>(b, P_SUM);
  const qty = load<i64>(a, P_QTY) + load<i64>(b, P_QTY);
  const pxQty = load<i64>(a, P_PXQTY) + load<i64>(b, P_PXQTY);
  const bMin = load<i64>(b, P_MIN);
  const aMin = load<i64>(a, P_MIN);
  const bMax = load<i64>(b, P_MAX);
  const aMax = load<i64>(a, P_MAX);
  const firstFrom = load<i64>(b, P_FIRST_TS) < load<i64>(a, P_FIRST_TS) ? b : a;
  const lastFrom = load<i64>(b, P_LAST_TS) >= load<i64>(a, P_LAST_TS) ? b : a;
  const fa = <f64>na;
  const fb = <f64>nb;
  const delta = load<f64>(b, P_MEAN) - load<f64>(a, P_MEAN);
  const m2 = load<f64>(a, P_M2) + (load<f64>(b, P_M2) + (delta * delta * fa * fb) / (fa + fb));
  store<u8>(r, what);
  store<u32>(r, key, 4);
  store<i64>(r, start, 8);
  store<i64>(r, end, 16);
  store<i64>(r, n, 24);
  store<i64>(r, sum, 32);
  store<i64>(r, bMin < aMin ? bMin : aMin, 40);
  store<i64>(r, bMax > aMax ? bMax : aMax, 48);
  store<i64>(r, load<i64>(firstFrom, P_FIRST), 56);
  store<i64>(r, load<i64>(lastFrom, P_LAST), 64);
  store<i64>(r, qty, 72);
  store<i64>(r, qty == 0 ? 0 : pxQty / qty, 80);
  store<i64>(r, sum / n, 88);
  store<f64>(r, Math.sqrt(m2 / <f64>n), 96);
  resultN++;
}

/** Merges the panes of the window starting at `start` into scratch. */
function window(ki: i32, start: i64): usize {
  clear(scratch);
  const end = fdiv(start + size, pane);
  for (let p = fdiv(start, pane); p < end; p++) {
    const a = paneAt(ki, p);
    if (load<i64>(a, P_IDX) == p) mergeInto(scratch, a);
  }
  return scratch;
}

// ---- events and the watermark ---------------------------------------------------------------

function keyIndex(key: u32): i32 {
  const known = indexOf(keyTable, <u64>key);
  if (known >= 0) return known;
  const before = indexCount(keyTable);
  const ki = indexOrAdd(keyTable, <u64>key);
  if (ki >= 0 && ki == before) {
    const k = keyAt(ki);
    store<u32>(k, key, K_KEY);
    store<i32>(k, 0, K_HAS_NEXT);
    store<i64>(k, 0, K_NEXT);
    store<i64>(k, I64_MIN, K_MAX_TS);
    store<i32>(k, 0, K_ROWS);
    store<i32>(k, 0, K_ROW_HEAD);
  }
  return ki;
}

export function event(key: u32, ts: i64, price: i64, qty: i64): void {
  resultN = 0;
  lateN = 0;
  const ki = keyIndex(key);
  if (ki < 0) {
    lateEvent(key, ts, price, qty); // no room for another key: counted, not lost silently
    return;
  }
  const k = keyAt(ki);
  if (kind == COUNT) {
    countEvent(ki, k, key, ts, price, qty);
    return;
  }
  // The watermark moves first: windows this event closes are emitted before its own updates (and
  // their panes go before this event needs a slot).
  if (ts > maxTs) maxTs = ts;
  const to = maxTs - delay;
  if (to > wm) {
    // Time windows: short of the next pane boundary (or one shifted by the lateness), the watermark
    // just moves (as advance() would find); most events stop here.
    if (kind != SESSION && to < nextBoundaryA && to < nextBoundaryB) wm = to;
    else advance(to);
  }
  if (kind == SESSION) {
    sessionEvent(ki, key, ts, price, qty);
    return;
  }
  // The event's pane and windows: from the key's last pane when the event falls in it, else worked
  // out (a tumbling window is its own pane: one division places the event). Within a pane, the
  // windows are the same for every ts: window and pane boundaries are all multiples of the pane.
  let lastJ: i64;
  let firstJ: i64;
  let p: i64;
  let a: usize;
  if (ts >= load<i64>(k, K_C_LO) && ts < load<i64>(k, K_C_HI)) {
    lastJ = load<i64>(k, K_C_LAST_J);
    firstJ = load<i64>(k, K_C_FIRST_J);
    p = load<i64>(k, K_C_PANE);
    a = load<usize>(k, K_C_AT);
  } else {
    lastJ = fdiv(ts, slide);
    firstJ = kind == TUMBLING ? lastJ : fdiv(ts - size, slide) + 1;
    p = kind == TUMBLING ? lastJ : fdiv(ts, pane);
    a = paneAt(ki, p);
    const lo = p * pane;
    store<i64>(k, lo, K_C_LO);
    store<i64>(k, lo + pane, K_C_HI); // wraps (matching nothing) only at the very end of time
    store<i64>(k, lastJ, K_C_LAST_J);
    store<i64>(k, firstJ, K_C_FIRST_J);
    store<i64>(k, p, K_C_PANE);
    store<usize>(k, a, K_C_AT);
  }
  if (lastJ * slide + size + lateness <= wm) {
    lateEvent(key, ts, price, qty);
    return;
  }
  if (leftCacheEntries > 0) {
    // Kept left parts cover the slides before their last one: an event there changes them. (Such an
    // event always reaches windowsAt itself, with windows of its own, so this is a safety net.)
    const c = leftCacheEntry(ki);
    if (load<i32>(c) == ki && lastJ < load<i64>(c, 16)) store<i32>(c, -1);
  }
  if (load<i64>(a, P_IDX) != p) {
    store<i64>(a, p, P_IDX);
    clear(a);
  }
  addEvent(a, ts, price, qty);
  if (ts > load<i64>(k, K_MAX_TS)) store<i64>(k, ts, K_MAX_TS);
  const firstOpen = firstJ * slide;
  const has = load<i32>(k, K_HAS_NEXT) != 0;
  if (!has || firstOpen < load<i64>(k, K_NEXT)) {
    let s = firstOpen;
    while (s + size <= wm) s += slide;
    if (!has || s < load<i64>(k, K_NEXT)) {
      store<i64>(k, s, K_NEXT);
      store<i32>(k, 1, K_HAS_NEXT);
    }
  }
  if (!emitChanges && firstJ * slide + size > wm) return;
  if (firstJ == lastJ) {
    const s = firstJ * slide;
    const e = s + size;
    if (e + lateness <= wm) return;
    // A tumbling window is the one pane this event is in: merged into an empty aggregate it would
    // be a copy of the pane, so the pane is emitted as it is.
    const w = kind == TUMBLING ? a : window(ki, s);
    if (e <= wm) emit(LATE, key, s, e, w);
    else if (emitChanges) emit(UPDATE, key, s, e, w);
    return;
  }
  windowsAt(ki, key, firstJ, lastJ);
}

@inline function sweep(ki: i32, into: usize, from: i64, to: i64): void {
  for (let q = from; q < to; q++) {
    const a = paneAt(ki, q);
    if (load<i64>(a, P_IDX) == q) mergeInto(into, a);
  }
}

/**
 * Emits windows firstJ..lastJ of one event, which all contain its pane, by two sweeps instead of a
 * merge per window (as windowsAt in the reference, in the same merge order).
 */
@inline function leftCacheEntry(ki: i32): usize {
  return leftCache + <usize>(ki % leftCacheEntries) * leftCacheBytes;
}

function windowsAt(ki: i32, key: u32, firstJ: i64, lastJ: i64): void {
  const m = slide / pane;
  const panes = size / pane;
  const n = <i32>(lastJ - firstJ) + 1;
  let parts = leftParts;
  let build = true;
  if (leftCacheEntries > 0) {
    const c = leftCacheEntry(ki);
    parts = c + 32;
    if (load<i32>(c) == ki && load<i64>(c, 8) == firstJ && load<i64>(c, 16) == lastJ) {
      build = false; // the same slides as this key's last event, none of them changed since
    } else {
      store<i32>(c, ki);
      store<i64>(c, firstJ, 8);
      store<i64>(c, lastJ, 16);
    }
  }
  if (build) {
    clear(parts + <usize>(n - 1) * P_SIZE);
    for (let i = n - 2; i >= 0; i--) {
      const j = firstJ + <i64>i;
      const a = parts + <usize>i * P_SIZE;
      clear(a);
      sweep(ki, a, j * m, (j + 1) * m);
      mergeInto(a, a + P_SIZE);
    }
  }
  clear(rightPart);
  let from = lastJ * m;
  for (let i = 0; i < n; i++) {
    const j = firstJ + <i64>i;
    const end = j * m + panes;
    sweep(ki, rightPart, from, end);
    from = end;
    const s = j * slide;
    const e = s + size;
    if (e + lateness <= wm) continue;
    if (e > wm && !emitChanges) continue;
    emitMerged(e <= wm ? LATE : UPDATE, key, s, e, parts + <usize>i * P_SIZE, rightPart);
  }
}

@inline function sessionAt(ki: i32, i: i32): usize {
  return store_ + (<usize>ki * <usize>ring + <usize>i) * S_SIZE;
}

/** The watermark at which session s next fires or goes: its end (unfired) or its end + lateness. */
@inline function sessionDue(s: usize): i64 {
  const end = load<i64>(s, S_END);
  const gone = end + lateness;
  return load<i32>(s, S_FIRED) == 0 && end < gone ? end : gone;
}

function sessionEvent(ki: i32, key: u32, ts: i64, price: i64, qty: i64): void {
  const k = keyAt(ki);
  const n = load<i32>(k, K_ROWS);
  let start = ts;
  let end = ts + size;
  let first = 0;
  while (first < n && load<i64>(sessionAt(ki, first), S_END) <= start) first++;
  let last = first;
  while (last < n && load<i64>(sessionAt(ki, last), S_START) < end) {
    const s = sessionAt(ki, last);
    if (load<i64>(s, S_START) < start) start = load<i64>(s, S_START);
    if (load<i64>(s, S_END) > end) end = load<i64>(s, S_END);
    last++;
  }
  if (end + lateness <= wm || n - (last - first) + 1 > ring) {
    lateEvent(key, ts, price, qty); // closed for good, or no room for another session
    return;
  }
  clear(scratch);
  for (let i = first; i < last; i++) mergeInto(scratch, sessionAt(ki, i) + S_AGG);
  addEvent(scratch, ts, price, qty);
  // Replace sessions [first, last) with the merged one.
  const removed = last - first;
  if (removed != 1) {
    const from = sessionAt(ki, last);
    const to = sessionAt(ki, first + 1);
    memory.copy(to, from, <usize>(n - last) * S_SIZE);
  }
  const s = sessionAt(ki, first);
  const closed = end <= wm;
  store<i64>(s, start, S_START);
  store<i64>(s, end, S_END);
  store<i32>(s, closed ? 1 : 0, S_FIRED);
  const due = sessionDue(s);
  if (due < sessionDeadline) sessionDeadline = due;
  memory.copy(s + S_AGG, scratch, P_SIZE);
  store<i32>(k, n - removed + 1, K_ROWS);
  if (closed) emit(LATE, key, start, end, s + S_AGG);
  else if (emitChanges) emit(UPDATE, key, start, end, s + S_AGG);
}

function lateEvent(key: u32, ts: i64, price: i64, qty: i64): void {
  lateTotal++;
  store<u32>(late, key);
  store<i64>(late, ts, 8);
  store<i64>(late, price, 16);
  store<i64>(late, qty, 24);
  lateN = 1;
}

// Count windows keep, per key, the last n rows (ts, price, qty), running sums of the rows, and four
// monotonic queues of row slots: the smallest and the largest price, the earliest event time (the
// first row to arrive among equal times: the reference's first) and the latest (the last to arrive:
// its last). Each event adds a row and drops the oldest, so only the Welford mean and M2 are still
// worked out over the rows, in order, as the reference adds them up (doubles, the same operations).
const Q_MIN = 0;
const Q_MAX = 1;
const Q_FIRST = 2;
const Q_LAST = 3;

/** Bytes per key: rows, the running aggregate, then per queue (head, length) and a ring of slots. */
function countBytes(): usize {
  return <usize>ring * 24 + P_SIZE + 32 + <usize>ring * 16;
}
@inline function countBase(ki: i32): usize {
  return store_ + <usize>ki * countBytes();
}
@inline function queueHeader(base: usize, q: i32): usize {
  return base + <usize>ring * 24 + P_SIZE + (<usize>q << 3);
}
@inline function queueSlots(base: usize, q: i32): usize {
  return base + <usize>ring * 24 + P_SIZE + 32 + (<usize>q * <usize>ring << 2);
}
/** Drops the front of queue q if it is row `slot` (the row leaving the window). */
@inline function queueEvict(base: usize, q: i32, slot: i32): void {
  const h = queueHeader(base, q);
  const len = load<i32>(h, 4);
  if (len == 0) return;
  const head = load<i32>(h);
  if (load<i32>(queueSlots(base, q) + (<usize>head << 2)) != slot) return;
  store<i32>(h, head + 1 == ring ? 0 : head + 1);
  store<i32>(h, len - 1, 4);
}
/** Row slot at the front of queue q. */
@inline function queueFront(base: usize, q: i32): i32 {
  return load<i32>(queueSlots(base, q) + (<usize>load<i32>(queueHeader(base, q)) << 2));
}
const DROP_GE: i32 = 0; // drop rows whose value is >= v (minimum)
const DROP_LE: i32 = 1; // <= v (maximum; latest time)
const DROP_GT: i32 = 2; // > v (earliest time: ties stay ahead)

/**
 * Pushes row `slot` (value v) on queue q after dropping from the back every row it supersedes (see
 * DROP_*). `off` is the field of the row compared (0 ts, 8 price).
 */
@inline function queuePush(base: usize, q: i32, slot: i32, off: usize, v: i64, drop: i32): void {
  const h = queueHeader(base, q);
  const slots = queueSlots(base, q);
  const head = load<i32>(h);
  let len = load<i32>(h, 4);
  while (len > 0) {
    let back = head + len - 1;
    if (back >= ring) back -= ring;
    const bv = load<i64>(base + <usize>load<i32>(slots + (<usize>back << 2)) * 24 + off);
    if (drop == DROP_GE ? bv >= v : drop == DROP_LE ? bv <= v : bv > v) len--;
    else break;
  }
  let at = head + len;
  if (at >= ring) at -= ring;
  store<i32>(slots + (<usize>at << 2), slot);
  store<i32>(h, len + 1, 4);
}

function countEvent(ki: i32, k: usize, key: u32, ts: i64, price: i64, qty: i64): void {
  const base = countBase(ki);
  const agg = base + <usize>ring * 24;
  let n = load<i32>(k, K_ROWS);
  let head = load<i32>(k, K_ROW_HEAD);
  let sum = load<i64>(agg, P_SUM);
  let sumQty = load<i64>(agg, P_QTY);
  let pxQty = load<i64>(agg, P_PXQTY);
  if (n == ring) {
    // The oldest row gives way: out of the sums (they wrap, as the reference's sums do) and queues.
    const old = base + <usize>head * 24;
    const op = load<i64>(old, 8);
    const oq = load<i64>(old, 16);
    sum -= op;
    sumQty -= oq;
    pxQty -= op * oq;
    queueEvict(base, Q_MIN, head);
    queueEvict(base, Q_MAX, head);
    queueEvict(base, Q_FIRST, head);
    queueEvict(base, Q_LAST, head);
    head = head + 1 == ring ? 0 : head + 1;
    store<i32>(k, head, K_ROW_HEAD);
    n--;
  }
  let slot = head + n;
  if (slot >= ring) slot -= ring;
  const at = base + <usize>slot * 24;
  store<i64>(at, ts);
  store<i64>(at, price, 8);
  store<i64>(at, qty, 16);
  n++;
  store<i32>(k, n, K_ROWS);
  sum += price;
  sumQty += qty;
  pxQty += price * qty;
  store<i64>(agg, sum, P_SUM);
  store<i64>(agg, sumQty, P_QTY);
  store<i64>(agg, pxQty, P_PXQTY);
  // Minimum: a later row with an equal price supersedes; first (earliest time): an equal time stays
  // ahead (the earlier arrival wins); last (latest time): an equal time gives way to the new row.
  queuePush(base, Q_MIN, slot, 8, price, DROP_GE);
  queuePush(base, Q_MAX, slot, 8, price, DROP_LE);
  queuePush(base, Q_FIRST, slot, 0, ts, DROP_GT);
  queuePush(base, Q_LAST, slot, 0, ts, DROP_LE);
  // Welford over the rows in arrival order: the operations of the reference's add(), in its order.
  let mean: f64 = 0;
  let m2: f64 = 0;
  let r = head;
  for (let i = 1; i <= n; i++) {
    const x = <f64>load<i64>(base + <usize>r * 24, 8);
    const delta = x - mean;
    mean += delta / <f64>i;
    m2 += delta * (x - mean);
    r = r + 1 == ring ? 0 : r + 1;
  }
  const a = scratch;
  store<i64>(a, <i64>n, P_COUNT);
  store<i64>(a, sum, P_SUM);
  store<i64>(a, load<i64>(base + <usize>queueFront(base, Q_MIN) * 24, 8), P_MIN);
  store<i64>(a, load<i64>(base + <usize>queueFront(base, Q_MAX) * 24, 8), P_MAX);
  store<i64>(a, load<i64>(base + <usize>queueFront(base, Q_FIRST) * 24, 8), P_FIRST);
  store<i64>(a, load<i64>(base + <usize>queueFront(base, Q_LAST) * 24, 8), P_LAST);
  store<i64>(a, sumQty, P_QTY);
  store<i64>(a, pxQty, P_PXQTY);
  store<f64>(a, mean, P_MEAN);
  store<f64>(a, m2, P_M2);
  emit(COUNTED, key, load<i64>(base + <usize>head * 24), ts, a);
}

export function advanceWatermark(ts: i64): void {
  resultN = 0;
  lateN = 0;
  if (ts > wm) advance(ts);
}

function advance(to: i64): void {
  wm = to;
  if (kind == COUNT) return;
  if (kind == SESSION) {
    if (to < sessionDeadline) return;
    let deadline = I64_MAX;
    const nk = indexCount(keyTable);
    for (let ki = 0; ki < nk; ki++) {
      const k = keyAt(ki);
      const n = load<i32>(k, K_ROWS);
      let kept = 0;
      for (let i = 0; i < n; i++) {
        const s = sessionAt(ki, i);
        if (load<i32>(s, S_FIRED) == 0 && load<i64>(s, S_END) <= to) {
          store<i32>(s, 1, S_FIRED);
          emit(FINAL, load<u32>(k, K_KEY), load<i64>(s, S_START), load<i64>(s, S_END), s + S_AGG);
        }
        if (load<i64>(s, S_END) + lateness > to) {
          if (kept != i) memory.copy(sessionAt(ki, kept), s, S_SIZE);
          const d = sessionDue(sessionAt(ki, kept));
          if (d < deadline) deadline = d;
          kept++;
        }
      }
      store<i32>(k, kept, K_ROWS);
    }
    sessionDeadline = deadline;
    return;
  }
  // Nothing fires or goes unless the watermark crossed a pane boundary, or one shifted by the lateness.
  if (to < nextBoundaryA && to < nextBoundaryB) return;
  nextBoundaryA = (fdiv(to, pane) + 1) * pane;
  nextBoundaryB = (fdiv(to - lateness, pane) + 1) * pane + lateness;
  const n = indexCount(keyTable);
  for (let ki = 0; ki < n; ki++) {
    const k = keyAt(ki);
    if (load<i32>(k, K_HAS_NEXT) == 0) continue;
    const kmax = load<i64>(k, K_MAX_TS);
    let next = load<i64>(k, K_NEXT);
    while (next + size <= to && next <= kmax) {
      const a = window(ki, next);
      if (load<i64>(a, P_COUNT) > 0) emit(FINAL, load<u32>(k, K_KEY), next, next + size, a);
      next += slide;
    }
    store<i64>(k, next, K_NEXT);
    if (next > kmax) store<i32>(k, 0, K_HAS_NEXT);
    for (let slot = 0; slot < ring; slot++) {
      const a = store_ + (<usize>ki * <usize>ring + <usize>slot) * P_SIZE;
      const p = load<i64>(a, P_IDX);
      if (p == I64_MIN) continue;
      if (fdiv(p * pane, slide) * slide + size + lateness <= to) store<i64>(a, I64_MIN, P_IDX);
    }
  }
}

// ---- state hash (as hashWindows in the reference) --------------------------------------------

export function stateHash(): i64 {
  let total = mix64(mix64(<u64>wm) ^ <u64>lateTotal);
  const n = indexCount(keyTable);
  for (let ki = 0; ki < n; ki++) {
    const k = keyAt(ki);
    let h = mix64(<u64>load<u32>(k, K_KEY) ^ 0x3141);
    h = mix64(h ^ (load<i32>(k, K_HAS_NEXT) == 0 ? 0x7fff : <u64>load<i64>(k, K_NEXT)));
    h = mix64(h ^ <u64>load<i64>(k, K_MAX_TS));
    if (kind == SESSION) {
      const n = load<i32>(k, K_ROWS);
      for (let i = 0; i < n; i++) {
        const s = sessionAt(ki, i);
        h = mix64(mix64(mix64(h ^ <u64>load<i64>(s, S_START)) ^ <u64>load<i64>(s, S_END)) ^ <u64>load<i32>(s, S_FIRED));
        for (let f = P_COUNT; f <= P_PXQTY; f += 8) {
          if (f == P_FIRST_TS || f == P_LAST_TS) continue;
          h = mix64(h ^ <u64>load<i64>(s + S_AGG + <usize>f));
        }
      }
    } else if (kind == COUNT) {
      const base = countBase(ki);
      const head = load<i32>(k, K_ROW_HEAD);
      const rows = load<i32>(k, K_ROWS);
      for (let i = 0; i < rows; i++) {
        const r = base + <usize>((head + i) % ring) * 24;
        h = mix64(mix64(mix64(h ^ <u64>load<i64>(r)) ^ <u64>load<i64>(r, 8)) ^ <u64>load<i64>(r, 16));
      }
    } else {
      // Panes in pane order: find the smallest live index, then walk up.
      let lowest: i64 = I64_MIN;
      let count = 0;
      for (let slot = 0; slot < ring; slot++) {
        const p = load<i64>(store_ + (<usize>ki * <usize>ring + <usize>slot) * P_SIZE, P_IDX);
        if (p == I64_MIN) continue;
        if (count == 0 || p < lowest) lowest = p;
        count++;
      }
      let seen = 0;
      for (let p = lowest; seen < count; p++) {
        const a = paneAt(ki, p);
        if (load<i64>(a, P_IDX) != p) continue;
        seen++;
        h = mix64(h ^ <u64>p);
        for (let f = P_COUNT; f <= P_PXQTY; f += 8) {
          if (f == P_FIRST_TS || f == P_LAST_TS) continue;
          h = mix64(h ^ <u64>load<i64>(a + <usize>f));
        }
      }
    }
    total += h;
  }
  return <i64>total;
}

// ---- batch entry point for benchmarks --------------------------------------------------------
// An event is 32 bytes: key u32, pad u32, ts i64, price i64, qty i64. Returns the results emitted.

export function eventBatch(events: usize, count: i32): i32 {
  let total = 0;
  for (let i = 0; i < count; i++) {
    const e = events + (<usize>i << 5);
    event(load<u32>(e), load<i64>(e, 8), load<i64>(e, 16), load<i64>(e, 24));
    total += resultN;
  }
  return total;
}

/** Reserves `bytes` of the kernel's heap for an event stream larger than the host region. */
export function reserve(bytes: usize): usize {
  return heap.alloc(bytes);
}
