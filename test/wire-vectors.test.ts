// Golden vectors: test/vectors/<type>.hex is what tickwave writes for the canonical message of each
// type (test/fixtures/golden-messages.ts), and <type>.json the field values found in it, so a reader
// in any language can check itself against tickwave's bytes. Regenerate after a deliberate schema
// change with TICKWAVE_UPDATE_VECTORS=1 npx vitest run test/wire-vectors.test.ts.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as flatbuffers from 'flatbuffers';
import { describe, expect, test } from 'vitest';
import * as gen from '../src/wire/generated/index.js';
import { encode } from '../src/wire/codec.js';
import { ENUM_NAMES, MESSAGE_TYPE_NAMES, TABLE_NAMES } from '../src/wire/layout.generated.js';
import { Verifier } from '../src/wire/verifier.js';
import { loadWireReader } from '../src/wire/wasm-reader.js';
import { GOLDEN } from './fixtures/golden-messages.js';
import { K, tableFields, unionMember } from './fixtures/wire-model.js';

const DIR = join(import.meta.dirname, 'vectors');
const UPDATE = process.env.TICKWAVE_UPDATE_VECTORS === '1';
const snake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const toHex = (b: Uint8Array) => (Buffer.from(b).toString('hex').match(/.{1,32}/g) ?? []).join('\n') + '\n';
const fromHex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

/** A message's fields as plain JSON: schema names, enums by name, 64-bit integers as strings. */
function plain(obj: Record<string, any>, id: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of tableFields(id)) {
    if (f.kind === K.UNION_TYPE || f.kind === K.UNION_VALUE) continue;
    const v = obj[f.prop];
    const enumName = (x: number) => (gen as any)[ENUM_NAMES[f.ref]!][x] as string;
    if (f.kind === K.ENUM) out[f.name] = enumName(v);
    else if (f.kind === K.VEC_TABLE) out[f.name] = (v as any[]).map((x) => plain(x, f.ref));
    else if (f.kind === K.VEC_SCALAR) out[f.name] = (v as any[]).map((x) => (typeof x === 'bigint' ? x.toString() : x));
    else out[f.name] = typeof v === 'bigint' ? v.toString() : v;
  }
  return out;
}

describe('golden vectors', () => {
  const reader = loadWireReader();
  for (const [tag, typeName] of MESSAGE_TYPE_NAMES.entries()) {
    if (tag === 0) continue;
    test(`${typeName}: bytes and values match test/vectors/${snake(typeName)}.*`, () => {
      const body = GOLDEN[typeName];
      expect(body, `test/fixtures/golden-messages.ts has no ${typeName}`).toBeTruthy();
      const bytes = encode(tag, body!);
      const member = unionMember(0, tag);
      expect(TABLE_NAMES[member]).toBe(typeName);
      const values = { type: typeName, fields: plain(body as any, member) };
      const hexFile = join(DIR, `${snake(typeName)}.hex`);
      const jsonFile = join(DIR, `${snake(typeName)}.json`);
      if (UPDATE) {
        mkdirSync(DIR, { recursive: true });
        writeFileSync(hexFile, toHex(bytes));
        writeFileSync(jsonFile, JSON.stringify(values, null, 2) + '\n');
      }
      expect(existsSync(hexFile), `${hexFile} missing: run with TICKWAVE_UPDATE_VECTORS=1`).toBe(true);
      const golden = fromHex(readFileSync(hexFile, 'utf8'));
      // tickwave's encoder writes exactly the golden bytes...
      expect(Buffer.from(bytes).toString('hex')).toBe(Buffer.from(golden).toString('hex'));
      // ...both verifiers accept them as this type...
      expect(new Verifier().verifyBytes(golden)).toBe(tag);
      reader.bytes.set(golden, 0);
      expect(reader.exports.verify(0, golden.length)).toBe(tag);
      // ...and flatc's accessors read back the values in the JSON file.
      const env = gen.Envelope.getRootAsEnvelope(new flatbuffers.ByteBuffer(golden)).unpack();
      const expected = JSON.parse(readFileSync(jsonFile, 'utf8'));
      expect({ type: MESSAGE_TYPE_NAMES[env.bodyType], fields: plain(env.body as any, member) }).toEqual(expected);
      expect(values).toEqual(expected);
    });
  }
});
