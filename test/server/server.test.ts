// The server over loopback: HTTP monitoring, writes behind the token, the WebSocket feeds in binary
// and JSON, and every rejection (token, rate limits, sizes, bad bodies, bad subscriptions, slow
// consumers). The runtime runs the real trading jobs; values are worked out by hand beside each test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { startRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { tradingJobs } from '../../src/jobs/index.js';
import { startServer, type TickwaveServer } from '../../src/server/server.js';
import { decode, encode, toTicks } from '../../src/wire/codec.js';
import { Body, Exchange, QuoteT } from '../../src/wire/generated/index.js';

const TOKEN = 'test-token-0123456789';
const CONFIG = { riskMonitor: { markIntervalMs: 0 } };
const T0 = 1_767_623_400_000_000_000n; // on a minute boundary
const at = (s: number): bigint => T0 + BigInt(s * 1_000) * 1_000_000n;

const quote = (symbol: string, last: number, ts: bigint, exchange = Exchange.NYSE): Uint8Array =>
  encode(Body.Quote, Object.assign(new QuoteT(), { symbol, exchange, bid: toTicks(last - 0.01), ask: toTicks(last + 0.01), bidSize: 100n, askSize: 100n, last: toTicks(last), volume: 1_000n, tsNs: ts }));

let rt: Runtime;
let server: TickwaveServer;
let base: string;
let wsBase: string;

async function http(path: string, init: RequestInit & { token?: string | null } = {}): Promise<{ status: number; body: any; text: string; headers: Headers }> {
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? TOKEN : init.token;
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  const r = await fetch(base + path, { ...init, headers });
  const text = await r.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (metrics, assets)
  }
  return { status: r.status, body, text, headers: r.headers };
}

const postJson = (path: string, value: unknown, token?: string | null) =>
  http(path, { method: 'POST', body: JSON.stringify(value), headers: { 'content-type': 'application/json' }, token });

/** A WebSocket client collecting what it receives. */
class Client {
  readonly binary: Uint8Array[] = [];
  readonly text: any[] = [];
  closed: { code: number; reason: string } | null = null;
  private waiters: (() => void)[] = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.binary.push(new Uint8Array(data));
      else this.text.push(JSON.parse(data.toString('utf8')));
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }
  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  async until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; binary ${this.binary.length}, text ${JSON.stringify(this.text).slice(0, 500)}, closed ${JSON.stringify(this.closed)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
  send(value: unknown): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }
  close(): void {
    this.ws.close();
  }
}

