// The state and shared checks of the TypeScript verifier: bounds of offsets, table headers (vtables),
// strings and vector headers. The per-table checks are generated (verify.generated.ts) and call these.
// Every check has its twin in assembly/wire.ts, with the same reason and byte offset.
//
// Thread-safety: a verifier keeps its state in fields; one per thread.

/** Why a frame was rejected. The numbers are shared with the AssemblyScript reader. */
export enum VerifyError {
  TOO_SHORT = 1,
  OVERSIZED = 2,
  BAD_IDENTIFIER = 3,
  MISALIGNED = 4,
  OUT_OF_BOUNDS = 5,
  BAD_VTABLE = 6,
  STRING_NOT_TERMINATED = 7,
  BAD_UTF8 = 8,
  REQUIRED_FIELD_MISSING = 9,
  ENUM_OUT_OF_RANGE = 10,
  UNSPECIFIED_ENUM = 11,
  UNKNOWN_MESSAGE_TYPE = 12,
  UNION_MISMATCH = 13,
  TOO_DEEP = 14,
  TOO_MANY_TABLES = 15,
}

export const MAX_DEPTH = 64;
export const MAX_TABLES = 100_000;

export class VerifierCore {
  /** Code, byte offset and field index (into FIELD_NAMES) of the last rejection. */
  errorCode = 0;
  errorOffset = -1;
  errorField = -1;
  dv: DataView = new DataView(new ArrayBuffer(0));
  /** Byte view of dv.buffer, kept while frames keep coming from the same buffer (a ring, a batch). */
  u8: Uint8Array = new Uint8Array(0);
  /** Frame start within dv (for DataView reads) and within dv.buffer (for byte reads). */
  base = 0;
  abs = 0;
  /** Frame length. */
  end = 0;
  tables = 0;
  /** vtable and inline sizes of the table tableHeader() last checked. */
  vsize = 0;
  tsize = 0;

  protected reset(view: DataView, start: number, length: number): void {
    this.dv = view;
    if (this.u8.buffer !== view.buffer) this.u8 = new Uint8Array(view.buffer);
    this.base = start;
    this.abs = view.byteOffset + start;
    this.end = length;
    this.tables = 0;
    this.errorCode = 0;
    this.errorOffset = -1;
    this.errorField = -1;
  }

  fail(code: VerifyError, offset: number, field: number): number {
    this.errorCode = code;
    this.errorOffset = offset;
    this.errorField = field;
    return -code;
  }

  /** Follows the uoffset stored at `at`; returns the target or a negated error. */
  offsetTarget(at: number, field: number): number {
    if ((at & 3) !== 0) return this.fail(VerifyError.MISALIGNED, at, field);
    if (at + 4 > this.end) return this.fail(VerifyError.OUT_OF_BOUNDS, at, field);
    const target = at + this.dv.getUint32(this.base + at, true);
    if (target + 4 > this.end) return this.fail(VerifyError.OUT_OF_BOUNDS, at, field);
    return target;
  }

  /** Checks a table's position and vtable; returns the vtable's offset (sizes in vsize, tsize) or a negated error. */
  tableHeader(pos: number, depth: number): number {
    if (depth >= MAX_DEPTH) return this.fail(VerifyError.TOO_DEEP, pos, -1);
    if (++this.tables > MAX_TABLES) return this.fail(VerifyError.TOO_MANY_TABLES, pos, -1);
    if ((pos & 3) !== 0) return this.fail(VerifyError.MISALIGNED, pos, -1);
    const dv = this.dv;
    const vt = pos - dv.getInt32(this.base + pos, true);
    if (vt < 0 || vt + 4 > this.end) return this.fail(VerifyError.BAD_VTABLE, pos, -1);
    if ((vt & 1) !== 0) return this.fail(VerifyError.MISALIGNED, pos, -1);
    const vsize = dv.getUint16(this.base + vt, true);
    const tsize = dv.getUint16(this.base + vt + 2, true);
    // Sizes above 0x7fff are refused: the JS runtime reads vtable entries as signed 16-bit.
    if (vsize < 4 || vsize > 0x7fff || (vsize & 1) !== 0 || vt + vsize > this.end) return this.fail(VerifyError.BAD_VTABLE, vt, -1);
    if (tsize < 4 || tsize > 0x7fff || pos + tsize > this.end) return this.fail(VerifyError.BAD_VTABLE, vt + 2, -1);
    this.vsize = vsize;
    this.tsize = tsize;
    return vt;
  }

  string(pos: number, field: number): number {
    const len = this.dv.getUint32(this.base + pos, true);
    const start = pos + 4;
    if (len > this.end - start - 1) return this.fail(VerifyError.OUT_OF_BOUNDS, pos, field);
    if (this.u8[this.abs + start + len] !== 0) return this.fail(VerifyError.STRING_NOT_TERMINATED, start + len, field);
    const bad = utf8Error(this.u8, this.abs + start, len);
    if (bad >= 0) return this.fail(VerifyError.BAD_UTF8, start + bad, field);
    return 0;
  }

  /** Checks a vector's length and alignment; returns its length or a negated error. */
  vectorHeader(pos: number, elem: number, align: number, field: number): number {
    const len = this.dv.getUint32(this.base + pos, true);
    const start = pos + 4;
    if (len > (this.end - start) / elem) return this.fail(VerifyError.OUT_OF_BOUNDS, pos, field);
    if ((start & (align - 1)) !== 0) return this.fail(VerifyError.MISALIGNED, start, field);
    return len;
  }
}

/** Index of the first byte of u8[at, at+len) that breaks UTF-8 well-formedness (RFC 3629), or -1. */
export function utf8Error(u8: Uint8Array, at: number, len: number): number {
  let i = 0;
  while (i < len) {
    const b = u8[at + i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (b >= 0xc2 && b <= 0xdf) { need = 1; min = 0x80; cp = b & 0x1f; }
    else if (b >= 0xe0 && b <= 0xef) { need = 2; min = 0x800; cp = b & 0x0f; }
    else if (b >= 0xf0 && b <= 0xf4) { need = 3; min = 0x10000; cp = b & 0x07; }
    else return i;
    if (i + need >= len) return i;
    for (let k = 1; k <= need; k++) {
      const c = u8[at + i + k]!;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}
