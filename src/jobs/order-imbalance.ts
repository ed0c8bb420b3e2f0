// Job 4 of the seed demo, order-flow imbalance: in each one-minute tumbling window (event time) of a
// symbol's trade prints, the buyer-initiated and seller-initiated volume (by the print's aggressor;
// prints without one are not counted); when the window has at least minVolume and one side's share
// is above 70% (shareBp), an alert names the dominant side. Exactly 70% is not an imbalance: the test
// is side x 10000 > shareBp x total, in integers. Above 85% (the midpoint to 100%) it is CRITICAL.
//
// The windows are the Wasm kernel's, keyed by symbol and side, with a watermark that trails the
// newest print by delayMs; a window is judged when the watermark passes its end, and again when a
// late print (within latenessMs) changes it; prints later than that are counted (lateCount). When a
// worker sees no print for idleMs of the runtime clock, its watermark moves on with the clock, so an
// idle partition does not hold its windows open.
import { Emit, WindowKind, WindowsWasm } from '../kernels/windows.js';
import type { FrameInfo, Job, JobContext } from '../runtime/job.js';
import { Body, OrderImbalanceAlert, Severity, Side } from '../wire/generated/index.js';
import { resolvePipelineConfig, type PipelineConfig } from './config.js';
import { FrameWriter, symbolSlot, tradeOf } from './frame-io.js';

interface WindowVolumes {
  symbol: string;
  start: bigint;
  end: bigint;
  buy: bigint;
  sell: bigint;
  alerted: boolean;
}

export class OrderImbalanceJob implements Job {
  readonly accepts = [Body.Trade];
  readonly tickMs = 100;
  private readonly cfg: PipelineConfig['orderImbalance'];
  private readonly windows: WindowsWasm;
  private readonly writer = new FrameWriter();
  private readonly names = new Map<number, string>();
  private readonly judged = new Map<string, WindowVolumes>();
  private readonly latenessNs: bigint;
  private readonly delayNs: bigint;
  private newest = 0n;
  private lastPrintAt = 0;
  private lastPartition = 0;

  constructor(private readonly ctx: JobContext) {
    this.cfg = resolvePipelineConfig(ctx.options ?? {}).orderImbalance;
    const size = BigInt(this.cfg.windowMs) * 1_000_000n;
    this.latenessNs = BigInt(this.cfg.latenessMs) * 1_000_000n;
    this.delayNs = BigInt(this.cfg.delayMs) * 1_000_000n;
    const keys = resolvePipelineConfig(ctx.options ?? {}).engine.maxSymbols * 2;
    this.windows = new WindowsWasm({ kind: WindowKind.TUMBLING, size, slide: size, lateness: this.latenessNs, delay: this.delayNs, emitChanges: false }, keys);
  }

  /** Prints too late for their window (counted, never silently lost). */
  lateCount(): number {
    return this.windows.lateCount();
  }

  onFrame(view: DataView, f: FrameInfo): void {
    if (f.type !== Body.Trade || f.routed) return;
    const t = tradeOf(view, f);
    const side = t.aggressor;
    const qty = t.quantity;
    if ((side !== Side.BUY && side !== Side.SELL) || qty <= 0n) return;
    const symbol = t.symbol;
    const slot = symbolSlot(this.ctx, symbol);
    if (slot < 0) return; // the trade engine dead-letters it
    this.names.set(slot, symbol);
    const ts = t.tsNs;
    if (ts > this.newest) this.newest = ts;
    this.lastPrintAt = this.ctx.nowNs();
    this.lastPartition = f.partition;
    this.windows.event(slot * 2 + (side === Side.SELL ? 1 : 0), ts, t.price, qty);
    this.collect(f.partition, f.ingressNs);
  }

  onTick(nowNs: number): void {
    if (this.cfg.idleMs === 0 || this.lastPrintAt === 0) return;
    const idleNs = nowNs - this.lastPrintAt;
    if (idleNs < this.cfg.idleMs * 1e6) return;
    // Event time moves on with the runtime clock from the last print's watermark.
    this.windows.advanceWatermark(this.newest - this.delayNs + BigInt(Math.floor(idleNs)));
    this.collect(this.lastPartition, 0);
  }

  private collect(partition: number, originNs: number): void {
    // Most prints close no window: then there is nothing to judge.
    if (this.windows.resultCount() > 0) this.judgeResults(partition, originNs);
    // Windows past their lateness can change no more.
    if (this.judged.size === 0) return;
    const wm = this.windows.watermark();
    for (const [key, w] of this.judged) if (w.end + this.latenessNs <= wm) this.judged.delete(key);
  }

  private judgeResults(partition: number, originNs: number): void {
    const touched = new Set<WindowVolumes>();
    for (const r of this.windows.results()) {
      if (r.emit !== Emit.FINAL && r.emit !== Emit.LATE) continue;
      const slot = r.key >> 1;
      const key = `${slot}:${r.start}`;
      let w = this.judged.get(key);
      if (!w) this.judged.set(key, (w = { symbol: this.names.get(slot)!, start: r.start, end: r.end, buy: 0n, sell: 0n, alerted: false }));
      if ((r.key & 1) === 0) w.buy = r.sumQty;
      else w.sell = r.sumQty;
      touched.add(w);
    }
    for (const w of touched) this.judge(w, partition, originNs);
  }

  private judge(w: WindowVolumes, partition: number, originNs: number): void {
    const total = w.buy + w.sell;
    if (w.alerted || total === 0n || total < this.cfg.minVolume) return;
    const share = BigInt(this.cfg.shareBp);
    const dominant = w.buy * 10_000n > share * total ? Side.BUY : w.sell * 10_000n > share * total ? Side.SELL : Side.UNSPECIFIED;
    if (dominant === Side.UNSPECIFIED) return;
    w.alerted = true;
    const side = dominant === Side.BUY ? w.buy : w.sell;
    // CRITICAL above the midpoint between the threshold and 100%.
    const severity = side * 20_000n > (share + 10_000n) * total ? Severity.CRITICAL : Severity.WARNING;
    const b = this.writer.begin();
    const body = OrderImbalanceAlert.createOrderImbalanceAlert(
      b, b.createString(w.symbol), w.start, w.end, w.buy, w.sell, Number((w.buy * 10_000n) / total), dominant, severity, w.end,
    );
    this.ctx.emit(this.writer.finish(Body.OrderImbalanceAlert, body), Body.OrderImbalanceAlert, partition, originNs || undefined);
  }
}

export function createJob(ctx: JobContext): Job {
  return new OrderImbalanceJob(ctx);
}
