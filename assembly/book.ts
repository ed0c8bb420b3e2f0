// Order books and matching, the rules of src/kernels/order-book.ts (its TypeScript reference) in
// linear memory: one book per symbol; each side a sorted array of price levels with the best at the
// end (taking the best level is a pop); each level a FIFO queue of orders; stops in arrival order.
// Execution reports go to a buffer the host reads after each operation (64 bytes each).
//
// Memory: fixed pools carved once by init(); orders and levels recycled through free lists. One
// instance per memory.
import { indexOf, indexOrAdd, mix64, newIndexTable } from './index-table';

// Wire enums.
const BUY: u8 = 1;
const SELL: u8 = 2;
const LIMIT: u8 = 1;
const MARKET: u8 = 2;
const STOP_LIMIT: u8 = 3;
const STOP_MARKET: u8 = 4;
const GTC: u8 = 1;
const FOK: u8 = 3;
const STP_NONE: u8 = 0;
const CANCEL_NEWEST: u8 = 1;
const CANCEL_OLDEST: u8 = 2;
const CANCEL_BOTH: u8 = 3;
const NEW: u8 = 1;
const PARTIAL: u8 = 2;
const FILLED: u8 = 3;
const CANCELLED: u8 = 4;
const REJECTED: u8 = 5;
const REPLACED: u8 = 6;
const R_NONE: u16 = 0;
const R_INVALID_ORDER: u16 = 1;
const R_POST_ONLY: u16 = 11;
const R_FOK: u16 = 12;
const R_NO_LIQUIDITY: u16 = 13;
const R_SELF_TRADE: u16 = 14;
const R_UNKNOWN_ORDER: u16 = 15;
const R_DUPLICATE: u16 = 16;
const R_BOOK_CAPACITY: u16 = 18;

// Order record (80 bytes).
const O_ID = 0;
const O_PRICE = 8;
const O_STOP = 16;
const O_LEAVES = 24;
const O_CUM = 32;
const O_ACCOUNT = 40;
const O_SYMBOL = 44;
const O_PREV = 48;
const O_NEXT = 52;
const O_SEQ = 56;
const O_SIDE = 60;
const O_TYPE = 61;
const O_TIF = 62;
const O_STP = 63;
const O_POST = 64;
const O_STATE = 65; // 0 free or in flight, 1 resting, 2 waiting stop
const O_BOOK = 68;
const O_LEVEL = 72;
const O_SIZE: usize = 80;
// Level record (32 bytes).
const L_PRICE = 0;
const L_TOTAL = 8;
const L_HEAD = 16;
const L_TAIL = 20;
const L_BOOK_SIDE = 24; // i32: book index x 2 + (side - 1), for the price table
const L_SIZE: usize = 32;
// Book record (48 bytes).
const B_BIDS = 0; // usize: array of level indices, best (highest) last
const B_ASKS = 4; // best (lowest) last
const B_NBIDS = 8;
const B_NASKS = 12;
const B_STOP_HEAD = 16;
const B_STOP_TAIL = 20;
const B_LAST = 24; // i64
const B_SYMBOL = 32;
const B_BID_KEYS = 36; // usize: the sort keys of B_BIDS (the level prices), in the same order
const B_ASK_KEYS = 40; // usize: the sort keys of B_ASKS (the negated level prices)
// Levels that hold orders, per side. A level that empties stays in its side's array (to be taken
// again by the next order at its price, with nothing moved) unless it is the best; the best level
// of a side is never empty (empty levels at the end go at once). B_NBIDS/B_NASKS count them all.
const B_LIVE_BIDS = 44;
const B_LIVE_ASKS = 48;
const B_SIZE: usize = 64;
// Report record (64 bytes).
const REPORT_SIZE: usize = 64;

let orders: usize = 0;
let maxOrders: i32 = 0;
let freeOrder: i32 = -1;
let liveCount: i32 = 0;
let scratch: i32 = 0; // the record of an incoming order that cannot rest
let levels: usize = 0;
let freeLevel: i32 = -1;
let maxLevels: i32 = 0;
let books: usize = 0;
let bookTable: usize = 0;
let bookCount: i32 = 0;
let maxBooks: i32 = 0;
// Order ids -> order index: linear probing with backward-shift deletion.
let ids: usize = 0;
let idMask: u32 = 0;
// (book, side, price) -> level index + 1, for every level in a side's array (emptied ones too): an
// order finds its level without a search. Linear probing, backward-shift deletion; the key is read
// from the level record.
let priceTable: usize = 0;
let priceMask: u32 = 0;
let priceShift: u64 = 0;
let reports: usize = 0;
let reportCap: i32 = 0;
let reportN: i32 = 0;
let execId: u64 = 0;

