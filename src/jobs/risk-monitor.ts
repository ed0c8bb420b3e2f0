// Job 3 of the seed demo, the risk monitor: per trader, the position limit on each symbol
// (|quantity x mark| above the limit, seed: 1,000,000 USD) and the daily loss limit, with a warning
// before each breach. It judges the positions and P&L the trade engine keeps, so it runs inside the
// trade engine's account stage (src/jobs/trade-engine.ts) rather than on a stream of its own.
//
// Rules: a position is over its limit when |qty x mark| > limit, and in warning when above warnAtBp of
// it; the day's loss (-(realized + unrealized)) breaches the limit when it reaches it (the pre-trade
// check stops trading at the same point), and warns above warnAtBp of it. An alert is emitted when a
// level is entered from below (ok -> warning -> exceeded), never twice for the same level; falling
// back re-arms it.
import { RiskAlertKind, Severity } from '../wire/generated/index.js';
import type { PipelineConfig } from './config.js';
import { absTicks } from '../wire/codec.js';

const OK = 0;
const WARNING = 1;
const EXCEEDED = 2;

export interface RiskAlertFacts {
  symbol: string | null;
  kind: RiskAlertKind;
  positionSize: bigint;
  limit: bigint;
  currentPnl: bigint;
  severity: Severity;
}


/** Where the monitor keeps one position's or one account's level (held by the caller's own record). */
export interface MonitorLevel {
  level: number;
}

export class RiskMonitor {
  constructor(private readonly cfg: PipelineConfig['riskMonitor']) {}

  private level(value: bigint, limit: bigint, inclusive: boolean): number {
    if (limit <= 0n) return OK;
    if (inclusive ? value >= limit : value > limit) return EXCEEDED;
    return value * 10_000n > limit * BigInt(this.cfg.warnAtBp) ? WARNING : OK;
  }

  private enter(state: MonitorLevel, level: number): boolean {
    const before = state.level;
    state.level = level;
    return level > before;
  }

  /** One symbol's position of an account, valued at `mark`; the alert to emit, if any. */
  position(state: MonitorLevel, symbol: string, quantity: bigint, mark: bigint, pnl: bigint): RiskAlertFacts | null {
    const limit = this.cfg.positionLimit;
    const lvl = this.level(absTicks(quantity * mark), limit, false);
    if (!this.enter(state, lvl)) return null;
    return {
      symbol,
      kind: lvl === EXCEEDED ? RiskAlertKind.POSITION_LIMIT_EXCEEDED : RiskAlertKind.POSITION_LIMIT_WARNING,
      positionSize: quantity,
      limit,
      currentPnl: pnl,
      severity: lvl === EXCEEDED ? Severity.CRITICAL : Severity.WARNING,
    };
  }

  /** The account's day P&L against its loss limit (the policy's, or the configured default). */
  dailyLoss(state: MonitorLevel, dayPnl: bigint, policyLimit: bigint): RiskAlertFacts | null {
    const limit = policyLimit > 0n ? policyLimit : this.cfg.dailyLossLimit;
    const lvl = this.level(-dayPnl, limit, true);
    if (!this.enter(state, lvl)) return null;
    return {
      symbol: null,
      kind: lvl === EXCEEDED ? RiskAlertKind.DAILY_LOSS_EXCEEDED : RiskAlertKind.DAILY_LOSS_WARNING,
      positionSize: 0n,
      limit,
      currentPnl: dayPnl,
      severity: lvl === EXCEEDED ? Severity.CRITICAL : Severity.WARNING,
    };
  }

  /** True when the loss level is EXCEEDED and the kill switch is configured. */
  shouldKill(state: MonitorLevel): boolean {
    return this.cfg.killSwitch && state.level === EXCEEDED;
  }
}
