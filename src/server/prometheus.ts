// The Prometheus text exposition format (version 0.0.4) for /metrics: counters end in _total, sizes
// in _bytes, latencies are histograms in seconds whose cumulative buckets are read straight from the
// runtime's HdrHistograms, so a scrape costs one pass over each histogram and nothing on the hot path.
import type { JsHistogram } from 'hdr-histogram-js';
import type { LatencyHistogram } from '../metrics/histogram.js';

export type MetricType = 'counter' | 'gauge' | 'histogram';
export type Labels = Record<string, string | number>;

/** Latency bucket upper bounds, seconds: 1 µs to 10 s. */
export const LATENCY_BUCKETS_S = [
  1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function labelText(labels: Labels | undefined, extra?: [string, string]): string {
  const parts = Object.entries(labels ?? {}).map(([k, v]) => `${k}="${escapeLabel(String(v))}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

const num = (v: number): string => (Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN');

/**
 * Cumulative counts of a nanosecond HdrHistogram at each bound (seconds): a value counts under a
 * bound when its whole equivalence range lies at or below it, so no bucket ever over-counts.
 */
export function cumulativeBuckets(h: LatencyHistogram, boundsS: readonly number[]): number[] {
  const js = h as unknown as JsHistogram;
  const out = new Array<number>(boundsS.length).fill(0);
  const total = h.totalCount;
  let seen = 0;
  for (let i = 0; i < js.countsArrayLength && seen < total; i++) {
    const c = js.getCountAtIndex(i);
    if (c === 0) continue;
    seen += c;
    const topS = js.highestEquivalentValue(js.valueFromIndex(i)) / 1e9;
    for (let b = 0; b < boundsS.length; b++) if (topS <= boundsS[b]!) out[b]! += c;
  }
  return out;
}

/** Builds one exposition: each metric family once, with its HELP and TYPE. */
export class PrometheusText {
  private readonly lines: string[] = [];
  private readonly families = new Set<string>();

  private family(name: string, type: MetricType, help: string): void {
    if (this.families.has(name)) return;
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`not a Prometheus metric name: ${name}`);
    this.families.add(name);
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
  }

  counter(name: string, help: string, value: number, labels?: Labels): this {
    this.family(name, 'counter', help);
    this.lines.push(`${name}${labelText(labels)} ${num(value)}`);
    return this;
  }

  gauge(name: string, help: string, value: number, labels?: Labels): this {
    this.family(name, 'gauge', help);
    this.lines.push(`${name}${labelText(labels)} ${num(value)}`);
    return this;
  }

  /** A nanosecond HdrHistogram as a Prometheus histogram in seconds. */
  latency(name: string, help: string, h: LatencyHistogram, labels?: Labels): this {
    this.family(name, 'histogram', help);
    const counts = cumulativeBuckets(h, LATENCY_BUCKETS_S);
    LATENCY_BUCKETS_S.forEach((le, i) => this.lines.push(`${name}_bucket${labelText(labels, ['le', String(le)])} ${counts[i]}`));
    this.lines.push(`${name}_bucket${labelText(labels, ['le', '+Inf'])} ${h.totalCount}`);
    this.lines.push(`${name}_sum${labelText(labels)} ${num(h.totalCount ? (h.mean * h.totalCount) / 1e9 : 0)}`);
    this.lines.push(`${name}_count${labelText(labels)} ${h.totalCount}`);
    return this;
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`;
  }
}