export function init(orderCapacity: i32, levelsPerSide: i32, bookCapacity: i32): void {
  maxOrders = orderCapacity;
  maxLevels = levelsPerSide;
  maxBooks = bookCapacity;
  orders = heap.alloc(<usize>(orderCapacity + 1) * O_SIZE);
  scratch = orderCapacity;
  freeOrder = -1;
  for (let i = orderCapacity - 1; i >= 0; i--) {
    store<i32>(orderAt(i), freeOrder, O_NEXT);
    freeOrder = i;
  }
  const levelCount = bookCapacity * 2 * levelsPerSide;
  levels = heap.alloc(<usize>levelCount * L_SIZE);
  freeLevel = -1;
  for (let i = levelCount - 1; i >= 0; i--) {
    store<i32>(levelAt(i), freeLevel, L_HEAD);
    freeLevel = i;
  }
  let pslots: u32 = 16;
  let pbits: u64 = 4;
  while (pslots < <u32>levelCount * 2) {
    pslots <<= 1;
    pbits++;
  }
  priceMask = pslots - 1;
  priceShift = 64 - pbits;
  priceTable = heap.alloc(<usize>pslots << 2);
  memory.fill(priceTable, 0, <usize>pslots << 2);
  books = heap.alloc(<usize>bookCapacity * B_SIZE);
  bookTable = newIndexTable(bookCapacity);
  let slots: u32 = 16;
  while (slots < <u32>orderCapacity * 2) slots <<= 1;
  idMask = slots - 1;
  ids = heap.alloc(<usize>slots << 4);
  memory.fill(ids, 0, <usize>slots << 4);
  reportCap = 4 * (orderCapacity + 1) + 16;
  reports = heap.alloc(<usize>reportCap * REPORT_SIZE);
}

@inline function orderAt(i: i32): usize {
  return orders + <usize>i * O_SIZE;
}
@inline function levelAt(i: i32): usize {
  return levels + <usize>i * L_SIZE;
}
@inline function bookAt(i: i32): usize {
  return books + <usize>i * B_SIZE;
}

// ---- order ids ------------------------------------------------------------------------------

function idFind(id: u64): i32 {
  let slot = <u32>mix64(id) & idMask;
  while (true) {
    const at = ids + (<usize>slot << 4);
    const v = load<i32>(at, 8);
    if (v == 0) return -1;
    if (load<u64>(at) == id) return v - 1;
    slot = (slot + 1) & idMask;
  }
  return unreachable();
}

function idInsert(id: u64, index: i32): void {
  let slot = <u32>mix64(id) & idMask;
  while (load<i32>(ids + (<usize>slot << 4), 8) != 0) slot = (slot + 1) & idMask;
  const at = ids + (<usize>slot << 4);
  store<u64>(at, id);
  store<i32>(at, index + 1, 8);
}

function idRemove(id: u64): void {
  let slot = <u32>mix64(id) & idMask;
  while (true) {
    const at = ids + (<usize>slot << 4);
    if (load<i32>(at, 8) == 0) return;
    if (load<u64>(at) == id) break;
    slot = (slot + 1) & idMask;
  }
  // Backward-shift deletion keeps every probe chain unbroken without tombstones.
  let hole = slot;
  let next = (slot + 1) & idMask;
  while (true) {
    const at = ids + (<usize>next << 4);
    if (load<i32>(at, 8) == 0) break;
    const home = <u32>mix64(load<u64>(at)) & idMask;
    // Move the entry back if its home is not cyclically in (hole, next].
    const inRange = hole <= next ? home > hole && home <= next : home > hole || home <= next;
    if (!inRange) {
      memory.copy(ids + (<usize>hole << 4), at, 16);
      hole = next;
    }
    next = (next + 1) & idMask;
  }
  store<i32>(ids + (<usize>hole << 4), 0, 8);
}

// ---- reports --------------------------------------------------------------------------------

export function reportCount(): i32 {
  return reportN;
}
export function reportsPtr(): usize {
  return reports;
}

function report(o: usize, status: u8, reason: u16, lastQty: i64, lastPrice: i64): void {
  if (reportN >= reportCap) return; // cannot happen: the buffer holds every report one operation can make
  const seq = load<u32>(o, O_SEQ) + 1;
  store<u32>(o, seq, O_SEQ);
  const r = reports + <usize>reportN * REPORT_SIZE;
  store<u64>(r, load<u64>(o, O_ID));
  store<u64>(r, ++execId, 8);
  store<u32>(r, seq, 16);
  store<u8>(r, status, 20);
  store<u8>(r, load<u8>(o, O_SIDE), 21);
  store<u16>(r, reason, 22);
  store<i64>(r, lastQty, 24);
  store<i64>(r, lastPrice, 32);
  store<i64>(r, load<i64>(o, O_LEAVES), 40);
  store<i64>(r, load<i64>(o, O_CUM), 48);
  store<u32>(r, load<u32>(o, O_ACCOUNT), 56);
  store<u32>(r, load<u32>(o, O_SYMBOL), 60);
  reportN++;
}

