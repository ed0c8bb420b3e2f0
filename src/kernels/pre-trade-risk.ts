// Pre-trade risk: the interface both implementations share, the TypeScript reference, and the Wasm
// kernel (assembly/risk.ts, where the checks and their order are described) behind the same
// interface. Reasons are the wire schema's RejectReason values.
//
// Thread-safety: an instance belongs to the worker that owns its accounts' partitions.
import { M64, mix64, u64 } from './state-hash.js';
import { instantiateKernel } from '../runtime/kernel-module.js';
import { RejectReason } from '../wire/generated/index.js';
import { AccountStatus } from '../wire/generated/index.js';
import { absTicks } from '../wire/codec.js';

export interface RiskPolicy {
  status: AccountStatus;
  /** Zero means no limit, for every limit. */
  maxOrderQty: bigint;
  maxOrderNotional: bigint;
  defaultPositionCap: bigint;
  grossExposureLimit: bigint;
  maxLeverageBp: bigint;
  dailyLossLimit: bigint;
  /** Equity before the day's P&L (money, 1e6 scale). */
  equity: bigint;
}

export interface RiskVerdict {
  reason: RejectReason;
  /** The limit that was hit and the value that broke it (0n on acceptance). */
  limit: bigint;
  value: bigint;
}

export interface PreTradeRisk {
  setPolicy(account: number, policy: RiskPolicy): RejectReason;
  setSymbolCap(account: number, symbol: number, cap: bigint): RejectReason;
  setMark(symbol: number, price: bigint): RejectReason;
  addPnl(account: number, delta: bigint): RejectReason;
  /** Accepts (holding the quantity as pending exposure) or rejects an order; price 0n: a market order. */
  check(account: number, symbol: number, side: number, quantity: bigint, price: bigint): RiskVerdict;
  fill(account: number, symbol: number, side: number, quantity: bigint): RejectReason;
  cancel(account: number, symbol: number, side: number, quantity: bigint): RejectReason;
  position(account: number, symbol: number): bigint;
  pending(account: number, symbol: number, side: number): bigint;
  stateHash(): bigint;
}

const BUY = 1;
const SELL = 2;
const I64_MAX = (1n << 63n) - 1n;

interface RefAccount extends RiskPolicy {
  id: number;
  hasPolicy: boolean;
  dayPnl: bigint;
  entries: RefEntry[];
}
interface RefEntry {
  account: number;
  symbol: number;
  position: bigint;
  pendingBuy: bigint;
  pendingSell: bigint;
  /** -1n: the account's default. */
  cap: bigint;
  /** Price of the last accepted order: the value of the exposure when the symbol has no mark. */
  lastPrice: bigint;
}

/** The TypeScript reference. */
export class PreTradeRiskReference implements PreTradeRisk {
  private readonly accounts = new Map<number, RefAccount>();
  private readonly entries = new Map<string, RefEntry>();
  private readonly marks = new Map<number, bigint>();

  constructor(
    private readonly maxAccounts: number,
    private readonly maxEntries: number,
    private readonly maxSymbols: number,
  ) {}

  private account(id: number): RefAccount | null {
    let a = this.accounts.get(id);
    if (!a) {
      if (this.accounts.size >= this.maxAccounts) return null;
      a = {
        id, hasPolicy: false, dayPnl: 0n, entries: [], status: 0, maxOrderQty: 0n, maxOrderNotional: 0n, defaultPositionCap: 0n,
        grossExposureLimit: 0n, maxLeverageBp: 0n, dailyLossLimit: 0n, equity: 0n,
      };
      this.accounts.set(id, a);
    }
    return a;
  }

  private entry(a: RefAccount, symbol: number): RefEntry | null {
    const key = `${a.id}:${symbol}`;
    let e = this.entries.get(key);
    if (!e) {
      if (this.entries.size >= this.maxEntries) return null;
      e = { account: a.id, symbol, position: 0n, pendingBuy: 0n, pendingSell: 0n, cap: -1n, lastPrice: 0n };
      this.entries.set(key, e);
      a.entries.push(e);
    }
    return e;
  }

  setPolicy(account: number, policy: RiskPolicy): RejectReason {
    const a = this.account(account);
    if (!a) return RejectReason.RISK_CAPACITY;
    Object.assign(a, policy, { hasPolicy: true });
    return RejectReason.NONE;
  }

  setSymbolCap(account: number, symbol: number, cap: bigint): RejectReason {
    const a = this.account(account);
    const e = a && this.entry(a, symbol);
    if (!e) return RejectReason.RISK_CAPACITY;
    e.cap = cap;
    return RejectReason.NONE;
  }

  setMark(symbol: number, price: bigint): RejectReason {
    if (!this.marks.has(symbol) && this.marks.size >= this.maxSymbols) return RejectReason.RISK_CAPACITY;
    this.marks.set(symbol, price);
    return RejectReason.NONE;
  }

