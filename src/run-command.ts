// `tickwave run`: the main job. The whole pipeline in this process on the built-in market simulator
// (the trade engine and the four market-data jobs on the worker threads), with a live terminal
// status: rates, alerts by kind, the risk check's latency percentiles and each worker's load.
// Ctrl-C stops it cleanly (every frame sent is processed) and prints a summary.
import { readFileSync } from 'node:fs';
import { CommandOptions, OptionError as RunOptionError } from './command-options.js';
import { tradingJobs } from './jobs/index.js';
import { resolvePipelineConfig } from './jobs/config.js';
import { defaultPartitions, startRuntime, type RouteHandler, type Runtime, type RuntimeStats } from './runtime/runtime.js';
import { percentiles } from './metrics/histogram.js';
import { SimulatorSource } from './sim/simulator-source.js';
import { KafkaSource } from './kafka/kafka-source.js';
import { KafkaSink } from './kafka/kafka-sink.js';
import { ensureTopics } from './kafka/admin.js';
import { allTopics } from './kafka/topics.js';
import { SCENARIO_NAMES } from './sim/scenarios.js';
import { startServer, type ServerStats, type TickwaveServer } from './server/server.js';


export interface RunOptions {
  rate: number;
  seed: number;
  traders: number;
  workers: number | undefined;
  partitions: number | undefined;
  durationS: number;
  scenario: { name: string; afterS: number } | null;
  config: unknown;
  intervalMs: number;
  /** Consume from (and produce to) Kafka at these brokers instead of running the simulator. */
  kafka: string | null;
  group: string;
  prefix: string;
  topicPartitions: number;
  /** Run the trade engine's stages across the group's processes through the stage topic (engine_routes). */
  stageTopic: boolean;
  /** The HTTP/WebSocket server and dashboard: its port (0: any free one), or null for none. */
  port: number | null;
  host: string;
  token: string | null;
  wsAuth: boolean;
  /** The runtime's egressSpinMs: how long the main thread polls for outputs before it parks. */
  egressSpinMs: number;
}

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const OPTIONS = ['--rate', '--seed', '--traders', '--workers', '--partitions', '--duration', '--scenario', '--config', '--interval', '--kafka', '--group', '--prefix', '--topic-partitions', '--port', '--host', '--token', '--egress-spin-ms'];
const FLAGS = ['--no-server', '--ws-auth', '--stage-topic'];

/** Parses `run`'s options; a bad one is refused with a message naming it. */
export function parseRunOptions(args: string[], env: NodeJS.ProcessEnv = process.env): RunOptions {
  const given = new CommandOptions(args, OPTIONS, 'run', FLAGS);
  const num = given.number.bind(given);
  const int = (v: number) => Number.isInteger(v);
  let scenario: RunOptions['scenario'] = null;
  const sc = given.string('--scenario');
  if (sc !== undefined) {
    const [name, after] = sc.split('@');
    if (!(SCENARIO_NAMES as readonly string[]).includes(name!)) throw new RunOptionError(`--scenario must be one of ${SCENARIO_NAMES.join(', ')} (optionally name@seconds), got "${sc}"`);
    const afterS = after === undefined ? 5 : Number(after);
    if (!Number.isFinite(afterS) || afterS < 0) throw new RunOptionError(`--scenario's delay after @ must be seconds of at least 0, got "${after}"`);
    scenario = { name: name!, afterS };
  }
  let config: unknown = {};
  const file = given.string('--config');
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new RunOptionError(`--config: cannot read ${file}: ${(e as Error).message}`);
    }
    try {
      config = JSON.parse(text);
    } catch (e) {
      throw new RunOptionError(`--config: ${file} is not JSON: ${(e as Error).message}`);
    }
    try {
      resolvePipelineConfig(config);
    } catch (e) {
      throw new RunOptionError(`--config: ${file}: ${(e as Error).message}`);
    }
  }
  const workers = given.has('--workers') ? num('--workers', 1, (v) => int(v) && v >= 1 && v <= 64, 'an integer from 1 to 64') : undefined;
  const partitions = given.has('--partitions') ? num('--partitions', 1, (v) => int(v) && v >= 1 && v <= 65_535, 'an integer from 1 to 65535') : undefined;
  return {
    rate: num('--rate', 20_000, (v) => v > 0 && v <= 10_000_000, 'events per second above 0 (at most 10,000,000)'),
    seed: num('--seed', 42, (v) => int(v) && v >= 0 && v < 2 ** 32, 'an integer from 0 to 4294967295'),
    traders: num('--traders', 20, (v) => int(v) && v >= 0 && v <= 999, 'an integer from 0 to 999'),
    workers,
    partitions,
    durationS: num('--duration', Infinity, (v) => v > 0, 'seconds above 0'),
    scenario,
    config,
    intervalMs: num('--interval', 1_000, (v) => int(v) && v >= 100, 'milliseconds, an integer of at least 100'),
    kafka: given.string('--kafka') ?? env.KAFKA_BROKERS ?? null,
    group: given.string('--group') ?? 'tickwave',
    prefix: given.string('--prefix') ?? '',
    topicPartitions: num('--topic-partitions', 4, (v) => int(v) && v >= 1 && v <= 10_000, 'an integer from 1 to 10000'),
    stageTopic: stageTopicOption(given.has('--stage-topic'), given.string('--kafka') ?? env.KAFKA_BROKERS ?? null),
    port: given.has('--no-server') ? null : num('--port', 8080, (v) => int(v) && v >= 0 && v <= 65_535, 'a port number from 0 to 65535 (0: any free port)'),
    host: given.string('--host') ?? '127.0.0.1',
    token: tokenOption(given.string('--token') ?? env.TICKWAVE_TOKEN ?? null),
    wsAuth: given.has('--ws-auth'),
    egressSpinMs: num('--egress-spin-ms', 0, (v) => v >= 0 && v <= 1_000, 'milliseconds from 0 to 1000'),
  };
}