function unknownOrder(id: u64): void {
  const r = reports + <usize>reportN * REPORT_SIZE;
  memory.fill(r, 0, REPORT_SIZE);
  store<u64>(r, id);
  store<u64>(r, ++execId, 8);
  store<u8>(r, REJECTED, 20);
  store<u16>(r, R_UNKNOWN_ORDER, 22);
  reportN++;
}

// ---- books and levels -----------------------------------------------------------------------

function bookOf(symbol: u32, create: bool): i32 {
  const i = indexOf(bookTable, <u64>symbol);
  if (i >= 0 || !create) return i;
  if (bookCount >= maxBooks) return -1;
  const n = indexOrAdd(bookTable, <u64>symbol);
  const b = bookAt(n);
  store<usize>(b, heap.alloc(<usize>maxLevels << 2), B_BIDS);
  store<usize>(b, heap.alloc(<usize>maxLevels << 2), B_ASKS);
  store<usize>(b, heap.alloc(<usize>maxLevels << 3), B_BID_KEYS);
  store<usize>(b, heap.alloc(<usize>maxLevels << 3), B_ASK_KEYS);
  store<i32>(b, 0, B_NBIDS);
  store<i32>(b, 0, B_NASKS);
  store<i32>(b, 0, B_LIVE_BIDS);
  store<i32>(b, 0, B_LIVE_ASKS);
  store<i32>(b, -1, B_STOP_HEAD);
  store<i32>(b, -1, B_STOP_TAIL);
  store<i64>(b, 0, B_LAST);
  store<u32>(b, symbol, B_SYMBOL);
  bookCount++;
  return n;
}

@inline function sideArray(b: usize, side: u8): usize {
  return load<usize>(b + <usize>(side == BUY ? B_BIDS : B_ASKS));
}
@inline function sideCount(b: usize, side: u8): i32 {
  return load<i32>(b + <usize>(side == BUY ? B_NBIDS : B_NASKS));
}
@inline function setSideCount(b: usize, side: u8, n: i32): void {
  store<i32>(b + <usize>(side == BUY ? B_NBIDS : B_NASKS), n);
}
/** Levels of a side that hold orders (what the rules count: capacity, depth, the state hash). */
@inline function liveLevels(b: usize, side: u8): i32 {
  return load<i32>(b + <usize>(side == BUY ? B_LIVE_BIDS : B_LIVE_ASKS));
}
@inline function setLiveLevels(b: usize, side: u8, n: i32): void {
  store<i32>(b + <usize>(side == BUY ? B_LIVE_BIDS : B_LIVE_ASKS), n);
}
@inline function levelEmpty(li: i32): bool {
  return load<i32>(levelAt(li), L_HEAD) < 0;
}
// ---- the price table -------------------------------------------------------------------------

@inline function priceHome(bookSide: i32, price: i64): u32 {
  return <u32>(((<u64>price ^ (<u64>bookSide << 40)) * 0x9e3779b97f4a7c15) >> priceShift);
}

/** The level of (book x 2 + side - 1, price) in its side's array, or -1. */
function priceFind(bookSide: i32, price: i64): i32 {
  let slot = priceHome(bookSide, price);
  while (true) {
    const v = load<i32>(priceTable + (<usize>slot << 2));
    if (v == 0) return -1;
    const l = levelAt(v - 1);
    if (load<i64>(l, L_PRICE) == price && load<i32>(l, L_BOOK_SIDE) == bookSide) return v - 1;
    slot = (slot + 1) & priceMask;
  }
  return unreachable();
}

function priceInsert(li: i32): void {
  const l = levelAt(li);
  let slot = priceHome(load<i32>(l, L_BOOK_SIDE), load<i64>(l, L_PRICE));
  while (load<i32>(priceTable + (<usize>slot << 2)) != 0) slot = (slot + 1) & priceMask;
  store<i32>(priceTable + (<usize>slot << 2), li + 1);
}

function priceRemove(li: i32): void {
  const l = levelAt(li);
  let slot = priceHome(load<i32>(l, L_BOOK_SIDE), load<i64>(l, L_PRICE));
  while (true) {
    const v = load<i32>(priceTable + (<usize>slot << 2));
    if (v == 0) return;
    if (v == li + 1) break;
    slot = (slot + 1) & priceMask;
  }
  let hole = slot;
  let next = (slot + 1) & priceMask;
  while (true) {
    const v = load<i32>(priceTable + (<usize>next << 2));
    if (v == 0) break;
    const nl = levelAt(v - 1);
    const home = priceHome(load<i32>(nl, L_BOOK_SIDE), load<i64>(nl, L_PRICE));
    const inRange = hole <= next ? home > hole && home <= next : home > hole || home <= next;
    if (!inRange) {
      store<i32>(priceTable + (<usize>hole << 2), v);
      hole = next;
    }
    next = (next + 1) & priceMask;
  }
  store<i32>(priceTable + (<usize>hole << 2), 0);
}

