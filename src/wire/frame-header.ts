// The fixed 24-byte header in front of every frame on a ring (struct FrameHeader in the schema):
// length, message type, flags, partition, sequence, ingress time. Read and written in place with a
// DataView so the ring never builds an object per frame.
import {
  FRAME_HEADER_FLAGS,
  FRAME_HEADER_INGRESS_NS,
  FRAME_HEADER_LENGTH,
  FRAME_HEADER_MSG_TYPE,
  FRAME_HEADER_PARTITION,
  FRAME_HEADER_SEQUENCE,
  FRAME_HEADER_SIZE,
} from './layout.generated.js';

export { FRAME_HEADER_SIZE };

/** Message types from this value up are control frames (checkpoint barriers, stop), not messages. */
export const CONTROL_TYPE_BASE = 240;

export function writeFrameHeader(
  view: DataView,
  at: number,
  length: number,
  msgType: number,
  partition: number,
  sequence: bigint,
  ingressNs: bigint,
  flags = 0,
): void {
  view.setUint32(at + FRAME_HEADER_LENGTH, length, true);
  view.setUint8(at + FRAME_HEADER_MSG_TYPE, msgType);
  view.setUint8(at + FRAME_HEADER_FLAGS, flags);
  view.setUint16(at + FRAME_HEADER_PARTITION, partition, true);
  view.setBigUint64(at + FRAME_HEADER_SEQUENCE, sequence, true);
  view.setBigInt64(at + FRAME_HEADER_INGRESS_NS, ingressNs, true);
}

export const frameLength = (view: DataView, at: number): number => view.getUint32(at + FRAME_HEADER_LENGTH, true);
export const frameType = (view: DataView, at: number): number => view.getUint8(at + FRAME_HEADER_MSG_TYPE);
export const frameFlags = (view: DataView, at: number): number => view.getUint8(at + FRAME_HEADER_FLAGS);
export const framePartition = (view: DataView, at: number): number => view.getUint16(at + FRAME_HEADER_PARTITION, true);
export const frameSequence = (view: DataView, at: number): bigint => view.getBigUint64(at + FRAME_HEADER_SEQUENCE, true);
export const frameIngressNs = (view: DataView, at: number): bigint => view.getBigInt64(at + FRAME_HEADER_INGRESS_NS, true);

/** Bytes a frame of `length` Envelope bytes takes on a ring: header plus payload padded to 8. */
export const frameSpan = (length: number): number => FRAME_HEADER_SIZE + ((length + 7) & ~7);

// Number variants for hot paths: sequence and ingress time as doubles (exact below 2^53, which a
// per-ring sequence and a monotonic-clock nanosecond count stay under), so nothing allocates a BigInt.
const TWO32 = 2 ** 32;

export function writeFrameHeaderFast(
  view: DataView,
  at: number,
  length: number,
  msgType: number,
  partition: number,
  sequence: number,
  ingressNs: number,
  flags = 0,
): void {
  view.setUint32(at + FRAME_HEADER_LENGTH, length, true);
  view.setUint8(at + FRAME_HEADER_MSG_TYPE, msgType);
  view.setUint8(at + FRAME_HEADER_FLAGS, flags);
  view.setUint16(at + FRAME_HEADER_PARTITION, partition, true);
  view.setUint32(at + FRAME_HEADER_SEQUENCE, sequence % TWO32, true);
  view.setUint32(at + FRAME_HEADER_SEQUENCE + 4, Math.floor(sequence / TWO32), true);
  view.setUint32(at + FRAME_HEADER_INGRESS_NS, ingressNs % TWO32, true);
  view.setUint32(at + FRAME_HEADER_INGRESS_NS + 4, Math.floor(ingressNs / TWO32), true);
}

export const frameSequenceNumber = (view: DataView, at: number): number =>
  view.getUint32(at + FRAME_HEADER_SEQUENCE, true) + view.getUint32(at + FRAME_HEADER_SEQUENCE + 4, true) * TWO32;
export const frameIngressNsNumber = (view: DataView, at: number): number =>
  view.getUint32(at + FRAME_HEADER_INGRESS_NS, true) + view.getInt32(at + FRAME_HEADER_INGRESS_NS + 4, true) * TWO32;
