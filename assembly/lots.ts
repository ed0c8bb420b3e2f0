// FIFO lots: positions per account x symbol, each a queue of open lots matched first in, first out.
// A fill on the side of the position (or on a flat one) opens a lot; a fill against it closes the
// oldest lots first, realizing (close - open) * qty for a long lot and (open - close) * qty for a
// short one; what is left after every lot closed opens a lot on the other side at the fill price (the
// average price resets). Prices are wire ticks, money is ticks x quantity: integers, no drift.
// src/kernels/fifo-lots.ts is the TypeScript reference with the same interface and results.
//
// Memory: fixed pools carved once by init() from the stub runtime's bump heap; nothing is freed
// back to it (lots are recycled through a free list). One instance per memory.
import { indexCount, indexOf, indexOrAdd, mix64, newIndexTable } from './index-table';

// Error codes (lastError()), shared with the reference.
export const OK: i32 = 0;
export const BAD_SIDE: i32 = 1;
export const BAD_QUANTITY: i32 = 2;
export const BAD_PRICE: i32 = 3;
export const NO_POSITION_ROOM: i32 = 4;
export const NO_LOT_ROOM: i32 = 5;
export const NOT_INITIALISED: i32 = 6;

const BUY: u32 = 1;
const SELL: u32 = 2;

// Position record: qty i64, cost i64, realized i64, head i32, tail i32, lots i32, account u32, symbol u32, pad
const P_QTY = 0;
const P_COST = 8;
const P_REALIZED = 16;
const P_HEAD = 24;
const P_TAIL = 28;
const P_LOTS = 32;
const P_ACCOUNT = 36;
const P_SYMBOL = 40;
const P_SIZE: usize = 48;
// Lot record: qty i64 (magnitude), price i64, next i32, pad
const L_QTY = 0;
const L_PRICE = 8;
const L_NEXT = 16;
const L_SIZE: usize = 24;
// Closed-lot record: qty i64, open price i64, close price i64, realized i64
const C_SIZE: usize = 32;

let positions: usize = 0;
let positionCount: i32 = 0;
let maxPositions: i32 = 0;
let table: usize = 0; // (account, symbol) -> position index
let lots: usize = 0;
let maxLots: i32 = 0;
let lotsUsed: i32 = 0;
let freeLot: i32 = -1;
let closed: usize = 0;
let closedCount: i32 = 0;
let error: i32 = OK;

/** Carves the pools: up to `positionCapacity` positions and `lotCapacity` open lots in all. */
export function init(positionCapacity: i32, lotCapacity: i32): void {
  maxPositions = positionCapacity;
  maxLots = lotCapacity;
  positions = heap.alloc(<usize>positionCapacity * P_SIZE);
  table = newIndexTable(positionCapacity);
  lots = heap.alloc(<usize>lotCapacity * L_SIZE);
  closed = heap.alloc(<usize>lotCapacity * C_SIZE);
  positionCount = 0;
  lotsUsed = 0;
  freeLot = -1;
}

export function lastError(): i32 {
  return error;
}
export function closedLotCount(): i32 {
  return closedCount;
}
/** Address of the closed-lot records of the last fill (closedLotCount() of them, 32 bytes each). */
export function closedLots(): usize {
  return closed;
}

@inline function keyOf(account: u32, symbol: u32): u64 {
  return (<u64>account << 32) | <u64>symbol;
}

/** Position address, or 0 when absent (and `create` is false or there is no room). */
function find(account: u32, symbol: u32, create: bool): usize {
  if (positions == 0) {
    error = NOT_INITIALISED;
    return 0;
  }
  const key = keyOf(account, symbol);
  if (!create) {
    const i = indexOf(table, key);
    return i < 0 ? 0 : positions + <usize>i * P_SIZE;
  }
  const before = indexCount(table);
  const i = indexOrAdd(table, key);
  if (i < 0) {
    error = NO_POSITION_ROOM;
    return 0;
  }
  const p = positions + <usize>i * P_SIZE;
  if (i == before) {
    store<i64>(p, 0, P_QTY);
    store<i64>(p, 0, P_COST);
    store<i64>(p, 0, P_REALIZED);
    store<i32>(p, -1, P_HEAD);
    store<i32>(p, -1, P_TAIL);
    store<i32>(p, 0, P_LOTS);
    store<u32>(p, account, P_ACCOUNT);
    store<u32>(p, symbol, P_SYMBOL);
    positionCount++;
  }
  return p;
}

@inline function lotAt(i: i32): usize {
  return lots + <usize>i * L_SIZE;
}

function newLot(qty: i64, price: i64): i32 {
  let i: i32;
  if (freeLot >= 0) {
    i = freeLot;
    freeLot = load<i32>(lotAt(i), L_NEXT);
  } else {
    if (lotsUsed >= maxLots) return -1;
    i = lotsUsed++;
  }
  const l = lotAt(i);
  store<i64>(l, qty, L_QTY);
  store<i64>(l, price, L_PRICE);
  store<i32>(l, -1, L_NEXT);
  return i;
}

/**
 * Applies a fill of `qty` (> 0) at `price` (>= 0 ticks) on `side` (1 buy, 2 sell). Returns the P&L it
 * realized; the lots it closed are in closedLots(). On bad input or no room it changes nothing, returns
 * 0 and lastError() says why.
 */
