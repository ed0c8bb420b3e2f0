// Latency histograms: one HdrHistogram configuration for every stage and benchmark, so recordings
// from different threads and runs can be merged. Values are integer nanoseconds.
import * as hdr from 'hdr-histogram-js';

/** Highest value a latency histogram tracks: 60 s in nanoseconds. */
export const HIGHEST_TRACKABLE_NS = 60_000_000_000;

export type LatencyHistogram = hdr.Histogram;

export function latencyHistogram(): LatencyHistogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_NS,
    numberOfSignificantValueDigits: 3,
    bitBucketSize: 32,
    useWebAssembly: false,
  });
}

export interface Percentiles {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  p9999: number;
  max: number;
  mean: number;
}

export function percentiles(h: LatencyHistogram): Percentiles {
  // A percentile is the top of its HDR bucket; the max is exact. No percentile is shown above the max.
  const at = (p: number): number => Math.min(h.getValueAtPercentile(p), h.maxValue);
  return {
    count: h.totalCount,
    min: h.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : h.minNonZeroValue,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    p999: at(99.9),
    p9999: at(99.99),
    max: h.maxValue,
    mean: h.mean,
  };
}
