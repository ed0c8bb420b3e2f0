// The trade engine (seed 002) as a job, in two stages on the runtime's partitions:
// - account stage (orders, cancels, replaces, account policies and exec reports are keyed by
//   account): pre-trade risk check -> RiskDecision; an accepted order is routed to its symbol's
//   partition; exec reports coming back are applied once (a repeated (order_id, exec_seq) counts
//   once) to FIFO lots -> positions -> realized and unrealized P&L (marked from the shared last-price
//   board) -> portfolio -> risk monitor alerts and the kill switch;
// - symbol stage (quotes and trades are keyed by symbol, and so is the routed order): the order
//   book matches and its exec reports are emitted and routed back to each order's account.
// Every rejection says why: a RiskDecision with its reason, limit and value, an exec report with
// REJECTED and a reason, or a dead letter for an exec report of an order the engine never held.
//
// Thread-safety: one instance per worker; its state belongs to the partitions that worker owns.
import { ACCOUNT_FIELDS, FifoLotsWasm, POSITION_FIELDS } from '../kernels/fifo-lots.js';
import { type BookOrder, type ExecReport as BookReport, OrderBooksWasm, REPORT } from '../kernels/order-book.js';
import { PreTradeRiskWasm, type RiskPolicy } from '../kernels/pre-trade-risk.js';
import type { FrameInfo, Job, JobContext } from '../runtime/job.js';
import { kafkaPartition, murmur2 } from '../runtime/partitioner.js';
import { recordSince } from '../runtime/stage-timing.js';
import { REPLAY_ORIGIN } from '../runtime/source.js';
import {
  AccountPolicy, AccountStatus, Body, Cancel, DeadLetter, DeadLetterReason, ExecReport, ExecStatus, Order, OrderType, RejectReason, Replace,
  RiskAlert, RiskAlertKind, Severity, SymbolCap,
} from '../wire/generated/index.js';
import { resolvePipelineConfig, type PipelineConfig } from './config.js';
import { FrameReader, FrameWriter, int64Value, quoteOf, type QuoteFields, quotePriceValue, symbolSlot, tradeOf, type TradeFields } from './frame-io.js';
import { FixedFrame } from '../wire/fixed-frame.js';
import { type OrderKey, orderKey, orderKeyAt } from './order-key.js';
import { HeldOrders } from './held-orders.js';
import { RecentWindow } from './recent-window.js';
import { type MonitorLevel, RiskMonitor, type RiskAlertFacts } from './risk-monitor.js';

const utf8 = new TextEncoder();

interface Holding extends MonitorLevel {
  symbol: string;
  symbolId: number;
  /**
   * Its position record in the lots kernel (POSITION_FIELDS): quantity, cost, realized, last fill price,
   * and the last valuation (mark, market value, unrealized, gross, average price), all int64 there.
   */
  at: number;
  /** The board's version of the mark at the last valuation: the holding is valued again only when it moves. */
  markVersion: number;
  /** The board's price of that valuation, -1 when the last fill's price stood in. */
  markTicks: number;
  /** Filled since the last valuation: its Position is emitted with the next one, at its last fill's time. */
  filled: boolean;
  filledTs: bigint;
}

interface Account {
  /** The risk monitor's daily-loss level. */
  loss: MonitorLevel;
  id: number;
  name: string;
  policy: RiskPolicy | null;
  dailyLossLimit: bigint;
  holdings: Map<number, Holding>;
  /** The same holdings, in the order they opened: iterated on every valuation. */
  holdingList: Holding[];
  /**
   * Its account record in the lots kernel (ACCOUNT_FIELDS), 0 until its first fill or policy: cash
   * flow, and the sums over its holdings as of their last valuation (kept by each holding's change, so
   * a valuation touches only the holdings whose mark moved or that filled), day P&L, cash and equity.
   */
  lotsAt: number;
  /** Day P&L last handed to the risk state, and its two 32-bit words (compared without a BigInt). */
  reportedPnl: bigint;
  reportedLow: number;
  reportedHigh: number;
  /** Slots of its open orders in the engine's HeldOrders. */
  open: Set<number>;
  killed: boolean;
  policyVersion: bigint;
  /** The policy version in force when the kill switch tripped. */
  killedAtVersion: bigint;
  /** The words of the day P&L at the last P&L output, to emit marks only when they change. */
  outputLow: number;
  outputHigh: number;
  /** Fills not yet valued: their latest event time and origin (null when none). */
  unvaluedTs: bigint | null;
  unvaluedOrigin: number;
}

/** The int64 at `at` as a double when that is exact (a safe integer), else as a BigInt. */
function exactAt(v: DataView, at: number): number | bigint {
  const x = int64Value(v, at);
  return Number.isSafeInteger(x) ? x : v.getBigInt64(at, true);
}

/**
 * Leverage in basis points, gross x 10,000 / equity truncated (0 without exposure, the int32 maximum
 * with exposure and no equity), from the account record at `a`. Doubles when every figure is a safe
 * integer: the quotient of two is then truncated exactly.
 */
function leverageBp(v: DataView, a: number): number {
  const gross = int64Value(v, a + ACCOUNT_FIELDS.gross);
  const equity = int64Value(v, a + ACCOUNT_FIELDS.equity);
  if (Number.isSafeInteger(gross * 10_000) && Number.isSafeInteger(equity)) {
    return equity > 0 ? Math.trunc((gross * 10_000) / equity) : gross > 0 ? 2_147_483_647 : 0;
  }
  const g = v.getBigInt64(a + ACCOUNT_FIELDS.gross, true);
  const e = v.getBigInt64(a + ACCOUNT_FIELDS.equity, true);
  return e > 0n ? Number((g * 10_000n) / e) : g > 0n ? 2_147_483_647 : 0;
}

