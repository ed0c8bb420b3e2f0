// Job 2 of the seed demo, volume spikes: a trade print whose volume is above 3x (multiplierBp) the
// average volume of the symbol's last 20 prints (periods; the window includes the print itself, as
// SQL's ROWS 19 PRECEDING AND CURRENT ROW does), on the Wasm count window. Judged only once 20 prints
// are in. Exactly 3x is not a spike: the test is volume x count x 10000 > multiplierBp x sum, in
// integers; above 5x (extremeBp) the alert is EXTREME.
import { Emit, WindowKind, WindowsWasm } from '../kernels/windows.js';
import type { FrameInfo, Job, JobContext } from '../runtime/job.js';
import { Body, Severity, Trade, VolumeSpikeAlert } from '../wire/generated/index.js';
import { resolvePipelineConfig, type PipelineConfig } from './config.js';
import { FrameReader, FrameWriter, symbolSlot } from './frame-io.js';

export class VolumeSpikeJob implements Job {
  private readonly cfg: PipelineConfig['volumeSpike'];
  private readonly windows: WindowsWasm;
  private readonly reader = new FrameReader();
  private readonly writer = new FrameWriter();
  private readonly trade = new Trade();

  constructor(private readonly ctx: JobContext) {
    const all = resolvePipelineConfig(ctx.options ?? {});
    this.cfg = all.volumeSpike;
    const size = BigInt(this.cfg.periods);
    this.windows = new WindowsWasm({ kind: WindowKind.COUNT, size, slide: size, lateness: 0n, delay: 0n, emitChanges: false }, all.engine.maxSymbols);
  }

  onFrame(view: DataView, f: FrameInfo): void {
    if (f.type !== Body.Trade || f.routed) return;
    const t = this.reader.read(view, f).body(this.trade) as Trade;
    const qty = t.quantity();
    if (qty <= 0n) return;
    const symbol = t.symbol()!;
    const ts = t.tsNs();
    const slot = symbolSlot(this.ctx, symbol);
    if (slot < 0) return; // the trade engine dead-letters it
    this.windows.event(slot + 1, ts, t.price(), qty);
    for (const r of this.windows.results()) {
      if (r.emit !== Emit.COUNT || r.count !== BigInt(this.cfg.periods) || r.sumQty <= 0n) continue;
      const scaled = qty * r.count * 10_000n;
      if (scaled <= BigInt(this.cfg.multiplierBp) * r.sumQty) continue;
      const ratioBp = scaled / r.sumQty;
      const severity = scaled > BigInt(this.cfg.extremeBp) * r.sumQty ? Severity.EXTREME : Severity.WARNING;
      const b = this.writer.begin();
      const body = VolumeSpikeAlert.createVolumeSpikeAlert(b, b.createString(symbol), t.exchange(), qty, r.sumQty / r.count, Number(ratioBp), severity, ts);
      this.ctx.emit(this.writer.finish(Body.VolumeSpikeAlert, body), Body.VolumeSpikeAlert, f.partition, f.ingressNs);
    }
  }
}

export function createJob(ctx: JobContext): Job {
  return new VolumeSpikeJob(ctx);
}
