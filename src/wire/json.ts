// The JSON form of wire messages, for HTTP bodies, `?format=json` WebSocket feeds and the typed
// client: field names as in the schema (snake_case), prices and money as decimal numbers, enums by
// name, other 64-bit integers as numbers when exact and as decimal strings beyond 2^53 (nanosecond
// timestamps always are). `type` names the message; an Order's own type field (LIMIT, MARKET, ...)
// is `order_type`. Edges only: the hot path never builds JSON. Browser-safe (no Node imports).
import {
  AccountStatus, AssetClass, Body, DeadLetterReason, Exchange, ExecStatus, OrderType, RejectReason, RiskAlertKind,
  SelfTradePrevention, Severity, Side, SymbolCapT, TimeInForce,
  AccountPolicyT, ArbitrageAlertT, CancelT, DeadLetterT, ExecReportT, InstrumentT, OrderT, OrderImbalanceAlertT, PnLT,
  PortfolioT, PositionT, PriceAlertT, QuoteT, ReplaceT, RiskAlertT, RiskDecisionT, TradeT, VolumeSpikeAlertT,
} from './generated/index.js';
import { fromTicks, toTicks } from './codec.js';

/** Fields holding prices or money at the wire's fixed-point scale: decimals in JSON. */
const MONEY = new Set([
  'bid', 'ask', 'last', 'price', 'stop_price', 'last_price', 'avg_price', 'realized_pnl', 'unrealized_pnl', 'mark_price',
  'realized', 'unrealized', 'cash', 'equity', 'gross_exposure', 'prev_price', 'buy_price', 'sell_price',
  'max_order_notional', 'gross_exposure_limit', 'daily_loss_limit', 'initial_cash', 'current_pnl', 'tick_size',
]);

type EnumTable = Record<string | number, string | number>;
const ENUM_OF: Record<string, EnumTable> = {
  exchange: Exchange, buy_exchange: Exchange, sell_exchange: Exchange, asset_class: AssetClass,
  side: Side, aggressor: Side, dominant_side: Side, order_type: OrderType, tif: TimeInForce, stp: SelfTradePrevention,
  severity: Severity, kind: RiskAlertKind,
};
/** Fields whose enum depends on the message. */
const ENUM_BY_MESSAGE: Record<string, Record<string, EnumTable>> = {
  ExecReport: { status: ExecStatus, reason: RejectReason },
  RiskDecision: { reason: RejectReason },
  AccountPolicy: { status: AccountStatus },
  DeadLetter: { reason: DeadLetterReason },
};

/** The object-API class of each message, so JSON can be read back into it. */
const CLASS_OF: Record<string, new () => object> = {
  Instrument: InstrumentT, Quote: QuoteT, Trade: TradeT, Order: OrderT, Cancel: CancelT, Replace: ReplaceT,
  ExecReport: ExecReportT, AccountPolicy: AccountPolicyT, RiskDecision: RiskDecisionT, Position: PositionT, PnL: PnLT,
  Portfolio: PortfolioT, PriceAlert: PriceAlertT, VolumeSpikeAlert: VolumeSpikeAlertT, RiskAlert: RiskAlertT,
  OrderImbalanceAlert: OrderImbalanceAlertT, ArbitrageAlert: ArbitrageAlertT, DeadLetter: DeadLetterT,
};

/** `type` is the message's name in JSON, so a field of that name is renamed. */
const RENAMED: Record<string, [string, string]> = { Order: ['type', 'order_type'] };
const snake = (message: string, key: string): string => {
  const r = RENAMED[message];
  return r && key === r[0] ? r[1] : key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
};
const camel = (message: string, field: string): string => {
  const r = RENAMED[message];
  return r && field === r[1] ? r[0] : field.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
};

function enumFor(message: string, field: string): EnumTable | undefined {
  return ENUM_BY_MESSAGE[message]?.[field] ?? ENUM_OF[field];
}

function valueToJson(message: string, field: string, v: unknown): unknown {
  if (typeof v === 'bigint') {
    if (MONEY.has(field)) return fromTicks(v);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  }
  if (typeof v === 'number') {
    const e = enumFor(message, field);
    return e ? (e[v] ?? v) : v;
  }
  if (v instanceof Uint8Array) return Array.from(v);
  if (Array.isArray(v)) return v.map((item) => (typeof item === 'object' && item !== null ? objectToJson(message, item) : item));
  return v;
}

function objectToJson(message: string, body: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(body)) {
    const field = snake(message, key);
    out[field] = valueToJson(message, field, v);
  }
  return out;
}

