// The ring frame header: tickwave's DataView writer lays out the same 24 bytes as flatc's builder for
// struct FrameHeader, and reads back what it wrote.
import * as flatbuffers from 'flatbuffers';
import { expect, test } from 'vitest';
import { FrameHeader } from '../src/wire/generated/index.js';
import {
  FRAME_HEADER_SIZE, frameFlags, frameIngressNs, frameLength, framePartition, frameSequence, frameSpan, frameType, writeFrameHeader,
} from '../src/wire/frame-header.js';

test('header layout equals flatc struct FrameHeader, byte for byte', () => {
  expect(FRAME_HEADER_SIZE).toBe(24);
  const builder = new flatbuffers.Builder(64);
  builder.finish(FrameHeader.createFrameHeader(builder, 136, 4, 1, 513, 0x0102030405060708n, -5n));
  const flatc = builder.asUint8Array();
  const fromFlatc = flatc.subarray(flatc.length - 24);
  const ours = new Uint8Array(24);
  writeFrameHeader(new DataView(ours.buffer), 0, 136, 4, 513, 0x0102030405060708n, -5n, 1);
  expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(fromFlatc).toString('hex'));
  // length 136 LE, type 4, flags 1, partition 513 LE, sequence LE, ingress -5 as two's complement.
  expect(Buffer.from(ours).toString('hex')).toBe('88000000' + '04' + '01' + '0102' + '0807060504030201' + 'fbffffffffffffff');
});

test('reads back every field at an offset inside a larger buffer', () => {
  const view = new DataView(new ArrayBuffer(128));
  writeFrameHeader(view, 40, 1_000, 17, 65_535, 2n ** 64n - 1n, 1_763_769_600_000_000_000n, 255);
  expect([frameLength(view, 40), frameType(view, 40), frameFlags(view, 40), framePartition(view, 40)]).toEqual([1_000, 17, 255, 65_535]);
  expect(frameSequence(view, 40)).toBe(2n ** 64n - 1n);
  expect(frameIngressNs(view, 40)).toBe(1_763_769_600_000_000_000n);
});

test('a frame spans the header plus its payload padded to 8 bytes', () => {
  expect([frameSpan(0), frameSpan(1), frameSpan(8), frameSpan(9), frameSpan(136)]).toEqual([24, 32, 32, 40, 160]);
});
