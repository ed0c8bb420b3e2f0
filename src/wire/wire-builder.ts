// A flatbuffers Builder for writing frames on hot paths (simulator, exec reports, alerts). It writes
// the same bytes as the stock Builder (test/wire-buffers.test.ts); only two primitives change:
// - 64-bit fields go through DataView.setBigInt64 (the stock runtime splits each with BigInt ops);
// - short strings (symbols, accounts, ids repeat in every message) are UTF-8 encoded once and cached.
//
// Thread-safety: one builder per thread, like the stock Builder.
import * as flatbuffers from 'flatbuffers';

const SHORT_STRING = 48;
const CACHE_LIMIT = 4096;

/** The stock Builder's internals this class writes through (private in its type declarations). */
interface BuilderInternals {
  bb: flatbuffers.ByteBuffer;
  space: number;
}

const utf8 = new Map<string, Uint8Array>();
const encoder = new TextEncoder();

/** The UTF-8 bytes of `s`; short strings are encoded once per thread. Do not modify the result. */
export function utf8Cached(s: string): Uint8Array {
  if (s.length > SHORT_STRING) return encoder.encode(s);
  let bytes = utf8.get(s);
  if (bytes === undefined) {
    if (utf8.size >= CACHE_LIMIT) utf8.clear();
    bytes = encoder.encode(s);
    utf8.set(s, bytes);
  }
  return bytes;
}

export class WireBuilder extends flatbuffers.Builder {
  private dvBytes: Uint8Array | null = null;
  private dv: DataView = new DataView(new ArrayBuffer(0));

  override writeInt64(value: bigint): void {
    const self = this as unknown as BuilderInternals;
    const bytes = self.bb.bytes();
    if (bytes !== this.dvBytes) {
      // The builder grows by replacing its buffer; follow it.
      this.dvBytes = bytes;
      this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    self.space -= 8;
    this.dv.setBigInt64(self.space, value, true);
  }

  override createString(s: string | Uint8Array | null | undefined): flatbuffers.Offset {
    if (typeof s !== 'string' || s.length > SHORT_STRING) return super.createString(s);
    return super.createString(utf8Cached(s));
  }
}
