// The pipeline on the built-in simulator, as `npm start` runs it, through the embeddable API: every
// simulated event is taken in (none refused), every order gets exactly one risk decision, the typed
// events and the latency histograms count the same outputs as the raw output handler, and the
// simulator's crash scenario shows up as price alerts.
import { describe, expect, it } from 'vitest';
import { startRuntime } from '../../src/runtime/runtime.js';
import { tradingJobs } from '../../src/jobs/index.js';
import { SimulatorSource } from '../../src/sim/simulator-source.js';
import { MarketSimulator } from '../../src/sim/market-simulator.js';
import { decode } from '../../src/wire/codec.js';
import { Body, type OrderT } from '../../src/wire/generated/index.js';

const EVENTS = 30_000;
const SEED = 11;

describe('the pipeline on the simulator', () => {
  it('takes every event, decides every order once, and reports typed events and latencies', async () => {
    // The same simulator, run apart, says which orders there will be.
    const twin = new MarketSimulator({ seed: SEED, eventsPerSecond: 50_000 });
    const setup = twin.setupFrames().length;
    const orders = new Map<string, number>();
    for (let i = 0; i < EVENTS; i++) {
      const e = twin.next();
      if (e.type !== Body.Order) continue;
      const d = decode(e.frame);
      if (!('ok' in d) || d.ok !== true) throw new Error('simulator frame failed verification');
      const o = d.body as OrderT;
      orders.set(`${o.orderId}@${o.clientTsNs}`, 0);
    }
    const source = new SimulatorSource({ seed: SEED, eventsPerSecond: 50_000, rate: 50_000, maxEvents: EVENTS });
    const rt = await startRuntime({ jobs: tradingJobs({ riskMonitor: { markIntervalMs: 0 } }), workers: 2, partitions: 8, sources: [source] });
    const typed = { riskDecision: 0, execReport: 0, alert: 0, position: 0, portfolio: 0, pnl: 0 };
    const alertKinds = new Map<string, number>();
    rt.on('riskDecision', (d) => {
      typed.riskDecision++;
      const key = `${d.orderId}@${d.tsNs}`;
      if (orders.has(key)) orders.set(key, orders.get(key)! + 1);
    });
    rt.on('execReport', () => typed.execReport++);
    rt.on('position', () => typed.position++);
    rt.on('portfolio', () => typed.portfolio++);
    rt.on('pnl', () => typed.pnl++);
    rt.on('alert', (a) => {
      typed.alert++;
      alertKinds.set(a.kind, (alertKinds.get(a.kind) ?? 0) + 1);
    });
    await rt.sourcesDone();
    const stats = await rt.stop();
    expect(stats.ingested).toBe(setup + EVENTS);
    expect(stats.rejected).toBe(0);
    expect(stats.crashes).toEqual([]);
    expect(source.stats().sent).toBe(EVENTS);
    // Each order of the stream has exactly one decision (replaces that add exposure get their own).
    expect([...orders.values()].filter((n) => n !== 1)).toEqual([]);
    const counts = rt.outputCounts();
    expect(typed.riskDecision).toBe(counts.RiskDecision);
    expect(typed.execReport).toBe(counts.ExecReport);
    expect(typed.position).toBe(counts.Position);
    expect(typed.portfolio).toBe(counts.Portfolio);
    expect(typed.pnl).toBe(counts.PnL);
    const alertTotal = ['PriceAlert', 'VolumeSpikeAlert', 'RiskAlert', 'OrderImbalanceAlert', 'ArbitrageAlert'].reduce((a, k) => a + (counts[k] ?? 0), 0);
    expect(typed.alert).toBe(alertTotal);
    for (const [kind, n] of alertKinds) expect(n, kind).toBe(counts[kind]);
    // Latency: one recording per decision, per exec report and per alert.
    const h = rt.histograms();
    expect(h.risk_decision.totalCount).toBe(counts.RiskDecision);
    expect(h.exec_report.totalCount).toBe(counts.ExecReport);
    expect(h.alert.totalCount).toBe(alertTotal);
    expect(counts.ExecReport).toBeGreaterThan(1_000);
    expect(counts.VolumeSpikeAlert).toBeGreaterThan(0);
  }, 120_000);

  it('shows a triggered crash as price alerts', async () => {
    const source = new SimulatorSource({ seed: 3, traders: 0, eventsPerSecond: 20_000, rate: 60_000, maxEvents: 240_000, symbols: ['AAPL', 'MSFT', 'NVDA'] });
    const rt = await startRuntime({ jobs: tradingJobs({ priceMovement: { thresholdBp: 500 } }), workers: 1, partitions: 4, sources: [source] });
    const falls: number[] = [];
    rt.on('alert', (a) => {
      if (a.kind === 'PriceAlert' && 'priceChangeBp' in a.alert && a.alert.priceChangeBp < 0) falls.push(a.alert.priceChangeBp);
    });
    source.trigger('crash');
    await rt.sourcesDone();
    await rt.stop();
    // About -8% per stock within its first minute: every listing of the three falls more than 5%.
    expect(falls.length).toBeGreaterThanOrEqual(3);
    for (const bp of falls) expect(bp).toBeLessThanOrEqual(-500);
  }, 120_000);
});