/** A message (an object-API body) as JSON: `{ "type": "Quote", "symbol": "AAPL", "bid": 175.21, ... }`. */
export function messageToJson(typeName: string, body: object): Record<string, unknown> {
  return { type: typeName, ...objectToJson(typeName, body) };
}

/** A message body type's name from its Body tag (Quote, Order, ...). */
export function messageTypeName(type: Body): string {
  return Body[type] ?? `type ${type}`;
}

export class JsonMessageError extends Error {}

function fieldFromJson(message: string, field: string, given: unknown, current: unknown): unknown {
  const where = `${message}.${field}`;
  if (typeof current === 'bigint') {
    if (MONEY.has(field)) {
      if (typeof given !== 'number' || !Number.isFinite(given)) throw new JsonMessageError(`${where} must be a decimal number, got ${JSON.stringify(given)}`);
      try {
        return toTicks(given);
      } catch (e) {
        throw new JsonMessageError(`${where}: ${(e as Error).message}`);
      }
    }
    if (typeof given === 'number' && Number.isSafeInteger(given)) return BigInt(given);
    if (typeof given === 'string' && /^-?\d{1,20}$/.test(given)) return BigInt(given);
    throw new JsonMessageError(`${where} must be an integer (or a decimal string for values beyond 2^53), got ${JSON.stringify(given)}`);
  }
  if (typeof current === 'boolean') {
    if (typeof given !== 'boolean') throw new JsonMessageError(`${where} must be true or false, got ${JSON.stringify(given)}`);
    return given;
  }
  if (typeof current === 'number') {
    const e = enumFor(message, field);
    if (e) {
      const v = typeof given === 'string' ? e[given.toUpperCase()] : undefined;
      if (typeof v !== 'number') {
        const names = Object.keys(e).filter((k) => Number.isNaN(Number(k)));
        throw new JsonMessageError(`${where} must be one of ${names.join(', ')}, got ${JSON.stringify(given)}`);
      }
      return v;
    }
    if (typeof given !== 'number' || !Number.isInteger(given) || Math.abs(given) > 2 ** 31 - 1) throw new JsonMessageError(`${where} must be a 32-bit integer, got ${JSON.stringify(given)}`);
    return given;
  }
  if (current === null || typeof current === 'string') {
    if (typeof given !== 'string') throw new JsonMessageError(`${where} must be a string, got ${JSON.stringify(given)}`);
    return given;
  }
  if (Array.isArray(current) && message === 'AccountPolicy' && field === 'position_caps') {
    if (!Array.isArray(given)) throw new JsonMessageError(`${where} must be an array of { symbol, max_position }`);
    return given.map((cap, i) => {
      if (typeof cap !== 'object' || cap === null) throw new JsonMessageError(`${where}[${i}] must be an object { symbol, max_position }`);
      return objectFromJson('SymbolCap', cap as Record<string, unknown>, new SymbolCapT());
    });
  }
  throw new JsonMessageError(`${where} cannot be given in JSON`);
}

function objectFromJson<T extends object>(message: string, json: Record<string, unknown>, into: T): T {
  const target = into as Record<string, unknown>;
  for (const [field, given] of Object.entries(json)) {
    if (field === 'type') continue;
    const key = camel(message, field);
    if (!(key in target) || (RENAMED[message] && field === RENAMED[message]![0])) {
      const known = Object.keys(target).map((k) => snake(message, k)).join(', ');
      throw new JsonMessageError(`${message} has no field "${field}"; its fields are ${known}`);
    }
    target[key] = fieldFromJson(message, field, given, target[key]);
  }
  return into;
}

/**
 * Reads a message of type `typeName` from its JSON form (the inverse of messageToJson). Unknown
 * fields, wrong types and unknown enum names are refused with an error naming the field; absent
 * fields keep the schema's default. The result still goes through the wire verifier once encoded.
 */
export function messageFromJson(typeName: string, json: unknown): { type: Body; body: object } {
  const cls = CLASS_OF[typeName];
  if (!cls) throw new JsonMessageError(`unknown message type "${typeName}"; known: ${Object.keys(CLASS_OF).join(', ')}`);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new JsonMessageError(`a ${typeName} must be a JSON object`);
  if ('type' in json && (json as { type: unknown }).type !== typeName) throw new JsonMessageError(`expected a ${typeName}, got type ${JSON.stringify((json as { type: unknown }).type)}`);
  const body = objectFromJson(typeName, json as Record<string, unknown>, new cls());
  return { type: Body[typeName as keyof typeof Body] as Body, body };
}
