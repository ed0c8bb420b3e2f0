// Replay with the stage topic: when a process is given partitions, it reads the input topics up to
// where they ended at assignment (replaying to the committed offset, then live) before it hands over
// a single frame of the stage topic, or an exec report coming back would find no order to apply to
// (after a crash, the stage topic holds reports of orders the dead process took past its commit). The KafkaSource here feeds a recording sink, on the real broker:
// the group's committed offsets say what is replayed, the order of hand-over is what is checked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaSource } from '../../src/kafka/kafka-source.js';
import { KafkaSink } from '../../src/kafka/kafka-sink.js';
import { ensureTopics } from '../../src/kafka/admin.js';
import { allTopics, TOPICS } from '../../src/kafka/topics.js';
import { rdkafka } from '../../src/kafka/rdkafka.js';
import { Ingest, type IngestResult } from '../../src/runtime/runtime.js';
import { REPLAY_ORIGIN, type SourceSink } from '../../src/runtime/source.js';
import { decode, encode } from '../../src/wire/codec.js';
import { Body, DeadLetterReason, OrderT, OrderType, Side, TimeInForce } from '../../src/wire/generated/index.js';
import { BROKERS, dropTopicsOf, readTopic, startBroker, until } from '../fixtures/kafka.js';

const run = `${process.pid}${Date.now() % 1_000_000}`;
const REPLAYED = 3_000;
/** Orders past the committed offset, there at assignment. */
const PAST = 3_000;
/** Stage-topic frames past the committed offset. */
const LIVE = 5;

interface Handed {
  kind: 'input' | 'route';
  orderId: bigint;
  replay: boolean;
  partition: number;
}

/** A runtime stand-in that only records what the source hands it, in order. */
class RecordingSink implements SourceSink {
  readonly partitions = 4;
  readonly handed: Handed[] = [];
  private record(kind: Handed['kind'], frame: Uint8Array, origin: number | undefined, partition: number): IngestResult {
    const d = decode(new Uint8Array(frame));
    const orderId = 'ok' in d && d.ok === true ? (d.body as OrderT).orderId : -1n;
    this.handed.push({ kind, orderId, replay: origin === REPLAY_ORIGIN, partition });
    return Ingest.OK;
  }
  ingest(frame: Uint8Array, _source?: string, originNs?: number): IngestResult {
    return this.record('input', frame, originNs, -1);
  }
  ingestRouted(frame: Uint8Array, partition: number, _source?: string, originNs?: number): IngestResult {
    return this.record('route', frame, originNs, partition);
  }
  async ingestAsync(frame: Uint8Array, source?: string, originNs?: number): Promise<IngestResult> {
    return this.ingest(frame, source, originNs);
  }
  async whenWritable(): Promise<void> {}
  async whenIdle(): Promise<void> {}
  async checkpoint(): Promise<void> {}
  lastRejection() {
    return null;
  }
}

function order(n: number): Uint8Array {
  return encode(Body.Order, Object.assign(new OrderT(), { orderId: BigInt(n), account: 'RP1', symbol: 'RPS', side: Side.BUY, type: OrderType.LIMIT, tif: TimeInForce.GTC, price: 1n, quantity: 1n }));
}

async function commit(group: string, offsets: { topic: string; partition: number; offset: number }[]): Promise<void> {
  const c = new rdkafka.KafkaConsumer({ 'metadata.broker.list': BROKERS, 'group.id': group, 'enable.auto.commit': false } as never, {});
  await new Promise<void>((resolve, reject) => c.connect({}, (err) => (err ? reject(err) : resolve())));
  c.commitSync(offsets);
  await new Promise<void>((resolve) => c.disconnect(() => resolve()));
}

beforeAll(startBroker, 310_000);
afterAll(() => dropTopicsOf(run), 60_000);

