// A connection to one of a tickwave server's WebSocket feeds: builds the URL, decodes binary frames
// into messages, routes text frames (engine status, replies to subscribe and unsubscribe, JSON-form
// messages), keeps the subscriptions across reconnects, and says why the server closed it.
// Browser-safe: it takes the WebSocket class as a parameter (the global one in browsers; on Node 20
// pass one, e.g. the `ws` package's).
//
// Thread-safety: single-threaded (event-loop callbacks only), like the WebSocket under it.
import { decodeFrame } from './decode.js';
import type { AlertKind, EngineStatus, TickwaveMessage, TradingMessage } from './messages.js';

export type FeedEndpoint = 'market-data' | 'trades' | 'alerts' | 'engine-status';

/** The part of the WHATWG WebSocket interface a feed uses; the browser's and `ws`'s both fit. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: never) => void) | null;
  // Handlers take `never` so that classes with narrower event types (the DOM's) still fit.
  onmessage: ((ev: never) => void) | null;
  onclose: ((ev: never) => void) | null;
  onerror: ((ev: never) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Close codes a tickwave server uses. */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  /** No close frame: the connection dropped or never opened. */
  ABNORMAL: 1006,
  /** Policy violation; also how some servers refuse a token. */
  POLICY_VIOLATION: 1008,
  /** The client read too slowly: its send buffer filled up and the server dropped it. */
  SLOW_CONSUMER: 4008,
  /** Missing or wrong token. */
  UNAUTHORIZED: 4401,
} as const;

export type CloseKind = 'normal' | 'going-away' | 'slow-consumer' | 'unauthorized' | 'abnormal' | 'other';

export interface FeedClose {
  code: number;
  reason: string;
  kind: CloseKind;
  /** One line for a log or a status bar. */
  message: string;
  /** Whether the feed will connect again by itself. */
  willReconnect: boolean;
}

/** A close code's meaning. */
export function closeKind(code: number): CloseKind {
  switch (code) {
    case CloseCode.NORMAL: return 'normal';
    case CloseCode.GOING_AWAY: return 'going-away';
    case CloseCode.SLOW_CONSUMER: return 'slow-consumer';
    case CloseCode.UNAUTHORIZED:
    case CloseCode.POLICY_VIOLATION: return 'unauthorized';
    case CloseCode.ABNORMAL: return 'abnormal';
    default: return 'other';
  }
}

const CLOSE_TEXT: Record<CloseKind, string> = {
  normal: 'closed',
  'going-away': 'server going away',
  'slow-consumer': 'dropped as a slow consumer (its send buffer filled up)',
  unauthorized: 'refused: missing or wrong token',
  abnormal: 'connection lost',
  other: 'closed',
};

/** Subscribe and unsubscribe requests, by feed. */
export interface SubscriptionRequest {
  /** market-data: symbols (or "*"). */
  symbols?: string[];
  /** trades: accounts. */
  accounts?: string[];
  /** trades: message types. */
  types?: TradingMessage['type'][];
  /** alerts: alert kinds. */
  kinds?: AlertKind[];
}

/** A text reply of the server to a subscribe or unsubscribe message. */
export type ControlReply = { op: string; [field: string]: unknown } | { error: string; [field: string]: unknown };

export interface FeedOptions {
  /** The server: `ws://host:port` (http:// and https:// are taken as ws:// and wss://). */
  url: string;
  endpoint: FeedEndpoint;
  /** market-data: the symbol in the path, `*` (the default) for every symbol. */
  symbol?: string;
  /** trades: only this account's messages (`?account=`). */
  account?: string;
  /** trades: only these message types (`?types=`). */
  types?: TradingMessage['type'][];
  /** Sent on every (re)connection before any later subscribe: e.g. `{ kinds: ['price'] }` on alerts. */
  subscribe?: SubscriptionRequest;
  /** Needed when the server requires a token on WebSocket (`?token=`). */
  token?: string;
  /** `binary` (default): FlatBuffers frames, decoded here. `json`: the server sends the JSON form. */
  format?: 'binary' | 'json';
  /** The WebSocket class; defaults to `globalThis.WebSocket`. */
  WebSocket?: WebSocketConstructor;
  /** Connect again this long after a close (doubling up to 30 s while it keeps failing); 0: never. */
  reconnectMs?: number;
  /** Verify frames before reading them (default true). */
  verify?: boolean;
  onMessage?: (message: TickwaveMessage) => void;
  onStatus?: (status: EngineStatus) => void;
  onReply?: (reply: ControlReply) => void;
  onOpen?: () => void;
  onClose?: (close: FeedClose) => void;
  /** Frames that do not decode, text that is not JSON, socket errors. Without it they are thrown. */
  onError?: (error: Error) => void;
}

