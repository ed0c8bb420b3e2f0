// tickwave's server, on uWebSockets.js, one port for everything: HTTP monitoring (/health, /jobs,
// /stats, /metrics in Prometheus form, /books/:symbol, /symbols), HTTP writes (orders, account policies,
// simulator controls) behind a bearer token, the WebSocket feeds (market data, trades, alerts, engine
// status; binary FlatBuffers by default, JSON with ?format=json), and the dashboard's files.
//
// It runs on the main thread beside the runtime's ingress and egress and never blocks them: every
// feed is a native pub/sub publish, a slow client is closed once its send buffer passes the limit
// (close code 4008) instead of being waited for, and every client has a rate limit.
//
// Thread-safety: main thread only, like the Runtime it serves.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket, WebSocket } from 'uWebSockets.js';
import { loadUws } from './uws.js';
import { FeedPublisher, JSON_PREFIX, MAX_TOPICS_PER_SOCKET, STATUS_TOPIC, SubscriptionError, topicsFor, type FeedEndpoint } from './feeds.js';
import { EngineStatus } from './engine-status.js';
import { BookDepth } from './book-depth.js';
import { RateLimiter, type RateLimit } from './rate-limit.js';
import { StaticAssets } from './static-assets.js';
import { PrometheusText } from './prometheus.js';
import { Ingest, type Runtime } from '../runtime/runtime.js';
import { WireBuffer } from '../wire/wire-buffer.js';
import { encode } from '../wire/codec.js';
import { JsonMessageError, messageFromJson, messageToJson } from '../wire/json.js';
import { Verifier } from '../wire/verifier.js';
import { Body, Envelope, ExecReport, Order, Replace, RiskDecision, type MessageBody } from '../wire/index.js';
import { SCENARIO_NAMES } from '../sim/scenarios.js';
import type { SimulatorSource } from '../sim/simulator-source.js';
import type { KafkaSource } from '../kafka/kafka-source.js';
import type { KafkaSink } from '../kafka/kafka-sink.js';
import { VERSION } from '../version.js';

export interface ServerLimits {
  /** HTTP requests per client address (default 200/s, burst 400). */
  http: RateLimit;
  /** WebSocket messages from one client socket (default 20/s, burst 40). */
  ws: RateLimit;
  /** Largest HTTP request body (default 64 KiB): 413 beyond. */
  maxBodyBytes: number;
  /** Largest WebSocket message from a client (default 4 KiB): the socket is closed (1009) beyond. */
  maxWsMessageBytes: number;
  /** A client whose unsent bytes pass this (default 1 MiB) is too slow: closed with 4008. */
  sendBufferBytes: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  http: { perSecond: 200, burst: 400 },
  ws: { perSecond: 20, burst: 40 },
  maxBodyBytes: 64 * 1024,
  maxWsMessageBytes: 4 * 1024,
  sendBufferBytes: 1024 * 1024,
};

/** Close codes the server uses. */
export const CLOSE = { SLOW_CONSUMER: 4008, UNAUTHORIZED: 4401, SERVER_STOPPING: 1001 } as const;

export interface ServerOptions {
  runtime: Runtime;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8080; 0 picks a free port (see server.port). */
  port?: number;
  /** The bearer token every write needs; a random one is made when not given. */
  token?: string | null;
  /** Require the token (?token= or Authorization) on WebSocket connections too. */
  wsAuth?: boolean;
  simulator?: SimulatorSource | null;
  kafka?: { brokers: string; source: KafkaSource; sink: KafkaSink } | null;
  /** What GET /jobs describes. */
  jobs?: { module: string; options?: unknown }[];
  limits?: Partial<ServerLimits>;
  /** How often /ws/engine/status is pushed (default 1000 ms). */
  statusIntervalMs?: number;
  /** How long POST /orders waits for the order's risk decision before answering 202 (default 2000 ms). */
  decisionWaitMs?: number;
}

export interface ServerStats {
  clients: number;
  clients_by_endpoint: Record<FeedEndpoint, number>;
  connections_total: number;
  slow_consumers_closed: number;
  unauthorized: number;
  rate_limited: number;
  bad_requests: number;
  http_requests: number;
  published: number;
  json_published: number;
}

interface SocketData {
  /** Its key in the per-socket rate limiter. */
  id: string;
  endpoint: FeedEndpoint;
  json: boolean;
  address: string;
  topics: Set<string>;
  closed: boolean;
}

