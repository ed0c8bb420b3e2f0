// The runtime: partitions pinned to workers, per-partition order, exact counts and checksums, both
// back-pressure policies, stop under load, a crashed worker reported with its partitions, routing
// between workers directly and through the main thread, dead letters, and option errors.
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import * as flatbuffers from 'flatbuffers';
import { Body, Envelope, Exchange, Quote, QuoteT, TradeT } from '../src/wire/generated/index.js';
import { encode } from '../src/wire/codec.js';
import { kafkaPartition } from '../src/runtime/partitioner.js';
import { Ingest, type Runtime, startRuntime, type RuntimeOptions } from '../src/runtime/runtime.js';

const JOB = join(import.meta.dirname, 'fixtures/jobs/tally.mjs');
const SYMBOLS = Array.from({ length: 50 }, (_, i) => `SYM${i}`);

interface Summary { worker: number; count: number; checksum: number; outOfOrder: number; wrongWorker: number; routedIn: number; partitions: number[] }

function quote(i: number, symbol = SYMBOLS[i % SYMBOLS.length]!): Uint8Array {
  return encode(Body.Quote, new QuoteT(symbol, Exchange.NYSE, BigInt(i), BigInt(i + 1), 0n, 7n, BigInt(i), BigInt(i), 0n));
}

function checksumOf(frames: Uint8Array[]): number {
  let sum = 0;
  for (const bytes of frames) {
    let h = 0x811c9dc5;
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    sum = (sum + (h >>> 0)) % 4294967296;
  }
  return sum;
}

async function run(options: Partial<RuntimeOptions>, feed: (rt: Runtime) => Promise<void>) {
  const rt = await startRuntime({ job: JOB, workers: 2, partitions: 16, ...options });
  const summaries: Summary[] = [];
  const echoed: { partition: number; volume: number }[] = [];
  rt.onOutput((view, at, length, type, partition) => {
    if (type === 239) summaries.push(JSON.parse(new TextDecoder().decode(new Uint8Array(view.buffer, at, length))));
    else {
      const q = Envelope.getRootAsEnvelope(new flatbuffers.ByteBuffer(new Uint8Array(view.buffer, at, length).slice())).body(new Quote()) as Quote;
      echoed.push({ partition, volume: Number(q.volume()) });
    }
  });
  await feed(rt);
  const stats = await rt.stop();
  summaries.sort((a, b) => a.worker - b.worker);
  return { rt, stats, summaries, echoed };
}