export class TradeEngine implements Job {
  readonly accepts = [Body.Quote, Body.Trade, Body.Order, Body.Cancel, Body.Replace, Body.ExecReport, Body.AccountPolicy];
  readonly tickMs: number;
  private readonly cfg: PipelineConfig;
  private readonly risk: PreTradeRiskWasm;
  private readonly lots: FifoLotsWasm;
  private readonly book: OrderBooksWasm;
  private readonly monitor: RiskMonitor;
  private readonly reader = new FrameReader();
  private readonly writer = new FrameWriter();
  /** The outputs of every order, written without a Builder (see fixed-frame.ts). */
  private readonly execOut = new FixedFrame('ExecReport');
  private readonly decisionOut = new FixedFrame('RiskDecision');
  private readonly positionOut = new FixedFrame('Position');
  private readonly pnlOut = new FixedFrame('PnL', ['symbol']);
  private readonly portfolioOut = new FixedFrame('Portfolio');
  private readonly accounts = new Map<string, Account>();
  /** The orders the account stage accepted: open, and finished ones remembered a while (by slot). */
  private readonly orders = new HeldOrders();
  private readonly doneOrders: RecentWindow<number>;
  /** Accounts by their id, and symbols by their kernels' id (what a held order records). */
  private readonly accountById: Account[] = [];
  private readonly symbolById: string[] = [];
  /** Accounts with fills since their last valuation, valued once at the end of the worker's batch. */
  private readonly unvalued = new Set<Account>();
  /** Symbol stage: account names by the book's account id, and exec counters per symbol. */
  private readonly bookAccounts: string[] = [''];
  private readonly bookAccountIds = new Map<string, number>();
  /** Symbol stage: the ids of the orders the books took (engine.rememberRoutedOrders of them, oldest first out). */
  private readonly bookedIds = new Set<OrderKey>();
  private readonly bookedWindow: RecentWindow<OrderKey>;
  /** Symbol stage: the account (book id) of each order the book holds, so only its owner may cancel or replace it. */
  private readonly bookOwner = new Map<OrderKey, number>();
  private readonly execCounters = new Map<string, { hash: number; n: number }>();
  private readonly partitionOfKey = new Map<string, number>();
  private readonly markOut = { price: 0, tsNs: 0 };
  /** The board price last handed to the risk state as each symbol's mark, by symbol id (NaN or absent: none, or a last fill's). */
  private readonly riskMarks: number[] = [];
  /** Latest event time seen, for outputs that time itself drives (marking to market). */
  private eventNs = 0n;
  private nextMarkNs = 0;
  readonly counters = { orders: 0, accepted: 0, rejected: 0, execReports: 0, duplicateExecs: 0, unknownExecs: 0, kills: 0, duplicateRoutes: 0 };
  private readonly order = new Order();
  private readonly cancel = new Cancel();
  private readonly replace = new Replace();
  private readonly exec = new ExecReport();
  private readonly policyMsg = new AccountPolicy();
  private readonly symbolCap = new SymbolCap();

  constructor(private readonly ctx: JobContext, config: unknown) {
    this.cfg = resolvePipelineConfig(config ?? {});
    this.doneOrders = new RecentWindow(this.cfg.engine.rememberDoneOrders);
    this.bookedWindow = new RecentWindow(this.cfg.engine.rememberRoutedOrders);
    const e = this.cfg.engine;
    try {
      this.risk = new PreTradeRiskWasm(e.maxAccounts, e.maxAccounts * 64, e.maxSymbols);
      this.lots = new FifoLotsWasm(e.maxAccounts * 64, e.maxOrders * 2, e.maxAccounts);
      this.book = new OrderBooksWasm(e.maxOrders, e.levelsPerSide, e.maxSymbols);
    } catch (err) {
      // Each kernel's memory is at most 64 MiB: its pools are carved at start.
      throw new RangeError(
        `engine capacities do not fit a kernel's memory (engine.maxOrders ${e.maxOrders}, engine.levelsPerSide ${e.levelsPerSide}, ` +
          `engine.maxSymbols ${e.maxSymbols}, engine.maxAccounts ${e.maxAccounts}): ${(err as Error).message}`,
      );
    }
    this.monitor = new RiskMonitor(this.cfg.riskMonitor);
    this.tickMs = this.cfg.riskMonitor.markIntervalMs || 1_000;
  }

  onFrame(view: DataView, f: FrameInfo): void {
    const timing = this.ctx.stageTiming;
    if (!timing || f.type !== Body.Order || f.ingressNs <= REPLAY_ORIGIN) return this.handle(view, f);
    // Stage timing: an order's time in the account stage is its risk check, in the symbol stage its matching.
    const t0 = this.ctx.nowNs();
    this.handle(view, f);
    recordSince(f.routed ? timing.matching : timing.risk_check, t0, this.ctx.nowNs());
  }

  private handle(view: DataView, f: FrameInfo): void {
    // Market data comes decoded, shared with the other jobs.
    if (f.type === Body.Quote) return this.onQuote(quoteOf(view, f), view, f);
    if (f.type === Body.Trade) return this.onTrade(tradeOf(view, f), view, f);
    const env = this.reader.read(view, f);
    switch (f.type) {
      case Body.Order:
        if (f.routed) return this.submitToBook(env.body(this.order) as Order, f);
        return this.checkOrder(env.body(this.order) as Order, view, f);
      case Body.Cancel:
        if (f.routed) return this.cancelInBook(env.body(this.cancel) as Cancel, f);
        return this.checkCancel(env.body(this.cancel) as Cancel, view, f);
      case Body.Replace:
        if (f.routed) return this.replaceInBook(env.body(this.replace) as Replace, f);
        return this.checkReplace(env.body(this.replace) as Replace, view, f);
      case Body.ExecReport: return this.applyExec(env.body(this.exec) as ExecReport, view, f);
      case Body.AccountPolicy: return this.applyPolicy(env.body(this.policyMsg) as AccountPolicy, view, f);
      default:
    }
  }

