// `tickwave bench kafka --quick --json` on the real broker: the command users publish figures from
// ends with one JSON line holding every key the README names, the headline ratio is the rounds'
// median (with one round, that round's own ratio, between its lowest and highest), and the table
// shows the same figures. The figures themselves are timings: only their consistency is asserted.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BROKERS, startBroker } from '../fixtures/kafka.js';

const root = join(import.meta.dirname, '../..');

beforeAll(startBroker, 310_000);

function bench(): Promise<{ code: number | null; lines: string[] }> {
  const child = spawn(process.execPath, [join(root, 'bin/tickwave.js'), 'bench', 'kafka', '--quick', '--json', '--no-save'], {
    env: { ...process.env, KAFKA_BROKERS: BROKERS },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, lines: out.trim().split('\n') })));
}

describe('tickwave bench kafka --quick --json', () => {
  it('ends with one JSON line of every key, its ratio the round\'s own, and a table that agrees', async () => {
    const { code, lines } = await bench();
    expect(code).toBe(0);
    const s = JSON.parse(lines.at(-1)!) as Record<string, number>;
    for (const key of ['ticks_per_s', 'ticks_per_s_one_per_value', 'json_consumer_ticks_per_s', 'ratio_vs_json_consumer', 'ratio_one_per_value_vs_json_consumer']) {
      expect(s[key], key).toBeGreaterThan(0);
    }
    // Broker timestamps are milliseconds: a latency can read 0 on a fast machine.
    for (const key of ['broker_to_alert_p99_ms', 'broker_to_ring_p99_ms', 'plain_consumer_broker_p99_ms']) expect(s[key], key).toBeGreaterThanOrEqual(0);
    // One round in --quick: the median of its ratios is its ratio, which is also the lowest and the highest.
    expect(s.ratio_vs_json_consumer_lowest).toBe(s.ratio_vs_json_consumer);
    expect(s.ratio_vs_json_consumer_highest).toBe(s.ratio_vs_json_consumer);
    expect(s.ratio_vs_json_consumer).toBeCloseTo(s.ticks_per_s! / s.json_consumer_ticks_per_s!, 1);
    const n = (v: number) => v.toLocaleString('en-US');
    expect(lines).toContain(
      `| tickwave, 64 frames per value: KafkaSource -> verify -> rings -> five jobs -> outputs to Kafka | 100,000 | ${n(s.ticks_per_s!)} | ` +
        `${n(s.ticks_per_s!)}-${n(s.ticks_per_s!)} | ${s.ratio_vs_json_consumer}x | ${s.ratio_vs_json_consumer}x-${s.ratio_vs_json_consumer}x |`,
    );
    expect(lines).toContain(`| node-rdkafka consumer, JSON.parse per tick | 100,000 | ${n(s.json_consumer_ticks_per_s!)} | ${n(s.json_consumer_ticks_per_s!)}-${n(s.json_consumer_ticks_per_s!)} | 1x | |`);
  }, 300_000);
});
