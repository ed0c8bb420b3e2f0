// Topic administration: the pipeline's topics are created at start when missing, with the configured
// partition count (an existing topic is left as it is).
import { rdkafka, type KafkaConfig } from './rdkafka.js';

export interface EnsureTopicsOptions {
  brokers: string;
  topics: string[];
  partitions: number;
  replicationFactor?: number;
  config?: KafkaConfig;
  timeoutMs?: number;
}

/** Creates each missing topic; resolves to the names it created. */
export async function ensureTopics(o: EnsureTopicsOptions): Promise<string[]> {
  if (!Number.isInteger(o.partitions) || o.partitions < 1) throw new RangeError(`partitions must be an integer of at least 1, got ${o.partitions}`);
  const admin = rdkafka.AdminClient.create({ 'metadata.broker.list': o.brokers, ...o.config } as never);
  const timeout = o.timeoutMs ?? 15_000;
  const created: string[] = [];
  try {
    for (const topic of o.topics) {
      await new Promise<void>((resolve, reject) => {
        admin.createTopic({ topic, num_partitions: o.partitions, replication_factor: o.replicationFactor ?? 1 }, timeout, (err) => {
          if (!err) {
            created.push(topic);
            return resolve();
          }
          // 36: TOPIC_ALREADY_EXISTS
          if (err.code === 36 || /already exists/i.test(err.message)) return resolve();
          reject(new Error(`kafka: cannot create topic ${topic} on ${o.brokers}: ${err.message}`));
        });
      });
    }
  } finally {
    admin.disconnect();
  }
  return created;
}

/** Deletes each topic that exists; resolves to the names it deleted (tests and benchmarks clean up after themselves). */
export async function deleteTopics(o: { brokers: string; topics: string[]; config?: KafkaConfig; timeoutMs?: number }): Promise<string[]> {
  const admin = rdkafka.AdminClient.create({ 'metadata.broker.list': o.brokers, ...o.config } as never);
  const timeout = o.timeoutMs ?? 15_000;
  const deleted: string[] = [];
  try {
    for (const topic of o.topics) {
      await new Promise<void>((resolve, reject) => {
        admin.deleteTopic(topic, timeout, (err) => {
          if (!err) {
            deleted.push(topic);
            return resolve();
          }
          // 3: UNKNOWN_TOPIC_OR_PARTITION (never created, or deleted already)
          if (err.code === 3 || /unknown topic/i.test(err.message)) return resolve();
          reject(new Error(`kafka: cannot delete topic ${topic} on ${o.brokers}: ${err.message}`));
        });
      });
    }
  } finally {
    admin.disconnect();
  }
  return deleted;
}
