// `tickwave sla`: runs the pipeline open loop as a config file says, with every stage timed, and
// writes the report (Markdown, JSON, a standalone HTML page and an HdrHistogram log) with each target
// judged; `tickwave sla merge` combines the histograms of several reports or logs (runs, processes)
// into one report. Exit code: 0 every target met, 1 a target violated, 3 targets met but a regression
// against --baseline, 2 bad options or config.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CommandOptions, OptionError } from './command-options.js';
import { readHistogramLog, mergeHistograms, writeHistogramLog } from './metrics/hdr-log.js';
import type { LatencyHistogram } from './metrics/histogram.js';
import { resolveSlaConfig, SlaConfigError, type SlaConfig } from './metrics/sla-config.js';
import { buildReport, exitCode, parseReport, reportHistograms, reportMarkdown, type PhaseResult, type SlaReport } from './metrics/sla-report.js';
import { reportHtml } from './metrics/sla-html.js';
import { STAGES, type Stage } from './runtime/stage-timing.js';

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const OPTIONS = ['--config', '--out', '--baseline', '--tolerance'];
const DEFAULT_OUT = 'sla-report';

/** The files of a report, written under `dir`. */
export const REPORT_FILES = { json: 'sla-report.json', md: 'sla-report.md', html: 'sla-report.html', log: 'sla-report.hlog' } as const;

function readText(file: string, option: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new OptionError(`${option}: cannot read ${file}: ${(e as Error).message}`);
  }
}

/** The config file, checked; a bad value names its place in the file. */
export function loadSlaConfig(file: string, tolerance?: number): SlaConfig {
  const text = readText(file, '--config');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new OptionError(`--config: ${file} is not JSON: ${(e as Error).message}`);
  }
  let cfg: SlaConfig;
  try {
    cfg = resolveSlaConfig(raw);
  } catch (e) {
    if (e instanceof SlaConfigError) throw new OptionError(`--config: ${file}: ${e.message}`);
    throw e;
  }
  if (tolerance !== undefined) cfg.regression.tolerance = tolerance;
  return cfg;
}

function loadBaseline(file: string | undefined): SlaReport | null {
  if (file === undefined) return null;
  try {
    return parseReport(readText(file, '--baseline'), file);
  } catch (e) {
    if (e instanceof RangeError) throw new OptionError(`--baseline: ${e.message}`);
    throw e;
  }
}

async function machineAndRevision(): Promise<{ machine: SlaReport['machine']; revision: string }> {
  const { machine, gitRevision } = await import('../bench/report.js');
  return { machine: machine(), revision: gitRevision() };
}

/** Writes the report's four files; returns their paths. */
export function writeReport(dir: string, report: SlaReport, span: { startMs: number; endMs: number }): string[] {
  mkdirSync(dir, { recursive: true });
  const hist = reportHistograms(report);
  const tagged = Object.fromEntries(STAGES.filter((s) => hist[s]).map((s) => [s, hist[s]!]));
  const files: [string, string][] = [
    [REPORT_FILES.json, JSON.stringify(report, null, 2) + '\n'],
    [REPORT_FILES.md, reportMarkdown(report)],
    [REPORT_FILES.html, reportHtml(report)],
    [REPORT_FILES.log, writeHistogramLog(tagged, span, `tickwave SLA report "${report.name}", revision ${report.revision}; values in ns, one tag per stage`)],
  ];
  return files.map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  });
}

function summary(io: Io, report: SlaReport, paths: string[]): number {
  // The Markdown report minus its title: the tables are what a terminal wants.
  io.out(reportMarkdown(report).split('\n').slice(2).join('\n'));
  io.out(`report: ${paths.join(', ')}`);
  const code = exitCode(report);
  if (code !== 0) io.err(`tickwave sla: ${report.pass ? `${report.regressions.length} regression(s) against the baseline` : `${report.targets.filter((t) => !t.pass).length} target(s) violated`}`);
  return code;
}

function parse(args: string[]): { given: CommandOptions; positional: string[] } {
  const positional: string[] = [];
  const named: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) positional.push(a);
    else if (a.includes('=')) named.push(a);
    else named.push(a, ...(i + 1 < args.length ? [args[++i]!] : []));
  }
  return { given: new CommandOptions(named, OPTIONS, 'sla'), positional };
}

