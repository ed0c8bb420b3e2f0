// Pre-trade risk: per account, from its policy, accept or reject an order before it reaches the book,
// and keep the exposure that accepted orders hold until they fill or cancel. Checks, in order (the
// first that fails names the reason, with the limit and the value that broke it):
//   unknown account; KILL (kill switch); BLOCKED; malformed order; daily loss reached;
//   max order quantity; max order notional; position cap (position + pending same-side + order);
//   gross exposure (sum over the account's symbols of (|position| + pending) x mark, plus the order;
//     a symbol without a mark is valued at the order's price, or at its last accepted order's price);
//   leverage (gross after the order x 10000 / equity, in basis points; equity = base + day's P&L).
// A zero limit means no limit. Money is ticks x quantity (1e6 scale); leverage is exact while equity
// stays under 9.2e14 (900 M at the wire scale). src/kernels/pre-trade-risk.ts is the TypeScript
// reference with the same interface and results.
//
// Memory: fixed pools carved once by init(); one instance per memory.
import { indexCount, indexOf, indexOrAdd, mix64, newIndexTable } from './index-table';

// Reasons: the wire schema's RejectReason values.
export const ACCEPT: i32 = 0;
export const INVALID_ORDER: i32 = 1;
export const UNKNOWN_ACCOUNT: i32 = 2;
export const ACCOUNT_BLOCKED: i32 = 3;
export const KILL_SWITCH: i32 = 4;
export const MAX_ORDER_QTY: i32 = 5;
export const MAX_ORDER_NOTIONAL: i32 = 6;
export const POSITION_CAP: i32 = 7;
export const GROSS_EXPOSURE: i32 = 8;
export const LEVERAGE: i32 = 9;
export const DAILY_LOSS: i32 = 10;
export const RISK_CAPACITY: i32 = 17;

// Account status: the wire schema's AccountStatus.
const BLOCKED: i32 = 2;
const KILL: i32 = 3;
const BUY: u32 = 1;
const SELL: u32 = 2;
const I64_MAX: i64 = 9223372036854775807;

// Account record (80 bytes).
const A_STATUS = 0; // i32
const A_HEAD = 4; // i32: first entry, -1
const A_MAX_QTY = 8;
const A_MAX_NOTIONAL = 16;
const A_DEFAULT_CAP = 24;
const A_GROSS_LIMIT = 32;
const A_LEVERAGE_BP = 40;
const A_DAILY_LOSS = 48;
const A_EQUITY = 56;
const A_DAY_PNL = 64;
const A_HAS_POLICY = 72; // i32
const A_ID = 76; // u32
// Sum over the account's entries of (|position| + pending) x mark (wrapping, as the check adds it up),
// kept up to date while A_GROSS_EPOCH == markEpoch: every entry has had a positive mark since the
// sum was taken and no mark has been set since. Otherwise the check adds it up entry by entry.
const A_GROSS = 80;
const A_GROSS_EPOCH = 88; // i32; 0: not kept
const A_SIZE: usize = 96;
// Entry record (48 bytes): one account x symbol.
const E_POS = 0;
const E_PENDING_BUY = 8;
const E_PENDING_SELL = 16;
const E_CAP = 24; // -1: the account's default
const E_SYMBOL = 32; // u32
const E_NEXT = 36; // i32
const E_ACCOUNT = 40; // u32
const E_LAST_PRICE = 48; // i64: price of the last accepted order, valued when there is no mark
const E_MARK = 56; // i32: the symbol's slot in the mark table once it has one (-1 until then)
const E_ACCOUNT_INDEX = 60; // i32
const E_SIZE: usize = 64;

let accounts: usize = 0;
let accountTable: usize = 0;
let entries: usize = 0;
let entryTable: usize = 0;
let marks: usize = 0;
let symbolTable: usize = 0;
let lastLimitValue: i64 = 0;
let lastValueValue: i64 = 0;
let markEpoch: i32 = 1; // changes with every setMark: kept gross sums are retaken

