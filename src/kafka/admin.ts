// Topic administration: the pipeline's topics are created at start when missing, with the configured
// partition count (an existing topic is left as it is).
import { rdkafka, type KafkaConfig } from './rdkafka.js';

export interface EnsureTopicsOptions {
  brokers: string;
  topics: string[];
  partitions: number;
  replicationFactor?: number;
  /** Topic-level settings for the topics it creates (for example message.timestamp.type). */
  topicConfig?: Record<string, string>;
  config?: KafkaConfig;
  timeoutMs?: number;
}

type Admin = ReturnType<typeof rdkafka.AdminClient.create>;
type AdminError = { code: number; message: string } | null | undefined;

/**
 * One admin request per topic, in order, on one client: resolves to the topics it acted on. An error
 * `settled` accepts (the topic already was as asked) is skipped; any other fails with its message.
 */
async function eachTopic(
  o: { brokers: string; topics: string[]; config?: KafkaConfig; timeoutMs?: number },
  verb: string,
  request: (admin: Admin, topic: string, timeout: number, done: (err: AdminError) => void) => void,
  settled: (err: { code: number; message: string }) => boolean,
): Promise<string[]> {
  const admin = rdkafka.AdminClient.create({ 'metadata.broker.list': o.brokers, ...o.config } as never);
  const timeout = o.timeoutMs ?? 15_000;
  const done: string[] = [];
  try {
    for (const topic of o.topics) {
      await new Promise<void>((resolve, reject) => {
        request(admin, topic, timeout, (err) => {
          if (!err) done.push(topic);
          else if (!settled(err)) return reject(new Error(`kafka: cannot ${verb} topic ${topic} on ${o.brokers}: ${err.message}`));
          resolve();
        });
      });
    }
  } finally {
    admin.disconnect();
  }
  return done;
}

/** Creates each missing topic; resolves to the names it created. */
export async function ensureTopics(o: EnsureTopicsOptions): Promise<string[]> {
  if (!Number.isInteger(o.partitions) || o.partitions < 1) throw new RangeError(`partitions must be an integer of at least 1, got ${o.partitions}`);
  return eachTopic(
    o, 'create',
    (admin, topic, timeout, done) => admin.createTopic({ topic, num_partitions: o.partitions, replication_factor: o.replicationFactor ?? 1, ...(o.topicConfig ? { config: o.topicConfig } : {}) }, timeout, done),
    // 36: TOPIC_ALREADY_EXISTS
    (err) => err.code === 36 || /already exists/i.test(err.message),
  );
}

/** Deletes each topic that exists; resolves to the names it deleted (tests and benchmarks clean up after themselves). */
export async function deleteTopics(o: { brokers: string; topics: string[]; config?: KafkaConfig; timeoutMs?: number }): Promise<string[]> {
  return eachTopic(
    o, 'delete',
    (admin, topic, timeout, done) => admin.deleteTopic(topic, timeout, done),
    // 3: UNKNOWN_TOPIC_OR_PARTITION (never created, or deleted already)
    (err) => err.code === 3 || /unknown topic/i.test(err.message),
  );
}
