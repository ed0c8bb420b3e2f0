// The pipeline through a real Kafka broker (scripts/kafka.sh starts it; CI does before the tests):
// values produced to the input topics come back out of the output topics with exact totals, and bad
// values (random bytes, a truncated frame, an unknown message type, an oversized value) become dead
// letters with their reason, source topic, partition and offset while the pipeline keeps going.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime } from '../../src/runtime/runtime.js';
import { tradingJobs } from '../../src/jobs/index.js';
import { MarketSimulator } from '../../src/sim/market-simulator.js';
import { KafkaSink } from '../../src/kafka/kafka-sink.js';
import { KafkaSource } from '../../src/kafka/kafka-source.js';
import { ensureTopics } from '../../src/kafka/admin.js';
import { allTopics, TOPICS } from '../../src/kafka/topics.js';
import { decode, encode, toTicks } from '../../src/wire/codec.js';
import { BROKERS, dropTopicsOf, readTopic, startBroker, until } from '../fixtures/kafka.js';
import { AccountPolicyT, AccountStatus, Body, DeadLetterReason, type DeadLetterT, OrderT, OrderType, Side, TimeInForce } from '../../src/wire/generated/index.js';

const root = join(import.meta.dirname, '../..');
const run = `${process.pid}${Date.now() % 1_000_000}`;

beforeAll(startBroker, 310_000);
afterAll(() => dropTopicsOf(run), 60_000);

