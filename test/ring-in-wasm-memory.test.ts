// A ring can live in the host region of a kernel's shared WebAssembly.Memory: ingress writes a frame
// there and the kernel's reader verifies and reads it in place, with no copy.
import { expect, test } from 'vitest';
import { Body, Exchange, QuoteT } from '../src/wire/generated/index.js';
import { encode } from '../src/wire/codec.js';
import { writeFrameHeaderFast } from '../src/wire/frame-header.js';
import { MEMORY_BASE } from '../src/runtime/kernel-module.js';
import { RING_CONTROL_BYTES, RingConsumer, RingProducer } from '../src/ring/spsc-ring.js';
import { loadWireReader } from '../src/wire/wasm-reader.js';
import { voffsetOf } from '../src/runtime/partitioner.js';

test('frames written into a ring in kernel memory are verified and read in place by the Wasm reader', () => {
  const reader = loadWireReader();
  const buffer = reader.memory.buffer as SharedArrayBuffer;
  expect(buffer).toBeInstanceOf(SharedArrayBuffer);
  // The host region is [0, MEMORY_BASE): put a 64 KiB ring at its start.
  const region = { buffer, byteOffset: 0, capacity: 64 * 1024 };
  expect(RING_CONTROL_BYTES + region.capacity).toBeLessThanOrEqual(MEMORY_BASE);
  const p = new RingProducer(region);
  const c = new RingConsumer(region);
  const quotes = [175_230_000n, 175_240_000n, 175_250_000n].map((last, i) =>
    encode(Body.Quote, new QuoteT('AAPL', Exchange.NYSE, 1n, 2n, 3n, 4n, last, BigInt(i), 5n)),
  );
  quotes.forEach((q, i) => {
    const at = p.claim(q.length);
    writeFrameHeaderFast(p.view, at, q.length, Body.Quote, 0, i + 1, 0);
    p.u8.set(q, at + 24);
  });
  p.publish();
  const lasts: bigint[] = [];
  c.poll((_view, at, len) => {
    // The kernel sees the frame where the ring holds it.
    expect(reader.exports.verify(at + 24, len)).toBe(Body.Quote);
    const body = reader.exports.bodyTable(at + 24);
    lasts.push(reader.exports.readI64(body, voffsetOf('Quote.last'), 0n));
  });
  expect(lasts).toEqual([175_230_000n, 175_240_000n, 175_250_000n]);
});
