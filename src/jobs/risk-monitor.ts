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
  /** The position limit and the value above which a position warns (limit x warnAtBp / 10,000, floored). */
  private readonly positionLimit: bigint;
  private readonly positionWarn: bigint;
  /**
   * The last daily loss limit judged, and the day P&L at which it breaches (-limit) and below which it
   * warns (-(limit x warnAtBp / 10,000)): accounts mostly share one limit.
   */
  private lossLimit = -1n;
  private lossBreachAt = 0n;
  private lossWarnBelow = 0n;

  constructor(private readonly cfg: PipelineConfig['riskMonitor']) {
    this.positionLimit = cfg.positionLimit;
    this.positionWarn = this.warnAbove(cfg.positionLimit);
  }

  // value x 10,000 > limit x bp holds for an integer value exactly when value > floor(limit x bp / 10,000):
  // the comparison then needs no product per valuation.
  private warnAbove(limit: bigint): bigint {
    return (limit * BigInt(this.cfg.warnAtBp)) / 10_000n;
  }

  private enter(state: MonitorLevel, level: number): boolean {
    const before = state.level;
    state.level = level;
    return level > before;
  }

  /**
   * The level a position of absolute value `absValue` (|quantity x mark|) enters, or -1 when it
   * enters none (it stayed, or fell back and re-armed). No allocation: it runs on every valuation.
   * A value may come as a double when it is an exact integer (a BigInt and a double compare exactly).
   */
  positionLevel(state: MonitorLevel, absValue: bigint | number): number {
    const limit = this.positionLimit;
    const lvl = limit <= 0n ? OK : absValue > limit ? EXCEEDED : absValue > this.positionWarn ? WARNING : OK;
    return this.enter(state, lvl) ? lvl : -1;
  }

  /** The alert for a position that entered `level` (from positionLevel). */
  positionAlert(level: number, symbol: string, quantity: bigint, pnl: bigint): RiskAlertFacts {
    return {
      symbol,
      kind: level === EXCEEDED ? RiskAlertKind.POSITION_LIMIT_EXCEEDED : RiskAlertKind.POSITION_LIMIT_WARNING,
      positionSize: quantity,
      limit: this.positionLimit,
      currentPnl: pnl,
      severity: level === EXCEEDED ? Severity.CRITICAL : Severity.WARNING,
    };
  }

  /** One symbol's position of an account, valued at `mark`; the alert to emit, if any. */
  position(state: MonitorLevel, symbol: string, quantity: bigint, mark: bigint, pnl: bigint): RiskAlertFacts | null {
    const lvl = this.positionLevel(state, absTicks(quantity * mark));
    return lvl < 0 ? null : this.positionAlert(lvl, symbol, quantity, pnl);
  }

  /** The account's day P&L against its loss limit (the policy's, or the configured default). */
  dailyLoss(state: MonitorLevel, dayPnl: bigint | number, policyLimit: bigint): RiskAlertFacts | null {
    const limit = policyLimit > 0n ? policyLimit : this.cfg.dailyLossLimit;
    if (limit !== this.lossLimit) {
      this.lossLimit = limit;
      this.lossBreachAt = -limit;
      this.lossWarnBelow = -this.warnAbove(limit);
    }
    // The loss is -dayPnl: it breaches when it reaches the limit, and warns above the warning level.
    const lvl = limit <= 0n ? OK : dayPnl <= this.lossBreachAt ? EXCEEDED : dayPnl < this.lossWarnBelow ? WARNING : OK;
    if (!this.enter(state, lvl)) return null;
    return {
      symbol: null,
      kind: lvl === EXCEEDED ? RiskAlertKind.DAILY_LOSS_EXCEEDED : RiskAlertKind.DAILY_LOSS_WARNING,
      positionSize: 0n,
      limit,
      currentPnl: BigInt(dayPnl),
      severity: lvl === EXCEEDED ? Severity.CRITICAL : Severity.WARNING,
    };
  }

  /** True when the loss level is EXCEEDED and the kill switch is configured. */
  shouldKill(state: MonitorLevel): boolean {
    return this.cfg.killSwitch && state.level === EXCEEDED;
  }
}
