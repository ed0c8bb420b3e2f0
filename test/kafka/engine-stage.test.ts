// The trade engine across processes: with --stage-topic, an accepted order travels from its account's
// stage to its symbol's book through the engine_routes topic, and the book's exec reports come back
// the same way, so two processes in one consumer group can share the engine's work. One joins
// mid-stream (the first drains and commits what it gives up, keeps the partitions it is given back,
// and the second rebuilds accounts and books by replay). Their combined outputs equal, byte for byte,
// those of an embedded runtime that ran the same input without Kafka.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime } from '../../src/runtime/runtime.js';
import { kafkaPartition } from '../../src/runtime/partitioner.js';
import { tradingJobs } from '../../src/jobs/index.js';
import { KafkaSink } from '../../src/kafka/kafka-sink.js';
import { ensureTopics } from '../../src/kafka/admin.js';
import { allTopics, TOPICS, topicOf } from '../../src/kafka/topics.js';
import { decode, encode, toTicks } from '../../src/wire/codec.js';
import { AccountPolicyT, AccountStatus, Body, OrderT, OrderType, Side, TimeInForce } from '../../src/wire/generated/index.js';
import { Prng } from '../fixtures/prng.js';
import { BROKERS, dropTopicsOf, readTopic, startBroker, startTickwave, type TickwaveProcess, until } from '../fixtures/kafka.js';

const run = `${process.pid}${Date.now() % 1_000_000}`;
const PARTITIONS = 4;
const CONFIG = { riskMonitor: { markIntervalMs: 0 }, orderImbalance: { idleMs: 0 } };
/** Compared message by message. */
const EVERY = [Body.ExecReport, Body.RiskDecision];
/**
 * Compared by their last message per account (and symbol): they are emitted once per batch of
 * fills, and what makes a batch differs between one runtime and two processes.
 */
const LAST = [Body.Position, Body.PnL, Body.Portfolio];

const utf8 = new TextEncoder();
const partitionOf = (key: string) => kafkaPartition(utf8.encode(key), 0, utf8.encode(key).length, PARTITIONS);
/** The first `n` names `prefix0`, `prefix1`, ... whose key falls in `partition`. */
function namesIn(partition: number, prefix: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (partitionOf(`${prefix}${i}`) === partition) out.push(`${prefix}${i}`);
  return out;
}

/**
 * Two accounts in each partition q trade one symbol whose book is in partition q + 1: every order
 * crosses to another partition, and with the partitions split 0-1 / 2-3 between two processes, half
 * of them cross to the other process. A book hears only one partition's orders, so it matches them in
 * the order of the input, as the embedded runtime does.
 */
function input(orders: number): { frames: Uint8Array[]; keys: string[] } {
  const rnd = new Prng(11);
  const accountsIn = Array.from({ length: PARTITIONS }, (_, q) => namesIn(q, 'ES_A', 2));
  const symbolOf = Array.from({ length: PARTITIONS }, (_, q) => namesIn((q + 1) % PARTITIONS, 'S', 1)[0]!);
  const keys = accountsIn.flat();
  const frames = keys.map((account) => encode(Body.AccountPolicy, Object.assign(new AccountPolicyT(), { account, status: AccountStatus.ACTIVE, initialCash: toTicks(1e6), version: 1n })));
  for (let i = 1; i <= orders; i++) {
    const q = rnd.int(0, PARTITIONS - 1);
    const side = rnd.chance(0.5) ? Side.BUY : Side.SELL;
    const price = 100 + (side === Side.BUY ? 1 : -1) * rnd.int(-2, 3) * 0.01;
    const account = rnd.pick(accountsIn[q]!);
    keys.push(account);
    frames.push(encode(Body.Order, Object.assign(new OrderT(), {
      orderId: BigInt(i), account, symbol: symbolOf[q]!, side, type: OrderType.LIMIT, tif: TimeInForce.GTC, price: toTicks(price),
      quantity: BigInt(rnd.int(1, 50)), clientTsNs: BigInt(i),
    })));
  }
  return { frames, keys };
}

