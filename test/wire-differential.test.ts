// Differential test: for 100,000 random messages of every type, the AssemblyScript reader
// (assembly/wire.ts) and flatc's generated TypeScript accessors read the same value from every field,
// and both verifiers accept every frame flatc's builder wrote.
import * as flatbuffers from 'flatbuffers';
import { describe, expect, test } from 'vitest';
import { Verifier } from '../src/wire/verifier.js';
import { loadWireReader } from '../src/wire/wasm-reader.js';
import { Prng } from './fixtures/prng.js';
import { accessorDump, MESSAGE_TYPES, randomFrame } from './fixtures/wire-model.js';

const PER_TYPE = Number(process.env.TICKWAVE_DIFF_COUNT ?? 100_000);
const BASE_SEED = Number(process.env.TICKWAVE_SEED ?? 20261122);
const DUMP_AT = 512 * 1024;
const DUMP_CAP = 32 * 1024;

describe('AssemblyScript reader vs flatc accessors', () => {
  const reader = loadWireReader();
  const verifier = new Verifier();
  const builder = new flatbuffers.Builder(1024);
  const dumpView = new BigInt64Array(reader.memory.buffer, DUMP_AT, DUMP_CAP);

  MESSAGE_TYPES.forEach((typeName, k) => {
    const tag = k + 1;
    test(`${typeName}: ${PER_TYPE} random messages read identically`, () => {
      const seed = BASE_SEED + tag;
      const rng = new Prng(seed);
      let fieldsCompared = 0;
      for (let i = 0; i < PER_TYPE; i++) {
        const frame = randomFrame(rng, tag, builder);
        const where = () => `seed ${seed}, message ${i}, ${typeName}, bytes ${Buffer.from(frame).toString('hex')}`;
        const tsType = verifier.verifyBytes(frame);
        if (tsType !== tag) expect.fail(`TypeScript verifier returned ${tsType} (${verifier.rejection().reason}); ${where()}`);
        reader.bytes.set(frame, 0);
        const asType = reader.exports.verify(0, frame.length);
        if (asType !== tag) expect.fail(`AssemblyScript verifier returned ${asType}; ${where()}`);
        const n = reader.exports.dump(0, DUMP_AT, DUMP_CAP);
        const expected = accessorDump(frame);
        if (n !== expected.length) expect.fail(`dump length ${n} != ${expected.length}; ${where()}`);
        for (let j = 0; j < n; j++) {
          if (dumpView[j] !== expected[j]) expect.fail(`value ${j}: wasm ${dumpView[j]} != flatc ${expected[j]}; ${where()}`);
        }
        fieldsCompared += n;
      }
      // Every message has at least its union tag, required strings and scalars.
      expect(fieldsCompared).toBeGreaterThan(PER_TYPE * 5);
    });
  });
});