  /**
   * The end of a batch of frames: accounts that had fills are valued once, whatever the number of
   * fills (their Position, P&L and Portfolio are emitted then, with the latest fill's time).
   */
  onBatchEnd(): void {
    if (this.unvalued.size === 0) return;
    for (const acc of this.unvalued) this.valueFills(acc);
    this.unvalued.clear();
  }

  private valueFills(acc: Account): void {
    const ts = acc.unvaluedTs;
    if (ts === null) return;
    acc.unvaluedTs = null;
    this.revalue(acc, ts, acc.unvaluedOrigin, true);
  }

  onTick(nowNs: number): void {
    // Marking to market between events: accounts with positions are revalued at the board's prices.
    this.onBatchEnd();
    if (this.cfg.riskMonitor.markIntervalMs === 0 || nowNs < this.nextMarkNs) return;
    this.nextMarkNs = nowNs + this.cfg.riskMonitor.markIntervalMs * 1e6;
    for (const acc of this.accounts.values()) if (acc.holdings.size > 0) this.revalue(acc, this.eventNs, 0, false);
  }

  // ---- market data (symbol stage) ---------------------------------------------------------------

  private onQuote(q: QuoteFields, view: DataView, f: FrameInfo): void {
    this.seen(q.tsNs);
    this.publishPrice(q.symbol, quotePriceValue(q), q, view, f);
  }

  private onTrade(t: TradeFields, view: DataView, f: FrameInfo): void {
    this.seen(t.tsNs);
    this.publishPrice(t.symbol, t.priceValue, t, view, f);
  }

  /** The symbol's last price on the shared board (this worker is the symbol's one writer); the board keeps doubles. */
  private publishPrice(symbol: string, price: number, tick: QuoteFields | TradeFields, view: DataView, f: FrameInfo): void {
    const slot = symbolSlot(this.ctx, symbol);
    if (slot < 0) return this.badSymbol(symbol, view, f, tick.tsNs);
    if (price > 0) this.ctx.prices.publish(slot, price, tick.tsValue);
  }

  private badSymbol(symbol: string, view: DataView, f: FrameInfo, ts: bigint): void {
    this.deadLetter(view, f, `symbol "${symbol.slice(0, 64)}" cannot be tracked: longer than 48 bytes, or the price board is full`, ts);
  }

  private seen(ts: bigint): void {
    if (ts > this.eventNs) this.eventNs = ts;
  }

  // ---- account stage: orders ---------------------------------------------------------------------

  private account(name: string): Account {
    let a = this.accounts.get(name);
    if (!a) {
      a = {
        loss: { level: 0 },
        id: this.accounts.size + 1, name, policy: null, dailyLossLimit: 0n, holdings: new Map(), holdingList: [],
        lotsAt: 0, reportedPnl: 0n, reportedLow: 0, reportedHigh: 0,
        open: new Set(), killed: false, policyVersion: 0n, killedAtVersion: 0n, outputLow: 0, outputHigh: 0, unvaluedTs: null, unvaluedOrigin: 0,
      };
      this.accounts.set(name, a);
      this.accountById[a.id] = a;
    }
    return a;
  }

  /** The kernels' id of a symbol (its board slot + 1), or 0 when it cannot have one. */
  private symbolId(symbol: string): number {
    return symbolSlot(this.ctx, symbol) + 1;
  }

  private partitionOf(key: string): number {
    let p = this.partitionOfKey.get(key);
    if (p === undefined) {
      const bytes = utf8.encode(key);
      p = kafkaPartition(bytes, 0, bytes.length, this.ctx.partitions);
      this.partitionOfKey.set(key, p);
    }
    return p;
  }

  /**
   * Gives the risk state the symbol's mark for a check: the board's price, else the account's last
   * fill price in it. The board's price is handed over only when it moved (no BigInt made per order).
   */
  private markForRisk(symbolId: number, holding: Holding | undefined): void {
    if (this.ctx.prices.read(symbolId - 1, this.markOut)) {
      if (this.markOut.price > 0 && this.markOut.price !== this.riskMarks[symbolId]) {
        this.risk.setMark(symbolId, BigInt(this.markOut.price));
        this.riskMarks[symbolId] = this.markOut.price;
      }
      return;
    }
    const m = holding ? this.lots.memoryView().getBigInt64(holding.at + POSITION_FIELDS.lastFill, true) : 0n;
    if (m > 0n) {
      this.risk.setMark(symbolId, m);
      this.riskMarks[symbolId] = NaN;
    }
  }

  /** Whether any of the account's marks moved since its last valuation. */
  private marksMoved(acc: Account): boolean {
    const list = acc.holdingList;
    for (let i = 0; i < list.length; i++) if (this.ctx.prices.version(list[i]!.symbolId - 1) !== list[i]!.markVersion) return true;
    return false;
  }

