// `tickwave bench ws`: market data fanned out to 1,000 WebSocket clients on loopback. The publisher
// is open loop: message i is due at start + i/rate and carries that planned time in its ts_ns field,
// so the delivery latency (planned send -> parsed by the client, on the one monotonic clock) counts
// any stall of the server. The clients run in a process of their own. In the same run, the same load
// against a server built on the `ws` package (one send per client per message: what users write
// today). The rate ladder goes up until a server no longer keeps up (publisher on schedule, every
// message delivered within a second of the step's planned end, p99 under a second); the highest
// rate it kept up with is its delivered messages/s.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { startRuntime } from '../src/runtime/runtime.js';
import { tradingJobs } from '../src/jobs/index.js';
import { startServer } from '../src/server/server.js';
import { monotonicNs } from '../src/runtime/clock.js';
import { encode, toTicks } from '../src/wire/codec.js';
import { Body, Exchange, QuoteT } from '../src/wire/generated/index.js';
import type { Percentiles } from '../src/metrics/histogram.js';
import { packageRoot } from '../src/package-root.js';
import { saveRecord, stolenMs } from './report.js';
import { NativeClients, nativeClientBinary, type ClientReport } from './ws-native-clients.js';
import type { BenchRunOptions } from './index.js';

const CLIENTS = 1_000;
const FEWER_CLIENTS = [100, 300];
const SENTINEL = 0x0102030405060708n;

interface Step {
  rate: number;
  clients: number;
  /** CPU time the hypervisor gave other guests during the step, ms. */
  stolenMs: number;
  offered: number;
  received: number;
  sustained: boolean;
  deliveredPerS: number;
  latency: Percentiles;
  open: number;
}

/** A quote whose ts_ns can be rewritten in place: the frame and the offset of those 8 bytes. */
function template(): { frame: Uint8Array; tsAt: number; view: DataView } {
  const frame = encode(Body.Quote, Object.assign(new QuoteT(), {
    symbol: 'AAPL', exchange: Exchange.NASDAQ, bid: toTicks(175.21), ask: toTicks(175.25), bidSize: 500n, askSize: 300n, last: toTicks(175.23), volume: 125_000n, tsNs: SENTINEL,
  }));
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  for (let i = 0; i + 8 <= frame.length; i++) if (view.getBigUint64(i, true) === SENTINEL) return { frame, tsAt: i, view };
  throw new Error('bench ws: ts_ns not found in the template quote');
}

/** The clients' process: the native one (bench/ws-clients.c) where a C compiler is at hand, else the Node one. */
interface ClientLoad {
  reset(): Promise<void>;
  report(): Promise<ClientReport>;
  exit(): Promise<void>;
}

/** The Node client process (bench/ws-clients.ts), driven over IPC. */
export class NodeClients implements ClientLoad {
  private readonly child: ChildProcess;
  private waiting: ((m: any) => void) | null = null;
  private constructor(child: ChildProcess) {
    this.child = child;
    child.on('message', (m) => {
      const w = this.waiting;
      this.waiting = null;
      w?.(m);
    });
  }
  static async start(port: number, path: string, n: number, tsOffset: number): Promise<NodeClients> {
    const child = fork(join(packageRoot(), 'dist', 'bench', 'ws-clients.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const c = new NodeClients(child);
    await new Promise<void>((resolve) => (c.waiting = () => resolve()));
    const connected = await c.ask({ cmd: 'connect', port, path, n, tsOffset });
    if (connected.n !== n) throw new Error(`bench ws: only ${connected.n} of ${n} clients connected`);
    return c;
  }
  private ask(msg: object): Promise<any> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.child.send(msg);
    });
  }
  async reset(): Promise<void> {
    await this.ask({ cmd: 'reset' });
  }
  async report(): Promise<ClientReport> {
    const r = await this.ask({ cmd: 'report' });
    return { received: r.received, open: r.open, latency: r.latency };
  }
  async exit(): Promise<void> {
    await this.ask({ cmd: 'close' });
    this.child.send({ cmd: 'exit' });
    await new Promise((r) => this.child.once('exit', r));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One step of the ladder: `rate` messages/s for `seconds`, each to every client. */
async function step(clients: ClientLoad, n: number, rate: number, seconds: number, publish: (frame: Uint8Array) => void, t: ReturnType<typeof template>): Promise<Step> {
  await clients.reset();
  const stolenBefore = stolenMs();
  const total = Math.round(rate * seconds);
  const start = monotonicNs();
  const nsPer = 1e9 / rate;
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor((monotonicNs() - start) / nsPer) + 1);
    while (sent < due) {
      const planned = start + sent * nsPer;
      t.view.setUint32(t.tsAt, planned % 4_294_967_296, true);
      t.view.setUint32(t.tsAt + 4, Math.floor(planned / 4_294_967_296), true);
      publish(t.frame);
      sent++;
    }
    // Everything due is published on each turn of the event loop, as the runtime hands the server
    // its outputs once per egress poll.
    await new Promise((r) => setImmediate(r));
  }
  const offered = total * n;
  const plannedEndNs = start + seconds * 1e9;
  // A publisher that could not send on schedule (a server whose sends block it) did not keep up either.
  const onSchedule = monotonicNs() - plannedEndNs < 1e9;
  const stolen = stolenMs() - stolenBefore;
  let report = await clients.report();
  // Kept up: everything delivered within a second of the planned end of the step (a publisher that
  // fell behind its schedule fails this too).
  while (report.received < offered && monotonicNs() - plannedEndNs < 1e9) {
    await sleep(50);
    report = await clients.report();
  }
  // ... and no queue built up along the way: p99 under a second.
  const sustained = onSchedule && report.received >= offered && report.latency.p99 < 1e9;
  // Let a backlog drain before the next step, so steps do not bleed into each other.
  for (let i = 0; i < 100 && report.received < offered; i++) {
    await sleep(100);
    report = await clients.report();
  }
  const elapsedS = (monotonicNs() - start) / 1e9;
  return {
    rate, clients: n, stolenMs: stolen, offered, received: report.received, sustained, open: report.open, latency: report.latency,
    deliveredPerS: sustained ? offered / seconds : report.received / elapsedS,
  };
}

