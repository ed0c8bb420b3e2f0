// The FlatBuffers verifier for tickwave frames. The JS FlatBuffers runtime reads whatever offsets a
// buffer holds, so untrusted bytes pass through here before anything reads them. It walks the layout
// tables generated from the schema; assembly/wire.ts walks the same tables with the same checks, and
// the two must agree on every verdict, reason and byte offset (test/wire-fuzz.test.ts).
//
// Thread-safety: a Verifier keeps its last error in fields; use one per thread (they are cheap).
import {
  ENUM_MAX,
  ENUM_NAMES,
  FIELD_NAMES,
  FIELDS,
  FILE_IDENTIFIER,
  MESSAGE_TYPE_NAMES,
  ROOT_TABLE,
  TABLE_FIELDS,
  TABLE_NAMES,
  UNION_MEMBERS,
  UNION_START,
} from './layout.generated.js';

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

const REASON_TEXT: Record<VerifyError, string> = {
  [VerifyError.TOO_SHORT]: 'frame too short to hold a root offset and file identifier',
  [VerifyError.OVERSIZED]: 'frame larger than the configured maximum',
  [VerifyError.BAD_IDENTIFIER]: `file identifier is not "${FILE_IDENTIFIER}"`,
  [VerifyError.MISALIGNED]: 'misaligned offset',
  [VerifyError.OUT_OF_BOUNDS]: 'offset points outside the frame',
  [VerifyError.BAD_VTABLE]: 'malformed vtable',
  [VerifyError.STRING_NOT_TERMINATED]: 'string is not zero-terminated',
  [VerifyError.BAD_UTF8]: 'string is not valid UTF-8',
  [VerifyError.REQUIRED_FIELD_MISSING]: 'required field missing',
  [VerifyError.ENUM_OUT_OF_RANGE]: 'enum value out of range',
  [VerifyError.UNSPECIFIED_ENUM]: 'enum value UNSPECIFIED where a value is required',
  [VerifyError.UNKNOWN_MESSAGE_TYPE]: 'unknown message type',
  [VerifyError.UNION_MISMATCH]: 'union type and value disagree',
  [VerifyError.TOO_DEEP]: 'tables nested too deeply',
  [VerifyError.TOO_MANY_TABLES]: 'too many tables',
};

// Field record layout, see scripts/fbs-schema.mjs.
const STRIDE = 7;
const K_SCALAR = 1, K_ENUM = 2, K_BOOL = 3, K_STRING = 4, K_TABLE = 5, K_STRUCT = 6, K_VEC_SCALAR = 7,
  K_VEC_STRING = 8, K_VEC_TABLE = 9, K_VEC_STRUCT = 10, K_UNION_TYPE = 11, K_UNION_VALUE = 12, K_VEC_ENUM = 13;
const F_REQUIRED = 1, F_SPECIFIED = 2;

export const MAX_DEPTH = 64;
export const MAX_TABLES = 100_000;
/** Default largest frame accepted: 1 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 1 << 20;

/** A rejection: the check that failed, where, and in which field. */
export interface Rejection {
  ok: false;
  code: VerifyError;
  /** Byte offset, from the start of the frame, of the value that failed the check. */
  offset: number;
  /** `Table.field` the check was about, when there is one. */
  field: string | null;
  /** One line naming the reason and the offset, for logs and dead letters. */
  reason: string;
}
export interface Acceptance {
  ok: true;
  /** The Body union tag (message type). */
  type: number;
  typeName: string;
}
export type Verdict = Acceptance | Rejection;

export class Verifier {
  /** Code, byte offset and field index of the last rejection. */
  errorCode = 0;
  errorOffset = -1;
  errorField = -1;
  private view: DataView = new DataView(new ArrayBuffer(0));
  /** Byte view of view.buffer, kept while frames keep coming from the same buffer (a ring, a batch). */
  private u8: Uint8Array = new Uint8Array(0);
  /** Frame start within view (for DataView reads) and within view.buffer (for byte reads). */
  private base = 0;
  private abs = 0;
  private end = 0;
  private tables = 0;