  private checkOrder(o: Order, view: DataView, f: FrameInfo): void {
    this.counters.orders++;
    const orderId = o.orderId();
    const key = orderKey(orderId);
    const accName = o.account()!;
    const symbol = o.symbol()!;
    const ts = o.clientTsNs();
    this.seen(ts);
    const acc = this.account(accName);
    const symbolId = this.symbolId(symbol);
    if (symbolId === 0) {
      this.emitDecision(orderId, accName, symbol.slice(0, 64), RejectReason.INVALID_ORDER, 0n, 0n, ts, f);
      return this.badSymbol(symbol, view, f, ts);
    }
    this.symbolById[symbolId] = symbol;
    // Revalue first: a loss that crossed the limit since the last event takes effect before this order.
    if (acc.unvaluedTs !== null) {
      this.unvalued.delete(acc);
      this.valueFills(acc);
    }
    if (acc.holdings.size > 0 && this.marksMoved(acc)) this.revalue(acc, ts, f.ingressNs, false);
    const type = o.type();
    const price = o.price();
    const qty = o.quantity();
    const needsPrice = type === OrderType.LIMIT || type === OrderType.STOP_LIMIT;
    const isStop = type === OrderType.STOP_LIMIT || type === OrderType.STOP_MARKET;
    let reason = RejectReason.NONE;
    let limit = 0n;
    let value = 0n;
    if (qty <= 0n || price < 0n || (needsPrice && price <= 0n) || (isStop && o.stopPrice() <= 0n) || (o.postOnly() && type !== OrderType.LIMIT)) {
      reason = RejectReason.INVALID_ORDER;
    } else if (this.orders.has(key)) {
      reason = RejectReason.DUPLICATE_ORDER_ID;
    } else {
      this.markForRisk(symbolId, acc.holdings.get(symbolId));
      // The limit and value a rejection names are read only for a rejection (0 when accepted).
      reason = this.risk.checkReason(acc.id, symbolId, o.side(), qty, needsPrice ? price : 0n);
      if (reason !== RejectReason.NONE) {
        limit = this.risk.lastLimit();
        value = this.risk.lastValue();
      }
    }
    this.emitDecision(orderId, accName, symbol, reason, limit, value, ts, f);
    if (reason !== RejectReason.NONE) return;
    acc.open.add(this.orders.add(key, orderId, acc.id, symbolId, o.side(), qty));
    this.ctx.route(FrameReader.bytes(view, f), Body.Order, this.partitionOf(symbol), f.ingressNs);
  }

  private emitDecision(orderId: bigint, account: string, symbol: string, reason: RejectReason, limit: bigint, value: bigint, ts: bigint, f: FrameInfo): void {
    if (reason === RejectReason.NONE) this.counters.accepted++;
    else this.counters.rejected++;
    const w = this.decisionOut.begin();
    const at = w.at;
    w.i64At(at.order_id!, orderId).strAt(at.account!, account).strAt(at.symbol!, symbol).u8At(at.accepted!, reason === RejectReason.NONE ? 1 : 0)
      .u16At(at.reason!, reason).i64At(at.limit!, limit).i64At(at.value!, value).i64At(at.ts_ns!, ts);
    this.ctx.emit(w.bytes(), Body.RiskDecision, f.partition, f.ingressNs);
    // The sender waits on its decision: it goes out now, not with the rest of the round.
    this.ctx.flush();
  }

  /** The slot of the open order `orderId` of account `accName`, or -1 (then an UNKNOWN_ORDER rejection is sent). */
  private ownOrder(orderId: bigint, accName: string, symbol: string, ts: bigint, f: FrameInfo): number {
    const held = this.orders;
    const o = held.find(orderKey(orderId));
    if (o >= 0 && held.done[o] === 0 && this.accountById[held.account[o]!]!.name === accName && this.symbolById[held.symbolId[o]!] === symbol) return o;
    this.emitExec(accName, symbol, {
      orderId, execSeq: 0, status: ExecStatus.REJECTED, side: 0, reason: RejectReason.UNKNOWN_ORDER, lastQty: 0n, lastPrice: 0n, leavesQty: 0n, cumQty: 0n,
    }, 0n, ts, f.ingressNs);
    return -1;
  }

  private checkCancel(c: Cancel, view: DataView, f: FrameInfo): void {
    const o = this.ownOrder(c.orderId(), c.account()!, c.symbol()!, c.tsNs(), f);
    if (o >= 0) this.ctx.route(FrameReader.bytes(view, f), Body.Cancel, this.partitionOf(this.symbolById[this.orders.symbolId[o]!]!), f.ingressNs);
  }

  private checkReplace(r: Replace, view: DataView, f: FrameInfo): void {
    const ts = r.tsNs();
    const o = this.ownOrder(r.orderId(), r.account()!, r.symbol()!, ts, f);
    if (o < 0) return;
    const held = this.orders;
    const acc = this.accountById[held.account[o]!]!;
    const symbolId = held.symbolId[o]!;
    const symbol = this.symbolById[symbolId]!;
    const quantity = r.quantity();
    const price = r.price();
    // The replaced order passes the per-order checks whole (status, loss, quantity, notional); the
    // exposure checks see only what it adds.
    const whole = this.replaceLimits(acc, quantity, price);
    let reason = whole.reason;
    let limit = whole.limit;
    let value = whole.value;
    const leaves = quantity - held.cum[o]!;
    const adds = leaves - held.held[o]!;
    if (reason === RejectReason.NONE && adds > 0n && price > 0n) {
      const v = this.risk.check(acc.id, symbolId, held.side[o]!, adds, price);
      reason = v.reason;
      limit = v.limit;
      value = v.value;
      if (reason === RejectReason.NONE) {
        held.extra[o] = held.extra[o]! + adds;
        held.held[o] = held.held[o]! + adds;
      }
    }
    if (reason !== RejectReason.NONE || adds > 0n) this.emitDecision(held.orderId[o]!, acc.name, symbol, reason, limit, value, ts, f);
    if (reason !== RejectReason.NONE) return;
    held.replacesInFlight[o] = held.replacesInFlight[o]! + 1;
    this.ctx.route(FrameReader.bytes(view, f), Body.Replace, this.partitionOf(symbol), f.ingressNs);
  }

