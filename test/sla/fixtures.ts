// Helpers of the SLA report tests: histograms of known values, HDR's 3-significant-digit bucketing
// worked out by hand (independently of hdr-histogram-js), percentiles by sorting, and a report built
// from given histograms.
import { main } from '../../src/cli.js';
import { latencyHistogram, type LatencyHistogram } from '../../src/metrics/histogram.js';
import { resolveSlaConfig, type SlaConfig } from '../../src/metrics/sla-config.js';
import { buildReport, type SlaReport } from '../../src/metrics/sla-report.js';
import type { Stage } from '../../src/runtime/stage-timing.js';
import { Prng } from '../fixtures/prng.js';

export function histogramOf(values: readonly number[]): LatencyHistogram {
  const h = latencyHistogram();
  for (const v of values) h.recordValue(v);
  return h;
}

/**
 * The largest value HDR counts together with v at 3 significant digits: 2048 sub-buckets, so values
 * below 2048 are exact and above, v's bucket is 2^k wide with k = floor(log2 v) - 10.
 */
export function highestEquivalent(v: number): number {
  if (v < 2048) return v;
  const k = Math.floor(Math.log2(v)) - 10;
  const width = 2 ** k;
  return (Math.floor(v / width) + 1) * width - 1;
}

/** The value at a percentile given as num/den (99.9 % = 999/1000), by sorting: rank ceil(n * num / den). */
export function sortedPercentile(sorted: readonly number[], num: number, den: number): number {
  const rank = Math.max(1, Math.ceil((sorted.length * num) / den));
  return sorted[rank - 1]!;
}

/** n latencies in ns from 200 ns to about 40 ms, most of them small (a long tail), from a seed. */
export function latencies(n: number, seed: number): number[] {
  const rnd = new Prng(seed);
  return Array.from({ length: n }, () => {
    const r = rnd.u32() / 2 ** 32;
    return 200 + Math.floor(r ** 6 * 40_000_000) + rnd.int(0, 999);
  });
}

export function config(over: Record<string, unknown> = {}): SlaConfig {
  return resolveSlaConfig({ phases: [{ rate: 1000, seconds: 1 }], ...over });
}

export function reportOf(stages: Partial<Record<Stage, LatencyHistogram>>, cfg: SlaConfig, baseline: SlaReport | null = null): SlaReport {
  return buildReport({
    config: cfg, stages, phases: [], outputs: {}, source: 'test', date: '2026-01-01T00:00:00.000Z', revision: 'test', baseline,
    machine: { cores: 2, cpu: 'test cpu', node: 'v20', platform: 'linux-x64' },
  });
}

/** The tickwave command in this process: exit code and what it printed. */
export async function tickwave(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
