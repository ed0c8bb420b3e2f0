// Wait strategies across threads: a parked consumer wakes when frames are published, a producer
// parked on a full ring wakes when the consumer releases space, no wake-up is lost, and the runtime
// picks how long its workers spin by the cores they have.
import { Worker } from 'node:worker_threads';
import { expect, test } from 'vitest';
import { distFile } from '../../src/package-root.js';
import { createRingRegion, DEFAULT_WAIT, RingConsumer, RingProducer, ringStats, SPIN_WAIT, workerWait, type RingRegion } from '../../src/ring/spsc-ring.js';
import { writeFrameHeaderFast } from '../../src/wire/frame-header.js';

const ring = new URL(`file://${distFile('src/ring/spsc-ring.js')}`).href;
const header = new URL(`file://${distFile('src/wire/frame-header.js')}`).href;

/** A worker running `body` with `region`, RingProducer, RingConsumer and writeFrameHeaderFast in scope. */
function worker(region: RingRegion, body: string): Promise<unknown> {
  const w = new Worker(
    `const { parentPort, workerData: region } = require('node:worker_threads');
     Promise.all([import(${JSON.stringify(ring)}), import(${JSON.stringify(header)})]).then(([{ RingProducer, RingConsumer }, { writeFrameHeaderFast }]) => {
       ${body}
     });`,
    { eval: true, workerData: region },
  );
  return new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
}

test('a consumer parked with Atomics.waitAsync wakes for each burst; every frame arrives once', async () => {
  const region = createRingRegion(4096);
  const done = worker(region, `
    const p = new RingProducer(region);
    let n = 0;
    (function burst() {
      for (let k = 0; k < 10; k++) { const at = p.claim(8); writeFrameHeaderFast(p.view, at, 8, 1, 0, n++, 0); }
      p.publish();
      if (n < 200) setTimeout(burst, 2); else parentPort.postMessage(n);
    })();`);
  const c = new RingConsumer(region);
  const seen: number[] = [];
  while (seen.length < 200) {
    c.poll((view, at) => seen.push(view.getUint32(at + 8, true)));
    if (seen.length < 200) await c.framesArrived({ spins: 0, parkMs: 1000 });
  }
  expect(await done).toBe(200);
  expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => i));
  const stats = ringStats(region);
  expect(stats.framesRead).toBe(200);
  expect(stats.consumerParks).toBeGreaterThan(0);
  expect(stats.wakeups).toBeGreaterThan(0);
  expect(stats.wakeups).toBeLessThanOrEqual(stats.consumerParks);
});

test('a producer parked on a full ring (Atomics.wait) wakes when space is released', async () => {
  const region = createRingRegion(256);
  // 8 frames of 32 bytes fill the ring; the producer writes 100, parking whenever it is full.
  const done = worker(region, `
    const p = new RingProducer(region);
    for (let n = 0; n < 100; n++) {
      let at = p.claim(8);
      while (at < 0) { p.publish(); p.waitForSpace(32, 1000); at = p.claim(8); }
      writeFrameHeaderFast(p.view, at, 8, 1, 0, n, 0);
      p.publish();
    }
    parentPort.postMessage('done');`);
  const c = new RingConsumer(region);
  const seen: number[] = [];
  while (seen.length < 100) {
    await new Promise((r) => setTimeout(r, 1)); // let the ring fill
    c.poll((view, at) => seen.push(view.getUint32(at + 8, true)), 3);
  }
  expect(await done).toBe('done');
  expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i));
  const stats = ringStats(region);
  expect(stats.fullEvents).toBeGreaterThan(0);
  expect(stats.producerParks).toBeGreaterThan(0);
});

test('main-thread producer: spaceReleased() resolves once the consumer frees room', async () => {
  const region = createRingRegion(128);
  const p = new RingProducer(region);
  const c = new RingConsumer(region);
  for (let n = 0; n < 4; n++) writeFrameHeaderFast(p.view, p.claim(8), 8, 1, 0, n, 0);
  p.publish();
  expect(p.claim(8)).toBe(-1);
  setTimeout(() => c.poll(() => {}, 2), 5);
  await p.spaceReleased(1000);
  expect(p.free()).toBe(64);
  expect(p.claim(8)).toBeGreaterThanOrEqual(0);
});

test('a worker spins long only when it and the main thread can each have a core', () => {
  // [workers, cores] -> polls before parking
  const cases: [number, number][] = [[1, 2], [1, 1], [2, 2], [3, 4], [4, 4], [7, 8]];
  expect(cases.map(([w, c]) => workerWait(w, c).spins)).toEqual([20_000, 200, 200, 20_000, 200, 20_000]);
  expect([SPIN_WAIT.parkMs, DEFAULT_WAIT.parkMs]).toEqual([50, 50]);
});
