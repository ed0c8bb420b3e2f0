// A flatbuffers ByteBuffer for reading frames in TypeScript hot paths. flatc's accessors stay the
// same; only the primitives underneath change:
// - 64-bit fields come from DataView.getBigInt64 (the stock runtime builds each from four BigInt ops);
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
  let h = 0x811c9dc5 ^ len;
  for (let i = 0; i < len; i++) h = Math.imul(h ^ u8[start + i]!, 0x01000193);
  const slot = (h >>> 0) & (SLOTS - 1);
  const known = internBytes[slot];
  if (known !== undefined && known.length === len) {
    let same = true;
    for (let i = 0; i < len; i++) {
      if (known[i] !== u8[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return internStrings[slot]!;
  }
  const bytes = u8.slice(start, start + len);
  const s = decoder.decode(bytes);
  internBytes[slot] = bytes;
  internStrings[slot] = s;
  return s;
}
