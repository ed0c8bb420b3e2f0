// `tickwave bench ring`: frames from the main thread to a worker, all in one run.
// - Throughput of 64-byte frames (24-byte header + 40-byte payload) through a tickwave ring, through
//   MessagePort.postMessage with one message per frame, and through the npm package ringbuf.js.
// - One-hop latency at a fixed open-loop rate (1 M frames/s): frame i is due at t0 + i µs and carries
//   that planned time, so a stall shows up in every frame it delays (no coordinated omission); HDR
//   percentiles for a consumer that spins and for one that parks.
import { Worker } from 'node:worker_threads';
import { RingBuffer } from 'ringbuf.js';
import { createRingRegion, DEFAULT_WAIT, frameSlot, RingProducer, type WaitStrategy } from '../src/ring/spsc-ring.js';
import { writeFrameHeaderFast } from '../src/wire/frame-header.js';
import { monotonicNs } from '../src/runtime/clock.js';
import { distFile } from '../src/package-root.js';
import type { Percentiles } from '../src/metrics/histogram.js';
import { saveRecord, stolenMs } from './report.js';
import type { BenchRunOptions } from './index.js';

const FRAME_BYTES = 64;
const PAYLOAD = FRAME_BYTES - 24;
const RING_BYTES = 1 << 20;

interface Done {
  doneNs: number;
  frames: number;
  latency: Percentiles | null;
}

async function withWorker(data: object, drive: (worker: Worker) => void | Promise<void>): Promise<Done> {
  const worker = new Worker(distFile('bench/ring.worker.js'), { workerData: data });
  try {
    const done = new Promise<Done>((resolve, reject) => {
      worker.on('message', (m: Done & { ready?: boolean }) => {
        if (!m.ready) resolve(m);
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`bench worker exited with code ${code}`)));
    });
    await new Promise<void>((resolve) => worker.once('message', () => resolve()));
    await drive(worker);
    return await done;
  } finally {
    await worker.terminate();
  }
}

async function ringThroughput(frames: number): Promise<number> {
  const region = createRingRegion(RING_BYTES);
  let start = 0;
  const done = await withWorker({ mode: 'ring', frames, region, frameBytes: FRAME_BYTES, wait: { spins: 1000, parkMs: 10 } }, () => {
    const p = new RingProducer(region);
    const payload = new Uint8Array(PAYLOAD).fill(7);
    start = monotonicNs();
    for (let i = 0; i < frames; i++) {
      let at = p.claim(PAYLOAD);
      while (at < 0) {
        p.publish();
        p.waitForSpace(frameSlot(PAYLOAD) * 256, 10);
        at = p.claim(PAYLOAD);
      }
      writeFrameHeaderFast(p.view, at, PAYLOAD, 2, 0, i, 0);
      p.u8.set(payload, at + 24);
      if ((i & 63) === 63) p.publish();
    }
    p.publish();
  });
  return frames / ((done.doneNs - start) / 1e9);
}

async function postMessageThroughput(frames: number): Promise<number> {
  let start = 0;
  const done = await withWorker({ mode: 'postmessage', frames, frameBytes: FRAME_BYTES }, (worker) => {
    const frame = new Uint8Array(FRAME_BYTES).fill(7);
    start = monotonicNs();
    for (let i = 0; i < frames; i++) worker.postMessage(frame);
  });
  return frames / ((done.doneNs - start) / 1e9);
}

async function ringbufjsThroughput(frames: number): Promise<number> {
  const sab = RingBuffer.getStorageForCapacity(RING_BYTES, Uint8Array);
  let start = 0;
  const done = await withWorker({ mode: 'ringbufjs', frames, sab, frameBytes: FRAME_BYTES }, () => {
    const rb = new RingBuffer(sab, Uint8Array);
    const frame = new Uint8Array(FRAME_BYTES).fill(7);
    start = monotonicNs();
    for (let i = 0; i < frames; i++) {
      while (rb.available_write() < FRAME_BYTES) {
        /* spin: ringbuf.js has no wait */
      }
      rb.push(frame, FRAME_BYTES);
    }
  });
  return frames / ((done.doneNs - start) / 1e9);
}

/**
 * Open loop at `rate` frames/s for `frames` frames; each frame carries its planned send time. The
 * first fifth warms the code up and is not recorded.
 */