/** The config with engine.rememberRoutedOrders at 100,000 unless it is given. */
function withRoutedMemory(config: unknown): unknown {
  const c = (config ?? {}) as { engine?: Record<string, unknown> };
  return { ...c, engine: { rememberRoutedOrders: 100_000, ...c.engine } };
}

function stageTopicOption(stageTopic: boolean, kafka: string | null): boolean {
  if (stageTopic && !kafka) throw new RunOptionError('--stage-topic needs --kafka (or KAFKA_BROKERS): the stage topic is a Kafka topic');
  return stageTopic;
}

function tokenOption(token: string | null): string | null {
  if (token !== null && !/^[\x21-\x7e]{8,256}$/.test(token)) throw new RunOptionError('--token (or TICKWAVE_TOKEN) must be 8 to 256 printable characters without spaces');
  return token;
}

const fmt = (v: number): string => Math.round(v).toLocaleString('en-US');
const us = (ns: number): string => (ns / 1_000).toFixed(ns < 10_000 ? 1 : 0);

const ALERT_KINDS: [string, string][] = [
  ['PriceAlert', 'price'],
  ['VolumeSpikeAlert', 'volume'],
  ['RiskAlert', 'risk'],
  ['OrderImbalanceAlert', 'imbalance'],
  ['ArbitrageAlert', 'arbitrage'],
];

/** The status block: what a trading-infrastructure engineer looks at while it runs. */
/** One line on where the input comes from. */
function sourceLine(source: SimulatorSource | KafkaSource, opts: Pick<RunOptions, 'kafka' | 'group'>): string {
  if (source instanceof SimulatorSource) {
    const src = source.stats();
    return `simulator ${fmt(src.rate)} events/s${src.paused ? ' (paused)' : ''}${src.behindMs > 100 ? `, sender ${fmt(src.behindMs)} ms behind` : ''}`;
  }
  const k = source.stats();
  return `kafka ${opts.kafka} group ${opts.group}: consumed ${fmt(k.consumed)}${k.replayed ? ` (${fmt(k.replayed)} replayed)` : ''}, ${fmt(k.commits)} commits, ${k.assigned.length} partitions`;
}