describe('the pipeline on Kafka', () => {
  let sink: KafkaSink;
  afterAll(async () => {
    await sink?.disconnect();
  });

  it('round trip: every value consumed and processed, every output produced, with exact totals', async () => {
    const prefix = `rt${run}_`;
    await ensureTopics({ brokers: BROKERS, topics: allTopics(prefix), partitions: 4 });
    sink = await KafkaSink.connect({ brokers: BROKERS, prefix });
    // The input: the simulator's setup and 20,000 events, produced by type to the input topics.
    const sim = new MarketSimulator({ seed: 5, eventsPerSecond: 20_000 });
    const frames = [...sim.setupFrames()];
    const types: number[] = frames.map((f) => (decode(f) as { type: number }).type);
    for (let i = 0; i < 20_000; i++) {
      const e = sim.next();
      frames.push(e.frame);
      types.push(e.type);
    }
    // Policies first, so the orders meet them; then the rest.
    for (let i = 0; i < frames.length; i++) sink.produce(types[i]!, frames[i]!);
    await sink.flush();
    const produced = sink.stats().delivered;
    expect(produced).toBe(frames.length);

    const outputs = await KafkaSink.connect({ brokers: BROKERS, prefix });
    const source = new KafkaSource({ brokers: BROKERS, groupId: `tickwave-${run}`, prefix, sink: outputs, commitIntervalMs: 200 });
    const rt = await startRuntime({ jobs: tradingJobs({ riskMonitor: { markIntervalMs: 0 } }), workers: 1, partitions: 4, sources: [source] });
    outputs.attach(rt);
    await until(() => source.stats().consumed === frames.length, 120_000, 'the source to consume every value');
    await rt.whenIdle();
    await rt.stop();
    await outputs.flush();
    const s = source.stats();
    expect(s.ingested).toBe(frames.length);
    expect(s.deadLetters).toBe(0);
    expect(s.commits).toBeGreaterThan(0);
    const counts = rt.outputCounts();
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    expect(outputs.stats()).toMatchObject({ produced: total, delivered: total, failed: 0 });
    // Read back: each output topic holds exactly what the runtime emitted of its type.
    const decisions = await readTopic(prefix + TOPICS.riskDecisions, counts.RiskDecision!);
    expect(decisions.length).toBe(counts.RiskDecision);
    const orders = types.filter((t) => t === Body.Order).length;
    expect(counts.RiskDecision).toBeGreaterThanOrEqual(orders);
    const execs = await readTopic(prefix + TOPICS.execReports, counts.ExecReport!);
    expect(execs.length).toBe(counts.ExecReport);
    for (const m of [...decisions, ...execs]) expect('ok' in decode(new Uint8Array(m.value)) && (decode(new Uint8Array(m.value)) as { ok: boolean }).ok).toBe(true);
    // The group's committed position is the end of every input partition: nothing left to redo.
    await outputs.disconnect();
  }, 240_000);

  it('tickwave produce publishes the simulator into the topics, each message where its type goes', async () => {
    const prefix = `pr${run}_`;
    const r = spawnSync(process.execPath, [join(root, 'bin/tickwave.js'), 'produce', '--kafka', BROKERS, '--events', '3000', '--rate', '30000', '--prefix', prefix], {
      encoding: 'utf8', timeout: 120_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const setup = new MarketSimulator({ seed: 42 }).setupFrames().length;
    expect(r.stdout).toContain(`produce: 3,000 events (and ${setup} instruments and policies) to ${BROKERS} with prefix ${prefix}: ${(3_000 + setup).toLocaleString('en-US')} delivered, 0 failed`);
    // The same stream, counted by topic, from a twin simulator.
    const twin = new MarketSimulator({ seed: 42, eventsPerSecond: 30_000 });
    const expected = new Map<string, number>();
    const count = (t: string) => expected.set(t, (expected.get(t) ?? 0) + 1);
    for (const f of twin.setupFrames()) count((decode(f) as { typeName: string }).typeName === 'AccountPolicy' ? TOPICS.accountPolicies : TOPICS.marketData);
    for (let i = 0; i < 3_000; i++) {
      const e = twin.next();
      count(e.type === Body.Quote || e.type === Body.Trade ? TOPICS.marketData : TOPICS.orders);
    }
    for (const [topic, n] of expected) expect((await readTopic(prefix + topic, n)).length, topic).toBe(n);
  }, 180_000);

  it('bad values become dead letters with reason, topic, partition and offset; the pipeline goes on', async () => {
    const prefix = `dl${run}_`;
    await ensureTopics({ brokers: BROKERS, topics: allTopics(prefix), partitions: 1 });
    const input = await KafkaSink.connect({ brokers: BROKERS, prefix });
    const order = encode(Body.Order, Object.assign(new OrderT(), {
      orderId: 1n, account: 'DL1', symbol: 'AAPL', side: Side.BUY, type: OrderType.LIMIT, tif: TimeInForce.GTC, price: toTicks(100), quantity: 10n,
    }));
    const policy = encode(Body.AccountPolicy, Object.assign(new AccountPolicyT(), { account: 'DL1', status: AccountStatus.ACTIVE, initialCash: toTicks(1e6), version: 1n }));
    const random = Uint8Array.from({ length: 64 }, (_, i) => (i * 97 + 13) & 0xff);
    const truncated = order.slice(0, order.length - 9);
    const unknownType = order.slice();
    // The Envelope's union tag: set it to a type the schema does not have.
    const view = new DataView(unknownType.buffer);
    const rootAt = view.getUint32(0, true);
    const vt = rootAt - view.getInt32(rootAt, true);
    unknownType[rootAt + view.getUint16(vt + 4, true)] = 200;
    const oversized = new Uint8Array(5_000).fill(7);
    const values = [policy, random, truncated, unknownType, oversized, order];
    // All to the orders topic, in this order, with no key (one partition).
    for (const v of values) input.produce(Body.Order, v, null);
    await input.flush();
    const dlq = await KafkaSink.connect({ brokers: BROKERS, prefix });
    const source = new KafkaSource({ brokers: BROKERS, groupId: `tickwave-dl-${run}`, prefix, sink: dlq, topics: [TOPICS.orders] });
    const rt = await startRuntime({ jobs: tradingJobs({ riskMonitor: { markIntervalMs: 0 } }), workers: 1, partitions: 2, sources: [source], maxFrameBytes: 4_096 });
    const decisions: boolean[] = [];
    rt.on('riskDecision', (d) => decisions.push(d.accepted));
    await until(() => source.stats().consumed === values.length, 60_000, 'the source to consume the bad values');
    await rt.stop();
    await dlq.flush();
    expect(source.stats()).toMatchObject({ consumed: 6, ingested: 2, deadLetters: 4 });
    expect(rt.stats().crashes).toEqual([]);
    expect(decisions).toEqual([true]); // the order after the bad values was decided
    const letters = (await readTopic(prefix + TOPICS.deadLetters, 4)).map((m) => {
      const d = decode(new Uint8Array(m.value));
      if (!('ok' in d) || d.ok !== true) throw new Error('a dead letter failed verification');
      const l = d.body as DeadLetterT;
      return { reason: l.reason, source: l.source, partition: l.partition, offset: l.offset, payload: Uint8Array.from(l.payload), detail: l.detail };
    });
    letters.sort((a, b) => Number(a.offset - b.offset));
    const topic = prefix + TOPICS.orders;
    expect(letters.map((l) => [l.reason, l.source, l.partition, l.offset])).toEqual([
      [DeadLetterReason.MALFORMED, topic, 0, 1n],
      [DeadLetterReason.MALFORMED, topic, 0, 2n],
      [DeadLetterReason.UNKNOWN_MESSAGE_TYPE, topic, 0, 3n],
      [DeadLetterReason.OVERSIZED, topic, 0, 4n],
    ]);
    expect(letters.map((l) => l.payload)).toEqual([random, truncated, unknownType, oversized]);
    expect(letters.map((l) => l.detail)).toEqual([
      expect.stringMatching(/at byte/), expect.stringMatching(/at byte/), expect.stringMatching(/^unknown message type/), 'frame larger than the configured maximum at byte 0',
    ]);
    await input.disconnect();
    await dlq.disconnect();
  }, 120_000);
});