async function hopLatency(frames: number, rate: number, wait: WaitStrategy): Promise<Percentiles & { stolenMs: number }> {
  const region = createRingRegion(RING_BYTES);
  const stolenBefore = stolenMs();
  const done = await withWorker({ mode: 'latency', frames, region, frameBytes: FRAME_BYTES, wait, warmup: Math.floor(frames / 5) }, () => {
    const p = new RingProducer(region);
    const interval = 1e9 / rate;
    const t0 = monotonicNs() + 1e6;
    let i = 0;
    while (i < frames) {
      const due = Math.min(frames, Math.floor((monotonicNs() - t0) / interval) + 1);
      while (i < due) {
        const at = p.claim(PAYLOAD);
        if (at < 0) break; // full: these frames go out late, and their latency says so
        writeFrameHeaderFast(p.view, at, PAYLOAD, 2, 0, i, t0 + i * interval);
        i++;
      }
      p.publish();
    }
  });
  return { ...done.latency!, stolenMs: stolenMs() - stolenBefore };
}

export async function runRingBench(opts: BenchRunOptions = {}): Promise<Record<string, number>> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const quick = opts.quick === true;
  const n = quick ? 1_000_000 : 5_000_000;
  const nPost = quick ? 100_000 : 300_000;
  const nLatency = quick ? 500_000 : 2_000_000;
  log(`tickwave bench ring${quick ? ' --quick' : ''}: 64-byte frames, main thread -> worker`);
  const ring = await ringThroughput(n);
  const post = await postMessageThroughput(nPost);
  const ringbuf = await ringbufjsThroughput(n);
  const spin = await hopLatency(nLatency, 1_000_000, { spins: Number.MAX_SAFE_INTEGER, parkMs: 10 });
  const park = await hopLatency(nLatency, 1_000_000, { spins: 0, parkMs: 10 });
  const dflt = await hopLatency(nLatency, 1_000_000, DEFAULT_WAIT);
  const us = (ns: number) => Math.round(ns / 10) / 100;
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  const table = [
    '| path | frames | frames/s | vs postMessage |',
    '|---|---:|---:|---:|',
    `| tickwave ring | ${fmt(n)} | ${fmt(ring)} | ${(ring / post).toFixed(1)}x |`,
    `| ringbuf.js | ${fmt(n)} | ${fmt(ringbuf)} | ${(ringbuf / post).toFixed(1)}x |`,
    `| MessagePort.postMessage | ${fmt(nPost)} | ${fmt(post)} | 1.0x |`,
    '',
    '| one hop at 1 M frames/s, open loop | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs |',
    '|---|---:|---:|---:|---:|---:|',
    `| consumer spins | ${us(spin.p50)} | ${us(spin.p90)} | ${us(spin.p99)} | ${us(spin.p999)} | ${us(spin.max)} |`,
    `| consumer parks at once (Atomics.wait) | ${us(park.p50)} | ${us(park.p90)} | ${us(park.p99)} | ${us(park.p999)} | ${us(park.max)} |`,
    `| default: ${DEFAULT_WAIT.spins} polls, then parks | ${us(dflt.p50)} | ${us(dflt.p90)} | ${us(dflt.p99)} | ${us(dflt.p999)} | ${us(dflt.max)} |`,
  ].join('\n');
  const summary: Record<string, number> = {
    ring_frames_per_s: Math.round(ring),
    postmessage_frames_per_s: Math.round(post),
    ringbufjs_frames_per_s: Math.round(ringbuf),
    ratio_vs_postmessage: Math.round((ring / post) * 10) / 10,
    ratio_vs_ringbufjs: Math.round((ring / ringbuf) * 100) / 100,
    hop_p50_us_spin: us(spin.p50),
    hop_p90_us_spin: us(spin.p90),
    hop_p99_us_spin: us(spin.p99),
    hop_p999_us_spin: us(spin.p999),
    hop_max_us_spin: us(spin.max),
    hop_p50_us_park: us(park.p50),
    hop_p99_us_park: us(park.p99),
    hop_p999_us_park: us(park.p999),
    hop_max_us_park: us(park.max),
    hop_p50_us_default: us(dflt.p50),
    hop_p99_us_default: us(dflt.p99),
    stolen_ms_during_latency: spin.stolenMs + park.stolenMs + dflt.stolenMs,
  };
  const notes = [
    `tickwave ring / postMessage: ${summary.ratio_vs_postmessage}x; tickwave ring / ringbuf.js: ${summary.ratio_vs_ringbufjs}x`,
    'latency is from each frame\'s planned send time (open loop) to its arrival in the worker, on the shared monotonic clock; the first fifth of each run warms up and is not recorded',
    `CPU time stolen by the hypervisor during the three latency runs: ${summary.stolen_ms_during_latency} ms (it arrives in slices of milliseconds, and a stalled consumer delays every frame behind it)`,
  ];
  log(table);
  for (const line of notes) log(line);
  if (opts.save !== false) saveRecord({ name: 'ring', command: `npx tickwave bench ring${quick ? ' --quick' : ''}`, table, notes, summary });
  if (opts.json) log(JSON.stringify(summary));
  return summary;
}