  addPnl(account: number, delta: bigint): RejectReason {
    const a = this.account(account);
    if (!a) return RejectReason.RISK_CAPACITY;
    a.dayPnl += delta;
    return RejectReason.NONE;
  }

  check(account: number, symbol: number, side: number, quantity: bigint, price: bigint): RiskVerdict {
    const verdict = (reason: RejectReason, limit = 0n, value = 0n): RiskVerdict => ({ reason, limit, value });
    const a = this.accounts.get(account);
    if (!a || !a.hasPolicy) return verdict(RejectReason.UNKNOWN_ACCOUNT);
    if (a.status === AccountStatus.KILL) return verdict(RejectReason.KILL_SWITCH);
    if (a.status === AccountStatus.BLOCKED) return verdict(RejectReason.ACCOUNT_BLOCKED);
    if ((side !== BUY && side !== SELL) || quantity <= 0n || price < 0n) return verdict(RejectReason.INVALID_ORDER);
    const mark = this.marks.get(symbol) ?? 0n;
    const px = price > 0n ? price : mark;
    if (px <= 0n || quantity > I64_MAX / px) return verdict(RejectReason.INVALID_ORDER);
    if (a.dailyLossLimit > 0n && a.dayPnl <= -a.dailyLossLimit) return verdict(RejectReason.DAILY_LOSS, a.dailyLossLimit, -a.dayPnl);
    if (a.maxOrderQty > 0n && quantity > a.maxOrderQty) return verdict(RejectReason.MAX_ORDER_QTY, a.maxOrderQty, quantity);
    const notional = quantity * px;
    if (a.maxOrderNotional > 0n && notional > a.maxOrderNotional) return verdict(RejectReason.MAX_ORDER_NOTIONAL, a.maxOrderNotional, notional);
    const e = this.entries.get(`${account}:${symbol}`);
    const pos = e?.position ?? 0n;
    const cap = e && e.cap >= 0n ? e.cap : a.defaultPositionCap;
    const worst = absTicks(side === BUY ? pos + (e?.pendingBuy ?? 0n) + quantity : pos - (e?.pendingSell ?? 0n) - quantity);
    if (cap > 0n && worst > cap) return verdict(RejectReason.POSITION_CAP, cap, worst);
    let gross = notional;
    for (const x of a.entries) {
      let m = this.marks.get(x.symbol) ?? 0n;
      if (m <= 0n) m = x.symbol === symbol ? px : x.lastPrice;
      gross += (absTicks(x.position) + x.pendingBuy + x.pendingSell) * m;
    }
    if (a.grossExposureLimit > 0n && gross > a.grossExposureLimit) return verdict(RejectReason.GROSS_EXPOSURE, a.grossExposureLimit, gross);
    if (a.maxLeverageBp > 0n) {
      const equity = a.equity + a.dayPnl;
      if (equity <= 0n) return verdict(RejectReason.LEVERAGE, a.maxLeverageBp, I64_MAX);
      if (gross * 10_000n > a.maxLeverageBp * equity) return verdict(RejectReason.LEVERAGE, a.maxLeverageBp, (gross * 10_000n) / equity);
    }
    const held = this.entry(a, symbol);
    if (!held) return verdict(RejectReason.RISK_CAPACITY);
    held.lastPrice = px;
    if (side === BUY) held.pendingBuy += quantity;
    else held.pendingSell += quantity;
    return verdict(RejectReason.NONE);
  }

  fill(account: number, symbol: number, side: number, quantity: bigint): RejectReason {
    if ((side !== BUY && side !== SELL) || quantity <= 0n) return RejectReason.INVALID_ORDER;
    const a = this.account(account);
    const e = a && this.entry(a, symbol);
    if (!e) return RejectReason.RISK_CAPACITY;
    if (side === BUY) e.pendingBuy = e.pendingBuy > quantity ? e.pendingBuy - quantity : 0n;
    else e.pendingSell = e.pendingSell > quantity ? e.pendingSell - quantity : 0n;
    e.position += side === BUY ? quantity : -quantity;
    return RejectReason.NONE;
  }

  cancel(account: number, symbol: number, side: number, quantity: bigint): RejectReason {
    if ((side !== BUY && side !== SELL) || quantity <= 0n) return RejectReason.INVALID_ORDER;
    const e = this.entries.get(`${account}:${symbol}`);
    if (!e) return RejectReason.NONE;
    if (side === BUY) e.pendingBuy = e.pendingBuy > quantity ? e.pendingBuy - quantity : 0n;
    else e.pendingSell = e.pendingSell > quantity ? e.pendingSell - quantity : 0n;
    return RejectReason.NONE;
  }

