// Histograms leave and re-enter tickwave in HdrHistogram's forms without losing a count: compressed
// base64 (what reports embed and workers ship) and histogram logs (.hlog), and merging adds bucket by
// bucket.
import { describe, expect, test } from 'vitest';
import type { JsHistogram } from 'hdr-histogram-js';
import { decodeHistogram, encodeHistogram, mergeHistograms, readHistogramLog, writeHistogramLog } from '../../src/metrics/hdr-log.js';
import type { LatencyHistogram } from '../../src/metrics/histogram.js';
import { highestEquivalent, histogramOf, latencies } from './fixtures.js';

/** [highest value of the bucket, count] for every non-empty bucket. */
function buckets(h: LatencyHistogram): [number, number][] {
  const it = (h as JsHistogram).recordedValuesIterator;
  it.reset();
  const out: [number, number][] = [];
  while (it.hasNext()) {
    const v = it.next();
    out.push([v.valueIteratedTo, v.countAtValueIteratedTo]);
  }
  return out;
}

/** The same, worked out from the values themselves. */
function bucketsOf(values: readonly number[]): [number, number][] {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(highestEquivalent(v), (counts.get(highestEquivalent(v)) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => a[0] - b[0]);
}

describe('histogram export and import', () => {
  test('the buckets of a recording are those of its values', () => {
    const values = latencies(20_000, 4);
    expect(buckets(histogramOf(values))).toEqual(bucketsOf(values));
  });

  test('compressed base64 round-trips every bucket count exactly', () => {
    const values = latencies(20_000, 5);
    const back = decodeHistogram(encodeHistogram(histogramOf(values)));
    expect(back.totalCount).toBe(20_000);
    expect(buckets(back)).toEqual(bucketsOf(values));
  });

  test('a histogram log keeps one histogram per tag, and intervals of the same tag add up', () => {
    const a = latencies(3_000, 6);
    const b = latencies(2_000, 7);
    const c = latencies(1_000, 8);
    const log1 = writeHistogramLog({ ring_hop: histogramOf(a), egress: histogramOf(b) }, { startMs: 1_767_000_000_000, endMs: 1_767_000_010_000 });
    const log2 = writeHistogramLog({ ring_hop: histogramOf(c) }, { startMs: 1_767_000_010_000, endMs: 1_767_000_020_000 });
    expect(log1).toContain('Tag=ring_hop,0.000,10.000,');
    const read = readHistogramLog(log1 + log2);
    expect([...read.keys()].sort()).toEqual(['egress', 'ring_hop']);
    expect(buckets(read.get('ring_hop')!)).toEqual(bucketsOf([...a, ...c]));
    expect(buckets(read.get('egress')!)).toEqual(bucketsOf(b));
  });

  test('merging adds the counts bucket by bucket', () => {
    const a = latencies(4_000, 10);
    const b = latencies(6_000, 11);
    const merged = mergeHistograms([decodeHistogram(encodeHistogram(histogramOf(a))), histogramOf(b)]);
    expect(merged.totalCount).toBe(10_000);
    expect(buckets(merged)).toEqual(bucketsOf([...a, ...b]));
  });

  test('something that is not a histogram is refused with a reason', () => {
    expect(() => decodeHistogram('bm90IGEgaGlzdG9ncmFt')).toThrow(/^not a compressed base64 HdrHistogram: /);
  });
});
