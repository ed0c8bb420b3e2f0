// The source's periodic commit waits in the background: it notes each partition's next offset, waits
// for the runtime's checkpoint (everything handed over by then processed, its outputs delivered) and
// for the sink's delivery reports of what it was given by then, and commits the noted offsets, while
// the stream flows on. On the real broker, with a runtime stand-in whose checkpoints the test holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaSource } from '../../src/kafka/kafka-source.js';
import { KafkaSink } from '../../src/kafka/kafka-sink.js';
import { ensureTopics } from '../../src/kafka/admin.js';
import { allTopics, TOPICS } from '../../src/kafka/topics.js';
import { rdkafka } from '../../src/kafka/rdkafka.js';
import { Ingest, type IngestResult } from '../../src/runtime/runtime.js';
import type { SourceSink } from '../../src/runtime/source.js';
import { encode } from '../../src/wire/codec.js';
import { Body, Exchange, QuoteT } from '../../src/wire/generated/index.js';
import { BROKERS, dropTopicsOf, startBroker, until } from '../fixtures/kafka.js';

const run = `${process.pid}${Date.now() % 1_000_000}`;
const FIRST = 1_000;
const SECOND = 1_500;

/** A runtime stand-in: counts what it is handed; its first two checkpoints end when the test says. */
class HeldCheckpoints implements SourceSink {
  readonly partitions = 4;
  handed = 0;
  /** Frames handed over when each checkpoint was asked for. */
  readonly askedAt: number[] = [];
  private readonly releases: (() => void)[] = [];
  private readonly held = [0, 1].map(() => new Promise<void>((resolve) => this.releases.push(resolve)));
  release(i: number): void {
    this.releases[i]!();
  }
  ingest(): IngestResult {
    this.handed++;
    return Ingest.OK;
  }
  ingestRouted(): IngestResult {
    return this.ingest();
  }
  async ingestAsync(): Promise<IngestResult> {
    return this.ingest();
  }
  async whenWritable(): Promise<void> {}
  async whenIdle(): Promise<void> {}
  checkpoint(): Promise<void> {
    this.askedAt.push(this.handed);
    return this.held[this.askedAt.length - 1] ?? Promise.resolve();
  }
  lastRejection() {
    return null;
  }
}

const quote = (i: number): Uint8Array => encode(Body.Quote, new QuoteT('CMT', Exchange.NYSE, 1n, 2n, 1n, 1n, 1n, BigInt(i), 0n));

async function committedOffset(group: string, topic: string): Promise<number> {
  const c = new rdkafka.KafkaConsumer({ 'metadata.broker.list': BROKERS, 'group.id': group, 'enable.auto.commit': false } as never, {});
  await new Promise<void>((resolve, reject) => c.connect({}, (err) => (err ? reject(err) : resolve())));
  try {
    const parts = await new Promise<{ offset?: number }[]>((resolve, reject) => c.committed([{ topic, partition: 0 }], 10_000, (err, tp) => (err ? reject(err) : resolve(tp as never))));
    return parts[0]!.offset ?? -1;
  } finally {
    await new Promise<void>((resolve) => c.disconnect(() => resolve()));
  }
}

beforeAll(startBroker, 310_000);
afterAll(() => dropTopicsOf(run), 60_000);

describe('commits in the background', () => {
  it('the source goes on taking messages while a commit waits, and commits what it noted when the commit began', async () => {
    const prefix = `cm${run}_`;
    const group = `cm-${run}`;
    const topic = prefix + TOPICS.marketData;
    await ensureTopics({ brokers: BROKERS, topics: allTopics(prefix), partitions: 1 });
    const sink = await KafkaSink.connect({ brokers: BROKERS, prefix });
    for (let i = 0; i < FIRST; i++) sink.produceTo(TOPICS.marketData, quote(i), null);
    await sink.flush();

    const runtime = new HeldCheckpoints();
    const source = new KafkaSource({ brokers: BROKERS, groupId: group, prefix, sink, topics: [TOPICS.marketData], replay: false, commitIntervalMs: 100 });
    const running = source.run(runtime);
    try {
      await until(() => runtime.askedAt.length === 1 && runtime.handed === FIRST, 60_000, 'the first messages and a commit', () => JSON.stringify({ ...source.stats(), handed: runtime.handed }));
      const noted = runtime.askedAt[0]!;
      expect(noted).toBeGreaterThan(0);
      // The commit is held: what is produced now is still taken, and nothing is committed yet.
      for (let i = FIRST; i < FIRST + SECOND; i++) sink.produceTo(TOPICS.marketData, quote(i), null);
      await sink.flush();
      await until(() => runtime.handed === FIRST + SECOND, 60_000, 'the later messages while the commit is held');
      expect(source.stats().commits).toBe(0);
      expect(runtime.askedAt).toHaveLength(1);

      runtime.release(0);
      await until(() => source.stats().commits === 1, 30_000, 'the first commit to be acknowledged');
      expect(await committedOffset(group, topic)).toBe(noted);
      // The next commit, 100 ms later, notes everything taken since.
      await until(() => runtime.askedAt.length === 2, 30_000, 'the second commit');
      expect(runtime.askedAt[1]).toBe(FIRST + SECOND);
      runtime.release(1);
      await until(() => source.stats().commits === 2, 30_000, 'the second commit to be acknowledged');
      expect(await committedOffset(group, topic)).toBe(FIRST + SECOND);
    } finally {
      runtime.release(0);
      runtime.release(1);
      source.stop();
      await running;
      await sink.disconnect();
    }
  }, 180_000);

  it('KafkaSink.delivered() ends once everything sent before it is delivered', async () => {
    const prefix = `cd${run}_`;
    await ensureTopics({ brokers: BROKERS, topics: allTopics(prefix), partitions: 4 });
    const sink = await KafkaSink.connect({ brokers: BROKERS, prefix });
    try {
      await sink.delivered(1_000); // nothing sent: at once
      for (let i = 0; i < 2_000; i++) sink.produceTo(TOPICS.marketData, quote(i), new TextEncoder().encode(`k${i % 13}`));
      const before = sink.delivered(30_000);
      for (let i = 0; i < 100; i++) sink.produceTo(TOPICS.marketData, quote(i), null);
      await before;
      expect(sink.stats().delivered).toBeGreaterThanOrEqual(2_000);
      await sink.flush();
      expect(sink.stats()).toMatchObject({ produced: 2_100, delivered: 2_100, failed: 0 });
    } finally {
      await sink.disconnect();
    }
  }, 60_000);
});
