// FixedFrame, the Builder-free writer of the trade engine's outputs: on random messages of each shape
// it writes, the verifier accepts its bytes and flatc's accessors read exactly the values a Builder's
// bytes give; every 8-byte field sits on 8 bytes; long and multi-byte strings grow the buffer.
import * as flatbuffers from 'flatbuffers';
import { describe, expect, test } from 'vitest';
import { Envelope, EnvelopeT } from '../src/wire/generated/index.js';
import { FixedFrame } from '../src/wire/fixed-frame.js';
import { MESSAGE_TYPE_NAMES } from '../src/wire/layout.generated.js';
import { Verifier } from '../src/wire/verifier.js';
import { Prng } from './fixtures/prng.js';
import { K, randomString, randomTable, tableFields, tableId } from './fixtures/wire-model.js';

const SEED = Number(process.env.TICKWAVE_SEED ?? 20261122);
const SHAPES: [string, string[]][] = [['ExecReport', []], ['RiskDecision', []], ['Position', []], ['PnL', ['symbol']], ['Portfolio', []]];

/** Writes every field of `obj` (an object-API instance) through `frame`, by the schema's kinds and sizes. */
function write(frame: FixedFrame, table: string, obj: Record<string, any>): Uint8Array {
  frame.begin();
  for (const f of tableFields(tableId(table))) {
    const at = frame.at[f.name];
    if (at === undefined) continue;
    const v = obj[f.prop];
    if (f.kind === K.STRING) frame.strAt(at, v as string);
    else if (f.kind === K.BOOL) frame.u8At(at, v ? 1 : 0);
    else if (f.size === 8) frame.i64At(at, v as bigint);
    else if (f.size === 4) frame.i32At(at, v as number);
    else if (f.size === 2) frame.u16At(at, v as number);
    else frame.u8At(at, v as number);
  }
  return frame.bytes();
}

describe.each(SHAPES)('FixedFrame(%s)', (table, omit) => {
  const tag = MESSAGE_TYPE_NAMES.indexOf(table);

  test('2,000 random messages: verified, and read back as a Builder writes them', () => {
    const rng = new Prng(SEED + tag);
    const frame = new FixedFrame(table, omit);
    const verifier = new Verifier();
    const builder = new flatbuffers.Builder(256);
    for (let i = 0; i < 2_000; i++) {
      const obj = randomTable(rng, tableId(table));
      for (const name of omit) obj[tableFields(tableId(table)).find((f) => f.name === name)!.prop] = null;
      const bytes = write(frame, table, obj).slice();
      if (verifier.verifyBytes(bytes) !== tag) expect.fail(`seed ${SEED}, message ${i}: rejected: ${verifier.rejection()?.reason}`);
      builder.clear();
      builder.finish(new EnvelopeT(tag, obj as never).pack(builder), 'TWV1');
      const viaBuilder = Envelope.getRootAsEnvelope(new flatbuffers.ByteBuffer(builder.asUint8Array().slice())).unpack();
      const viaFixed = Envelope.getRootAsEnvelope(new flatbuffers.ByteBuffer(bytes)).unpack();
      expect(viaFixed).toEqual(viaBuilder);
    }
  });

  test('8-byte fields on 8 bytes, others on their size; no two fields overlap', () => {
    const frame = new FixedFrame(table, omit);
    const spans: [number, number][] = [];
    for (const f of tableFields(tableId(table))) {
      const at = frame.at[f.name];
      if (omit.includes(f.name)) {
        expect(at).toBeUndefined();
        continue;
      }
      const size = f.kind === K.STRING ? 4 : f.size;
      expect(at! % size, `${table}.${f.name} at ${at}`).toBe(0);
      spans.push([at!, at! + size]);
    }
    spans.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
  });
});

test('strings longer than the first buffer, multi-byte and empty, come back exact', () => {
  const frame = new FixedFrame('RiskDecision');
  const rng = new Prng(SEED);
  const verifier = new Verifier();
  for (const account of ['', 'é€中😀', 'A'.repeat(300), 'B'.repeat(5_000), randomString(rng)]) {
    const symbol = `${account.slice(0, 3)}/USD`;
    frame.begin().strAt(frame.at.account!, account).strAt(frame.at.symbol!, symbol).i64At(frame.at.order_id!, 2n ** 64n - 1n)
      .u8At(frame.at.accepted!, 1).u16At(frame.at.reason!, 0).i64At(frame.at.limit!, -5n).i64At(frame.at.value!, 0n).i64At(frame.at.ts_ns!, 7n);
    const bytes = frame.bytes().slice();
    expect(verifier.verifyBytes(bytes)).toBe(MESSAGE_TYPE_NAMES.indexOf('RiskDecision'));
    const d = Envelope.getRootAsEnvelope(new flatbuffers.ByteBuffer(bytes)).unpack().body as unknown as Record<string, unknown>;
    expect(d).toMatchObject({ account, symbol, orderId: 2n ** 64n - 1n, accepted: true, limit: -5n, tsNs: 7n });
  }
});

test('a table that is not a message, a required field omitted, or a vector field: refused by name', () => {
  expect(() => new FixedFrame('Nope')).toThrow('FixedFrame: Nope is not a message of the schema');
  expect(() => new FixedFrame('PnL', ['account'])).toThrow('FixedFrame: PnL.account is required and cannot be omitted');
  expect(() => new FixedFrame('DeadLetter')).toThrow('FixedFrame: DeadLetter.payload is not a scalar or a string');
});

test('a 64-bit field from its 32-bit halves or copied from other bytes equals the same value written as a BigInt', () => {
  const rng = new Prng(SEED);
  const viaBigInt = new FixedFrame('ExecReport', []);
  const viaParts = new FixedFrame('ExecReport', []);
  const src = new DataView(new ArrayBuffer(16));
  const exec = viaBigInt.at.exec_id!;
  const qty = viaBigInt.at.last_qty!;
  for (let i = 0; i < 1_000; i++) {
    const id = rng.u64();
    const q = BigInt.asIntN(64, rng.u64()); // negative half the time
    src.setBigInt64(4, q, true); // an unaligned source, as a field in a kernel's record may be
    viaBigInt.begin().i64At(exec, id).i64At(qty, q);
    viaParts.begin().i64HalvesAt(exec, Number(id & 0xffffffffn), Number(id >> 32n)).i64CopyAt(qty, src, 4);
    expect(viaParts.bytes()).toEqual(viaBigInt.bytes());
  }
});
