// TickwaveFeed against a scripted WebSocket (no network): URLs, binary vs text frames, subscriptions
// kept across reconnects, and what each close code means. The loopback version against a real
// server is in test/server/dashboard.browser.test.ts.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { Body, Exchange, QuoteT } from '../../src/wire/generated/index.js';
import { encode } from '../../src/wire/codec.js';
import {
  CloseCode, closeKind, feedUrl, FrameDecodeError, TickwaveFeed, type ControlReply, type EngineStatus, type FeedClose,
  type FeedOptions, type TickwaveMessage, type WebSocketLike,
} from '../../src/client/index.js';

/** A WebSocket whose server side the test plays. */
class ScriptedSocket implements WebSocketLike {
  static made: ScriptedSocket[] = [];
  binaryType = 'blob';
  readyState = 0;
  readonly sent: string[] = [];
  closedWith: [number | undefined, string | undefined] | null = null;
  onopen: ((ev: never) => void) | null = null;
  onmessage: ((ev: never) => void) | null = null;
  onclose: ((ev: never) => void) | null = null;
  onerror: ((ev: never) => void) | null = null;

  constructor(readonly url: string) {
    ScriptedSocket.made.push(this);
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send before open');
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closedWith = [code, reason];
    this.serverClose(code ?? 1005, reason ?? '');
  }

  open(): void {
    this.readyState = 1;
    (this.onopen as ((ev: object) => void) | null)?.({});
  }

  receive(data: unknown): void {
    (this.onmessage as ((ev: { data: unknown }) => void) | null)?.({ data });
  }

  serverClose(code: number, reason = ''): void {
    this.readyState = 3;
    (this.onclose as ((ev: { code: number; reason: string }) => void) | null)?.({ code, reason });
  }
}

interface Seen {
  messages: TickwaveMessage[];
  statuses: EngineStatus[];
  replies: ControlReply[];
  closes: FeedClose[];
  errors: Error[];
  opens: number;
}

function feed(options: Partial<FeedOptions> & Pick<FeedOptions, 'endpoint'>): { feed: TickwaveFeed; seen: Seen } {
  const seen: Seen = { messages: [], statuses: [], replies: [], closes: [], errors: [], opens: 0 };
  const f = new TickwaveFeed({
    url: 'ws://127.0.0.1:8080',
    WebSocket: ScriptedSocket,
    onMessage: (m) => seen.messages.push(m),
    onStatus: (s) => seen.statuses.push(s),
    onReply: (r) => seen.replies.push(r),
    onClose: (c) => seen.closes.push(c),
    onError: (e) => seen.errors.push(e),
    onOpen: () => seen.opens++,
    ...options,
  });
  return { feed: f, seen };
}

const socket = (i: number): ScriptedSocket => ScriptedSocket.made[i]!;

beforeEach(() => {
  ScriptedSocket.made = [];
});
afterEach(() => {
  vi.useRealTimers();
});

describe('feedUrl', () => {
  test('each endpoint, with its query', () => {
    const url = 'ws://127.0.0.1:8080';
    expect(feedUrl({ url, endpoint: 'market-data' })).toBe('ws://127.0.0.1:8080/ws/market-data/*');
    expect(feedUrl({ url, endpoint: 'market-data', symbol: 'AAPL', token: 's3cret' })).toBe('ws://127.0.0.1:8080/ws/market-data/AAPL?token=s3cret');
    expect(feedUrl({ url: 'http://h:1/', endpoint: 'trades', account: 'TRADER_001', types: ['Position', 'PnL', 'Portfolio'] }))
      .toBe('ws://h:1/ws/trades?account=TRADER_001&types=Position%2CPnL%2CPortfolio');
    expect(feedUrl({ url: 'https://h', endpoint: 'alerts', format: 'json' })).toBe('wss://h/ws/alerts?format=json');
    expect(feedUrl({ url, endpoint: 'engine-status' })).toBe('ws://127.0.0.1:8080/ws/engine/status');
    expect(feedUrl({ url, endpoint: 'market-data', symbol: 'A B/C' })).toBe('ws://127.0.0.1:8080/ws/market-data/A%20B%2FC');
  });

  test('refuses a URL that is not ws or http', () => {
    expect(() => feedUrl({ url: 'ftp://h', endpoint: 'alerts' })).toThrow('a feed URL starts with ws:// or wss:// (or http:// / https://), got "ftp://h"');
  });
});