function open(path: string, headers: Record<string, string> = {}, url = wsBase): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url + path, { headers });
    const c = new Client(ws);
    ws.once('open', () => resolve(c));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}: ${body}`), { status: res.statusCode, body })));
    });
    ws.once('error', reject);
  });
}

beforeAll(async () => {
  rt = await startRuntime({ jobs: tradingJobs(CONFIG), workers: 1, partitions: 4 });
  server = await startServer({ runtime: rt, port: 0, token: TOKEN, jobs: tradingJobs(CONFIG) });
  base = server.url;
  wsBase = base.replace('http', 'ws');
});

afterAll(async () => {
  await server?.close();
  await rt?.stop();
});

describe('HTTP monitoring', () => {
  it('GET /health names each component', async () => {
    const r = await http('/health', { token: null });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      components: { runtime: { status: 'ok', source_errors: [] }, workers: { status: 'ok', up: 1, of: 1, crashes: [] } },
    });
  });

  it('GET /jobs lists the five jobs with their thresholds', async () => {
    const r = await http('/jobs', { token: null });
    expect(r.status).toBe(200);
    expect(r.body.jobs.map((j: { name: string }) => j.name)).toEqual(['trade-engine', 'price-movement', 'volume-spike', 'order-imbalance', 'arbitrage']);
    expect(r.body.jobs[1].options.priceMovement.thresholdBp).toBe(500);
  });

  it('an unknown path is a 404 naming it, a PUT a 405, and no path leaves the asset roots', async () => {
    expect(await http('/nope', { token: null })).toMatchObject({ status: 404, body: { error: 'no such resource: GET /nope' } });
    expect(await http('/health', { method: 'PUT', token: null })).toMatchObject({ status: 405, body: { error: 'PUT /health is not supported' } });
    expect((await http('/js/wire/../../../package.json', { token: null })).status).toBe(404);
    expect((await http('/js/wire/%2e%2e/%2e%2e/%2e%2e/package.json', { token: null })).status).toBe(404);
    const fb = await http('/vendor/flatbuffers.js', { token: null });
    expect(fb.status).toBe(200);
    expect(fb.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(fb.text).toContain("export { Builder } from './builder.js'");
  });
});

describe('writes and the trade engine', () => {
  it('a policy, then orders as JSON: each answered with its risk decision; the book mirror shows what rests', async () => {
    const policy = await postJson('/policies', { account: 'ALICE', status: 'ACTIVE', max_order_qty: 1_000, initial_cash: 100_000, version: 1 });
    expect(policy).toMatchObject({ status: 202, body: { accepted_for_processing: 'AccountPolicy' } });
    expect((await postJson('/policies', { account: 'BOB', status: 'ACTIVE', initial_cash: 100_000, version: 1 })).status).toBe(202);
    rt.ingest(quote('AAPL', 100, at(1)));
    await rt.whenIdle();

    const sell = await postJson('/orders', { order_id: 1, account: 'BOB', symbol: 'AAPL', side: 'SELL', order_type: 'LIMIT', tif: 'GTC', price: 100, quantity: 300, client_ts_ns: String(at(2)) });
    expect(sell.status).toBe(200);
    expect(sell.body).toEqual({ type: 'RiskDecision', order_id: 1, account: 'BOB', symbol: 'AAPL', accepted: true, reason: 'NONE', limit: 0, value: 0, ts_ns: String(at(2)) });
    await rt.whenIdle();
    expect((await http('/books/AAPL', { token: null })).body).toEqual({ symbol: 'AAPL', bids: [], asks: [{ price: 100, quantity: 300, orders: 1 }] });

    // ALICE buys 200 of BOB's 300: 100 rest.
    const buy = await postJson('/orders', { order_id: 2, account: 'ALICE', symbol: 'AAPL', side: 'BUY', order_type: 'LIMIT', tif: 'GTC', price: 100, quantity: 200, client_ts_ns: String(at(3)) });
    expect(buy.body).toMatchObject({ order_id: 2, accepted: true });
    await rt.whenIdle();
    expect((await http('/books/AAPL', { token: null })).body).toEqual({ symbol: 'AAPL', bids: [], asks: [{ price: 100, quantity: 100, orders: 1 }] });

    // Over ALICE's 1,000 per order: refused, saying which limit and by how much.
    const big = await postJson('/orders', { order_id: 3, account: 'ALICE', symbol: 'AAPL', side: 'BUY', order_type: 'LIMIT', tif: 'GTC', price: 99.5, quantity: 1_500, client_ts_ns: String(at(4)) });
    expect(big.body).toEqual({ type: 'RiskDecision', order_id: 3, account: 'ALICE', symbol: 'AAPL', accepted: false, reason: 'MAX_ORDER_QTY', limit: 1_000, value: 1_500, ts_ns: String(at(4)) });

    // A resting bid, then its cancel (202: a cancel has no risk decision).
    await postJson('/orders', { order_id: 4, account: 'ALICE', symbol: 'AAPL', side: 'BUY', order_type: 'LIMIT', tif: 'GTC', price: 99.5, quantity: 50, client_ts_ns: String(at(5)) });
    await rt.whenIdle();
    expect((await http('/books/AAPL', { token: null })).body.bids).toEqual([{ price: 99.5, quantity: 50, orders: 1 }]);
    const cancel = await postJson('/orders', { type: 'Cancel', order_id: 4, account: 'ALICE', symbol: 'AAPL', ts_ns: String(at(6)) });
    expect(cancel).toMatchObject({ status: 202, body: { accepted_for_processing: 'Cancel' } });
    await rt.whenIdle();
    expect((await http('/books/AAPL', { token: null })).body.bids).toEqual([]);
  });

  it('an order as a FlatBuffers body is verified and decided the same way', async () => {
    const frame = encode(Body.Order, Object.assign(new (await import('../../src/wire/generated/index.js')).OrderT(), {
      orderId: 10n, account: 'BOB', symbol: 'MSFT', side: 2, type: 1, tif: 1, price: toTicks(400), quantity: 5n, clientTsNs: at(7),
    }));
    const r = await http('/orders', { method: 'POST', body: frame, headers: { 'content-type': 'application/x-flatbuffers' } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ type: 'RiskDecision', order_id: 10, account: 'BOB', symbol: 'MSFT', accepted: true, reason: 'NONE', limit: 0, value: 0, ts_ns: String(at(7)) });
  });

  it('refuses, with a reason, and without changing anything: no token, a wrong token, bad bodies', async () => {
    const before = rt.stats().ingested;
    const order = { order_id: 20, account: 'BOB', symbol: 'AAPL', side: 'BUY', order_type: 'LIMIT', tif: 'GTC', price: 1, quantity: 1 };
    const none = await postJson('/orders', order, null);
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: 'this endpoint needs Authorization: Bearer <token>' });
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="tickwave"');
    expect(await postJson('/orders', order, 'wrong-token-0000')).toMatchObject({ status: 401, body: { error: 'wrong bearer token' } });
    expect(await postJson('/simulator/pause', {}, null)).toMatchObject({ status: 401 });

    const bad = async (body: string | Uint8Array, type: string, path = '/orders') => http(path, { method: 'POST', body, headers: { 'content-type': type } });
    expect((await bad('{"account":', 'application/json')).body.error).toMatch(/^body is not JSON: /);
    expect(await bad(JSON.stringify({ ...order, colour: 'red' }), 'application/json')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^Order has no field "colour"; its fields are order_id, account, symbol, side/) } });
    expect(await bad(JSON.stringify({ ...order, side: 'UP' }), 'application/json')).toMatchObject({ status: 400, body: { error: 'Order.side must be one of UNSPECIFIED, BUY, SELL, got "UP"' } });
    expect(await bad(JSON.stringify({ ...order, quantity: 1.5 }), 'application/json')).toMatchObject({ status: 400, body: { error: 'Order.quantity must be an integer (or a decimal string for values beyond 2^53), got 1.5' } });
    expect(await bad(JSON.stringify({ type: 'Quote', symbol: 'AAPL' }), 'application/json')).toMatchObject({ status: 400, body: { error: 'this endpoint takes Order, Cancel, Replace, not Quote' } });
    expect(await bad(JSON.stringify({ ...order, side: 'UNSPECIFIED' }), 'application/json')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^not a valid tickwave message: .*Order\.side/) } });
    expect(await bad(randomBytes(64), 'application/x-flatbuffers')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^not a valid tickwave message: /) } });
    expect(await bad(quote('AAPL', 1, at(1)), 'application/octet-stream')).toMatchObject({ status: 400, body: { error: 'this endpoint takes Order, Cancel, Replace, not Quote' } });
    expect(await bad(JSON.stringify(order), 'text/plain')).toMatchObject({ status: 415 });
    expect(await bad(JSON.stringify({ account: 'X', colour: 1 }), 'application/json', '/policies')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^AccountPolicy has no field "colour"/) } });
    const huge = await bad(JSON.stringify({ ...order, strategy_id: 'x'.repeat(70_000) }), 'application/json');
    expect(huge.status).toBe(413);
    expect(huge.body.error).toMatch(/over the limit of 65536 bytes/);
    expect(await postJson('/simulator/pause', {})).toMatchObject({ status: 409, body: { error: 'no simulator is running (the input is Kafka)' } });
    expect(rt.stats().ingested).toBe(before);
  });
});

describe('WebSocket feeds', () => {
  it('market data: the ingested bytes, unchanged, to the subscribers of that symbol; subscribe and unsubscribe', async () => {
    const aapl = await open('/ws/market-data/AAPL');
    const all = await open('/ws/market-data/*');
    const json = await open('/ws/market-data/MSFT?format=json');
    const q1 = quote('AAPL', 101, at(10));
    const q2 = quote('MSFT', 401, at(10));
    const before = server.stats();
    rt.ingest(q1);
    rt.ingest(q2);
    await all.until(() => all.binary.length === 2, 'two quotes on *');
    await aapl.until(() => aapl.binary.length === 1, 'one AAPL quote');
    await json.until(() => json.text.length === 1, 'one MSFT quote as JSON');
    // Counted once per topic that had a subscriber: AAPL to md/AAPL and md/*, MSFT to md/* (its binary
    // topic has none), and MSFT once as JSON.
    expect(server.stats().published - before.published).toBe(3);
    expect(server.stats().json_published - before.json_published).toBe(1);
    expect(all.binary).toEqual([q1, q2]);
    expect(aapl.binary).toEqual([q1]);
    expect(json.text[0]).toEqual({ type: 'Quote', symbol: 'MSFT', exchange: 'NYSE', bid: 400.99, ask: 401.01, bid_size: 100, ask_size: 100, last: 401, volume: 1_000, ts_ns: String(at(10)) });

    aapl.send({ op: 'subscribe', symbols: ['MSFT'] });
    await aapl.until(() => aapl.text.length === 1, 'the subscribe reply');
    expect(aapl.text[0]).toEqual({ op: 'subscribed', topics: ['md/MSFT'], subscriptions: ['md/AAPL', 'md/MSFT'] });
    aapl.send({ op: 'unsubscribe', symbols: ['AAPL'] });
    await aapl.until(() => aapl.text.length === 2, 'the unsubscribe reply');
    expect(aapl.text[1]).toEqual({ op: 'unsubscribed', topics: ['md/AAPL'], subscriptions: ['md/MSFT'] });
    const q3 = quote('AAPL', 102, at(11));
    const q4 = quote('MSFT', 402, at(11));
    rt.ingest(q3);
    rt.ingest(q4);
    await all.until(() => all.binary.length === 4, 'four quotes on *');
    await aapl.until(() => aapl.binary.length === 2, 'the MSFT quote');
    expect(aapl.binary).toEqual([q1, q4]);
    for (const c of [aapl, all, json]) c.close();
  });

  it('trades and alerts: the engine outputs, binary by default, filtered by account and type', async () => {
    const mine = await open('/ws/trades?account=BOB&types=ExecReport');
    const everything = await open('/ws/trades?format=json');
    const alerts = await open('/ws/alerts?format=json');
    await postJson('/orders', { order_id: 30, account: 'BOB', symbol: 'AAPL', side: 'SELL', order_type: 'LIMIT', tif: 'GTC', price: 120, quantity: 10, client_ts_ns: String(at(20)) });
    await mine.until(() => mine.binary.length === 1, "BOB's NEW report");
    const d = decode(mine.binary[0]!);
    expect(d).toMatchObject({ ok: true, typeName: 'ExecReport', body: { orderId: 30n, account: 'BOB', symbol: 'AAPL', status: 1, leavesQty: 10n, cumQty: 0n } });
    await everything.until(() => everything.text.some((m) => m.type === 'ExecReport'), 'the JSON exec report');
    expect(everything.text.find((m) => m.type === 'RiskDecision')).toEqual({ type: 'RiskDecision', order_id: 30, account: 'BOB', symbol: 'AAPL', accepted: true, reason: 'NONE', limit: 0, value: 0, ts_ns: String(at(20)) });
    expect(everything.text.find((m) => m.type === 'ExecReport')).toMatchObject({ order_id: 30, status: 'NEW', side: 'SELL', leaves_qty: 10, cum_qty: 0, last_price: 0 });

    // AAPL's NASDAQ last goes 100 -> 106 inside one minute: a 6% move, over 5%, under 10%: WARNING.
    rt.ingest(quote('AAPL', 100, at(21), Exchange.NASDAQ));
    rt.ingest(quote('AAPL', 106, at(22), Exchange.NASDAQ));
    await alerts.until(() => alerts.text.length >= 1, 'the price alert');
    expect(alerts.text[0]).toEqual({ type: 'PriceAlert', symbol: 'AAPL', exchange: 'NASDAQ', price_change_bp: 600, price: 106, prev_price: 100, severity: 'WARNING', detection_ts_ns: String(at(22)) });
    for (const c of [mine, everything, alerts]) c.close();
  });

  it('engine status: a JSON document on connect and then every interval', async () => {
    const s = await open('/ws/engine/status');
    await s.until(() => s.text.length >= 2, 'two status messages', 4_000);
    expect(s.text[0]).toMatchObject({ type: 'EngineStatus', runtime: { workers: 1, partitions: 4 }, latency_unit: 'µs' });
    expect(s.text[1].latency.risk_decision.count).toBe(rt.histograms().risk_decision.totalCount);
    s.send({ op: 'subscribe', symbols: ['AAPL'] });
    await s.until(() => s.text.some((m) => m.error), 'an error');
    expect(s.text.find((m) => m.error)).toEqual({ error: '/ws/engine/status has nothing to subscribe to: every client gets the status' });
    s.close();
  });

  it('bad subscriptions and messages get an error naming the problem; an oversized message closes the socket (1009)', async () => {
    await expect(open('/ws/market-data/AAPL?format=xml')).rejects.toMatchObject({ status: 400, body: '{"error":"format must be binary or json, got \\"xml\\""}' });
    await expect(open('/ws/alerts?kinds=price,gossip')).rejects.toMatchObject({ status: 400, body: '{"error":"\\"kinds\\": \\"gossip\\" is not one of price, volume, risk, imbalance, arbitrage"}' });
    const c = await open('/ws/market-data/AAPL');
    c.send('not json');
    c.send({ op: 'watch' });
    c.send({ op: 'subscribe', symbols: ['a b'] });
    c.send({ op: 'subscribe' });
    await c.until(() => c.text.length === 4, 'four errors');
    expect(c.text).toEqual([
      { error: expect.stringMatching(/^messages must be JSON objects like \{"op":"subscribe",...\}: /) },
      { error: 'op must be "subscribe" or "unsubscribe", got "watch"' },
      { error: '"symbols" has an invalid name: "a b"' },
      { error: '"symbols" must be a non-empty array of names' },
    ]);
    c.send({ op: 'subscribe', symbols: ['x'.repeat(5_000)] });
    await c.until(() => c.closed !== null, 'the close');
    expect(c.closed!.code).toBe(1009);
  });
});

describe('limits and authentication (a second server on the same runtime)', () => {
  let strict: TickwaveServer;
  beforeAll(async () => {
    strict = await startServer({
      runtime: rt, port: 0, token: TOKEN, wsAuth: true,
      limits: { http: { perSecond: 0.5, burst: 3 }, ws: { perSecond: 0.5, burst: 2 }, sendBufferBytes: 256 * 1024 },
    });
  });
  afterAll(() => strict?.close());

  it('HTTP over the rate limit gets 429 with Retry-After; other clients are not affected', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await fetch(`${strict.url}/health`)).status);
    expect(codes).toEqual([200, 200, 200, 429]);
    const r = await fetch(`${strict.url}/health`);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('2');
    expect(await r.json()).toEqual({ error: 'rate limit: at most 0.5 requests/s (burst 3) per client' });
    expect((await http('/health', { token: null })).status).toBe(200); // the first server keeps its own limits
  });

  it('WebSocket needs the token when configured, and rate-limits client messages', async () => {
    const wsUrl = strict.url.replace('http', 'ws');
    // The HTTP limit above is spent; upgrades count against it too, so wait for one token.
    await new Promise((r) => setTimeout(r, 2_100));
    await expect(open('/ws/alerts', {}, wsUrl)).rejects.toMatchObject({ status: 401 });
    await new Promise((r) => setTimeout(r, 2_100));
    const c = await open(`/ws/alerts?token=${TOKEN}`, {}, wsUrl);
    c.send({ op: 'subscribe', kinds: ['price'] });
    c.send({ op: 'subscribe', kinds: ['risk'] });
    c.send({ op: 'subscribe', kinds: ['arbitrage'] });
    await c.until(() => c.text.length === 3, 'three replies');
    expect(c.text.map((m) => m.op ?? m.error)).toEqual(['subscribed', 'subscribed', 'rate limit: at most 0.5 messages/s (burst 2); message ignored']);
    c.close();
  });
});

describe('a slow consumer', () => {
  it('is closed (4008) once its send buffer passes the limit, and the others get every message', async () => {
    const s = await startServer({ runtime: rt, port: 0, token: TOKEN, limits: { sendBufferBytes: 256 * 1024 } });
    try {
      const url = new URL(s.url);
      // A client that completes the handshake and then never reads.
      const stalled: Socket = await new Promise((resolve, reject) => {
        const sock = connect(Number(url.port), url.hostname, () => {
          sock.write(`GET /ws/market-data/ZZZ HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
        });
        sock.once('data', (d) => {
          if (!d.toString().startsWith('HTTP/1.1 101')) reject(new Error(d.toString()));
          sock.pause();
          resolve(sock);
        });
        sock.once('error', reject);
      });
      const reader = await open('/ws/market-data/ZZZ', {}, s.url.replace('http', 'ws'));
      const frame = quote('ZZZ', 1, at(30));
      let published = 0;
      const deadline = Date.now() + 30_000;
      while (s.stats().slow_consumers_closed === 0 && Date.now() < deadline) {
        for (let i = 0; i < 100; i++) s.feeds.frame(frame, Body.Quote);
        published += 100;
        await new Promise((r) => setTimeout(r, 1));
      }
      expect(s.stats().slow_consumers_closed).toBe(1);
      await reader.until(() => reader.binary.length === published, `all ${published} messages at the reading client`, 20_000);
      expect(reader.closed).toBeNull();
      expect(s.stats().clients).toBe(1);
      stalled.destroy();
      reader.close();
    } finally {
      await s.close();
    }
  }, 60_000);
});

