// A real Kafka broker, started by scripts/kafka.sh (single node, KRaft), driven through node-rdkafka:
// create a topic with 3 partitions, produce 1,000 keyed messages with delivery reports, and read exactly
// those 1,000 back in a fresh consumer group. The broker is left running: whoever runs the whole suite
// stops it (`bash scripts/kafka.sh stop`).
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Kafka from 'node-rdkafka';
import type {
  DeliveryReport,
  KafkaConsumer as Consumer,
  LibrdKafkaError,
  Message,
  Metadata,
  Producer as KafkaProducer,
} from 'node-rdkafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteTopics, ensureTopics } from '../../src/kafka/admin.js';
import { KafkaSink } from '../../src/kafka/kafka-sink.js';
import { kafkaPartition } from '../../src/runtime/partitioner.js';
import { readTopic } from '../fixtures/kafka.js';

const { AdminClient, Producer, KafkaConsumer } = Kafka;

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const port = process.env.KAFKA_PORT ?? '9092';
const brokers = `127.0.0.1:${port}`;
const COUNT = 1_000;
const PARTITIONS = 3;
const KEYS = 50;
const runId = `${Date.now()}-${randomUUID().slice(0, 8)}`;
const topic = `tickwave-broker-test-${runId}`;

const keyOf = (i: number) => `instrument-${i % KEYS}`;
const valueOf = (i: number) => `tick-${runId}-${String(i).padStart(4, '0')}`;

function withTimeout<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

let producer: KafkaProducer | undefined;
let consumer: Consumer | undefined;

beforeAll(() => {
  // The first run fetches the Kafka jars with Maven, which may take a minute or two.
  execFileSync('bash', [join(root, 'scripts', 'kafka.sh'), 'start'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 300_000,
  });
}, 310_000);

afterAll(async () => {
  // Disconnect the clients; the broker itself stays up.
  const closing: Promise<void>[] = [];
  for (const client of [consumer, producer]) {
    if (client?.isConnected()) closing.push(new Promise<void>((resolve) => client.disconnect(() => resolve())));
  }
  await withTimeout('disconnect', 15_000, Promise.all(closing)).catch(() => undefined);
  // The broker stays up; the topic goes, so runs do not pile topics up on it.
  await deleteTopics({ brokers, topics: [topic] });
});

