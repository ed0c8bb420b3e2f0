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

/**
 * A venue's latest quote. Prices and sizes are kept as doubles (exactly Number() of each), which are
 * exact for any safe integer (below 2^53, as every real price and size is); the BigInts are kept too
 * only when one is not (`big`), so a quote costs no BigInt.
 */
interface VenueQuote {
  exchange: number;
  ts: bigint;
  /** ts as a double (doubles of today's ns timestamps are 256 ns apart). */
  tsValue: number;
  bid: number;
  ask: number;
  bidSize: number;
  askSize: number;
  big: ExactQuote | null;
}

interface ExactQuote {
  bid: bigint;
  ask: bigint;
  bidSize: bigint;
  askSize: bigint;
}

/** A venue quote's exact prices and sizes (made for a possible opportunity only). */
function exact(v: VenueQuote): ExactQuote {
  return v.big ?? { bid: BigInt(v.bid), ask: BigInt(v.ask), bidSize: BigInt(v.bidSize), askSize: BigInt(v.askSize) };
}

interface SymbolQuotes {
  venues: VenueQuote[];
  newest: bigint;
  newestValue: number;
  /** Open opportunities by buyExchange x 256 + sellExchange: the prices last alerted. */
  open: Map<number, string>;
}

export class ArbitrageJob implements Job {
  readonly accepts = [Body.Quote];
  private readonly cfg: PipelineConfig['arbitrage'];
  private readonly maxAgeNs: bigint;
  private readonly maxAgeValue: number;
  private readonly minSpreadBp: bigint;
  private readonly writer = new FrameWriter();
  private readonly symbols = new Map<string, SymbolQuotes>();

  constructor(private readonly ctx: JobContext) {
    this.cfg = resolvePipelineConfig(ctx.options ?? {}).arbitrage;
    this.maxAgeNs = BigInt(this.cfg.maxQuoteAgeMs) * 1_000_000n;
    this.maxAgeValue = Number(this.maxAgeNs);
    this.minSpreadBp = BigInt(this.cfg.minSpreadBp);
  }

  onFrame(view: DataView, f: FrameInfo): void {
    if (f.type !== Body.Quote || f.routed) return;
    const q = quoteOf(view, f);
    const symbol = q.symbol;
    let s = this.symbols.get(symbol);
    if (!s) this.symbols.set(symbol, (s = { venues: [], newest: 0n, newestValue: 0, open: new Map() }));
    const exchange = q.exchange;
    let v: VenueQuote | undefined;
    for (let i = 0; i < s.venues.length && v === undefined; i++) if (s.venues[i]!.exchange === exchange) v = s.venues[i];
    if (!v) s.venues.push((v = { exchange, ts: 0n, tsValue: 0, bid: 0, ask: 0, bidSize: 0, askSize: 0, big: null }));
    const ts = q.tsNs;
    if (ts < v.ts) return; // an older quote of this venue: the newer one stands
    v.bid = q.bidValue;
    v.ask = q.askValue;
    v.bidSize = q.bidSizeValue;
    v.askSize = q.askSizeValue;
    const safe = Number.isSafeInteger(v.bid) && Number.isSafeInteger(v.ask) && Number.isSafeInteger(v.bidSize) && Number.isSafeInteger(v.askSize);
    v.big = safe ? null : { bid: q.bid, ask: q.ask, bidSize: q.bidSize, askSize: q.askSize };
    v.ts = ts;
    v.tsValue = q.tsValue;
    if (ts > s.newest) {
      s.newest = ts;
      s.newestValue = q.tsValue;
    }
    const fresh = this.fresh(s, v);
    for (const other of s.venues) {
      if (other === v) continue;
      const usable = fresh && this.fresh(s, other);
      this.judge(symbol, s, other, v, usable, ts, f); // buy on `other`, sell on `v`
      this.judge(symbol, s, v, other, usable, ts, f); // buy on `v`, sell on `other`
    }
  }

  /**
   * Whether a venue's quote is at most maxQuoteAgeMs older than the symbol's newest, to the ns. The
   * doubles decide (no BigInt made) unless they are within 16 µs of the bound, well past their error
   * (a few µs at most, for any int64 timestamps), and then the BigInts do.
   */
  private fresh(s: SymbolQuotes, v: VenueQuote): boolean {
    const age = s.newestValue - v.tsValue;
    if (age < this.maxAgeValue - 16_384) return true;
    if (age > this.maxAgeValue + 16_384) return false;
    return s.newest - v.ts <= this.maxAgeNs;
  }

  private judge(symbol: string, s: SymbolQuotes, buy: VenueQuote, sell: VenueQuote, usable: boolean, ts: bigint, f: FrameInfo): void {
    // Called for every pair of venues on every quote: a number for a key, and no BigInt made on the way.
    const key = buy.exchange * 256 + sell.exchange;
    // Mostly the bid is not above the ask, which their doubles tell exactly: below 2^53 they are the
    // integers themselves, and above, Number() never reorders two integers (it can only make them
    // equal). Exact values are made, and the sizes looked at, only when the bid may be above the ask.
    const mayCross = buy.big === null && sell.big === null ? sell.bid > buy.ask : sell.bid >= buy.ask;
    if (!usable || !mayCross) {
      if (s.open.size > 0) s.open.delete(key);
      return;
    }
    const { ask, askSize } = exact(buy);
    const { bid, bidSize } = exact(sell);
    const crossed = ask > 0n && bid > ask;
    const size = crossed ? (askSize < bidSize ? askSize : bidSize) : 0n;
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