export function init(maxAccounts: i32, maxEntries: i32, maxSymbols: i32): void {
  accountTable = newIndexTable(maxAccounts);
  accounts = heap.alloc(<usize>maxAccounts * A_SIZE);
  memory.fill(accounts, 0, <usize>maxAccounts * A_SIZE);
  entryTable = newIndexTable(maxEntries);
  entries = heap.alloc(<usize>maxEntries * E_SIZE);
  symbolTable = newIndexTable(maxSymbols);
  marks = heap.alloc(<usize>maxSymbols * 8);
  memory.fill(marks, 0, <usize>maxSymbols * 8);
}

/** The limit and the value behind the last rejection (both 0 on acceptance). */
export function lastLimit(): i64 {
  return lastLimitValue;
}
export function lastValue(): i64 {
  return lastValueValue;
}

@inline function accountAt(i: i32): usize {
  return accounts + <usize>i * A_SIZE;
}
@inline function entryAt(i: i32): usize {
  return entries + <usize>i * E_SIZE;
}
@inline function entryKey(account: u32, symbol: u32): u64 {
  return (<u64>account << 32) | <u64>symbol;
}

function newAccount(account: u32): i32 {
  const before = indexCount(accountTable);
  const i = indexOrAdd(accountTable, <u64>account);
  if (i >= 0 && i == before) {
    store<i32>(accountAt(i), -1, A_HEAD);
    store<u32>(accountAt(i), account, A_ID);
  }
  return i;
}

/** The entry of account x symbol, created (at the head of the account's list) when new; -1 if full. */
function entryOf(account: u32, accountIndex: i32, symbol: u32): i32 {
  const before = indexCount(entryTable);
  const i = indexOrAdd(entryTable, entryKey(account, symbol));
  if (i < 0 || i < before) return i;
  const e = entryAt(i);
  store<i64>(e, 0, E_POS);
  store<i64>(e, 0, E_PENDING_BUY);
  store<i64>(e, 0, E_PENDING_SELL);
  store<i64>(e, -1, E_CAP);
  store<i64>(e, 0, E_LAST_PRICE);
  store<i32>(e, indexOf(symbolTable, <u64>symbol), E_MARK);
  store<u32>(e, symbol, E_SYMBOL);
  store<u32>(e, account, E_ACCOUNT);
  store<i32>(e, accountIndex, E_ACCOUNT_INDEX);
  const a = accountAt(accountIndex);
  store<i32>(e, load<i32>(a, A_HEAD), E_NEXT);
  store<i32>(a, i, A_HEAD);
  store<i32>(a, 0, A_GROSS_EPOCH); // a new entry: the account's sum is taken again
  return i;
}

/** Sets an account's policy (a new policy applies from the next check). Returns 0, or RISK_CAPACITY. */
export function setPolicy(
  account: u32, status: i32, maxOrderQty: i64, maxOrderNotional: i64, defaultCap: i64, grossLimit: i64,
  maxLeverageBp: i64, dailyLossLimit: i64, equity: i64,
): i32 {
  const i = newAccount(account);
  if (i < 0) return RISK_CAPACITY;
  const a = accountAt(i);
  store<i32>(a, status, A_STATUS);
  store<i64>(a, maxOrderQty, A_MAX_QTY);
  store<i64>(a, maxOrderNotional, A_MAX_NOTIONAL);
  store<i64>(a, defaultCap, A_DEFAULT_CAP);
  store<i64>(a, grossLimit, A_GROSS_LIMIT);
  store<i64>(a, maxLeverageBp, A_LEVERAGE_BP);
  store<i64>(a, dailyLossLimit, A_DAILY_LOSS);
  store<i64>(a, equity, A_EQUITY);
  store<i32>(a, 1, A_HAS_POLICY);
  return 0;
}

/** A per-symbol position cap for an account (0: no cap; overrides the account's default). */
export function setSymbolCap(account: u32, symbol: u32, cap: i64): i32 {
  const a = newAccount(account);
  if (a < 0) return RISK_CAPACITY;
  const e = entryOf(account, a, symbol);
  if (e < 0) return RISK_CAPACITY;
  store<i64>(entryAt(e), cap, E_CAP);
  return 0;
}

/** The mark price of a symbol, for exposure. Returns 0, or RISK_CAPACITY. */
export function setMark(symbol: u32, price: i64): i32 {
  const i = indexOrAdd(symbolTable, <u64>symbol);
  if (i < 0) return RISK_CAPACITY;
  store<i64>(marks + (<usize>i << 3), price);
  markEpoch++;
  return 0;
}

