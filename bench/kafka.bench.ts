// `tickwave bench kafka`: market-data ticks through a real broker (started, or reused, with
// scripts/kafka.sh). In one run: ticks per second consumed and processed end to end by tickwave (the
// KafkaSource, verification, the rings, every trading job, outputs produced back to Kafka), and by a
// plain node-rdkafka consumer that JSON-decodes the same ticks (what users write today). tickwave is
// measured on batch values (64 frames per Kafka value, src/kafka/frame-batch.ts) and on one frame per
// value: a Kafka client pays per message, so batching is how it gets past the client's ceiling. Then the
// broker -> alert latency while a producer publishes at a fixed rate, timed from each tick's broker
// timestamp: when the broker appended it (the latency topics use LogAppendTime), in milliseconds.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { startRuntime } from '../src/runtime/runtime.js';
import { tradingJobs } from '../src/jobs/index.js';
import { KafkaSink } from '../src/kafka/kafka-sink.js';
import { KafkaSource } from '../src/kafka/kafka-source.js';
import { deleteTopics, ensureTopics } from '../src/kafka/admin.js';
import { allTopics, TOPICS } from '../src/kafka/topics.js';
import { rdkafka } from '../src/kafka/rdkafka.js';
import { MarketSimulator } from '../src/sim/market-simulator.js';
import { decode } from '../src/wire/codec.js';
import { Exchange, type QuoteT, type TradeT } from '../src/wire/generated/index.js';
import { latencyHistogram, percentiles } from '../src/metrics/histogram.js';
import { packageRoot } from '../src/package-root.js';
import { saveRecord } from './report.js';
import type { BenchRunOptions } from './index.js';

const JSON_TOPIC = 'market_data_json';
/** Frames per Kafka value in the batched run. */
const FRAMES_PER_VALUE = 64;
/** Throughput rounds (tickwave, then the JSON consumer) in a full run. */
const FULL_ROUNDS = 5;
/** Latency topics: each message's timestamp is when the broker appended it, so latency runs from the broker. */
const BROKER_TIMESTAMPS = { 'message.timestamp.type': 'LogAppendTime' };

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The seed demo's market data record, as JSON producers write it. */
function seedJson(frame: Uint8Array): Buffer {
  const d = decode(frame) as { typeName: string; body: QuoteT | TradeT };
  const b = d.body as QuoteT & TradeT;
  const quote = d.typeName === 'Quote';
  return Buffer.from(JSON.stringify({
    symbol: b.symbol, exchange: Exchange[b.exchange], price: Number(quote ? b.last : b.price) / 1e6, bid_price: quote ? Number(b.bid) / 1e6 : null,
    ask_price: quote ? Number(b.ask) / 1e6 : null, bid_size: quote ? Number(b.bidSize) : null, ask_size: quote ? Number(b.askSize) : null,
    volume: Number(quote ? b.volume : b.quantity), timestamp: Number(b.tsNs / 1_000_000n),
  }));
}

async function tickwaveThroughput(brokers: string, prefix: string, ticks: number, round = 1): Promise<number> {
  const outputs = await KafkaSink.connect({ brokers, prefix });
  const source = new KafkaSource({ brokers, groupId: `bench-tw-${prefix}${round}`, prefix, sink: outputs, topics: [TOPICS.marketData], replay: false });
  const rt = await startRuntime({ jobs: tradingJobs({ riskMonitor: { markIntervalMs: 0 } }), workers: 1, partitions: 4 });
  outputs.attach(rt);
  const running = source.run(rt);
  // Timed from the first tick in: joining the group takes seconds, and is not throughput.
  while (source.stats().consumed === 0) await new Promise((r) => setTimeout(r, 1));
  const start = performance.now();
  while (source.stats().consumed < ticks) await new Promise((r) => setTimeout(r, 5));
  await rt.whenIdle();
  const seconds = (performance.now() - start) / 1e3;
  source.stop();
  await running;
  await rt.stop();
  await outputs.disconnect();
  return ticks / seconds;
}

