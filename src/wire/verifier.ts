// The FlatBuffers verifier for tickwave frames. The JS FlatBuffers runtime reads whatever offsets a
// buffer holds, so untrusted bytes pass through here before anything reads them. The per-table
// checks are generated from the schema (verify.generated.ts); assembly/wire.ts walks the same schema
// with the same checks, and the two agree on every verdict, reason, byte offset and field
// (test/wire-fuzz.test.ts).
//
// Thread-safety: a Verifier keeps its last error in fields; use one per thread (they are cheap).
import { FIELD_NAMES, FILE_IDENTIFIER, MESSAGE_TYPE_NAMES } from './layout.generated.js';
import { verifyRoot } from './verify.generated.js';
import { VerifierCore, VerifyError } from './verifier-core.js';

export { VerifyError, utf8Error, MAX_DEPTH, MAX_TABLES } from './verifier-core.js';

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

export class Verifier extends VerifierCore {
  /** The buffer of the last frame verifyBytes() saw, and a view over all of it. */
  private wholeBuffer: ArrayBufferLike | null = null;
  private whole: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

  constructor(readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    super();
  }

  /** Verifies a whole frame; returns a value object (allocates: for the edges, not the hot path). */
  verify(bytes: Uint8Array): Verdict {
    const type = this.verifyBytes(bytes);
    if (type > 0) return { ok: true, type, typeName: MESSAGE_TYPE_NAMES[type]! };
    return this.rejection();
  }

  /**
   * Verifies bytes (a frame anywhere in its buffer). Frames keep coming from the same buffer (a
   * Kafka batch value, a ring, a replay file), so the view over it is made once per buffer, not once
   * per frame; after a call, `dv` and `u8` cover the whole buffer and the frame starts at
   * bytes.byteOffset in both. The last buffer is kept until a frame from another one comes.
   */
  verifyBytes(bytes: Uint8Array): number {
    if (bytes.buffer !== this.wholeBuffer) {
      this.wholeBuffer = bytes.buffer;
      this.whole = new DataView(bytes.buffer);
    }
    return this.verifyAt(this.whole, bytes.byteOffset, bytes.byteLength);
  }

  /**
   * Verifies the frame at view[start, start+length). Returns the message type (> 0) or the negated
   * VerifyError; details of a rejection are in errorCode/errorOffset/errorField. Allocates nothing.
   */
  verifyAt(view: DataView, start: number, length: number): number {
    this.reset(view, start, length);
    if (length > this.maxFrameBytes) return this.fail(VerifyError.OVERSIZED, 0, -1);
    if (length < 8) return this.fail(VerifyError.TOO_SHORT, 0, -1);
    const u8 = this.u8;
    const abs = this.abs;
    // "TWV1"
    if (u8[abs + 4] !== 0x54 || u8[abs + 5] !== 0x57 || u8[abs + 6] !== 0x56 || u8[abs + 7] !== 0x31) {
      return this.fail(VerifyError.BAD_IDENTIFIER, 4, -1);
    }
    const root = this.offsetTarget(0, -1);
    if (root < 0) return root;
    const r = verifyRoot(this, root);
    if (r < 0) return r;
    // The root is an Envelope whose required body union was checked above: return its tag.
    const vt = root - view.getInt32(start + root, true);
    return u8[abs + root + view.getUint16(start + vt + 4, true)]!;
  }

  /** The last rejection as a value. */
  rejection(): Rejection {
    const code = this.errorCode as VerifyError;
    const field = this.errorField >= 0 ? FIELD_NAMES[this.errorField]! : null;
    return { ok: false, code, offset: this.errorOffset, field, reason: describeRejection(code, this.errorOffset, field) };
  }
}

export function describeRejection(code: VerifyError, offset: number, field: string | null): string {
  const text = REASON_TEXT[code] ?? `unknown verifier error ${code}`;
  return `${text}${field ? ` (${field})` : ''} at byte ${offset}`;
}