  /** The per-order limits a replaced order must meet as a whole (the risk kernel's order of checks). */
  private replaceLimits(acc: Account, quantity: bigint, price: bigint): { reason: RejectReason; limit: bigint; value: bigint } {
    const p = acc.policy;
    const verdict = (reason: RejectReason, limit = 0n, value = 0n) => ({ reason, limit, value });
    if (!p) return verdict(RejectReason.UNKNOWN_ACCOUNT);
    if (acc.killed || p.status === AccountStatus.KILL) return verdict(RejectReason.KILL_SWITCH);
    if (p.status === AccountStatus.BLOCKED) return verdict(RejectReason.ACCOUNT_BLOCKED);
    if (quantity <= 0n || price <= 0n) return verdict(RejectReason.INVALID_ORDER);
    if (p.dailyLossLimit > 0n && acc.reportedPnl <= -p.dailyLossLimit) return verdict(RejectReason.DAILY_LOSS, p.dailyLossLimit, -acc.reportedPnl);
    if (p.maxOrderQty > 0n && quantity > p.maxOrderQty) return verdict(RejectReason.MAX_ORDER_QTY, p.maxOrderQty, quantity);
    if (p.maxOrderNotional > 0n && quantity * price > p.maxOrderNotional) return verdict(RejectReason.MAX_ORDER_NOTIONAL, p.maxOrderNotional, quantity * price);
    return verdict(RejectReason.NONE);
  }

  private applyPolicy(p: AccountPolicy, view: DataView, f: FrameInfo): void {
    const acc = this.account(p.account()!);
    const version = p.version();
    const status = p.status();
    const policy: RiskPolicy = {
      status,
      maxOrderQty: p.maxOrderQty(),
      maxOrderNotional: p.maxOrderNotional(),
      defaultPositionCap: p.defaultPositionCap(),
      grossExposureLimit: p.grossExposureLimit(),
      maxLeverageBp: BigInt(p.maxLeverageBp()),
      dailyLossLimit: p.dailyLossLimit(),
      equity: p.initialCash(),
    };
    // A kill switch is lifted only by a newer policy (a higher version) that says ACTIVE: a resent or
    // replayed old one does not.
    if (acc.killed && status === AccountStatus.ACTIVE && version > acc.killedAtVersion) acc.killed = false;
    if (acc.killed) policy.status = AccountStatus.KILL;
    if (this.risk.setPolicy(acc.id, policy) !== RejectReason.NONE) {
      this.deadLetter(view, f, `policy for ${acc.name} not applied: no room for another account (engine.maxAccounts ${this.cfg.engine.maxAccounts})`, p.tsNs());
      return;
    }
    if (this.lots.setInitialCash(acc.id, policy.equity) !== 0) {
      this.deadLetter(view, f, `initial cash for ${acc.name} not applied: no room for another account (engine.maxAccounts ${this.cfg.engine.maxAccounts})`, p.tsNs());
    }
    acc.lotsAt ||= this.lots.accountAt(acc.id);
    acc.policy = policy;
    acc.policyVersion = version;
    acc.dailyLossLimit = policy.dailyLossLimit;
    for (let i = 0; i < p.positionCapsLength(); i++) {
      const cap = p.positionCaps(i, this.symbolCap)!;
      const id = this.symbolId(cap.symbol()!);
      if (id !== 0) this.risk.setSymbolCap(acc.id, id, cap.maxPosition());
    }
  }

  // ---- account stage: executions -------------------------------------------------------------------

  private applyExec(r: ExecReport, view: DataView, f: FrameInfo): void {
    const orderId = r.orderId();
    const held = this.orders;
    const o = held.find(orderKey(orderId));
    const ts = r.tsNs();
    this.seen(ts);
    if (o < 0) {
      this.counters.unknownExecs++;
      this.deadLetter(view, f, `exec report for order ${orderId}, which this engine did not accept or no longer remembers`, ts);
      return;
    }
    const seq = Number(r.execSeq());
    if (seq !== 0 && seq <= held.lastSeq[o]!) {
      // A repeat (a replay, a resent report): it counts once, and it counted already.
      this.counters.duplicateExecs++;
      return;
    }
    if (!f.routed) {
      // The engine's own book is the one source of its orders' executions: a new report from outside
      // would put its sequence ahead of the book's and drop the book's real reports as repeats.
      this.counters.unknownExecs++;
      this.deadLetter(view, f, `exec report ${seq} for order ${orderId} from outside: only its book's reports apply (seen up to ${held.lastSeq[o]})`, ts);
      return;
    }
    if (seq === 0) {
      // The book did not know the order when a cancel or replace reached it: the order is closed
      // already, or it is a stop waiting for its trigger (which cannot be replaced). Nothing changed.
      if (held.done[o] === 0 && held.replacesInFlight[o]! > 0) {
        held.replacesInFlight[o] = held.replacesInFlight[o]! - 1;
        this.reconcile(o);
      }
      return;
    }
    held.lastSeq[o] = seq;
    this.counters.execReports++;
    const acc = this.accountById[held.account[o]!]!;
    const status = r.status();
    const lastQty = r.lastQty();
    let filled = false;
    if (lastQty > 0n && (status === ExecStatus.PARTIAL || status === ExecStatus.FILLED)) {
      filled = this.applyFill(o, acc, lastQty, r.lastPrice(), view, f, ts);
      held.cum[o] = r.cumQty();
    }
    const leaves = r.leavesQty();
    const closed = status === ExecStatus.FILLED || status === ExecStatus.CANCELLED || (status === ExecStatus.REJECTED && leaves === 0n);
    held.leaves[o] = closed ? 0n : leaves;
    // A replace is answered by REPLACED, or by a rejection of the live order (leaves unchanged).
    if (held.replacesInFlight[o]! > 0 && (status === ExecStatus.REPLACED || (status === ExecStatus.REJECTED && !closed))) {
      held.replacesInFlight[o] = held.replacesInFlight[o]! - 1;
    }
    if (closed) held.replacesInFlight[o] = 0;
    this.reconcile(o);
    if (closed) this.finish(o, acc);
    if (filled) {
      acc.unvaluedTs = ts;
      acc.unvaluedOrigin = f.ingressNs;
      this.unvalued.add(acc);
    }
  }