async function jsonConsumerThroughput(brokers: string, prefix: string, ticks: number, round = 1): Promise<number> {
  const consumer = new rdkafka.KafkaConsumer({ 'metadata.broker.list': brokers, 'group.id': `bench-json-${prefix}${round}`, 'enable.auto.commit': false, 'fetch.wait.max.ms': 10, 'fetch.queue.backoff.ms': 10 } as never, {
    'auto.offset.reset': 'earliest',
  });
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  consumer.setDefaultConsumeTimeout(0);
  consumer.subscribe([prefix + JSON_TOPIC]);
  const last = new Map<string, number>();
  let n = 0;
  let start = 0;
  while (n < ticks) {
    const batch = await new Promise<{ value: Buffer }[]>((resolve, reject) => consumer.consume(2_000, (err, m) => (err ? reject(err) : resolve(m as never))));
    if (start === 0 && batch.length > 0) start = performance.now();
    for (const m of batch) {
      const t = JSON.parse(m.value.toString()) as { symbol: string; price: number };
      last.set(t.symbol, t.price);
      n++;
    }
    if (batch.length === 0) await new Promise((r) => setTimeout(r, 2));
  }
  const seconds = (performance.now() - start) / 1e3;
  await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  return ticks / seconds;
}

/** `tickwave produce` publishing `events` at `rate` into the prefix's topics, from another process. */
function produceFromAnotherProcess(brokers: string, prefix: string, rate: number, events: number): Promise<unknown> {
  const producer = spawn(process.execPath, [join(packageRoot(), 'bin/tickwave.js'), 'produce', '--kafka', brokers, '--prefix', prefix, '--rate', String(rate), '--events', String(events), '--traders', '0', '--seed', '3'], { stdio: 'ignore' });
  return new Promise((r) => producer.once('exit', r));
}

/**
 * Broker -> alert while another process produces `warmup` + `events` ticks at `rate`, with stage
 * timing on: besides the alerts (a few dozen at the default thresholds), every tick's broker timestamp
 * -> its worker's ring, and the ring hop into the worker. The first `warmup` ticks are not recorded.
 */