export function fill(account: u32, symbol: u32, side: u32, qty: i64, price: i64): i64 {
  error = OK;
  closedCount = 0;
  if (side != BUY && side != SELL) {
    error = BAD_SIDE;
    return 0;
  }
  if (qty <= 0) {
    error = BAD_QUANTITY;
    return 0;
  }
  if (price < 0) {
    error = BAD_PRICE;
    return 0;
  }
  const signed: i64 = side == BUY ? qty : -qty;
  const existing = find(account, symbol, false);
  if (error != OK) return 0;
  const pos = existing ? load<i64>(existing, P_QTY) : 0;
  // A fill that adds to the position (or opens one) needs a free lot; one that crosses through zero
  // frees every lot first. Checked before anything changes, so a refused fill changes nothing.
  if ((pos == 0 || (pos > 0) == (signed > 0)) && freeLot < 0 && lotsUsed >= maxLots) {
    error = NO_LOT_ROOM;
    return 0;
  }
  const p = existing ? existing : find(account, symbol, true);
  if (p == 0) return 0;
  let remaining = qty;
  let realized: i64 = 0;
  let cost = load<i64>(p, P_COST);
  if (pos != 0 && (pos > 0) != (signed > 0)) {
    // Close the oldest lots first.
    const longLots = pos > 0;
    let head = load<i32>(p, P_HEAD);
    let count = load<i32>(p, P_LOTS);
    while (remaining > 0 && head >= 0) {
      const l = lotAt(head);
      const lq = load<i64>(l, L_QTY);
      const lp = load<i64>(l, L_PRICE);
      const q = lq < remaining ? lq : remaining;
      const r = longLots ? (price - lp) * q : (lp - price) * q;
      const c = closed + <usize>closedCount * C_SIZE;
      store<i64>(c, q, 0);
      store<i64>(c, lp, 8);
      store<i64>(c, price, 16);
      store<i64>(c, r, 24);
      closedCount++;
      realized += r;
      cost -= longLots ? lp * q : -(lp * q);
      remaining -= q;
      if (q == lq) {
        const next = load<i32>(l, L_NEXT);
        store<i32>(l, freeLot, L_NEXT);
        freeLot = head;
        head = next;
        count--;
      } else {
        store<i64>(l, lq - q, L_QTY);
      }
    }
    store<i32>(p, head, P_HEAD);
    if (head < 0) store<i32>(p, -1, P_TAIL);
    store<i32>(p, count, P_LOTS);
  }
  if (remaining > 0) {
    // Opens (or adds to) the position on the fill's side: a new lot at the back.
    const i = newLot(remaining, price);
    const tail = load<i32>(p, P_TAIL);
    if (tail >= 0) store<i32>(lotAt(tail), i, L_NEXT);
    else store<i32>(p, i, P_HEAD);
    store<i32>(p, i, P_TAIL);
    store<i32>(p, load<i32>(p, P_LOTS) + 1, P_LOTS);
    cost += side == BUY ? remaining * price : -(remaining * price);
  }
  store<i64>(p, pos + signed, P_QTY);
  store<i64>(p, cost, P_COST);
  store<i64>(p, load<i64>(p, P_REALIZED) + realized, P_REALIZED);
  return realized;
}

export function positionQty(account: u32, symbol: u32): i64 {
  const p = find(account, symbol, false);
  return p ? load<i64>(p, P_QTY) : 0;
}
/** Signed cost of the open lots: sum of qty x open price, negative for a short position. */
export function positionCost(account: u32, symbol: u32): i64 {
  const p = find(account, symbol, false);
  return p ? load<i64>(p, P_COST) : 0;
}
export function positionRealized(account: u32, symbol: u32): i64 {
  const p = find(account, symbol, false);
  return p ? load<i64>(p, P_REALIZED) : 0;
}
export function positionLots(account: u32, symbol: u32): i32 {
  const p = find(account, symbol, false);
  return p ? load<i32>(p, P_LOTS) : 0;
}
/** Unrealized P&L against `mark`: mark x qty - cost. */
export function unrealized(account: u32, symbol: u32, mark: i64): i64 {
  const p = find(account, symbol, false);
  return p ? mark * load<i64>(p, P_QTY) - load<i64>(p, P_COST) : 0;
}
export function positionsUsed(): i32 {
  return positionCount;
}

/**
 * A hash of every position and its lots in queue order. Positions are combined by addition, so the
 * order they were created in does not matter: two implementations agree when their states do.
 */
export function stateHash(): i64 {
  let total: u64 = 0;
  for (let i = 0; i < positionCount; i++) {
    const p = positions + <usize>i * P_SIZE;
    let h = mix64(keyOf(load<u32>(p, P_ACCOUNT), load<u32>(p, P_SYMBOL)));
    h = mix64(h ^ <u64>load<i64>(p, P_QTY));
    h = mix64(h ^ <u64>load<i64>(p, P_COST));
    h = mix64(h ^ <u64>load<i64>(p, P_REALIZED));
    let lot = load<i32>(p, P_HEAD);
    while (lot >= 0) {
      const l = lotAt(lot);
      h = mix64(h ^ <u64>load<i64>(l, L_QTY));
      h = mix64(h ^ <u64>load<i64>(l, L_PRICE));
      lot = load<i32>(l, L_NEXT);
    }
    total += h;
  }
  return <i64>total;
}

// ---- batch entry point for hot paths and benchmarks -------------------------------------------
// A fill command is 32 bytes: account u32, symbol u32, side u32, pad u32, qty i64, price i64.
// The realized P&L of each goes to results (8 bytes each); closed-lot records are not kept.

export function fillBatch(commands: usize, count: i32, results: usize): i32 {
  let errors = 0;
  for (let i = 0; i < count; i++) {
    const c = commands + (<usize>i << 5);
    const r = fill(load<u32>(c), load<u32>(c, 4), load<u32>(c, 8), load<i64>(c, 16), load<i64>(c, 24));
    store<i64>(results + (<usize>i << 3), r);
    if (error != OK) errors++;
  }
  return errors;
}
