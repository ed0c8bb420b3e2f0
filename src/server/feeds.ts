// The WebSocket feeds: which wire messages go to which topic, and what a client may subscribe to on
// each endpoint. Messages are published once per topic through uWebSockets.js pub/sub (the fan-out
// to every subscriber happens in native code); the JSON form is built only while a JSON subscriber
// exists for that topic. Binary is the Envelope's own bytes, unchanged from the ring or the source.
import type { TemplatedApp } from 'uWebSockets.js';
import { WireBuffer } from '../wire/wire-buffer.js';
import { Body, Envelope, ExecReport, PnL, Portfolio, Position, Quote, RiskDecision, Trade } from '../wire/generated/index.js';
import { messageToJson, messageTypeName } from '../wire/json.js';

export type FeedEndpoint = 'market-data' | 'trades' | 'alerts' | 'status';

export const TRADE_TYPES = ['ExecReport', 'RiskDecision', 'Position', 'PnL', 'Portfolio'] as const;
export type TradeType = (typeof TRADE_TYPES)[number];

export const ALERT_KINDS = { price: Body.PriceAlert, volume: Body.VolumeSpikeAlert, risk: Body.RiskAlert, imbalance: Body.OrderImbalanceAlert, arbitrage: Body.ArbitrageAlert } as const;
export type AlertFeedKind = keyof typeof ALERT_KINDS;
const KIND_OF_ALERT = new Map<number, AlertFeedKind>(Object.entries(ALERT_KINDS).map(([k, v]) => [v as number, k as AlertFeedKind]));

const TRADE_TYPE_OF = new Map<number, TradeType>([
  [Body.ExecReport, 'ExecReport'], [Body.RiskDecision, 'RiskDecision'], [Body.Position, 'Position'], [Body.PnL, 'PnL'], [Body.Portfolio, 'Portfolio'],
]);

/** Most topics one socket may hold. */
export const MAX_TOPICS_PER_SOCKET = 512;
const NAME = /^[A-Za-z0-9._:/-]{1,32}$/;

export const JSON_PREFIX = 'j:';
export const STATUS_TOPIC = 'status';
export const marketTopic = (symbol: string): string => `md/${symbol}`;
export const tradeTopic = (type: TradeType, account: string): string => `tr/${type}/${account}`;
export const alertTopic = (kind: AlertFeedKind): string => `al/${kind}`;

export class SubscriptionError extends Error {}

function names(value: unknown, what: string, allowed?: readonly string[]): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new SubscriptionError(`"${what}" must be a non-empty array of names`);
  for (const v of value) {
    if (typeof v !== 'string' || !(v === '*' || NAME.test(v))) throw new SubscriptionError(`"${what}" has an invalid name: ${JSON.stringify(v)}`);
    if (allowed && !allowed.includes(v)) throw new SubscriptionError(`"${what}": ${JSON.stringify(v)} is not one of ${allowed.join(', ')}`);
  }
  return value as string[];
}

/**
 * The topics a subscribe or unsubscribe message names on an endpoint: `symbols` on market-data
 * ("*" is every symbol), `accounts` (default "*") and `types` (default all) on trades, `kinds` on
 * alerts. Throws SubscriptionError naming what was wrong.
 */
export function topicsFor(endpoint: FeedEndpoint, msg: Record<string, unknown>): string[] {
  switch (endpoint) {
    case 'market-data':
      return names(msg.symbols, 'symbols').map(marketTopic);
    case 'trades': {
      const accounts = msg.accounts === undefined ? ['*'] : names(msg.accounts, 'accounts');
      const types = msg.types === undefined ? [...TRADE_TYPES] : (names(msg.types, 'types', TRADE_TYPES) as TradeType[]);
      return types.flatMap((t) => accounts.map((a) => tradeTopic(t, a)));
    }
    case 'alerts':
      return (names(msg.kinds, 'kinds', Object.keys(ALERT_KINDS)) as AlertFeedKind[]).map(alertTopic);
    case 'status':
      throw new SubscriptionError('/ws/engine/status has nothing to subscribe to: every client gets the status');
  }
}

export interface FeedCounters {
  /** Messages published to a topic with at least one subscriber (once per topic, before the native fan-out). */
  published: number;
  jsonPublished: number;
}

/** Publishes wire messages to their topics on `app`. */
export class FeedPublisher {
  readonly counters: FeedCounters = { published: 0, jsonPublished: 0 };
  private readonly envelope = new Envelope();
  private readonly quote = new Quote();
  private readonly trade = new Trade();
  private readonly bodies = {
    [Body.ExecReport]: new ExecReport(), [Body.RiskDecision]: new RiskDecision(), [Body.Position]: new Position(), [Body.PnL]: new PnL(), [Body.Portfolio]: new Portfolio(),
  } as Record<number, { account(): string | null }>;
  /** Symbols seen in market data, for GET /symbols. */
  readonly symbols = new Set<string>();

  constructor(private readonly app: TemplatedApp) {}

  private publish(topic: string, bytes: Uint8Array, type: number): void {
    if (this.app.publish(topic, bytes, true)) this.counters.published++;
    const jsonTopic = JSON_PREFIX + topic;
    if (this.app.numSubscribers(jsonTopic) > 0) {
      const body = Envelope.getRootAsEnvelope(new WireBuffer(bytes.slice())).unpack().body!;
      this.app.publish(jsonTopic, JSON.stringify(messageToJson(messageTypeName(type), body)), false);
      this.counters.jsonPublished++;
    }
  }

  /** A verified frame (Envelope bytes) of type `type`, from the inputs or the outputs. Other types are not fed. */
  frame(bytes: Uint8Array, type: number): void {
    if (type === Body.Quote || type === Body.Trade) {
      const env = Envelope.getRootAsEnvelope(new WireBuffer(bytes), this.envelope);
      const symbol = type === Body.Quote ? env.body(this.quote)!.symbol() : env.body(this.trade)!.symbol();
      if (!symbol) return;
      if (!this.symbols.has(symbol) && this.symbols.size < 100_000) this.symbols.add(symbol);
      this.publish(marketTopic(symbol), bytes, type);
      this.publish(marketTopic('*'), bytes, type);
      return;
    }
    const tradeType = TRADE_TYPE_OF.get(type);
    if (tradeType !== undefined) {
      const env = Envelope.getRootAsEnvelope(new WireBuffer(bytes), this.envelope);
      const account = env.body(this.bodies[type]!)!.account();
      this.publish(tradeTopic(tradeType, '*'), bytes, type);
      if (account) this.publish(tradeTopic(tradeType, account), bytes, type);
      return;
    }
    const kind = KIND_OF_ALERT.get(type);
    if (kind !== undefined) this.publish(alertTopic(kind), bytes, type);
  }

  /** The engine status (JSON) to every status client, whatever their format. */
  status(json: string): void {
    this.app.publish(STATUS_TOPIC, json, false);
  }
}
