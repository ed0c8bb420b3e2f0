// Fuzz test: 200,000 mutated, truncated and random buffers. Neither verifier throws; the TypeScript
// verifier and the AssemblyScript reader give the same verdict, reason, byte offset and field for
// every buffer; an accepted buffer is read in full through flatc's accessors with bounds-checked
// reads (no read outside the frame) and the AssemblyScript reader reads the same values.
import * as flatbuffers from 'flatbuffers';
import { expect, test } from 'vitest';
import { Verifier, VerifyError } from '../src/wire/verifier.js';
import { loadWireReader } from '../src/wire/wasm-reader.js';
import { Prng } from './fixtures/prng.js';
import { accessorDump, CheckedByteBuffer, MESSAGE_TYPES, randomFrame } from './fixtures/wire-model.js';

const COUNT = Number(process.env.TICKWAVE_FUZZ_COUNT ?? 200_000);
const SEED = Number(process.env.TICKWAVE_SEED ?? 20261122);
const DUMP_AT = 512 * 1024;
const DUMP_CAP = 32 * 1024;
const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x04, 0x07, 0x08, 0x7f, 0x80, 0xc0, 0xe0, 0xf0, 0xfe, 0xff];

/** One fuzz input: a random frame mutated by one of several strategies. */
function mutant(rng: Prng, builder: flatbuffers.Builder): { bytes: Uint8Array; how: string } {
  const strategy = rng.int(0, 9);
  if (strategy === 0) {
    const len = rng.int(0, 96);
    return { bytes: Uint8Array.from({ length: len }, () => rng.int(0, 255)), how: 'random bytes' };
  }
  const frame = randomFrame(rng, rng.int(1, MESSAGE_TYPES.length), builder);
  if (strategy === 1) {
    // Random bytes behind a valid root offset and identifier: gets past the first checks.
    const len = rng.int(8, 160);
    const b = Uint8Array.from({ length: len }, () => rng.int(0, 255));
    b.set(frame.subarray(0, 8), 0);
    return { bytes: b, how: 'random body' };
  }
  if (strategy === 2) return { bytes: frame.slice(0, rng.int(0, frame.length - 1)), how: 'truncated' };
  if (strategy === 3) {
    const b = new Uint8Array(frame.length + rng.int(1, 16));
    b.set(frame, 0);
    for (let i = frame.length; i < b.length; i++) b[i] = rng.int(0, 255);
    return { bytes: b, how: 'extended' };
  }
  const b = frame.slice();
  const edits = rng.int(1, 4);
  for (let e = 0; e < edits; e++) {
    const at = rng.int(0, b.length - 1);
    if (strategy === 4) b[at]! ^= 1 << rng.int(0, 7);
    else if (strategy === 5) b[at] = rng.pick(INTERESTING);
    else if (strategy === 6) {
      // Overwrite an aligned 32-bit word: hits offsets, lengths and vtable entries.
      const w = at & ~3;
      if (w + 4 <= b.length) new DataView(b.buffer).setUint32(w, rng.chance(0.5) ? rng.u32() : rng.int(0, 64), true);
    } else if (strategy === 7) {
      const w = at & ~1;
      if (w + 2 <= b.length) new DataView(b.buffer).setUint16(w, rng.int(0, 0xffff), true);
    } else if (strategy === 8) b[at] = rng.int(0x80, 0xff); // likely breaks UTF-8 in strings
    else b[at] = rng.int(0, 255);
  }
  return { bytes: b, how: `mutated (strategy ${strategy})` };
}

test(`${COUNT} mutated, truncated and random buffers: agreeing verdicts, no out-of-bounds read`, () => {
  const rng = new Prng(SEED);
  const builder = new flatbuffers.Builder(1024);
  const verifier = new Verifier();
  const reader = loadWireReader();
  const memory = reader.bytes;
  const dumpView = new BigInt64Array(reader.memory.buffer, DUMP_AT, DUMP_CAP);
  const verdicts = new Map<number, number>();
  let accepted = 0;
  for (let i = 0; i < COUNT; i++) {
    const { bytes, how } = mutant(rng, builder);
    const where = () => `seed ${SEED}, input ${i} (${how}), bytes ${Buffer.from(bytes).toString('hex')}`;
    const ts = verifier.verifyBytes(bytes);
    // The frame sits at the very end of wasm memory: a read past its end would trap.
    const ptr = memory.length - bytes.length;
    memory.set(bytes, ptr);
    const as = reader.exports.verify(ptr, bytes.length);
    if (as !== ts) expect.fail(`verdicts differ: TypeScript ${ts}, AssemblyScript ${as}; ${where()}`);
    verdicts.set(ts > 0 ? 0 : -ts, (verdicts.get(ts > 0 ? 0 : -ts) ?? 0) + 1);
    if (ts < 0) {
      const r = verifier.rejection();
      if (r.code !== -ts || !(VerifyError[r.code] && r.offset >= 0 && r.offset <= bytes.length)) {
        expect.fail(`bad rejection ${JSON.stringify(r)}; ${where()}`);
      }
      if (reader.exports.lastErrorOffset() !== r.offset || reader.exports.lastErrorField() !== verifier.errorField) {
        expect.fail(`rejection details differ: TypeScript ${r.offset}/${verifier.errorField}, AssemblyScript ${reader.exports.lastErrorOffset()}/${reader.exports.lastErrorField()}; ${where()}`);
      }
      continue;
    }
    accepted++;
    let expected: bigint[];
    try {
      expected = accessorDump(bytes, new CheckedByteBuffer(bytes));
    } catch (e) {
      expect.fail(`accepted frame read failed: ${(e as Error).message}; ${where()}`);
    }
    const n = reader.exports.dump(ptr, DUMP_AT, DUMP_CAP);
    if (n !== expected.length) expect.fail(`dump length ${n} != ${expected.length}; ${where()}`);
    for (let j = 0; j < n; j++) {
      if (dumpView[j] !== expected[j]) expect.fail(`value ${j}: wasm ${dumpView[j]} != flatc ${expected[j]}; ${where()}`);
    }
  }
  const summary = [...verdicts].sort((a, b) => a[0] - b[0]).map(([c, n]) => `${c === 0 ? 'accepted' : VerifyError[c]}=${n}`).join(' ');
  console.log(`fuzz (seed ${SEED}): ${summary}`);
  // The fuzzer reaches deep: valid mutants are read in full, and most rejection reasons occur.
  expect(accepted).toBeGreaterThan(COUNT / 20);
  expect(verdicts.size - 1).toBeGreaterThanOrEqual(10);
});