  /** Releases what the order in slot `o` holds above its leaves (and above what replaces in flight added). */
  private reconcile(o: number): void {
    const held = this.orders;
    if (held.replacesInFlight[o] === 0) held.extra[o] = 0n;
    const target = held.leaves[o]! + held.extra[o]!;
    const holds = held.held[o]!;
    if (holds > target) {
      this.risk.cancel(held.account[o]!, held.symbolId[o]!, held.side[o]!, holds - target);
      held.held[o] = target;
    }
  }

  /** A fill of the order in slot `o`: lots first (they can refuse for want of room), then the risk state and cash. */
  private applyFill(o: number, acc: Account, qty: bigint, price: bigint, view: DataView, f: FrameInfo, ts: bigint): boolean {
    const held = this.orders;
    const symbolId = held.symbolId[o]!;
    const side = held.side[o]!;
    // The kernel moves the position, its lots, the account's cash flow and realized P&L.
    if (this.lots.applyFill(acc.id, symbolId, side, qty, price) !== 0) {
      this.deadLetter(view, f, `fill of ${qty} at ${price} for ${acc.name} ${this.symbolById[symbolId]} not applied: no room for another position, lot or account (engine.maxAccounts, engine.maxOrders)`, ts);
      return false;
    }
    this.risk.fill(acc.id, symbolId, side, qty);
    const holds = held.held[o]!;
    held.held[o] = holds > qty ? holds - qty : 0n;
    let h = acc.holdings.get(symbolId);
    if (!h) {
      h = { level: 0, symbol: this.symbolById[symbolId]!, symbolId, at: this.lots.positionAt(acc.id, symbolId), markVersion: -1, markTicks: -1, filled: true, filledTs: ts };
      acc.holdings.set(symbolId, h);
      acc.holdingList.push(h);
      acc.lotsAt ||= this.lots.accountAt(acc.id);
    }
    h.filled = true;
    h.filledTs = ts;
    return true;
  }

  private finish(o: number, acc: Account): void {
    const held = this.orders;
    if (held.done[o] === 1) return;
    held.done[o] = 1;
    acc.open.delete(o);
    // Remember finished orders for a while, so their repeated reports are still recognised.
    const old = this.doneOrders.push(o);
    if (old !== undefined) held.release(old);
  }

  /**
   * Values the account at the board's marks, hands the day's P&L to the risk state, runs the risk
   * monitor, and emits the Position of each holding filled since the last valuation, and PnL and
   * Portfolio when `force` or when the P&L moved.
   */
  private revalue(acc: Account, ts: bigint, originNs: number, force: boolean): void {
    // This runs before every risk check, so it does only what a moved mark or a fill requires; the
    // arithmetic is the lots kernel's (int64, no BigInt made), and the decisions read its results as
    // doubles where they are exact (safe integers; BigInts otherwise).
    let alerts: RiskAlertFacts[] | null = null;
    const v = this.lots.memoryView();
    const list = acc.holdingList;
    for (let i = 0; i < list.length; i++) {
      const h = list[i]!;
      const version = this.ctx.prices.version(h.symbolId - 1);
      if (version !== h.markVersion || h.filled) {
        // Read after the version: a price written in between is valued now and again next time.
        h.markVersion = version;
        const board = this.ctx.prices.read(h.symbolId - 1, this.markOut);
        // A new version with the same price changes nothing, unless the holding filled.
        if (!h.filled && board && this.markOut.price === h.markTicks) continue;
        h.markTicks = board ? this.markOut.price : -1;
        this.lots.value(acc.id, h.symbolId, board ? this.markOut.price : null);
        // The position limit is judged on |quantity x mark|: only a holding whose value moved can change level.
        const level = this.monitor.positionLevel(h, exactAt(v, h.at + POSITION_FIELDS.gross));
        if (level >= 0) {
          const pnl = v.getBigInt64(h.at + POSITION_FIELDS.realized, true) + v.getBigInt64(h.at + POSITION_FIELDS.unrealized, true);
          (alerts ??= []).push(this.monitor.positionAlert(level, h.symbol, v.getBigInt64(h.at + POSITION_FIELDS.quantity, true), pnl));
        }
      }
      if (h.filled) {
        h.filled = false;
        // Its own fill's time, not the batch's latest: the same however frames were batched.
        this.emitPosition(acc, h, h.filledTs, originNs);
      }
    }
    const pnlAt = acc.lotsAt + ACCOUNT_FIELDS.dayPnl;
    const low = v.getInt32(pnlAt, true);
    const high = v.getInt32(pnlAt + 4, true);
    if (low !== acc.reportedLow || high !== acc.reportedHigh) {
      const dayPnl = v.getBigInt64(pnlAt, true);
      this.risk.addPnl(acc.id, dayPnl - acc.reportedPnl);
      acc.reportedPnl = dayPnl;
      acc.reportedLow = low;
      acc.reportedHigh = high;
    }
    const loss = this.monitor.dailyLoss(acc.loss, exactAt(v, pnlAt), acc.dailyLossLimit);
    if (loss) (alerts ??= []).push(loss);
    if (force || low !== acc.outputLow || high !== acc.outputHigh) {
      acc.outputLow = low;
      acc.outputHigh = high;
      this.emitPnl(acc, ts, originNs);
    }
    if (alerts) for (const a of alerts) this.emitRiskAlert(acc.name, a, ts, originNs);
    if (!acc.killed && this.monitor.shouldKill(acc.loss)) this.kill(acc, acc.reportedPnl, ts, originNs);
  }