class HttpError extends Error {
  constructor(readonly status: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

const STATUS_TEXT: Record<number, string> = {
  200: '200 OK', 202: '202 Accepted', 400: '400 Bad Request', 401: '401 Unauthorized', 404: '404 Not Found', 405: '405 Method Not Allowed',
  409: '409 Conflict', 413: '413 Payload Too Large', 415: '415 Unsupported Media Type', 429: '429 Too Many Requests', 503: '503 Service Unavailable',
};

const bigintJson = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : v);
const decoder = new TextDecoder();

/** Order ids the server gives orders posted without one: far above the simulator's. */
const SERVER_ORDER_ID_BASE = 1n << 52n;

export class TickwaveServer {
  readonly token: string;
  private readonly app: TemplatedApp;
  private listenSocket: us_listen_socket | null = null;
  readonly feeds: FeedPublisher;
  readonly books = new BookDepth();
  private readonly status: EngineStatus;
  private readonly limits: ServerLimits;
  private readonly httpLimiter: RateLimiter;
  private readonly wsLimiter: RateLimiter;
  private readonly assets = new StaticAssets();
  private readonly verifier = new Verifier();
  private readonly sockets = new Set<WebSocket<SocketData>>();
  private readonly decisionWaiters = new Map<bigint, (decision: Record<string, unknown>) => void>();
  private readonly timers: NodeJS.Timeout[] = [];
  private nextOrderId = SERVER_ORDER_ID_BASE;
  private socketCount = 0;
  private closed = false;
  private readonly counters = { connections_total: 0, slow_consumers_closed: 0, unauthorized: 0, rate_limited: 0, bad_requests: 0, http_requests: 0 };
  private readonly envelope = new Envelope();
  private readonly execReport = new ExecReport();
  private readonly riskDecision = new RiskDecision();
  private readonly order = new Order();
  private readonly replace = new Replace();
  port = 0;

  private constructor(private readonly o: ServerOptions) {
    const uws = loadUws();
    this.app = uws.App();
    this.token = o.token ?? randomBytes(16).toString('hex');
    this.limits = { ...DEFAULT_LIMITS, ...o.limits };
    this.httpLimiter = new RateLimiter(this.limits.http);
    this.wsLimiter = new RateLimiter(this.limits.ws);
    this.feeds = new FeedPublisher(this.app);
    this.status = new EngineStatus(o.runtime, { simulator: o.simulator, kafka: o.kafka?.source });
    this.routes();
    this.tap(o.runtime);
  }

  static async start(o: ServerOptions): Promise<TickwaveServer> {
    const server = new TickwaveServer(o);
    await server.listen(o.host ?? '127.0.0.1', o.port ?? 8080);
    return server;
  }

  get url(): string {
    return `http://${this.o.host ?? '127.0.0.1'}:${this.port}`;
  }

  /** The dashboard's address, with the token the page needs for its controls. */
  get dashboardUrl(): string {
    return `${this.url}/#token=${this.token}`;
  }

  private listen(host: string, port: number): Promise<void> {
    const uws = loadUws();
    return new Promise((resolve, reject) => {
      this.app.listen(host, port, (socket) => {
        if (!socket) {
          reject(new Error(`tickwave server: cannot listen on ${host}:${port} (in use, or not an address of this machine)`));
          return;
        }
        this.listenSocket = socket;
        this.port = uws.us_socket_local_port(socket);
        const statusEvery = this.o.statusIntervalMs ?? 1_000;
        this.timers.push(setInterval(() => this.pushStatus(), statusEvery));
        // Slow consumers: checked often enough that none gets near uWS's own hard limit (twice ours).
        this.timers.push(setInterval(() => this.closeSlowConsumers(), 20));
        for (const t of this.timers) t.unref();
        resolve();
      });
    });
  }

