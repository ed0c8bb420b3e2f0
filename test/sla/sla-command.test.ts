// `tickwave sla` end to end: the pipeline run open loop with every stage timed (each stage counts
// exactly the frames, orders or outputs it should), a violated target exits 1 and a met one 0, the
// report files are written, and a bad config or option is refused with exit 2 naming it.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { streamFrames } from '../../bench/pipeline.bench.js';
import { parseReport, type SlaReport } from '../../src/metrics/sla-report.js';
import { tickwave } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'tickwave-sla-run-'));
function configFile(name: string, cfg: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof cfg === 'string' ? cfg : JSON.stringify(cfg));
  return file;
}

// 400 orders at 400/s then 600 at 1,200/s, after 200 warm-up orders: small enough for a shared machine.
const LOAD = { workers: 1, partitions: 4, seed: 5, warmupOrders: 200, phases: [{ rate: 400, seconds: 1 }, { rate: 1200, seconds: 0.5 }] };

describe('tickwave sla', () => {
  let failed: { code: number; out: string; err: string };
  let report: SlaReport;
  beforeAll(async () => {
    const cfg = configFile('fail.json', { ...LOAD, name: 'impossible', targets: [{ stage: 'risk_check', percentile: 50, maxUs: 0.001 }, { stage: 'end_to_end', percentile: 99, maxUs: 60_000_000 }] });
    failed = await tickwave('sla', '--config', cfg, '--out', join(dir, 'fail'));
    report = parseReport(readFileSync(join(dir, 'fail', 'sla-report.json'), 'utf8'), 'report');
  });

  test('a violated target exits 1 and says so; the met one passes', () => {
    expect(failed.err).toBe('tickwave sla: 1 target(s) violated');
    expect(failed.code).toBe(1);
    expect(report.pass).toBe(false);
    expect(report.targets.map((t) => t.pass)).toEqual([false, true]);
    expect(failed.out).toContain('| risk_check p50 | 0.001 |');
    expect(failed.out).toMatch(/report: .*sla-report\.json, .*sla-report\.md, .*sla-report\.html, .*sla-report\.hlog/);
  });

  test('each stage counts what passed through it, warm-up left out', () => {
    // The frames of the recorded orders: from the first after the warm-up to the last order (the
    // quote or cancel after the last order is never due).
    const { isOrder } = streamFrames(LOAD.warmupOrders + 1000, LOAD.seed);
    const orderIndexes = [...isOrder.keys()].filter((i) => isOrder[i] === 1);
    const firstRecorded = orderIndexes[LOAD.warmupOrders - 1]! + 1;
    const lastOrder = orderIndexes[orderIndexes.length - 1]!;
    const frames = lastOrder - firstRecorded + 1;
    const s = report.stages;
    expect({ ingress: s.ingress!.count, ring_hop: s.ring_hop!.count, risk_check: s.risk_check!.count, risk_decision: s.risk_decision!.count }).toEqual({
      ingress: frames, ring_hop: frames, risk_check: 1000, risk_decision: 1000,
    });
    // Every output of the recorded load passes egress once; each exec report is timed end to end.
    expect(s.egress!.count).toBe(Object.values(report.outputs).reduce((a, b) => a + b, 0));
    expect(report.outputs.RiskDecision).toBe(1000);
    expect(s.end_to_end!.count).toBe(report.outputs.ExecReport);
    // Each accepted order is matched once: at most every order, and some cross.
    expect(s.matching!.count).toBeLessThanOrEqual(1000);
    expect(s.matching!.count).toBeGreaterThan(0);
    expect(report.phases.map((p) => [p.rate, p.seconds, p.orders])).toEqual([[400, 1, 400], [1200, 0.5, 600]]);
  });

  test('met targets exit 0', async () => {
    const cfg = configFile('pass.json', { ...LOAD, phases: [{ rate: 500, seconds: 0.5 }], targets: [{ stage: 'end_to_end', percentile: 50, maxUs: 60_000_000 }] });
    const r = await tickwave('sla', '--config', cfg, '--out', join(dir, 'pass'));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('**PASS**: 1 of 1 targets met');
  });

  const bad: [string, unknown, string][] = [
    ['a rate that is not a number', { phases: [{ rate: 'fast', seconds: 1 }] }, 'phases[0].rate must be orders per second above 0 (at most 1,000,000), got "fast"'],
    ['no phases', { phases: [] }, 'phases must be a non-empty array, got []'],
    ['an unknown stage', { phases: [{ rate: 1, seconds: 1 }], targets: [{ stage: 'network', percentile: 99, maxUs: 5 }] }, 'targets[0].stage must be one of ingress, ring_hop, risk_check, matching, egress, risk_decision, end_to_end, got "network"'],
    ['a percentile above 100', { phases: [{ rate: 1, seconds: 1 }], targets: [{ stage: 'egress', percentile: 101, maxUs: 5 }] }, 'targets[0].percentile must be a percentile above 0 and at most 100, got 101'],
    ['an unknown option', { phases: [{ rate: 1, seconds: 1 }], duration: 5 }, 'duration is not an option (known: name, workers, partitions, seed, warmupOrders, phases, targets, regression, pipeline)'],
    ['a negative tolerance', { phases: [{ rate: 1, seconds: 1 }], regression: { tolerance: -1 } }, 'regression.tolerance must be a fraction of at least 0 (0.1: 10 % slower), got -1'],
    ['too many orders', { phases: [{ rate: 1_000_000, seconds: 3 }] }, 'phases: rate x seconds add up to 3,000,000 orders; one run sends at most 2,000,000'],
  ];
  for (const [what, cfg, message] of bad) {
    test(`a config with ${what} is refused, naming it`, async () => {
      const file = configFile('bad.json', cfg);
      expect(await tickwave('sla', '--config', file)).toEqual({ code: 2, out: '', err: `tickwave sla: --config: ${file}: ${message}` });
    });
  }

  test('bad options and files are refused, naming them', async () => {
    expect(await tickwave('sla')).toEqual({ code: 2, out: '', err: 'tickwave sla: --config <file> is required (see bench/sla.example.json)' });
    expect((await tickwave('sla', '--config', join(dir, 'missing.json'))).err).toMatch(/^tickwave sla: --config: cannot read .*missing\.json: /);
    const notJson = configFile('not.json', '{ phases: ');
    expect((await tickwave('sla', '--config', notJson)).err).toMatch(/^tickwave sla: --config: .*not\.json is not JSON: /);
    expect((await tickwave('sla', '--config', notJson, '--rate', '5')).err).toBe('tickwave sla: unknown option "--rate" for sla (allowed: --config, --out, --baseline, --tolerance)');
    expect((await tickwave('sla', '--baseline', notJson, '--config', notJson)).err).toMatch(/^tickwave sla: --baseline: .*not\.json is not JSON/);
    expect((await tickwave('sla', 'merge')).err).toBe('tickwave sla: merge needs at least one report (.json) or histogram log (.hlog)');
  });
});
