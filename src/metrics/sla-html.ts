// The SLA report as one standalone HTML page (no external assets): the percentile distribution of
// every stage drawn as HdrHistogram's plotter draws it (x: the percentile on a log scale of
// 1/(1 - percentile), so 90 %, 99 %, 99.9 %... are evenly spaced; y: latency, log scale here because
// the stages span sub-microsecond to milliseconds), each target marked on it and listed pass or fail.
import type { LatencyHistogram } from './histogram.js';
import { fmtUs, reportHistograms, STAGE_ABOUT, type SlaReport } from './sla-report.js';
import { STAGES, type Stage } from '../runtime/stage-timing.js';

export interface CurvePoint {
  percentile: number;
  valueNs: number;
}

/**
 * The points HdrHistogram's percentile iterator reports: `ticksPerHalfDistance` levels in every halving
 * of the distance to 100 % (0, 10, 20, 30, 40, 50, 55, 60, 65, 70, 75, 77.5... for 5), up to the level
 * past which every value is the maximum (1 / (1 - p) above the count), then 100 %.
 */
export function percentileCurve(h: LatencyHistogram, ticksPerHalfDistance = 5): CurvePoint[] {
  const n = h.totalCount;
  if (n === 0) return [];
  const points: CurvePoint[] = [];
  const last = 100 * (1 - 1 / n);
  for (let p = 0; p < last; ) {
    points.push({ percentile: p, valueNs: h.getValueAtPercentile(p) });
    const ticks = ticksPerHalfDistance * 2 ** (Math.floor(Math.log2(100 / (100 - p))) + 1);
    p += 100 / ticks;
  }
  points.push({ percentile: 100, valueNs: h.getValueAtPercentile(100) });
  return points;
}

const COLORS: Record<Stage, string> = {
  ingress: '#1f77b4', ring_hop: '#ff7f0e', risk_check: '#2ca02c', matching: '#9467bd', egress: '#8c564b', risk_decision: '#17becf', end_to_end: '#d62728',
};

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const W = 960;
const H = 520;
const M = { left: 70, right: 40, top: 20, bottom: 50 };

/** x of a percentile: log10(1 / (1 - p)), with 100 % at `xMax` (the plotter's right edge). */
const nines = (percentile: number, xMax: number): number => (percentile >= 100 ? xMax : Math.min(xMax, Math.log10(100 / (100 - percentile))));

