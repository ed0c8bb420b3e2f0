// A report compared with a baseline flags each percentile that got slower beyond the tolerance (and
// the absolute floor), with both values; the command then exits 3. Reports and logs merge into one.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { writeHistogramLog } from '../../src/metrics/hdr-log.js';
import { exitCode, findRegressions, parseReport, reportHistograms } from '../../src/metrics/sla-report.js';
import { config, highestEquivalent, histogramOf, latencies, reportOf, sortedPercentile, tickwave } from './fixtures.js';

const us = (sorted: number[], num: number, den: number) => highestEquivalent(sortedPercentile(sorted, num, den)) / 1000;

describe('regressions against a baseline', () => {
  const base = latencies(10_000, 21);
  // The same run 30 % slower above 10 µs; below that, unchanged.
  const slower = base.map((v) => (v > 10_000 ? Math.round(v * 1.3) : v));
  const sb = [...base].sort((a, b) => a - b);
  const ss = [...slower].sort((a, b) => a - b);

  test('each compared percentile beyond the tolerance is flagged with its values', () => {
    const cfg = config({ regression: { tolerance: 0.2, minDeltaUs: 0, percentiles: [50, 99, 99.9] } });
    const baseline = reportOf({ end_to_end: histogramOf(base), matching: histogramOf(base) }, cfg);
    const now = reportOf({ end_to_end: histogramOf(slower), matching: histogramOf(base) }, cfg, baseline);
    const expected = ([[50, 100], [99, 100], [999, 1000]] as const)
      .map(([num, den]) => ({ stage: 'end_to_end', percentile: (num * 100) / den, baselineUs: us(sb, num, den), currentUs: us(ss, num, den) }))
      .map((r) => ({ ...r, change: (r.currentUs - r.baselineUs) / r.baselineUs }));
    // Even the median is above 10 µs, so all three got about 30 % slower (HDR's buckets move it a little);
    // matching did not change.
    for (const r of expected) expect(r.change).toBeGreaterThan(0.28);
    expect(now.regressions).toEqual(expected);
    expect(now.pass).toBe(true);
    expect(exitCode(now)).toBe(3);
    expect(now.baseline).toEqual({ source: 'test', date: '2026-01-01T00:00:00.000Z', revision: 'test' });
  });

  test('within the tolerance, or under the absolute floor, nothing is flagged', () => {
    const loose = config({ regression: { tolerance: 0.35 } });
    const baseline = reportOf({ end_to_end: histogramOf(base) }, loose);
    expect(reportOf({ end_to_end: histogramOf(slower) }, loose, baseline).regressions).toEqual([]);
    const floor = { tolerance: 0.2, minDeltaUs: 1e6, percentiles: [99] };
    expect(findRegressions({ end_to_end: histogramOf(slower) }, { end_to_end: histogramOf(base) }, floor)).toEqual([]);
    expect(exitCode(reportOf({ end_to_end: histogramOf(slower) }, loose, baseline))).toBe(0);
  });

  test('sla merge with --baseline writes a report that flags them, and exits 3', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickwave-sla-'));
    const cfg = config({ targets: [{ stage: 'end_to_end', percentile: 50, maxUs: 1e6 }], regression: { tolerance: 0.2, minDeltaUs: 0, percentiles: [99] } });
    writeFileSync(join(dir, 'base.json'), JSON.stringify(reportOf({ end_to_end: histogramOf(base) }, cfg)));
    // The slower run recorded by two processes, half each, as histogram logs.
    const half = slower.length / 2;
    writeFileSync(join(dir, 'a.hlog'), writeHistogramLog({ end_to_end: histogramOf(slower.slice(0, half)) }, { startMs: 0, endMs: 1000 }));
    writeFileSync(join(dir, 'b.hlog'), writeHistogramLog({ end_to_end: histogramOf(slower.slice(half)) }, { startMs: 0, endMs: 1000 }));
    const cfgFile = join(dir, 'sla.json');
    writeFileSync(cfgFile, JSON.stringify({ phases: [{ rate: 1000, seconds: 1 }], targets: cfg.targets, regression: cfg.regression }));
    const r = await tickwave('sla', 'merge', join(dir, 'a.hlog'), join(dir, 'b.hlog'), '--config', cfgFile, '--baseline', join(dir, 'base.json'), '--out', join(dir, 'out'));
    expect(r.err).toBe('tickwave sla: 1 regression(s) against the baseline');
    expect(r.code).toBe(3);
    const merged = parseReport(readFileSync(join(dir, 'out', 'sla-report.json'), 'utf8'), 'merged');
    expect(merged.stages.end_to_end!.count).toBe(10_000);
    expect(merged.stages.end_to_end!.p99).toBe(highestEquivalent(sortedPercentile(ss, 99, 100)));
    expect(merged.regressions).toEqual([{ stage: 'end_to_end', percentile: 99, baselineUs: us(sb, 99, 100), currentUs: us(ss, 99, 100), change: (us(ss, 99, 100) - us(sb, 99, 100)) / us(sb, 99, 100) }]);
    expect(readFileSync(join(dir, 'out', 'sla-report.md'), 'utf8')).toContain(`| end_to_end | p99 |`);
    // Merging the merged report with the baseline report adds their histograms.
    const r2 = await tickwave('sla', 'merge', join(dir, 'out', 'sla-report.json'), join(dir, 'base.json'), '--out', join(dir, 'out2'));
    expect(r2.code).toBe(0);
    const both = reportHistograms(parseReport(readFileSync(join(dir, 'out2', 'sla-report.json'), 'utf8'), 'both'));
    expect(both.end_to_end!.totalCount).toBe(20_000);
    expect(both.end_to_end!.getValueAtPercentile(50)).toBe(highestEquivalent(sortedPercentile([...base, ...slower].sort((a, b) => a - b), 50, 100)));
  });
});