  /** Feeds the runtime's inputs and outputs to the WebSocket topics and the book mirror. */
  private tap(rt: Runtime): void {
    rt.onInput((frame, type) => {
      if (this.closed) return;
      if (type === Body.Order || type === Body.Replace) this.trackOrderInput(frame, type);
      this.feeds.frame(frame, type);
    });
    rt.onOutput((view, at, length, type) => {
      if (this.closed) return;
      const bytes = new Uint8Array(view.buffer, view.byteOffset + at, length);
      if (type === Body.ExecReport) {
        const er = Envelope.getRootAsEnvelope(new WireBuffer(bytes), this.envelope).body(this.execReport) as ExecReport;
        this.books.execReport(er.orderId(), er.status(), er.leavesQty());
      } else if (type === Body.RiskDecision) {
        const d = Envelope.getRootAsEnvelope(new WireBuffer(bytes), this.envelope).body(this.riskDecision) as RiskDecision;
        const orderId = d.orderId();
        if (!d.accepted()) this.books.rejected(orderId);
        const waiter = this.decisionWaiters.size ? this.decisionWaiters.get(orderId) : undefined;
        if (waiter) waiter(messageToJson('RiskDecision', d.unpack()));
      }
      this.feeds.frame(bytes, type);
    });
  }

  private trackOrderInput(frame: Uint8Array, type: number): void {
    const env = Envelope.getRootAsEnvelope(new WireBuffer(frame), this.envelope);
    if (type === Body.Order) {
      const o = env.body(this.order) as Order;
      this.books.order(o.orderId(), o.symbol()!, o.side(), o.type(), o.price());
    } else {
      const r = env.body(this.replace) as Replace;
      this.books.replace(r.orderId(), r.price());
    }
  }

  private pushStatus(): void {
    this.status.tick();
    this.feeds.status(JSON.stringify(this.status.snapshot({ server: this.stats() }), bigintJson));
  }

  private closeSlowConsumers(): void {
    const limit = this.limits.sendBufferBytes;
    for (const ws of this.sockets) {
      if (ws.getUserData().closed || ws.getBufferedAmount() <= limit) continue;
      this.counters.slow_consumers_closed++;
      this.endSocket(ws, CLOSE.SLOW_CONSUMER, `slow consumer: more than ${limit} bytes waiting to be sent`);
    }
  }

  private endSocket(ws: WebSocket<SocketData>, code: number, reason: string): void {
    const d = ws.getUserData();
    if (d.closed) return;
    d.closed = true;
    this.sockets.delete(ws);
    try {
      ws.end(code, reason);
    } catch {
      // already closed by the peer
    }
  }