  constructor(readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  /** Verifies a whole frame; returns a value object (allocates: for the edges, not the hot path). */
  verify(bytes: Uint8Array): Verdict {
    const type = this.verifyBytes(bytes);
    if (type > 0) return { ok: true, type, typeName: MESSAGE_TYPE_NAMES[type]! };
    return this.rejection();
  }

  verifyBytes(bytes: Uint8Array): number {
    return this.verifyAt(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, bytes.byteLength);
  }

  /**
   * Verifies the frame at view[start, start+length). Returns the message type (> 0) or the negated
   * VerifyError; details of a rejection are in errorCode/errorOffset/errorField. Allocates nothing.
   */
  verifyAt(view: DataView, start: number, length: number): number {
    this.view = view;
    if (this.u8.buffer !== view.buffer) this.u8 = new Uint8Array(view.buffer);
    this.base = start;
    this.abs = view.byteOffset + start;
    this.end = length;
    this.tables = 0;
    this.errorCode = 0;
    this.errorOffset = -1;
    this.errorField = -1;
    if (length > this.maxFrameBytes) return this.fail(VerifyError.OVERSIZED, 0, -1);
    if (length < 8) return this.fail(VerifyError.TOO_SHORT, 0, -1);
    const u8 = this.u8;
    const abs = this.abs;
    if (u8[abs + 4] !== 0x54 || u8[abs + 5] !== 0x57 || u8[abs + 6] !== 0x56 || u8[abs + 7] !== 0x31) {
      // not "TWV1"
      return this.fail(VerifyError.BAD_IDENTIFIER, 4, -1);
    }
    const root = this.offsetTarget(0, -1);
    if (root < 0) return root;
    const r = this.table(root, ROOT_TABLE, 0);
    if (r < 0) return r;
    // The root is an Envelope whose required body union was checked above: return its tag.
    const vt = root - view.getInt32(start + root, true);
    const fo = view.getUint16(start + vt + 4, true);
    return u8[abs + root + fo]!;
  }

  /** The last rejection as a value. */
  rejection(): Rejection {
    const code = this.errorCode as VerifyError;
    const field = this.errorField >= 0 ? FIELD_NAMES[this.errorField]! : null;
    return { ok: false, code, offset: this.errorOffset, field, reason: describeRejection(code, this.errorOffset, field) };
  }

  private fail(code: VerifyError, offset: number, field: number): number {
    this.errorCode = code;
    this.errorOffset = offset;
    this.errorField = field;
    return -code;
  }

  /** Follows the uoffset stored at `at`; returns the target or a negated error. */
  private offsetTarget(at: number, field: number): number {
    if ((at & 3) !== 0) return this.fail(VerifyError.MISALIGNED, at, field);
    if (at + 4 > this.end) return this.fail(VerifyError.OUT_OF_BOUNDS, at, field);
    const target = at + this.view.getUint32(this.base + at, true);
    if (target + 4 > this.end) return this.fail(VerifyError.OUT_OF_BOUNDS, at, field);
    return target;
  }

  private table(pos: number, tableId: number, depth: number): number {
    if (depth >= MAX_DEPTH) return this.fail(VerifyError.TOO_DEEP, pos, -1);
    if (++this.tables > MAX_TABLES) return this.fail(VerifyError.TOO_MANY_TABLES, pos, -1);
    if ((pos & 3) !== 0) return this.fail(VerifyError.MISALIGNED, pos, -1);
    const view = this.view;
    const base = this.base;
    const vt = pos - view.getInt32(base + pos, true);
    if (vt < 0 || vt + 4 > this.end) return this.fail(VerifyError.BAD_VTABLE, pos, -1);
    if ((vt & 1) !== 0) return this.fail(VerifyError.MISALIGNED, pos, -1);
    const vsize = view.getUint16(base + vt, true);
    const tsize = view.getUint16(base + vt + 2, true);
    // Sizes above 0x7fff are refused: the JS runtime reads vtable entries as signed 16-bit.
    if (vsize < 4 || vsize > 0x7fff || (vsize & 1) !== 0 || vt + vsize > this.end) return this.fail(VerifyError.BAD_VTABLE, vt, -1);
    if (tsize < 4 || tsize > 0x7fff || pos + tsize > this.end) return this.fail(VerifyError.BAD_VTABLE, vt + 2, -1);
    const first = TABLE_FIELDS[2 * tableId]!;
    const count = TABLE_FIELDS[2 * tableId + 1]!;
    for (let k = 0; k < count; k++) {
      const rec = (first + k) * STRIDE;
      const voff = FIELDS[rec]!;
      const kind = FIELDS[rec + 1]!;
      const size = FIELDS[rec + 2]!;
      const ref = FIELDS[rec + 3]!;
      const flags = FIELDS[rec + 4]!;
      const name = FIELDS[rec + 5]!;
      const fo = voff < vsize ? view.getUint16(base + vt + voff, true) : 0;
      if (kind === K_UNION_TYPE) {
        // Checked together with the value field that follows it.
        if (fo !== 0 && fo + 1 > tsize) return this.fail(VerifyError.OUT_OF_BOUNDS, vt + voff, name);
        continue;
      }
      if (kind === K_UNION_VALUE) {
        const r = this.union(pos, vt, vsize, voff, fo, tsize, ref, flags, name, depth);
        if (r < 0) return r;
        continue;
      }
      if (fo === 0) {
        if ((flags & F_REQUIRED) !== 0) return this.fail(VerifyError.REQUIRED_FIELD_MISSING, pos, name);
        if ((flags & F_SPECIFIED) !== 0 && FIELDS[rec + 6] === 0) return this.fail(VerifyError.UNSPECIFIED_ENUM, pos, name);
        continue;
      }
      const at = pos + fo;
      const inline = kind === K_SCALAR || kind === K_ENUM || kind === K_BOOL || kind === K_STRUCT ? size : 4;
      if (fo + inline > tsize) return this.fail(VerifyError.OUT_OF_BOUNDS, vt + voff, name);
      const align = kind === K_STRUCT ? ref : inline;
      if ((at & (align - 1)) !== 0) return this.fail(VerifyError.MISALIGNED, at, name);
      let r = 0;
      switch (kind) {
        case K_SCALAR:
        case K_BOOL:
        case K_STRUCT:
          break;
        case K_ENUM:
          r = this.enumValue(at, size, ref, flags, name);
          break;
        case K_STRING:
          r = this.offsetTarget(at, name);
          if (r >= 0) r = this.string(r, name);
          break;
        case K_TABLE:
          r = this.offsetTarget(at, name);
          if (r >= 0) r = this.table(r, ref, depth + 1);
          break;
        default:
          r = this.offsetTarget(at, name);
          if (r >= 0) r = this.vector(r, kind, size, ref, flags, name, depth);
      }
      if (r < 0) return r;
    }
    return 0;
  }

  private union(pos: number, vt: number, vsize: number, voff: number, fo: number, tsize: number, unionId: number,
    flags: number, name: number, depth: number): number {
    const view = this.view;
    const typeVoff = voff - 2;
    const typeFo = typeVoff < vsize ? view.getUint16(this.base + vt + typeVoff, true) : 0;
    const tag = typeFo === 0 ? 0 : this.u8[this.abs + pos + typeFo]!;
    const members = UNION_START[unionId + 1]! - UNION_START[unionId]!;
    if (tag >= members) return this.fail(VerifyError.UNKNOWN_MESSAGE_TYPE, pos + typeFo, name - 1);
    if (tag === 0) {
      if (fo !== 0) return this.fail(VerifyError.UNION_MISMATCH, vt + voff, name);
      if ((flags & F_REQUIRED) !== 0) return this.fail(VerifyError.REQUIRED_FIELD_MISSING, pos, name);
      return 0;
    }
    if (fo === 0) return this.fail(VerifyError.UNION_MISMATCH, vt + typeVoff, name);
    if (fo + 4 > tsize) return this.fail(VerifyError.OUT_OF_BOUNDS, vt + voff, name);
    const target = this.offsetTarget(pos + fo, name);
    if (target < 0) return target;
    return this.table(target, UNION_MEMBERS[UNION_START[unionId]! + tag]!, depth + 1);
  }

  private enumValue(at: number, size: number, enumId: number, flags: number, name: number): number {
    const v = size === 1 ? this.u8[this.abs + at]! : size === 2 ? this.view.getUint16(this.base + at, true) : this.view.getUint32(this.base + at, true);
    if (v > ENUM_MAX[enumId]!) return this.fail(VerifyError.ENUM_OUT_OF_RANGE, at, name);
    if (v === 0 && (flags & F_SPECIFIED) !== 0) return this.fail(VerifyError.UNSPECIFIED_ENUM, at, name);
    return 0;
  }

  private string(pos: number, name: number): number {
    const len = this.view.getUint32(this.base + pos, true);
    const start = pos + 4;
    if (len > this.end - start - 1) return this.fail(VerifyError.OUT_OF_BOUNDS, pos, name);
    if (this.u8[this.abs + start + len] !== 0) return this.fail(VerifyError.STRING_NOT_TERMINATED, start + len, name);
    const bad = utf8Error(this.u8, this.abs + start, len);
    if (bad >= 0) return this.fail(VerifyError.BAD_UTF8, start + bad, name);
    return 0;
  }

  private vector(pos: number, kind: number, size: number, ref: number, flags: number, name: number, depth: number): number {
    const view = this.view;
    const len = view.getUint32(this.base + pos, true);
    const elem = kind === K_VEC_SCALAR || kind === K_VEC_ENUM || kind === K_VEC_STRUCT ? size : 4;
    const start = pos + 4;
    if (len > (this.end - start) / elem) return this.fail(VerifyError.OUT_OF_BOUNDS, pos, name);
    const align = kind === K_VEC_STRUCT ? ref : elem;
    if ((start & (align - 1)) !== 0) return this.fail(VerifyError.MISALIGNED, start, name);
    for (let i = 0; i < len; i++) {
      const at = start + i * elem;
      let r = 0;
      if (kind === K_VEC_ENUM) r = this.enumValue(at, size, ref, flags, name);
      else if (kind === K_VEC_STRING) {
        r = this.offsetTarget(at, name);
        if (r >= 0) r = this.string(r, name);
      } else if (kind === K_VEC_TABLE) {
        r = this.offsetTarget(at, name);
        if (r >= 0) r = this.table(r, ref, depth + 1);
      } else break; // scalars and structs: the bounds check above covers them
      if (r < 0) return r;
    }
    return 0;
  }
}

/** Index of the first byte that breaks UTF-8 well-formedness (RFC 3629), or -1. */
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

export function describeRejection(code: VerifyError, offset: number, field: string | null): string {
  const text = REASON_TEXT[code] ?? `unknown verifier error ${code}`;
  return `${text}${field ? ` (${field})` : ''} at byte ${offset}`;
}

export { TABLE_NAMES, ENUM_NAMES };