async function alertLatency(brokers: string, prefix: string, rate: number, warmup: number, events: number) {
  await ensureTopics({ brokers, topics: allTopics(prefix), partitions: 4, topicConfig: BROKER_TIMESTAMPS });
  const outputs = await KafkaSink.connect({ brokers, prefix });
  const source = new KafkaSource({ brokers, groupId: `bench-lat-${prefix}`, prefix, sink: outputs, topics: [TOPICS.marketData], replay: false, latencyFrom: 'broker' });
  const rt = await startRuntime({ jobs: tradingJobs({ riskMonitor: { markIntervalMs: 0 } }), workers: 1, partitions: 4, sources: [source], stageTiming: true });
  outputs.attach(rt);
  try {
    const joinBy = Date.now() + 60_000;
    while (source.stats().assigned.length === 0) {
      if (Date.now() > joinBy) throw new Error(`bench kafka: no partitions assigned to group bench-lat-${prefix} within 60 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const producing = produceFromAnotherProcess(brokers, prefix, rate, warmup + events);
    // The producer and both ends warm up first (in one run its first quarter second reached the ring at
    // p50 18 ms, the rest at 4 ms).
    while (source.stats().consumed < warmup) await new Promise((r) => setTimeout(r, 2));
    rt.resetHistograms();
    await producing;
    while (source.stats().consumed < warmup + events) await new Promise((r) => setTimeout(r, 10));
    await rt.whenIdle();
  } finally {
    await rt.stop();
    await outputs.disconnect();
  }
  const stages = rt.stageHistograms()!;
  return { alert: percentiles(rt.histograms().alert), ingress: percentiles(stages.ingress), hop: percentiles(stages.ring_hop) };
}

/**
 * The same producer and rate read by a plain node-rdkafka consumer that does nothing with the ticks:
 * broker timestamp -> its callback. What the producer, the broker and the client give any consumer on
 * this machine; tickwave's broker -> alert cannot be below it.
 */
async function plainConsumerLatency(brokers: string, prefix: string, rate: number, warmup: number, events: number) {
  await ensureTopics({ brokers, topics: allTopics(prefix), partitions: 4, topicConfig: BROKER_TIMESTAMPS });
  // rebalance_cb: true makes node-rdkafka assign what the group gives and say so ('rebalance').
  const consumer = new rdkafka.KafkaConsumer({ 'metadata.broker.list': brokers, 'group.id': `bench-plain-${prefix}`, 'enable.auto.commit': false, 'fetch.wait.max.ms': 10, 'fetch.min.bytes': 1, 'fetch.queue.backoff.ms': 10, rebalance_cb: true } as never, {
    'auto.offset.reset': 'earliest',
  });
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  consumer.setDefaultConsumeTimeout(0);
  let assigned = false;
  consumer.on('rebalance', () => (assigned = true));
  consumer.subscribe([prefix + TOPICS.marketData]);
  const h = latencyHistogram();
  try {
    const joinBy = Date.now() + 60_000;
    while (!assigned) {
      if (Date.now() > joinBy) throw new Error(`bench kafka: no partitions assigned to group bench-plain-${prefix} within 60 s`);
      await new Promise((r) => consumer.consume(1, () => r(null)));
      await new Promise((r) => setTimeout(r, 20));
    }
    let n = 0;
    const producing = produceFromAnotherProcess(brokers, prefix, rate, warmup + events);
    while (n < warmup + events) {
      const batch = await new Promise<{ timestamp?: number }[]>((resolve, reject) => consumer.consume(2_000, (err, m) => (err ? reject(err) : resolve(m as never))));
      const now = Date.now();
      // Recorded after the same warm-up as tickwave's.
      for (let i = Math.max(0, warmup - n); i < batch.length; i++) h.recordValue(Math.max(1, (now - (batch[i]!.timestamp ?? now)) * 1e6));
      n += batch.length;
      if (batch.length === 0) await new Promise((r) => setTimeout(r, 2));
    }
    await producing;
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
  return percentiles(h);
}

export async function runKafkaBench(opts: BenchRunOptions): Promise<Record<string, number>> {
  const log = opts.log ?? console.log;
  const brokers = process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`;
  if (!process.env.KAFKA_BROKERS) execFileSync('bash', [join(packageRoot(), 'scripts/kafka.sh'), 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const ticks = opts.quick ? 100_000 : 1_000_000;
  const ROUNDS = opts.quick ? 1 : FULL_ROUNDS;
  const prefix = `bench${process.pid}${Date.now() % 100_000}_`;
  const batchedPrefix = `${prefix}b_`;
  await ensureTopics({ brokers, topics: [...allTopics(prefix), ...allTopics(batchedPrefix), prefix + JSON_TOPIC], partitions: 4 });
  log(`kafka: producing ${ticks.toLocaleString('en-US')} ticks as FlatBuffers (one per value, and ${FRAMES_PER_VALUE} per value) and as JSON to ${brokers} ...`);
  const input = await KafkaSink.connect({ brokers, prefix });
  const batchedInput = await KafkaSink.connect({ brokers, prefix: batchedPrefix });
  const batches = await batchedInput.batcher(FRAMES_PER_VALUE);
  const sim = new MarketSimulator({ seed: 1, traders: 0 });
  for (let i = 0; i < ticks; i++) {
    const e = sim.next();
    input.produce(e.type, e.frame);
    batches.add(e.type, e.frame);
    input.produceTo(JSON_TOPIC, seedJson(e.frame), null);
    if (i % 50_000 === 49_999) await input.flush();
  }
  batches.flush();
  await input.disconnect();
  await batchedInput.disconnect();
  // This machine's speed drifts over minutes: tickwave and the JSON consumer take turns, round after
  // round, and the ratio is the median of each round's own ratio.
  const rounds: { tw: number; json: number }[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    // Who goes first takes turns: the first round starts right after the broker took 3 M values.
    const twFirst = r % 2 === 1;
    const json0 = twFirst ? 0 : await jsonConsumerThroughput(brokers, prefix, ticks, r);
    const tw = await tickwaveThroughput(brokers, batchedPrefix, ticks, r);
    const json = twFirst ? await jsonConsumerThroughput(brokers, prefix, ticks, r) : json0;
    rounds.push({ tw, json });
    log(`  round ${r}/${ROUNDS}: tickwave, ${FRAMES_PER_VALUE} frames per value (verify, route, five jobs, outputs to Kafka) ${Math.round(tw).toLocaleString('en-US')} ticks/s; ` +
      `plain node-rdkafka consumer, JSON.parse per tick ${Math.round(json).toLocaleString('en-US')} ticks/s: ${(tw / json).toFixed(2)}x`);
  }
  const tw = median(rounds.map((r) => r.tw));
  const json = median(rounds.map((r) => r.json));
  const ratio = median(rounds.map((r) => r.tw / r.json));
  const single = await tickwaveThroughput(brokers, prefix, ticks);
  log(`  tickwave, one frame per value: ${Math.round(single).toLocaleString('en-US')} ticks/s`);
  const rate = 20_000;
  const events = opts.quick ? 60_000 : 200_000;
  // One second of the producer's output warms up, unrecorded, before the ticks that are.
  const warmup = rate;
  const lat = await alertLatency(brokers, `${prefix}lat_`, rate, warmup, events);
  const plain = await plainConsumerLatency(brokers, `${prefix}plain_`, rate, warmup, events);
  // The run's topics go: a broker kept for development would otherwise pile them up run after run.
  await deleteTopics({ brokers, topics: [...allTopics(prefix), ...allTopics(batchedPrefix), prefix + JSON_TOPIC, ...allTopics(`${prefix}lat_`), ...allTopics(`${prefix}plain_`)] });
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  log(`  broker -> in the worker's ring at ${rate.toLocaleString('en-US')} ticks/s: p50 ${ms(lat.ingress.p50)} ms, p99 ${ms(lat.ingress.p99)} ms over ${lat.ingress.count} ticks; ring hop p99 ${ms(lat.hop.p99)} ms`);
  log(`  broker -> alert: p50 ${ms(lat.alert.p50)} ms, p99 ${ms(lat.alert.p99)} ms, max ${ms(lat.alert.max)} ms over ${lat.alert.count} alerts`);
  log(`  broker -> a plain consumer's callback, same producer and rate: p50 ${ms(plain.p50)} ms, p99 ${ms(plain.p99)} ms, max ${ms(plain.max)} ms over ${plain.count} ticks`);
  const summary = {
    ticks_per_s: Math.round(tw),
    ticks_per_s_one_per_value: Math.round(single),
    json_consumer_ticks_per_s: Math.round(json),
    ratio_vs_json_consumer: Math.round(ratio * 100) / 100,
    ratio_vs_json_consumer_lowest: Math.round(Math.min(...rounds.map((r) => r.tw / r.json)) * 100) / 100,
    ratio_vs_json_consumer_highest: Math.round(Math.max(...rounds.map((r) => r.tw / r.json)) * 100) / 100,
    ratio_one_per_value_vs_json_consumer: Math.round((single / json) * 100) / 100,
    broker_to_alert_p50_ms: ms(lat.alert.p50),
    broker_to_alert_p99_ms: ms(lat.alert.p99),
    broker_to_alert_max_ms: ms(lat.alert.max),
    broker_to_ring_p50_ms: ms(lat.ingress.p50),
    broker_to_ring_p99_ms: ms(lat.ingress.p99),
    plain_consumer_broker_p99_ms: ms(plain.p99),
  };
  const range = (xs: number[]) => `${Math.round(Math.min(...xs)).toLocaleString('en-US')}-${Math.round(Math.max(...xs)).toLocaleString('en-US')}`;
  const table = [
    `| consumer | ticks | ticks/s, median of ${ROUNDS} | range | vs JSON consumer, median of the rounds' ratios | range |`,
    '|---|---:|---:|---:|---:|---:|',
    `| tickwave, ${FRAMES_PER_VALUE} frames per value: KafkaSource -> verify -> rings -> five jobs -> outputs to Kafka | ${ticks.toLocaleString('en-US')} | ${summary.ticks_per_s.toLocaleString('en-US')} | ` +
      `${range(rounds.map((r) => r.tw))} | ${summary.ratio_vs_json_consumer}x | ${summary.ratio_vs_json_consumer_lowest}x-${summary.ratio_vs_json_consumer_highest}x |`,
    `| node-rdkafka consumer, JSON.parse per tick | ${ticks.toLocaleString('en-US')} | ${summary.json_consumer_ticks_per_s.toLocaleString('en-US')} | ${range(rounds.map((r) => r.json))} | 1x | |`,
    `| tickwave, one frame per value (one run, against the median JSON consumer) | ${ticks.toLocaleString('en-US')} | ${summary.ticks_per_s_one_per_value.toLocaleString('en-US')} | | ${summary.ratio_one_per_value_vs_json_consumer}x | |`,
    '',
    `| ${rate.toLocaleString('en-US')} ticks/s produced from another process, one per value | p50 ms | p99 ms | max ms | samples |`,
    '|---|---:|---:|---:|---:|',
    `| tickwave: each tick's broker timestamp -> in its worker's ring | ${summary.broker_to_ring_p50_ms} | ${summary.broker_to_ring_p99_ms} | ${ms(lat.ingress.max)} | ${lat.ingress.count.toLocaleString('en-US')} ticks |`,
    `| tickwave: then the ring hop into the worker | ${ms(lat.hop.p50)} | ${ms(lat.hop.p99)} | ${ms(lat.hop.max)} | ${lat.hop.count.toLocaleString('en-US')} ticks |`,
    `| tickwave: an alerting tick's broker timestamp -> its alert on the main thread | ${summary.broker_to_alert_p50_ms} | ${summary.broker_to_alert_p99_ms} | ${summary.broker_to_alert_max_ms} | ${lat.alert.count.toLocaleString('en-US')} alerts |`,
    `| plain node-rdkafka consumer doing nothing: broker timestamp -> its callback | ${ms(plain.p50)} | ${ms(plain.p99)} | ${ms(plain.max)} | ${plain.count.toLocaleString('en-US')} ticks |`,
  ].join('\n');
  const notes = [
    'one broker (KRaft, scripts/kafka.sh) and tickwave share the 2 vCPUs; tickwave runs 1 worker; topics have 4 partitions',
    'the JSON consumer does the least a consumer does (parse, keep the last price per symbol), with the same fetch settings as tickwave\'s source (fetch.wait.max.ms 10, fetch.queue.backoff.ms 10); tickwave verifies every frame, routes it by key, runs the trade engine and the four market-data jobs, and produces their outputs',
    'ticks/s are timed from the first tick each consumer receives (joining the group takes seconds) to the last processed; each round reads the same ticks with a new consumer group, tickwave and the JSON consumer one right after the other (tickwave first in odd rounds, second in even ones), and the headline ratio is the median of the rounds\' own ratios (this machine\'s speed drifts over minutes)',
    'a tick\'s broker timestamp is when the broker appended it (the latency topics are created with message.timestamp.type LogAppendTime; the default, CreateTime, is when the producer made it, and adds the producer\'s own wait), in milliseconds: latencies under 1 ms read as 0-1 ms',
    `a Kafka client pays per message: node-rdkafka hands over about 200,000 messages/s here whatever they hold, which caps both one-per-value consumers; a batch value holds up to ${FRAMES_PER_VALUE} frames of one partition (tickwave produce --frames-per-value), each verified and dead-lettered on its own`,
    `latency is measured on one frame per value (a batch waits up to 5 ms to fill), at the default thresholds: the alerts are few (their p99 is close to their max), so every tick is also timed from its broker timestamp into its worker's ring and across the ring hop (stage timing); the plain consumer reads the same producer at the same rate, in the same run: the latency the producer, the broker and the client leave to any consumer here; for both, the producer's first second (${warmup.toLocaleString('en-US')} ticks) warms up and is not recorded (tickwave: rt.resetHistograms() once they are consumed)`,
  ];
  log('');
  log(table);
  for (const n of notes) log(`- ${n}`);
  if (opts.save !== false) saveRecord({ name: 'kafka', command: `npx tickwave bench kafka${opts.quick ? ' --quick' : ''}`, table, notes, summary });
  if (opts.json) log(JSON.stringify(summary));
  return summary;
}