export async function slaCommand(args: string[], io: Io): Promise<number> {
  try {
    const merging = args[0] === 'merge';
    const { given, positional } = parse(merging ? args.slice(1) : args);
    const tolerance = given.has('--tolerance') ? given.number('--tolerance', 0, (v) => v >= 0, 'a fraction of at least 0 (0.1: 10 % slower)') : undefined;
    const out = resolve(given.string('--out') ?? DEFAULT_OUT);
    const baseline = loadBaseline(given.string('--baseline'));
    if (merging) return await merge(positional, given, tolerance, baseline, out, io);
    if (positional.length) throw new OptionError(`unexpected argument "${positional[0]}" (did you mean \`tickwave sla merge\`?)`);
    const file = given.string('--config');
    if (file === undefined) throw new OptionError('--config <file> is required (see bench/sla.example.json)');
    const cfg = loadSlaConfig(file, tolerance);
    const total = cfg.phases.reduce((n, p) => n + Math.round(p.rate * p.seconds), 0);
    const seconds = cfg.phases.reduce((n, p) => n + p.seconds, 0);
    io.out(`tickwave sla: ${cfg.name}: ${cfg.phases.map((p) => `${p.rate.toLocaleString('en-US')}/s for ${p.seconds} s`).join(', ')} ` +
      `(${total.toLocaleString('en-US')} orders, ${seconds} s, after ${cfg.warmupOrders.toLocaleString('en-US')} warm-up orders), ${cfg.workers} worker(s), ${cfg.partitions} partitions`);
    const { runSla } = await import('./sla-run.js');
    const run = await runSla(cfg, (p) =>
      io.out(`  ${p.elapsedS.toFixed(0)} s: phase ${p.phase}/${p.phases} at ${p.rate.toLocaleString('en-US')}/s, ${p.sent.toLocaleString('en-US')} of ${p.total.toLocaleString('en-US')} orders sent, end-to-end p99 so far ${p.p99Us.toFixed(1)} µs`));
    const report = buildReport({
      config: cfg, stages: run.stages, phases: run.phases, outputs: run.outputs, source: `tickwave sla --config ${file}`, date: new Date(run.startMs).toISOString(), ...(await machineAndRevision()), baseline,
    });
    return summary(io, report, writeReport(out, report, run));
  } catch (e) {
    if (e instanceof OptionError) {
      io.err(`tickwave sla: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

/** Adds up the stage histograms of reports (.json) and histogram logs (any other file, tags = stages). */
async function merge(files: string[], given: CommandOptions, tolerance: number | undefined, baseline: SlaReport | null, out: string, io: Io): Promise<number> {
  if (files.length === 0) throw new OptionError('merge needs at least one report (.json) or histogram log (.hlog)');
  const parts = new Map<Stage, LatencyHistogram[]>();
  const add = (s: Stage, h: LatencyHistogram) => parts.set(s, [...(parts.get(s) ?? []), h]);
  let cfg: SlaConfig | null = null;
  const phases: PhaseResult[] = [];
  const outputs: Record<string, number> = {};
  for (const file of files) {
    const text = readText(file, 'merge');
    if (file.endsWith('.json')) {
      let r: SlaReport;
      try {
        r = parseReport(text, file);
      } catch (e) {
        throw new OptionError(`merge: ${(e as Error).message}`);
      }
      cfg ??= r.config;
      phases.push(...r.phases);
      for (const [k, n] of Object.entries(r.outputs ?? {})) outputs[k] = (outputs[k] ?? 0) + n;
      for (const [s, h] of Object.entries(reportHistograms(r))) add(s as Stage, h);
    } else {
      for (const [tag, h] of readHistogramLog(text)) {
        if (!(STAGES as readonly string[]).includes(tag)) throw new OptionError(`merge: ${file}: tag "${tag}" is not a stage (${STAGES.join(', ')})`);
        add(tag as Stage, h);
      }
    }
  }
  if (given.has('--config')) cfg = loadSlaConfig(given.string('--config')!, tolerance);
  else if (cfg === null) throw new OptionError('merge: with histogram logs only, --config <file> must give the targets');
  else if (tolerance !== undefined) cfg.regression.tolerance = tolerance;
  const stages: Partial<Record<Stage, LatencyHistogram>> = {};
  for (const [s, hs] of parts) stages[s] = mergeHistograms(hs);
  const now = Date.now();
  const report = buildReport({
    config: cfg, stages, phases, outputs, source: `tickwave sla merge ${files.join(' ')}`, date: new Date(now).toISOString(), ...(await machineAndRevision()), baseline,
  });
  io.out(`tickwave sla merge: ${files.length} file(s)`);
  return summary(io, report, writeReport(out, report, { startMs: now, endMs: now }));
}
