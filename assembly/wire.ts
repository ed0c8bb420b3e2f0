// The in-place frame reader for the kernels: a verifier that mirrors src/wire/verifier.ts check for
// check (same reasons, same byte offsets), and small accessors that read fields where the frame
// lies in linear memory. Nothing here allocates; a frame is (ptr, len) in memory the host owns.
//
// Thread-safety: the error state below is per instance, and an instance belongs to one worker.
import {
  ENUM_MAX,
  FIELDS,
  FILE_IDENTIFIER,
  ROOT_TABLE,
  TABLE_FIELDS,
  UNION_MEMBERS,
  UNION_START,
  ENVELOPE_BODY,
} from './layout.generated';

// Rejection codes: the same numbers as VerifyError in src/wire/verifier.ts.
export const TOO_SHORT: i32 = 1;
export const OVERSIZED: i32 = 2;
export const BAD_IDENTIFIER: i32 = 3;
export const MISALIGNED: i32 = 4;
export const OUT_OF_BOUNDS: i32 = 5;
export const BAD_VTABLE: i32 = 6;
export const STRING_NOT_TERMINATED: i32 = 7;
export const BAD_UTF8: i32 = 8;
export const REQUIRED_FIELD_MISSING: i32 = 9;
export const ENUM_OUT_OF_RANGE: i32 = 10;
export const UNSPECIFIED_ENUM: i32 = 11;
export const UNKNOWN_MESSAGE_TYPE: i32 = 12;
export const UNION_MISMATCH: i32 = 13;
export const TOO_DEEP: i32 = 14;
export const TOO_MANY_TABLES: i32 = 15;

const STRIDE: i32 = 7;
const K_SCALAR: i32 = 1, K_ENUM: i32 = 2, K_BOOL: i32 = 3, K_STRING: i32 = 4, K_TABLE: i32 = 5, K_STRUCT: i32 = 6,
  K_VEC_SCALAR: i32 = 7, K_VEC_STRING: i32 = 8, K_VEC_TABLE: i32 = 9, K_VEC_STRUCT: i32 = 10,
  K_UNION_TYPE: i32 = 11, K_UNION_VALUE: i32 = 12, K_VEC_ENUM: i32 = 13;
const F_REQUIRED: i32 = 1, F_SPECIFIED: i32 = 2, F_SIGNED: i32 = 4;
const MAX_DEPTH: i32 = 64;
const MAX_TABLES: i32 = 100000;

let errCode: i32 = 0;
let errOffset: i64 = -1;
let errField: i32 = -1;
let base: usize = 0;
let end: i64 = 0;
let tables: i32 = 0;
let maxFrameBytes: i64 = 1 << 20;

export function setMaxFrameBytes(n: u32): void {
  maxFrameBytes = <i64>n;
}
export function lastErrorCode(): i32 {
  return errCode;
}
export function lastErrorOffset(): i32 {
  return <i32>errOffset;
}
export function lastErrorField(): i32 {
  return errField;
}

function fail(code: i32, offset: i64, field: i32): i32 {
  errCode = code;
  errOffset = offset;
  errField = field;
  return -code;
}

@inline function u8at(at: i64): u32 {
  return <u32>load<u8>(base + <usize>at);
}
@inline function u16at(at: i64): u32 {
  return <u32>load<u16>(base + <usize>at);
}
@inline function u32at(at: i64): u32 {
  return load<u32>(base + <usize>at);
}
@inline function i32at(at: i64): i32 {
  return load<i32>(base + <usize>at);
}

/**
 * Verifies the frame at [ptr, ptr+len). Returns its message type (the Body tag, > 0) or a negated
 * rejection code; lastErrorOffset() is then the byte offset of the failed check.
 */
