// The `tickwave` command: help, version, the main job's status, the wire benchmark's JSON line, and
// a clear message with exit code 2 for every bad argument.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { main } from '../src/cli.js';

const root = join(import.meta.dirname, '..');
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;

function tickwave(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin/tickwave.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function inProcess(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('tickwave (the installed command)', () => {
  test('--version prints the package version', () => {
    expect(tickwave('--version')).toEqual({ code: 0, out: `${version}\n`, err: '' });
  });
  test('--help lists the commands', () => {
    const r = tickwave('--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('tickwave run ');
    expect(r.out).toContain('tickwave bench [name] [--quick] [--json] [--no-save]');
  });
  test('check verifies the wire format and the runtime on this machine', () => {
    const r = tickwave('check');
    expect(r.code).toBe(0);
    expect(r.out).toContain('wire format: ok (a 128-byte Order verified by TypeScript and Wasm; a corrupted copy rejected: file identifier is not "TWV1" at byte 4)');
    expect(r.out).toMatch(/runtime: ok \(100,000 quotes at full speed through \d+ workers? and \d+ partitions, every one handled; time in the ring p50 [0-9.]+ µs, p99 [0-9.]+ µs\)/);
  });
  test('run runs the pipeline on the simulator, shows its status and ends with a summary', () => {
    const r = tickwave('run', '--duration', '3', '--rate', '4000', '--interval', '1000', '--scenario', 'spike@1', '--port', '0', '--token', 'cli-test-token');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^dashboard: http:\/\/127\.0\.0\.1:\d+\/#token=cli-test-token$/m);
    expect(r.out).toMatch(/^api: http:\/\/127\.0\.0\.1:\d+ \(GET \/health \/stats \/jobs \/metrics; writes need Authorization: Bearer <your token>\)$/m);
    expect(r.out).toContain('scenario "spike" triggered');
    expect(r.out).toMatch(/tickwave run · \d+ s · simulator 4,000 events\/s · \d+ worker\(s\), \d+ partitions/);
    expect(r.out).toMatch(/alerts {3}price \d+ {3}volume \d+ {3}risk \d+ {3}imbalance \d+ {3}arbitrage \d+/);
    expect(r.out).toMatch(/risk check \(order in -> decision out, µs\) {3}p50 [0-9.]+ {3}p99 [0-9.]+ {3}p99.9 [0-9.]+/);
    expect(r.out).toMatch(/worker 0: [0-9,]+ frames\/s, inbound ring [0-9.]+% full/);
    expect(r.out).toMatch(/^server: 0 WebSocket clients \(market data 0, trades 0, alerts 0, status 0\), 0 msgs published\/s, 0 HTTP requests, 0 slow consumers closed$/m);
    const summary = /summary: ([0-9,]+) frames in over [0-9.]+ s \([0-9,]+\/s\), ([0-9,]+) out, 0 dead letters, 0 dropped/.exec(r.out);
    expect(summary).not.toBeNull();
    // 3 s at 4,000 events/s, plus the instruments and policies sent first.
    expect(Number(summary![1]!.replaceAll(',', ''))).toBeGreaterThan(8_000);
    expect(r.out).toMatch(/risk check latency \(µs\): p50 [0-9.]+, p99 [0-9.]+, p99.9 [0-9.]+, p99.99 [0-9.]+, max [0-9.]+ over [0-9,]+ orders/);
  }, 60_000);
  test('an unknown command exits 2 and names it', () => {
    expect(tickwave('trade')).toEqual({ code: 2, out: '', err: 'tickwave: unknown command "trade"\nRun `tickwave --help` for usage.\n' });
  });
});

describe('tickwave run: bad options are named', () => {
  test.each([
    [['--rate', '-5'], 'tickwave run: --rate must be events per second above 0 (at most 10,000,000), got "-5"'],
    [['--rate'], 'tickwave run: --rate needs a value'],
    [['--workers', '1.5'], 'tickwave run: --workers must be an integer from 1 to 64, got "1.5"'],
    [['--speed', '2'], 'tickwave run: unknown option "--speed" for run (allowed: --rate, --seed, --traders, --workers, --partitions, --duration, --scenario, --config, --interval, --kafka, --group, --prefix, --topic-partitions, --port, --host, --token, --egress-spin-ms, --no-server, --ws-auth, --stage-topic)'],
    [['--egress-spin-ms', '2000'], 'tickwave run: --egress-spin-ms must be milliseconds from 0 to 1000, got "2000"'],
    [['--stage-topic'], 'tickwave run: --stage-topic needs --kafka (or KAFKA_BROKERS): the stage topic is a Kafka topic'],
    [['--scenario', 'melt'], 'tickwave run: --scenario must be one of crash, spike, arbitrage (optionally name@seconds), got "melt"'],
    [['--port', '70000'], 'tickwave run: --port must be a port number from 0 to 65535 (0: any free port), got "70000"'],
    [['--token', 'short'], 'tickwave run: --token (or TICKWAVE_TOKEN) must be 8 to 256 printable characters without spaces'],
    [['--ws-auth=yes'], 'tickwave run: --ws-auth takes no value'],
    [['--config', '/nonexistent/tw.json'], 'tickwave run: --config: cannot read /nonexistent/tw.json: ENOENT: no such file or directory, open \'/nonexistent/tw.json\''],
  ])('%j', async (args, message) => {
    const r = await inProcess('run', ...args);
    expect(r).toEqual({ code: 2, out: [], err: [message] });
  });
  test('a port already in use is named, with what to do', async () => {
    const { createServer } = await import('node:net');
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    try {
      const r = await inProcess('run', '--port', String(port), '--duration', '1');
      expect(r.code).toBe(2);
      expect(r.err).toEqual([`tickwave run: tickwave server: cannot listen on 127.0.0.1:${port} (in use, or not an address of this machine); choose another with --port, or run without the server with --no-server`]);
    } finally {
      taken.close();
    }
  });
  test('a config file with a bad threshold names the option', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'tw-')), 'config.json');
    writeFileSync(file, JSON.stringify({ orderImbalance: { shareBp: 0 } }));
    const r = await inProcess('run', '--config', file);
    expect(r).toEqual({ code: 2, out: [], err: [`tickwave run: --config: ${file}: orderImbalance.shareBp must be an integer from 1 to 9999, got 0`] });
  });
});