/** A level leaves its side's array: out of the price table, back to the free list. */
@inline function freeLevelRecord(li: i32): void {
  priceRemove(li);
  store<i32>(levelAt(li), freeLevel, L_HEAD);
  freeLevel = li;
}

/** Drops the empty levels of a side's array (when it is full): the levels left keep their order. */
function compact(b: usize, side: u8): void {
  const arr = sideArray(b, side);
  const keys = sideKeys(b, side);
  const n = sideCount(b, side);
  let kept = 0;
  for (let k = 0; k < n; k++) {
    const li = load<i32>(arr + (<usize>k << 2));
    if (levelEmpty(li)) {
      freeLevelRecord(li);
      continue;
    }
    store<i32>(arr + (<usize>kept << 2), li);
    store<i64>(keys + (<usize>kept << 3), load<i64>(keys + (<usize>k << 3)));
    kept++;
  }
  setSideCount(b, side, kept);
}
/** Level index of the best level of a side (the last entry), or -1. */
@inline function bestLevel(b: usize, side: u8): i32 {
  const n = sideCount(b, side);
  return n == 0 ? -1 : load<i32>(sideArray(b, side) + (<usize>(n - 1) << 2));
}
@inline function sideKeys(b: usize, side: u8): usize {
  return load<usize>(b + <usize>(side == BUY ? B_BID_KEYS : B_ASK_KEYS));
}
/**
 * The sort key of a price on `side`: the price for bids, its negation for asks, so that on both sides
 * keys ascend from the worst level (index 0) to the best (last). Resting prices are > 0.
 */
@inline function sortKey(side: u8, price: i64): i64 {
  return side == BUY ? price : -price;
}

/**
 * Position in the side's array of the level at `price`, or the insertion point (as -pos - 1). A
 * branch-free lower bound over the side's keys: contiguous i64s, no level record touched.
 */
function findLevel(b: usize, side: u8, price: i64): i32 {
  const keys = sideKeys(b, side);
  const key = sortKey(side, price);
  let n = sideCount(b, side);
  let base: usize = keys;
  while (n > 1) {
    const half = n >>> 1;
    base = load<i64>(base + (<usize>(half - 1) << 3)) < key ? base + (<usize>half << 3) : base;
    n -= half;
  }
  let pos = <i32>((base - keys) >>> 3);
  if (n == 1 && load<i64>(base) < key) pos++;
  if (pos < sideCount(b, side) && load<i64>(keys + (<usize>pos << 3)) == key) return pos;
  return -pos - 1;
}

/**
 * Puts a resting order at the back of its level; false when there is no room. `listed`: its id is
 * still in the id table (a replace keeps it there while the order is re-entered).
 */
function rest(bi: i32, oi: i32, listed: bool): bool {
  if (liveCount >= maxOrders) return false;
  const b = bookAt(bi);
  const o = orderAt(oi);
  const side = load<u8>(o, O_SIDE);
  const price = load<i64>(o, O_PRICE);
  const bookSide = (bi << 1) + <i32>(side - 1);
  let li = priceFind(bookSide, price);
  if (li >= 0 && !levelEmpty(li)) {
    // The level is there with orders: the order joins its queue.
  } else if (li >= 0) {
    // An emptied level still in place: it holds orders again (a new level, as far as the rules go).
    const live = liveLevels(b, side);
    if (live >= maxLevels) return false;
    store<i64>(levelAt(li), 0, L_TOTAL);
    setLiveLevels(b, side, live + 1);
  } else {
    const live = liveLevels(b, side);
    if (live >= maxLevels || freeLevel < 0) return false;
    if (sideCount(b, side) >= maxLevels) compact(b, side);
    const pos = findLevel(b, side, price); // not there: where it goes
    const n = sideCount(b, side);
    setLiveLevels(b, side, live + 1);
    li = freeLevel;
    const l = levelAt(li);
    freeLevel = load<i32>(l, L_HEAD);
    store<i64>(l, price, L_PRICE);
    store<i64>(l, 0, L_TOTAL);
    store<i32>(l, -1, L_HEAD);
    store<i32>(l, -1, L_TAIL);
    store<i32>(l, bookSide, L_BOOK_SIDE);
    priceInsert(li);
    const at = -pos - 1;
    const arr = sideArray(b, side);
    memory.copy(arr + (<usize>(at + 1) << 2), arr + (<usize>at << 2), <usize>(n - at) << 2);
    store<i32>(arr + (<usize>at << 2), li);
    const keys = sideKeys(b, side);
    memory.copy(keys + (<usize>(at + 1) << 3), keys + (<usize>at << 3), <usize>(n - at) << 3);
    store<i64>(keys + (<usize>at << 3), sortKey(side, price));
    setSideCount(b, side, n + 1);
  }
  const l = levelAt(li);
  const tail = load<i32>(l, L_TAIL);
  store<i32>(o, tail, O_PREV);
  store<i32>(o, -1, O_NEXT);
  if (tail >= 0) store<i32>(orderAt(tail), oi, O_NEXT);
  else store<i32>(l, oi, L_HEAD);
  store<i32>(l, oi, L_TAIL);
  store<i64>(l, load<i64>(l, L_TOTAL) + load<i64>(o, O_LEAVES), L_TOTAL);
  store<i32>(o, li, O_LEVEL);
  store<i32>(o, bi, O_BOOK);
  store<u8>(o, 1, O_STATE);
  if (!listed) idInsert(load<u64>(o, O_ID), oi);
  liveCount++;
  return true;
}

