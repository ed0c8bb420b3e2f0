// Kill the consuming process mid-stream and restart it: nothing is lost, and what the restarted
// process reads again is not counted twice: its final positions and P&L equal those of a run that
// was never interrupted. The restarted process rebuilds its state by replaying the input from the
// start up to the group's committed offset (outputs of the replay are not produced again), then goes
// on live from there.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime } from '../../src/runtime/runtime.js';
import { tradingJobs } from '../../src/jobs/index.js';
import { KafkaSink } from '../../src/kafka/kafka-sink.js';
import { ensureTopics } from '../../src/kafka/admin.js';
import { allTopics, TOPICS } from '../../src/kafka/topics.js';
import { decode, encode, toTicks } from '../../src/wire/codec.js';
import { AccountPolicyT, AccountStatus, Body, type ExecReportT, OrderT, OrderType, type PositionT, Side, TimeInForce } from '../../src/wire/generated/index.js';
import { Prng } from '../fixtures/prng.js';
import { BROKERS, dropTopicsOf, readTopic, startBroker, startTickwave, until } from '../fixtures/kafka.js';

const run = `${process.pid}${Date.now() % 1_000_000}`;
const CONFIG = { riskMonitor: { markIntervalMs: 0 }, orderImbalance: { idleMs: 0 } };
const ACCOUNTS = ['RS1', 'RS2', 'RS3', 'RS4'];

/** Policies, then orders that cross often, all for one partition of one topic (one order of arrival). */
function input(orders: number): Uint8Array[] {
  const rnd = new Prng(7);
  const frames = ACCOUNTS.map((account) => encode(Body.AccountPolicy, Object.assign(new AccountPolicyT(), { account, status: AccountStatus.ACTIVE, initialCash: toTicks(1e6), version: 1n })));
  for (let i = 1; i <= orders; i++) {
    const side = rnd.chance(0.5) ? Side.BUY : Side.SELL;
    const price = 100 + (side === Side.BUY ? 1 : -1) * rnd.int(-2, 3) * 0.01;
    frames.push(encode(Body.Order, Object.assign(new OrderT(), {
      orderId: BigInt(i), account: rnd.pick(ACCOUNTS), symbol: rnd.pick(['AAA', 'BBB']), side, type: OrderType.LIMIT, tif: TimeInForce.GTC, price: toTicks(price),
      quantity: BigInt(rnd.int(1, 50)), clientTsNs: BigInt(i),
    })));
  }
  return frames;
}

const key = (p: PositionT) => `${p.account}/${p.symbol}`;

beforeAll(startBroker, 310_000);
afterAll(() => dropTopicsOf(run), 60_000);

const tickwave = (prefix: string, configFile: string) =>
  startTickwave(['--group', `tw-${run}`, '--prefix', prefix, '--workers', '1', '--partitions', '4', '--config', configFile]);

describe('a consuming process killed mid-stream and restarted', () => {
  it('loses nothing and counts nothing twice', async () => {
    const frames = input(3_000);
    const half = 1_504;
    // The reference: the same input, in the same order, without Kafka and without interruption.
    const reference = new Map<string, string>();
    const refExecs = new Set<string>();
    const rt = await startRuntime({ jobs: tradingJobs(CONFIG), workers: 1, partitions: 4 });
    rt.on('position', (p) => reference.set(key(p), JSON.stringify(p, (_k, v) => (typeof v === 'bigint' ? `${v}` : v))));
    rt.on('execReport', (e) => refExecs.add(`${e.orderId}/${e.execSeq}`));
    for (const f of frames) await rt.ingestAsync(f);
    await rt.stop();
    expect(reference.size).toBeGreaterThan(4);

    const prefix = `rs${run}_`;
    await ensureTopics({ brokers: BROKERS, topics: allTopics(prefix), partitions: 1 });
    const producer = await KafkaSink.connect({ brokers: BROKERS, prefix });
    for (const f of frames.slice(0, half)) producer.produceTo(TOPICS.orders, f, null);
    await producer.flush();
    const configFile = join(mkdtempSync(join(tmpdir(), 'tw-restart-')), 'config.json');
    writeFileSync(configFile, JSON.stringify(CONFIG));

    // First process: consumes the first half, commits at least once, and is killed without warning.
    const first = tickwave(prefix, configFile);
    await until(() => first.consumed() >= half && first.commits() >= 1, 60_000, 'the first process to consume the first half', first.output);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    // The stream goes on while nobody consumes it.
    for (const f of frames.slice(half)) producer.produceTo(TOPICS.orders, f, null);
    await producer.disconnect();

    // Second process: replays up to the committed offset, then consumes the rest; stopped cleanly.
    const second = tickwave(prefix, configFile);
    await until(() => second.consumed() >= frames.length, 60_000, 'the second process to consume everything', second.output);
    expect(await second.stop(), second.output().slice(-2_000)).toBe(0);
    // It rebuilt its state from what the first process had committed.
    expect(second.replayed()).toBeGreaterThan(0);

    // Nothing lost: every execution of the uninterrupted run is in the topic (repeats allowed: at least once).
    const execs = new Set<string>();
    for (const { value } of await readTopic(prefix + TOPICS.execReports)) {
      const d = decode(new Uint8Array(value));
      if ('ok' in d && d.ok === true) execs.add(`${(d.body as ExecReportT).orderId}/${(d.body as ExecReportT).execSeq}`);
    }
    expect([...refExecs].filter((e) => !execs.has(e))).toEqual([]);
    expect(execs.size).toBe(refExecs.size);
    // Nothing counted twice: the last position of every account and symbol equals the reference's.
    const last = new Map<string, string>();
    for (const { value } of await readTopic(prefix + TOPICS.positions)) {
      const d = decode(new Uint8Array(value));
      if ('ok' in d && d.ok === true) last.set(key(d.body as PositionT), JSON.stringify(d.body, (_k, x) => (typeof x === 'bigint' ? `${x}` : x)));
    }
    expect(Object.fromEntries(last)).toEqual(Object.fromEntries(reference));
  }, 240_000);
});
