// The load of `tickwave bench ws` where no C compiler is at hand (bench/ws-clients.c, read with epoll,
// is the default: this one's own cost per read adds to the latency it measures): N WebSocket
// clients in one process of their own (so they do not share the server's event loop), on plain TCP
// sockets with the least parsing a client can do —
// frame headers, a count, and each message's planned send time read from its payload, for the
// delivery latency. The parent drives it over IPC: connect, reset, report, close.
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { monotonicNs } from '../src/runtime/clock.js';
import { latencyHistogram, percentiles } from '../src/metrics/histogram.js';

interface Conn {
  socket: Socket;
  rest: Buffer | null;
  open: boolean;
}

let conns: Conn[] = [];
let received = 0;
let tsOffset = 0;
let histogram = latencyHistogram();

function parse(c: Conn, chunk: Buffer, now: number): void {
  const buf = c.rest ? Buffer.concat([c.rest, chunk]) : chunk;
  c.rest = null;
  let p = 0;
  const end = buf.length;
  while (end - p >= 2) {
    const opcode = buf[p]! & 0x0f;
    let len = buf[p + 1]! & 0x7f;
    let h = 2;
    if (len === 126) {
      if (end - p < 4) break;
      len = buf.readUInt16BE(p + 2);
      h = 4;
    } else if (len === 127) {
      if (end - p < 10) break;
      len = Number(buf.readBigUInt64BE(p + 2));
      h = 10;
    }
    if (end - p < h + len) break;
    if (opcode === 2) {
      received++;
      const at = p + h + tsOffset;
      const planned = buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * 4_294_967_296;
      const lat = now - planned;
      histogram.recordValue(lat > 1 ? Math.round(lat) : 1);
    }
    p += h + len;
  }
  // The read buffer is reused by the next read: a partial frame is copied out.
  if (p < end) c.rest = Buffer.from(buf.subarray(p));
}

/** One read buffer for every socket: reads are parsed at once, and only a partial frame is copied out. */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

function open(port: number, path: string): Promise<Conn> {
  return new Promise((resolve, reject) => {
    let head: Buffer | null = Buffer.alloc(0);
    const c: Conn = {
      socket: connect({
        port, host: '127.0.0.1',
        // Reads land in READ_BUFFER (no Buffer per read, no stream machinery): the client process is
        // the bottleneck of this benchmark, so it does the least it can.
        onread: {
          buffer: READ_BUFFER,
          callback: (nread: number, buf: Uint8Array): boolean => {
            const now = monotonicNs();
            const chunk = Buffer.from(buf.buffer, buf.byteOffset, nread);
            if (head === null) {
              parse(c, chunk, now);
              return true;
            }
            head = Buffer.concat([head, chunk]);
            const endOfHead = head.indexOf('\r\n\r\n');
            if (endOfHead < 0) return true;
            if (!head.subarray(0, 12).toString().startsWith('HTTP/1.1 101')) {
              reject(new Error(`upgrade refused: ${head.toString().split('\r\n')[0]}`));
              return true;
            }
            const after = head.subarray(endOfHead + 4);
            head = null;
            c.open = true;
            if (after.length) parse(c, Buffer.from(after), now);
            resolve(c);
            return true;
          },
        },
      }),
      rest: null,
      open: false,
    };
    const socket = c.socket;
    socket.setNoDelay(true);
    socket.once('connect', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    socket.once('error', reject);
    socket.on('close', () => (c.open = false));
  });
}

process.on('message', async (m: { cmd: string; port?: number; path?: string; n?: number; tsOffset?: number }) => {
  switch (m.cmd) {
    case 'connect': {
      tsOffset = m.tsOffset!;
      const batch = 100;
      for (let i = 0; i < m.n!; i += batch) {
        const made = await Promise.all(Array.from({ length: Math.min(batch, m.n! - i) }, () => open(m.port!, m.path!)));
        conns.push(...made);
      }
      process.send!({ ev: 'connected', n: conns.length });
      break;
    }
    case 'reset':
      received = 0;
      histogram = latencyHistogram();
      process.send!({ ev: 'reset' });
      break;
    case 'report':
      process.send!({ ev: 'report', received, open: conns.filter((c) => c.open).length, latency: percentiles(histogram) });
      break;
    case 'close':
      for (const c of conns) c.socket.destroy();
      conns = [];
      process.send!({ ev: 'closed' });
      break;
    case 'exit':
      process.exit(0);
  }
});
process.send!({ ev: 'ready' });
