// Job 5 of the seed demo, arbitrage: one exchange's bid above another exchange's ask for the same
// symbol by more than 10 basis points of the ask (minSpreadBp), with at least minSize on both sides,
// among quotes no older than maxQuoteAgeMs (event time) than the symbol's newest. Exactly 10 bp is
// not an opportunity: the test is (bid - ask) x 10000 > minSpreadBp x ask, in integers. An
// opportunity is alerted when it opens and again when its prices change; it re-arms once it closes.
// Above five times the minimum spread it is CRITICAL.
import type { FrameInfo, Job, JobContext } from '../runtime/job.js';
import { ArbitrageAlert, Body, Severity } from '../wire/generated/index.js';
import { resolvePipelineConfig, type PipelineConfig } from './config.js';
import { FrameWriter, quoteOf } from './frame-io.js';

interface VenueQuote {
  exchange: number;
  bid: bigint;
  ask: bigint;
  bidSize: bigint;
  askSize: bigint;
  ts: bigint;
  /** bid and ask as doubles: compared first, as most quotes do not cross. */
  bidValue: number;
  askValue: number;
}

interface SymbolQuotes {
  venues: VenueQuote[];
  newest: bigint;
  /** newest - maxQuoteAgeMs: quotes older than this are stale. */
  fresh: bigint;
  /** Open opportunities by buyExchange x 256 + sellExchange: the prices last alerted. */
  open: Map<number, string>;
}

export class ArbitrageJob implements Job {
  private readonly cfg: PipelineConfig['arbitrage'];
  private readonly maxAgeNs: bigint;
  private readonly minSpreadBp: bigint;
  private readonly writer = new FrameWriter();
  private readonly symbols = new Map<string, SymbolQuotes>();

  constructor(private readonly ctx: JobContext) {
    this.cfg = resolvePipelineConfig(ctx.options ?? {}).arbitrage;
    this.maxAgeNs = BigInt(this.cfg.maxQuoteAgeMs) * 1_000_000n;
    this.minSpreadBp = BigInt(this.cfg.minSpreadBp);
  }

  onFrame(view: DataView, f: FrameInfo): void {
    if (f.type !== Body.Quote || f.routed) return;
    const q = quoteOf(view, f);
    const symbol = q.symbol;
    let s = this.symbols.get(symbol);
    if (!s) this.symbols.set(symbol, (s = { venues: [], newest: 0n, fresh: -this.maxAgeNs, open: new Map() }));
    const exchange = q.exchange;
    let v: VenueQuote | undefined;
    for (let i = 0; i < s.venues.length && v === undefined; i++) if (s.venues[i]!.exchange === exchange) v = s.venues[i];
    if (!v) s.venues.push((v = { exchange, bid: 0n, ask: 0n, bidSize: 0n, askSize: 0n, ts: 0n, bidValue: 0, askValue: 0 }));
    const ts = q.tsNs;
    if (ts < v.ts) return; // an older quote of this venue: the newer one stands
    v.bid = q.bid;
    v.ask = q.ask;
    v.bidValue = Number(q.bid);
    v.askValue = Number(q.ask);
    v.bidSize = q.bidSize;
    v.askSize = q.askSize;
    v.ts = ts;
    if (ts > s.newest) {
      s.newest = ts;
      s.fresh = ts - this.maxAgeNs;
    }
    const fresh = s.fresh;
    for (const other of s.venues) {
      if (other === v) continue;
      const usable = other.ts >= fresh && v.ts >= fresh;
      this.judge(symbol, s, other, v, usable, ts, f); // buy on `other`, sell on `v`
      this.judge(symbol, s, v, other, usable, ts, f); // buy on `v`, sell on `other`
    }
  }

  private judge(symbol: string, s: SymbolQuotes, buy: VenueQuote, sell: VenueQuote, usable: boolean, ts: bigint, f: FrameInfo): void {
    // Called for every pair of venues on every quote: a number for a key, and no BigInt made on the way.
    const key = buy.exchange * 256 + sell.exchange;
    const ask = buy.ask;
    const bid = sell.bid;
    // Mostly the bid is below the ask, which their doubles tell exactly (Number() never reorders two
    // integers, it can only make them equal): the BigInts are compared, and the sizes looked at, only
    // when the doubles say the bid may be above the ask.
    const crossed = usable && sell.bidValue >= buy.askValue && ask > 0n && bid > ask;
    const size = crossed ? (buy.askSize < sell.bidSize ? buy.askSize : sell.bidSize) : 0n;
    const open = crossed && (bid - ask) * 10_000n > this.minSpreadBp * ask && size >= this.cfg.minSize && size > 0n;
    if (!open) {
      if (s.open.size > 0) s.open.delete(key);
      return;
    }
    const prices = `${ask}/${bid}`;
    if (s.open.get(key) === prices) return;
    s.open.set(key, prices);
    const spreadBp = (bid - ask) * 10_000n / ask;
    const severity = (bid - ask) * 10_000n > 5n * this.minSpreadBp * ask ? Severity.CRITICAL : Severity.WARNING;
    const b = this.writer.begin();
    const body = ArbitrageAlert.createArbitrageAlert(b, b.createString(symbol), buy.exchange, sell.exchange, ask, bid, Number(spreadBp), size, severity, ts);
    this.ctx.emit(this.writer.finish(Body.ArbitrageAlert, body), Body.ArbitrageAlert, f.partition, f.ingressNs);
  }
}

export function createJob(ctx: JobContext): Job {
  return new ArbitrageJob(ctx);
}
