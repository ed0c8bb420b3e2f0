// The load behind `tickwave sla`: the trading pipeline (the trade engine and the four market-data jobs)
// with stage timing on, fed open loop through its phases (orders at a fixed rate, one quote per four
// orders and a cancel per four alongside, as the pipeline benchmark sends them). Every frame is given
// its order's planned send time as its origin, so when the sender, a ring or a worker stalls, the
// orders that should have gone meanwhile are late by the stall: coordinated omission cannot hide it.
// A warm-up (replayed, so recorded in no stage) runs first.
import { policyFrames, streamFrames } from '../bench/pipeline.bench.js';
import { tradingJobs } from './jobs/index.js';
import { monotonicNs } from './runtime/clock.js';
import { Ingest, startRuntime, type RuntimeStats } from './runtime/runtime.js';
import { REPLAY_ORIGIN } from './runtime/source.js';
import type { Stage } from './runtime/stage-timing.js';
import type { LatencyHistogram } from './metrics/histogram.js';
import type { SlaConfig } from './metrics/sla-config.js';
import type { PhaseResult } from './metrics/sla-report.js';

export interface SlaRun {
  stages: Record<Stage, LatencyHistogram>;
  phases: PhaseResult[];
  /** Wall-clock span of the recorded phases, ms since the epoch. */
  startMs: number;
  endMs: number;
  stats: RuntimeStats;
  /** Outputs of the recorded phases, by message type. */
  outputs: Record<string, number>;
}

export interface SlaProgress {
  phase: number;
  phases: number;
  rate: number;
  /** Orders sent so far in the recorded phases, and in all. */
  sent: number;
  total: number;
  elapsedS: number;
  /** End-to-end p99 so far, µs. */
  p99Us: number;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runSla(cfg: SlaConfig, onProgress: (p: SlaProgress) => void = () => {}, progressEveryMs = 1000): Promise<SlaRun> {
  const total = cfg.phases.reduce((n, p) => n + Math.round(p.rate * p.seconds), 0);
  const { frames, isOrder } = streamFrames(cfg.warmupOrders + total, cfg.seed);
  const rt = await startRuntime({ jobs: tradingJobs(cfg.pipeline), workers: cfg.workers, partitions: cfg.partitions, stageTiming: true });
  const stages = rt.stageHistograms()!;
  try {
    for (const f of policyFrames()) await rt.ingestAsync(f, 'sla', REPLAY_ORIGIN);
    let i = 0;
    for (let warm = 0; warm < cfg.warmupOrders; i++) {
      await rt.ingestAsync(frames[i]!, 'sla', REPLAY_ORIGIN);
      if (isOrder[i]) warm++;
    }
    await rt.whenIdle();
    const warmOutputs = rt.outputCounts();

    const phases: PhaseResult[] = [];
    const startMs = Date.now();
    let start = monotonicNs() + 1e6;
    let sent = 0;
    let nextProgress = monotonicNs() + progressEveryMs * 1e6;
    for (let ph = 0; ph < cfg.phases.length; ph++) {
      const { rate, seconds } = cfg.phases[ph]!;
      const orders = Math.round(rate * seconds);
      const intervalNs = 1e9 / rate;
      let n = 0;
      let maxBehind = 0;
      while (n < orders) {
        const now = monotonicNs();
        if (now >= nextProgress) {
          nextProgress = now + progressEveryMs * 1e6;
          onProgress({ phase: ph + 1, phases: cfg.phases.length, rate, sent, total, elapsedS: (Date.now() - startMs) / 1000, p99Us: stages.end_to_end.getValueAtPercentile(99) / 1000 });
        }
        const due = Math.min(orders, Math.floor((now - start) / intervalNs) + 1);
        if (n >= due) {
          if (start + n * intervalNs - now > 2e6) await sleep(1);
          else await tick();
          continue;
        }
        maxBehind = Math.max(maxBehind, now - (start + n * intervalNs));
        // Everything due goes now, each frame with its order's planned time (a quote or cancel after
        // an order shares it); a full ring makes the sender wait, and that wait counts.
        for (let burst = 0; n < due && burst < 512; burst++, i++) {
          const planned = start + (isOrder[i] ? n : Math.max(0, n - 1)) * intervalNs;
          const f = frames[i]!;
          let r = rt.ingest(f, 'sla', planned);
          while (r === Ingest.FULL) {
            await rt.whenWritable(f, 5);
            r = rt.ingest(f, 'sla', planned);
          }
          if (r !== Ingest.OK) throw new Error(`tickwave sla: the runtime refused a frame (ingest answered ${r}): ${JSON.stringify(rt.stats().crashes)}`);
          if (isOrder[i]) {
            n++;
            sent++;
          }
        }
        await tick();
      }
      phases.push({ rate, seconds, orders, maxBehindMs: maxBehind / 1e6 });
      start += orders * intervalNs;
    }
    // Every order is answered by one risk decision: wait for all of them, then for the rest.
    while (stages.risk_decision.totalCount < total) {
      const crashes = rt.stats().crashes;
      if (crashes.length > 0) throw new Error(`tickwave sla: worker ${crashes[0]!.workerId} crashed: ${crashes[0]!.error}`);
      await sleep(1);
    }
    await rt.whenIdle();
    const endMs = Date.now();
    const outputs = Object.fromEntries(Object.entries(rt.outputCounts()).map(([k, n]) => [k, n - (warmOutputs[k] ?? 0)]).filter(([, n]) => n !== 0));
    const stats = await rt.stop();
    return { stages: rt.stageHistograms()!, phases, startMs, endMs, stats, outputs };
  } catch (e) {
    await rt.stop(5_000).catch(() => undefined);
    throw e;
  }
}
