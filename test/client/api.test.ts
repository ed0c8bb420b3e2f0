// TickwaveApi against a recording fetch: paths, the bearer token on writes only, bodies, and the
// server's reason in the error of a refused request.
import { expect, test } from 'vitest';
import { TickwaveApi, TickwaveHttpError, type ApiOptions } from '../../src/client/index.js';

interface Call {
  url: string;
  method: string | undefined;
  headers: Record<string, string> | undefined;
  body: string | undefined;
}

function recording(status: number, body: string): { fetch: NonNullable<ApiOptions['fetch']>; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: async (url, init) => {
      calls.push({ url, method: init?.method, headers: init?.headers, body: init?.body });
      return { ok: status >= 200 && status < 300, status, text: async () => body };
    },
  };
}

test('reads go without the token; book symbols are escaped', async () => {
  const r = recording(200, '{"symbol":"AAPL","bids":[{"price":175.2,"quantity":100,"orders":1}],"asks":[]}');
  const api = new TickwaveApi('ws://127.0.0.1:9/', { token: 't0k', fetch: r.fetch });
  expect(await api.book('AAPL')).toEqual({ symbol: 'AAPL', bids: [{ price: 175.2, quantity: 100, orders: 1 }], asks: [] });
  await api.book('A/B');
  expect(r.calls.map((c) => [c.method, c.url, c.headers?.authorization])).toEqual([
    ['GET', 'http://127.0.0.1:9/books/AAPL', undefined],
    ['GET', 'http://127.0.0.1:9/books/A%2FB', undefined],
  ]);
});

test('writes carry the bearer token and a JSON body', async () => {
  const r = recording(200, '{"ok":true}');
  const api = new TickwaveApi('http://h:1', { token: 't0k', fetch: r.fetch });
  expect(api.canWrite).toBe(true);
  await api.triggerScenario('crash', 'AAPL');
  await api.triggerScenario('spike');
  await api.setSimulatorSpeed(2);
  await api.pauseSimulator();
  await api.submitOrder({ account: 'TRADER_001', symbol: 'AAPL', side: 'BUY', order_type: 'LIMIT', tif: 'GTC', price: 175.2, quantity: 100 });
  expect(r.calls.map((c) => [c.method, c.url, c.headers?.authorization, c.body])).toEqual([
    ['POST', 'http://h:1/simulator/scenario', 'Bearer t0k', '{"name":"crash","symbol":"AAPL"}'],
    ['POST', 'http://h:1/simulator/scenario', 'Bearer t0k', '{"name":"spike"}'],
    ['POST', 'http://h:1/simulator/speed', 'Bearer t0k', '{"speed":2}'],
    ['POST', 'http://h:1/simulator/pause', 'Bearer t0k', '{}'],
    ['POST', 'http://h:1/orders', 'Bearer t0k', '{"account":"TRADER_001","symbol":"AAPL","side":"BUY","order_type":"LIMIT","tif":"GTC","price":175.2,"quantity":100}'],
  ]);
});

test("a refused request throws the status and the server's reason", async () => {
  const api = new TickwaveApi('http://h:1', { fetch: recording(401, '{"error":"missing or wrong bearer token"}').fetch });
  expect(api.canWrite).toBe(false);
  const e = await api.pauseSimulator().catch((err: unknown) => err);
  expect(e).toBeInstanceOf(TickwaveHttpError);
  expect((e as TickwaveHttpError).status).toBe(401);
  expect((e as Error).message).toBe('/simulator/pause: HTTP 401: missing or wrong bearer token');
  const plain = new TickwaveApi('http://h:1', { fetch: recording(404, 'no such route').fetch });
  await expect(plain.symbols()).rejects.toThrow('/symbols: HTTP 404: no such route');
});