export function verify(ptr: usize, len: u32): i32 {
  base = ptr;
  end = <i64>len;
  tables = 0;
  errCode = 0;
  errOffset = -1;
  errField = -1;
  if (end > maxFrameBytes) return fail(OVERSIZED, 0, -1);
  if (end < 8) return fail(TOO_SHORT, 0, -1);
  if (u32at(4) != FILE_IDENTIFIER) return fail(BAD_IDENTIFIER, 4, -1);
  const root = offsetTarget(0, -1);
  if (root < 0) return <i32>root;
  const r = table(root, ROOT_TABLE, 0);
  if (r < 0) return r;
  const vt = root - <i64>i32at(root);
  return <i32>u8at(root + <i64>u16at(vt + 4));
}

function offsetTarget(at: i64, field: i32): i64 {
  if (at % 4 != 0) return fail(MISALIGNED, at, field);
  if (at + 4 > end) return fail(OUT_OF_BOUNDS, at, field);
  const target = at + <i64>u32at(at);
  if (target + 4 > end) return fail(OUT_OF_BOUNDS, at, field);
  return target;
}

function table(pos: i64, tableId: i32, depth: i32): i32 {
  if (depth >= MAX_DEPTH) return fail(TOO_DEEP, pos, -1);
  if (++tables > MAX_TABLES) return fail(TOO_MANY_TABLES, pos, -1);
  if (pos % 4 != 0) return fail(MISALIGNED, pos, -1);
  const vt = pos - <i64>i32at(pos);
  if (vt < 0 || vt + 4 > end) return fail(BAD_VTABLE, pos, -1);
  if (vt % 2 != 0) return fail(MISALIGNED, pos, -1);
  const vsize = <i64>u16at(vt);
  const tsize = <i64>u16at(vt + 2);
  // Sizes above 0x7fff are refused: the JS runtime reads vtable entries as signed 16-bit.
  if (vsize < 4 || vsize > 0x7fff || vsize % 2 != 0 || vt + vsize > end) return fail(BAD_VTABLE, vt, -1);
  if (tsize < 4 || tsize > 0x7fff || pos + tsize > end) return fail(BAD_VTABLE, vt + 2, -1);
  const first = unchecked(TABLE_FIELDS[2 * tableId]);
  const count = unchecked(TABLE_FIELDS[2 * tableId + 1]);
  for (let k = 0; k < count; k++) {
    const rec = (first + k) * STRIDE;
    const voff = <i64>unchecked(FIELDS[rec]);
    const kind = unchecked(FIELDS[rec + 1]);
    const size = unchecked(FIELDS[rec + 2]);
    const ref = unchecked(FIELDS[rec + 3]);
    const flags = unchecked(FIELDS[rec + 4]);
    const name = unchecked(FIELDS[rec + 5]);
    const fo: i64 = voff < vsize ? <i64>u16at(vt + voff) : 0;
    if (kind == K_UNION_TYPE) {
      if (fo != 0 && fo + 1 > tsize) return fail(OUT_OF_BOUNDS, vt + voff, name);
      continue;
    }
    if (kind == K_UNION_VALUE) {
      const r = union(pos, vt, vsize, voff, fo, tsize, ref, flags, name, depth);
      if (r < 0) return r;
      continue;
    }
    if (fo == 0) {
      if ((flags & F_REQUIRED) != 0) return fail(REQUIRED_FIELD_MISSING, pos, name);
      if ((flags & F_SPECIFIED) != 0 && unchecked(FIELDS[rec + 6]) == 0) return fail(UNSPECIFIED_ENUM, pos, name);
      continue;
    }
    const at = pos + fo;
    const inline: i64 = kind == K_SCALAR || kind == K_ENUM || kind == K_BOOL || kind == K_STRUCT ? size : 4;
    if (fo + inline > tsize) return fail(OUT_OF_BOUNDS, vt + voff, name);
    const align: i64 = kind == K_STRUCT ? ref : inline;
    if (at % align != 0) return fail(MISALIGNED, at, name);
    let r: i64 = 0;
    if (kind == K_SCALAR || kind == K_BOOL || kind == K_STRUCT) {
      r = 0;
    } else if (kind == K_ENUM) {
      r = enumValue(at, size, ref, flags, name);
    } else if (kind == K_STRING) {
      r = offsetTarget(at, name);
      if (r >= 0) r = str(r, name);
    } else if (kind == K_TABLE) {
      r = offsetTarget(at, name);
      if (r >= 0) r = table(r, ref, depth + 1);
    } else {
      r = offsetTarget(at, name);
      if (r >= 0) r = vector(r, kind, size, ref, flags, name, depth);
    }
    if (r < 0) return <i32>r;
  }
  return 0;
}