  /** The kill switch: KILL in the risk state (every new order rejected at once), open orders cancelled. */
  private kill(acc: Account, dayPnl: bigint, ts: bigint, originNs: number): void {
    acc.killed = true;
    acc.killedAtVersion = acc.policyVersion;
    this.counters.kills++;
    if (acc.policy) this.risk.setPolicy(acc.id, { ...acc.policy, status: AccountStatus.KILL });
    const limit = acc.dailyLossLimit > 0n ? acc.dailyLossLimit : this.cfg.riskMonitor.dailyLossLimit;
    this.emitRiskAlert(acc.name, { symbol: null, kind: RiskAlertKind.KILL_SWITCH, positionSize: 0n, limit, currentPnl: dayPnl, severity: Severity.CRITICAL }, ts, originNs);
    const held = this.orders;
    for (const o of acc.open) {
      const symbol = this.symbolById[held.symbolId[o]!]!;
      const b = this.writer.begin();
      const body = Cancel.createCancel(b, held.orderId[o]!, b.createString(acc.name), b.createString(symbol), ts);
      this.ctx.route(this.writer.finish(Body.Cancel, body), Body.Cancel, this.partitionOf(symbol), originNs);
    }
  }

  /** The holding's Position as of its last valuation, copied from the kernel's record. */
  private emitPosition(acc: Account, h: Holding, ts: bigint, originNs: number): void {
    const v = this.lots.memoryView();
    const f = POSITION_FIELDS;
    const w = this.positionOut.begin();
    const at = w.at;
    w.strAt(at.account!, acc.name).strAt(at.symbol!, h.symbol).i64CopyAt(at.quantity!, v, h.at + f.quantity).i64CopyAt(at.avg_price!, v, h.at + f.avgPrice)
      .i64CopyAt(at.realized_pnl!, v, h.at + f.realized).i64CopyAt(at.unrealized_pnl!, v, h.at + f.unrealized).i64CopyAt(at.mark_price!, v, h.at + f.mark).i64At(at.ts_ns!, ts);
    this.ctx.emit(w.bytes(), Body.Position, this.partitionOf(acc.name), originNs || undefined);
  }

  /** The account's PnL and Portfolio as of its last valuation, copied from the kernel's record. */
  private emitPnl(acc: Account, ts: bigint, originNs: number): void {
    const v = this.lots.memoryView();
    const a = acc.lotsAt;
    const f = ACCOUNT_FIELDS;
    const partition = this.partitionOf(acc.name);
    const p = this.pnlOut.begin();
    p.strAt(p.at.account!, acc.name).i64CopyAt(p.at.realized!, v, a + f.realized).i64CopyAt(p.at.unrealized!, v, a + f.unrealized).i64At(p.at.ts_ns!, ts);
    this.ctx.emit(p.bytes(), Body.PnL, partition, originNs || undefined);
    const w = this.portfolioOut.begin();
    const at = w.at;
    w.strAt(at.account!, acc.name).i64CopyAt(at.cash!, v, a + f.cash).i64CopyAt(at.equity!, v, a + f.equity).i64CopyAt(at.gross_exposure!, v, a + f.gross)
      .i32At(at.leverage_bp!, Math.min(leverageBp(v, a), 2_147_483_647)).i64CopyAt(at.realized_pnl!, v, a + f.realized).i64CopyAt(at.unrealized_pnl!, v, a + f.unrealized).i64At(at.ts_ns!, ts);
    this.ctx.emit(w.bytes(), Body.Portfolio, partition, originNs || undefined);
  }

  private emitRiskAlert(account: string, a: RiskAlertFacts, ts: bigint, originNs: number): void {
    const b = this.writer.begin();
    const body = RiskAlert.createRiskAlert(b, b.createString(account), a.symbol === null ? 0 : b.createString(a.symbol), a.kind, a.positionSize, a.limit, a.currentPnl, a.severity, ts);
    this.ctx.emit(this.writer.finish(Body.RiskAlert, body), Body.RiskAlert, this.partitionOf(account), originNs || undefined);
  }

  private deadLetter(view: DataView, f: FrameInfo, detail: string, ts: bigint): void {
    const b = this.writer.begin();
    const payload = DeadLetter.createPayloadVector(b, FrameReader.bytes(view, f));
    const body = DeadLetter.createDeadLetter(b, DeadLetterReason.REJECTED_BY_JOB, b.createString(detail), -1, b.createString('trade-engine'), f.partition, -1n, payload, ts);
    this.ctx.emit(this.writer.finish(Body.DeadLetter, body), Body.DeadLetter, f.partition, f.ingressNs);
  }

  // ---- symbol stage: the book ---------------------------------------------------------------------

  private bookAccount(name: string): number {
    let id = this.bookAccountIds.get(name);
    if (id === undefined) {
      id = this.bookAccounts.length;
      this.bookAccounts.push(name);
      this.bookAccountIds.set(name, id);
    }
    return id;
  }

  private submitToBook(o: Order, f: FrameInfo): void {
    const symbol = o.symbol()!;
    const orderId = o.orderId();
    const key = orderKey(orderId);
    if (this.cfg.engine.rememberRoutedOrders > 0 && !this.rememberBooked(key)) {
      // Routed again (the account stage restarted after a crash): the first one's reports stand.
      this.counters.duplicateRoutes++;
      return;
    }
    const account = this.bookAccount(o.account()!);
    const order: BookOrder = {
      orderId, account, symbol: this.symbolId(symbol), side: o.side(), type: o.type(), tif: o.tif(),
      postOnly: o.postOnly(), price: o.price(), stopPrice: o.stopPrice(), quantity: o.quantity(), stp: o.stp(),
    };
    if (!this.bookOwner.has(key)) this.bookOwner.set(key, account);
    this.book.submit(order);
    this.publishReports(o.account()!, symbol, o.clientTsNs(), f);
  }

  /** Remembers an order id the book takes; false when it took that id already. */
  private rememberBooked(key: OrderKey): boolean {
    if (this.bookedIds.has(key)) return false;
    this.bookedIds.add(key);
    const old = this.bookedWindow.push(key);
    if (old !== undefined) this.bookedIds.delete(old);
    return true;
  }

