// WireBuilder and WireBuffer, tickwave's faster flatbuffers primitives, are drop-in: on random
// messages of every type the builder writes exactly the stock Builder's bytes, and flatc's accessors
// read exactly the same values through either buffer (including interned strings and 64-bit fields).
import * as flatbuffers from 'flatbuffers';
import { expect, test } from 'vitest';
import { Envelope, EnvelopeT } from '../src/wire/generated/index.js';
import { WireBuffer, internedString } from '../src/wire/wire-buffer.js';
import { WireBuilder } from '../src/wire/wire-builder.js';
import { Prng } from './fixtures/prng.js';
import { MESSAGE_TYPES, randomTable, unionMember } from './fixtures/wire-model.js';

const COUNT = 20_000;
const SEED = Number(process.env.TICKWAVE_SEED ?? 20261122);

test(`${COUNT} random messages: same bytes from WireBuilder, same values through WireBuffer`, () => {
  const rng = new Prng(SEED);
  const stock = new flatbuffers.Builder(64); // small: both builders must grow their buffers
  const wire = new WireBuilder(64);
  for (let i = 0; i < COUNT; i++) {
    const tag = rng.int(1, MESSAGE_TYPES.length);
    const env = new EnvelopeT(tag, randomTable(rng, unionMember(0, tag)) as any);
    stock.clear();
    stock.finish(env.pack(stock), 'TWV1');
    wire.clear();
    wire.finish(env.pack(wire), 'TWV1');
    const a = stock.asUint8Array();
    const b = wire.asUint8Array();
    if (Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0) expect.fail(`seed ${SEED}, message ${i}: bytes differ`);
    const viaStock = Envelope.getRootAsEnvelope(new flatbuffers.ByteBuffer(a.slice())).unpack();
    const viaWire = Envelope.getRootAsEnvelope(new WireBuffer(b.slice())).unpack();
    expect(viaWire).toEqual(viaStock);
  }
});

test('interned strings: repeated, colliding and multi-byte strings come back exact', () => {
  const enc = new TextEncoder();
  const words = ['AAPL', 'TRADER_001', 'TRADER_002', 'é€中😀', '', 'x'.repeat(48)];
  for (let round = 0; round < 3; round++) {
    for (const w of words) {
      const bytes = enc.encode(`..${w}..`);
      expect(internedString(bytes, 2, bytes.length - 4)).toBe(w);
    }
  }
  // 10,000 distinct strings through a 4,096-slot table: evictions never return a wrong string.
  for (let i = 0; i < 10_000; i++) {
    const bytes = enc.encode(`ORD-${i}`);
    expect(internedString(bytes, 0, bytes.length)).toBe(`ORD-${i}`);
  }
  // 3,000 accounts asked for in a random order (a bucket holds two, the newcomer first): 60,000
  // lookups, every one exact, whichever place of its bucket a string sits in or moved to.
  let seed = 7;
  let wrong = 0;
  for (let k = 0; k < 60_000; k++) {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    const name = `ACC${String(seed % 3_000).padStart(5, '0')}`;
    const bytes = enc.encode(name);
    if (internedString(bytes, 0, bytes.length) !== name) wrong++;
  }
  expect(wrong).toBe(0);
});
