// An SLA report: each stage's latency percentiles with its whole histogram embedded (compressed base64,
// so reports from several runs or processes merge exactly), each target judged pass or fail, and the
// regressions against a baseline report. Written as JSON (the data) and Markdown (for people); the
// HTML page is sla-html.ts.
import { percentiles, type LatencyHistogram, type Percentiles } from './histogram.js';
import { decodeHistogram, encodeHistogram } from './hdr-log.js';
import type { SlaConfig, SlaRegression, SlaTarget } from './sla-config.js';
import { STAGES, type Stage } from '../runtime/stage-timing.js';

export const REPORT_KIND = 'tickwave-sla-report';

/** Percentiles in ns, and the histogram they came from. */
export interface StageReport extends Percentiles {
  histogram: string;
}

export interface TargetResult extends SlaTarget {
  /** The stage's latency at the target's percentile, µs; null when the stage recorded nothing. */
  actualUs: number | null;
  pass: boolean;
}

export interface Regression {
  stage: Stage;
  percentile: number;
  baselineUs: number;
  currentUs: number;
  /** (current - baseline) / baseline. */
  change: number;
}

export interface PhaseResult {
  rate: number;
  seconds: number;
  orders: number;
  /** How far the sender fell behind its schedule at worst (the stall then counts in every latency). */
  maxBehindMs: number;
}

export interface SlaReport {
  kind: typeof REPORT_KIND;
  format: 1;
  name: string;
  date: string;
  revision: string;
  machine: { cores: number; cpu: string; node: string; platform: string };
  /** What produced it: the command line, or the reports merged. */
  source: string;
  config: SlaConfig;
  /** The load that was run (absent for a merge of reports). */
  phases: PhaseResult[];
  /** Outputs of the recorded load, by message type. */
  outputs: Record<string, number>;
  stages: Partial<Record<Stage, StageReport>>;
  targets: TargetResult[];
  baseline: { source: string; date: string; revision: string } | null;
  regressions: Regression[];
  /** Every target met. */
  pass: boolean;
}

/** Exit codes of `tickwave sla`: every target met and nothing regressed, a target violated, a regression. */
export const EXIT = { OK: 0, VIOLATED: 1, REGRESSED: 3 } as const;

const toUs = (ns: number): number => ns / 1000;

export function evaluateTargets(stages: Partial<Record<Stage, LatencyHistogram>>, targets: readonly SlaTarget[]): TargetResult[] {
  return targets.map((t) => {
    const h = stages[t.stage];
    if (h === undefined || h.totalCount === 0) return { ...t, actualUs: null, pass: false };
    const actualUs = toUs(h.getValueAtPercentile(t.percentile));
    return { ...t, actualUs, pass: actualUs <= t.maxUs };
  });
}

/** The percentiles of `current` that exceed the baseline's by more than the tolerance (and minDeltaUs). */
export function findRegressions(
  current: Partial<Record<Stage, LatencyHistogram>>,
  baseline: Partial<Record<Stage, LatencyHistogram>>,
  rule: SlaRegression,
): Regression[] {
  const out: Regression[] = [];
  for (const stage of STAGES) {
    const cur = current[stage];
    const base = baseline[stage];
    if (!cur || !base || cur.totalCount === 0 || base.totalCount === 0) continue;
    for (const percentile of rule.percentiles) {
      const currentUs = toUs(cur.getValueAtPercentile(percentile));
      const baselineUs = toUs(base.getValueAtPercentile(percentile));
      if (currentUs > baselineUs * (1 + rule.tolerance) && currentUs - baselineUs > rule.minDeltaUs) {
        out.push({ stage, percentile, baselineUs, currentUs, change: (currentUs - baselineUs) / baselineUs });
      }
    }
  }
  return out;
}

export interface ReportInput {
  config: SlaConfig;
  stages: Partial<Record<Stage, LatencyHistogram>>;
  phases: PhaseResult[];
  outputs: Record<string, number>;
  source: string;
  date: string;
  revision: string;
  machine: SlaReport['machine'];
  baseline?: SlaReport | null;
}

export function buildReport(r: ReportInput): SlaReport {
  const stages: Partial<Record<Stage, StageReport>> = {};
  for (const s of STAGES) {
    const h = r.stages[s];
    if (h) stages[s] = { ...percentiles(h), histogram: encodeHistogram(h) };
  }
  const targets = evaluateTargets(r.stages, r.config.targets);
  const base = r.baseline ?? null;
  return {
    kind: REPORT_KIND,
    format: 1,
    name: r.config.name,
    date: r.date,
    revision: r.revision,
    machine: r.machine,
    source: r.source,
    config: r.config,
    phases: r.phases,
    outputs: r.outputs,
    stages,
    targets,
    baseline: base && { source: base.source, date: base.date, revision: base.revision },
    regressions: base ? findRegressions(r.stages, reportHistograms(base), r.config.regression) : [],
    pass: targets.every((t) => t.pass),
  };
}

