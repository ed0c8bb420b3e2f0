// The HTTP side of a tickwave server, typed: monitoring (health, stats, jobs, symbols, order books)
// and the writes that need the bearer token (orders, policies, simulator controls). Uses the global
// fetch of browsers and Node 20, or one passed in. Browser-safe.
import type { AccountPolicyMessage, LatencyPercentiles, Money, OrderMessage, RiskDecisionMessage } from './messages.js';

/** A request the server refused or could not serve: the HTTP status and the server's reason. */
export class TickwaveHttpError extends Error {
  constructor(
    readonly status: number,
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: HTTP ${status}${reason ? `: ${reason}` : ''}`);
    this.name = 'TickwaveHttpError';
  }
}

export interface BookLevel {
  price: Money;
  quantity: number;
  /** Resting orders at this price. */
  orders: number;
}

/** The trade engine's resting orders for a symbol, best price first on each side. */
export interface BookSnapshot {
  symbol: string;
  bids: BookLevel[];
  asks: BookLevel[];
}

export interface ServerStats {
  runtime: Record<string, unknown>;
  outputs: Record<string, number>;
  latency: Record<string, LatencyPercentiles>;
  simulator?: { rate: number; paused: boolean; speed: number; sent?: number; [name: string]: unknown };
  server?: Record<string, unknown>;
  [section: string]: unknown;
}

export type ScenarioName = 'crash' | 'spike' | 'arbitrage';

/** An order in the JSON form the server takes: decimals for prices, enums by name (`order_type: 'LIMIT'`). */
export type OrderRequest = Partial<Omit<OrderMessage, 'type'>> & Pick<OrderMessage, 'account' | 'symbol' | 'side' | 'order_type' | 'quantity'>;

export type PolicyRequest = Partial<Omit<AccountPolicyMessage, 'type'>> & Pick<AccountPolicyMessage, 'account'>;

type FetchLike = (input: string, init?: { method?: string; headers?: Record<string, string>; body?: string }) => Promise<{
  ok: boolean;
  status: number;
  text(): Promise<string>;
}>;

export interface ApiOptions {
  /** Needed for every write (POST). */
  token?: string;
  /** Defaults to the global fetch. */
  fetch?: FetchLike;
}

/** A tickwave server's HTTP API at `http://host:port`. */
export class TickwaveApi {
  readonly baseUrl: string;
  private readonly fetchImpl: FetchLike;

  constructor(baseUrl: string, private readonly options: ApiOptions = {}) {
    this.baseUrl = baseUrl.replace(/^ws(s?):/i, 'http$1:').replace(/\/+$/, '');
    const f = options.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
    if (!f) throw new TypeError('TickwaveApi: no fetch; pass options.fetch');
    // Browsers refuse a fetch called on another object ("Illegal invocation"): call it bare.
    this.fetchImpl = (input, init) => f(input, init);
  }

  /** Whether writes can be made (a token was given). */
  get canWrite(): boolean {
    return Boolean(this.options.token);
  }

  health(): Promise<Record<string, unknown>> {
    return this.get('/health');
  }

  stats(): Promise<ServerStats> {
    return this.get('/stats');
  }

  jobs(): Promise<unknown> {
    return this.get('/jobs');
  }

  /** The listings the server has seen so far. */
  symbols(): Promise<string[]> {
    return this.get('/symbols');
  }

  /** Up to `levels` price levels a side (the server's default is 10, at most 100). */
  book(symbol: string, levels?: number): Promise<BookSnapshot> {
    return this.get(`/books/${encodeURIComponent(symbol)}${levels ? `?levels=${levels}` : ''}`);
  }

  /** Sends an order; the answer is the pre-trade risk check's decision (a rejection is a value). */
  submitOrder(order: OrderRequest): Promise<RiskDecisionMessage> {
    return this.post('/orders', order);
  }

  setPolicy(policy: PolicyRequest): Promise<unknown> {
    return this.post('/policies', policy);
  }

  pauseSimulator(): Promise<unknown> {
    return this.post('/simulator/pause', {});
  }

  resumeSimulator(): Promise<unknown> {
    return this.post('/simulator/resume', {});
  }

  setSimulatorSpeed(speed: number): Promise<unknown> {
    return this.post('/simulator/speed', { speed });
  }

  /** Starts a demo scenario on one symbol, or on the simulator's choice when none is given. */
  triggerScenario(name: ScenarioName, symbol?: string): Promise<unknown> {
    return this.post('/simulator/scenario', symbol ? { name, symbol } : { name });
  }

  private get<T>(path: string): Promise<T> {
    return this.request<T>(path, { method: 'GET', headers: { accept: 'application/json' } });
  }

  private post<T>(path: string, body: unknown): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    return this.request<T>(path, { method: 'POST', headers, body: JSON.stringify(body) });
  }

  private async request<T>(path: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<T> {
    const res = await this.fetchImpl(`${this.baseUrl}${path}`, init);
    const text = await res.text();
    let value: unknown = undefined;
    if (text) {
      try {
        value = JSON.parse(text);
      } catch {
        value = text;
      }
    }
    if (!res.ok) {
      const reason = typeof value === 'object' && value !== null && 'error' in value ? String((value as { error: unknown }).error) : typeof value === 'string' ? value.slice(0, 200) : '';
      throw new TickwaveHttpError(res.status, path, reason);
    }
    return value as T;
  }
}
