// The report's percentiles and target verdicts are those of the recorded values, computed here
// independently: sort the values, take the value at each percentile's rank, and widen it to the top
// of its HDR bucket (3 significant digits), as HdrHistogram reports a percentile, but never above the
// exact maximum.
import { describe, expect, test } from 'vitest';
import { evaluateTargets, reportMarkdown } from '../../src/metrics/sla-report.js';
import { config, highestEquivalent, histogramOf, latencies, reportOf, sortedPercentile } from './fixtures.js';

describe('SLA report percentiles', () => {
  test('the bucketing by hand agrees with a few values worked out on paper', () => {
    expect([1, 2047, 2048, 2049, 4095, 4096, 4099, 1_000_000].map(highestEquivalent)).toEqual([1, 2047, 2049, 2049, 4095, 4099, 4099, 1_000_447]);
  });

  for (const seed of [1, 2, 3]) {
    test(`every stage's percentiles equal the sorted values' (seed ${seed})`, () => {
      const values = latencies(12_345, seed);
      const sorted = [...values].sort((a, b) => a - b);
      const report = reportOf({ ring_hop: histogramOf(values) }, config());
      const st = report.stages.ring_hop!;
      const at = (num: number, den: number) => Math.min(highestEquivalent(sortedPercentile(sorted, num, den)), sorted[sorted.length - 1]!);
      expect({ count: st.count, min: st.min, p50: st.p50, p90: st.p90, p99: st.p99, p999: st.p999, p9999: st.p9999, max: st.max }).toEqual({
        count: 12_345,
        min: sorted[0],
        p50: at(50, 100),
        p90: at(90, 100),
        p99: at(99, 100),
        p999: at(999, 1000),
        p9999: at(9999, 10000),
        max: sorted[sorted.length - 1],
      });
      expect(st.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, -3);
    });
  }

  test('a target is judged on the value at its percentile: at the limit passes, a nanosecond under fails', () => {
    const values = latencies(5_000, 9);
    const sorted = [...values].sort((a, b) => a - b);
    const p99 = highestEquivalent(sortedPercentile(sorted, 99, 100));
    const p999 = highestEquivalent(sortedPercentile(sorted, 999, 1000));
    const h = { risk_check: histogramOf(values) };
    const targets = [
      { stage: 'risk_check' as const, percentile: 99, maxUs: p99 / 1000 },
      { stage: 'risk_check' as const, percentile: 99, maxUs: (p99 - 1) / 1000 },
      { stage: 'risk_check' as const, percentile: 99.9, maxUs: p999 / 1000 },
      { stage: 'matching' as const, percentile: 50, maxUs: 1e9 },
    ];
    expect(evaluateTargets(h, targets)).toEqual([
      { ...targets[0], actualUs: p99 / 1000, pass: true },
      { ...targets[1], actualUs: p99 / 1000, pass: false },
      { ...targets[2], actualUs: p999 / 1000, pass: true },
      // A stage that recorded nothing cannot meet a target.
      { ...targets[3], actualUs: null, pass: false },
    ]);
  });

  test('the Markdown report lists each stage and target with those values', () => {
    const values = [1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000, 8_000, 9_000, 1_000_000];
    const cfg = config({ name: 'paper', targets: [{ stage: 'egress', percentile: 90, maxUs: 9 }, { stage: 'egress', percentile: 100, maxUs: 100 }] });
    const md = reportMarkdown(reportOf({ egress: histogramOf(values) }, cfg));
    // p50: the 5th value, 5000, in a bucket 4 wide -> 5003 ns; p90: 9000, 8 wide -> 9007 ns; p99 to
    // p99.99: the 10th, 1,000,000 -> 1,000,447 ns (shown in whole µs); max: 1,000,000 ns.
    expect(md).toContain('| egress | 10 | 5.00 | 9.01 | 1000 | 1000 | 1000 | 1000 |');
    expect(md).toContain('| egress p90 | 9 | 9.01 | **FAIL** |');
    expect(md).toContain('| egress p100 | 100 | 1000 | **FAIL** |');
    expect(md).toContain('**FAIL**: 0 of 2 targets met');
  });
});