describe('replay with the stage topic', () => {
  it('hands over every input frame there at assignment before any frame of the stage topic', async () => {
    const prefix = `sr${run}_`;
    const group = `sr-${run}`;
    await ensureTopics({ brokers: BROKERS, topics: allTopics(prefix), partitions: 1 });
    const sink = await KafkaSink.connect({ brokers: BROKERS, prefix });
    // The stage topic is written first and holds as much: without the hold, its frames would come first or mixed in.
    for (let i = 1; i <= REPLAYED; i++) sink.produceTo(TOPICS.engineRoutes, order(100_000 + i), new TextEncoder().encode('2'));
    await sink.flush();
    for (let i = 1; i <= REPLAYED; i++) sink.produceTo(TOPICS.orders, order(i), null);
    await sink.flush();
    await commit(group, [
      { topic: prefix + TOPICS.orders, partition: 0, offset: REPLAYED },
      { topic: prefix + TOPICS.engineRoutes, partition: 0, offset: REPLAYED },
    ]);
    for (let i = 1; i <= LIVE; i++) sink.produceTo(TOPICS.engineRoutes, order(200_000 + i), new TextEncoder().encode('3'));
    for (let i = 1; i <= PAST; i++) sink.produceTo(TOPICS.orders, order(REPLAYED + i), null);
    // A key that names no runtime partition: a dead letter, not handed over.
    sink.produceTo(TOPICS.engineRoutes, order(300_000), new TextEncoder().encode('9'));
    await sink.flush();

    const recording = new RecordingSink();
    // A small prefetch, so the partitions' messages come mixed as they would from a busy broker.
    const source = new KafkaSource({ brokers: BROKERS, groupId: group, prefix, sink, stageTopic: true, batchSize: 100, config: { 'queued.min.messages': 10, 'max.partition.fetch.bytes': 4_096 } });
    const running = source.run(recording);
    try {
      await until(() => recording.handed.length >= 2 * REPLAYED + PAST + LIVE && source.stats().deadLetters === 1, 90_000, 'every frame to be handed over', () => JSON.stringify(source.stats()));
    } finally {
      source.stop();
      await running;
      await sink.disconnect();
    }

    const h = recording.handed;
    expect(h).toHaveLength(2 * REPLAYED + PAST + LIVE);
    const inputs = h.filter((x) => x.kind === 'input');
    const routes = h.filter((x) => x.kind === 'route');
    // Each topic in its own order, replayed below the committed offset and live above it.
    expect(inputs.map((x) => x.orderId)).toEqual(Array.from({ length: REPLAYED + PAST }, (_, i) => BigInt(i + 1)));
    expect(inputs.map((x) => x.replay)).toEqual(Array.from({ length: REPLAYED + PAST }, (_, i) => i < REPLAYED));
    expect(routes.map((x) => x.orderId)).toEqual([
      ...Array.from({ length: REPLAYED }, (_, i) => BigInt(100_001 + i)),
      ...Array.from({ length: LIVE }, (_, i) => BigInt(200_001 + i)),
    ]);
    expect(routes.map((x) => x.replay)).toEqual(Array.from({ length: REPLAYED + LIVE }, (_, i) => i < REPLAYED));
    // To the runtime partition each key names.
    expect(routes.map((x) => x.partition)).toEqual(Array.from({ length: REPLAYED + LIVE }, (_, i) => (i < REPLAYED ? 2 : 3)));
    // The hold: the first stage-topic frame comes after the last input frame that was in the topic
    // at assignment, replayed or not (all of them here).
    const lastInput = h.findLastIndex((x) => x.kind === 'input');
    const firstRoute = h.findIndex((x) => x.kind === 'route');
    expect(firstRoute).toBeGreaterThan(lastInput);
    const [dead] = await readTopic(prefix + TOPICS.deadLetters, 1);
    const d = decode(new Uint8Array(dead!.value));
    expect('ok' in d && d.ok === true && d.body).toMatchObject({
      reason: DeadLetterReason.MALFORMED, detail: 'stage-topic key "9" names no runtime partition (0..3)', source: prefix + TOPICS.engineRoutes, offset: BigInt(REPLAYED + LIVE),
    });
  }, 200_000);
});