/**
 * Takes a resting order off its level (the level goes when empty); the record stays allocated. With
 * keepId its id stays in the id table (a replace, which re-enters the order at once).
 */
function unrest(oi: i32, keepId: bool = false): void {
  const o = orderAt(oi);
  const b = bookAt(load<i32>(o, O_BOOK));
  const li = load<i32>(o, O_LEVEL);
  const l = levelAt(li);
  const prev = load<i32>(o, O_PREV);
  const next = load<i32>(o, O_NEXT);
  if (prev >= 0) store<i32>(orderAt(prev), next, O_NEXT);
  else store<i32>(l, next, L_HEAD);
  if (next >= 0) store<i32>(orderAt(next), prev, O_PREV);
  else store<i32>(l, prev, L_TAIL);
  store<i64>(l, load<i64>(l, L_TOTAL) - load<i64>(o, O_LEAVES), L_TOTAL);
  if (load<i32>(l, L_HEAD) < 0) {
    // Emptied: it stays in the array, unless it is the best level; then it goes, with any empty
    // levels behind it, so that the best level always holds orders.
    const side = load<u8>(o, O_SIDE);
    setLiveLevels(b, side, liveLevels(b, side) - 1);
    const arr = sideArray(b, side);
    let n = sideCount(b, side);
    if (load<i32>(arr + (<usize>(n - 1) << 2)) == li) {
      while (n > 0) {
        const last = load<i32>(arr + (<usize>(n - 1) << 2));
        if (!levelEmpty(last)) break;
        freeLevelRecord(last);
        n--;
      }
      setSideCount(b, side, n);
    }
  }
  store<u8>(o, 0, O_STATE);
  if (!keepId) idRemove(load<u64>(o, O_ID));
  liveCount--;
}

function freeRecord(oi: i32): void {
  if (oi == scratch) return;
  store<i32>(orderAt(oi), freeOrder, O_NEXT);
  freeOrder = oi;
}

// ---- matching -------------------------------------------------------------------------------

@inline function isMarket(o: usize): bool {
  const t = load<u8>(o, O_TYPE);
  return t == MARKET || t == STOP_MARKET;
}

function crosses(b: usize, o: usize): bool {
  const side = load<u8>(o, O_SIDE);
  const li = bestLevel(b, side == BUY ? SELL : BUY);
  if (li < 0) return false;
  if (isMarket(o)) return true;
  const best = load<i64>(levelAt(li), L_PRICE);
  const price = load<i64>(o, O_PRICE);
  return side == BUY ? price >= best : price <= best;
}

function fillable(b: usize, o: usize): i64 {
  const side = load<u8>(o, O_SIDE);
  const opposite: u8 = side == BUY ? SELL : BUY;
  const arr = sideArray(b, opposite);
  const want = load<i64>(o, O_LEAVES);
  const market = isMarket(o);
  const price = load<i64>(o, O_PRICE);
  const stp = load<u8>(o, O_STP);
  const account = load<u32>(o, O_ACCOUNT);
  let total: i64 = 0;
  for (let k = sideCount(b, opposite) - 1; k >= 0; k--) {
    const l = levelAt(load<i32>(arr + (<usize>k << 2)));
    const lp = load<i64>(l, L_PRICE);
    if (!market && (side == BUY ? lp > price : lp < price)) break;
    let r = load<i32>(l, L_HEAD);
    while (r >= 0) {
      const ro = orderAt(r);
      if (stp == STP_NONE || load<u32>(ro, O_ACCOUNT) != account) total += load<i64>(ro, O_LEAVES);
      r = load<i32>(ro, O_NEXT);
    }
    if (total >= want) break;
  }
  return total;
}

function cancelRest(oi: i32, reason: u16): void {
  const o = orderAt(oi);
  store<i64>(o, 0, O_LEAVES);
  report(o, CANCELLED, reason, 0, 0);
}

/** Drops the id of an order that was `listed` (still in the id table) and will not rest. */
@inline function unlist(o: usize, listed: bool): void {
  if (listed) idRemove(load<u64>(o, O_ID));
}

