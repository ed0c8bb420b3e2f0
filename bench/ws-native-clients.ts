// The native client process of `tickwave bench ws` (bench/ws-clients.c): compiled with the system's C
// compiler on first use into build/, and driven over its stdin and stdout. Its latency buckets are
// merged into a tickwave latency histogram, so the report reads like every other benchmark's.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { latencyHistogram, percentiles, type Percentiles } from '../src/metrics/histogram.js';
import { packageRoot } from '../src/package-root.js';

export interface ClientReport {
  received: number;
  open: number;
  latency: Percentiles;
}

/** The compiled client, or why there is none (no C compiler, or it failed). */
export function nativeClientBinary(): { path: string } | { error: string } {
  const source = join(packageRoot(), 'bench', 'ws-clients.c');
  const binary = join(packageRoot(), 'build', 'ws-clients');
  if (!existsSync(source)) return { error: `${source} is missing` };
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return { path: binary };
  mkdirSync(join(packageRoot(), 'build'), { recursive: true });
  const cc = process.env.CC ?? 'cc';
  const made = spawnSync(cc, ['-O2', '-Wall', '-o', binary, source], { encoding: 'utf8' });
  if (made.error) return { error: `no C compiler (${cc}: ${made.error.message})` };
  if (made.status !== 0) return { error: `${cc} failed: ${made.stderr.trim()}` };
  return { path: binary };
}

/** Parses "report <received> <open> <max-ns> <value>:<count> ...": every bucket at its lowest value, then the exact max. */
export function parseReport(line: string): ClientReport {
  const [word, received, open, max, ...buckets] = line.split(' ');
  if (word !== 'report') throw new Error(`bench ws: the client process answered "${line.slice(0, 80)}" to report`);
  const h = latencyHistogram();
  const maxNs = Number(max);
  let maxHeld = false;
  for (const b of buckets) {
    const [value, count] = b.split(':').map(Number) as [number, number];
    // The max's own bucket gives one count to the exact max, so the histogram's max is exact.
    const width = value < 2048 ? 1 : 2 ** (Math.floor(Math.log2(value)) - 10);
    const holdsMax = !maxHeld && maxNs >= value && maxNs < value + width;
    if (holdsMax) maxHeld = true;
    const n = holdsMax ? count - 1 : count;
    if (n > 0) h.recordValueWithCount(value, n);
  }
  if (maxNs > 0) h.recordValue(maxNs);
  return { received: Number(received), open: Number(open), latency: percentiles(h) };
}

/** N clients in the native process: connected when start() resolves. */
export class NativeClients {
  private readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private waiting: ((line: string) => void) | null = null;
  private failed = '';

  private constructor(child: ChildProcess) {
    this.child = child;
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const w = this.waiting;
      this.waiting = null;
      if (w) w(l);
      else this.lines.push(l);
    });
    child.stderr!.on('data', (d: Buffer) => (this.failed += d.toString()));
    child.on('exit', (code) => {
      const w = this.waiting;
      this.waiting = null;
      w?.(`exit ${code}: ${this.failed.trim()}`);
    });
  }

  static async start(binary: string, port: number, path: string, clients: number, tsOffset: number): Promise<NativeClients> {
    const child = spawn(binary, [String(port), path, String(clients), String(tsOffset)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const c = new NativeClients(child);
    const first = await c.next();
    if (first !== `connected ${clients}`) throw new Error(`bench ws: the client process did not connect ${clients} clients: ${first}`);
    return c;
  }

  private next(): Promise<string> {
    const l = this.lines.shift();
    return l !== undefined ? Promise.resolve(l) : new Promise((resolve) => (this.waiting = resolve));
  }

  private async ask(cmd: string): Promise<string> {
    this.child.stdin!.write(`${cmd}\n`);
    return this.next();
  }

  async reset(): Promise<void> {
    const l = await this.ask('reset');
    if (l !== 'reset') throw new Error(`bench ws: the client process answered "${l}" to reset`);
  }

  async report(): Promise<ClientReport> {
    return parseReport(await this.ask('report'));
  }

  async exit(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.stdin!.write('exit\n');
    await gone;
  }
}