function union(pos: i64, vt: i64, vsize: i64, voff: i64, fo: i64, tsize: i64, unionId: i32, flags: i32, name: i32, depth: i32): i32 {
  const typeVoff = voff - 2;
  const typeFo: i64 = typeVoff < vsize ? <i64>u16at(vt + typeVoff) : 0;
  const tag: i32 = typeFo == 0 ? 0 : <i32>u8at(pos + typeFo);
  const members = unchecked(UNION_START[unionId + 1]) - unchecked(UNION_START[unionId]);
  if (tag >= members) return fail(UNKNOWN_MESSAGE_TYPE, pos + typeFo, name - 1);
  if (tag == 0) {
    if (fo != 0) return fail(UNION_MISMATCH, vt + voff, name);
    if ((flags & F_REQUIRED) != 0) return fail(REQUIRED_FIELD_MISSING, pos, name);
    return 0;
  }
  if (fo == 0) return fail(UNION_MISMATCH, vt + typeVoff, name);
  if (fo + 4 > tsize) return fail(OUT_OF_BOUNDS, vt + voff, name);
  const target = offsetTarget(pos + fo, name);
  if (target < 0) return <i32>target;
  return table(target, unchecked(UNION_MEMBERS[unchecked(UNION_START[unionId]) + tag]), depth + 1);
}

function enumValue(at: i64, size: i32, enumId: i32, flags: i32, name: i32): i32 {
  const v: u32 = size == 1 ? u8at(at) : size == 2 ? u16at(at) : u32at(at);
  if (v > <u32>unchecked(ENUM_MAX[enumId])) return fail(ENUM_OUT_OF_RANGE, at, name);
  if (v == 0 && (flags & F_SPECIFIED) != 0) return fail(UNSPECIFIED_ENUM, at, name);
  return 0;
}

function str(pos: i64, name: i32): i32 {
  const len = <i64>u32at(pos);
  const start = pos + 4;
  if (len > end - start - 1) return fail(OUT_OF_BOUNDS, pos, name);
  if (u8at(start + len) != 0) return fail(STRING_NOT_TERMINATED, start + len, name);
  const bad = utf8Error(base + <usize>start, <i32>len);
  if (bad >= 0) return fail(BAD_UTF8, start + <i64>bad, name);
  return 0;
}

function vector(pos: i64, kind: i32, size: i32, ref: i32, flags: i32, name: i32, depth: i32): i32 {
  const len = <i64>u32at(pos);
  const elem: i64 = kind == K_VEC_SCALAR || kind == K_VEC_ENUM || kind == K_VEC_STRUCT ? size : 4;
  const start = pos + 4;
  if (len > (end - start) / elem) return fail(OUT_OF_BOUNDS, pos, name);
  const align: i64 = kind == K_VEC_STRUCT ? ref : elem;
  if (start % align != 0) return fail(MISALIGNED, start, name);
  if (kind == K_VEC_SCALAR || kind == K_VEC_STRUCT) return 0;
  for (let i: i64 = 0; i < len; i++) {
    const at = start + i * elem;
    let r: i64 = 0;
    if (kind == K_VEC_ENUM) {
      r = enumValue(at, size, ref, flags, name);
    } else if (kind == K_VEC_STRING) {
      r = offsetTarget(at, name);
      if (r >= 0) r = str(r, name);
    } else {
      r = offsetTarget(at, name);
      if (r >= 0) r = table(r, ref, depth + 1);
    }
    if (r < 0) return <i32>r;
  }
  return 0;
}

