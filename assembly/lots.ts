// FIFO lots: positions per account x symbol, each a queue of open lots matched first in, first out.
// A fill on the side of the position (or on a flat one) opens a lot; a fill against it closes the
// oldest lots first, realizing (close - open) * qty for a long lot and (open - close) * qty for a
// short one; what is left after every lot closed opens a lot on the other side at the fill price (the
// average price resets). Prices are wire ticks, money is ticks x quantity: integers, no drift.
// src/kernels/fifo-lots.ts is the TypeScript reference with the same interface and results.
//
// Valuation: each position keeps its last fill price and, as of its last value() call, its mark,
// market value (qty x mark), unrealized P&L (market value - cost), gross (|market value|) and average
// price (cost / qty, truncated); each account keeps the sums of those, its cash flow (sells add qty x
// price, buys subtract it), its realized P&L, its day P&L (realized + unrealized), and its cash
// (initial + flow) and equity (cash + market value). All are i64 and wrap at 2^63 as the wire's int64
// fields do; the host reads them from the records (positionAt, accountAt) without making a BigInt.
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
export const NO_ACCOUNT_ROOM: i32 = 7;
export const NO_POSITION: i32 = 8;

const BUY: u32 = 1;
const SELL: u32 = 2;

// Position record: qty i64, cost i64, realized i64, head i32, tail i32, lots i32, account u32, symbol u32,
// pad, then the valuation: last fill price, mark, market value, unrealized, gross, average price (i64 each).
// src/kernels/fifo-lots.ts names the same offsets for the host (POSITION_FIELDS).
const P_QTY = 0;
const P_COST = 8;
const P_REALIZED = 16;
const P_HEAD = 24;
const P_TAIL = 28;
const P_LOTS = 32;
const P_ACCOUNT = 36;
const P_SYMBOL = 40;
const P_LAST_FILL = 48;
const P_MARK = 56;
const P_MARKET_VALUE = 64;
const P_UNREALIZED = 72;
const P_GROSS = 80;
const P_AVG_PRICE = 88;
const P_SIZE: usize = 96;
// Account record (i64 each; ACCOUNT_FIELDS in the host): initial cash, cash flow, realized,
// unrealized, market value, gross, day P&L, cash, equity.
const A_INITIAL_CASH = 0;
const A_CASH_FLOW = 8;
const A_REALIZED = 16;
const A_UNREALIZED = 24;
const A_MARKET_VALUE = 32;
const A_GROSS = 40;
const A_DAY_PNL = 48;
const A_CASH = 56;
const A_EQUITY = 64;
const A_SIZE: usize = 72;
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
let accounts: usize = 0;
let accountTable: usize = 0; // account -> account record index
let lots: usize = 0;
let maxLots: i32 = 0;
let lotsUsed: i32 = 0;
let freeLot: i32 = -1;
let closed: usize = 0;
let closedCount: i32 = 0;
let error: i32 = OK;

/** Carves the pools: up to `positionCapacity` positions, `lotCapacity` open lots and `accountCapacity` accounts. */
export function init(positionCapacity: i32, lotCapacity: i32, accountCapacity: i32): void {
  maxPositions = positionCapacity;
  maxLots = lotCapacity;
  positions = heap.alloc(<usize>positionCapacity * P_SIZE);
  table = newIndexTable(positionCapacity);
  accounts = heap.alloc(<usize>accountCapacity * A_SIZE);
  accountTable = newIndexTable(accountCapacity);
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
    memory.fill(p + P_LAST_FILL, 0, P_SIZE - P_LAST_FILL);
    positionCount++;
  }
  return p;
}

/** Account record address, or 0 when absent (and `create` is false or there is no room). */
function findAccount(account: u32, create: bool): usize {
  if (accounts == 0) {
    error = NOT_INITIALISED;
    return 0;
  }
  if (!create) {
    const i = indexOf(accountTable, <u64>account);
    return i < 0 ? 0 : accounts + <usize>i * A_SIZE;
  }
  const before = indexCount(accountTable);
  const i = indexOrAdd(accountTable, <u64>account);
  if (i < 0) {
    error = NO_ACCOUNT_ROOM;
    return 0;
  }
  const a = accounts + <usize>i * A_SIZE;
  if (i == before) memory.fill(a, 0, A_SIZE);
  return a;
}

