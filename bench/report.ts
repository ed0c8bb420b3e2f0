// Where benchmark results go: bench/results/<name>.json with the machine and git revision, and
// bench/RESULTS.md regenerated from every results file (never edited by hand).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/package-root.js';

export interface BenchRecord {
  name: string;
  command: string;
  date: string;
  revision: string;
  machine: { cores: number; cpu: string; node: string; platform: string };
  /** Markdown table of the run, as printed. */
  table: string;
  /** Notes printed under the table. */
  notes: string[];
  summary: Record<string, number>;
}

export function gitRevision(): string {
  try {
    const rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: packageRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: packageRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${rev}+changes` : rev;
  } catch {
    return 'unknown';
  }
}

/** CPU time the hypervisor gave to other guests, in ms, summed over CPUs (Linux /proc/stat; 0 elsewhere). */
export function stolenMs(): number {
  if (!existsSync('/proc/stat')) return 0;
  const ticks = Number(readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/)[8] ?? 0);
  return ticks * 10; // USER_HZ = 100
}

export function machine(): BenchRecord['machine'] {
  return { cores: availableParallelism(), cpu: cpus()[0]?.model.trim() ?? 'unknown', node: process.version, platform: `${process.platform}-${process.arch}` };
}

export function saveRecord(record: Omit<BenchRecord, 'date' | 'revision' | 'machine'>): BenchRecord {
  const full: BenchRecord = { ...record, date: new Date().toISOString(), revision: gitRevision(), machine: machine() };
  const dir = join(packageRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${record.name}.json`), JSON.stringify(full, null, 2) + '\n');
  writeResultsPage();
  return full;
}

/** Regenerates bench/RESULTS.md from bench/results/*.json. */
export function writeResultsPage(): void {
  const dir = join(packageRoot(), 'bench', 'results');
  const records = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as BenchRecord);
  const out = [
    '# tickwave benchmark results',
    '',
    'Generated from `bench/results/*.json` by `tickwave bench`; do not edit by hand. Timings on a shared',
    '2-core machine are noisy: read the ratios (measured in the same run) before the absolute numbers.',
    '',
  ];
  for (const r of records) {
    out.push(`## ${r.name}`, '', `\`${r.command}\``, '');
    out.push(`${r.date.slice(0, 16).replace('T', ' ')} UTC, revision ${r.revision}, ${r.machine.cores} cores, ${r.machine.cpu}, Node ${r.machine.node}`, '');
    out.push(r.table, '');
    for (const n of r.notes) out.push(`- ${n}`);
    if (r.notes.length) out.push('');
  }
  writeFileSync(join(packageRoot(), 'bench', 'RESULTS.md'), out.join('\n'));
}