function markOf(symbol: u32): i64 {
  const i = indexOf(symbolTable, <u64>symbol);
  return i < 0 ? 0 : load<i64>(marks + (<usize>i << 3));
}

/** Adds to an account's P&L for the day (realized and unrealized changes). */
export function addPnl(account: u32, delta: i64): i32 {
  const i = newAccount(account);
  if (i < 0) return RISK_CAPACITY;
  const a = accountAt(i);
  store<i64>(a, load<i64>(a, A_DAY_PNL) + delta, A_DAY_PNL);
  return 0;
}

@inline function reject(reason: i32, limit: i64, value: i64): i32 {
  lastLimitValue = limit;
  lastValueValue = value;
  return reason;
}

@inline function abs64(x: i64): i64 {
  return x < 0 ? -x : x;
}

/**
 * Checks an order of `qty` at `price` (0: a market order, valued at the mark). Returns ACCEPT (and
 * holds the order's quantity as pending exposure) or the reason it is rejected.
 */
export function check(account: u32, symbol: u32, side: u32, qty: i64, price: i64): i32 {
  lastLimitValue = 0;
  lastValueValue = 0;
  const ai = indexOf(accountTable, <u64>account);
  if (ai < 0 || load<i32>(accountAt(ai), A_HAS_POLICY) == 0) return reject(UNKNOWN_ACCOUNT, 0, 0);
  const a = accountAt(ai);
  const status = load<i32>(a, A_STATUS);
  if (status == KILL) return reject(KILL_SWITCH, 0, 0);
  if (status == BLOCKED) return reject(ACCOUNT_BLOCKED, 0, 0);
  if ((side != BUY && side != SELL) || qty <= 0 || price < 0) return reject(INVALID_ORDER, 0, 0);
  // The account x symbol entry (when there is one) knows the slot of its symbol's mark.
  const ei = indexOf(entryTable, entryKey(account, symbol));
  const markSlot = ei >= 0 ? load<i32>(entryAt(ei), E_MARK) : -1;
  const mark = markSlot >= 0 ? load<i64>(marks + (<usize>markSlot << 3)) : markOf(symbol);
  const px = price > 0 ? price : mark;
  // Overflow guard for qty x px; the division is only needed for very large orders.
  if (px <= 0 || ((qty >= 0x80000000 || px >= 0x100000000) && qty > I64_MAX / px)) return reject(INVALID_ORDER, 0, 0);
  const dayPnl = load<i64>(a, A_DAY_PNL);
  const lossLimit = load<i64>(a, A_DAILY_LOSS);
  if (lossLimit > 0 && dayPnl <= -lossLimit) return reject(DAILY_LOSS, lossLimit, -dayPnl);
  const maxQty = load<i64>(a, A_MAX_QTY);
  if (maxQty > 0 && qty > maxQty) return reject(MAX_ORDER_QTY, maxQty, qty);
  const notional = qty * px;
  const maxNotional = load<i64>(a, A_MAX_NOTIONAL);
  if (maxNotional > 0 && notional > maxNotional) return reject(MAX_ORDER_NOTIONAL, maxNotional, notional);
  let pos: i64 = 0;
  let pendingBuy: i64 = 0;
  let pendingSell: i64 = 0;
  let cap = load<i64>(a, A_DEFAULT_CAP);
  if (ei >= 0) {
    const e = entryAt(ei);
    pos = load<i64>(e, E_POS);
    pendingBuy = load<i64>(e, E_PENDING_BUY);
    pendingSell = load<i64>(e, E_PENDING_SELL);
    const own = load<i64>(e, E_CAP);
    if (own >= 0) cap = own;
  }
  const worst = abs64(side == BUY ? pos + pendingBuy + qty : pos - pendingSell - qty);
  if (cap > 0 && worst > cap) return reject(POSITION_CAP, cap, worst);
  // Gross exposure of the account after this order: each symbol at its mark, or, without one, at
  // this order's price (its own symbol) or the last accepted order's price.
  // The other entries' part is kept per account while every entry has a mark (see A_GROSS); the
  // sum wraps as the entry-by-entry one does, so both give the same value.
  let gross = notional;
  if (load<i32>(a, A_GROSS_EPOCH) == markEpoch) {
    gross += load<i64>(a, A_GROSS);
  } else {
    let sum: i64 = 0;
    let allMarked = true;
    let i = load<i32>(a, A_HEAD);
    while (i >= 0) {
      const e = entryAt(i);
      const s = load<u32>(e, E_SYMBOL);
      // The mark's slot is looked up once it exists, then read directly (no hashing per entry).
      let slot = load<i32>(e, E_MARK);
      if (slot < 0) {
        slot = indexOf(symbolTable, <u64>s);
        store<i32>(e, slot, E_MARK);
      }
      let m: i64 = slot < 0 ? 0 : load<i64>(marks + (<usize>slot << 3));
      if (m <= 0) {
        allMarked = false;
        m = s == symbol ? px : load<i64>(e, E_LAST_PRICE);
      }
      sum += exposure(e) * m;
      i = load<i32>(e, E_NEXT);
    }
    if (allMarked) {
      store<i64>(a, sum, A_GROSS);
      store<i32>(a, markEpoch, A_GROSS_EPOCH);
    }
    gross += sum;
  }
  const grossLimit = load<i64>(a, A_GROSS_LIMIT);
  if (grossLimit > 0 && gross > grossLimit) return reject(GROSS_EXPOSURE, grossLimit, gross);
  const leverage = load<i64>(a, A_LEVERAGE_BP);
  if (leverage > 0) {
    const equity = load<i64>(a, A_EQUITY) + dayPnl;
    if (equity <= 0) return reject(LEVERAGE, leverage, I64_MAX);
    // gross x 10000 > leverage x equity: doubles decide when the two sides are clearly apart (no
    // division on the common path), the exact integer test when they are within 1e-9 of each other;
    // the exact basis points are worked out only for a rejection.
    const lhs = <f64>gross * 10000.0;
    const rhs = <f64>leverage * <f64>equity;
    const over = lhs > rhs * (1 + 1e-9) ? true : lhs < rhs * (1 - 1e-9) ? false : exceeds(gross, equity, leverage);
    if (over) {
      const q = gross / equity;
      const r = gross % equity;
      return reject(LEVERAGE, leverage, q * 10000 + (r * 10000) / equity);
    }
  }
  const e = ei >= 0 ? ei : entryOf(account, ai, symbol);
  if (e < 0) return reject(RISK_CAPACITY, 0, 0);
  const ep = entryAt(e);
  store<i64>(ep, px, E_LAST_PRICE);
  const pendingAt = ep + <usize>(side == BUY ? E_PENDING_BUY : E_PENDING_SELL);
  store<i64>(pendingAt, load<i64>(pendingAt) + qty);
  // The kept sum (if any; a new entry has just dropped it) grows by this order at the entry's mark.
  if (load<i32>(a, A_GROSS_EPOCH) == markEpoch) store<i64>(a, load<i64>(a, A_GROSS) + qty * entryMark(ep), A_GROSS);
  return ACCEPT;
}

