// Job 1 of the seed demo, price movement: a quote whose price moved more than 5% (thresholdBp) from
// the first price of its one-minute window (event time, tumbling, per symbol and exchange). The
// price is the quote's last trade price, or its mid when it has none. Exactly 5% is not a movement:
// the test is |price - first| x 10000 > thresholdBp x first, in integers. One alert per direction
// per window; above twice the threshold it is CRITICAL.
import type { FrameInfo, Job, JobContext } from '../runtime/job.js';
import { Body, PriceAlert, Severity } from '../wire/generated/index.js';
import { resolvePipelineConfig, type PipelineConfig } from './config.js';
import { FrameWriter, quoteOf, quotePrice, quotePriceValue } from './frame-io.js';

interface Reference {
  windowStart: bigint;
  /** The window's end (exclusive): a quote inside it is placed with two comparisons, no modulo. */
  windowEnd: bigint;
  first: bigint;
  /** thresholdBp x first: the bound |move| x 10000 is held to. */
  bound: bigint;
  /** first and bound as doubles; `quick` when both are exact and a quote can be judged in doubles. */
  firstValue: number;
  boundValue: number;
  quick: boolean;
  /** Directions already alerted in this window: 1 up, 2 down. */
  alerted: number;
}

/** Prices below this keep |move| x 10000 below 2^53, where doubles are exact. */
const QUICK_PRICE = Number.MAX_SAFE_INTEGER / 10_000;

export class PriceMovementJob implements Job {
  readonly accepts = [Body.Quote];
  private readonly cfg: PipelineConfig['priceMovement'];
  private readonly windowNs: bigint;
  private readonly thresholdBp: bigint;
  private readonly writer = new FrameWriter();
  /** By symbol, then by exchange (no key string built per quote). */
  private readonly refs = new Map<string, (Reference | undefined)[]>();

  constructor(private readonly ctx: JobContext) {
    this.cfg = resolvePipelineConfig(ctx.options ?? {}).priceMovement;
    this.windowNs = BigInt(this.cfg.windowMs) * 1_000_000n;
    this.thresholdBp = BigInt(this.cfg.thresholdBp);
  }

  onFrame(view: DataView, f: FrameInfo): void {
    if (f.type !== Body.Quote || f.routed) return;
    const q = quoteOf(view, f);
    const priceValue = quotePriceValue(q);
    if (priceValue <= 0) return;
    const ts = q.tsNs;
    const symbol = q.symbol;
    const exchange = q.exchange;
    let byExchange = this.refs.get(symbol);
    if (!byExchange) this.refs.set(symbol, (byExchange = []));
    const ref = byExchange[exchange];
    if (!ref || ts < ref.windowStart || ts >= ref.windowEnd) {
      const start = ts - (((ts % this.windowNs) + this.windowNs) % this.windowNs);
      // An older window's quote arriving late does not reset a newer reference.
      if (!ref || start > ref.windowStart) {
        const first = quotePrice(q);
        const bound = this.thresholdBp * first;
        const firstValue = Number(first);
        const boundValue = Number(bound);
        const quick = firstValue < QUICK_PRICE && boundValue <= Number.MAX_SAFE_INTEGER;
        byExchange[exchange] = { windowStart: start, windowEnd: start + this.windowNs, first, bound, firstValue, boundValue, quick, alerted: 0 };
      }
      return;
    }
    // Most quotes move less than the threshold, which doubles tell exactly for every real price: no BigInt made for them.
    if (ref.quick && priceValue < QUICK_PRICE && Math.abs(priceValue - ref.firstValue) * 10_000 <= ref.boundValue) return;
    const price = quotePrice(q);
    const move = price - ref.first;
    const size = move < 0n ? -move : move;
    if (size * 10_000n <= ref.bound) return;
    const direction = move > 0n ? 1 : 2;
    if ((ref.alerted & direction) !== 0) return;
    ref.alerted |= direction;
    const severity = size * 10_000n > 2n * ref.bound ? Severity.CRITICAL : Severity.WARNING;
    const b = this.writer.begin();
    const body = PriceAlert.createPriceAlert(b, b.createString(symbol), exchange, Number((move * 10_000n) / ref.first), price, ref.first, severity, ts);
    this.ctx.emit(this.writer.finish(Body.PriceAlert, body), Body.PriceAlert, f.partition, f.ingressNs);
  }
}

export function createJob(ctx: JobContext): Job {
  return new PriceMovementJob(ctx);
}
