// Reading and writing frames inside jobs without a per-frame allocation: a reader keeps one
// ByteBuffer per ring memory and points it at each frame (the frame was verified at ingress, so its
// offsets stay inside it); a writer reuses one builder and hands out a view of the finished bytes,
// which emit() and route() copy into a ring at once.
//
// Thread-safety: one reader and one writer per job instance (per worker thread).
import type * as flatbuffers from 'flatbuffers';
import { Body, Envelope } from '../wire/generated/index.js';
import { FILE_IDENTIFIER } from '../wire/layout.generated.js';
import { WireBuffer } from '../wire/wire-buffer.js';
import { WireBuilder } from '../wire/wire-builder.js';
import type { FrameInfo, JobContext } from '../runtime/job.js';

/**
 * The symbol's slot on the shared board, or -1 when it cannot have one (longer than the board's
 * symbols, or the board is full): the caller refuses the frame instead of failing the worker.
 */
export function symbolSlot(ctx: JobContext, symbol: string): number {
  try {
    return ctx.symbols.intern(symbol);
  } catch {
    return -1;
  }
}

export class FrameReader {
  private readonly buffers = new Map<ArrayBufferLike, WireBuffer>();
  private readonly envelope = new Envelope();
  /** The buffer of the last frame read, and its ByteBuffer: frames mostly come from one ring at a time. */
  private lastBuffer: ArrayBufferLike | null = null;
  private last: WireBuffer = new WireBuffer(new Uint8Array(0));

  /** The Envelope of the frame at info.offset in view's memory. Valid until the next call. */
  read(view: DataView, info: FrameInfo): Envelope {
    let bb = this.last;
    if (this.lastBuffer !== view.buffer) {
      const known = this.buffers.get(view.buffer);
      bb = known ?? new WireBuffer(new Uint8Array(view.buffer));
      if (known === undefined) this.buffers.set(view.buffer, bb);
      this.last = bb;
      this.lastBuffer = view.buffer;
    }
    bb.setPosition(info.offset);
    return Envelope.getRootAsEnvelope(bb, this.envelope);
  }

  /** A copy of the frame's bytes (to route it on or keep it). */
  static bytes(view: DataView, info: FrameInfo): Uint8Array {
    return new Uint8Array(view.buffer, info.offset, info.length);
  }
}

export class FrameWriter {
  readonly builder = new WireBuilder(512);

  /** Starts a message: clears the builder. */
  begin(): flatbuffers.Builder {
    this.builder.clear();
    return this.builder;
  }

  /** Wraps the body in an Envelope and finishes; the bytes are valid until the next begin(). */
  finish(type: Body, body: flatbuffers.Offset): Uint8Array {
    const b = this.builder;
    b.finish(Envelope.createEnvelope(b, type, body), FILE_IDENTIFIER);
    return b.asUint8Array();
  }
}