/**
 * Matches order oi (in flight, not resting), then rests or cancels what is left; frees it when done.
 * `listed`: its id is still in the id table (a replace); it stays there only if the order rests.
 */
function enter(bi: i32, oi: i32, triggered: bool, listed: bool = false): void {
  const b = bookAt(bi);
  const o = orderAt(oi);
  if (triggered) {
    const t = load<u8>(o, O_TYPE);
    if (t == STOP_LIMIT) store<u8>(o, LIMIT, O_TYPE);
    else if (t == STOP_MARKET) store<u8>(o, MARKET, O_TYPE);
    if (load<u8>(o, O_POST) != 0 && crosses(b, o)) {
      cancelRest(oi, R_POST_ONLY);
      freeRecord(oi);
      return;
    }
    if (load<u8>(o, O_TIF) == FOK && fillable(b, o) < load<i64>(o, O_LEAVES)) {
      cancelRest(oi, R_FOK);
      freeRecord(oi);
      return;
    }
  }
  const side = load<u8>(o, O_SIDE);
  const opposite: u8 = side == BUY ? SELL : BUY;
  const market = load<u8>(o, O_TYPE) == MARKET;
  const price = load<i64>(o, O_PRICE);
  const stp = load<u8>(o, O_STP);
  const account = load<u32>(o, O_ACCOUNT);
  while (load<i64>(o, O_LEAVES) > 0) {
    const li = bestLevel(b, opposite);
    if (li < 0) break;
    const l = levelAt(li);
    const lp = load<i64>(l, L_PRICE);
    if (!market && (side == BUY ? lp > price : lp < price)) break;
    const ri = load<i32>(l, L_HEAD);
    const r = orderAt(ri);
    if (stp != STP_NONE && load<u32>(r, O_ACCOUNT) == account) {
      if (stp == CANCEL_OLDEST || stp == CANCEL_BOTH) {
        unrest(ri);
        store<i64>(r, 0, O_LEAVES);
        report(r, CANCELLED, R_SELF_TRADE, 0, 0);
        freeRecord(ri);
      }
      if (stp == CANCEL_NEWEST || stp == CANCEL_BOTH) {
        unlist(o, listed);
        cancelRest(oi, R_SELF_TRADE);
        freeRecord(oi);
        return;
      }
      continue;
    }
    const rl = load<i64>(r, O_LEAVES);
    const ol = load<i64>(o, O_LEAVES);
    const q = rl < ol ? rl : ol;
    store<i64>(b, lp, B_LAST);
    store<i64>(l, load<i64>(l, L_TOTAL) - q, L_TOTAL);
    store<i64>(r, rl - q, O_LEAVES);
    store<i64>(r, load<i64>(r, O_CUM) + q, O_CUM);
    store<i64>(o, ol - q, O_LEAVES);
    store<i64>(o, load<i64>(o, O_CUM) + q, O_CUM);
    report(r, rl == q ? FILLED : PARTIAL, R_NONE, q, lp);
    if (rl == q) {
      // Fully filled: off the book. Its leaves are 0, so the level total is already right.
      unrest(ri);
      freeRecord(ri);
    }
    report(o, ol == q ? FILLED : PARTIAL, R_NONE, q, lp);
  }
  if (load<i64>(o, O_LEAVES) == 0) {
    unlist(o, listed);
    freeRecord(oi);
    return;
  }
  if (load<u8>(o, O_TYPE) == LIMIT && load<u8>(o, O_TIF) == GTC) {
    if (oi != scratch && rest(bi, oi, listed)) return;
    unlist(o, listed);
    cancelRest(oi, R_BOOK_CAPACITY);
  } else {
    unlist(o, listed);
    cancelRest(oi, R_NO_LIQUIDITY);
  }
  freeRecord(oi);
}

@inline function reached(o: usize, last: i64): bool {
  return load<u8>(o, O_SIDE) == BUY ? last >= load<i64>(o, O_STOP) : last <= load<i64>(o, O_STOP);
}

function unlinkStop(b: usize, si: i32): void {
  const s = orderAt(si);
  const prev = load<i32>(s, O_PREV);
  const next = load<i32>(s, O_NEXT);
  if (prev >= 0) store<i32>(orderAt(prev), next, O_NEXT);
  else store<i32>(b, next, B_STOP_HEAD);
  if (next >= 0) store<i32>(orderAt(next), prev, O_PREV);
  else store<i32>(b, prev, B_STOP_TAIL);
  store<u8>(s, 0, O_STATE);
  idRemove(load<u64>(s, O_ID));
  liveCount--;
}

function triggerStops(bi: i32): void {
  const b = bookAt(bi);
  while (true) {
    const last = load<i64>(b, B_LAST);
    if (last <= 0) return;
    let si = load<i32>(b, B_STOP_HEAD);
    while (si >= 0 && !reached(orderAt(si), last)) si = load<i32>(orderAt(si), O_NEXT);
    if (si < 0) return;
    unlinkStop(b, si);
    enter(bi, si, true);
  }
}

