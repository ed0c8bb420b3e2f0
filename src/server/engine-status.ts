// The engine's status as one JSON document: what /stats answers and what /ws/engine/status pushes
// every second. Rates are over the time since the previous snapshot; latencies are microseconds from
// the runtime's HdrHistograms (order in → risk decision out, order → exec report, market data → alert).
import type { Runtime, RuntimeStats } from '../runtime/runtime.js';
import { percentiles } from '../metrics/histogram.js';
import type { SimulatorSource } from '../sim/simulator-source.js';
import type { KafkaSource } from '../kafka/kafka-source.js';

export interface StatusSources {
  simulator?: SimulatorSource | null;
  kafka?: KafkaSource | null;
}

interface Snapshot {
  at: number;
  stats: RuntimeStats;
  counts: Record<string, number>;
}

const round1 = (v: number): number => Math.round(v * 10) / 10;

export class EngineStatus {
  private last: Snapshot;
  private rates = { in: 0, out: 0, risk_decisions: 0, exec_reports: 0 };
  private workerRates: number[] = [];
  private readonly startedAt = Date.now();

  constructor(private readonly rt: Runtime, private readonly sources: StatusSources) {
    this.last = { at: performance.now(), stats: rt.stats(), counts: rt.outputCounts() };
  }

  /** Moves the rate window on: call about once a second. */
  tick(): void {
    const now = performance.now();
    const stats = this.rt.stats();
    const counts = this.rt.outputCounts();
    const dt = Math.max(1e-3, (now - this.last.at) / 1_000);
    const per = (v: number, was: number): number => Math.round((v - was) / dt);
    this.rates = {
      in: per(stats.ingested, this.last.stats.ingested),
      out: per(stats.output, this.last.stats.output),
      risk_decisions: per(counts.RiskDecision ?? 0, this.last.counts.RiskDecision ?? 0),
      exec_reports: per(counts.ExecReport ?? 0, this.last.counts.ExecReport ?? 0),
    };
    this.workerRates = stats.perWorker.map((w, i) => per(w.framesHandled, this.last.stats.perWorker[i]?.framesHandled ?? 0));
    this.last = { at: now, stats, counts };
  }

  latency(): Record<string, { count: number; p50: number; p90: number; p99: number; p999: number; max: number }> {
    const out: Record<string, { count: number; p50: number; p90: number; p99: number; p999: number; max: number }> = {};
    for (const [stage, h] of Object.entries(this.rt.histograms())) {
      const p = percentiles(h);
      out[stage] = { count: p.count, p50: round1(p.p50 / 1e3), p90: round1(p.p90 / 1e3), p99: round1(p.p99 / 1e3), p999: round1(p.p999 / 1e3), max: round1(p.max / 1e3) };
    }
    return out;
  }

  /** The document: /stats and the engine-status feed. */
  snapshot(extra: Record<string, unknown> = {}): Record<string, unknown> {
    const stats = this.rt.stats();
    const { simulator, kafka } = this.sources;
    return {
      type: 'EngineStatus',
      ts_ms: Date.now(),
      uptime_s: Math.round((Date.now() - this.startedAt) / 1_000),
      runtime: {
        workers: stats.workers, partitions: stats.partitions, back_pressure: stats.backPressure, routing: stats.routing,
        ingested: stats.ingested, rejected: stats.rejected, full: stats.full, dropped: stats.dropped, output: stats.output,
        handler_errors: stats.handlerErrors, crashes: stats.crashes, source_errors: stats.sourceErrors,
      },
      rates: this.rates,
      outputs: this.rt.outputCounts(),
      latency_unit: 'µs',
      latency: this.latency(),
      workers: stats.perWorker.map((w, i) => ({
        id: w.workerId, alive: w.alive, partitions: w.partitions, frames_handled: w.framesHandled, frames_per_s: this.workerRates[i] ?? 0,
        ring_fill: round1((100 * w.inbound.used) / w.inbound.capacity),
      })),
      ...(simulator ? { simulator: simulator.stats() } : {}),
      ...(kafka ? { kafka: kafka.stats() } : {}),
      ...extra,
    };
  }
}
