// The README's wire-format example does what the README says it does.
import { expect, test } from 'vitest';
import { Body, OrderT, OrderType, Side, TimeInForce, decode, encode, toTicks } from '../src/index.js';

test('README: encode an order, decode it, and decode a truncated copy', () => {
  const frame = encode(Body.Order, new OrderT(1n, 'TRADER_001', 'AAPL', Side.BUY, OrderType.LIMIT, TimeInForce.GTC, false, toTicks(175.23), 0n, 100n, 0n, null));
  const ok = decode(frame);
  expect(ok.ok && { type: ok.type, typeName: ok.typeName, price: (ok.body as OrderT).price }).toEqual({ type: 4, typeName: 'Order', price: 175_230_000n });
  expect(decode(frame.slice(0, 7))).toEqual({
    ok: false, code: 1, offset: 0, field: null, reason: 'frame too short to hold a root offset and file identifier at byte 0',
  });
});

test('README: the pipeline, embedded, on the simulator', async () => {
  const { startRuntime, tradingJobs, SimulatorSource } = await import('../src/index.js');
  const sim = new SimulatorSource({ seed: 42, rate: 20_000, maxEvents: 5_000 });
  const rt = await startRuntime({ jobs: tradingJobs({ priceMovement: { thresholdBp: 300 } }), sources: [sim], workers: 1 });
  let decisions = 0;
  rt.on('riskDecision', () => decisions++);
  sim.trigger('crash');
  await rt.sourcesDone();
  const stats = await rt.stop();
  expect(stats.ingested).toBe(sim.simulator.setupFrames().length + 5_000);
  expect(decisions).toBe(rt.outputCounts().RiskDecision);
  expect(rt.histograms().risk_decision.totalCount).toBe(decisions);
}, 60_000);
