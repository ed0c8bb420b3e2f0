// The Kafka topics tickwave reads and writes, named as in the seed demo, and which message type goes
// where. A value is one Envelope (the wire format), keyed by the message's key field (symbol or
// account), so a key's messages share a partition, as inside the runtime; or a batch of Envelopes of
// one partition (src/kafka/frame-batch.ts).
import { Body } from '../wire/generated/index.js';

export const TOPICS = {
  marketData: 'market_data',
  orders: 'orders',
  accountPolicies: 'account_policies',
  execReports: 'exec_reports',
  riskDecisions: 'risk_decisions',
  positions: 'positions',
  pnl: 'pnl',
  portfolios: 'portfolios',
  priceAlerts: 'price_alerts',
  volumeSpikes: 'volume_spikes',
  riskAlerts: 'risk_alerts',
  orderImbalanceAlerts: 'order_imbalance_alerts',
  arbitrageOpportunities: 'arbitrage_opportunities',
  deadLetters: 'dead_letters',
  /**
   * The stage topic: frames the trade engine routes between its stages (an accepted order to its
   * symbol's book, an exec report back to its account) when those stages run in different processes.
   * Each goes to the Kafka partition holding its target runtime partition, keyed by that partition.
   */
  engineRoutes: 'engine_routes',
} as const;

/** The topics the pipeline consumes (exec reports are its own output: the book is their source). */
export const INPUT_TOPICS = [TOPICS.marketData, TOPICS.orders, TOPICS.accountPolicies] as const;

const TOPIC_OF: Partial<Record<Body, string>> = {
  [Body.Instrument]: TOPICS.marketData,
  [Body.Quote]: TOPICS.marketData,
  [Body.Trade]: TOPICS.marketData,
  [Body.Order]: TOPICS.orders,
  [Body.Cancel]: TOPICS.orders,
  [Body.Replace]: TOPICS.orders,
  [Body.AccountPolicy]: TOPICS.accountPolicies,
  [Body.ExecReport]: TOPICS.execReports,
  [Body.RiskDecision]: TOPICS.riskDecisions,
  [Body.Position]: TOPICS.positions,
  [Body.PnL]: TOPICS.pnl,
  [Body.Portfolio]: TOPICS.portfolios,
  [Body.PriceAlert]: TOPICS.priceAlerts,
  [Body.VolumeSpikeAlert]: TOPICS.volumeSpikes,
  [Body.RiskAlert]: TOPICS.riskAlerts,
  [Body.OrderImbalanceAlert]: TOPICS.orderImbalanceAlerts,
  [Body.ArbitrageAlert]: TOPICS.arbitrageOpportunities,
  [Body.DeadLetter]: TOPICS.deadLetters,
};

/** The topic of a message type, with an optional prefix (to keep runs or environments apart). */
export function topicOf(type: number, prefix = ''): string {
  const topic = TOPIC_OF[type as Body];
  if (topic === undefined) throw new RangeError(`message type ${type} has no topic`);
  return prefix + topic;
}

/** Every topic, prefixed. */
export function allTopics(prefix = ''): string[] {
  return Object.values(TOPICS).map((t) => prefix + t);
}