const hex = (v: Uint8Array) => Buffer.from(v).toString('hex');
const hexSorted = (values: Uint8Array[]) => values.map(hex).sort();
/** The last message per account and symbol (in the order given: a key's messages share a Kafka partition). */
function lastByKey(values: Uint8Array[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const d = decode(v);
    if (!('ok' in d) || d.ok !== true) throw new Error(`undecodable output ${hex(v)}`);
    const body = d.body as { account: string; symbol?: string };
    out[`${Body[d.type]} ${body.account} ${body.symbol ?? ''}`] = hex(v);
  }
  return out;
}
async function lastInTopics(prefix: string): Promise<Record<string, string>> {
  const all: Uint8Array[] = [];
  for (const type of LAST) {
    const messages = await readTopic(topicOf(type, prefix));
    all.push(...messages.sort((x, y) => x.partition - y.partition || x.offset - y.offset).map((m) => new Uint8Array(m.value)));
  }
  return lastByKey(all);
}

/** The reference: the same input, in the same order, in one embedded runtime without Kafka. */
async function embedded(frames: Uint8Array[]): Promise<{ reference: Map<number, Uint8Array[]>; referenceLast: Record<string, string> }> {
  const reference = new Map<number, Uint8Array[]>([...EVERY, ...LAST].map((t) => [t, []]));
  const rt = await startRuntime({ jobs: tradingJobs(CONFIG), workers: 1, partitions: PARTITIONS });
  rt.onOutput((view, at, length, type) => reference.get(type)?.push(new Uint8Array(view.buffer, at, length).slice()));
  for (const f of frames) await rt.ingestAsync(f);
  await rt.whenIdle();
  await rt.stop();
  expect(reference.get(Body.ExecReport)!.length).toBeGreaterThan(2_000);
  const referenceLast = lastByKey(LAST.flatMap((t) => reference.get(t)!));
  expect(Object.keys(referenceLast)).toHaveLength(8 * 3);
  return { reference, referenceLast };
}