describe('Kafka broker from scripts/kafka.sh', () => {
  it('creates a topic with 3 partitions through the AdminClient', async () => {
    const admin = AdminClient.create({ 'client.id': `tickwave-admin-${runId}`, 'metadata.broker.list': brokers });
    try {
      await withTimeout(
        'createTopic',
        30_000,
        new Promise<void>((resolve, reject) =>
          admin.createTopic({ topic, num_partitions: PARTITIONS, replication_factor: 1 }, 20_000, (err) =>
            err ? reject(err) : resolve(),
          ),
        ),
      );
    } finally {
      admin.disconnect();
    }
  });

  it('delivers 1,000 keyed messages with delivery reports', async () => {
    const p = new Producer({
      'client.id': `tickwave-producer-${runId}`,
      'metadata.broker.list': brokers,
      dr_cb: true,
      'linger.ms': 5,
      'enable.idempotence': true,
    });
    producer = p;
    await withTimeout(
      'producer connect',
      30_000,
      new Promise<void>((resolve, reject) => p.connect({ timeout: 20_000 }, (err) => (err ? reject(err) : resolve()))),
    );

    // The topic is there with 3 partitions, each led by broker 1 (asked again while the new topic's
    // metadata is still reaching the broker).
    let described: Metadata['topics'][number] | undefined;
    for (let attempt = 0; attempt < 40; attempt++) {
      const metadata = await withTimeout(
        'getMetadata',
        20_000,
        new Promise<Metadata>((resolve, reject) =>
          p.getMetadata({ topic, timeout: 10_000 }, (err, data) => (err ? reject(err) : resolve(data))),
        ),
      );
      described = metadata.topics.find((t) => t.name === topic);
      if (described?.partitions.length === PARTITIONS && described.partitions.every((part) => part.leader === 1)) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(described?.partitions.map((part) => part.id).sort()).toEqual([0, 1, 2]);
    for (const part of described?.partitions ?? []) expect(part.leader).toBe(1);

    const reports: DeliveryReport[] = [];
    const errors: LibrdKafkaError[] = [];
    const delivered = new Promise<void>((resolve) => {
      p.on('delivery-report', (err, report) => {
        if (err) errors.push(err);
        else reports.push(report);
        if (reports.length + errors.length === COUNT) resolve();
      });
    });
    p.setPollInterval(10);

    for (let i = 0; i < COUNT; i++) {
      p.produce(topic, null, Buffer.from(valueOf(i)), keyOf(i), Date.now());
    }
    await withTimeout('delivery reports', 60_000, delivered);
    await new Promise<void>((resolve, reject) => p.flush(10_000, (err) => (err ? reject(err) : resolve())));

    expect(errors).toEqual([]);
    expect(reports).toHaveLength(COUNT);
    // Keys are hashed to partitions: all three partitions get messages, and one key stays on one partition.
    const partitionOfKey = new Map<string, number>();
    for (const r of reports) {
      expect(r.topic).toBe(topic);
      expect(r.offset).toBeGreaterThanOrEqual(0);
      const key = String(r.key);
      const seen = partitionOfKey.get(key);
      if (seen === undefined) partitionOfKey.set(key, r.partition);
      else expect(r.partition).toBe(seen);
    }
    expect(partitionOfKey.size).toBe(KEYS);
    expect(new Set(reports.map((r) => r.partition)).size).toBe(PARTITIONS);
  });

  it('reads back exactly those 1,000 values in a fresh consumer group', async () => {
    const c = new KafkaConsumer(
      {
        'group.id': `tickwave-broker-test-group-${runId}`,
        'client.id': `tickwave-consumer-${runId}`,
        'metadata.broker.list': brokers,
        'enable.auto.commit': false,
      },
      { 'auto.offset.reset': 'earliest' },
    );
    consumer = c;
    await withTimeout(
      'consumer connect',
      30_000,
      new Promise<void>((resolve, reject) => c.connect({ timeout: 20_000 }, (err) => (err ? reject(err) : resolve()))),
    );

    const messages: Message[] = [];
    let settle: NodeJS.Timeout | undefined;
    const readAll = new Promise<void>((resolve) => {
      c.on('data', (m) => {
        messages.push(m);
        // Once all 1,000 are in, keep reading a little longer to catch any extra or duplicate.
        if (messages.length === COUNT) settle = setTimeout(resolve, 1_500);
      });
    });
    c.subscribe([topic]);
    c.consume();
    try {
      await withTimeout('consume', 60_000, readAll);
    } finally {
      clearTimeout(settle);
      c.unsubscribe();
    }

    expect(messages).toHaveLength(COUNT);
    const values = messages.map((m) => m.value?.toString() ?? '');
    const expected = Array.from({ length: COUNT }, (_, i) => valueOf(i));
    expect([...values].sort()).toEqual(expected);
    for (const m of messages) expect(m.topic).toBe(topic);

    // Within a key (so within a partition) messages come back in the order they were produced.
    const lastIndexOfKey = new Map<string, number>();
    for (const m of messages) {
      const i = Number(m.value?.toString().slice(-4));
      expect(String(m.key)).toBe(keyOf(i));
      const key = keyOf(i);
      expect(i).toBeGreaterThan(lastIndexOfKey.get(key) ?? -1);
      lastIndexOfKey.set(key, i);
    }
  });

  it("KafkaSink puts a keyed message on Kafka's default partition of its key, the runtime's partition", async () => {
    // Kafka's Java clients and the runtime both use toPositive(murmur2(key)) mod the partition count;
    // librdkafka's own default (CRC32) would put most of these keys elsewhere.
    const keyed = `${topic}-keyed`;
    await ensureTopics({ brokers, topics: [keyed], partitions: 4 });
    const sink = await KafkaSink.connect({ brokers });
    const enc = new TextEncoder();
    const keys = Array.from({ length: 40 }, (_, i) => `ACCOUNT_${i}`);
    for (const k of keys) sink.produceTo(keyed, enc.encode(k), enc.encode(k));
    await sink.disconnect();
    const got = await readTopic(keyed, keys.length);
    expect(got).toHaveLength(keys.length);
    const where = Object.fromEntries(got.map((m) => [m.value.toString(), m.partition]));
    expect(where).toEqual(Object.fromEntries(keys.map((k) => [k, kafkaPartition(enc.encode(k), 0, k.length, 4)])));
    expect(new Set(Object.values(where)).size).toBe(4);
    await deleteTopics({ brokers, topics: [keyed] });
  });

  it('ensureTopics applies topic settings: a LogAppendTime topic stamps each message when the broker appends it', async () => {
    const appendTime = `${topic}-append-time`;
    const createTime = `${topic}-create-time`;
    expect(await ensureTopics({ brokers, topics: [appendTime], partitions: 1, topicConfig: { 'message.timestamp.type': 'LogAppendTime' } })).toEqual([appendTime]);
    expect(await ensureTopics({ brokers, topics: [createTime], partitions: 1 })).toEqual([createTime]);
    const p = new Producer({ 'metadata.broker.list': brokers });
    await new Promise<void>((resolve, reject) => p.connect({ timeout: 20_000 }, (err) => (err ? reject(err) : resolve())));
    // The producer says its messages were made an hour ago.
    const made = Date.now() - 3_600_000;
    const before = Date.now();
    for (const t of [appendTime, createTime]) p.produce(t, 0, Buffer.from(t), null, made);
    await new Promise<void>((resolve, reject) => p.flush(20_000, (err) => (err ? reject(err) : resolve())));
    await new Promise<void>((resolve) => p.disconnect(() => resolve()));
    const [created] = await readTopic(createTime, 1);
    expect(created!.timestamp).toBe(made);
    const [appended] = await readTopic(appendTime, 1);
    expect(appended!.timestamp).toBeGreaterThanOrEqual(before);
    expect(appended!.timestamp).toBeLessThanOrEqual(Date.now());
    await deleteTopics({ brokers, topics: [appendTime, createTime] });
  });

  it('deleteTopics removes the topics that exist and skips the others', async () => {
    const doomed = `${topic}-doomed`;
    expect(await ensureTopics({ brokers, topics: [doomed], partitions: 1 })).toEqual([doomed]);
    expect(await deleteTopics({ brokers, topics: [doomed, `${topic}-never-created`] })).toEqual([doomed]);
    // Deleted again: nothing left to delete, and no error.
    expect(await deleteTopics({ brokers, topics: [doomed] })).toEqual([]);
  });
});