export function statusLines(
  rt: Runtime, source: SimulatorSource | KafkaSource, elapsedS: number, before: { stats: RuntimeStats; counts: Record<string, number>; at: number }, now: number,
  opts: Pick<RunOptions, 'kafka' | 'group'> = { kafka: null, group: '' },
  server: { now: ServerStats; before: ServerStats } | null = null,
): string[] {
  const stats = rt.stats();
  const counts = rt.outputCounts();
  const dt = Math.max(1e-3, (now - before.at) / 1_000);
  const rate = (v: number, was: number) => fmt((v - was) / dt);
  const c = (name: string, from: Record<string, number>) => from[name] ?? 0;
  const h = rt.histograms();
  const risk = percentiles(h.risk_decision);
  const exec = percentiles(h.exec_report);
  const lines = [
    `tickwave run · ${elapsedS.toFixed(0)} s · ${sourceLine(source, opts)} · ${stats.workers} worker(s), ${stats.partitions} partitions`,
    `in ${rate(stats.ingested, before.stats.ingested)}/s   out ${rate(stats.output, before.stats.output)}/s   risk decisions ${rate(c('RiskDecision', counts), c('RiskDecision', before.counts))}/s` +
      `   exec reports ${rate(c('ExecReport', counts), c('ExecReport', before.counts))}/s   dead letters ${fmt(stats.rejected + c('DeadLetter', counts))}`,
    `alerts   ${ALERT_KINDS.map(([k, label]) => `${label} ${fmt(c(k, counts))}`).join('   ')}`,
    `risk check (order in -> decision out, µs)   p50 ${us(risk.p50)}   p99 ${us(risk.p99)}   p99.9 ${us(risk.p999)}   max ${us(risk.max)}   (exec report p99 ${us(exec.p99)})`,
    ...stats.perWorker.map((w, i) => {
      const was = before.stats.perWorker[i]?.framesHandled ?? 0;
      const fill = (100 * w.inbound.used) / w.inbound.capacity;
      return `worker ${w.workerId}: ${rate(w.framesHandled, was)} frames/s, inbound ring ${fill.toFixed(fill < 1 ? 1 : 0)}% full${w.alive ? '' : ' (crashed)'}`;
    }),
  ];
  if (server) {
    const { now: sv, before: was } = server;
    const by = sv.clients_by_endpoint;
    lines.push(`server: ${fmt(sv.clients)} WebSocket clients (market data ${by['market-data']}, trades ${by.trades}, alerts ${by.alerts}, status ${by.status}), ` +
      `${rate(sv.published, was.published)} msgs published/s, ${fmt(sv.http_requests)} HTTP requests, ${fmt(sv.slow_consumers_closed)} slow consumers closed`);
  }
  return lines;
}