export function exitCode(r: SlaReport): number {
  if (!r.pass) return EXIT.VIOLATED;
  return r.regressions.length > 0 ? EXIT.REGRESSED : EXIT.OK;
}

/** A report read back from its JSON; `file` names it in errors. */
export function parseReport(text: string, file: string): SlaReport {
  let r: unknown;
  try {
    r = JSON.parse(text);
  } catch (e) {
    throw new RangeError(`${file} is not JSON: ${(e as Error).message}`);
  }
  if ((r as SlaReport | null)?.kind !== REPORT_KIND || typeof (r as SlaReport).stages !== 'object') {
    throw new RangeError(`${file} is not a tickwave SLA report (its "kind" is not "${REPORT_KIND}")`);
  }
  return r as SlaReport;
}

/** Each stage's histogram, decoded from a report. */
export function reportHistograms(r: SlaReport): Partial<Record<Stage, LatencyHistogram>> {
  const out: Partial<Record<Stage, LatencyHistogram>> = {};
  for (const s of STAGES) {
    const st = r.stages[s];
    if (st) out[s] = decodeHistogram(st.histogram);
  }
  return out;
}

/** What each stage measures, for the reports. */
export const STAGE_ABOUT: Record<Stage, string> = {
  ingress: 'planned send time -> in the worker\'s ring (main thread)',
  ring_hop: 'in the ring -> taken by the worker',
  risk_check: 'an order in the trade engine\'s account stage (pre-trade risk, decision out)',
  matching: 'an order in the trade engine\'s symbol stage (book, exec reports out)',
  egress: 'an output written by a worker -> received on the main thread',
  risk_decision: 'planned send time -> risk decision received (end to end)',
  end_to_end: 'planned send time -> exec report received (end to end)',
};

export const fmtUs = (us: number): string => (us >= 100 ? us.toFixed(0) : us >= 10 ? us.toFixed(1) : us.toFixed(2));
const pct = (p: number): string => `p${p}`;

export function reportMarkdown(r: SlaReport): string {
  const out = [`# ${r.name}`, ''];
  out.push(`${r.date.slice(0, 19).replace('T', ' ')} UTC, revision ${r.revision}, ${r.machine.cores} cores, ${r.machine.cpu}, Node ${r.machine.node}`, '');
  out.push(`\`${r.source}\``, '');
  out.push(`**${r.pass ? 'PASS' : 'FAIL'}**: ${r.targets.filter((t) => t.pass).length} of ${r.targets.length} targets met` +
    (r.baseline ? `; ${r.regressions.length} regression${r.regressions.length === 1 ? '' : 's'} against ${r.baseline.source} (revision ${r.baseline.revision})` : ''), '');
  if (r.phases.length) {
    out.push('| phase | orders/s | seconds | orders | sender behind ms |', '|---:|---:|---:|---:|---:|');
    r.phases.forEach((p, i) => out.push(`| ${i + 1} | ${p.rate.toLocaleString('en-US')} | ${p.seconds} | ${p.orders.toLocaleString('en-US')} | ${p.maxBehindMs.toFixed(1)} |`));
    out.push('');
    out.push(`Outputs: ${Object.entries(r.outputs).map(([k, n]) => `${n.toLocaleString('en-US')} ${k}`).join(', ') || 'none'}.`, '');
  }
  out.push('| stage | count | p50 µs | p90 µs | p99 µs | p99.9 µs | p99.99 µs | max µs | measures |', '|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const s of STAGES) {
    const st = r.stages[s];
    if (!st) continue;
    const cells = [st.p50, st.p90, st.p99, st.p999, st.p9999, st.max].map((v) => fmtUs(toUs(v)));
    out.push(`| ${s} | ${st.count.toLocaleString('en-US')} | ${cells.join(' | ')} | ${STAGE_ABOUT[s]} |`);
  }
  out.push('');
  if (r.targets.length) {
    out.push('| target | limit µs | actual µs | result |', '|---|---:|---:|---|');
    for (const t of r.targets) {
      out.push(`| ${t.stage} ${pct(t.percentile)} | ${t.maxUs} | ${t.actualUs === null ? 'no samples' : fmtUs(t.actualUs)} | ${t.pass ? 'pass' : '**FAIL**'} |`);
    }
    out.push('');
  }
  if (r.baseline) {
    const tol = r.config.regression;
    out.push(`Regressions: a percentile more than ${(tol.tolerance * 100).toFixed(0)} % (and ${tol.minDeltaUs} µs) above the baseline's.`, '');
    if (r.regressions.length) {
      out.push('| stage | percentile | baseline µs | now µs | change |', '|---|---:|---:|---:|---:|');
      for (const g of r.regressions) out.push(`| ${g.stage} | ${pct(g.percentile)} | ${fmtUs(g.baselineUs)} | ${fmtUs(g.currentUs)} | +${(g.change * 100).toFixed(1)} % |`);
    } else out.push('None.');
    out.push('');
  }
  out.push('Latencies count from each order\'s planned send time (open loop), so a stall of the sender, a ring or a worker shows in them.', '');
  return out.join('\n');
}