/** The account's day P&L, cash and equity from its other fields. */
@inline function settle(a: usize): void {
  store<i64>(a, load<i64>(a, A_REALIZED) + load<i64>(a, A_UNREALIZED), A_DAY_PNL);
  const cash = load<i64>(a, A_INITIAL_CASH) + load<i64>(a, A_CASH_FLOW);
  store<i64>(a, cash, A_CASH);
  store<i64>(a, cash + load<i64>(a, A_MARKET_VALUE), A_EQUITY);
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
  if (existing == 0 && positionCount >= maxPositions) {
    error = NO_POSITION_ROOM;
    return 0;
  }
  const a = findAccount(account, true);
  if (a == 0) return 0;
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
  store<i64>(p, price, P_LAST_FILL);
  store<i64>(a, load<i64>(a, A_CASH_FLOW) + (side == BUY ? -(qty * price) : qty * price), A_CASH_FLOW);
  store<i64>(a, load<i64>(a, A_REALIZED) + realized, A_REALIZED);
  settle(a);
  return realized;
}

/** fill() for hosts that read the results from the records: returns lastError() (no i64 to convert). */
export function applyFill(account: u32, symbol: u32, side: u32, qty: i64, price: i64): i32 {
  fill(account, symbol, side, qty, price);
  return error;
}

/**
 * Values a position at `mark` (when `hasMark`; else at its last fill price) and moves its account's
 * sums by the change. The mark is an f64 holding an integer (the price board's), converted exactly
 * (saturating beyond the i64 range). Returns lastError(): NO_POSITION when the account never filled
 * the symbol.
 */
export function value(account: u32, symbol: u32, mark: f64, hasMark: bool): i32 {
  error = OK;
  const p = find(account, symbol, false);
  if (p == 0) {
    if (error == OK) error = NO_POSITION;
    return error;
  }
  // A fill makes the account's record before its position's, so a position always has one.
  const a = findAccount(account, false);
  if (a == 0) {
    error = NO_POSITION;
    return error;
  }
  const m: i64 = hasMark ? <i64>mark : load<i64>(p, P_LAST_FILL);
  const qty = load<i64>(p, P_QTY);
  const mv = qty * m;
  const unrealized = mv - load<i64>(p, P_COST);
  const gross = mv < 0 ? -mv : mv;
  store<i64>(a, load<i64>(a, A_UNREALIZED) + unrealized - load<i64>(p, P_UNREALIZED), A_UNREALIZED);
  store<i64>(a, load<i64>(a, A_MARKET_VALUE) + mv - load<i64>(p, P_MARKET_VALUE), A_MARKET_VALUE);
  store<i64>(a, load<i64>(a, A_GROSS) + gross - load<i64>(p, P_GROSS), A_GROSS);
  store<i64>(p, m, P_MARK);
  store<i64>(p, mv, P_MARKET_VALUE);
  store<i64>(p, unrealized, P_UNREALIZED);
  store<i64>(p, gross, P_GROSS);
  // Truncated toward zero, as BigInt division; -2^63 / -1 (the one i64 overflow) wraps as the wire does.
  const cost = load<i64>(p, P_COST);
  store<i64>(p, qty == 0 ? 0 : qty == -1 ? -cost : cost / qty, P_AVG_PRICE);
  settle(a);
  return OK;
}

/** The account's starting cash (its policy's): cash and equity follow. */
export function setInitialCash(account: u32, cash: i64): i32 {
  error = OK;
  const a = findAccount(account, true);
  if (a == 0) return error;
  store<i64>(a, cash, A_INITIAL_CASH);
  settle(a);
  return OK;
}

/** Address of the position record (P_* offsets), or 0. */
export function positionAt(account: u32, symbol: u32): usize {
  return find(account, symbol, false);
}

/** Address of the account record (A_* offsets), or 0. */
export function accountAt(account: u32): usize {
  return findAccount(account, false);
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
