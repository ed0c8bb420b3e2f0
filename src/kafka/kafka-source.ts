// The Kafka source: a KafkaConsumer in a consumer group feeding the runtime. Each value is verified
// by the runtime's ingress and routed by key to the owning worker's ring; a value that fails goes to
// the dead-letter topic with the reason, source topic, partition and offset, and is counted.
//
// Batches: consume(n) in node-rdkafka applies its timeout to each message rather than to the batch
// (with a 1 s timeout, a batch of 1,000 can wait 1,000 s on a slow topic). The source asks with a
// zero timeout, which returns what librdkafka has already fetched, and waits between empty batches
// itself (fetch.wait.max.ms bounds how long the broker holds a fetch).
//
// State: on assignment, each partition is read again from its start up to the group's committed
// offset, with the frames marked as replayed (REPLAY_ORIGIN): the jobs rebuild their state from them
// (books, positions, P&L, risk), and their outputs, produced before, are not produced again. Input
// topics therefore keep their history (retention or compaction to suit). Then it goes on live.
//
// Offsets: committed only after the frames' effects are processed: every commitIntervalMs the
// source notes each partition's next offset, waits until the runtime has handled every frame it was
// given by then and delivered their outputs (a runtime checkpoint), and until the output sink has
// delivery reports for every message it was given by then, then commits the noted offsets. All the
// while it goes on taking messages: the commit waits in the background (stopping the stream for it
// held every tick that arrived meanwhile, 7-8 ms once a second). The periodic commit is sent without
// waiting for the broker's answer (a synchronous commit held the event loop, and with it every
// output, for a round trip to the group coordinator); a failed one is counted, and the next covers
// its offsets. The commit before partitions are let go or the source closes waits for the answer. A
// restart resumes after the last commit (at least once; the engine's outputs carry ids that repeat
// exactly).
// Back-pressure: the source waits while the owner's ring is full; when it stays full past 50 ms the
// source pauses its partitions, and resumes them when there is room again.
// Values: one Envelope, or a batch of them (src/kafka/frame-batch.ts); a batch's frames are handed
// over one by one, and a bad one is a dead letter of its own, named by its byte in the value.
// Stage topic (`stageTopic`): its values are frames the trade engine routed between its stages in
// some process of the group, each keyed by its target runtime partition; they are handed over as
// routed frames to that partition (ingestRouted), and replayed with the rest on assignment.
import { rdkafka, type KafkaConfig } from './rdkafka.js';
import { deadLetterReason, type KafkaSink } from './kafka-sink.js';
import { DeadLetterReason } from '../wire/generated/index.js';
import { INPUT_TOPICS, TOPICS } from './topics.js';
import { isFrameBatch, nextRecord, recordEnd } from './frame-batch.js';
import { Ingest } from '../runtime/runtime.js';
import { monotonicNs } from '../runtime/clock.js';
import { REPLAY_ORIGIN, type Source, type SourceSink } from '../runtime/source.js';

export interface KafkaSourceOptions {
  brokers: string;
  groupId: string;
  /** Topics to consume (default: market data, orders, account policies), before the prefix. */
  topics?: readonly string[];
  prefix?: string;
  /** Dead letters for values the runtime refuses, and the outputs whose delivery a commit waits for. */
  sink: KafkaSink;
  /** Messages asked for per consume call. */
  batchSize?: number;
  commitIntervalMs?: number;
  /** Largest value accepted (bigger ones are dead letters, OVERSIZED). */
  config?: KafkaConfig;
  /** Where to start without a committed offset: 'earliest' (default) or 'latest'. */
  offsetReset?: 'earliest' | 'latest';
  /**
   * Also consume the stage topic (engine_routes): the trade engine's stages across the processes of
   * the group. The runtime must route through the main thread to KafkaSink.routeHandler().
   */
  stageTopic?: boolean;
  /** Rebuild state by replaying each assigned partition from its start to the committed offset (default true). */
  replay?: boolean;
  /**
   * What output latency counts from: 'ingress' (default: when the value enters the runtime) or
   * 'broker' (the message's timestamp, so the wait in Kafka counts too: broker -> alert). The
   * timestamp is when the producer made the message, unless the topic has message.timestamp.type
   * LogAppendTime: then it is when the broker appended it.
   */
  latencyFrom?: 'ingress' | 'broker';
}