/** Waits until the topics' last positions, P&L and portfolios equal `expected` (the accounts apply the last exec reports a little after they are out). */
async function settled(prefix: string, expected: Record<string, string>): Promise<void> {
  for (let deadline = Date.now() + 60_000; Date.now() < deadline;) {
    if (JSON.stringify(await lastInTopics(prefix)) === JSON.stringify(expected)) return;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

beforeAll(startBroker, 310_000);
afterAll(() => dropTopicsOf(run), 60_000);

describe('the trade engine across two processes (--stage-topic)', () => {
  it('give, byte for byte, the exec reports, risk decisions and final positions, P&L and portfolios of one embedded runtime', async () => {
    const { frames, keys } = input(4_000);
    const half = 2_008;

    const { reference, referenceLast } = await embedded(frames);

    const prefix = `es${run}_`;
    await ensureTopics({ brokers: BROKERS, topics: allTopics(prefix), partitions: PARTITIONS });
    const producer = await KafkaSink.connect({ brokers: BROKERS, prefix });
    // Policies go to the orders topic, keyed by account like the orders: each account's policy is read before its orders.
    const send = (i: number) => producer.produceTo(TOPICS.orders, frames[i]!, utf8.encode(keys[i]!));
    for (let i = 0; i < half; i++) send(i);
    await producer.flush();
    const configFile = join(mkdtempSync(join(tmpdir(), 'tw-stage-')), 'config.json');
    writeFileSync(configFile, JSON.stringify(CONFIG));
    const tickwave = () => startTickwave(['--group', `es-${run}`, '--prefix', prefix, '--workers', '1', '--partitions', `${PARTITIONS}`, '--stage-topic', '--config', configFile]);
    const printed = (...ps: TickwaveProcess[]) => () => ps.map((p) => p.output().slice(-1_500)).join('\n---\n');

    const a = tickwave();
    await until(() => a.consumed() - a.replayed() >= half, 120_000, 'the first process to take the first half', printed(a));
    const b = tickwave();
    // 4 partitions of each of orders, market data, policies and the stage topic: 16 in all.
    await until(() => a.partitions() > 0 && b.partitions() > 0 && a.partitions() + b.partitions() === 16, 60_000, 'the group to share the partitions', printed(a, b));
    for (let i = half; i < frames.length; i++) send(i);
    await producer.disconnect();
    await readTopic(topicOf(Body.ExecReport, prefix), reference.get(Body.ExecReport)!.length, 120_000);
    await settled(prefix, referenceLast);
    expect(await Promise.all([a.stop(), b.stop()]), printed(a, b)()).toEqual([0, 0]);
    // The second process rebuilt the partitions it took by replay.
    expect(b.replayed()).toBeGreaterThan(0);

    for (const type of EVERY) {
      const got = (await readTopic(topicOf(type, prefix))).map((m) => new Uint8Array(m.value));
      expect(hexSorted(got), `topic ${topicOf(type, prefix)}`).toEqual(hexSorted(reference.get(type)!));
    }
    expect(await lastInTopics(prefix)).toEqual(referenceLast);
    expect(await readTopic(topicOf(Body.DeadLetter, prefix))).toEqual([]);
  }, 400_000);

  it('a process killed mid-stream and restarted loses no execution and books no order twice', async () => {
    const { frames, keys } = input(4_000);
    const { reference, referenceLast } = await embedded(frames);
    const prefix = `ek${run}_`;
    await ensureTopics({ brokers: BROKERS, topics: allTopics(prefix), partitions: PARTITIONS });
    const configFile = join(mkdtempSync(join(tmpdir(), 'tw-stage-')), 'config.json');
    writeFileSync(configFile, JSON.stringify(CONFIG));
    const tickwave = () => startTickwave(['--group', `ek-${run}`, '--prefix', prefix, '--workers', '1', '--partitions', `${PARTITIONS}`, '--stage-topic', '--config', configFile]);

    // The input comes at 1,000 frames/s while the first process runs, and it is killed without warning
    // at its first commit: what it did past that commit (orders decided, routed, booked; exec reports
    // out) is in the topics, and the restart takes it up again.
    const first = tickwave();
    await until(() => first.partitions() === 16, 60_000, 'the first process to join', first.output);
    const producer = await KafkaSink.connect({ brokers: BROKERS, prefix });
    let sent = 0;
    const feeding = (async () => {
      for (; sent < frames.length; sent++) {
        producer.produceTo(TOPICS.orders, frames[sent]!, utf8.encode(keys[sent]!));
        if (sent % 50 === 49) await new Promise((r) => setTimeout(r, 50));
      }
      await producer.disconnect();
    })();
    await until(() => first.commits() >= 1, 120_000, 'the first process to commit', first.output);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    // Killed mid-stream.
    expect(sent).toBeLessThan(frames.length);
    await feeding;
    const second = tickwave();
    await readTopic(topicOf(Body.ExecReport, prefix), reference.get(Body.ExecReport)!.length, 120_000);
    await settled(prefix, referenceLast);
    expect(await second.stop(), second.output().slice(-2_000)).toBe(0);
    expect(second.replayed()).toBeGreaterThan(0);

    // At least once: outputs past the last commit may come twice, each time the same bytes.
    for (const type of EVERY) {
      const got = new Set((await readTopic(topicOf(type, prefix))).map((m) => hex(new Uint8Array(m.value))));
      expect([...got].sort(), `topic ${topicOf(type, prefix)}`).toEqual([...new Set(reference.get(type)!.map(hex))].sort());
    }
    expect(await lastInTopics(prefix)).toEqual(referenceLast);
    expect(await readTopic(topicOf(Body.DeadLetter, prefix))).toEqual([]);
  }, 400_000);

  it('refuses runtime partitions that are not a multiple of the topics\' partitions, and says what to give', async () => {
    const p = startTickwave(['--group', `es2-${run}`, '--prefix', `es2${run}_`, '--workers', '1', '--partitions', '6', '--stage-topic']);
    const code = await new Promise((r) => p.child.once('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(p.output()).toContain(`tickwave run: kafka: the runtime's 6 partitions are not a multiple of the 4 partitions of es2${run}_engine_routes: give --partitions a multiple of 4`);
  }, 60_000);
});
