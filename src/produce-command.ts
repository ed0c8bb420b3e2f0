// `tickwave produce`: the market simulator published into Kafka (instruments and policies first,
// then the events at a fixed rate), each message to its topic and keyed by its key field, so that
// `tickwave run --kafka` (one process or several in a group) can consume it. With
// --frames-per-value N, up to N frames of one partition share a value (src/kafka/frame-batch.ts).
import { ensureTopics } from './kafka/admin.js';
import { KafkaSink, type BatchProducer } from './kafka/kafka-sink.js';
import { allTopics } from './kafka/topics.js';
import { MarketSimulator } from './sim/market-simulator.js';
import { CommandOptions, OptionError } from './command-options.js';
import { bodyTypeOf } from './runtime/partitioner.js';

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const OPTIONS = ['--kafka', '--rate', '--events', '--seed', '--traders', '--prefix', '--topic-partitions', '--frames-per-value'];
/** The longest a frame waits for its batch value to fill. */
const BATCH_LINGER_MS = 5;

export async function produceCommand(args: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let given: CommandOptions;
  let rate: number;
  let events: number;
  let seed: number;
  let traders: number;
  let partitions: number;
  let framesPerValue: number;
  const int = (v: number) => Number.isInteger(v);
  try {
    given = new CommandOptions(args, OPTIONS, 'produce');
    rate = given.number('--rate', 50_000, (v) => v > 0, 'events per second above 0');
    events = given.number('--events', 1_000_000, (v) => int(v) && v >= 0, 'an integer of at least 0');
    seed = given.number('--seed', 42, (v) => int(v) && v >= 0 && v < 2 ** 32, 'an integer from 0 to 4294967295');
    traders = given.number('--traders', 20, (v) => int(v) && v >= 0 && v <= 999, 'an integer from 0 to 999');
    partitions = given.number('--topic-partitions', 4, (v) => int(v) && v >= 1 && v <= 10_000, 'an integer from 1 to 10000');
    framesPerValue = given.number('--frames-per-value', 1, (v) => int(v) && v >= 1 && v <= 10_000, 'an integer from 1 to 10000');
  } catch (e) {
    if (e instanceof OptionError) return usage(io, e.message);
    throw e;
  }
  const brokers = given.string('--kafka') ?? env.KAFKA_BROKERS;
  if (!brokers) return usage(io, '--kafka <brokers> (or KAFKA_BROKERS) is required');
  const prefix = given.string('--prefix') ?? '';
  let sink: KafkaSink;
  let batches: BatchProducer | null = null;
  try {
    await ensureTopics({ brokers, topics: allTopics(prefix), partitions });
    sink = await KafkaSink.connect({ brokers, prefix });
    if (framesPerValue > 1) batches = await sink.batcher(framesPerValue);
  } catch (e) {
    io.err(`tickwave produce: ${(e as Error).message}`);
    return 1;
  }
  const sim = new MarketSimulator({ seed, traders, eventsPerSecond: rate });
  for (const f of sim.setupFrames()) sink.produce(bodyTypeOf(new DataView(f.buffer, f.byteOffset, f.byteLength), f, 0), f);
  const start = Date.now();
  let sent = 0;
  let lastReport = start;
  let lastFlush = start;
  while (sent < events) {
    const due = Math.min(events, Math.floor(((Date.now() - start) * rate) / 1_000) + 1);
    while (sent < due) {
      const e = sim.next();
      if (batches) batches.add(e.type, e.frame);
      else sink.produce(e.type, e.frame);
      sent++;
    }
    if (batches && (sent === events || Date.now() - lastFlush >= BATCH_LINGER_MS)) {
      batches.flush();
      lastFlush = Date.now();
    }
    if (Date.now() - lastReport >= 1_000) {
      lastReport = Date.now();
      const s = sink.stats();
      io.out(`produce: ${sent.toLocaleString('en-US')} of ${events.toLocaleString('en-US')} events, ${s.delivered.toLocaleString('en-US')} delivered`);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await sink.disconnect();
  const s = sink.stats();
  const delivered = batches ? `${s.delivered.toLocaleString('en-US')} values of up to ${framesPerValue} frames delivered` : `${s.delivered.toLocaleString('en-US')} delivered`;
  io.out(`produce: ${sent.toLocaleString('en-US')} events (and ${sim.setupFrames().length} instruments and policies) to ${brokers}${prefix ? ` with prefix ${prefix}` : ''}: ` +
    `${delivered}, ${s.failed} failed`);
  return s.failed > 0 ? 1 : 0;
}

function usage(io: Io, message: string): number {
  io.err(`tickwave produce: ${message}`);
  return 2;
}
