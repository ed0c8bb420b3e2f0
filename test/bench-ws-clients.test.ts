// The native client process of `tickwave bench ws` is a measuring instrument: it must count every
// binary message once, whatever way the bytes arrive, and its latency buckets must merge into a
// tickwave histogram without moving a value out of its bucket. A raw TCP server on loopback plays
// the WebSocket server here, so the test decides exactly how frames are cut across writes.
import { createServer, type Socket } from 'node:net';
import { afterAll, expect, test } from 'vitest';
import { monotonicNs } from '../src/runtime/clock.js';
import { NativeClients, nativeClientBinary, parseReport } from '../bench/ws-native-clients.js';
import { NodeClients } from '../bench/ws.bench.js';

const TS_AT = 4; // the planned send time sits at byte 4 of each binary payload

/** A WebSocket frame from the server (unmasked): FIN, the opcode, the payload length in 7, 16 or 64 bits. */
function frame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, n]) : Buffer.from([0x80 | opcode, 126, n >> 8, n & 0xff]);
  return Buffer.concat([head, payload]);
}

function timed(size: number, plannedNs: number): Buffer {
  const p = Buffer.alloc(size, 7);
  p.writeUInt32LE(plannedNs % 4_294_967_296, TS_AT);
  p.writeUInt32LE(Math.floor(plannedNs / 4_294_967_296), TS_AT + 4);
  return frame(2, p);
}

const sockets: Socket[] = [];
const server = createServer((s) => {
  let head = '';
  s.on('data', (d) => {
    if (head.endsWith('\r\n\r\n')) return;
    head += d.toString('latin1');
    if (head.endsWith('\r\n\r\n')) {
      s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      sockets.push(s);
    }
  });
});
afterAll(() => server.close());

const KINDS = {
  native: (port: number) => {
    const compiled = nativeClientBinary();
    if ('error' in compiled) throw new Error(`bench ws's native client did not build: ${compiled.error}`);
    return NativeClients.start(compiled.path, port, '/ws/market-data/*', 3, TS_AT);
  },
  // The fallback without a C compiler (it runs from dist/: the test command builds first).
  node: (port: number) => NodeClients.start(port, '/ws/market-data/*', 3, TS_AT),
};

test.each(Object.keys(KINDS) as (keyof typeof KINDS)[])('the %s clients count each binary frame once however the bytes are cut, and time it from its planned send', async (kind) => {
  if (!server.listening) await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  sockets.length = 0;
  const clients = await KINDS[kind](port);
  try {
    expect(sockets.length).toBe(3);
    await clients.reset();
    const planned = monotonicNs() - 2_000_000; // every message was due 2 ms ago
    for (const s of sockets) {
      // Two small frames in one write, a text frame (not counted), a 300-byte frame (16-bit length)
      // cut inside its header and again inside its payload, then one more small frame.
      s.write(Buffer.concat([timed(40, planned), timed(40, planned), frame(1, Buffer.from('hello'))]));
      const long = timed(300, planned);
      s.write(long.subarray(0, 3));
      await new Promise((r) => setTimeout(r, 20));
      s.write(long.subarray(3, 150));
      await new Promise((r) => setTimeout(r, 20));
      s.write(Buffer.concat([long.subarray(150), timed(12, planned)]));
    }
    let report = await clients.report();
    for (let i = 0; i < 100 && report.received < 12; i++) {
      await new Promise((r) => setTimeout(r, 20));
      report = await clients.report();
    }
    const measuredBy = monotonicNs() - planned;
    expect(report.received).toBe(12);
    expect(report.open).toBe(3);
    expect(report.latency.count).toBe(12);
    expect(report.latency.min).toBeGreaterThanOrEqual(2_000_000 * (1 - 1 / 1024));
    expect(report.latency.max).toBeGreaterThanOrEqual(2_000_000);
    expect(report.latency.max).toBeLessThanOrEqual(measuredBy);

    // A socket the server closes is no longer open; reset clears the count.
    sockets[0]!.destroy();
    await new Promise((r) => setTimeout(r, 50));
    await clients.reset();
    report = await clients.report();
    expect(report.open).toBe(2);
    expect(report.received).toBe(0);
  } finally {
    await clients.exit();
  }
});

test('a report merges into a histogram with each bucket in place and the max exact', () => {
  // Buckets at their lowest values: 1,500 ns (exact below 2,048), 4,096 ns (a 4-ns bucket), and
  // 5,000,000 ns (a 4,096-ns bucket, 4,997,120 to 5,001,215), which holds the max.
  const r = parseReport('report 6 3 5000017 1500:2 4096:1 4997120:3');
  expect(r.received).toBe(6);
  expect(r.open).toBe(3);
  expect(r.latency.count).toBe(6);
  expect(r.latency.min).toBe(1500);
  expect(r.latency.max).toBe(5_000_017);
  expect(r.latency.p50).toBe(4099); // the 3rd of 6 values, the top of its 4-ns HDR bucket
  expect(r.latency.p99).toBe(5_000_017); // in the max's bucket: no percentile above the max
  expect(() => parseReport('error unknown command: x')).toThrow(/answered "error unknown command: x" to report/);
});
