// Job 2 of the seed demo, volume spikes: a trade print whose volume is above 3x (multiplierBp) the
// average volume of the symbol's last 20 prints (periods; the window includes the print itself, as
// SQL's ROWS 19 PRECEDING AND CURRENT ROW does), on the Wasm count window. Judged only once 20 prints
// are in. Exactly 3x is not a spike: the test is volume x count x 10000 > multiplierBp x sum, in
// integers; above 5x (extremeBp) the alert is EXTREME.
import { Emit, RESULT, WindowKind, WindowsWasm } from '../kernels/windows.js';
import type { FrameInfo, Job, JobContext } from '../runtime/job.js';
import { Body, Severity, VolumeSpikeAlert } from '../wire/generated/index.js';
import { resolvePipelineConfig, type PipelineConfig } from './config.js';
import { FrameWriter, symbolSlot, tradeOf } from './frame-io.js';

export class VolumeSpikeJob implements Job {
  readonly accepts = [Body.Trade];
  private readonly cfg: PipelineConfig['volumeSpike'];
  private readonly windows: WindowsWasm;
  private readonly writer = new FrameWriter();
  /** The thresholds as BigInts, made once. */
  private readonly periods: bigint;
  private readonly multiplierBp: bigint;
  private readonly extremeBp: bigint;

  constructor(private readonly ctx: JobContext) {
    const all = resolvePipelineConfig(ctx.options ?? {});
    this.cfg = all.volumeSpike;
    this.periods = BigInt(this.cfg.periods);
    this.multiplierBp = BigInt(this.cfg.multiplierBp);
    this.extremeBp = BigInt(this.cfg.extremeBp);
    const size = this.periods;
    this.windows = new WindowsWasm({ kind: WindowKind.COUNT, size, slide: size, lateness: 0n, delay: 0n, emitChanges: false }, all.engine.maxSymbols);
  }

  onFrame(view: DataView, f: FrameInfo): void {
    if (f.type !== Body.Trade || f.routed) return;
    const t = tradeOf(view, f);
    const qty = t.quantity;
    if (qty <= 0n) return;
    const symbol = t.symbol;
    const ts = t.tsNs;
    const slot = symbolSlot(this.ctx, symbol);
    if (slot < 0) return; // the trade engine dead-letters it
    this.windows.event(slot + 1, ts, t.price, qty);
    // Read in place: only the count and the volume of the last `periods` trades matter here.
    const v = this.windows.memoryView();
    for (let i = 0, at = this.windows.resultsAt(); i < this.windows.resultCount(); i++, at += RESULT.bytes) {
      // A full window's count is `periods` (a 32-bit number): its high word is 0.
      if (v.getUint8(at + RESULT.emit) !== Emit.COUNT || v.getUint32(at + RESULT.count, true) !== this.cfg.periods || v.getInt32(at + RESULT.count + 4, true) !== 0) continue;
      const sumQty = v.getBigInt64(at + RESULT.sumQty, true);
      if (sumQty <= 0n) continue;
      const scaled = qty * this.periods * 10_000n;
      if (scaled <= this.multiplierBp * sumQty) continue;
      const ratioBp = scaled / sumQty;
      const severity = scaled > this.extremeBp * sumQty ? Severity.EXTREME : Severity.WARNING;
      const b = this.writer.begin();
      const body = VolumeSpikeAlert.createVolumeSpikeAlert(b, b.createString(symbol), t.exchange, qty, sumQty / this.periods, Number(ratioBp), severity, ts);
      this.ctx.emit(this.writer.finish(Body.VolumeSpikeAlert, body), Body.VolumeSpikeAlert, f.partition, f.ingressNs);
    }
  }
}

export function createJob(ctx: JobContext): Job {
  return new VolumeSpikeJob(ctx);
}