describe('TickwaveFeed', () => {
  test('decodes binary frames; asks for ArrayBuffers', () => {
    const { feed: f, seen } = feed({ endpoint: 'market-data', symbol: 'AAPL' });
    expect(socket(0).url).toBe('ws://127.0.0.1:8080/ws/market-data/AAPL');
    expect(socket(0).binaryType).toBe('arraybuffer');
    socket(0).open();
    expect(f.state).toBe('open');
    const frame = encode(Body.Quote, new QuoteT('AAPL', Exchange.NYSE, 175_210_000n, 175_250_000n, 5_000n, 3_000n, 175_230_000n, 125_000n, 1n));
    socket(0).receive(frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength));
    expect(seen.messages).toEqual([{
      type: 'Quote', symbol: 'AAPL', exchange: 'NYSE', bid: 175.21, ask: 175.25, bid_size: 5000, ask_size: 3000, last: 175.23, volume: 125000, ts_ns: 1,
    }]);
    expect(f.counts).toEqual({ messages: 1, errors: 0, connections: 1 });
  });

  test('routes text frames: engine status, replies, JSON-form messages; reports what it cannot read', () => {
    const { feed: f, seen } = feed({ endpoint: 'engine-status' });
    socket(0).open();
    const status = { type: 'EngineStatus', ts_ms: 1, runtime: {}, rates: { in: 10, out: 5, risk_decisions: 2, exec_reports: 3 }, outputs: {}, latency: { risk_decision: { p50: 30, p99: 80, p999: 120, max: 400 } }, workers: [] };
    socket(0).receive(JSON.stringify(status));
    socket(0).receive('{"op":"subscribed","symbols":["AAPL"]}');
    socket(0).receive('{"error":"unknown symbol ZZZ"}');
    socket(0).receive('{"type":"PriceAlert","symbol":"AAPL","price":175.1}');
    socket(0).receive('not json');
    socket(0).receive('{"hello":1}');
    socket(0).receive(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]).buffer);
    expect(seen.statuses).toEqual([status]);
    expect(seen.replies).toEqual([{ op: 'subscribed', symbols: ['AAPL'] }, { error: 'unknown symbol ZZZ' }]);
    expect(seen.messages).toEqual([{ type: 'PriceAlert', symbol: 'AAPL', price: 175.1 }]);
    expect(seen.errors.map((e) => e.message)).toEqual([
      'feed sent text that is not JSON: not json',
      'feed sent JSON of no known kind: {"hello":1}',
      'not a tickwave frame: file identifier at bytes 4..7 is "\\x05\\x06\\x07\\x08", not "TWV1"',
    ]);
    expect(seen.errors[2]).toBeInstanceOf(FrameDecodeError);
    expect(f.counts).toEqual({ messages: 1, errors: 3, connections: 1 });
  });

  test('without onError a bad frame is thrown', () => {
    const f = new TickwaveFeed({ url: 'ws://h:1', endpoint: 'alerts', WebSocket: ScriptedSocket });
    socket(0).open();
    expect(() => socket(0).receive(new Uint8Array(2))).toThrow(FrameDecodeError);
    f.close();
  });

  test('subscriptions made before the socket opens go out on open, later ones at once, all again after a reconnect', () => {
    vi.useFakeTimers();
    const { feed: f, seen } = feed({ endpoint: 'alerts', subscribe: { kinds: ['price', 'risk'] }, reconnectMs: 100 });
    f.subscribe({ kinds: ['arbitrage'] });
    expect(socket(0).sent).toEqual([]);
    socket(0).open();
    f.unsubscribe({ kinds: ['risk'] });
    const all = [
      '{"op":"subscribe","kinds":["price","risk"]}',
      '{"op":"subscribe","kinds":["arbitrage"]}',
      '{"op":"unsubscribe","kinds":["risk"]}',
    ];
    expect(socket(0).sent).toEqual(all);

    socket(0).serverClose(CloseCode.SLOW_CONSUMER, 'send buffer full');
    expect(seen.closes).toEqual([{
      code: 4008, reason: 'send buffer full', kind: 'slow-consumer', willReconnect: true,
      message: 'ws://127.0.0.1:8080/ws/alerts dropped as a slow consumer (its send buffer filled up) (code 4008: send buffer full)',
    }]);
    expect(f.state).toBe('closed');
    vi.advanceTimersByTime(99);
    expect(ScriptedSocket.made).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(ScriptedSocket.made).toHaveLength(2);
    socket(1).open();
    expect(socket(1).sent).toEqual(all);
    expect(seen.opens).toBe(2);
    expect(f.counts.connections).toBe(2);
    f.close();
  });

  test('reconnects back off while connections keep failing', () => {
    vi.useFakeTimers();
    feed({ endpoint: 'market-data', reconnectMs: 100 });
    socket(0).serverClose(CloseCode.ABNORMAL);
    vi.advanceTimersByTime(100);
    socket(1).serverClose(CloseCode.ABNORMAL);
    vi.advanceTimersByTime(199);
    expect(ScriptedSocket.made).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(ScriptedSocket.made).toHaveLength(3);
  });

  test('an unauthorized close (4401 or 1008) is final and says so; the token is not echoed', () => {
    vi.useFakeTimers();
    const { seen } = feed({ endpoint: 'trades', token: 'wrong', reconnectMs: 100 });
    socket(0).serverClose(CloseCode.UNAUTHORIZED, 'bad token');
    vi.advanceTimersByTime(60_000);
    expect(ScriptedSocket.made).toHaveLength(1);
    expect(seen.closes).toEqual([{
      code: 4401, reason: 'bad token', kind: 'unauthorized', willReconnect: false,
      message: 'ws://127.0.0.1:8080/ws/trades?token=… refused: missing or wrong token (code 4401: bad token)',
    }]);
    expect(closeKind(1008)).toBe('unauthorized');
  });

  test('close() closes normally and does not reconnect', () => {
    vi.useFakeTimers();
    const { feed: f, seen } = feed({ endpoint: 'alerts', reconnectMs: 100 });
    socket(0).open();
    f.close();
    expect(socket(0).closedWith).toEqual([1000, 'client closed']);
    expect(seen.closes[0]).toMatchObject({ code: 1000, kind: 'normal', willReconnect: false });
    vi.advanceTimersByTime(60_000);
    expect(ScriptedSocket.made).toHaveLength(1);
  });

  test('close codes by kind', () => {
    expect([1000, 1001, 1006, 1008, 4008, 4401, 1011].map(closeKind)).toEqual([
      'normal', 'going-away', 'abnormal', 'unauthorized', 'slow-consumer', 'unauthorized', 'other',
    ]);
  });

  test('without a WebSocket class it says what to pass', () => {
    const g = globalThis as { WebSocket?: unknown };
    const saved = g.WebSocket;
    delete g.WebSocket;
    try {
      expect(() => new TickwaveFeed({ url: 'ws://h:1', endpoint: 'alerts' })).toThrow(
        "TickwaveFeed: no WebSocket class; on Node 20 pass options.WebSocket (for example the ws package's WebSocket)",
      );
    } finally {
      if (saved !== undefined) g.WebSocket = saved;
    }
  });
});
