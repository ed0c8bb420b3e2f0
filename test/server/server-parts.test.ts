// The server's parts on their own: the JSON form of wire messages, the rate limiter, the book mirror,
// the Prometheus histogram buckets, and the simulator controls over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonMessageError, messageFromJson, messageToJson } from '../../src/wire/json.js';
import { decode, encode, toTicks } from '../../src/wire/codec.js';
import {
  AccountPolicyT, AccountStatus, Body, ExecStatus, OrderT, OrderType, SelfTradePrevention, Side, SymbolCapT, TimeInForce,
} from '../../src/wire/generated/index.js';
import { RateLimiter } from '../../src/server/rate-limit.js';
import { BookDepth } from '../../src/server/book-depth.js';
import { cumulativeBuckets, PrometheusText } from '../../src/server/prometheus.js';
import { latencyHistogram } from '../../src/metrics/histogram.js';
import { startRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { tradingJobs } from '../../src/jobs/index.js';
import { startServer, type TickwaveServer } from '../../src/server/server.js';
import { SimulatorSource } from '../../src/sim/simulator-source.js';

describe('the JSON form of wire messages', () => {
  const order = Object.assign(new OrderT(), {
    orderId: 12_345_678_901_234_567n, account: 'T01', symbol: 'AAPL', side: Side.BUY, type: OrderType.STOP_LIMIT, tif: TimeInForce.IOC, postOnly: false,
    price: toTicks(175.23), stopPrice: toTicks(-0.5), quantity: 300n, clientTsNs: 1_767_623_400_123_456_789n, strategyId: 'mm-1', stp: SelfTradePrevention.CANCEL_BOTH,
  });

  it('names fields as the schema does, prices as decimals, enums by name, big integers as strings', () => {
    expect(messageToJson('Order', order)).toEqual({
      type: 'Order', order_id: '12345678901234567', account: 'T01', symbol: 'AAPL', side: 'BUY', order_type: 'STOP_LIMIT', tif: 'IOC', post_only: false,
      price: 175.23, stop_price: -0.5, quantity: 300, client_ts_ns: '1767623400123456789', strategy_id: 'mm-1', stp: 'CANCEL_BOTH',
    });
  });

  it('reads back what it writes, to the same bytes on the wire', () => {
    const back = messageFromJson('Order', JSON.parse(JSON.stringify(messageToJson('Order', order))));
    expect(back.type).toBe(Body.Order);
    expect(encode(Body.Order, back.body as OrderT)).toEqual(encode(Body.Order, order));
    const policy = Object.assign(new AccountPolicyT(), {
      account: 'T02', status: AccountStatus.BLOCKED, maxOrderQty: 1_000n, maxOrderNotional: toTicks(250_000.5), positionCaps: [Object.assign(new SymbolCapT(), { symbol: 'TSLA', maxPosition: 40n })],
      defaultPositionCap: 500n, grossExposureLimit: toTicks(1e6), maxLeverageBp: 40_000, dailyLossLimit: toTicks(5_000), initialCash: toTicks(100_000), version: 3n, tsNs: 7n,
    });
    const json = messageToJson('AccountPolicy', policy);
    expect(json).toMatchObject({ status: 'BLOCKED', max_order_notional: 250_000.5, position_caps: [{ symbol: 'TSLA', max_position: 40 }], max_leverage_bp: 40_000 });
    expect(encode(Body.AccountPolicy, messageFromJson('AccountPolicy', json).body as AccountPolicyT)).toEqual(encode(Body.AccountPolicy, policy));
    const d = decode(encode(Body.AccountPolicy, messageFromJson('AccountPolicy', json).body as AccountPolicyT));
    expect(d).toMatchObject({ ok: true, typeName: 'AccountPolicy' });
  });

  it('refuses what it cannot read, naming the field', () => {
    const bad = (type: string, json: unknown) => () => messageFromJson(type, json);
    expect(bad('Order', { type: 'LIMIT' })).toThrow(new JsonMessageError('expected a Order, got type "LIMIT"'));
    expect(bad('Order', { price: '1.5' })).toThrow(new JsonMessageError('Order.price must be a decimal number, got "1.5"'));
    expect(bad('Order', { post_only: 1 })).toThrow(new JsonMessageError('Order.post_only must be true or false, got 1'));
    expect(bad('Order', { order_type: 'ICEBERG' })).toThrow(new JsonMessageError('Order.order_type must be one of UNSPECIFIED, LIMIT, MARKET, STOP_LIMIT, STOP_MARKET, got "ICEBERG"'));
    expect(bad('Order', { account: 7 })).toThrow(new JsonMessageError('Order.account must be a string, got 7'));
    expect(bad('Order', [])).toThrow(new JsonMessageError('a Order must be a JSON object'));
    expect(bad('Trade2', {})).toThrow(/^unknown message type "Trade2"; known: Instrument, Quote, Trade, Order/);
    expect(bad('AccountPolicy', { position_caps: [{ symbol: 'X', max_position: 1.5 }] })).toThrow(new JsonMessageError('SymbolCap.max_position must be an integer (or a decimal string for values beyond 2^53), got 1.5'));
    expect(bad('AccountPolicy', { max_leverage_bp: 2 ** 31 })).toThrow(new JsonMessageError('AccountPolicy.max_leverage_bp must be a 32-bit integer, got 2147483648'));
  });
});

describe('RateLimiter', () => {
  it('allows the burst, then the sustained rate, per key', () => {
    let now = 0;
    const rl = new RateLimiter({ perSecond: 2, burst: 3 }, () => now);
    expect([rl.take('a'), rl.take('a'), rl.take('a'), rl.take('a')]).toEqual([true, true, true, false]);
    expect(rl.retryAfterS('a')).toBe(1); // 1 token at 2/s: half a second, rounded up
    expect(rl.take('b')).toBe(true); // another client is not affected
    now = 499;
    expect(rl.take('a')).toBe(false); // 0.998 tokens
    now = 1_000;
    // 0.998 + 501 ms at 2/s (1.002) = 2 tokens: two more, then none.
    expect([rl.take('a'), rl.take('a'), rl.take('a')]).toEqual([true, true, false]);
    now = 100_000;
    rl.take('c'); // sweeps the refilled buckets
    expect(rl.size).toBe(1);
    expect(() => new RateLimiter({ perSecond: 0, burst: 1 })).toThrow(/perSecond > 0/);
  });
});

describe('BookDepth', () => {
  it('mirrors resting limit orders from order inputs and exec reports', () => {
    const b = new BookDepth();
    b.order(1n, 'AAPL', Side.BUY, OrderType.LIMIT, toTicks(99));
    b.order(2n, 'AAPL', Side.BUY, OrderType.LIMIT, toTicks(99));
    b.order(3n, 'AAPL', Side.BUY, OrderType.LIMIT, toTicks(100));
    b.order(4n, 'AAPL', Side.SELL, OrderType.LIMIT, toTicks(101));
    b.order(5n, 'AAPL', Side.SELL, OrderType.STOP_LIMIT, toTicks(102)); // not visible
    b.order(6n, 'AAPL', Side.SELL, OrderType.LIMIT, toTicks(103));
    expect(b.depth('AAPL')).toEqual({ symbol: 'AAPL', bids: [], asks: [] }); // nothing confirmed yet
    b.execReport(1n, ExecStatus.NEW, 10n);
    b.execReport(2n, ExecStatus.NEW, 5n);
    b.execReport(3n, ExecStatus.NEW, 7n);
    b.execReport(4n, ExecStatus.NEW, 20n);
    b.execReport(5n, ExecStatus.NEW, 9n);
    b.rejected(6n);
    expect(b.depth('AAPL')).toEqual({
      symbol: 'AAPL',
      bids: [{ price: 100, quantity: 7, orders: 1 }, { price: 99, quantity: 15, orders: 2 }],
      asks: [{ price: 101, quantity: 20, orders: 1 }],
    });
    b.execReport(4n, ExecStatus.PARTIAL, 12n);
    b.execReport(3n, ExecStatus.FILLED, 0n);
    b.replace(2n, toTicks(98.5));
    b.execReport(2n, ExecStatus.REPLACED, 4n);
    b.replace(1n, toTicks(97));
    b.execReport(1n, ExecStatus.REJECTED, 10n); // a refused replace: the order rests as it was
    expect(b.depth('AAPL', 1)).toEqual({ symbol: 'AAPL', bids: [{ price: 99, quantity: 10, orders: 1 }], asks: [{ price: 101, quantity: 12, orders: 1 }] });
    expect(b.depth('AAPL').bids).toEqual([{ price: 99, quantity: 10, orders: 1 }, { price: 98.5, quantity: 4, orders: 1 }]);
    b.execReport(1n, ExecStatus.CANCELLED, 0n);
    b.execReport(2n, ExecStatus.CANCELLED, 0n);
    b.execReport(4n, ExecStatus.CANCELLED, 0n);
    expect(b.depth('AAPL')).toEqual({ symbol: 'AAPL', bids: [], asks: [] });
    expect(b.tracked).toBe(0); // the stop order was never tracked: its trigger is not reported
  });

  it('forgets its oldest orders past its bound', () => {
    const b = new BookDepth(2);
    for (let i = 1n; i <= 3n; i++) {
      b.order(i, 'X', Side.BUY, OrderType.LIMIT, toTicks(Number(i)));
      b.execReport(i, ExecStatus.NEW, 1n);
    }
    expect(b.tracked).toBe(2);
    expect(b.depth('X').bids.map((l) => l.price)).toEqual([3, 2]);
  });
});

describe('Prometheus exposition', () => {
  it('histogram buckets are cumulative counts in seconds', () => {
    const h = latencyHistogram();
    for (const ns of [500, 2_000, 3_000_000, 3_000_000, 20_000_000_000]) h.recordValue(ns);
    expect(cumulativeBuckets(h, [1e-6, 2.5e-6, 1e-3, 5e-3, 10, 30])).toEqual([1, 2, 2, 4, 4, 5]);
    const text = new PrometheusText().latency('x_seconds', 'help', h, { stage: 'a' }).counter('y_total', 'a "quoted"\nhelp', 3, { k: 'v"1' }).toString();
    expect(text.split('\n')).toEqual(expect.arrayContaining([
      '# TYPE x_seconds histogram', 'x_seconds_bucket{stage="a",le="0.000001"} 1', 'x_seconds_bucket{stage="a",le="+Inf"} 5', 'x_seconds_count{stage="a"} 5',
      '# HELP y_total a "quoted"\\nhelp', 'y_total{k="v\\"1"} 3',
    ]));
    expect(() => new PrometheusText().gauge('bad-name', 'x', 1)).toThrow('not a Prometheus metric name: bad-name');
  });
});

describe('simulator controls over HTTP', () => {
  let rt: Runtime;
  let sim: SimulatorSource;
  let server: TickwaveServer;
  const TOKEN = 'sim-control-token';
  const post = (path: string, body?: unknown) =>
    fetch(server.url + path, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
      .then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

  beforeAll(async () => {
    sim = new SimulatorSource({ seed: 3, traders: 2, rate: 500 });
    rt = await startRuntime({ jobs: tradingJobs({}), workers: 1, partitions: 2, sources: [sim] });
    server = await startServer({ runtime: rt, port: 0, token: TOKEN, simulator: sim });
  });
  afterAll(async () => {
    await server?.close();
    await rt?.stop();
  });

  it('pause, resume, speed and scenarios; bad values named', async () => {
    expect(await post('/simulator/pause')).toMatchObject({ status: 200, body: { ok: true, action: 'pause', simulator: { paused: true } } });
    expect(sim.stats().paused).toBe(true);
    expect(await post('/simulator/resume')).toMatchObject({ status: 200, body: { simulator: { paused: false } } });
    expect(await post('/simulator/speed', { speed: 2.5 })).toMatchObject({ status: 200, body: { simulator: { speed: 2.5 } } });
    expect(sim.stats().speed).toBe(2.5);
    expect(await post('/simulator/speed', { speed: 0 })).toEqual({ status: 400, body: { error: 'speed must be a number above 0 and at most 1000, got 0' } });
    expect(await post('/simulator/scenario', { name: 'crash', symbol: 'AAPL' })).toMatchObject({ status: 200, body: { ok: true, action: 'scenario' } });
    expect(await post('/simulator/scenario', { name: 'meltdown' })).toEqual({ status: 400, body: { error: 'name must be one of crash, spike, arbitrage, got "meltdown"' } });
    expect((await post('/simulator/scenario', { name: 'spike', symbol: 'NOPE' })).body.error).toMatch(/^scenario 'spike': unknown symbol "NOPE"; simulated symbols: /);
    expect(await post('/simulator/rewind')).toEqual({ status: 404, body: { error: 'no simulator control "rewind"; controls: pause, resume, speed, scenario' } });
    const notJson = await fetch(`${server.url}/simulator/speed`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: '{speed' });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as any).error).toMatch(/^body must be a JSON object: /);
    const stats = (await (await fetch(`${server.url}/stats`)).json()) as any;
    expect(stats.simulator).toMatchObject({ speed: 2.5, paused: false, rate: 1_250 }); // 500 events/s at 2.5x
  });
});
