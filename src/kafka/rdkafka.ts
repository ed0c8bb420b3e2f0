// node-rdkafka, loaded once (it is a CommonJS native addon), for the Kafka source, sink and admin.
import { createRequire } from 'node:module';

export type RdKafka = typeof import('node-rdkafka');
const require = createRequire(import.meta.url);
export const rdkafka = require('node-rdkafka') as RdKafka;

/** librdkafka configuration as given by users: any key passes through (numbers, strings, booleans). */
export type KafkaConfig = Record<string, string | number | boolean>;
