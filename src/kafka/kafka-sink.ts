// The Kafka sink: every output of the runtime (exec reports, risk decisions, positions, P&L,
// portfolios, alerts, job dead letters) produced to its topic, keyed by its key field, with
// idempotence on (librdkafka retries never duplicate a message), delivery reports checked, and
// errors surfaced (onError, stats()). Frames the runtime refused go to the dead-letter topic with the
// reason, the source topic, partition and offset.
//
// Latency settings, all overridable through `config` (any librdkafka key passes through):
// linger.ms 2 (how long a batch waits to fill: the floor of the produce latency), batch.num.messages
// 10000, compression lz4, partitioner murmur2_random (Kafka's Java default, so a key lands on the
// same partition whichever client wrote it).
import { rdkafka, type KafkaConfig } from './rdkafka.js';
import { allTopics, INPUT_TOPICS, TOPICS, topicOf } from './topics.js';
import { FrameBatcher } from './frame-batch.js';
import { keyAt } from '../runtime/partitioner.js';
import type { RouteHandler, Runtime } from '../runtime/runtime.js';
import { REPLAY_ORIGIN } from '../runtime/source.js';
import { Body, DeadLetter, DeadLetterReason, Envelope } from '../wire/generated/index.js';
import { FILE_IDENTIFIER } from '../wire/layout.generated.js';
import { VerifyError, type Rejection } from '../wire/verifier.js';
import { WireBuilder } from '../wire/wire-builder.js';

export interface KafkaSinkOptions {
  /** Bootstrap brokers, e.g. "127.0.0.1:9092". */
  brokers: string;
  /** Put before every topic name (keeps environments or test runs apart). */
  prefix?: string;
  config?: KafkaConfig;
}

export interface KafkaSinkStats {
  produced: number;
  delivered: number;
  failed: number;
  deadLetters: number;
  /** Outputs of replayed frames, not produced again. */
  replayed: number;
  /** Frames sent to the stage topic (the trade engine's stages in other processes). */
  routed: number;
  /** Messages waiting for room in librdkafka's queue. */
  waiting: number;
  errors: string[];
}

/**
 * Topic settings of the producer. The partitioner is a topic setting: given with the global ones,
 * node-rdkafka's topics keep librdkafka's default (CRC32), and a key lands elsewhere than Kafka's
 * Java clients and tickwave's own partitioner put it.
 */
export const DEFAULT_PRODUCER_TOPIC_CONFIG: KafkaConfig = {
  partitioner: 'murmur2_random',
};

export const DEFAULT_PRODUCER_CONFIG: KafkaConfig = {
  'enable.idempotence': true,
  'linger.ms': 2,
  'batch.num.messages': 10_000,
  'compression.codec': 'lz4',
  'queue.buffering.max.messages': 1_000_000,
  dr_cb: true,
};

const QUEUE_FULL = -184;

/** Frames by message type into batch values (KafkaSink.batcher()). */
export interface BatchProducer {
  /** Adds a frame (copied); a value is sent as soon as it is full. */
  add(type: number, frame: Uint8Array): void;
  /** Sends every partly filled value: the longest a frame waits is the time between two calls. */
  flush(): void;
}

/** The dead-letter reason of a verifier rejection. */
export function deadLetterReason(r: Rejection): DeadLetterReason {
  if (r.code === VerifyError.UNKNOWN_MESSAGE_TYPE) return DeadLetterReason.UNKNOWN_MESSAGE_TYPE;
  if (r.code === VerifyError.OVERSIZED) return DeadLetterReason.OVERSIZED;
  return DeadLetterReason.MALFORMED;
}

export class KafkaSink {
  private readonly producer: InstanceType<typeof rdkafka.Producer>;
  private readonly prefix: string;
  private readonly waiting: { topic: string; partition: number | null; value: Buffer; key: Buffer | null; mark: number }[] = [];
  /**
   * Messages sent and not yet reported (delivered or failed), by the mark they were sent under, oldest
   * mark first. A delivery report names its message's mark (librdkafka's opaque): reports come in
   * order within a partition but not across them, so a count of reports cannot tell what was delivered.
   */
  private readonly unreported = new Map<number, number>();
  /** The mark messages are sent under; delivered() moves it on. */
  private mark = 0;
  private readonly markWaiters: { mark: number; resolve: () => void }[] = [];
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly counters = { produced: 0, delivered: 0, failed: 0, deadLetters: 0, replayed: 0, routed: 0 };
  private readonly errors: string[] = [];
  private readonly errorHandlers: ((e: Error) => void)[] = [];
  private readonly builder = new WireBuilder(1024);
  private readonly keyLength = new Int32Array(1);