// ---- operations -----------------------------------------------------------------------------

export function submit(
  id: u64, account: u32, symbol: u32, side: u8, type: u8, tif: u8, postOnly: bool, price: i64, stopPrice: i64, qty: i64, stp: u8,
): void {
  reportN = 0;
  const stop = type == STOP_LIMIT || type == STOP_MARKET;
  const limit = type == LIMIT || type == STOP_LIMIT;
  const mayRest = stop || (type == LIMIT && tif == GTC);
  // The record: a pool record when the order may rest, else the scratch record.
  const oi = mayRest && freeOrder >= 0 && liveCount < maxOrders ? freeOrder : scratch;
  const o = orderAt(oi);
  store<u64>(o, id, O_ID);
  store<u32>(o, account, O_ACCOUNT);
  store<u32>(o, symbol, O_SYMBOL);
  store<u8>(o, side, O_SIDE);
  store<u8>(o, type, O_TYPE);
  store<u8>(o, tif, O_TIF);
  store<u8>(o, postOnly ? 1 : 0, O_POST);
  store<u8>(o, stp, O_STP);
  store<i64>(o, price, O_PRICE);
  store<i64>(o, stopPrice, O_STOP);
  store<i64>(o, qty, O_LEAVES);
  store<i64>(o, 0, O_CUM);
  store<u32>(o, 0, O_SEQ);
  store<u8>(o, 0, O_STATE);
  let reason: u16 = R_NONE;
  if (
    (side != BUY && side != SELL) || type < LIMIT || type > STOP_MARKET || tif < GTC || tif > FOK || stp > CANCEL_BOTH ||
    qty <= 0 || (limit && price <= 0) || (stop && stopPrice <= 0) || (postOnly && (type != LIMIT || tif != GTC))
  ) {
    reason = R_INVALID_ORDER;
  } else if (idFind(id) >= 0) {
    reason = R_DUPLICATE;
  }
  let bi: i32 = -1;
  if (reason == R_NONE) {
    bi = bookOf(symbol, true);
    if (bi < 0 || (mayRest && liveCount >= maxOrders)) reason = R_BOOK_CAPACITY;
  }
  if (reason == R_NONE && !stop) {
    const b = bookAt(bi);
    if (postOnly && crosses(b, o)) reason = R_POST_ONLY;
    else if (tif == FOK && fillable(b, o) < qty) reason = R_FOK;
  }
  if (reason != R_NONE) {
    store<i64>(o, 0, O_LEAVES);
    report(o, REJECTED, reason, 0, 0);
    return;
  }
  if (oi != scratch) freeOrder = load<i32>(o, O_NEXT); // take the pool record
  report(o, NEW, R_NONE, 0, 0);
  if (stop) {
    const b = bookAt(bi);
    const last = load<i64>(b, B_LAST);
    if (last > 0 && reached(o, last)) {
      enter(bi, oi, true);
    } else {
      const tail = load<i32>(b, B_STOP_TAIL);
      store<i32>(o, tail, O_PREV);
      store<i32>(o, -1, O_NEXT);
      if (tail >= 0) store<i32>(orderAt(tail), oi, O_NEXT);
      else store<i32>(b, oi, B_STOP_HEAD);
      store<i32>(b, oi, B_STOP_TAIL);
      store<i32>(o, bi, O_BOOK);
      store<u8>(o, 2, O_STATE);
      idInsert(id, oi);
      liveCount++;
    }
  } else {
    enter(bi, oi, false);
  }
  triggerStops(bi);
}

export function cancel(id: u64): void {
  reportN = 0;
  const oi = idFind(id);
  if (oi < 0) {
    unknownOrder(id);
    return;
  }
  const o = orderAt(oi);
  if (load<u8>(o, O_STATE) == 2) unlinkStop(bookAt(load<i32>(o, O_BOOK)), oi);
  else unrest(oi);
  store<i64>(o, 0, O_LEAVES);
  report(o, CANCELLED, R_NONE, 0, 0);
  freeRecord(oi);
}

