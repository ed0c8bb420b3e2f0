// Batch values (src/kafka/frame-batch.ts): frames laid out as size-prefixed records come back exactly,
// byte for byte; a value tells its own kind (one Envelope, or a batch); a cut-short record is found
// where it starts; the batcher sends each frame to the partition its key picks, in order, in values
// of at most N frames, and flush() sends what is left.
import { describe, expect, it } from 'vitest';
import { encodeFrameBatch, FrameBatcher, isFrameBatch, nextRecord, recordEnd } from '../src/kafka/frame-batch.js';
import { kafkaPartition } from '../src/runtime/partitioner.js';
import { MarketSimulator } from '../src/sim/market-simulator.js';
import { decode } from '../src/wire/codec.js';

const sim = new MarketSimulator({ seed: 3, traders: 0 });
const FRAMES = Array.from({ length: 200 }, () => sim.next().frame);

function records(value: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const len = new Int32Array(1);
  for (let at = 0; ;) {
    const env = nextRecord(value, at, len);
    if (env === -1) return out;
    if (env === -2) throw new Error(`cut short at ${at}`);
    out.push(value.slice(env, env + len[0]!));
    at = recordEnd(env, len[0]!);
  }
}

describe('batch values', () => {
  it('lay frames out as records and give them back byte for byte, each record 4-aligned', () => {
    const value = encodeFrameBatch(FRAMES);
    const expectedSize = FRAMES.reduce((a, f) => a + 4 + Math.ceil(f.length / 4) * 4, 0);
    expect(value.length).toBe(expectedSize);
    expect(records(value)).toEqual(FRAMES);
    expect(isFrameBatch(value)).toBe(true);
    expect(isFrameBatch(encodeFrameBatch([FRAMES[0]!]))).toBe(true);
  });

  it('tell a single Envelope, a batch and neither apart', () => {
    expect(isFrameBatch(FRAMES[0]!)).toBe(false);
    expect(isFrameBatch(new Uint8Array(64).fill(7))).toBe(false);
    expect(isFrameBatch(new Uint8Array(3))).toBe(false);
  });

  it('find a record whose length runs past the value, with the bytes left', () => {
    const value = encodeFrameBatch(FRAMES.slice(0, 3));
    const cut = value.slice(0, value.length - 5);
    const len = new Int32Array(1);
    const third = recordEnd(4 + FRAMES[0]!.length, 0) + 4 + Math.ceil(FRAMES[1]!.length / 4) * 4;
    expect(nextRecord(cut, third, len)).toBe(-2);
    expect(len[0]).toBe(cut.length - third);
    expect(nextRecord(cut, cut.length - 2, len)).toBe(-2); // not even a length
    expect(len[0]).toBe(2);
  });

  it('batcher: each frame to its key\'s partition, in order, at most N per value; flush sends the rest', () => {
    const sent: { topic: string; partition: number; frames: Uint8Array[] }[] = [];
    const batcher = new FrameBatcher(16, () => 4, (topic, partition, value) => sent.push({ topic, partition, frames: records(value) }));
    for (const f of FRAMES) batcher.add('md', f);
    const beforeFlush = sent.length;
    batcher.flush();
    expect(sent.slice(0, beforeFlush).every((v) => v.frames.length === 16)).toBe(true);
    expect(sent.every((v) => v.frames.length >= 1 && v.frames.length <= 16)).toBe(true);
    // Every frame once, in its partition, in the order added.
    const byPartition = new Map<number, Uint8Array[]>();
    for (const v of sent) byPartition.set(v.partition, [...(byPartition.get(v.partition) ?? []), ...v.frames]);
    const expected = new Map<number, Uint8Array[]>();
    for (const f of FRAMES) {
      const symbol = new TextEncoder().encode((decode(f) as { body: { symbol: string } }).body.symbol);
      const p = kafkaPartition(symbol, 0, symbol.length, 4);
      expected.set(p, [...(expected.get(p) ?? []), f]);
    }
    expect(byPartition).toEqual(expected);
    batcher.flush();
    expect(sent.reduce((a, v) => a + v.frames.length, 0)).toBe(FRAMES.length);
    expect(() => new FrameBatcher(0, () => 1, () => undefined)).toThrow('frames per value must be an integer of at least 1, got 0');
  });
});