/** |position| + pending on both sides: what the entry counts for in gross exposure (wrapping). */
@inline function exposure(e: usize): i64 {
  return abs64(load<i64>(e, E_POS)) + load<i64>(e, E_PENDING_BUY) + load<i64>(e, E_PENDING_SELL);
}

/** The mark of an entry's symbol, through its slot (set, while its account's sum is kept). */
@inline function entryMark(e: usize): i64 {
  return load<i64>(marks + (<usize>load<i32>(e, E_MARK) << 3));
}

/** After an entry's exposure changed from `before`: the account's kept sum (if any) follows. */
@inline function exposureChanged(e: usize, before: i64): void {
  const a = accountAt(load<i32>(e, E_ACCOUNT_INDEX));
  if (load<i32>(a, A_GROSS_EPOCH) == markEpoch) store<i64>(a, load<i64>(a, A_GROSS) + (exposure(e) - before) * entryMark(e), A_GROSS);
}

/** gross x 10000 / equity > leverage, exactly, without overflowing: split at equity. */
function exceeds(gross: i64, equity: i64, leverage: i64): bool {
  const q = gross / equity;
  const r = gross % equity;
  const bp = q * 10000 + (r * 10000) / equity;
  return bp > leverage || (bp == leverage && (r * 10000) % equity != 0);
}

