// Shared helpers of the simulator tests: decode a frame or fail with the verifier's reason.
import { decode, type MessageBody } from '../../src/wire/codec.js';

export function body<T extends MessageBody>(frame: Uint8Array): T {
  const d = decode(frame);
  if (!d.ok) throw new Error(`frame rejected: ${d.reason}`);
  return d.body as T;
}

/** Pearson correlation of two equally long samples. */
export function correlation(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  return cov / Math.sqrt(va * vb);
}