export interface KafkaSourceStats {
  /** Frames taken from Kafka (a batch value counts each of its frames). */
  consumed: number;
  /** Kafka messages taken. */
  messages: number;
  ingested: number;
  deadLetters: number;
  /** Commits the broker acknowledged. */
  commits: number;
  /** Periodic commits the broker refused or that failed on the way (the next commit covers their offsets). */
  commitErrors: number;
  pauses: number;
  /** Frames replayed to rebuild state (outputs not produced again). */
  replayed: number;
  assigned: string[];
}

export const DEFAULT_CONSUMER_CONFIG: KafkaConfig = {
  'enable.auto.commit': false,
  // A process that dies is out of the group after 6 s (the broker's minimum), not the default 45 s:
  // its partitions move to the others that soon.
  'session.timeout.ms': 6_000,
  'heartbeat.interval.ms': 1_000,
  'fetch.wait.max.ms': 10,
  'fetch.min.bytes': 1,
  'queued.min.messages': 100_000,
  // When a partition's local queue passes its thresholds (queued.max.messages.kbytes, 64 MiB, is some
  // 7,500 batch values), librdkafka holds that partition's next fetch back this long; at its default
  // of 1 s the queue ran dry between fetches, and reading 1 M ticks in 64-frame values without the
  // jobs went from 0.82 M to 1.7-1.8 M ticks/s at 10 ms.
  'fetch.queue.backoff.ms': 10,
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** How long a full ring is waited on before the partitions are paused. */
const BRIEF_WAIT_MS = 50;
const EMPTY = new Uint8Array(0);

interface PartitionState {
  topic: string;
  partition: number;
  /** Offsets below this are replayed (the group's committed offset when it was assigned). */
  replayUntil: number;
  /** Offsets below this are skipped: this process held the partition last and its state has them. */
  skipUntil: number;
  /** With the stage topic: the partition's end when it was assigned; the stage topic waits until it is reached. */
  holdUntil: number;
  /** One past the last message handed to the runtime, replayed or live. */
  position: number;
  /** One past the last message handed to the runtime, and what was last committed. */
  next: number;
  committed: number;
}

interface ConsumedMessage {
  value: Buffer | null;
  key?: Buffer | string | null;
  topic: string;
  partition: number;
  offset: number;
  /** Milliseconds since the epoch (the producer's CreateTime by default). */
  timestamp?: number;
}

export class KafkaSource implements Source {
  readonly name: string;
  private readonly consumer: InstanceType<typeof rdkafka.KafkaConsumer>;
  private readonly topics: string[];
  /** The stage topic's name (prefixed), or null without it. */
  private readonly routesTopic: string | null;
  private stopped = false;
  /** Next offset to commit per "topic\0partition": one past the last message handed to the runtime. */
  private readonly parts = new Map<string, PartitionState[]>();
  private readonly counters = { consumed: 0, messages: 0, ingested: 0, deadLetters: 0, commits: 0, commitErrors: 0, pauses: 0, replayed: 0 };
  private readonly recordLength = new Int32Array(1);
  /** Assignments whose committed offsets are still being looked up: nothing is handed over meanwhile. */
  private lookups = 0;
  private assigned: { topic: string; partition: number }[] = [];
  /** The runtime's partition count (what a stage-topic key may name). */
  private runtimePartitions = 0;

  constructor(private readonly o: KafkaSourceOptions) {
    this.routesTopic = o.stageTopic ? (o.prefix ?? '') + TOPICS.engineRoutes : null;
    this.topics = (o.topics ?? INPUT_TOPICS).map((t) => (o.prefix ?? '') + t);
    if (this.routesTopic !== null) this.topics.push(this.routesTopic);
    this.name = `kafka:${o.groupId}`;
    this.consumer = new rdkafka.KafkaConsumer(
      {
        'metadata.broker.list': o.brokers,
        'group.id': o.groupId,
        ...DEFAULT_CONSUMER_CONFIG,
        ...o.config,
        // The stage topic needs each process to hold the same partition numbers of every topic: the
        // range assignor gives that (the default's first choice), the others do not.
        ...(o.stageTopic ? { 'partition.assignment.strategy': 'range' } : {}),
        // Every commit's answer, sync or not, comes here: `commits` counts the acknowledged ones.
        offset_commit_cb: (err: { code: number; message: string } | null) => {
          if (!err) {
            this.counters.commits++;
            return;
          }
          // The next commit sends every partition's offset again, changed since or not.
          this.counters.commitErrors++;
          this.recommit = true;
        },
        rebalance_cb: (err: { code: number }, assignment: { topic: string; partition: number }[]) => {
          // Eager rebalancing. On revoke the run loop drains and commits before it lets the partitions
          // go (unassign), so their next owner starts exactly where this process's effects end.
          if (err.code === rdkafka.CODES.ERRORS.ERR__ASSIGN_PARTITIONS) {
            this.assigned = assignment.map((a) => ({ topic: a.topic, partition: a.partition }));
            if (this.o.replay === false) this.consumer.assign(assignment);
            else this.assignForReplay(this.assigned);
          } else if (err.code === rdkafka.CODES.ERRORS.ERR__REVOKE_PARTITIONS) {
            // Closing (the last commit is done): let go at once, or disconnect would wait for it forever.
            if (this.closing) this.consumer.unassign();
            else this.revoked = true;
          }
        },
      } as never,
      { 'auto.offset.reset': o.offsetReset ?? 'earliest' },
    );
  }

  /**
   * From the start of each partition; what is below the committed offset is replayed, unless this
   * process held the partition last, up to exactly that offset (a rebalance that gave it back): its
   * state has those messages already, and they are skipped. The stage topic waits (paused) until the
   * input partitions are read up to where they ended at assignment, past the committed offset: an
   * exec report coming back must find its order held, and after a crash the stage topic holds
   * reports of orders the dead process took after its last commit.
   */
  private assignForReplay(parts: { topic: string; partition: number }[]): void {
    this.lookups++;
    this.consumer.assign(parts.map((p) => ({ ...p, offset: -2 /* the beginning */ })));
    this.stageHeld = parts.filter((p) => p.topic === this.routesTopic);
    if (this.stageHeld.length > 0) {
      this.consumer.pause(this.stageHeld);
      for (const p of parts) {
        if (p.topic === this.routesTopic) continue;
        this.lookups++;
        this.consumer.queryWatermarkOffsets(p.topic, p.partition, 15_000, (err, w) => {
          if (err) this.failure = new Error(`kafka: cannot read the end of ${p.topic}/${p.partition}: ${err.message}`);
          // A partition whose messages are all gone (retention) has nothing to wait for.
          else if (w.highOffset > w.lowOffset) this.part(p.topic, p.partition).holdUntil = w.highOffset;
          this.lookups--;
        });
      }
    }
    this.consumer.committed(parts, 15_000, (err, committed) => {
      if (err) {
        this.failure = new Error(`kafka: cannot read the group's committed offsets: ${err.message}`);
      } else {
        for (const c of committed) {
          if (c.offset <= 0) continue;
          const ps = this.part(c.topic, c.partition);
          if (this.heldUntil.get(`${c.topic}\0${c.partition}`) === c.offset) ps.skipUntil = c.offset;
          else ps.replayUntil = c.offset;
        }
      }
      this.lookups--;
    });
  }

  /** Whether every input partition (the stage topic aside) has been read up to where it ended at assignment. */
  private inputsCaughtUp(): boolean {
    for (const [topic, list] of this.parts) {
      if (topic === this.routesTopic) continue;
      for (const ps of list) if (ps !== undefined && ps.position < Math.max(ps.replayUntil, ps.holdUntil)) return false;
    }
    return true;
  }

  /** Stage-topic partitions paused until the inputs have caught up. */
  private stageHeld: { topic: string; partition: number }[] = [];
  /** Per "topic\0partition" this process let go: one past the last message it handed over. */
  private readonly heldUntil = new Map<string, number>();

  private failure: Error | null = null;

  /** The state kept per assigned partition (found without building a key string per message). */
  private part(topic: string, partition: number): PartitionState {
    let list = this.parts.get(topic);
    if (!list) this.parts.set(topic, (list = []));
    return (list[partition] ??= { topic, partition, replayUntil: 0, skipUntil: 0, holdUntil: 0, position: 0, next: 0, committed: 0 });
  }
  /** A periodic commit failed: the next one sends every partition's offset. */
  private recommit = false;
  /** The periodic commit waiting in the background, if one is. */
  private committing: Promise<void> | null = null;
  /** A revoke is waiting for the run loop to drain, commit and unassign. */
  private revoked = false;
  private closing = false;

  stats(): KafkaSourceStats {
    return { ...this.counters, assigned: this.assigned.map((a) => `${a.topic}/${a.partition}`) };
  }

  stop(): void {
    this.stopped = true;
  }

  private consume(n: number): Promise<ConsumedMessage[]> {
    return new Promise((resolve, reject) => this.consumer.consume(n, (err, messages) => (err ? reject(err) : resolve(messages as never))));
  }

  async run(sink: SourceSink): Promise<void> {
    this.runtimePartitions = sink.partitions;
    await new Promise<void>((resolve, reject) => {
      this.consumer.connect({ timeout: 15_000 }, (err) => (err ? reject(new Error(`kafka: cannot connect a consumer to ${this.o.brokers}: ${err.message}`)) : resolve()));
    });
    this.consumer.setDefaultConsumeTimeout(0);
    this.consumer.subscribe(this.topics);
    const batch = this.o.batchSize ?? 2_000;
    const interval = this.o.commitIntervalMs ?? 1_000;
    let nextCommit = Date.now() + interval;
    try {
      while (!this.stopped) {
        if (this.failure) throw this.failure;
        if (this.revoked) {
          await this.committing;
          if (this.failure) throw this.failure;
          await this.commit(sink, true);
          this.consumer.unassign();
          this.assigned = [];
          for (const list of this.parts.values()) for (const ps of list) if (ps !== undefined && ps.position > 0) this.heldUntil.set(`${ps.topic}\0${ps.partition}`, ps.position);
          this.parts.clear();
          this.stageHeld = [];
          this.revoked = false;
          continue;
        }
        if (this.lookups > 0) {
          await sleep(5);
          continue;
        }
        if (this.stageHeld.length > 0 && this.inputsCaughtUp()) {
          this.consumer.resume(this.stageHeld);
          this.stageHeld = [];
        }
        const messages = await this.consume(batch);
        for (const m of messages) {
          const stopped = this.hand(sink, m, 0);
          if (stopped >= 0) await this.handWaiting(sink, m, stopped);
        }
        if (this.committing === null && Date.now() >= nextCommit) {
          this.committing = this.commit(sink).then(
            () => {
              this.committing = null;
              nextCommit = Date.now() + interval;
            },
            (e: unknown) => {
              this.failure ??= e instanceof Error ? e : new Error(String(e));
              this.committing = null;
            },
          );
        }
        if (messages.length === 0) await sleep(2);
      }
      await this.committing;
      if (this.failure) throw this.failure;
      await this.commit(sink, true);
    } finally {
      this.closing = true;
      if (this.revoked) this.consumer.unassign();
      await new Promise<void>((resolve) => this.consumer.disconnect(() => resolve()));
    }
  }

  /**
   * One message to the runtime, from byte `from` of its value (a batch resumes where a full ring
   * stopped it). Returns -1 when all of it is handed over, else the byte to resume from. Refusals are
   * dead letters. Synchronous: a batch costs no promise per message.
   */
  private hand(sink: SourceSink, m: ConsumedMessage, from: number): number {
    const value = m.value ?? EMPTY;
    const ps = this.part(m.topic, m.partition);
    if (m.offset < ps.skipUntil) {
      ps.position = m.offset + 1;
      return -1;
    }
    const replay = m.offset < ps.replayUntil;
    // One origin for the message: the frames of a batch value arrived together (and the clock is read once, not per frame).
    const origin = replay ? REPLAY_ORIGIN : this.o.latencyFrom === 'broker' && m.timestamp ? monotonicNs() - Math.max(0, Date.now() - m.timestamp) * 1e6 : monotonicNs();
    if (m.topic === this.routesTopic) {
      const target = this.routeTarget(m, replay);
      if (target >= 0 && !this.handFrame(sink, m, value, -1, replay, origin, target)) return 0;
    } else if (!isFrameBatch(value)) {
      if (!this.handFrame(sink, m, value, -1, replay, origin)) return 0;
    } else {
      for (let at = from; ;) {
        const envelope = nextRecord(value, at, this.recordLength);
        if (envelope === -1) break;
        if (envelope === -2) {
          this.badRecord(m, value, at, replay);
          break;
        }
        const length = this.recordLength[0]!;
        // A plain view, not Buffer.subarray(): a Buffer costs more to make, once per frame.
        if (!this.handFrame(sink, m, new Uint8Array(value.buffer, value.byteOffset + envelope, length), at, replay, origin)) return at;
        at = recordEnd(envelope, length);
      }
    }
    this.counters.messages++;
    ps.position = m.offset + 1;
    // Replayed offsets are below the committed one already: committing them would move it back.
    if (!replay) ps.next = m.offset + 1;
    return -1;
  }

  /**
   * The runtime partition a stage-topic message is routed to: its key, in decimal. A key that names
   * none makes the message a dead letter (and -1 is returned).
   */
  private routeTarget(m: ConsumedMessage, replay: boolean): number {
    const target = this.routeKey(m);
    if (target >= 0) return target;
    this.counters.consumed++;
    if (!replay) {
      const key = JSON.stringify((m.key ?? '').toString().slice(0, 40));
      this.deadLetter(m, DeadLetterReason.MALFORMED, `stage-topic key ${key} names no runtime partition (0..${this.runtimePartitions - 1})`, -1, m.value ?? EMPTY);
    }
    return -1;
  }

  /** A value (or part of one) to the dead-letter topic, with where it came from; counted. */
  private deadLetter(m: ConsumedMessage, reason: DeadLetterReason, detail: string, errorOffset: number, payload: Uint8Array): void {
    this.counters.deadLetters++;
    this.o.sink.deadLetter(reason, detail, errorOffset, m.topic, m.partition, BigInt(m.offset), payload, BigInt(Date.now()) * 1_000_000n);
  }

  /** A stage-topic message's runtime partition from its key, or -1 when the key names none. */
  private routeKey(m: ConsumedMessage): number {
    const key = m.key == null ? '' : m.key.toString();
    const target = /^\d{1,5}$/.test(key) ? Number(key) : -1;
    return target < this.runtimePartitions ? target : -1;
  }

  /**
   * One frame to the runtime (`recordAt`: its record's byte in a batch value, or -1; `routeTo`: the
   * runtime partition of a stage-topic frame, or -1); false when its owner's ring is full.
   */
  private handFrame(sink: SourceSink, m: ConsumedMessage, frame: Uint8Array, recordAt: number, replay: boolean, origin: number, routeTo = -1): boolean {
    const r = routeTo < 0 ? sink.ingest(frame, m.topic, origin) : sink.ingestRouted(frame, routeTo, m.topic, origin);
    if (r === Ingest.FULL) return false;
    this.counters.consumed++;
    if (r === Ingest.OK) {
      this.counters.ingested++;
      if (replay) this.counters.replayed++;
    } else if (r === Ingest.REJECTED) {
      // A replayed value was dead-lettered the first time round.
      if (!replay) {
        const why = sink.lastRejection()!;
        const detail = recordAt < 0 ? why.reason : `${why.reason} (in the batch record at byte ${recordAt} of the value)`;
        this.deadLetter(m, deadLetterReason(why), detail, why.offset, frame);
      }
    } else {
      throw new Error(`kafka source: the runtime answered ${r} for ${m.topic}/${m.partition}@${m.offset}`);
    }
    return true;
  }

  /** A batch record whose length runs past the value: the rest of the value is one dead letter. */
  private badRecord(m: ConsumedMessage, value: Uint8Array, at: number, replay: boolean): void {
    this.counters.consumed++;
    if (replay) return;
    const detail = `batch record at byte ${at} of the value is cut short: ${this.recordLength[0]} bytes left for its length and frame`;
    this.deadLetter(m, DeadLetterReason.MALFORMED, detail, at, value.subarray(at));
  }

  /**
   * The owner's ring is full: wait for room and hand the rest of the message over. A short wait is
   * the workers catching up with a batch; only if the ring stays full past BRIEF_WAIT_MS are the
   * partitions paused (until it has room), so librdkafka stops fetching for nothing.
   */
  private async handWaiting(sink: SourceSink, m: ConsumedMessage, from: number): Promise<void> {
    const until = Date.now() + BRIEF_WAIT_MS;
    let at = from;
    // A stage-topic frame names its partition; the others go where their key does.
    const partition = m.topic === this.routesTopic ? this.routeKey(m) : undefined;
    while (at >= 0 && Date.now() < until) {
      await sink.whenWritable(this.frameAt(m.value ?? EMPTY, at), BRIEF_WAIT_MS, partition);
      at = this.hand(sink, m, at);
    }
    if (at < 0) return;
    const parts = this.assigned;
    this.consumer.pause(parts);
    this.counters.pauses++;
    try {
      for (; at >= 0; at = this.hand(sink, m, at)) await sink.whenWritable(this.frameAt(m.value ?? EMPTY, at), 20, partition);
    } finally {
      // Stage-topic partitions held for a replay stay paused.
      this.consumer.resume(this.stageHeld.length === 0 ? parts : parts.filter((p) => p.topic !== this.routesTopic));
    }
  }

  /** The frame a full ring stopped at: the value itself, or the batch record at byte `at`. */
  private frameAt(value: Uint8Array, at: number): Uint8Array {
    if (!isFrameBatch(value)) return value;
    const envelope = nextRecord(value, at, this.recordLength);
    return envelope < 0 ? value : value.subarray(envelope, envelope + this.recordLength[0]!);
  }

  /**
   * Commits the offsets of what was handed to the runtime so far, once the runtime has processed it and
   * the sink delivered its outputs (the stream flows on meanwhile); `waitForBroker` for the answer.
   */
  private async commit(sink: SourceSink, waitForBroker = false): Promise<void> {
    const offsets: { topic: string; partition: number; offset: number }[] = [];
    // Taken before the waits below: a failure reported during them is retried by the next commit.
    const all = this.recommit;
    this.recommit = false;
    for (const list of this.parts.values()) {
      for (const ps of list) {
        if (ps === undefined || ps.next === 0 || (ps.next <= ps.committed && !all)) continue;
        offsets.push({ topic: ps.topic, partition: ps.partition, offset: ps.next });
        ps.committed = ps.next;
      }
    }
    if (offsets.length === 0) return;
    await sink.checkpoint(60_000);
    await this.o.sink.delivered(60_000);
    if (waitForBroker) this.consumer.commitSync(offsets);
    else this.consumer.commit(offsets);
  }
}