function plot(r: SlaReport, curves: [Stage, CurvePoint[]][]): string {
  const counts = curves.map(([, c]) => c.length);
  if (counts.length === 0) return '<p>No stage recorded anything.</p>';
  const maxCount = Math.max(...curves.map(([s]) => r.stages[s]!.count));
  const xMax = Math.max(1, Math.min(6, Math.ceil(Math.log10(maxCount))));
  const values = curves.flatMap(([, c]) => c.map((p) => p.valueNs / 1000)).concat(r.targets.map((t) => t.maxUs));
  const yMin = Math.floor(Math.log10(Math.max(0.01, Math.min(...values.filter((v) => v > 0)))));
  const yMax = Math.max(yMin + 1, Math.ceil(Math.log10(Math.max(...values))));
  const px = (x: number): number => M.left + (x / xMax) * (W - M.left - M.right);
  const py = (us: number): number => H - M.bottom - ((Math.log10(Math.max(us, 10 ** yMin)) - yMin) / (yMax - yMin)) * (H - M.top - M.bottom);
  const out: string[] = [`<svg id="plot" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`];
  out.push(`<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="#fff" stroke="#999"/>`);
  for (let x = 0; x <= xMax; x++) {
    const label = x === 0 ? '0%' : `${(100 - 100 / 10 ** x).toFixed(Math.max(0, x - 2))}%`;
    out.push(`<line x1="${px(x)}" y1="${M.top}" x2="${px(x)}" y2="${H - M.bottom}" stroke="#ddd"/><text x="${px(x)}" y="${H - M.bottom + 16}" text-anchor="middle">${label}</text>`);
  }
  for (let y = yMin; y <= yMax; y++) {
    const us = 10 ** y;
    const label = us >= 1000 ? `${us / 1000} ms` : `${us} µs`;
    out.push(`<line x1="${M.left}" y1="${py(us)}" x2="${W - M.right}" y2="${py(us)}" stroke="#ddd"/><text x="${M.left - 6}" y="${py(us) + 4}" text-anchor="end">${label}</text>`);
  }
  out.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">percentile</text>`);
  out.push(`<text x="16" y="${(M.top + H - M.bottom) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(M.top + H - M.bottom) / 2})">latency</text>`);
  for (const [stage, c] of curves) {
    const pts = c.map((p) => `${px(nines(p.percentile, xMax)).toFixed(1)},${py(p.valueNs / 1000).toFixed(1)}`).join(' ');
    out.push(`<polyline class="curve" data-stage="${stage}" data-points="${c.length}" fill="none" stroke="${COLORS[stage]}" stroke-width="2" points="${pts}"/>`);
  }
  const labelsAt = new Map<string, number>();
  for (const t of r.targets) {
    const x = px(nines(t.percentile, xMax));
    const y = py(t.maxUs);
    const color = t.pass ? '#2a2' : '#d00';
    // Targets at the same point get their labels one under the other.
    const k = labelsAt.get(`${x},${y}`) ?? 0;
    labelsAt.set(`${x},${y}`, k + 1);
    out.push(`<g class="target ${t.pass ? 'pass' : 'fail'}" data-stage="${t.stage}"><path d="M${x - 7} ${y}h14M${x} ${y - 7}v14" stroke="${color}" stroke-width="3"/>` +
      `<text x="${x + 9}" y="${y - 6 + k * 14}" fill="${color}">${t.stage} p${t.percentile} ≤ ${t.maxUs} µs: ${t.pass ? 'pass' : 'FAIL'}</text></g>`);
  }
  // The legend goes bottom right: the curves rise to the right, so that corner is the emptiest.
  const lx = W - M.right - 130;
  curves.forEach(([stage], i) => {
    const y = H - M.bottom - 12 - (curves.length - 1 - i) * 16;
    out.push(`<line x1="${lx}" y1="${y - 4}" x2="${lx + 24}" y2="${y - 4}" stroke="${COLORS[stage]}" stroke-width="3"/><text x="${lx + 30}" y="${y}">${stage}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

export function reportHtml(r: SlaReport): string {
  const hist = reportHistograms(r);
  const curves = STAGES.filter((s) => hist[s] && hist[s]!.totalCount > 0).map((s): [Stage, CurvePoint[]] => [s, percentileCurve(hist[s]!)]);
  const us = (ns: number): string => fmtUs(ns / 1000);
  const stageRows = STAGES.filter((s) => r.stages[s]).map((s) => {
    const st = r.stages[s]!;
    return `<tr><td>${s}</td><td>${st.count.toLocaleString('en-US')}</td>${[st.p50, st.p90, st.p99, st.p999, st.p9999, st.max].map((v) => `<td>${us(v)}</td>`).join('')}<td class="about">${esc(STAGE_ABOUT[s])}</td></tr>`;
  });
  const targetRows = r.targets.map((t) =>
    `<tr class="${t.pass ? 'pass' : 'fail'}"><td>${t.stage} p${t.percentile}</td><td>${t.maxUs}</td><td>${t.actualUs === null ? 'no samples' : fmtUs(t.actualUs)}</td><td>${t.pass ? 'pass' : 'FAIL'}</td></tr>`);
  const regression = r.baseline
    ? `<h2>Against the baseline</h2><p>${esc(r.baseline.source)} (revision ${esc(r.baseline.revision)}, ${esc(r.baseline.date)}): a percentile more than ${(r.config.regression.tolerance * 100).toFixed(0)} % (and ${r.config.regression.minDeltaUs} µs) slower is a regression.</p>` +
      (r.regressions.length
        ? `<table id="regressions"><tr><th>stage</th><th>percentile</th><th>baseline µs</th><th>now µs</th><th>change</th></tr>${r.regressions.map((g) => `<tr class="fail"><td>${g.stage}</td><td>p${g.percentile}</td><td>${fmtUs(g.baselineUs)}</td><td>${fmtUs(g.currentUs)}</td><td>+${(g.change * 100).toFixed(1)} %</td></tr>`).join('')}</table>`
        : '<p id="regressions">No regressions.</p>')
    : '';
  const phases = r.phases.length
    ? `<p>Load, open loop: ${r.phases.map((p) => `${p.rate.toLocaleString('en-US')} orders/s for ${p.seconds} s (sender at worst ${p.maxBehindMs.toFixed(1)} ms behind)`).join('; ')}.</p>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.name)}: ${r.pass ? 'PASS' : 'FAIL'}</title>
<style>
body { font-family: sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; margin: 12px 0; }
td, th { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
td:first-child, th:first-child, td.about { text-align: left; }
tr.pass td:last-child { color: #080; font-weight: bold; }
tr.fail td:last-child { color: #c00; font-weight: bold; }
#verdict.pass { color: #080; } #verdict.fail { color: #c00; }
</style></head><body>
<h1>${esc(r.name)}: <span id="verdict" class="${r.pass ? 'pass' : 'fail'}">${r.pass ? 'PASS' : 'FAIL'}</span></h1>
<p>${esc(r.date)}, revision ${esc(r.revision)}, ${r.machine.cores} cores, ${esc(r.machine.cpu)}, Node ${esc(r.machine.node)}. <code>${esc(r.source)}</code></p>
${phases}
${plot(r, curves)}
<h2>Targets</h2>
<table id="targets"><tr><th>target</th><th>limit µs</th><th>actual µs</th><th>result</th></tr>${targetRows.join('')}</table>
<h2>Stages</h2>
<table id="stages"><tr><th>stage</th><th>count</th><th>p50 µs</th><th>p90 µs</th><th>p99 µs</th><th>p99.9 µs</th><th>p99.99 µs</th><th>max µs</th><th>measures</th></tr>${stageRows.join('')}</table>
${regression}
<p>Latencies count from each order's planned send time (open loop), so a stall of the sender, a ring or a worker shows in them.</p>
</body></html>
`;
}