/** A fill: releases pending exposure on its side (down to zero) and moves the position. */
export function fill(account: u32, symbol: u32, side: u32, qty: i64): i32 {
  if ((side != BUY && side != SELL) || qty <= 0) return INVALID_ORDER;
  const a = newAccount(account);
  if (a < 0) return RISK_CAPACITY;
  const ei = entryOf(account, a, symbol);
  if (ei < 0) return RISK_CAPACITY;
  const e = entryAt(ei);
  const before = exposure(e);
  release(e + (side == BUY ? E_PENDING_BUY : E_PENDING_SELL), qty);
  store<i64>(e, load<i64>(e, E_POS) + (side == BUY ? qty : -qty), E_POS);
  exposureChanged(e, before);
  return 0;
}

/** A cancel (or the unfilled rest of an IOC): releases pending exposure on its side. */
export function cancel(account: u32, symbol: u32, side: u32, qty: i64): i32 {
  if ((side != BUY && side != SELL) || qty <= 0) return INVALID_ORDER;
  const ei = indexOf(entryTable, entryKey(account, symbol));
  if (ei < 0) return 0;
  const e = entryAt(ei);
  const before = exposure(e);
  release(e + (side == BUY ? E_PENDING_BUY : E_PENDING_SELL), qty);
  exposureChanged(e, before);
  return 0;
}

/** Lowers the pending quantity at `at` by qty, not below zero. */
@inline function release(at: usize, qty: i64): void {
  const pending = load<i64>(at);
  store<i64>(at, pending > qty ? pending - qty : 0);
}

export function position(account: u32, symbol: u32): i64 {
  const ei = indexOf(entryTable, entryKey(account, symbol));
  return ei < 0 ? 0 : load<i64>(entryAt(ei), E_POS);
}
export function pending(account: u32, symbol: u32, side: u32): i64 {
  const ei = indexOf(entryTable, entryKey(account, symbol));
  return ei < 0 ? 0 : load<i64>(entryAt(ei) + (side == BUY ? E_PENDING_BUY : E_PENDING_SELL));
}

/** Order-independent hash of every account and position entry, for comparing implementations. */
export function stateHash(): i64 {
  let total: u64 = 0;
  const na = indexCount(accountTable);
  for (let i = 0; i < na; i++) {
    const a = accountAt(i);
    let h = mix64(<u64>load<u32>(a, A_ID));
    h = mix64(h ^ <u64>load<i32>(a, A_HAS_POLICY));
    h = mix64(h ^ <u64>load<i32>(a, A_STATUS));
    for (let f = A_MAX_QTY; f <= A_DAY_PNL; f += 8) h = mix64(h ^ <u64>load<i64>(a + <usize>f));
    total += h;
  }
  const ne = indexCount(entryTable);
  for (let i = 0; i < ne; i++) {
    const e = entryAt(i);
    let h = mix64(entryKey(load<u32>(e, E_ACCOUNT), load<u32>(e, E_SYMBOL)) ^ 0x5678);
    h = mix64(h ^ <u64>load<i64>(e, E_POS));
    h = mix64(h ^ <u64>load<i64>(e, E_PENDING_BUY));
    h = mix64(h ^ <u64>load<i64>(e, E_PENDING_SELL));
    h = mix64(h ^ <u64>load<i64>(e, E_CAP));
    h = mix64(h ^ <u64>load<i64>(e, E_LAST_PRICE));
    total += h;
  }
  return <i64>total;
}

// ---- batch entry point for hot paths and benchmarks -------------------------------------------
// A check command is 32 bytes: account u32, symbol u32, side u32, pad u32, qty i64, price i64.
// Each verdict's reason goes to results (4 bytes each). Returns how many were accepted.

export function checkBatch(commands: usize, count: i32, results: usize): i32 {
  let accepted = 0;
  for (let i = 0; i < count; i++) {
    const c = commands + (<usize>i << 5);
    const r = check(load<u32>(c), load<u32>(c, 4), load<u32>(c, 8), load<i64>(c, 16), load<i64>(c, 24));
    store<i32>(results + (<usize>i << 2), r);
    if (r == ACCEPT) accepted++;
  }
  return accepted;
}