  stats(): ServerStats {
    const by: Record<FeedEndpoint, number> = { 'market-data': 0, trades: 0, alerts: 0, status: 0 };
    for (const ws of this.sockets) by[ws.getUserData().endpoint]++;
    return {
      clients: this.sockets.size,
      clients_by_endpoint: by,
      ...this.counters,
      published: this.feeds.counters.published,
      json_published: this.feeds.counters.jsonPublished,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    for (const ws of [...this.sockets]) this.endSocket(ws, CLOSE.SERVER_STOPPING, 'server stopping');
    if (this.listenSocket) loadUws().us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
    for (const [, w] of this.decisionWaiters) w({ error: 'server stopping' });
    this.decisionWaiters.clear();
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  private address(res: HttpResponse): string {
    return decoder.decode(res.getRemoteAddressAsText());
  }

  private authorized(header: string): boolean {
    const expected = Buffer.from(`Bearer ${this.token}`);
    const given = Buffer.from(header);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private send(res: HttpResponse, status: number, body: string | Buffer, type = 'application/json', headers: Record<string, string> = {}, closeConnection = false): void {
    res.cork(() => {
      res.writeStatus(STATUS_TEXT[status] ?? `${status} Status`);
      res.writeHeader('content-type', type);
      res.writeHeader('cache-control', 'no-store');
      for (const [k, v] of Object.entries(headers)) res.writeHeader(k, v);
      res.end(body, closeConnection);
    });
  }

  private json(res: HttpResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
    this.send(res, status, JSON.stringify(value, bigintJson), 'application/json', headers);
  }

  private fail(res: HttpResponse, e: unknown): void {
    if (e instanceof HttpError) {
      if (e.status !== '401' && e.status !== '429') this.counters.bad_requests++;
      this.json(res, Number(e.status), { error: e.message }, e.headers);
      return;
    }
    this.json(res, 503, { error: `internal error: ${(e as Error).message}` });
  }

  /** Counts the request and applies the client's rate limit: false (answered 429) when over it. */
  private admit(res: HttpResponse): boolean {
    this.counters.http_requests++;
    const who = this.address(res);
    if (this.httpLimiter.take(who)) return true;
    this.counters.rate_limited++;
    this.json(res, 429, { error: `rate limit: at most ${this.limits.http.perSecond} requests/s (burst ${this.limits.http.burst}) per client` }, { 'retry-after': String(this.httpLimiter.retryAfterS(who)) });
    return false;
  }

  private get(pattern: string, handler: (res: HttpResponse, req: HttpRequest) => void): void {
    this.app.get(pattern, (res, req) => {
      if (!this.admit(res)) return;
      try {
        handler(res, req);
      } catch (e) {
        this.fail(res, e);
      }
    });
  }

  /**
   * A write: the token is checked before anything else (a wrong one changes nothing), then the
   * body is read up to the size limit and handed to `handler`.
   */
  private post(pattern: string, handler: (body: Buffer, contentType: string, req: { params: string[] }) => Promise<[number, unknown]> | [number, unknown]): void {
    this.app.post(pattern, (res, req) => {
      if (!this.admit(res)) return;
      const auth = req.getHeader('authorization');
      const contentType = req.getHeader('content-type').split(';')[0]!.trim().toLowerCase();
      const declared = Number(req.getHeader('content-length') || '0');
      const params = [req.getParameter(0) ?? ''];
      if (!this.authorized(auth)) {
        this.counters.unauthorized++;
        this.send(res, 401, JSON.stringify({ error: auth ? 'wrong bearer token' : 'this endpoint needs Authorization: Bearer <token>' }), 'application/json', { 'www-authenticate': 'Bearer realm="tickwave"' }, true);
        return;
      }
      const max = this.limits.maxBodyBytes;
      if (declared > max) {
        this.counters.bad_requests++;
        this.send(res, 413, JSON.stringify({ error: `body of ${declared} bytes is over the limit of ${max} bytes` }), 'application/json', {}, true);
        return;
      }
      let aborted = false;
      res.onAborted(() => (aborted = true));
      const chunks: Buffer[] = [];
      let size = 0;
      res.onData((chunk, last) => {
        if (aborted || size > max) return;
        size += chunk.byteLength;
        if (size > max) {
          this.counters.bad_requests++;
          this.send(res, 413, JSON.stringify({ error: `body is over the limit of ${max} bytes` }), 'application/json', {}, true);
          return;
        }
        chunks.push(Buffer.from(chunk.slice(0)));
        if (!last) return;
        Promise.resolve()
          .then(() => handler(Buffer.concat(chunks), contentType, { params }))
          .then(([status, value]) => {
            if (!aborted) this.json(res, status, value);
          })
          .catch((e) => {
            if (!aborted) this.fail(res, e);
          });
      });
    });
  }

  private routes(): void {
    const app = this.app;
    this.get('/health', (res) => {
      const h = this.health();
      this.json(res, h.status === 'ok' ? 200 : 503, h);
    });
    this.get('/stats', (res) => this.json(res, 200, this.status.snapshot({ server: this.stats() })));
    this.get('/jobs', (res) => this.json(res, 200, { jobs: (this.o.jobs ?? []).map((j) => ({ name: j.module.replace(/^.*[\\/]/, '').replace(/\.js$/, ''), options: j.options ?? null })) }));
    this.get('/metrics', (res) => this.send(res, 200, this.metrics(), 'text/plain; version=0.0.4; charset=utf-8'));
    this.get('/symbols', (res) => this.json(res, 200, [...this.feeds.symbols].sort()));
    this.get('/books/:symbol', (res, req) => {
      const symbol = decodeURIComponent(req.getParameter(0) ?? '');
      if (!/^[A-Za-z0-9._:/-]{1,32}$/.test(symbol)) throw new HttpError('400', `not a symbol: ${JSON.stringify(symbol)}`);
      const levels = Number(req.getQuery('levels') ?? '10');
      if (!Number.isInteger(levels) || levels < 1 || levels > 100) throw new HttpError('400', `levels must be an integer from 1 to 100, got ${JSON.stringify(req.getQuery('levels'))}`);
      this.json(res, 200, this.books.depth(symbol, levels));
    });

    this.post('/orders', (body, type) => this.postMessage(body, type, ['Order', 'Cancel', 'Replace']));
    this.post('/policies', (body, type) => this.postMessage(body, type, ['AccountPolicy']));
    this.post('/simulator/:action', (body, _type, req) => this.simulatorControl(req.params[0]!, body));

    for (const [pattern, endpoint] of [['/ws/market-data/:symbol', 'market-data'], ['/ws/trades', 'trades'], ['/ws/alerts', 'alerts'], ['/ws/engine/status', 'status']] as const) {
      app.ws<SocketData>(pattern, this.feedBehavior(endpoint));
    }

    app.get('/*', (res, req) => {
      if (!this.admit(res)) return;
      const asset = this.assets.get(req.getUrl());
      if (!asset) {
        this.json(res, 404, { error: `no such resource: GET ${req.getUrl()}` });
        return;
      }
      this.send(res, 200, asset.body, asset.type);
    });
    app.any('/*', (res, req) => {
      if (!this.admit(res)) return;
      this.json(res, 405, { error: `${req.getMethod().toUpperCase()} ${req.getUrl()} is not supported` });
    });
  }

  health(): { status: 'ok' | 'degraded'; version: string; components: Record<string, unknown> } {
    const stats = this.o.runtime.stats();
    const workersUp = stats.perWorker.filter((w) => w.alive).length;
    const components: Record<string, { status: string; [k: string]: unknown }> = {
      runtime: { status: stats.sourceErrors.length === 0 ? 'ok' : 'failing', source_errors: stats.sourceErrors },
      workers: { status: workersUp === stats.workers ? 'ok' : 'failing', up: workersUp, of: stats.workers, crashes: stats.crashes },
    };
    if (this.o.kafka) {
      const sink = this.o.kafka.sink.stats();
      const source = this.o.kafka.source.stats();
      const sourceFailed = stats.sourceErrors.some((e) => e.source.toLowerCase().includes('kafka'));
      components.kafka = { status: sourceFailed || sink.errors.length > 0 ? 'failing' : 'ok', brokers: this.o.kafka.brokers, assigned: source.assigned, consumed: source.consumed, sink_errors: sink.errors };
    }
    const ok = Object.values(components).every((c) => c.status === 'ok');
    return { status: ok ? 'ok' : 'degraded', version: VERSION, components };
  }

  private metrics(): string {
    const rt = this.o.runtime;
    const s = rt.stats();
    const p = new PrometheusText();
    p.counter('tickwave_ingested_frames_total', 'Frames accepted by ingress', s.ingested)
      .counter('tickwave_rejected_frames_total', 'Frames refused by the ingress verifier (dead letters)', s.rejected)
      .counter('tickwave_ring_full_total', 'Times a worker ring was full when ingress tried to write', s.full)
      .counter('tickwave_dropped_frames_total', 'Frames dropped under the drop back-pressure policy', s.dropped)
      .counter('tickwave_output_frames_total', 'Frames the jobs emitted', s.output)
      .counter('tickwave_handler_errors_total', 'Exceptions thrown by input and output handlers', s.handlerErrors)
      .gauge('tickwave_workers', 'Worker threads', s.workers)
      .gauge('tickwave_partitions', 'Partitions', s.partitions);
    for (const [type, n] of Object.entries(rt.outputCounts())) p.counter('tickwave_outputs_total', 'Outputs by message type', n, { type });
    for (const w of s.perWorker) {
      const l = { worker: w.workerId };
      p.gauge('tickwave_worker_up', '1 while the worker thread runs', w.alive ? 1 : 0, l);
      p.counter('tickwave_worker_frames_handled_total', 'Frames a worker handled', w.framesHandled, l);
      p.gauge('tickwave_worker_inbound_ring_used_bytes', 'Bytes waiting in the worker inbound ring', w.inbound.used, l);
      p.gauge('tickwave_worker_inbound_ring_capacity_bytes', 'Size of the worker inbound ring', w.inbound.capacity, l);
    }
    for (const [stage, h] of Object.entries(rt.histograms())) {
      p.latency('tickwave_output_latency_seconds', 'Latency of outputs from the ingress (or planned send time) of their cause', h, { stage });
    }
    const sim = this.o.simulator?.stats();
    if (sim) {
      p.counter('tickwave_simulator_events_total', 'Events the simulator sent', sim.sent)
        .gauge('tickwave_simulator_rate_events_per_second', 'The simulator target rate', sim.rate)
        .gauge('tickwave_simulator_behind_seconds', 'How far the simulator is behind its schedule', sim.behindMs / 1e3)
        .gauge('tickwave_simulator_paused', '1 while the simulator is paused', sim.paused ? 1 : 0);
    }
    if (this.o.kafka) {
      const k = this.o.kafka.source.stats();
      p.counter('tickwave_kafka_consumed_messages_total', 'Messages consumed from Kafka', k.messages)
        .counter('tickwave_kafka_consumed_frames_total', 'Frames consumed from Kafka (each frame of a batch value)', k.consumed)
        .counter('tickwave_kafka_dead_letters_total', 'Kafka messages sent to the dead-letter topic', k.deadLetters)
        .counter('tickwave_kafka_commits_total', 'Offset commits the broker acknowledged', k.commits)
        .counter('tickwave_kafka_commit_errors_total', 'Periodic offset commits that failed (the next commit covers their offsets)', k.commitErrors)
        .gauge('tickwave_kafka_assigned_partitions', 'Partitions assigned to this process', k.assigned.length);
    }
    const st = this.stats();
    p.gauge('tickwave_ws_clients', 'Connected WebSocket clients', st.clients)
      .counter('tickwave_ws_connections_total', 'WebSocket connections accepted', st.connections_total)
      .counter('tickwave_ws_slow_consumers_closed_total', 'WebSocket clients closed for a full send buffer', st.slow_consumers_closed)
      .counter('tickwave_ws_published_messages_total', 'Messages published to WebSocket topics', st.published)
      .counter('tickwave_http_requests_total', 'HTTP requests', st.http_requests)
      .counter('tickwave_http_unauthorized_total', 'Requests refused for a missing or wrong token', st.unauthorized)
      .counter('tickwave_rate_limited_total', 'Requests and messages refused by rate limits', st.rate_limited)
      .counter('tickwave_bad_requests_total', 'Requests refused as malformed or oversized', st.bad_requests);
    return p.toString();
  }

  /** A message posted as JSON (`application/json`) or FlatBuffers (any other type): verified, then ingested. */
  private async postMessage(body: Buffer, contentType: string, allowed: string[]): Promise<[number, unknown]> {
    let frame: Uint8Array;
    let typeName: string;
    if (contentType === 'application/json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch (e) {
        throw new HttpError('400', `body is not JSON: ${(e as Error).message}`);
      }
      typeName = typeof parsed === 'object' && parsed !== null && typeof (parsed as { type?: unknown }).type === 'string' ? (parsed as { type: string }).type : allowed[0]!;
      if (!allowed.includes(typeName)) throw new HttpError('400', `this endpoint takes ${allowed.join(', ')}, not ${typeName}`);
      try {
        const m = messageFromJson(typeName, parsed);
        const order = m.body as { orderId?: bigint };
        if (typeName === 'Order' && order.orderId === 0n) order.orderId = this.nextOrderId++;
        frame = encode(m.type, m.body as MessageBody);
      } catch (e) {
        if (e instanceof JsonMessageError || e instanceof RangeError) throw new HttpError('400', e.message);
        throw e;
      }
    } else if (contentType === 'application/x-flatbuffers' || contentType === 'application/octet-stream') {
      frame = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
      const type = this.verifier.verifyBytes(frame);
      if (type <= 0) throw new HttpError('400', `not a valid tickwave message: ${this.verifier.rejection().reason}`);
      typeName = Body[type] ?? `type ${type}`;
      if (!allowed.includes(typeName)) throw new HttpError('400', `this endpoint takes ${allowed.join(', ')}, not ${typeName}`);
    } else {
      throw new HttpError('415', `Content-Type must be application/json, application/x-flatbuffers or application/octet-stream, got ${JSON.stringify(contentType)}`);
    }
    const orderId = typeName === 'Order' ? (Envelope.getRootAsEnvelope(new WireBuffer(frame)).body(new Order()) as Order).orderId() : null;
    let decided: Promise<Record<string, unknown> | null> | null = null;
    if (orderId !== null) {
      if (this.decisionWaiters.has(orderId)) throw new HttpError('409', `order ${orderId} is already waiting for its risk decision`);
      decided = new Promise((resolve) => {
        const timer = setTimeout(() => {
          this.decisionWaiters.delete(orderId);
          resolve(null);
        }, this.o.decisionWaitMs ?? 2_000);
        this.decisionWaiters.set(orderId, (d) => {
          clearTimeout(timer);
          this.decisionWaiters.delete(orderId);
          resolve(d);
        });
      });
    }
    const result = this.o.runtime.ingest(frame, 'http');
    if (result !== Ingest.OK) {
      if (orderId !== null) this.decisionWaiters.get(orderId)?.({});
      if (result === Ingest.REJECTED) throw new HttpError('400', `not a valid tickwave message: ${this.o.runtime.lastRejection()?.reason}`);
      const why = result === Ingest.FULL || result === Ingest.DROPPED ? 'the engine is busy (its ring is full); retry' : result === Ingest.WORKER_DOWN ? 'the worker owning this key is down' : 'the runtime is stopping';
      throw new HttpError('503', why, { 'retry-after': '1' });
    }
    if (!decided) return [202, { accepted_for_processing: typeName }];
    const decision = await decided;
    if (decision === null) return [202, { accepted_for_processing: typeName, order_id: orderId, note: 'no risk decision yet; watch /ws/trades' }];
    return [200, decision];
  }

  private simulatorControl(action: string, body: Buffer): [number, unknown] {
    const sim = this.o.simulator;
    if (!sim) throw new HttpError('409', 'no simulator is running (the input is Kafka)');
    let args: Record<string, unknown> = {};
    if (body.length) {
      try {
        const parsed: unknown = JSON.parse(body.toString('utf8'));
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        args = parsed as Record<string, unknown>;
      } catch (e) {
        throw new HttpError('400', `body must be a JSON object: ${(e as Error).message}`);
      }
    }
    switch (action) {
      case 'pause':
        sim.pause();
        break;
      case 'resume':
        sim.resume();
        break;
      case 'speed': {
        const speed = args.speed;
        if (typeof speed !== 'number' || !(speed > 0 && speed <= 1_000)) throw new HttpError('400', `speed must be a number above 0 and at most 1000, got ${JSON.stringify(speed)}`);
        sim.setSpeed(speed);
        break;
      }
      case 'scenario': {
        const name = args.name;
        if (typeof name !== 'string' || !(SCENARIO_NAMES as readonly string[]).includes(name)) throw new HttpError('400', `name must be one of ${SCENARIO_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
        if (args.symbol !== undefined && typeof args.symbol !== 'string') throw new HttpError('400', `symbol must be a string, got ${JSON.stringify(args.symbol)}`);
        try {
          sim.trigger(name, args.symbol as string | undefined);
        } catch (e) {
          throw new HttpError('400', (e as Error).message);
        }
        break;
      }
      default:
        throw new HttpError('404', `no simulator control "${action}"; controls: pause, resume, speed, scenario`);
    }
    return [200, { ok: true, action, simulator: sim.stats() }];
  }

  // ---- WebSocket -----------------------------------------------------------------------------

  private feedBehavior(endpoint: FeedEndpoint) {
    return {
      // Over our limit a message is refused with 1009 and a reason; uWS's own limit (a bare close) is far above it.
      maxPayloadLength: Math.max(64 * 1024, this.limits.maxWsMessageBytes * 2),
      // uWS skips a subscriber past maxBackpressure; ours closes it (4008) at half of that first.
      maxBackpressure: this.limits.sendBufferBytes * 2,
      closeOnBackpressureLimit: 1,
      idleTimeout: 120,
      sendPingsAutomatically: true,
      upgrade: (res: HttpResponse, req: HttpRequest, context: unknown) => {
        if (!this.admit(res)) return;
        const query = new URLSearchParams(req.getQuery() ?? '');
        const format = query.get('format') ?? 'binary';
        const address = this.address(res);
        if (format !== 'binary' && format !== 'json') {
          this.counters.bad_requests++;
          this.json(res, 400, { error: `format must be binary or json, got ${JSON.stringify(format)}` });
          return;
        }
        if (this.o.wsAuth) {
          const header = req.getHeader('authorization');
          const token = query.get('token');
          if (!(this.authorized(header) || (token !== null && this.authorized(`Bearer ${token}`)))) {
            this.counters.unauthorized++;
            this.json(res, 401, { error: 'this feed needs the token: ?token=<token> or Authorization: Bearer <token>' }, { 'www-authenticate': 'Bearer realm="tickwave"' });
            return;
          }
        }
        let initial: string[];
        try {
          initial = this.initialTopics(endpoint, req, query);
        } catch (e) {
          this.counters.bad_requests++;
          this.json(res, 400, { error: (e as Error).message });
          return;
        }
        const data: SocketData & { initial: string[] } = { id: `${address}#${++this.socketCount}`, endpoint, json: format === 'json', address, topics: new Set(), closed: false, initial };
        res.upgrade(data, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context as never);
      },
      open: (ws: WebSocket<SocketData>) => {
        this.counters.connections_total++;
        if (this.closed) {
          ws.end(CLOSE.SERVER_STOPPING, 'server stopping');
          return;
        }
        this.sockets.add(ws);
        const d = ws.getUserData() as SocketData & { initial: string[] };
        this.subscribe(ws, d.initial);
        if (endpoint === 'status') ws.send(JSON.stringify(this.status.snapshot({ server: this.stats() }), bigintJson), false);
      },
      message: (ws: WebSocket<SocketData>, message: ArrayBuffer) => this.onClientMessage(ws, message),
      close: (ws: WebSocket<SocketData>) => {
        const d = ws.getUserData();
        d.closed = true;
        this.sockets.delete(ws);
      },
    };
  }

  private initialTopics(endpoint: FeedEndpoint, req: HttpRequest, query: URLSearchParams): string[] {
    switch (endpoint) {
      case 'market-data':
        return topicsFor(endpoint, { symbols: [decodeURIComponent(req.getParameter(0) ?? '')] });
      case 'trades':
        return topicsFor(endpoint, {
          accounts: query.get('account') ? query.get('account')!.split(',') : undefined,
          types: query.get('types') ? query.get('types')!.split(',') : undefined,
        });
      case 'alerts':
        return topicsFor(endpoint, { kinds: query.get('kinds') ? query.get('kinds')!.split(',') : ['price', 'volume', 'risk', 'imbalance', 'arbitrage'] });
      case 'status':
        return [STATUS_TOPIC];
    }
  }

  private subscribe(ws: WebSocket<SocketData>, topics: string[]): void {
    const d = ws.getUserData();
    for (const t of topics) {
      if (d.topics.has(t)) continue;
      if (d.topics.size >= MAX_TOPICS_PER_SOCKET) throw new SubscriptionError(`at most ${MAX_TOPICS_PER_SOCKET} subscriptions per connection`);
      d.topics.add(t);
      ws.subscribe(t === STATUS_TOPIC || !d.json ? t : JSON_PREFIX + t);
    }
  }

  private unsubscribe(ws: WebSocket<SocketData>, topics: string[]): void {
    const d = ws.getUserData();
    for (const t of topics) {
      if (!d.topics.delete(t)) continue;
      ws.unsubscribe(t === STATUS_TOPIC || !d.json ? t : JSON_PREFIX + t);
    }
  }

  private onClientMessage(ws: WebSocket<SocketData>, message: ArrayBuffer): void {
    const d = ws.getUserData();
    const reply = (value: unknown) => {
      if (!d.closed) ws.send(JSON.stringify(value), false);
    };
    if (message.byteLength > this.limits.maxWsMessageBytes) {
      this.counters.bad_requests++;
      this.endSocket(ws, 1009, `message of ${message.byteLength} bytes is over the limit of ${this.limits.maxWsMessageBytes}`);
      return;
    }
    if (!this.wsLimiter.take(d.id)) {
      this.counters.rate_limited++;
      reply({ error: `rate limit: at most ${this.limits.ws.perSecond} messages/s (burst ${this.limits.ws.burst}); message ignored` });
      return;
    }
    let msg: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(decoder.decode(message));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
      msg = parsed as Record<string, unknown>;
    } catch (e) {
      this.counters.bad_requests++;
      reply({ error: `messages must be JSON objects like {"op":"subscribe",...}: ${(e as Error).message}` });
      return;
    }
    const op = msg.op;
    if (op !== 'subscribe' && op !== 'unsubscribe') {
      this.counters.bad_requests++;
      reply({ error: `op must be "subscribe" or "unsubscribe", got ${JSON.stringify(op)}` });
      return;
    }
    try {
      const topics = topicsFor(d.endpoint, msg);
      if (op === 'subscribe') this.subscribe(ws, topics);
      else this.unsubscribe(ws, topics);
      reply({ op: op === 'subscribe' ? 'subscribed' : 'unsubscribed', topics, subscriptions: [...d.topics] });
    } catch (e) {
      if (!(e instanceof SubscriptionError)) throw e;
      this.counters.bad_requests++;
      reply({ error: e.message });
    }
  }

}

export const startServer = (o: ServerOptions): Promise<TickwaveServer> => TickwaveServer.start(o);