  private constructor(private readonly o: KafkaSinkOptions) {
    this.prefix = o.prefix ?? '';
    // A partitioner given with the rest of the config is moved to the topic settings, where it counts.
    const { partitioner, ...config } = o.config ?? {};
    this.producer = new rdkafka.Producer(
      { 'metadata.broker.list': o.brokers, ...DEFAULT_PRODUCER_CONFIG, ...config } as never,
      { ...DEFAULT_PRODUCER_TOPIC_CONFIG, ...(partitioner === undefined ? {} : { partitioner }) } as never,
    );
    this.producer.on('delivery-report', (err, report) => {
      if (err) {
        this.counters.failed++;
        this.error(new Error(`kafka: delivery failed: ${err.message}`));
      } else this.counters.delivered++;
      this.reported((report as { opaque?: number } | undefined)?.opaque ?? this.oldestMark());
    });
    this.producer.on('event.error', (err) => this.error(new Error(`kafka producer: ${err.message}`)));
  }

  /** Connects a producer; rejects with the broker's error when it cannot. */
  static async connect(o: KafkaSinkOptions): Promise<KafkaSink> {
    const sink = new KafkaSink(o);
    await new Promise<void>((resolve, reject) => {
      sink.producer.connect({ timeout: 15_000 }, (err) => (err ? reject(new Error(`kafka: cannot connect a producer to ${o.brokers}: ${err.message}`)) : resolve()));
    });
    sink.producer.setPollInterval(10);
    return sink;
  }

  onError(handler: (e: Error) => void): void {
    this.errorHandlers.push(handler);
  }

  private error(e: Error): void {
    if (this.errors.length < 100) this.errors.push(e.message);
    for (const h of this.errorHandlers) h(e);
  }

  /** Produces one message (its bytes are copied); keyed by the frame's key field unless `key` is given. */
  produce(type: number, frame: Uint8Array, key?: Uint8Array | null): void {
    const value = Buffer.from(frame);
    let k: Buffer | null = key ? Buffer.from(key) : null;
    if (key === undefined) {
      const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
      const at = keyAt(view, value, 0, this.keyLength);
      k = at < 0 ? null : value.subarray(at, at + this.keyLength[0]!);
    }
    this.send(topicOf(type, this.prefix), value, k);
  }

  /** Produces bytes to a named topic (before the prefix), with a key or none. */
  produceTo(topic: string, frame: Uint8Array, key: Uint8Array | null): void {
    this.send(this.prefix + topic, Buffer.from(frame), key ? Buffer.from(key) : null);
  }

  private send(topic: string, value: Buffer, key: Buffer | null, partition: number | null = null): void {
    this.counters.produced++;
    const mark = this.mark;
    this.unreported.set(mark, (this.unreported.get(mark) ?? 0) + 1);
    if (this.waiting.length > 0 || !this.tryProduce(topic, partition, value, key, mark)) this.wait(topic, partition, value, key, mark);
  }