async function ladder(name: string, port: number, path: string, publish: (frame: Uint8Array) => void, rates: number[], seconds: number, native: string | null, log: (l: string) => void, n = CLIENTS): Promise<Step[]> {
  const t = template();
  const clients: ClientLoad = native
    ? await NativeClients.start(native, port, path, n, t.tsAt)
    : await NodeClients.start(port, path, n, t.tsAt);
  const steps: Step[] = [];
  try {
    await sleep(200);
    for (const rate of rates) {
      const s = await step(clients, n, rate, seconds, publish, t);
      steps.push(s);
      const ms = (ns: number) => (ns / 1e6).toFixed(2);
      log(`  ${name}: ${Math.round(rate).toLocaleString('en-US')} msgs/s x ${n} clients: delivered ${Math.round(s.deliveredPerS).toLocaleString('en-US')}/s${s.sustained ? '' : ' (fell behind)'}, ` +
        `latency p50 ${ms(s.latency.p50)} ms p99 ${ms(s.latency.p99)} ms max ${ms(s.latency.max)} ms`);
      if (!s.sustained) break;
    }
  } finally {
    await clients.exit();
  }
  return steps;
}

export async function runWsBench(opts: BenchRunOptions = {}): Promise<Record<string, number>> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const seconds = opts.quick ? 2 : 4;
  const rates = opts.quick ? [250, 500, 1_000, 2_000] : [250, 500, 1_000, 2_000, 4_000, 8_000];
  const compiled = nativeClientBinary();
  const native = 'path' in compiled ? compiled.path : null;
  if (!native) log(`ws: the native client process is not available (${(compiled as { error: string }).error}); the clients run in Node, whose own cost per read adds to the latency measured`);
  log(`ws: ${CLIENTS} clients on loopback subscribed to market data; open-loop steps of ${seconds} s at ${rates.join(', ')} msgs/s`);

  const rt = await startRuntime({ jobs: tradingJobs({}), workers: 1, partitions: 1 });
  // The clients are meant to keep up: a large send buffer so a slow step shows as lag, not as closed clients.
  const server = await startServer({ runtime: rt, port: 0, token: 'bench-token', limits: { sendBufferBytes: 64 * 1024 * 1024, http: { perSecond: 1e6, burst: 1e6 } } });
  let tw: Step[];
  const fewer: Step[] = [];
  try {
    const publish = (f: Uint8Array) => server.feeds.frame(f, Body.Quote);
    tw = await ladder('tickwave (uWebSockets.js pub/sub)', server.port, '/ws/market-data/*', publish, rates, seconds, native, log);
    // The same 1 M msgs/s to fewer clients: the latency follows the width of a fan-out round.
    for (const n of FEWER_CLIENTS) fewer.push(...(await ladder('tickwave', server.port, '/ws/market-data/*', publish, [1_000_000 / n], seconds, native, log, n)));
  } finally {
    await server.close();
    await rt.stop();
  }

  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const wsPort = (wss.address() as { port: number }).port;
  let peer: Step[];
  try {
    peer = await ladder('ws package', wsPort, '/', (f) => {
      const copy = Buffer.from(f); // ws may still hold a buffer while the socket drains: one copy per message, shared by the clients
      for (const c of wss.clients) c.send(copy, { binary: true });
    }, rates, seconds, native, log);
  } finally {
    for (const c of wss.clients) c.terminate();
    await new Promise((r) => wss.close(r));
  }

  const best = (steps: Step[]) => steps.filter((s) => s.sustained).reduce<Step | null>((a, s) => (!a || s.deliveredPerS > a.deliveredPerS ? s : a), null);
  const twBest = best(tw);
  const peerBest = best(peer);
  const twTop = twBest?.deliveredPerS ?? Math.max(...tw.map((s) => s.deliveredPerS));
  const peerTop = peerBest?.deliveredPerS ?? Math.max(...peer.map((s) => s.deliveredPerS));
  const at1m = tw.find((s) => s.rate * CLIENTS === 1_000_000) ?? tw[tw.length - 1]!;
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  const summary = {
    clients: CLIENTS,
    delivered_msgs_per_s: Math.round(twTop),
    ws_delivered_msgs_per_s: Math.round(peerTop),
    ratio_vs_ws: Math.round((twTop / peerTop) * 100) / 100,
    delivery_p50_ms: ms(at1m.latency.p50),
    delivery_p99_ms: ms(at1m.latency.p99),
    delivery_p999_ms: ms(at1m.latency.p999),
    delivery_max_ms: ms(at1m.latency.max),
    delivery_rate_msgs_per_s: at1m.rate * CLIENTS,
    ...Object.fromEntries(fewer.map((f) => [`delivery_p99_ms_${f.clients}_clients`, ms(f.latency.p99)])),
  };
  const row = (name: string, s: Step) =>
    `| ${name} | ${(s.rate * CLIENTS).toLocaleString('en-US')} | ${Math.round(s.deliveredPerS).toLocaleString('en-US')} | ${s.sustained ? 'yes' : 'no'} | ${ms(s.latency.p50)} | ${ms(s.latency.p99)} | ${ms(s.latency.p999)} | ${ms(s.latency.max)} | ${s.stolenMs} |`;
  const table = [
    `| server | offered msgs/s (rate x ${CLIENTS} clients) | delivered/s | kept up | p50 ms | p99 ms | p99.9 ms | max ms | stolen ms |`,
    '|---|---:|---:|---|---:|---:|---:|---:|---:|',
    ...tw.map((s) => row('tickwave', s)),
    ...peer.map((s) => row('ws', s)),
    '',
    '| | delivered msgs/s (highest rate kept up) | vs ws |',
    '|---|---:|---:|',
    `| tickwave (uWebSockets.js pub/sub) | ${summary.delivered_msgs_per_s.toLocaleString('en-US')} | ${summary.ratio_vs_ws}x |`,
    `| ws package, one send per client | ${summary.ws_delivered_msgs_per_s.toLocaleString('en-US')} | 1x |`,
    '',
    '| tickwave, 1,000,000 msgs/s delivered to | msgs/s per client | kept up | p50 ms | p99 ms | p99.9 ms | max ms | stolen ms |',
    '|---:|---:|---|---:|---:|---:|---:|---:|',
    ...[...fewer, at1m].map((f) => `| ${f.clients.toLocaleString('en-US')} clients | ${Math.round(f.rate).toLocaleString('en-US')} | ${f.sustained ? 'yes' : 'no'} | ${ms(f.latency.p50)} | ${ms(f.latency.p99)} | ${ms(f.latency.p999)} | ${ms(f.latency.max)} | ${f.stolenMs} |`),
  ].join('\n');
  const clientNote = native
    ? 'the clients: one separate process reading every socket with epoll (bench/ws-clients.c, compiled on first use), parsing frame headers and each message\'s planned send time; the server in this process; both share the 2 vCPUs'
    : 'the clients: one separate Node process (no C compiler was found for the native one), whose own cost per read adds several ms to the latency at 1,000 clients; the server in this process; both share the 2 vCPUs';
  const notes = [
    clientNote,
    'latency: from each message\'s planned send time (open loop) to its parsing by the client, on the one monotonic clock; a step is kept up when the publisher stays on schedule, every message arrives within 1 s of the planned end of the step and the p99 stays under 1 s',
    'the tickwave server publishes through the same path as live market data (FeedPublisher: the symbol read from the frame, one publish to md/AAPL and one to md/*); uWebSockets.js writes each client once per event-loop turn, with every message published in that turn',
    'stolen: CPU time the hypervisor gave other guests during the step (/proc/stat); it comes in slices of milliseconds, and every message queued behind a stalled thread waits them out',
    'the latency is the width of a fan-out round: one send() per client socket, and a profile of the server shows 84% of its CPU in the kernel\'s loopback TCP path (both ends of each send run there), about 3 µs per socket, so a round to 1,000 sockets takes 3 ms or more of one core and a message waits up to a round to start and up to a round to reach its client; at the same 1 M msgs/s, fewer clients wait less (the last table)',
  ];

  log('');
  log(table);
  for (const n of notes) log(`- ${n}`);
  if (opts.save !== false) saveRecord({ name: 'ws', command: `npx tickwave bench ws${opts.quick ? ' --quick' : ''}`, table, notes, summary });
  if (opts.json) log(JSON.stringify(summary));
  return summary;
}