  /** Whether `account` owns the book's order `orderId`; if not, the requester hears UNKNOWN_ORDER. */
  private owns(orderId: bigint, account: string, symbol: string, ts: bigint, f: FrameInfo): boolean {
    if (this.bookOwner.get(orderKey(orderId)) === this.bookAccountIds.get(account)) return true;
    const frame = this.emitExec(account, symbol, {
      orderId, execSeq: 0, status: ExecStatus.REJECTED, side: 0, reason: RejectReason.UNKNOWN_ORDER, lastQty: 0n, lastPrice: 0n, leavesQty: 0n, cumQty: 0n,
    }, 0n, ts, f.ingressNs);
    this.ctx.route(frame, Body.ExecReport, this.partitionOf(account), f.ingressNs);
    return false;
  }

  private cancelInBook(c: Cancel, f: FrameInfo): void {
    if (!this.owns(c.orderId(), c.account()!, c.symbol()!, c.tsNs(), f)) return;
    this.book.cancel(c.orderId());
    this.publishReports(c.account()!, c.symbol()!, c.tsNs(), f);
  }

  private replaceInBook(r: Replace, f: FrameInfo): void {
    if (!this.owns(r.orderId(), r.account()!, r.symbol()!, r.tsNs(), f)) return;
    this.book.replace(r.orderId(), r.price(), r.quantity());
    this.publishReports(r.account()!, r.symbol()!, r.tsNs(), f);
  }

  /** The book's reports of the last operation: out of the runtime, and back to each order's account. */
  private publishReports(requester: string, symbol: string, ts: bigint, f: FrameInfo): void {
    // Read where the kernel wrote them: the 64-bit fields are copied into the frame, not made BigInts.
    const n = this.book.reportCount();
    if (n === 0) return;
    const v = this.book.memoryView();
    const first = this.book.reportsAt();
    // Exec ids: the symbol's hash (high 32 bits) and its own count (low 32 bits, modulo 2^32), so they
    // do not depend on which worker runs it.
    let counter = this.execCounters.get(symbol);
    if (!counter) {
      const bytes = utf8.encode(symbol);
      this.execCounters.set(symbol, (counter = { hash: murmur2(bytes, 0, bytes.length) >>> 0, n: 0 }));
    }
    for (let at = first; at < first + n * REPORT.bytes; at += REPORT.bytes) {
      // A report on an order the book does not hold carries no account: it answers the requester.
      const bookAccount = v.getUint32(at + REPORT.account, true);
      const account = bookAccount === 0 ? requester : this.bookAccounts[bookAccount]!;
      counter.n = (counter.n + 1) % 4_294_967_296;
      const status = v.getUint8(at + REPORT.status);
      const reason = v.getUint16(at + REPORT.reason, true);
      // The book forgets an order once it is done: so does the owner table.
      const gone = status === ExecStatus.FILLED || status === ExecStatus.CANCELLED ||
        (status === ExecStatus.REJECTED && v.getUint32(at + REPORT.execSeq, true) !== 0 &&
          v.getUint32(at + REPORT.leavesQty, true) === 0 && v.getUint32(at + REPORT.leavesQty + 4, true) === 0);
      if (gone && reason !== RejectReason.DUPLICATE_ORDER_ID) {
        const key = orderKeyAt(v, at + REPORT.orderId);
        if (this.bookOwner.get(key) === bookAccount) this.bookOwner.delete(key);
      }
      const w = this.execOut.begin();
      const o = w.at;
      w.i64CopyAt(o.order_id!, v, at + REPORT.orderId).strAt(o.account!, account).strAt(o.symbol!, symbol)
        .i64HalvesAt(o.exec_id!, counter.n, counter.hash).i64HalvesAt(o.exec_seq!, v.getUint32(at + REPORT.execSeq, true), 0)
        .u8At(o.status!, status).u8At(o.side!, v.getUint8(at + REPORT.side)).i64CopyAt(o.last_qty!, v, at + REPORT.lastQty)
        .i64CopyAt(o.last_price!, v, at + REPORT.lastPrice).i64CopyAt(o.leaves_qty!, v, at + REPORT.leavesQty)
        .i64CopyAt(o.cum_qty!, v, at + REPORT.cumQty).u16At(o.reason!, reason).i64At(o.ts_ns!, ts);
      const frame = w.bytes();
      const partition = this.partitionOf(account);
      this.ctx.emit(frame, Body.ExecReport, partition, f.ingressNs);
      this.ctx.route(frame, Body.ExecReport, partition, f.ingressNs);
    }
  }

  private emitExec(
    account: string, symbol: string,
    r: Pick<BookReport, 'orderId' | 'execSeq' | 'status' | 'side' | 'reason' | 'lastQty' | 'lastPrice' | 'leavesQty' | 'cumQty'>,
    execId: bigint, ts: bigint, originNs: number,
  ): Uint8Array {
    const w = this.execOut.begin();
    const at = w.at;
    w.i64At(at.order_id!, r.orderId).strAt(at.account!, account).strAt(at.symbol!, symbol).i64At(at.exec_id!, execId).i64At(at.exec_seq!, BigInt(r.execSeq))
      .u8At(at.status!, r.status).u8At(at.side!, r.side).i64At(at.last_qty!, r.lastQty).i64At(at.last_price!, r.lastPrice).i64At(at.leaves_qty!, r.leavesQty)
      .i64At(at.cum_qty!, r.cumQty).u16At(at.reason!, r.reason).i64At(at.ts_ns!, ts);
    const frame = w.bytes();
    this.ctx.emit(frame, Body.ExecReport, this.partitionOf(account), originNs);
    return frame;
  }
}

export function createJob(ctx: JobContext): Job {
  return new TradeEngine(ctx, ctx.options);
}
