// Concurrency: a producer thread and a consumer thread move 10 million frames of random sizes through
// a 64 KiB ring. Every frame arrives once, in order, with its exact length and payload words; the
// ring wraps at every reachable distance from its end; the counters on both sides agree.
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { createRingRegion, frameSlot, ringStats } from '../../src/ring/spsc-ring.js';

const FRAMES = Number(process.env.TICKWAVE_RING_FRAMES ?? 10_000_000);
const SEED = Number(process.env.TICKWAVE_SEED ?? 20261122);
const MAX_PAYLOAD = 120;
const WORKER = join(import.meta.dirname, '../fixtures/ring-stress.worker.mjs');

function run(role: string, workerData: object): Promise<any> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER, { workerData: { role, ...workerData } });
    w.once('message', resolve);
    w.once('error', reject);
    w.once('exit', (code) => code !== 0 && reject(new Error(`${role} exited with ${code}`)));
  });
}

test(`${FRAMES.toLocaleString('en-US')} frames of random size across two threads: order, lengths, payloads, wrap-around`, async () => {
  const region = createRingRegion(64 * 1024);
  const shared = { region, frames: FRAMES, maxPayload: MAX_PAYLOAD, seed: SEED, batch: 64 };
  const [consumer] = await Promise.all([run('consumer', shared), run('producer', shared)]);
  expect(consumer.firstError, `seed ${SEED}`).toBeNull();
  expect(consumer.errors).toBe(0);
  expect(consumer.frames).toBe(FRAMES);
  // Every distance from the end at which the next frame can find too little room and skip to the
  // start (8, 16, ..., largest slot - 8), and 0: a frame that ended exactly at the end.
  const largest = frameSlot(MAX_PAYLOAD);
  const classes = [0, ...Array.from({ length: largest / 8 - 1 }, (_, k) => 8 * (k + 1))];
  expect(consumer.wrapDistances).toEqual(classes);
  const stats = ringStats(region);
  expect(stats).toMatchObject({ used: 0, framesWritten: FRAMES, framesRead: FRAMES, bytesWritten: consumer.bytes, bytesRead: consumer.bytes });
});