/** The URL of a feed: `ws://host:port/ws/market-data/AAPL?token=...`. */
export function feedUrl(options: Pick<FeedOptions, 'url' | 'endpoint' | 'symbol' | 'account' | 'types' | 'token' | 'format'>): string {
  const base = options.url.replace(/^http(s?):/i, 'ws$1:').replace(/\/+$/, '');
  if (!/^wss?:\/\//i.test(base)) throw new TypeError(`a feed URL starts with ws:// or wss:// (or http:// / https://), got "${options.url}"`);
  let path: string;
  switch (options.endpoint) {
    case 'market-data': path = `/ws/market-data/${encodeURIComponent(options.symbol ?? '*')}`; break;
    case 'trades': path = '/ws/trades'; break;
    case 'alerts': path = '/ws/alerts'; break;
    case 'engine-status': path = '/ws/engine/status'; break;
    default: throw new TypeError(`unknown feed endpoint "${String(options.endpoint)}"`);
  }
  const query = new URLSearchParams();
  if (options.format === 'json') query.set('format', 'json');
  if (options.account) query.set('account', options.account);
  if (options.types?.length) query.set('types', options.types.join(','));
  if (options.token) query.set('token', options.token);
  const q = query.toString();
  return `${base}${path}${q ? `?${q}` : ''}`;
}

const OPEN = 1;
const MAX_RECONNECT_MS = 30_000;

export type FeedState = 'connecting' | 'open' | 'closed';

/** One WebSocket feed of a tickwave server. Connects on construction. */
export class TickwaveFeed {
  readonly url: string;
  /** Messages delivered to onMessage, frames that failed to decode, connections made. */
  readonly counts = { messages: 0, errors: 0, connections: 0 };
  private ws: WebSocketLike | null = null;
  private readonly WebSocketClass: WebSocketConstructor;
  /** Subscribe and unsubscribe messages in the order given, replayed on every connection. */
  private readonly controls: string[] = [];
  private stopped = false;
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastState: FeedState = 'connecting';

  constructor(private readonly options: FeedOptions) {
    const ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!ctor) throw new TypeError('TickwaveFeed: no WebSocket class; on Node 20 pass options.WebSocket (for example the ws package\'s WebSocket)');
    this.WebSocketClass = ctor;
    this.url = feedUrl(options);
    if (options.subscribe) this.controls.push(JSON.stringify({ op: 'subscribe', ...options.subscribe }));
    this.connect();
  }

  get state(): FeedState {
    return this.lastState;
  }

  /** Adds to what this connection receives; kept and sent again after a reconnect. */
  subscribe(request: SubscriptionRequest): void {
    this.control(JSON.stringify({ op: 'subscribe', ...request }));
  }

  unsubscribe(request: SubscriptionRequest): void {
    this.control(JSON.stringify({ op: 'unsubscribe', ...request }));
  }

  /** Closes for good (no reconnect). */
  close(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    const ws = this.ws;
    if (ws && ws.readyState <= OPEN) ws.close(CloseCode.NORMAL, 'client closed');
  }

  private control(text: string): void {
    this.controls.push(text);
    if (this.ws?.readyState === OPEN) this.ws.send(text);
  }

  private connect(): void {
    this.lastState = 'connecting';
    const ws = new this.WebSocketClass(this.url);
    this.ws = ws;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      this.failures = 0;
      this.lastState = 'open';
      this.counts.connections++;
      for (const text of this.controls) ws.send(text);
      this.options.onOpen?.();
    };
    ws.onmessage = (ev: { data: unknown }) => this.receive(ev.data);
    ws.onerror = () => {
      // The close event that follows carries the code; an error event says nothing more.
    };
    ws.onclose = (ev: { code: number; reason: string }) => {
      if (this.ws !== ws) return;
      this.lastState = 'closed';
      const kind = closeKind(ev.code);
      const delay = this.options.reconnectMs ?? 0;
      const willReconnect = !this.stopped && delay > 0 && kind !== 'unauthorized';
      const reason = ev.reason ? `: ${ev.reason}` : '';
      this.options.onClose?.({
        code: ev.code,
        reason: ev.reason,
        kind,
        message: `${this.url.replace(/token=[^&]*/, 'token=…')} ${CLOSE_TEXT[kind]} (code ${ev.code}${reason})`,
        willReconnect,
      });
      if (willReconnect) {
        const wait = Math.min(MAX_RECONNECT_MS, delay * 2 ** Math.min(this.failures, 10));
        this.failures++;
        this.timer = setTimeout(() => {
          if (!this.stopped) this.connect();
        }, wait);
      }
    };
  }

  private receive(data: unknown): void {
    if (typeof data === 'string') {
      this.text(data);
      return;
    }
    if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
      let message: TickwaveMessage;
      try {
        message = decodeFrame(data as ArrayBuffer, { verify: this.options.verify !== false });
      } catch (e) {
        this.fail(e as Error);
        return;
      }
      this.counts.messages++;
      this.options.onMessage?.(message);
      return;
    }
    this.fail(new TypeError(`unexpected WebSocket message data (${Object.prototype.toString.call(data)}); binaryType must be "arraybuffer"`));
  }

  private text(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.fail(new SyntaxError(`feed sent text that is not JSON: ${text.slice(0, 80)}`));
      return;
    }
    if (typeof value !== 'object' || value === null) {
      this.fail(new TypeError(`feed sent JSON that is not an object: ${text.slice(0, 80)}`));
      return;
    }
    const obj = value as Record<string, unknown>;
    if (obj.type === 'EngineStatus') this.options.onStatus?.(obj as unknown as EngineStatus);
    else if ('op' in obj || 'error' in obj) this.options.onReply?.(obj as ControlReply);
    else if (typeof obj.type === 'string') {
      this.counts.messages++;
      this.options.onMessage?.(obj as unknown as TickwaveMessage);
    } else this.fail(new TypeError(`feed sent JSON of no known kind: ${text.slice(0, 80)}`));
  }

  private fail(error: Error): void {
    this.counts.errors++;
    if (this.options.onError) this.options.onError(error);
    else throw error;
  }
}