/** Index of the first byte that breaks UTF-8 well-formedness, or -1. */
function utf8Error(p: usize, len: i32): i32 {
  let i: i32 = 0;
  while (i < len) {
    const b = <u32>load<u8>(p + <usize>i);
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: i32;
    let min: u32;
    let cp: u32;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1; min = 0x80; cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2; min = 0x800; cp = b & 0x0f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3; min = 0x10000; cp = b & 0x07;
    } else return i;
    if (i + need >= len) return i;
    for (let k = 1; k <= need; k++) {
      const c = <u32>load<u8>(p + <usize>(i + k));
      if ((c & 0xc0) != 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

// ---- in-place accessors for verified frames (absolute addresses) ------------------------------

/** Address of the Envelope table of the verified frame at ptr. */
@inline export function rootTable(ptr: usize): usize {
  return ptr + <usize>load<u32>(ptr);
}

/** Byte offset of a field within its table, or 0 when the field is absent. */
@inline export function fieldOffset(table: usize, voffset: u16): usize {
  const vt = table - <usize>load<i32>(table);
  return <u32>voffset < <u32>load<u16>(vt) ? <usize>load<u16>(vt + <usize>voffset) : 0;
}

/** Address of the table a uoffset field points to, or 0 when absent. */
@inline export function tableField(table: usize, voffset: u16): usize {
  const fo = fieldOffset(table, voffset);
  if (fo == 0) return 0;
  const at = table + fo;
  return at + <usize>load<u32>(at);
}

/** Address of the message body table of the verified frame at ptr. */
@inline export function bodyTable(ptr: usize): usize {
  return tableField(rootTable(ptr), ENVELOPE_BODY);
}

@inline export function readI64(table: usize, voffset: u16, dflt: i64): i64 {
  const fo = fieldOffset(table, voffset);
  return fo ? load<i64>(table + fo) : dflt;
}
@inline export function readU64(table: usize, voffset: u16, dflt: u64): u64 {
  const fo = fieldOffset(table, voffset);
  return fo ? load<u64>(table + fo) : dflt;
}
@inline export function readI32(table: usize, voffset: u16, dflt: i32): i32 {
  const fo = fieldOffset(table, voffset);
  return fo ? load<i32>(table + fo) : dflt;
}
@inline export function readU16(table: usize, voffset: u16, dflt: u16): u16 {
  const fo = fieldOffset(table, voffset);
  return fo ? load<u16>(table + fo) : dflt;
}
@inline export function readU8(table: usize, voffset: u16, dflt: u8): u8 {
  const fo = fieldOffset(table, voffset);
  return fo ? load<u8>(table + fo) : dflt;
}
@inline export function readBool(table: usize, voffset: u16): bool {
  const fo = fieldOffset(table, voffset);
  return fo ? load<u8>(table + fo) != 0 : false;
}

/** Address of a string or vector field's length prefix (its bytes follow), or 0 when absent. */
@inline export function vectorField(table: usize, voffset: u16): usize {
  return tableField(table, voffset);
}
@inline export function vectorLength(vec: usize): u32 {
  return load<u32>(vec);
}
/** Address of element i of a vector of tables. */
@inline export function vectorTable(vec: usize, i: u32): usize {
  const at = vec + 4 + (<usize>i << 2);
  return at + <usize>load<u32>(at);
}

// ---- dump: every field of a verified frame, in schema order, for the differential tests ---------
// Each value is one i64: scalars as read; absent strings, tables and vectors as -1; a string as its
// length then one entry per byte; a table as 1 then its fields; a vector as its length then its items.

let out: usize = 0;
let outEnd: usize = 0;

/** Writes the dump of the verified frame at ptr into [dst, dst + cap*8); returns entries or -1 when full. */
export function dump(ptr: usize, dst: usize, cap: u32): i32 {
  out = dst;
  outEnd = dst + (<usize>cap << 3);
  if (!dumpTable(rootTable(ptr), ROOT_TABLE)) return -1;
  return <i32>((out - dst) >> 3);
}

@inline function emit(v: i64): bool {
  if (out >= outEnd) return false;
  store<i64>(out, v);
  out += 8;
  return true;
}

function scalarAt(at: usize, size: i32, signed: bool): i64 {
  if (size == 1) return signed ? <i64>load<i8>(at) : <i64>load<u8>(at);
  if (size == 2) return signed ? <i64>load<i16>(at) : <i64>load<u16>(at);
  if (size == 4) return signed ? <i64>load<i32>(at) : <i64>load<u32>(at);
  return load<i64>(at);
}

function dumpTable(t: usize, tableId: i32): bool {
  const first = unchecked(TABLE_FIELDS[2 * tableId]);
  const count = unchecked(TABLE_FIELDS[2 * tableId + 1]);
  let tag: i32 = 0;
  for (let k = 0; k < count; k++) {
    const rec = (first + k) * STRIDE;
    const voff = <u16>unchecked(FIELDS[rec]);
    const kind = unchecked(FIELDS[rec + 1]);
    const size = unchecked(FIELDS[rec + 2]);
    const ref = unchecked(FIELDS[rec + 3]);
    const signed = (unchecked(FIELDS[rec + 4]) & F_SIGNED) != 0;
    const dflt = <i64>unchecked(FIELDS[rec + 6]);
    const fo = fieldOffset(t, voff);
    let ok = true;
    if (kind == K_UNION_TYPE) {
      tag = fo ? <i32>load<u8>(t + fo) : 0;
      ok = emit(<i64>tag);
    } else if (kind == K_UNION_VALUE) {
      if (tag != 0) ok = dumpTable(tableField(t, voff), unchecked(UNION_MEMBERS[unchecked(UNION_START[ref]) + tag]));
    } else if (kind == K_SCALAR || kind == K_ENUM) {
      ok = emit(fo ? scalarAt(t + fo, size, signed) : dflt);
    } else if (kind == K_BOOL) {
      ok = emit(fo ? (load<u8>(t + fo) != 0 ? 1 : 0) : dflt);
    } else if (fo == 0) {
      ok = emit(-1);
    } else if (kind == K_STRING) {
      ok = dumpBytes(tableField(t, voff));
    } else if (kind == K_TABLE) {
      ok = emit(1) && dumpTable(tableField(t, voff), ref);
    } else if (kind == K_STRUCT) {
      for (let b = 0; b < size && ok; b++) ok = emit(<i64>load<u8>(t + fo + <usize>b));
    } else {
      const vec = tableField(t, voff);
      const n = vectorLength(vec);
      ok = emit(<i64>n);
      for (let i: u32 = 0; i < n && ok; i++) {
        if (kind == K_VEC_SCALAR || kind == K_VEC_ENUM) ok = emit(scalarAt(vec + 4 + <usize>i * <usize>size, size, signed));
        else if (kind == K_VEC_STRING) ok = dumpBytes(vectorTable(vec, i));
        else if (kind == K_VEC_TABLE) ok = emit(1) && dumpTable(vectorTable(vec, i), ref);
        else for (let b = 0; b < size && ok; b++) ok = emit(<i64>load<u8>(vec + 4 + <usize>i * <usize>size + <usize>b));
      }
    }
    if (!ok) return false;
  }
  return true;
}

function dumpBytes(s: usize): bool {
  const n = load<u32>(s);
  if (!emit(<i64>n)) return false;
  for (let i: u32 = 0; i < n; i++) if (!emit(<i64>load<u8>(s + 4 + <usize>i))) return false;
  return true;
}