export async function runCommand(args: string[], io: Io, control: { tty?: boolean; signal?: AbortSignal } = {}): Promise<number> {
  const { signal } = control;
  let opts: RunOptions;
  try {
    opts = parseRunOptions(args);
  } catch (e) {
    if (e instanceof RunOptionError) {
      io.err(`tickwave run: ${e.message}`);
      return 2;
    }
    throw e;
  }
  let source: SimulatorSource | KafkaSource;
  let kafkaSink: KafkaSink | null = null;
  let onRoute: RouteHandler | undefined;
  try {
    if (opts.kafka) {
      const created = await ensureTopics({ brokers: opts.kafka, topics: allTopics(opts.prefix), partitions: opts.topicPartitions });
      if (created.length) io.out(`kafka: created topics ${created.join(', ')}`);
      kafkaSink = await KafkaSink.connect({ brokers: opts.kafka, prefix: opts.prefix });
      kafkaSink.onError((e) => io.err(`tickwave run: ${e.message}`));
      source = new KafkaSource({ brokers: opts.kafka, groupId: opts.group, prefix: opts.prefix, sink: kafkaSink, stageTopic: opts.stageTopic });
      // The trade engine across processes: routed frames go out to the stage topic and come back
      // from it to whichever process of the group holds their partition.
      if (opts.stageTopic) onRoute = await kafkaSink.routeHandler(opts.partitions ?? defaultPartitions(opts.workers));
    } else {
      // A live view times the runtime from when each event is handed over, as with Kafka input: the
      // simulator sends on a 1 ms timer, and from its schedule every order would carry up to 2 ms of
      // that (bench pipeline and tickwave sla time from the schedule, with a finer sender).
      source = new SimulatorSource({ seed: opts.seed, traders: opts.traders, eventsPerSecond: opts.rate, rate: opts.rate, timedFrom: 'send' });
    }
  } catch (e) {
    io.err(`tickwave run: ${(e as Error).message}`);
    await kafkaSink?.disconnect();
    return 2;
  }
  // Across processes an order may reach its book twice (routed again after a crash): books remember.
  const jobs = tradingJobs(opts.stageTopic ? withRoutedMemory(opts.config) : opts.config);
  const rt = await startRuntime({
    jobs, workers: opts.workers, partitions: opts.partitions, sources: [source], egressSpinMs: opts.egressSpinMs, ...(onRoute ? { routing: 'main', onRoute } : {}),
  });
  kafkaSink?.attach(rt);
  let server: TickwaveServer | null = null;
  if (opts.port !== null) {
    try {
      server = await startServer({
        runtime: rt, host: opts.host, port: opts.port, token: opts.token, wsAuth: opts.wsAuth, jobs,
        simulator: source instanceof SimulatorSource ? source : null,
        kafka: source instanceof KafkaSource && kafkaSink ? { brokers: opts.kafka!, source, sink: kafkaSink } : null,
      });
    } catch (e) {
      io.err(`tickwave run: ${(e as Error).message}; choose another with --port, or run without the server with --no-server`);
      await rt.stop();
      await kafkaSink?.disconnect();
      return 2;
    }
    io.out(`dashboard: ${server.dashboardUrl}`);
    io.out(`api: ${server.url} (GET /health /stats /jobs /metrics; writes need Authorization: Bearer ${opts.token ? '<your token>' : server.token})`);
  }
  const started = Date.now();
  const tty = control.tty === true;
  let shown = 0;
  let before = { stats: rt.stats(), counts: rt.outputCounts(), at: started };
  let serverBefore: ServerStats | null = server?.stats() ?? null;
  const show = (): void => {
    const now = Date.now();
    const serverNow = server?.stats() ?? null;
    const lines = statusLines(rt, source, (now - started) / 1_000, before, now, opts, serverNow && serverBefore ? { now: serverNow, before: serverBefore } : null);
    before = { stats: rt.stats(), counts: rt.outputCounts(), at: now };
    serverBefore = serverNow;
    if (tty) {
      if (shown > 0) process.stdout.write(`\x1b[${shown}A\x1b[J`);
      process.stdout.write(`${lines.join('\n')}\n`);
      shown = lines.length;
    } else {
      for (const l of lines) io.out(l);
      io.out('');
    }
  };
  let scenarioTimer: NodeJS.Timeout | undefined;
  if (opts.scenario && source instanceof SimulatorSource) {
    const sim = source;
    const { name, afterS } = opts.scenario;
    scenarioTimer = setTimeout(() => {
      sim.trigger(name);
      io.out(`scenario "${name}" triggered`);
      shown = 0;
    }, afterS * 1_000);
  }
  const timer = setInterval(show, opts.intervalMs);
  await new Promise<void>((resolve) => {
    const finish = () => {
      process.off('SIGINT', finish);
      process.off('SIGTERM', finish);
      resolve();
    };
    process.on('SIGINT', finish);
    process.on('SIGTERM', finish);
    signal?.addEventListener('abort', finish, { once: true });
    if (Number.isFinite(opts.durationS)) setTimeout(finish, opts.durationS * 1_000).unref();
  });
  // A second Ctrl-C while draining stops at once.
  const hardStop = () => process.exit(130);
  process.once('SIGINT', hardStop);
  clearInterval(timer);
  clearTimeout(scenarioTimer);
  io.out('stopping: draining the rings ...');
  await server?.close();
  const final = await rt.stop();
  await kafkaSink?.disconnect();
  process.off('SIGINT', hardStop);
  if (final.sourceErrors.length > 0) for (const e of final.sourceErrors) io.err(`tickwave run: source ${e.source} failed: ${e.error}`);
  show();
  const counts = rt.outputCounts();
  const risk = percentiles(rt.histograms().risk_decision);
  const seconds = (Date.now() - started) / 1_000;
  io.out(`summary: ${fmt(final.ingested)} frames in over ${seconds.toFixed(1)} s (${fmt(final.ingested / seconds)}/s), ${fmt(final.output)} out, ` +
    `${fmt(final.rejected + (counts.DeadLetter ?? 0))} dead letters, ${fmt(final.dropped)} dropped`);
  io.out(`  risk decisions ${fmt(counts.RiskDecision ?? 0)}, exec reports ${fmt(counts.ExecReport ?? 0)}; alerts: ${ALERT_KINDS.map(([k, l]) => `${l} ${fmt(counts[k] ?? 0)}`).join(', ')}`);
  io.out(`  risk check latency (µs): p50 ${us(risk.p50)}, p99 ${us(risk.p99)}, p99.9 ${us(risk.p999)}, p99.99 ${us(risk.p9999)}, max ${us(risk.max)} over ${fmt(risk.count)} orders`);
  if (final.crashes.length > 0 || final.sourceErrors.length > 0) {
    for (const c of final.crashes) io.err(`worker ${c.workerId} crashed (partitions ${c.partitions.join(', ')}): ${c.error}`);
    return 1;
  }
  return 0;
}
