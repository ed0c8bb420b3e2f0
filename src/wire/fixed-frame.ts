// Frames of one fixed shape, written without a flatbuffers Builder: the trade engine's outputs (exec
// reports, risk decisions, positions, P&L, portfolios) have every field present on every message, so
// their layout is worked out once from the schema's layout tables and each message only stores its
// values. A Builder spends ~1.2 µs a message on vtable search and back-to-front bookkeeping; this
// spends a few stores. The bytes differ from a Builder's (fields in another order, defaults written),
// but they are the same FlatBuffers: flatc's accessors and the verifier read them alike (tested).
//
// Layout: root offset, file identifier, the Envelope's vtable and table, the body's vtable and table
// (8-byte fields first, 8-aligned from the buffer start), then the strings, each 4-aligned.
//
// Thread-safety: one FixedFrame per thread; a finished frame is valid until the next begin().
import { FIELD_NAMES, FIELDS, FILE_IDENTIFIER, MESSAGE_TYPE_NAMES, TABLE_FIELDS, TABLE_NAMES } from './layout.generated.js';
import { utf8Cached } from './wire-builder.js';

const FIELD_STRIDE = 7;
const KIND_STRING = 4;
const KIND_TABLE = 5;
/** The Envelope's own part: root offset 0, identifier 4, vtable 8 (8 bytes), table 16 (12 bytes). */
const ENVELOPE_TABLE = 16;
const BODY_OFFSET_AT = 20;
const BODY_VTABLE = 28;

export class FixedFrame {
  /** Byte offset in the frame of each field's value (a string field: of its uoffset), by field name. */
  readonly at: Readonly<Record<string, number>>;
  private u8: Uint8Array;
  private dv: DataView;
  /**
   * The views bytes() has handed out, by frame length: frames of one shape come in few lengths,
   * and a view made per frame was a large part of what an engine's worker allocated.
   */
  private views: (Uint8Array | undefined)[] = [];
  private readonly fixedEnd: number;
  private end = 0;

  /**
   * The frame of body `table` (a name from the schema, e.g. 'ExecReport'). Fields named in `omit` are
   * absent from every message (optional ones only: the reader sees their default or null).
   */
  constructor(readonly table: string, omit: readonly string[] = []) {
    const t = TABLE_NAMES.indexOf(table);
    const tag = MESSAGE_TYPE_NAMES.indexOf(table);
    if (t < 0 || tag < 0) throw new RangeError(`FixedFrame: ${table} is not a message of the schema`);
    const first = TABLE_FIELDS[2 * t]!;
    const count = TABLE_FIELDS[2 * t + 1]!;
    const fields: { name: string; voffset: number; size: number }[] = [];
    for (let i = 0; i < count; i++) {
      const r = (first + i) * FIELD_STRIDE;
      const name = fieldName(FIELDS[r + 5]!);
      const kind = FIELDS[r + 1]!;
      if (omit.includes(name)) {
        if ((FIELDS[r + 4]! & 1) !== 0) throw new RangeError(`FixedFrame: ${table}.${name} is required and cannot be omitted`);
        continue;
      }
      if (kind >= KIND_TABLE) throw new RangeError(`FixedFrame: ${table}.${name} is not a scalar or a string`);
      fields.push({ name, voffset: FIELDS[r]!, size: kind === KIND_STRING ? 4 : FIELDS[r + 2]! });
    }
    const vtableBytes = 4 + 2 * count;
    let tableStart = BODY_VTABLE + vtableBytes;
    // The soffset is 4 bytes: a table starting at 4 mod 8 puts its first (8-byte) field on 8.
    tableStart += (((4 - tableStart) % 8) + 8) % 8;
    const at: Record<string, number> = {};
    let cursor = tableStart + 4;
    for (const size of [8, 4, 2, 1]) {
      for (const f of fields) if (f.size === size) (at[f.name] = cursor), (cursor += size);
    }
    this.fixedEnd = (cursor + 3) & ~3;
    this.at = at;
    this.u8 = new Uint8Array(Math.max(512, this.fixedEnd * 2));
    this.dv = new DataView(this.u8.buffer);
    const dv = this.dv;
    dv.setUint32(0, ENVELOPE_TABLE, true);
    for (let i = 0; i < 4; i++) this.u8[4 + i] = FILE_IDENTIFIER.charCodeAt(i);
    // Envelope: vtable [8, 12, body_type at 8, body at 4], table [soffset 8, body uoffset, body_type].
    dv.setUint16(8, 8, true);
    dv.setUint16(10, 12, true);
    dv.setUint16(12, 8, true);
    dv.setUint16(14, 4, true);
    dv.setInt32(ENVELOPE_TABLE, ENVELOPE_TABLE - 8, true);
    dv.setUint32(BODY_OFFSET_AT, tableStart - BODY_OFFSET_AT, true);
    this.u8[ENVELOPE_TABLE + 8] = tag;
    // Body: vtable (absent fields stay 0), then the table's soffset back to it.
    dv.setUint16(BODY_VTABLE, vtableBytes, true);
    dv.setUint16(BODY_VTABLE + 2, cursor - tableStart, true);
    for (const f of fields) dv.setUint16(BODY_VTABLE + f.voffset, at[f.name]! - tableStart, true);
    dv.setInt32(tableStart, tableStart - BODY_VTABLE, true);
  }

