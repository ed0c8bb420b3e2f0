// The SPSC ring on one thread: order, header fields and payload bytes come back exactly; nothing is
// visible before publish(); a full ring refuses and counts; wrap-around works at every 8-byte
// distance from the end; counters are exact.
import { describe, expect, test } from 'vitest';
import { frameIngressNsNumber, frameLength, framePartition, frameSequenceNumber, frameType, writeFrameHeaderFast } from '../src/wire/frame-header.js';
import { createRingRegion, frameSlot, RingConsumer, RingProducer, ringStats } from '../src/ring/spsc-ring.js';

interface Got { seq: number; type: number; partition: number; ingress: number; payload: number[] }

function write(p: RingProducer, seq: number, payload: number[]): boolean {
  const at = p.claim(payload.length);
  if (at < 0) return false;
  writeFrameHeaderFast(p.view, at, payload.length, 4, seq % 7, seq, 1_000_000 + seq);
  p.u8.set(payload, at + 24);
  return true;
}

function drain(c: RingConsumer, max = 1 << 30): Got[] {
  const got: Got[] = [];
  c.poll((view, at, len) => {
    got.push({
      seq: frameSequenceNumber(view, at), type: frameType(view, at), partition: framePartition(view, at),
      ingress: frameIngressNsNumber(view, at), payload: Array.from(new Uint8Array(view.buffer, at + 24, len)),
    });
    expect(frameLength(view, at)).toBe(len);
  }, max);
  return got;
}

const bytes = (n: number, seed: number) => Array.from({ length: n }, (_, i) => (seed * 31 + i * 7) & 0xff);

describe('SpscRing', () => {
  test('frames come back in order with their header and payload; unpublished frames are invisible', () => {
    const region = createRingRegion(1024);
    const p = new RingProducer(region);
    const c = new RingConsumer(region);
    expect(write(p, 1, bytes(5, 1))).toBe(true);
    expect(write(p, 2, bytes(0, 2))).toBe(true);
    expect(write(p, 3, bytes(64, 3))).toBe(true);
    expect(drain(c)).toEqual([]);
    p.publish();
    expect(drain(c)).toEqual([
      { seq: 1, type: 4, partition: 1, ingress: 1_000_001, payload: bytes(5, 1) },
      { seq: 2, type: 4, partition: 2, ingress: 1_000_002, payload: [] },
      { seq: 3, type: 4, partition: 3, ingress: 1_000_003, payload: bytes(64, 3) },
    ]);
    expect(drain(c)).toEqual([]);
  });

  test('poll hands over at most max frames and keeps the rest', () => {
    const region = createRingRegion(1024);
    const p = new RingProducer(region);
    const c = new RingConsumer(region);
    for (let s = 0; s < 5; s++) write(p, s, bytes(3, s));
    p.publish();
    expect(drain(c, 2).map((g) => g.seq)).toEqual([0, 1]);
    expect(drain(c).map((g) => g.seq)).toEqual([2, 3, 4]);
  });

  test('a full ring refuses a frame and counts it; released space is reused', () => {
    const region = createRingRegion(256);
    const p = new RingProducer(region);
    const c = new RingConsumer(region);
    // Each 40-byte payload takes 24 + 40 = 64 bytes: four fill the ring.
    for (let s = 0; s < 4; s++) expect(write(p, s, bytes(40, s))).toBe(true);
    expect(write(p, 4, bytes(40, 4))).toBe(false);
    expect(write(p, 4, bytes(0, 4))).toBe(false);
    p.publish();
    expect(ringStats(region)).toMatchObject({ used: 256, framesWritten: 4, bytesWritten: 256, fullEvents: 2 });
    expect(drain(c, 1).map((g) => g.seq)).toEqual([0]);
    expect(write(p, 4, bytes(40, 4))).toBe(true);
    p.publish();
    expect(drain(c).map((g) => g.seq)).toEqual([1, 2, 3, 4]);
    expect(ringStats(region)).toMatchObject({ used: 0, framesWritten: 5, bytesWritten: 320, framesRead: 5, bytesRead: 320, fullEvents: 2 });
  });

  test('wrap-around at every reachable position: exact fits and skips', () => {
    // After any frame the write index is 0 or at least one header (24) in, so the reachable
    // positions are 0, 24, 32, ..., 248.
    const capacity = 256;
    const positions = [0, ...Array.from({ length: (capacity - 24) / 8 }, (_, k) => 24 + 8 * k)];
    let wraps = 0;
    for (const idx of positions) {
      const region = createRingRegion(capacity);
      const p = new RingProducer(region);
      const c = new RingConsumer(region);
      if (idx > 0) {
        expect(write(p, 0, bytes(idx - 24, 0))).toBe(true);
        p.publish();
        expect(drain(c).length).toBe(1);
      }
      // A 48-byte payload takes a 72-byte slot: it skips to the start when fewer than 72 bytes remain.
      expect(write(p, 1, bytes(48, 1))).toBe(true);
      expect(write(p, 2, bytes(8, 2))).toBe(true);
      p.publish();
      expect(drain(c), `write index ${idx}`).toEqual([
        { seq: 1, type: 4, partition: 1, ingress: 1_000_001, payload: bytes(48, 1) },
        { seq: 2, type: 4, partition: 2, ingress: 1_000_002, payload: bytes(8, 2) },
      ]);
      if (capacity - idx < 72 && idx > 0) wraps++;
      expect(ringStats(region)).toMatchObject({ used: 0, bytesWritten: idx + 72 + 32, framesWritten: idx > 0 ? 3 : 2 });
    }
    expect(wraps).toBe(8); // positions 192..248
  });

  test('slots are the 24-byte header plus the payload padded to 8', () => {
    expect([frameSlot(0), frameSlot(1), frameSlot(8), frameSlot(9), frameSlot(64)]).toEqual([24, 32, 32, 40, 88]);
  });

  test('a frame larger than the ring, and a bad capacity, are refused with the reason', () => {
    const p = new RingProducer(createRingRegion(64));
    expect(() => p.claim(100)).toThrow('frame of 100 bytes cannot fit a 64-byte ring');
    expect(() => createRingRegion(1000)).toThrow('ring capacity must be a power of two between 64 and 2^30 bytes, got 1000');
  });
});
