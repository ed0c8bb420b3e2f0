// Two tickwave processes in one consumer group share a topic's partitions, one joining mid-stream
// (the first drains and commits what it gives up; the second rebuilds those partitions' state by
// replay): their combined alerts equal a single process's on the same market data.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaSink } from '../../src/kafka/kafka-sink.js';
import { ensureTopics } from '../../src/kafka/admin.js';
import { allTopics, TOPICS } from '../../src/kafka/topics.js';
import { MarketSimulator } from '../../src/sim/market-simulator.js';
import { BROKERS, dropTopicsOf, readTopic, startBroker, startTickwave, type TickwaveProcess, until } from '../fixtures/kafka.js';

const run = `${process.pid}${Date.now() % 1_000_000}`;
// The imbalance job's windows close on a watermark shared by a worker's symbols: which symbols share
// a worker differs between one process and two, so it is left out here (its tests are elsewhere).
const CONFIG = { riskMonitor: { markIntervalMs: 0 }, orderImbalance: { idleMs: 0, delayMs: 3_600_000 } };
const ALERT_TOPICS = [TOPICS.priceAlerts, TOPICS.volumeSpikes, TOPICS.arbitrageOpportunities];

function marketData(events: number): { frames: Uint8Array[]; types: number[] } {
  const sim = new MarketSimulator({ seed: 9, traders: 0, eventsPerSecond: 20_000 });
  const frames: Uint8Array[] = [];
  const types: number[] = [];
  for (let i = 0; i < events; i++) {
    const e = sim.next();
    frames.push(e.frame);
    types.push(e.type);
  }
  return { frames, types };
}

async function alerts(prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const topic of ALERT_TOPICS) for (const m of await readTopic(prefix + topic)) out.push(`${topic} ${m.value.toString('hex')}`);
  return out.sort();
}

const tickwave = (prefix: string, group: string, configFile: string) =>
  startTickwave(['--group', group, '--prefix', prefix, '--workers', '1', '--partitions', '4', '--config', configFile]);
const live = (p: TickwaveProcess) => p.consumed() - p.replayed();
const printed = (...ps: TickwaveProcess[]) => () => ps.map((p) => p.output().slice(-1_500)).join('\n---\n');

beforeAll(startBroker, 310_000);
afterAll(() => dropTopicsOf(run), 60_000);

describe('two processes in one consumer group', () => {
  it('share the partitions, and together give the alerts one process gives', async () => {
    const { frames, types } = marketData(60_000);
    const half = frames.length / 2;
    const configFile = join(mkdtempSync(join(tmpdir(), 'tw-scale-')), 'config.json');
    writeFileSync(configFile, JSON.stringify(CONFIG));
    const one = `so1${run}_`;
    const two = `so2${run}_`;
    for (const prefix of [one, two]) await ensureTopics({ brokers: BROKERS, topics: allTopics(prefix), partitions: 4 });
    const producer = await KafkaSink.connect({ brokers: BROKERS, prefix: one });
    for (let i = 0; i < frames.length; i++) producer.produce(types[i]!, frames[i]!);
    await producer.disconnect();

    // One process, the whole stream.
    const single = tickwave(one, `g1-${run}`, configFile);
    await until(() => live(single) >= frames.length, 120_000, 'the single process to consume everything', printed(single));
    // Its server reports Kafka as a component of its health: the brokers, the 12 input partitions (3 topics x 4) it holds.
    const health = (await (await fetch(`${single.api()}/health`)).json()) as any;
    expect(health.status).toBe('ok');
    expect(health.components.kafka).toMatchObject({ status: 'ok', brokers: BROKERS, consumed: frames.length, sink_errors: [] });
    expect(health.components.kafka.assigned).toHaveLength(12);
    expect(await single.stop(), single.output().slice(-2_000)).toBe(0);

    // Two processes: the second joins after the first has taken the first half.
    const second = await KafkaSink.connect({ brokers: BROKERS, prefix: two });
    for (let i = 0; i < half; i++) second.produce(types[i]!, frames[i]!);
    await second.flush();
    const a = tickwave(two, `g2-${run}`, configFile);
    await until(() => live(a) >= half, 120_000, 'the first process to consume the first half', printed(a));
    const b = tickwave(two, `g2-${run}`, configFile);
    await until(() => b.partitions() > 0 && a.partitions() > 0 && a.partitions() + b.partitions() === 12, 60_000, 'the group to share the partitions', printed(a, b));
    for (let i = half; i < frames.length; i++) second.produce(types[i]!, frames[i]!);
    await second.disconnect();
    await until(() => live(a) + live(b) >= frames.length, 120_000, 'the two processes to consume everything', printed(a, b));
    expect(await Promise.all([a.stop(), b.stop()]), printed(a, b)()).toEqual([0, 0]);
    expect(live(a) + live(b)).toBe(frames.length);
    expect(live(b)).toBeGreaterThan(0);

    const expected = await alerts(one);
    expect(expected.length).toBeGreaterThan(10);
    expect(await alerts(two)).toEqual(expected);
  }, 400_000);
});