  position(account: number, symbol: number): bigint {
    return this.entries.get(`${account}:${symbol}`)?.position ?? 0n;
  }

  pending(account: number, symbol: number, side: number): bigint {
    const e = this.entries.get(`${account}:${symbol}`);
    return e ? (side === BUY ? e.pendingBuy : e.pendingSell) : 0n;
  }

  stateHash(): bigint {
    let total = 0n;
    for (const a of this.accounts.values()) {
      let h = mix64(BigInt(a.id >>> 0));
      h = mix64(h ^ (a.hasPolicy ? 1n : 0n));
      h = mix64(h ^ BigInt(a.status));
      for (const v of [a.maxOrderQty, a.maxOrderNotional, a.defaultPositionCap, a.grossExposureLimit, a.maxLeverageBp, a.dailyLossLimit, a.equity, a.dayPnl]) {
        h = mix64(h ^ u64(v));
      }
      total = (total + h) & M64;
    }
    for (const e of this.entries.values()) {
      let h = mix64(((BigInt(e.account >>> 0) << 32n) | BigInt(e.symbol >>> 0)) ^ 0x5678n);
      for (const v of [e.position, e.pendingBuy, e.pendingSell, e.cap, e.lastPrice]) h = mix64(h ^ u64(v));
      total = (total + h) & M64;
    }
    return BigInt.asIntN(64, total);
  }
}

interface RiskExports {
  init(accounts: number, entries: number, symbols: number): void;
  setPolicy(account: number, status: number, maxQty: bigint, maxNotional: bigint, defaultCap: bigint, grossLimit: bigint, leverageBp: bigint, dailyLoss: bigint, equity: bigint): number;
  setSymbolCap(account: number, symbol: number, cap: bigint): number;
  setMark(symbol: number, price: bigint): number;
  addPnl(account: number, delta: bigint): number;
  check(account: number, symbol: number, side: number, qty: bigint, price: bigint): number;
  lastLimit(): bigint;
  lastValue(): bigint;
  fill(account: number, symbol: number, side: number, qty: bigint): number;
  cancel(account: number, symbol: number, side: number, qty: bigint): number;
  position(account: number, symbol: number): bigint;
  pending(account: number, symbol: number, side: number): bigint;
  stateHash(): bigint;
  checkBatch(commands: number, count: number, results: number): number;
}

/** The Wasm kernel behind the shared interface. */
export class PreTradeRiskWasm implements PreTradeRisk {
  readonly exports: RiskExports;
  readonly memory: WebAssembly.Memory;

  constructor(maxAccounts: number, maxEntries: number, maxSymbols: number) {
    const k = instantiateKernel<RiskExports>('risk');
    this.exports = k.exports;
    this.memory = k.memory;
    this.exports.init(maxAccounts, maxEntries, maxSymbols);
  }

  setPolicy(account: number, p: RiskPolicy): RejectReason {
    return this.exports.setPolicy(account, p.status, p.maxOrderQty, p.maxOrderNotional, p.defaultPositionCap, p.grossExposureLimit, p.maxLeverageBp, p.dailyLossLimit, p.equity);
  }
  setSymbolCap(account: number, symbol: number, cap: bigint): RejectReason {
    return this.exports.setSymbolCap(account, symbol, cap);
  }
  setMark(symbol: number, price: bigint): RejectReason {
    return this.exports.setMark(symbol, price);
  }
  addPnl(account: number, delta: bigint): RejectReason {
    return this.exports.addPnl(account, delta);
  }
  check(account: number, symbol: number, side: number, quantity: bigint, price: bigint): RiskVerdict {
    const reason = this.checkReason(account, symbol, side, quantity, price);
    return { reason, limit: this.lastLimit(), value: this.lastValue() };
  }
  /** check() without its verdict object: the reason; lastLimit() and lastValue() give the rest (0n when accepted). */
  checkReason(account: number, symbol: number, side: number, quantity: bigint, price: bigint): RejectReason {
    return this.exports.check(account, symbol, side, quantity, price);
  }
  lastLimit(): bigint {
    return this.exports.lastLimit();
  }
  lastValue(): bigint {
    return this.exports.lastValue();
  }
  fill(account: number, symbol: number, side: number, quantity: bigint): RejectReason {
    return this.exports.fill(account, symbol, side, quantity);
  }
  cancel(account: number, symbol: number, side: number, quantity: bigint): RejectReason {
    return this.exports.cancel(account, symbol, side, quantity);
  }
  position(account: number, symbol: number): bigint {
    return this.exports.position(account, symbol);
  }
  pending(account: number, symbol: number, side: number): bigint {
    return this.exports.pending(account, symbol, side);
  }
  stateHash(): bigint {
    return this.exports.stateHash();
  }
}
