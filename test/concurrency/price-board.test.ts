// Concurrency: a reader never sees a torn or backwards price while one writer publishes a million
// updates to the same slot, and threads interning the same symbols at once agree on every slot.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { expect, test } from 'vitest';
import { createPriceBoardMemory, SymbolDirectory } from '../../src/ring/price-board.js';

const WORKER = join(import.meta.dirname, '../fixtures/price-board.worker.mjs');
const run = (data: object) =>
  new Promise<any>((resolve, reject) => {
    const w = new Worker(WORKER, { workerData: data });
    w.once('message', resolve);
    w.once('error', reject);
  });

test('seqlock: 1,000,000 updates, no torn or backwards reads', async () => {
  const memory = createPriceBoardMemory(16);
  const [reader] = await Promise.all([run({ role: 'reader', memory, slot: 5, count: 1_000_000 }), run({ role: 'writer', memory, slot: 5, count: 1_000_000 })]);
  expect(reader.torn).toBe(0);
  expect(reader.backwards).toBe(0);
  expect(reader.reads).toBeGreaterThan(0);
});

test('two threads interning 500 symbols at once agree on every slot', async () => {
  const memory = createPriceBoardMemory(1024);
  const symbols = Array.from({ length: 500 }, (_, i) => `S${i}`);
  const [a, b] = await Promise.all([run({ role: 'intern', memory, symbols }), run({ role: 'intern', memory, symbols: [...symbols].reverse() })]);
  expect([...b].reverse()).toEqual(a);
  expect(new Set(a).size).toBe(500);
  const dir = new SymbolDirectory(memory);
  expect(symbols.map((s) => dir.lookup(s))).toEqual(a);
});