describe('tickwave produce: bad options are named', () => {
  test.each([
    [['--rate', '5'], 'tickwave produce: --kafka <brokers> (or KAFKA_BROKERS) is required'],
    [['--kafka', '127.0.0.1:1', '--rate', '0'], 'tickwave produce: --rate must be events per second above 0, got "0"'],
    [['--kafka', '127.0.0.1:1', '--events', '2.5'], 'tickwave produce: --events must be an integer of at least 0, got "2.5"'],
    [['--kafka', '127.0.0.1:1', '--frames-per-value', '0'], 'tickwave produce: --frames-per-value must be an integer from 1 to 10000, got "0"'],
    [['--kafka', '127.0.0.1:1', '--speed', '2'], 'tickwave produce: unknown option "--speed" for produce (allowed: --kafka, --rate, --events, --seed, --traders, --prefix, --topic-partitions, --frames-per-value)'],
  ])('%j', async (args, message) => {
    const { produceCommand } = await import('../src/produce-command.js');
    const out: string[] = [];
    const err: string[] = [];
    const code = await produceCommand(args, { out: (l) => out.push(l), err: (l) => err.push(l) }, {});
    expect({ code, out, err }).toEqual({ code: 2, out: [], err: [message] });
  });
});

describe('tickwave bench', () => {
  test('an unknown benchmark exits 2 and lists the available ones', async () => {
    const r = await inProcess('bench', 'nope');
    expect(r.code).toBe(2);
    expect(r.err).toEqual(['tickwave: unknown benchmark "nope" (available: wire, ring, routing, kernels, pipeline, kafka, ws)\nRun `tickwave --help` for usage.']);
  });
  test('an unknown option exits 2 and lists the allowed ones', async () => {
    const r = await inProcess('bench', 'wire', '--fast');
    expect(r.code).toBe(2);
    expect(r.err[0]).toBe('tickwave: unknown option "--fast" (allowed: --quick, --json, --list, --no-save)\nRun `tickwave --help` for usage.');
  });
  test('--list names every benchmark', async () => {
    const r = await inProcess('bench', '--list');
    expect(r.code).toBe(0);
    expect(r.out.map((l) => l.split(' ')[0])).toEqual(['wire', 'ring', 'routing', 'kernels', 'pipeline', 'kafka', 'ws']);
  });
  test('wire --quick --json ends with one JSON line holding the figures and their ratio', async () => {
    const r = await inProcess('bench', 'wire', '--quick', '--json', '--no-save');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out.at(-1)!) as Record<string, number>;
    for (const key of ['verify_read_ns_order', 'json_parse_ns_order', 'ratio_vs_json', 'encode_ns_order', 'encode_ns_quote', 'verify_read_ns_quote']) {
      expect(summary[key], key).toBeGreaterThan(0);
    }
    // The ratio is computed from the two reported figures (rounded to 2 decimals).
    expect(summary.ratio_vs_json).toBeCloseTo(summary.json_parse_ns_order! / summary.verify_read_ns_order!, 1);
    expect(summary.order_frame_bytes).toBe(160);
    expect(r.out.join('\n').split('\n')).toContainEqual(expect.stringMatching(/^\| verify\+read Order \| \d+ \| [0-9.]+ \| \d+ \| \d+ \| [0-9,]+ \|$/));
  });
  test('ring --quick --json ends with one JSON line holding throughputs, ratios and hop latencies', async () => {
    const r = await inProcess('bench', 'ring', '--quick', '--json', '--no-save');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out.at(-1)!) as Record<string, number>;
    for (const key of ['ring_frames_per_s', 'postmessage_frames_per_s', 'ringbufjs_frames_per_s', 'ratio_vs_postmessage', 'ratio_vs_ringbufjs', 'hop_p99_us_spin', 'hop_p99_us_park']) {
      expect(summary[key], key).toBeGreaterThan(0);
    }
    expect(summary.ratio_vs_postmessage).toBeCloseTo(summary.ring_frames_per_s! / summary.postmessage_frames_per_s!, 0);
    expect(summary.hop_p50_us_spin).toBeLessThanOrEqual(summary.hop_p99_us_spin!);
  });
  test('routing --quick --json reports both routings and which is faster', async () => {
    const r = await inProcess('bench', 'routing', '--quick', '--json', '--no-save');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out.at(-1)!) as Record<string, number>;
    for (const key of ['routing_direct_frames_per_s', 'routing_main_frames_per_s', 'ratio_direct_vs_main', 'routing_direct_p99_us', 'routing_main_p99_us']) {
      expect(summary[key], key).toBeGreaterThan(0);
    }
    const verdict = summary.ratio_direct_vs_main! >= 1 ? 'worker-to-worker rings are faster' : 'the main thread is faster here';
    expect(r.out.join('\n')).toContain(verdict);
  });
  test('kernels --quick --json reports each kernel against its reference', async () => {
    const r = await inProcess('bench', 'kernels', '--quick', '--json', '--no-save');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out.at(-1)!) as Record<string, number>;
    for (const key of ['lots_fills_per_s', 'lots_ratio_vs_ts_reference', 'risk_checks_per_s', 'risk_ratio_vs_ts_reference', 'book_ops_per_s',
      'book_ratio_vs_nodejs_order_book', 'book_ratio_vs_ts_reference', 'book_p99_us_at_1m', 'window_events_per_s', 'window_hopping_events_per_s',
      'window_ratio_vs_ts_reference', 'emit_changes_slowdown_tumbling']) {
      expect(summary[key], key).toBeGreaterThan(0);
    }
  });
});