  /** A message sent under `mark` is delivered or failed. */
  private reported(mark: number): void {
    const left = (this.unreported.get(mark) ?? 1) - 1;
    if (left > 0) {
      this.unreported.set(mark, left);
      return;
    }
    this.unreported.delete(mark);
    const oldest = this.oldestMark();
    for (let i = this.markWaiters.length - 1; i >= 0; i--) {
      const w = this.markWaiters[i]!;
      if (w.mark < oldest) {
        this.markWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  /** The oldest mark with messages not yet reported (the current one when there are none). */
  private oldestMark(): number {
    for (const mark of this.unreported.keys()) return mark;
    return this.mark;
  }

  /**
   * A producer of batch values (src/kafka/frame-batch.ts): frames added by message type go to their
   * topics, up to `framesPerValue` in one value, each to the partition its key picks. Reads the
   * topics' partition counts from the broker first.
   */
  async batcher(framesPerValue: number): Promise<BatchProducer> {
    const counts = new Map<string, number>();
    for (const topic of allTopics(this.prefix)) counts.set(topic, await this.partitionCount(topic));
    const batcher = new FrameBatcher(framesPerValue, (topic) => counts.get(topic)!, (topic, partition, value) => {
      this.send(topic, Buffer.from(value.buffer, value.byteOffset, value.byteLength), null, partition);
    });
    return { add: (type, frame) => batcher.add(topicOf(type, this.prefix), frame), flush: () => batcher.flush() };
  }

  /** The topic's partition count; a topic created a moment ago may take the broker a while to list. */
  private async partitionCount(topic: string, timeoutMs = 15_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const md = await new Promise<{ err: { message: string } | null; count: number }>((resolve) => {
        this.producer.getMetadata({ topic, timeout: 5_000 }, (err, data) => {
          const t = data?.topics.find((x) => x.name === topic);
          resolve({ err: err ?? null, count: t?.partitions.length ?? 0 });
        });
      });
      if (md.count > 0) return md.count;
      if (Date.now() > deadline) throw new Error(`kafka: cannot read the partitions of ${topic}: ${md.err?.message ?? 'no such topic'}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  private tryProduce(topic: string, partition: number | null, value: Buffer, key: Buffer | null, mark: number): boolean {
    try {
      this.producer.produce(topic, partition, value, key, null, mark);
      return true;
    } catch (e) {
      if ((e as { code?: number }).code === QUEUE_FULL) return false;
      this.counters.failed++;
      this.error(e as Error);
      this.reported(mark);
      return true;
    }
  }

  /** librdkafka's queue is full: keep the message in order and retry shortly (never dropped). */
  private wait(topic: string, partition: number | null, value: Buffer, key: Buffer | null, mark: number): void {
    this.waiting.push({ topic, partition, value, key, mark });
    this.retryTimer ??= setInterval(() => {
      while (this.waiting.length > 0) {
        const m = this.waiting[0]!;
        if (!this.tryProduce(m.topic, m.partition, m.value, m.key, m.mark)) return;
        this.waiting.shift();
      }
      clearInterval(this.retryTimer!);
      this.retryTimer = null;
    }, 5);
  }

  /** A frame refused at ingress, to the dead-letter topic with why and where it came from. */
  deadLetter(reason: DeadLetterReason, detail: string, errorOffset: number, source: string, partition: number, offset: bigint, payload: Uint8Array, tsNs: bigint): void {
    const b = this.builder;
    b.clear();
    const body = DeadLetter.createDeadLetter(
      b, reason, b.createString(detail), errorOffset, b.createString(source), partition, offset, DeadLetter.createPayloadVector(b, payload), tsNs,
    );
    b.finish(Envelope.createEnvelope(b, Body.DeadLetter, body), FILE_IDENTIFIER);
    this.counters.deadLetters++;
    this.send(topicOf(Body.DeadLetter, this.prefix), Buffer.from(b.asUint8Array()), Buffer.from(source));
  }

  /** Produces every output of `rt` from now on, except those of frames replayed to rebuild state. */
  attach(rt: Runtime): void {
    rt.onOutput((view, at, length, type, _partition, originNs) => {
      if (originNs === REPLAY_ORIGIN) this.counters.replayed++;
      else this.produce(type, new Uint8Array(view.buffer, at, length));
    });
  }

  /**
   * The runtime's route handler (RuntimeOptions.onRoute) for a runtime of `partitions` partitions:
   * each routed frame goes to the stage topic, to the Kafka partition that holds its target runtime
   * partition, keyed by that partition in decimal. A key's Kafka partition is murmur2(key) mod the
   * topic's count and its runtime partition murmur2(key) mod `partitions`, so runtime partition p
   * sits with Kafka partition p mod count when count divides `partitions`, and the consumer group's
   * range assignment gives one process the same partition number of every topic when every topic has
   * the same count. Both are checked here. Frames routed while replaying were sent the first time
   * round, and are not sent again.
   */
  async routeHandler(partitions: number): Promise<RouteHandler> {
    const topic = this.prefix + TOPICS.engineRoutes;
    const count = await this.partitionCount(topic);
    for (const input of INPUT_TOPICS) {
      const n = await this.partitionCount(this.prefix + input);
      if (n !== count) throw new Error(`kafka: ${this.prefix + input} has ${n} partitions and ${topic} ${count}: the stage topic needs every input topic's partition count`);
    }
    if (partitions % count !== 0) {
      throw new Error(`kafka: the runtime's ${partitions} partitions are not a multiple of the ${count} partitions of ${topic}: give --partitions a multiple of ${count}`);
    }
    const keys = Array.from({ length: partitions }, (_, p) => Buffer.from(String(p)));
    return (frame, _type, partition, originNs) => {
      if (originNs === REPLAY_ORIGIN) return;
      this.counters.routed++;
      this.send(topic, Buffer.from(frame), keys[partition]!, partition % count);
    };
  }

  /**
   * Resolves when every message produced before the call is delivered (or failed, counted in stats),
   * while later ones go on: what a source's commit waits for. Delivery reports are taken every 10 ms.
   */
  delivered(timeoutMs = 30_000): Promise<void> {
    const mark = this.mark++;
    if (this.oldestMark() > mark) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = { mark, resolve: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.markWaiters.splice(this.markWaiters.indexOf(waiter), 1);
        let left = 0;
        for (const [m, n] of this.unreported) if (m <= mark) left += n;
        reject(new Error(`kafka: ${left} messages not delivered after ${timeoutMs} ms`));
      }, timeoutMs);
      this.markWaiters.push(waiter);
    });
  }

  /** Resolves when every message produced so far is delivered (or failed, counted in stats), sending them at once. */
  async flush(timeoutMs = 30_000): Promise<void> {
    let done = false;
    const delivered = this.delivered(timeoutMs).finally(() => (done = true));
    while (!done) await Promise.race([delivered, new Promise<void>((resolve) => this.producer.flush(100, () => resolve()))]);
    await delivered;
  }

  stats(): KafkaSinkStats {
    return { ...this.counters, waiting: this.waiting.length, errors: [...this.errors] };
  }

  async disconnect(): Promise<void> {
    await this.flush();
    if (this.retryTimer) clearInterval(this.retryTimer);
    await new Promise<void>((resolve) => this.producer.disconnect(() => resolve()));
  }
}