  /** Starts a message: every field must then be set, scalars in any order, strings in any order. */
  begin(): this {
    this.end = this.fixedEnd;
    return this;
  }

  u8At(at: number, v: number): this {
    this.u8[at] = v;
    return this;
  }

  u16At(at: number, v: number): this {
    this.dv.setUint16(at, v, true);
    return this;
  }

  i32At(at: number, v: number): this {
    this.dv.setInt32(at, v, true);
    return this;
  }

  /** A long or ulong field (stored modulo 2^64, so both kinds take the same 64 bits). */
  i64At(at: number, v: bigint): this {
    this.dv.setBigInt64(at, v, true);
    return this;
  }

  /** A long or ulong field from its two 32-bit halves (no BigInt made). */
  i64HalvesAt(at: number, low: number, high: number): this {
    this.dv.setUint32(at, low, true);
    this.dv.setUint32(at + 4, high, true);
    return this;
  }

  /** A long or ulong field copied from 8 little-endian bytes at `from` in `src` (no BigInt made). */
  i64CopyAt(at: number, src: DataView, from: number): this {
    this.dv.setUint32(at, src.getUint32(from, true), true);
    this.dv.setUint32(at + 4, src.getUint32(from + 4, true), true);
    return this;
  }

  /** A string field: its bytes go after the table, its uoffset at `at`. */
  strAt(at: number, s: string): this {
    const bytes = utf8Cached(s);
    const need = this.end + 4 + bytes.length + 4;
    if (need > this.u8.length) this.grow(need);
    const pos = this.end;
    this.dv.setUint32(at, pos - at, true);
    this.dv.setUint32(pos, bytes.length, true);
    // Ids and symbols are a few bytes: a loop copies them faster than TypedArray.set's call.
    if (bytes.length <= 16) for (let i = 0; i < bytes.length; i++) this.u8[pos + 4 + i] = bytes[i]!;
    else this.u8.set(bytes, pos + 4);
    const nul = pos + 4 + bytes.length;
    this.u8[nul] = 0;
    this.end = (nul + 4) & ~3;
    return this;
  }

  /** The finished frame: valid until the next begin() (the same view may come back, with new bytes). */
  bytes(): Uint8Array {
    return (this.views[this.end] ??= this.u8.subarray(0, this.end));
  }

  private grow(need: number): void {
    const bigger = new Uint8Array(Math.max(need, this.u8.length * 2));
    bigger.set(this.u8.subarray(0, this.end));
    this.u8 = bigger;
    this.views = [];
    this.dv = new DataView(bigger.buffer);
  }
}

/** A field's name without its table ("ExecReport.order_id" -> "order_id"). */
function fieldName(index: number): string {
  const full = FIELD_NAMES[index]!;
  return full.slice(full.indexOf('.') + 1);
}
