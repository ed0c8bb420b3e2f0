// Several frames in one Kafka value. A Kafka client pays per message, not per byte: node-rdkafka hands
// a consumer about 100,000 messages a second on this class of machine whatever they hold, so one tick
// per message caps a consumer there. A batch value carries many Envelopes of one partition:
//
//   value := record+      record := length (uint32, little-endian) · Envelope (length bytes) · zeros to a multiple of 4
//
// which is FlatBuffers' size-prefixed form, back to back. A single Envelope has the file identifier at
// bytes 4..8; a batch has the first record's root offset there (never "TWV1": that offset would be
// 800 MB), so a value tells its own kind and both kinds can share a topic. Every frame of a batch goes
// to the Kafka partition its own key picks (murmur2, as Kafka's default partitioner), so a key's
// frames stay in one partition, in order, however they are batched.
//
// Thread-safety: a FrameBatcher belongs to one thread (it produces through one KafkaSink).
import { partitionOf } from '../runtime/partitioner.js';
import { FILE_IDENTIFIER } from '../wire/layout.generated.js';

const IDENTIFIER = Array.from(FILE_IDENTIFIER, (c) => c.charCodeAt(0));

/** Whether `value` is a batch of records rather than one Envelope. */
export function isFrameBatch(value: Uint8Array): boolean {
  if (value.length < 12) return false;
  let single = true;
  let batch = true;
  for (let i = 0; i < 4; i++) {
    if (value[4 + i] !== IDENTIFIER[i]) single = false;
    if (value[8 + i] !== IDENTIFIER[i]) batch = false;
  }
  return !single && batch;
}

/**
 * Walks the records of a batch value from byte `at`: returns the next record's Envelope start, and
 * writes its length to out[0]; -1 at the end; -2 when the record's length runs past the value (the
 * rest of the value is unreadable: out[0] then holds the bytes left).
 */
export function nextRecord(value: Uint8Array, at: number, out: Int32Array): number {
  if (at >= value.length) return -1;
  if (at + 4 > value.length) {
    out[0] = value.length - at;
    return -2;
  }
  const length = value[at]! | (value[at + 1]! << 8) | (value[at + 2]! << 16) | (value[at + 3]! * 2 ** 24);
  if (length > value.length - at - 4) {
    out[0] = value.length - at;
    return -2;
  }
  out[0] = length;
  return at + 4;
}

/** Where the record after one at `envelopeAt` of `length` bytes begins. */
export const recordEnd = (envelopeAt: number, length: number): number => (envelopeAt + length + 3) & ~3;

/** Frames laid out as one batch value. */
export function encodeFrameBatch(frames: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const f of frames) size += 4 + ((f.length + 3) & ~3);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const f of frames) {
    view.setUint32(at, f.length, true);
    out.set(f, at + 4);
    at = recordEnd(at + 4, f.length);
  }
  return out;
}

/** Where a FrameBatcher sends a full value: its topic, partition and bytes. */
export type ValueSender = (topic: string, partition: number, value: Uint8Array) => void;

/**
 * Groups frames by topic and partition into batch values of up to `framesPerValue` frames. add()
 * sends a value as soon as it is full; flush() sends what is pending (call it on a timer: it is the
 * longest a frame waits).
 */
export class FrameBatcher {
  private readonly pending = new Map<string, { topic: string; partition: number; frames: Uint8Array[] }>();

  /** `partitions(topic)`: the topic's partition count (the frame's key picks one of them). */
  constructor(
    private readonly framesPerValue: number,
    private readonly partitions: (topic: string) => number,
    private readonly send: ValueSender,
  ) {
    if (!Number.isInteger(framesPerValue) || framesPerValue < 1) throw new RangeError(`frames per value must be an integer of at least 1, got ${framesPerValue}`);
  }

  /** Adds a frame (copied) bound for `topic`. */
  add(topic: string, frame: Uint8Array): void {
    const partition = partitionOf(new DataView(frame.buffer, frame.byteOffset, frame.byteLength), frame, 0, this.partitions(topic));
    const key = `${topic}\u0000${partition}`;
    let group = this.pending.get(key);
    if (!group) this.pending.set(key, (group = { topic, partition, frames: [] }));
    group.frames.push(frame.slice());
    if (group.frames.length >= this.framesPerValue) this.sendGroup(group);
  }

  /** Sends every partly filled value. */
  flush(): void {
    for (const group of this.pending.values()) if (group.frames.length > 0) this.sendGroup(group);
  }

  private sendGroup(group: { topic: string; partition: number; frames: Uint8Array[] }): void {
    const value = this.framesPerValue === 1 ? group.frames[0]! : encodeFrameBatch(group.frames);
    group.frames = [];
    this.send(group.topic, group.partition, value);
  }
}
