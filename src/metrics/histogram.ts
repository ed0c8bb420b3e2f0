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
  return {
    count: h.totalCount,
    min: h.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : h.minNonZeroValue,
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    p9999: h.getValueAtPercentile(99.99),
    max: h.maxValue,
    mean: h.mean,
  };
}
