// An order routed to its book twice (across processes, a restarted account stage routes again the
// orders it took past its last commit) is booked once when the books remember the ids they took
// (engine.rememberRoutedOrders): the exec reports equal, byte for byte, those of routing each order
// once. Without the memory, the second copy of a filled order is booked again.
import { describe, expect, it } from 'vitest';
import { startRuntime } from '../../src/runtime/runtime.js';
import { tradingJobs } from '../../src/jobs/index.js';
import { encode, toTicks } from '../../src/wire/codec.js';
import { AccountPolicyT, AccountStatus, Body, OrderT, OrderType, Side, TimeInForce } from '../../src/wire/generated/index.js';

const CONFIG = { riskMonitor: { markIntervalMs: 0 }, orderImbalance: { idleMs: 0 } };

function inputs(): Uint8Array[] {
  const policies = ['RT1', 'RT2'].map((account) => encode(Body.AccountPolicy, Object.assign(new AccountPolicyT(), { account, status: AccountStatus.ACTIVE, initialCash: toTicks(1e6), version: 1n })));
  const order = (orderId: bigint, account: string, side: Side, price: number, quantity: bigint) =>
    encode(Body.Order, Object.assign(new OrderT(), { orderId, account, symbol: 'RTS', side, type: OrderType.LIMIT, tif: TimeInForce.GTC, price: toTicks(price), quantity, clientTsNs: orderId }));
  // A resting sell, a buy that fills it, and a sell that rests.
  return [...policies, order(1n, 'RT1', Side.SELL, 100, 10n), order(2n, 'RT2', Side.BUY, 100, 10n), order(3n, 'RT1', Side.SELL, 101, 5n)];
}

/**
 * The exec reports of the inputs when each accepted order reaches its book `times` times: each
 * order's copies one after another, or (`later`) every order once and then the copies.
 */
async function execReports(times: number, rememberRoutedOrders: number, later = false): Promise<string[]> {
  const routes: { frame: Uint8Array; partition: number }[] = [];
  const rt = await startRuntime({
    jobs: tradingJobs({ ...CONFIG, engine: { rememberRoutedOrders } }), workers: 1, partitions: 4, routing: 'main',
    onRoute: (frame, type, partition) => {
      if (type === Body.Order) routes.push({ frame: frame.slice(), partition });
    },
  });
  const reports: string[] = [];
  rt.onOutput((view, at, length, type) => {
    if (type === Body.ExecReport) reports.push(Buffer.from(new Uint8Array(view.buffer, at, length)).toString('hex'));
  });
  for (const f of inputs()) await rt.ingestAsync(f);
  await rt.whenIdle();
  expect(routes).toHaveLength(3);
  // The book's side, one order after another: each copy in turn, as the stage topic would bring them.
  const sequence = later ? Array.from({ length: times }, () => routes).flat() : routes.flatMap((r) => Array.from({ length: times }, () => r));
  for (const r of sequence) {
    expect(rt.ingestRouted(r.frame, r.partition, 'stage')).toBe(0);
    await rt.whenIdle();
  }
  await rt.stop();
  return reports;
}

describe('an order routed to its book twice', () => {
  it('is booked once when the books remember the ids they took: the exec reports of routing once', async () => {
    const once = await execReports(1, 0);
    // NEW for each order, and both sides of the fill.
    expect(once).toHaveLength(5);
    expect(await execReports(2, 100)).toEqual(once);
  });

  it('is booked again without the memory (which is why run --stage-topic turns it on)', async () => {
    const once = await execReports(1, 0);
    const twice = await execReports(2, 0);
    expect(twice.length).toBeGreaterThan(once.length);
  });

  it('is forgotten beyond the memory, the oldest id first', async () => {
    const once = await execReports(1, 0);
    // All three ids remembered: every second copy is known.
    expect(await execReports(2, 3, true)).toEqual(once);
    // Two remembered: order 1's id has gone by the time its second copy comes, and it is booked again.
    const forgetful = await execReports(2, 2, true);
    expect(forgetful.slice(0, once.length)).toEqual(once);
    expect(forgetful.length).toBeGreaterThan(once.length);
  });
});
