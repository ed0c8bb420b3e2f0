// The one clock: a reading taken in a worker thread, or in another process, falls between the main
// thread's readings taken before and after asking for it (within the calibration error).
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { expect, test } from 'vitest';
import { distFile } from '../src/package-root.js';
import { monotonicNs } from '../src/runtime/clock.js';

const clockUrl = new URL(`file://${distFile('src/runtime/clock.js')}`).href;

test('a worker reads the same clock as the main thread', async () => {
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     import(${JSON.stringify(clockUrl)}).then(({ monotonicNs }) => {
       parentPort.on('message', () => parentPort.postMessage(monotonicNs()));
       parentPort.postMessage('ready');
     });`,
    { eval: true },
  );
  await new Promise((resolve) => worker.once('message', resolve));
  try {
    for (let i = 0; i < 20; i++) {
      const before = monotonicNs();
      const reply = await new Promise<number>((resolve) => {
        worker.once('message', resolve);
        worker.postMessage('now');
      });
      const after = monotonicNs();
      // Calibration error is well under 2 µs on each side.
      expect(reply).toBeGreaterThan(before - 2_000);
      expect(reply).toBeLessThan(after + 2_000);
    }
  } finally {
    await worker.terminate();
  }
});

test('another process reads the same clock', () => {
  const before = monotonicNs();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import(${JSON.stringify(clockUrl)}).then((m) => console.log(m.monotonicNs()))`], { encoding: 'utf8' });
  const after = monotonicNs();
  const child = Number(r.stdout.trim());
  expect(child).toBeGreaterThan(before);
  expect(child).toBeLessThan(after);
});

test('monotonicNs never goes backwards and counts nanoseconds', () => {
  let last = monotonicNs();
  for (let i = 0; i < 100_000; i++) {
    const t = monotonicNs();
    expect(t).toBeGreaterThanOrEqual(last);
    last = t;
  }
  const a = monotonicNs();
  const hr = Number(process.hrtime.bigint());
  const b = monotonicNs();
  expect(hr).toBeGreaterThan(a - 2_000);
  expect(hr).toBeLessThan(b + 2_000);
});
