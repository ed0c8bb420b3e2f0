// The JSON form of every wire message, as types: what decodeFrame returns, what a `?format=json`
// feed sends, and what the HTTP API takes and gives. One interface per schema table, discriminated
// by `type`; field names as in src/wire/tickwave.fbs (snake_case).
import type {
  AccountStatus, AssetClass, DeadLetterReason, Exchange, ExecStatus, OrderType, RejectReason, RiskAlertKind,
  SelfTradePrevention, Severity, Side, TimeInForce,
} from '../wire/generated/index.js';

/** Prices and money: the wire's int64 fixed point (x 1,000,000) as a decimal number. */
export type Money = number;
/**
 * Any other 64-bit integer (quantities, ids, `*_ns` timestamps): a number when it is exact
 * (|v| <= 2^53 - 1), else its decimal string. Epoch nanoseconds are always strings; see tsToMs.
 */
export type Int64 = number | string;

export type ExchangeName = keyof typeof Exchange;
export type AssetClassName = keyof typeof AssetClass;
export type SideName = keyof typeof Side;
export type OrderTypeName = keyof typeof OrderType;
export type TimeInForceName = keyof typeof TimeInForce;
export type ExecStatusName = keyof typeof ExecStatus;
export type AccountStatusName = keyof typeof AccountStatus;
export type SeverityName = keyof typeof Severity;
export type RejectReasonName = keyof typeof RejectReason;
export type RiskAlertKindName = keyof typeof RiskAlertKind;
export type DeadLetterReasonName = keyof typeof DeadLetterReason;
export type SelfTradePreventionName = keyof typeof SelfTradePrevention;

export interface InstrumentMessage {
  type: 'Instrument';
  symbol: string;
  exchange: ExchangeName;
  asset_class: AssetClassName;
  tick_size: Money;
  lot_size: Int64;
  sector: string | null;
  currency: string | null;
}

export interface QuoteMessage {
  type: 'Quote';
  symbol: string;
  exchange: ExchangeName;
  bid: Money;
  ask: Money;
  bid_size: Int64;
  ask_size: Int64;
  last: Money;
  /** Cumulative session volume on this exchange. */
  volume: Int64;
  ts_ns: Int64;
}

export interface TradeMessage {
  type: 'Trade';
  symbol: string;
  exchange: ExchangeName;
  price: Money;
  quantity: Int64;
  aggressor: SideName;
  trade_id: Int64;
  ts_ns: Int64;
}

/** An order. Its own type field (LIMIT, MARKET, ...) is `order_type`, since `type` names the message. */
export interface OrderMessage {
  type: 'Order';
  order_id: Int64;
  account: string;
  symbol: string;
  side: SideName;
  order_type: OrderTypeName;
  tif: TimeInForceName;
  post_only: boolean;
  price: Money;
  stop_price: Money;
  quantity: Int64;
  client_ts_ns: Int64;
  strategy_id: string | null;
  stp: SelfTradePreventionName;
}

export interface CancelMessage {
  type: 'Cancel';
  order_id: Int64;
  account: string;
  symbol: string;
  ts_ns: Int64;
}

export interface ReplaceMessage {
  type: 'Replace';
  order_id: Int64;
  account: string;
  symbol: string;
  price: Money;
  quantity: Int64;
  ts_ns: Int64;
}

export interface ExecReportMessage {
  type: 'ExecReport';
  order_id: Int64;
  account: string;
  symbol: string;
  exec_id: Int64;
  exec_seq: Int64;
  status: ExecStatusName;
  side: SideName;
  last_qty: Int64;
  last_price: Money;
  leaves_qty: Int64;
  cum_qty: Int64;
  reason: RejectReasonName;
  ts_ns: Int64;
}

export interface SymbolCapJson {
  symbol: string;
  max_position: Int64;
}

export interface AccountPolicyMessage {
  type: 'AccountPolicy';
  account: string;
  status: AccountStatusName;
  max_order_qty: Int64;
  max_order_notional: Money;
  position_caps: SymbolCapJson[];
  default_position_cap: Int64;
  gross_exposure_limit: Money;
  max_leverage_bp: number;
  daily_loss_limit: Money;
  initial_cash: Money;
  version: Int64;
  ts_ns: Int64;
}

export interface RiskDecisionMessage {
  type: 'RiskDecision';
  order_id: Int64;
  account: string;
  symbol: string;
  accepted: boolean;
  reason: RejectReasonName;
  /** The limit that was hit, in its own unit. */
  limit: Int64;
  /** The value that would have exceeded it. */
  value: Int64;
  ts_ns: Int64;
}

export interface PositionMessage {
  type: 'Position';
  account: string;
  symbol: string;
  /** Signed: negative is short. */
  quantity: Int64;
  avg_price: Money;
  realized_pnl: Money;
  unrealized_pnl: Money;
  mark_price: Money;
  ts_ns: Int64;
}

export interface PnLMessage {
  type: 'PnL';
  account: string;
  /** null: the account's total. */
  symbol: string | null;
  realized: Money;
  unrealized: Money;
  ts_ns: Int64;
}

export interface PortfolioMessage {
  type: 'Portfolio';
  account: string;
  cash: Money;
  equity: Money;
  gross_exposure: Money;
  leverage_bp: number;
  realized_pnl: Money;
  unrealized_pnl: Money;
  ts_ns: Int64;
}