describe('runtime', () => {
  test('200,000 quotes over 16 partitions on 2 workers: exact counts, checksums, order, pinning', async () => {
    const frames = Array.from({ length: 200_000 }, (_, i) => quote(i));
    const { stats, summaries } = await run({}, async (rt) => {
      for (const f of frames) expect(await rt.ingestAsync(f)).toBe(Ingest.OK);
    });
    expect(summaries.map((s) => s.partitions)).toEqual([[0, 2, 4, 6, 8, 10, 12, 14], [1, 3, 5, 7, 9, 11, 13, 15]]);
    expect(summaries.reduce((a, s) => a + s.count, 0)).toBe(200_000);
    expect(summaries.reduce((a, s) => (a + s.checksum) % 4294967296, 0)).toBe(checksumOf(frames));
    expect(summaries.map((s) => [s.outOfOrder, s.wrongWorker])).toEqual([[0, 0], [0, 0]]);
    // Each worker got exactly the frames whose symbol hashes (Kafka's murmur2) to its partitions.
    const enc = new TextEncoder();
    const perWorker = [0, 0];
    for (let i = 0; i < 200_000; i++) {
      const sym = enc.encode(SYMBOLS[i % SYMBOLS.length]!);
      perWorker[kafkaPartition(sym, 0, sym.length, 16) % 2]!++;
    }
    expect(summaries.map((s) => s.count)).toEqual(perWorker);
    expect(stats).toMatchObject({ ingested: 200_000, rejected: 0, dropped: 0, crashes: [] });
    expect(stats.perWorker.map((w) => w.framesHandled)).toEqual(perWorker);
  });

  test('frames packed in shared buffers at any offset, handed over synchronously in batches: each keyed and counted as its own', async () => {
    // As Kafka batch values hold them: 63 frames back to back, the first at byte 3 of its buffer.
    const frames: Uint8Array[] = [];
    for (let b = 0; b < 300; b++) {
      const batch = Array.from({ length: 63 }, (_, k) => quote(b * 63 + k));
      const packed = new Uint8Array(3 + batch.reduce((n, f) => n + f.length, 0));
      let at = 3;
      for (const f of batch) {
        packed.set(f, at);
        frames.push(packed.subarray(at, (at += f.length)));
      }
    }
    const { stats, summaries } = await run({}, async (rt) => {
      // One synchronous run per 640 frames (published every 32, the rest at its end), as a Kafka fetch is handed over.
      for (let i = 0; i < frames.length; ) {
        const r = rt.ingest(frames[i]!, 'batch');
        if (r === Ingest.FULL) await rt.whenWritable(frames[i]!, 5);
        else {
          expect(r).toBe(Ingest.OK);
          if (++i % 640 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
      }
    });
    expect(summaries.reduce((a, s) => a + s.count, 0)).toBe(frames.length);
    expect(summaries.reduce((a, s) => (a + s.checksum) % 4294967296, 0)).toBe(checksumOf(frames));
    expect(summaries.map((s) => [s.outOfOrder, s.wrongWorker])).toEqual([[0, 0], [0, 0]]);
    expect(stats).toMatchObject({ ingested: frames.length, rejected: 0, dropped: 0 });
    // Keyed by the symbol read where each frame lies in its buffer.
    const enc = new TextEncoder();
    const perWorker = [0, 0];
    for (let i = 0; i < frames.length; i++) {
      const sym = enc.encode(SYMBOLS[i % SYMBOLS.length]!);
      perWorker[kafkaPartition(sym, 0, sym.length, 16) % 2]!++;
    }
    expect(summaries.map((s) => s.count)).toEqual(perWorker);
  });

  test('echoed output keeps per-partition order', async () => {
    const { echoed, stats } = await run({ jobOptions: { echo: true } }, async (rt) => {
      for (let i = 0; i < 20_000; i++) await rt.ingestAsync(quote(i));
    });
    expect(echoed.length).toBe(20_000);
    expect(stats.output).toBe(20_000 + 2);
    const last = new Map<number, number>();
    let outOfOrder = 0;
    for (const e of echoed) {
      if ((last.get(e.partition) ?? -1) >= e.volume) outOfOrder++;
      last.set(e.partition, e.volume);
    }
    expect(outOfOrder).toBe(0);
  });

  test('egressSpinMs: the main thread polls 5 ms past each output, and quiet spells between bursts lose nothing', async () => {
    const { echoed, stats } = await run({ jobOptions: { echo: true }, egressSpinMs: 5 }, async (rt) => {
      for (let burst = 0; burst < 10; burst++) {
        for (let i = burst * 1_000; i < (burst + 1) * 1_000; i++) await rt.ingestAsync(quote(i));
        // Longer than the spin, so the main thread parks between some bursts and polls through others.
        await new Promise((r) => setTimeout(r, burst % 2 === 0 ? 2 : 12));
      }
    });
    expect(echoed.length).toBe(10_000);
    expect(stats.output).toBe(10_000 + 2);
    expect(echoed.map((e) => e.volume).sort((a, b) => a - b)).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
  });

  test('block policy: a full ring answers FULL and the source waits; nothing is lost', async () => {
    let full = 0;
    const { summaries, stats } = await run({ ringBytes: 4096, jobOptions: { spinNs: 20_000 } }, async (rt) => {
      for (let i = 0; i < 3_000; i++) {
        const f = quote(i);
        let r = rt.ingest(f);
        while (r === Ingest.FULL) {
          full++;
          await rt.whenWritable(f);
          r = rt.ingest(f);
        }
        expect(r).toBe(Ingest.OK);
      }
    });
    expect(full).toBeGreaterThan(0);
    expect(stats.full).toBe(full);
    expect(summaries.reduce((a, s) => a + s.count, 0)).toBe(3_000);
    expect(stats.dropped).toBe(0);
  });

  test('stop under load: called the moment a ring is full, it still hands every accepted frame to the job', async () => {
    let accepted = 0;
    const { summaries, stats } = await run({ ringBytes: 4096, jobOptions: { spinNs: 50_000 } }, async (rt) => {
      for (let i = 0; ; i++) {
        const r = rt.ingest(quote(i));
        if (r === Ingest.FULL) break; // a ring is full right now: stop with it full
        accepted++;
      }
    });
    expect(accepted).toBeGreaterThan(10);
    expect(summaries.reduce((a, s) => a + s.count, 0)).toBe(accepted);
    expect(stats.ingested).toBe(accepted);
  });

  test('drop policy: a full ring drops the frame and counts it, per partition', async () => {
    let dropped = 0;
    const { summaries, stats } = await run({ ringBytes: 4096, backPressure: 'drop', jobOptions: { spinNs: 20_000 } }, async (rt) => {
      for (let i = 0; i < 3_000; i++) {
        const r = rt.ingest(quote(i));
        expect([Ingest.OK, Ingest.DROPPED]).toContain(r);
        if (r === Ingest.DROPPED) dropped++;
      }
    });
    expect(dropped).toBeGreaterThan(0);
    expect(stats.dropped).toBe(dropped);
    expect(stats.droppedByPartition.reduce((a, b) => a + b, 0)).toBe(dropped);
    expect(summaries.reduce((a, s) => a + s.count, 0)).toBe(3_000 - dropped);
  });

  test.each(['direct', 'main'] as const)('routing %s: every quote reaches partition p+1 once, on the worker that owns it', async (routing) => {
    const { summaries, stats } = await run({ routing, jobOptions: { route: true } }, async (rt) => {
      for (let i = 0; i < 20_000; i++) await rt.ingestAsync(quote(i));
    });
    expect(summaries.reduce((a, s) => a + s.count, 0)).toBe(40_000);
    expect(summaries.reduce((a, s) => a + s.routedIn, 0)).toBe(20_000);
    expect(summaries.map((s) => s.wrongWorker)).toEqual([0, 0]);
    expect(stats.routedViaMain).toBe(routing === 'main' ? 20_000 : 0);
  });

  test('workers publish last prices to the shared board; the main thread reads them', async () => {
    let board: { last: number | null; unknown: number } = { last: null, unknown: 0 };
    await run({ jobOptions: { board: true } }, async (rt) => {
      for (let i = 0; i < 5_000; i++) await rt.ingestAsync(quote(i));
      // Wait until the last quote of SYM7 (i = 4957) has been handled.
      const out = { price: 0, tsNs: 0 };
      for (let tries = 0; tries < 1000; tries++) {
        const slot = rt.symbols.lookup('SYM7');
        if (slot >= 0 && rt.prices.read(slot, out) && out.price === 4957) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      board = { last: rt.prices.read(rt.symbols.lookup('SYM7'), out) ? out.price : null, unknown: rt.symbols.lookup('NOPE') };
    });
    expect(board).toEqual({ last: 4957, unknown: -1 });
  });

  test('a worker that throws is reported with the partitions it owned; its partitions refuse frames', async () => {
    const rt = await startRuntime({ job: JOB, workers: 2, partitions: 4, jobOptions: { throwAt: 5 } });
    const crash = new Promise<{ workerId: number; partitions: number[]; error: string }>((resolve) => rt.onWorkerCrash(resolve));
    for (let i = 0; i < 100; i++) rt.ingest(quote(i));
    const c = await crash;
    expect(c.partitions).toEqual(c.workerId === 0 ? [0, 2] : [1, 3]);
    expect(c.error).toBe('tally job failed on purpose at frame 5');
    const enc = new TextEncoder();
    const sym = SYMBOLS.find((s) => kafkaPartition(enc.encode(s), 0, s.length, 4) % 2 === c.workerId)!;
    expect(rt.ingest(quote(0, sym))).toBe(Ingest.WORKER_DOWN);
    expect(rt.stats().crashes).toEqual([c]);
    expect(rt.stats().perWorker[c.workerId]!.alive).toBe(false);
    await rt.stop();
  });

  test('bad bytes are rejected as dead letters with the reason; stopped runtimes refuse frames', async () => {
    const rt = await startRuntime({ job: JOB, workers: 1, partitions: 2 });
    const letters: string[] = [];
    rt.onDeadLetter((d) => letters.push(`${d.source}: ${d.rejection.reason}`));
    expect(rt.ingest(new Uint8Array([1, 2, 3]), 'orders')).toBe(Ingest.REJECTED);
    expect(letters).toEqual(['orders: frame too short to hold a root offset and file identifier at byte 0']);
    expect(rt.lastRejection()?.code).toBe(1);
    const stats = await rt.stop();
    expect(stats.rejected).toBe(1);
    expect(rt.ingest(quote(1))).toBe(Ingest.STOPPED);
  });

  test('bad options are refused, naming the option', async () => {
    await expect(startRuntime({ job: JOB, workers: 0 })).rejects.toThrow('workers must be an integer from 1 to 64, got 0');
    await expect(startRuntime({ job: JOB, partitions: 1.5 })).rejects.toThrow('partitions must be an integer from 1 to 65535, got 1.5');
    await expect(startRuntime({ job: JOB, backPressure: 'wait' as never })).rejects.toThrow('backPressure must be "block" or "drop", got "wait"');
    await expect(startRuntime({ job: JOB, ringBytes: 1000 })).rejects.toThrow('ring capacity must be a power of two');
    await expect(startRuntime({ job: JOB, egressSpinMs: -1 })).rejects.toThrow('egressSpinMs must be a number of ms from 0 to 1000, got -1');
    await expect(startRuntime({ job: JOB, egressSpinMs: '2' as never })).rejects.toThrow('egressSpinMs must be a number of ms from 0 to 1000, got "2"');
    await expect(startRuntime({ job: join(import.meta.dirname, 'fixtures/jobs/missing.mjs'), workers: 1 })).rejects.toThrow('tickwave: worker 0 failed');
  });
});

describe('a job takes only the message types it accepts', () => {
  const TYPED = join(import.meta.dirname, 'fixtures/jobs/typed.mjs');

  test('quotes to the job that accepts quotes, trades to the one that accepts trades, everything to the one that names none', async () => {
    const rt = await startRuntime({
      jobs: [
        { module: TYPED, options: { name: 'quotes', accepts: [Body.Quote] } },
        { module: TYPED, options: { name: 'trades', accepts: [Body.Trade] } },
        { module: TYPED, options: { name: 'all' } },
      ],
      workers: 2,
      partitions: 8,
    });
    const reports: { name: string; counts: Record<string, number> }[] = [];
    rt.onOutput((view, at, length, type) => {
      if (type === 238) reports.push(JSON.parse(new TextDecoder().decode(new Uint8Array(view.buffer, at, length))));
    });
    for (let i = 0; i < 300; i++) expect(await rt.ingestAsync(quote(i))).toBe(Ingest.OK);
    for (let i = 0; i < 120; i++) {
      const t = encode(Body.Trade, new TradeT(SYMBOLS[i % SYMBOLS.length]!, Exchange.NYSE, 100n, 5n, 1, BigInt(i), BigInt(i)));
      expect(await rt.ingestAsync(t)).toBe(Ingest.OK);
    }
    await rt.stop();
    // Summed over the two workers, per job.
    const total = (name: string) => {
      const sum: Record<string, number> = {};
      for (const r of reports.filter((x) => x.name === name)) for (const [k, v] of Object.entries(r.counts)) sum[k] = (sum[k] ?? 0) + v;
      return sum;
    };
    expect(reports).toHaveLength(6);
    expect(total('quotes')).toEqual({ [Body.Quote]: 300 });
    expect(total('trades')).toEqual({ [Body.Trade]: 120 });
    expect(total('all')).toEqual({ [Body.Quote]: 300, [Body.Trade]: 120 });
  });

  test('an accepts that is not a list of message types is named', async () => {
    await expect(startRuntime({ jobs: [{ module: TYPED, options: { accepts: [2, 250] } }], workers: 1 })).rejects.toThrow(
      'accepts must be a list of message types (integers 1-249), got [2,250]',
    );
    await expect(startRuntime({ jobs: [{ module: TYPED, options: { accepts: 'Quote' } }], workers: 1 })).rejects.toThrow('accepts must be a list of message types');
  });
});

describe('several jobs, stages and ticks', () => {
  const STAGES = join(import.meta.dirname, 'fixtures/jobs/stages.mjs');

  test('each frame goes to every job in order; a routed frame says so and keeps its origin time', async () => {
    const rt = await startRuntime({ jobs: [STAGES, { module: STAGES, options: { name: 'second' } }], workers: 2, partitions: 4 });
    const markers: string[] = [];
    const origins: number[] = [];
    rt.onOutput((view, at, length, type, _partition, originNs) => {
      if (type === 238) markers.push(new TextDecoder().decode(new Uint8Array(view.buffer, at, length)));
      if (type === Body.Quote) origins.push(originNs);
    });
    const planned = [1_000_001, 2_000_002, 3_000_003];
    for (let i = 0; i < planned.length; i++) expect(rt.ingest(quote(i), 'test', planned[i])).toBe(Ingest.OK);
    await rt.whenIdle();
    // The second job saw each quote once as input and once routed; the first job emitted each routed copy.
    expect(markers.sort()).toEqual(['second:input', 'second:input', 'second:input', 'second:routed', 'second:routed', 'second:routed']);
    expect(origins.sort()).toEqual(planned);
    await rt.stop();
  });

  test('onRoute takes routed frames out of the process; ingestRouted brings them back to their partition as routed', async () => {
    const routed: { frame: Uint8Array; type: number; partition: number; originNs: number }[] = [];
    const rt = await startRuntime({
      jobs: [STAGES, { module: STAGES, options: { name: 'second' } }], workers: 2, partitions: 4, routing: 'main',
      onRoute: (frame, type, partition, originNs) => routed.push({ frame: frame.slice(), type, partition, originNs }),
    });
    const markers: string[] = [];
    const echoes: { partition: number; originNs: number }[] = [];
    rt.onOutput((_view, _at, _length, type, partition, originNs) => {
      if (type === 238) markers.push('x');
      if (type === Body.Quote) echoes.push({ partition, originNs });
    });
    const q = quote(7);
    const home = kafkaPartition(new TextEncoder().encode(SYMBOLS[7]!), 0, SYMBOLS[7]!.length, 4);
    expect(rt.ingest(q, 'test', 5_000_005)).toBe(Ingest.OK);
    await rt.whenIdle();
    // Out, not back in: the handler has the frame, its target partition and its origin; no job saw it routed.
    expect(routed).toEqual([{ frame: q, type: Body.Quote, partition: (home + 1) % 4, originNs: 5_000_005 }]);
    expect(echoes).toEqual([]);
    expect(rt.stats()).toMatchObject({ routedViaMain: 1, routedOut: 1 });
    // Handed back (as another process's stage-topic consumer would): the later stage takes it as routed.
    expect(rt.ingestRouted(routed[0]!.frame, 2, 'stage', 6_000_006)).toBe(Ingest.OK);
    await rt.whenIdle();
    expect(echoes).toEqual([{ partition: 2, originNs: 6_000_006 }]);
    expect(markers).toHaveLength(2);
    // Bad bytes are refused like any input; a partition out of range is an error naming it.
    expect(rt.ingestRouted(new Uint8Array([1, 2, 3]), 0, 'stage')).toBe(Ingest.REJECTED);
    expect(() => rt.ingestRouted(q, 4)).toThrow('ingestRouted: partition 4 out of range 0..3');
    await rt.stop();
    await expect(startRuntime({ job: STAGES, onRoute: () => {} })).rejects.toThrow('onRoute must be a function, with routing "main"');
  });

  test('onTick runs while no frame arrives', async () => {
    const rt = await startRuntime({ jobs: [{ module: STAGES, options: { name: 'ticker' } }], workers: 2, partitions: 2 });
    const ticks = new Set<number>();
    rt.onOutput((_v, _a, _l, type, partition) => {
      if (type === 237) ticks.add(partition);
    });
    const deadline = Date.now() + 5_000;
    while (ticks.size < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await rt.stop();
    expect([...ticks].sort()).toEqual([0, 1]);
  });

  test('resetHistograms() starts every stage afresh, the workers\' included: only frames sent after it count', async () => {
    const rt = await startRuntime({ job: JOB, workers: 2, partitions: 4, stageTiming: true });
    for (let i = 0; i < 100; i++) expect(await rt.ingestAsync(quote(i))).toBe(Ingest.OK);
    await rt.whenIdle();
    expect(rt.stageHistograms()!.ingress.totalCount).toBe(100);
    rt.resetHistograms();
    expect(rt.stageHistograms()!.ingress.totalCount).toBe(0);
    // Each worker clears its own at the top of its next round: one comes within a park (50 ms).
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 100; i < 130; i++) expect(await rt.ingestAsync(quote(i))).toBe(Ingest.OK);
    await rt.stop();
    const stages = rt.stageHistograms()!;
    expect([stages.ingress.totalCount, stages.ring_hop.totalCount]).toEqual([30, 30]);
  });

  test('job options are checked: a jobs entry without a module is named', async () => {
    await expect(startRuntime({ jobs: [{ options: {} } as never] })).rejects.toThrow('jobs[0] must be the path or file: URL of a module exporting createJob, or { module, options }');
    await expect(startRuntime({})).rejects.toThrow('job or jobs must name at least one module exporting createJob');
    await expect(startRuntime({ job: STAGES, sources: [{ name: 'x' } as never] })).rejects.toThrow('sources[0] must have run(sink) and stop()');
  });
});

describe('checkpoint(): what was given before it is done, while later frames flow on', () => {
  const RELAY = join(import.meta.dirname, 'fixtures/jobs/relay.mjs');
  const RELAYED = 235;
  const BEFORE = 2_000;
  const HELD = 200;

  /** Quote `id`, held in the relay (bid size 1) or not. */
  const relayQuote = (id: number, held: boolean): Uint8Array => encode(Body.Quote, new QuoteT(SYMBOLS[id % SYMBOLS.length]!, Exchange.NYSE, 1n, 2n, held ? 1n : 0n, 7n, 1n, BigInt(id), 0n));

  async function relayRun(extra: Partial<RuntimeOptions>, hops: number): Promise<{ rt: Runtime; gate: Int32Array; relayed: number[] }> {
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const rt = await startRuntime({ jobs: [{ module: RELAY, options: { gate: gate.buffer, hops, spinNs: 20_000 } }], workers: 2, partitions: 4, ...extra });
    const relayed: number[] = [];
    rt.onOutput((view, at, _length, type) => {
      if (type === RELAYED) relayed.push(view.getUint32(at, true));
    });
    return { rt, gate, relayed };
  }

  test.each(['direct', 'main'] as const)('routing %s: every frame given before it has gone through its four hops; the held ones given after are still going round', async (routing) => {
    const { rt, gate, relayed } = await relayRun({ routing }, 3);
    try {
      for (let id = 0; id < BEFORE; id++) expect(await rt.ingestAsync(relayQuote(id, false))).toBe(Ingest.OK);
      const done = rt.checkpoint(20_000);
      for (let id = BEFORE; id < BEFORE + HELD; id++) expect(await rt.ingestAsync(relayQuote(id, true))).toBe(Ingest.OK);
      await done;
      // 2,000 quotes x 4 frames x 20 µs is 160 ms of work: none of it may be left, and none of the held.
      expect([...relayed].sort((a, b) => a - b)).toEqual(Array.from({ length: BEFORE }, (_, i) => i));
      // A second checkpoint covers the held frames: it cannot end while they go round.
      await expect(rt.checkpoint(300)).rejects.toThrow('tickwave: checkpoint timed out after 300 ms waiting for the frames given before it to be handled');
      Atomics.store(gate, 0, 1);
      await rt.checkpoint(20_000);
      expect(relayed.length).toBe(BEFORE + HELD);
      expect(new Set(relayed).size).toBe(BEFORE + HELD);
    } finally {
      Atomics.store(gate, 0, 1);
      await rt.stop();
    }
  });

  test('frames handed out of the process (onRoute) count as handled', async () => {
    const out: number[] = [];
    const { rt, gate } = await relayRun({ routing: 'main', onRoute: (frame) => out.push(new DataView(frame.buffer, frame.byteOffset).getUint32(0, true)) }, 0);
    try {
      for (let id = 0; id < BEFORE; id++) expect(await rt.ingestAsync(relayQuote(id, false))).toBe(Ingest.OK);
      await rt.checkpoint(20_000);
      expect(out.sort((a, b) => a - b)).toEqual(Array.from({ length: BEFORE }, (_, i) => i));
    } finally {
      Atomics.store(gate, 0, 1);
      await rt.stop();
    }
  });

  test('after a worker crashed, a checkpoint is refused (the frames it held are lost), naming the worker', async () => {
    const rt = await startRuntime({ jobs: [{ module: JOB, options: { throwAt: 5 } }], workers: 1, partitions: 2 });
    rt.onWorkerCrash(() => {});
    for (let i = 0; i < 10; i++) rt.ingest(quote(i));
    await expect(rt.checkpoint(5_000)).rejects.toThrow('tickwave: checkpoint refused: worker 0 crashed, and the frames it held are lost');
    await rt.stop();
  });
});
