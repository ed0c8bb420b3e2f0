// Batch values on the real broker: `tickwave produce --frames-per-value` puts many frames in each
// value, and the Kafka source hands every one of them to the runtime (exact totals, a risk decision
// for every order); a bad frame inside a batch, and a record cut short, are dead letters of their own with
// the reason, the byte where their record starts, and the source topic, partition and offset, while
// the good frames around them are processed.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime } from '../../src/runtime/runtime.js';
import { tradingJobs } from '../../src/jobs/index.js';
import { MarketSimulator } from '../../src/sim/market-simulator.js';
import { KafkaSink } from '../../src/kafka/kafka-sink.js';
import { KafkaSource } from '../../src/kafka/kafka-source.js';
import { ensureTopics } from '../../src/kafka/admin.js';
import { encodeFrameBatch } from '../../src/kafka/frame-batch.js';
import { allTopics, TOPICS } from '../../src/kafka/topics.js';
import { decode, encode, toTicks } from '../../src/wire/codec.js';
import { BROKERS, dropTopicsOf, readTopic, startBroker, until } from '../fixtures/kafka.js';
import { AccountPolicyT, AccountStatus, Body, DeadLetterReason, type DeadLetterT, OrderT, OrderType, Side, TimeInForce } from '../../src/wire/generated/index.js';

const root = join(import.meta.dirname, '../..');
const run = `${process.pid}${Date.now() % 1_000_000}`;

beforeAll(startBroker, 310_000);
afterAll(() => dropTopicsOf(run), 60_000);

const prefix = `bv${run}_`;
const events = 6_000;
const orderIds = new Set<bigint>();
let setup = 0;

/** Consumes the batch-value topics of the first test in a group of its own; the runtime's rings are `ringBytes`. */
async function consumeAll(group: string, ringBytes?: number) {
  const outputs = await KafkaSink.connect({ brokers: BROKERS, prefix });
  const source = new KafkaSource({ brokers: BROKERS, groupId: group, prefix, sink: outputs, commitIntervalMs: 200 });
  const rt = await startRuntime({ jobs: tradingJobs({ riskMonitor: { markIntervalMs: 0 } }), workers: 1, partitions: 4, sources: [source], ringBytes });
  outputs.attach(rt);
  const decided = new Set<bigint>();
  rt.on('riskDecision', (d) => decided.add(d.orderId));
  await until(() => source.stats().consumed >= events + setup, 120_000, 'the source to consume every frame');
  await rt.whenIdle();
  const inboundFull = rt.stats().full;
  await rt.stop();
  await outputs.disconnect();
  return { stats: source.stats(), decided, inboundFull };
}

