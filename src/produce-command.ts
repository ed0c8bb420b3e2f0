// `tickwave produce`: the market simulator published into Kafka (instruments and policies first,
// then the events at a fixed rate), each message to its topic and keyed by its key field, so that
// `tickwave run --kafka` (one process or several in a group) can consume it.
import { ensureTopics } from './kafka/admin.js';
import { KafkaSink } from './kafka/kafka-sink.js';
import { allTopics } from './kafka/topics.js';
import { MarketSimulator } from './sim/market-simulator.js';

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const OPTIONS = ['--kafka', '--rate', '--events', '--seed', '--traders', '--prefix', '--topic-partitions'];

export async function produceCommand(args: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const given = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (!OPTIONS.includes(name)) return usage(io, `unknown option "${name}" for produce (allowed: ${OPTIONS.join(', ')})`);
    const value = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined || value === '') return usage(io, `${name} needs a value`);
    given.set(name, value);
  }
  const brokers = given.get('--kafka') ?? env.KAFKA_BROKERS;
  if (!brokers) return usage(io, '--kafka <brokers> (or KAFKA_BROKERS) is required');
  const number = (name: string, fallback: number, ok: (v: number) => boolean, what: string): number | null => {
    const raw = given.get(name);
    if (raw === undefined) return fallback;
    const v = Number(raw);
    return Number.isFinite(v) && ok(v) ? v : null;
  };
  const checks: [string, number | null, string][] = [];
  const rate = number('--rate', 50_000, (v) => v > 0, '');
  const events = number('--events', 1_000_000, (v) => Number.isInteger(v) && v >= 0, '');
  const seed = number('--seed', 42, (v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32, '');
  const traders = number('--traders', 20, (v) => Number.isInteger(v) && v >= 0 && v <= 999, '');
  const partitions = number('--topic-partitions', 4, (v) => Number.isInteger(v) && v >= 1 && v <= 10_000, '');
  checks.push(['--rate', rate, 'events per second above 0'], ['--events', events, 'an integer of at least 0'], ['--seed', seed, 'an integer from 0 to 4294967295'],
    ['--traders', traders, 'an integer from 0 to 999'], ['--topic-partitions', partitions, 'an integer from 1 to 10000']);
  for (const [name, v, what] of checks) if (v === null) return usage(io, `${name} must be ${what}, got "${given.get(name)}"`);
  const prefix = given.get('--prefix') ?? '';
  let sink: KafkaSink;
  try {
    await ensureTopics({ brokers, topics: allTopics(prefix), partitions: partitions! });
    sink = await KafkaSink.connect({ brokers, prefix });
  } catch (e) {
    io.err(`tickwave produce: ${(e as Error).message}`);
    return 1;
  }
  const sim = new MarketSimulator({ seed: seed!, traders: traders!, eventsPerSecond: rate! });
  for (const f of sim.setupFrames()) sink.produce(typeOf(f), f);
  const start = Date.now();
  let sent = 0;
  let lastReport = start;
  while (sent < events!) {
    const due = Math.min(events!, Math.floor(((Date.now() - start) * rate!) / 1_000) + 1);
    while (sent < due) {
      const e = sim.next();
      sink.produce(e.type, e.frame);
      sent++;
    }
    if (Date.now() - lastReport >= 1_000) {
      lastReport = Date.now();
      const s = sink.stats();
      io.out(`produce: ${sent.toLocaleString('en-US')} of ${events!.toLocaleString('en-US')} events, ${s.delivered.toLocaleString('en-US')} delivered`);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await sink.disconnect();
  const s = sink.stats();
  io.out(`produce: ${sent.toLocaleString('en-US')} events (and ${sim.setupFrames().length} instruments and policies) to ${brokers}${prefix ? ` with prefix ${prefix}` : ''}: ` +
    `${s.delivered.toLocaleString('en-US')} delivered, ${s.failed} failed`);
  return s.failed > 0 ? 1 : 0;
}

function typeOf(frame: Uint8Array): number {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const root = view.getUint32(0, true);
  const vt = root - view.getInt32(root, true);
  return frame[root + view.getUint16(vt + 4, true)]!;
}

function usage(io: Io, message: string): number {
  io.err(`tickwave produce: ${message}`);
  return 2;
}
