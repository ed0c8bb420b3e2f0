// A flatbuffers ByteBuffer for reading frames in TypeScript hot paths. flatc's accessors stay the
// same; only the primitives underneath change:
// - 64-bit fields come from DataView.getBigInt64 (the stock runtime builds each from four BigInt ops),
//   and vtable lookups and offsets from single DataView loads instead of byte-by-byte assembly;
// - short strings (symbols, accounts, strategy ids: a small set that repeats in every message) come
//   from an intern table keyed by their bytes, so the common case decodes nothing and allocates
//   nothing; a TextDecoder call costs more than these strings are long.
//
// Thread-safety: the intern table is per module instance, so per thread; nothing is shared.
import * as flatbuffers from 'flatbuffers';

/** Strings up to this many bytes are interned. */
const SHORT_STRING = 48;
const SLOTS = 4096; // power of two
const internBytes: (Uint8Array | undefined)[] = new Array(SLOTS);
const internStrings: string[] = new Array(SLOTS);
const decoder = new TextDecoder();

export class WireBuffer extends flatbuffers.ByteBuffer {
  private readonly u8: Uint8Array;
  private readonly dv: DataView;

  constructor(bytes: Uint8Array) {
    super(bytes);
    this.u8 = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  override readInt32(offset: number): number {
    return this.dv.getInt32(offset, true);
  }

  override __offset(bbPos: number, vtableOffset: number): number {
    const dv = this.dv;
    const vtable = bbPos - dv.getInt32(bbPos, true);
    return vtableOffset < dv.getInt16(vtable, true) ? dv.getInt16(vtable + vtableOffset, true) : 0;
  }

  override readInt64(offset: number): bigint {
    return this.dv.getBigInt64(offset, true);
  }

  override readUint64(offset: number): bigint {
    return this.dv.getBigUint64(offset, true);
  }

  override __string(offset: number, encoding?: flatbuffers.Encoding): string | Uint8Array {
    if (encoding === flatbuffers.Encoding.UTF8_BYTES) return super.__string(offset, encoding);
    const at = offset + this.readInt32(offset);
    const len = this.readInt32(at);
    if (len > SHORT_STRING) return super.__string(offset, encoding);
    return internedString(this.u8, at + 4, len);
  }
}

/** The string of u8[start, start+len) (UTF-8), from the intern table when it is there. */
export function internedString(u8: Uint8Array, start: number, len: number): string {
  // Hash the length and the first and last four bytes (ids differ at one end or the other); the
  // byte-for-byte comparison below makes a collision cost a decode, never a wrong string.
  let h = Math.imul(len, 0x9e3779b1);
  if (len >= 4) {
    const a = u8[start]! | (u8[start + 1]! << 8) | (u8[start + 2]! << 16) | (u8[start + 3]! << 24);
    const e = start + len - 4;
    const b = u8[e]! | (u8[e + 1]! << 8) | (u8[e + 2]! << 16) | (u8[e + 3]! << 24);
    h = Math.imul(h ^ a, 0x85ebca6b) ^ Math.imul(b, 0xc2b2ae35);
  } else {
    for (let i = 0; i < len; i++) h = Math.imul(h ^ u8[start + i]!, 0x01000193);
  }
  h ^= h >>> 15;
  // Two places per hash (slot and its neighbour): two strings that collide, both in use (two
  // accounts of a busy book), take one each instead of evicting each other on every message.
  const slot = h & (SLOTS - 2);
  if (sameBytes(internBytes[slot], u8, start, len)) return internStrings[slot]!;
  if (sameBytes(internBytes[slot + 1], u8, start, len)) return internStrings[slot + 1]!;
  const bytes = u8.slice(start, start + len);
  const s = decoder.decode(bytes);
  // The newcomer takes the first place and the string there moves to the second (the older one there goes).
  internBytes[slot + 1] = internBytes[slot];
  internStrings[slot + 1] = internStrings[slot]!;
  internBytes[slot] = bytes;
  internStrings[slot] = s;
  return s;
}

function sameBytes(known: Uint8Array | undefined, u8: Uint8Array, start: number, len: number): boolean {
  if (known === undefined || known.length !== len) return false;
  let i = 0;
  while (i < len && known[i] === u8[start + i]) i++;
  return i === len;
}