export function replace(id: u64, price: i64, qty: i64): void {
  reportN = 0;
  const oi = idFind(id);
  if (oi < 0 || load<u8>(orderAt(oi), O_STATE) != 1) {
    unknownOrder(id);
    return;
  }
  const o = orderAt(oi);
  const cum = load<i64>(o, O_CUM);
  if (price <= 0 || qty <= cum) {
    report(o, REJECTED, R_INVALID_ORDER, 0, 0);
    return;
  }
  const leaves = qty - cum;
  const l = levelAt(load<i32>(o, O_LEVEL));
  if (price == load<i64>(o, O_PRICE) && leaves <= load<i64>(o, O_LEAVES)) {
    store<i64>(l, load<i64>(l, L_TOTAL) - (load<i64>(o, O_LEAVES) - leaves), L_TOTAL);
    store<i64>(o, leaves, O_LEAVES);
    report(o, REPLACED, R_NONE, 0, 0);
    return;
  }
  const bi = load<i32>(o, O_BOOK);
  if (load<u8>(o, O_POST) != 0) {
    const old = load<i64>(o, O_PRICE);
    store<i64>(o, price, O_PRICE);
    const cross = crosses(bookAt(bi), o);
    store<i64>(o, old, O_PRICE);
    if (cross) {
      report(o, REJECTED, R_POST_ONLY, 0, 0);
      return;
    }
  }
  unrest(oi, true);
  store<i64>(o, price, O_PRICE);
  store<i64>(o, leaves, O_LEAVES);
  report(o, REPLACED, R_NONE, 0, 0);
  enter(bi, oi, false, true);
  triggerStops(bi);
}

// ---- queries --------------------------------------------------------------------------------

/** Price and quantity of the n-th best level (0 = best) of a side, into out[0..16); false when none. */
export function level(symbol: u32, side: u8, n: i32, out: usize): bool {
  const bi = bookOf(symbol, false);
  if (bi < 0) return false;
  const b = bookAt(bi);
  if (n < 0 || n >= liveLevels(b, side)) return false;
  // The n-th level holding orders, from the best (emptied levels still in the array do not count).
  const arr = sideArray(b, side);
  let k = sideCount(b, side) - 1;
  let seen = -1;
  while (true) {
    if (!levelEmpty(load<i32>(arr + (<usize>k << 2))) && ++seen == n) break;
    k--;
  }
  const l = levelAt(load<i32>(arr + (<usize>k << 2)));
  store<i64>(out, load<i64>(l, L_PRICE));
  store<i64>(out, load<i64>(l, L_TOTAL), 8);
  return true;
}

export function stateHash(): i64 {
  let total = mix64(execId);
  for (let i = 0; i < bookCount; i++) {
    const b = bookAt(i);
    let h = mix64(<u64>load<u32>(b, B_SYMBOL) ^ 0xb00c);
    h = mix64(h ^ <u64>load<i64>(b, B_LAST));
    for (let s: u8 = BUY; s <= SELL; s++) {
      h = mix64(h ^ <u64>liveLevels(b, s));
      const arr = sideArray(b, s);
      for (let k = sideCount(b, s) - 1; k >= 0; k--) {
        const l = levelAt(load<i32>(arr + (<usize>k << 2)));
        if (load<i32>(l, L_HEAD) < 0) continue; // emptied, not a level any more
        h = mix64(h ^ <u64>load<i64>(l, L_PRICE));
        let r = load<i32>(l, L_HEAD);
        while (r >= 0) {
          const ro = orderAt(r);
          h = mix64(mix64(h ^ load<u64>(ro, O_ID)) ^ <u64>load<i64>(ro, O_LEAVES));
          r = load<i32>(ro, O_NEXT);
        }
      }
    }
    let stops = 0;
    let si = load<i32>(b, B_STOP_HEAD);
    while (si >= 0) {
      stops++;
      si = load<i32>(orderAt(si), O_NEXT);
    }
    h = mix64(h ^ <u64>stops);
    si = load<i32>(b, B_STOP_HEAD);
    while (si >= 0) {
      const so = orderAt(si);
      h = mix64(mix64(h ^ load<u64>(so, O_ID)) ^ <u64>load<i64>(so, O_STOP));
      si = load<i32>(so, O_NEXT);
    }
    total += h;
  }
  return <i64>total;
}

// ---- batch entry point for hot paths and benchmarks -------------------------------------------
// A command is 48 bytes: op u8 (1 submit, 2 cancel, 3 replace), side u8, type u8, tif u8, stp u8,
// post-only u8, pad u16, account u32, symbol u32, order id u64, price i64, stop price i64, qty i64.
// Each command's reports replace the last one's; returns how many reports the batch made in all.

export function processBatch(commands: usize, count: i32): i32 {
  let total = 0;
  for (let i = 0; i < count; i++) {
    const c = commands + <usize>i * 48;
    const op = load<u8>(c);
    if (op == 1) {
      submit(load<u64>(c, 16), load<u32>(c, 8), load<u32>(c, 12), load<u8>(c, 1), load<u8>(c, 2), load<u8>(c, 3), load<u8>(c, 5) != 0,
        load<i64>(c, 24), load<i64>(c, 32), load<i64>(c, 40), load<u8>(c, 4));
    } else if (op == 2) {
      cancel(load<u64>(c, 16));
    } else {
      replace(load<u64>(c, 16), load<i64>(c, 24), load<i64>(c, 40));
    }
    total += reportN;
  }
  return total;
}

/** Reserves `bytes` of the kernel's heap for a command stream larger than the host region. */
export function reserve(bytes: usize): usize {
  return heap.alloc(bytes);
}