describe('/metrics', () => {
  it('is the Prometheus text format, with counters matching the runtime and latency histograms in seconds', async () => {
    await rt.whenIdle();
    const r = await http('/metrics', { token: null });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const lines = r.text.trimEnd().split('\n');
    for (const l of lines) expect(l).toMatch(/^(# (HELP|TYPE) [a-z_:]+ .+|[a-z_:]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? ([0-9.e+-]+|\+Inf))$/);
    const value = (series: string): number => Number(lines.find((l) => l.startsWith(`${series} `))!.split(' ')[1]);
    const s = rt.stats();
    expect(value('tickwave_ingested_frames_total')).toBe(s.ingested);
    expect(value('tickwave_output_frames_total')).toBe(s.output);
    expect(value('tickwave_outputs_total{type="RiskDecision"}')).toBe(rt.outputCounts().RiskDecision);
    const risk = rt.histograms().risk_decision.totalCount;
    expect(value('tickwave_output_latency_seconds_count{stage="risk_decision"}')).toBe(risk);
    expect(value('tickwave_output_latency_seconds_bucket{stage="risk_decision",le="+Inf"}')).toBe(risk);
    expect(lines).toContain('# TYPE tickwave_output_latency_seconds histogram');
    expect(lines.filter((l) => l.startsWith('# TYPE tickwave_outputs_total'))).toHaveLength(1);
  });
});