describe('batch values on Kafka', () => {
  it('tickwave produce --frames-per-value 50: every frame consumed and processed, every order decided', async () => {
    const r = spawnSync(process.execPath, [
      join(root, 'bin/tickwave.js'), 'produce', '--kafka', BROKERS, '--events', String(events), '--rate', '60000', '--prefix', prefix, '--frames-per-value', '50',
    ], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const twin = new MarketSimulator({ seed: 42, eventsPerSecond: 60_000 });
    setup = twin.setupFrames().length;
    for (let i = 0; i < events; i++) {
      const e = twin.next();
      if (e.type === Body.Order) orderIds.add((decode(e.frame) as { body: OrderT }).body.orderId);
    }
    expect(r.stdout).toMatch(new RegExp(`produce: 6,000 events \\(and ${setup} instruments and policies\\) to ${BROKERS} with prefix ${prefix}: [0-9,]+ values of up to 50 frames delivered, 0 failed`));

    const { stats: s, decided } = await consumeAll(`tickwave-bv-${run}`);
    expect(s).toMatchObject({ consumed: events + setup, ingested: events + setup, deadLetters: 0 });
    // The setup frames went one per value; the events at most 50 per value.
    expect(s.messages).toBeLessThan(setup + events / 10);
    // Every order decided (a replace that adds quantity is decided again, under its order's id).
    expect(decided).toEqual(orderIds);
  }, 240_000);

  it('rings too small for a batch: the source resumes each value where the full ring stopped it, nothing lost or twice', async () => {
    // 16 KiB rings hold about a hundred frames: most values fill one before they are all handed over.
    const { stats: s, decided, inboundFull } = await consumeAll(`tickwave-bv-small-${run}`, 16 * 1024);
    expect(inboundFull).toBeGreaterThan(0);
    expect(s).toMatchObject({ consumed: events + setup, ingested: events + setup, deadLetters: 0 });
    expect(decided).toEqual(orderIds);
  }, 240_000);

  it('a bad frame and a cut-short record inside a batch are dead letters of their own; the good frames are processed', async () => {
    const prefix = `bd${run}_`;
    await ensureTopics({ brokers: BROKERS, topics: allTopics(prefix), partitions: 1 });
    const input = await KafkaSink.connect({ brokers: BROKERS, prefix });
    const policy = encode(Body.AccountPolicy, Object.assign(new AccountPolicyT(), { account: 'BV1', status: AccountStatus.ACTIVE, initialCash: toTicks(1e6), version: 1n }));
    const order = encode(Body.Order, Object.assign(new OrderT(), {
      orderId: 1n, account: 'BV1', symbol: 'AAPL', side: Side.BUY, type: OrderType.LIMIT, tif: TimeInForce.GTC, price: toTicks(100), quantity: 10n,
    }));
    const random = Uint8Array.from({ length: 64 }, (_, i) => (i * 97 + 13) & 0xff);
    const whole = encodeFrameBatch([policy, random, order]);
    // A fourth record that says 1,000 bytes follow when 12 do.
    const value = new Uint8Array(whole.length + 16);
    value.set(whole);
    new DataView(value.buffer).setUint32(whole.length, 1_000, true);
    const randomAt = 4 + Math.ceil(policy.length / 4) * 4;
    input.produceTo(TOPICS.orders, value, null);
    await input.flush();

    const dlq = await KafkaSink.connect({ brokers: BROKERS, prefix });
    const source = new KafkaSource({ brokers: BROKERS, groupId: `tickwave-bd-${run}`, prefix, sink: dlq, topics: [TOPICS.orders] });
    const rt = await startRuntime({ jobs: tradingJobs({ riskMonitor: { markIntervalMs: 0 } }), workers: 1, partitions: 2, sources: [source] });
    const decisions: boolean[] = [];
    rt.on('riskDecision', (d) => decisions.push(d.accepted));
    await until(() => source.stats().messages === 1, 60_000, 'the source to take the batch');
    await rt.stop();
    await dlq.flush();
    expect(source.stats()).toMatchObject({ messages: 1, consumed: 4, ingested: 2, deadLetters: 2 });
    expect(decisions).toEqual([true]);
    const letters = (await readTopic(prefix + TOPICS.deadLetters, 2)).map((m) => {
      const d = decode(new Uint8Array(m.value));
      if (!('ok' in d) || d.ok !== true) throw new Error('a dead letter failed verification');
      const l = d.body as DeadLetterT;
      return { reason: l.reason, source: l.source, partition: l.partition, offset: l.offset, errorOffset: l.errorOffset, payload: Uint8Array.from(l.payload), detail: String(l.detail) };
    });
    // The bad frame's letter first, then the cut-short record's (it starts later in the value).
    letters.sort((a, b) => Number(a.detail.startsWith('batch record')) - Number(b.detail.startsWith('batch record')));
    const topic = prefix + TOPICS.orders;
    expect(letters.map((l) => [l.reason, l.source, l.partition, l.offset])).toEqual([
      [DeadLetterReason.MALFORMED, topic, 0, 0n],
      [DeadLetterReason.MALFORMED, topic, 0, 0n],
    ]);
    expect(letters[0]!.detail).toMatch(new RegExp(`^.+ at byte [0-9]+ \\(in the batch record at byte ${randomAt} of the value\\)$`));
    expect(letters[0]!.payload).toEqual(random);
    expect(letters[1]).toMatchObject({ detail: `batch record at byte ${whole.length} of the value is cut short: 16 bytes left for its length and frame`, errorOffset: whole.length });
    expect(letters[1]!.payload).toEqual(value.slice(whole.length));
    await input.disconnect();
    await dlq.disconnect();
  }, 120_000);
});