export interface PriceAlertMessage {
  type: 'PriceAlert';
  symbol: string;
  exchange: ExchangeName;
  price_change_bp: number;
  price: Money;
  prev_price: Money;
  severity: SeverityName;
  detection_ts_ns: Int64;
}

export interface VolumeSpikeAlertMessage {
  type: 'VolumeSpikeAlert';
  symbol: string;
  exchange: ExchangeName;
  volume: Int64;
  avg_volume_20: Int64;
  /** Volume over the average in basis points: 3x is 30000. */
  spike_ratio_bp: number;
  severity: SeverityName;
  detection_ts_ns: Int64;
}

export interface RiskAlertMessage {
  type: 'RiskAlert';
  account: string;
  symbol: string | null;
  kind: RiskAlertKindName;
  position_size: Int64;
  limit: Int64;
  current_pnl: Money;
  severity: SeverityName;
  detection_ts_ns: Int64;
}

export interface OrderImbalanceAlertMessage {
  type: 'OrderImbalanceAlert';
  symbol: string;
  window_start_ns: Int64;
  window_end_ns: Int64;
  buy_volume: Int64;
  sell_volume: Int64;
  buy_share_bp: number;
  dominant_side: SideName;
  severity: SeverityName;
  detection_ts_ns: Int64;
}

export interface ArbitrageAlertMessage {
  type: 'ArbitrageAlert';
  symbol: string;
  buy_exchange: ExchangeName;
  sell_exchange: ExchangeName;
  buy_price: Money;
  sell_price: Money;
  spread_bp: number;
  available_size: Int64;
  severity: SeverityName;
  detection_ts_ns: Int64;
}

export interface DeadLetterMessage {
  type: 'DeadLetter';
  reason: DeadLetterReasonName;
  detail: string | null;
  error_offset: number;
  source: string | null;
  partition: number;
  offset: Int64;
  /** The refused frame's bytes. */
  payload: number[];
  ts_ns: Int64;
}

/** Any wire message in its JSON form; switch on `type`. */
export type TickwaveMessage =
  | InstrumentMessage | QuoteMessage | TradeMessage | OrderMessage | CancelMessage | ReplaceMessage | ExecReportMessage
  | AccountPolicyMessage | RiskDecisionMessage | PositionMessage | PnLMessage | PortfolioMessage | PriceAlertMessage
  | VolumeSpikeAlertMessage | RiskAlertMessage | OrderImbalanceAlertMessage | ArbitrageAlertMessage | DeadLetterMessage;

export type MessageType = TickwaveMessage['type'];
export type MessageOf<T extends MessageType> = Extract<TickwaveMessage, { type: T }>;

export type MarketDataMessage = QuoteMessage | TradeMessage;
export type TradingMessage = ExecReportMessage | RiskDecisionMessage | PositionMessage | PnLMessage | PortfolioMessage;
export type AlertMessage =
  | PriceAlertMessage | VolumeSpikeAlertMessage | RiskAlertMessage | OrderImbalanceAlertMessage | ArbitrageAlertMessage;

/** Alert kinds as the alerts feed's subscribe message names them. */
export type AlertKind = 'price' | 'volume' | 'risk' | 'imbalance' | 'arbitrage';
export const ALERT_KIND_OF: Readonly<Record<AlertMessage['type'], AlertKind>> = {
  PriceAlert: 'price',
  VolumeSpikeAlert: 'volume',
  RiskAlert: 'risk',
  OrderImbalanceAlert: 'imbalance',
  ArbitrageAlert: 'arbitrage',
};

/** Latency percentiles of one output stage, microseconds. */
export interface LatencyPercentiles {
  p50: number;
  p90?: number;
  p99: number;
  p999: number;
  max: number;
  count?: number;
}

/** What /ws/engine/status sends every second (a JSON text message), and GET /stats answers. */
export interface EngineStatus {
  type: 'EngineStatus';
  ts_ms: number;
  uptime_s?: number;
  runtime: { workers: number; partitions: number; ingested: number; output: number; [name: string]: unknown };
  /** Per second, over the time since the previous status. */
  rates: { in: number; out: number; risk_decisions: number; exec_reports: number; [name: string]: number };
  /** Outputs so far by message type: `{ RiskDecision: n, PriceAlert: n, ... }`. */
  outputs: Record<string, number>;
  /** Microseconds: risk_decision (order in -> decision out), exec_report, alert (market data -> alert). */
  latency: { risk_decision?: LatencyPercentiles; exec_report?: LatencyPercentiles; alert?: LatencyPercentiles; [stage: string]: LatencyPercentiles | undefined };
  /** `ring_fill` is the inbound ring's fill in percent. */
  workers: { id: number; alive?: boolean; frames_per_s: number; ring_fill: number; [name: string]: unknown }[];
  simulator?: { rate: number; paused: boolean; speed: number; sent?: number; [name: string]: unknown };
  server?: Record<string, unknown>;
  [section: string]: unknown;
}

/** A `*_ns` field as epoch milliseconds (for Date and charts; sub-millisecond digits dropped). */
export function tsToMs(ns: Int64): number {
  if (typeof ns === 'number') return Math.trunc(ns / 1e6);
  return ns.length > 6 ? Number(ns.slice(0, -6)) : 0;
}

/** An Int64 field as a bigint (exact for every value). */
export function int64ToBigInt(v: Int64): bigint {
  return BigInt(v);
}
