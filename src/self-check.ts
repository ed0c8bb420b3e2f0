// A start-up check that the wire format works here: a sample order is encoded, verified by the
// TypeScript verifier and by the Wasm reader, and a corrupted copy is rejected by both alike.
import { Body, OrderT, OrderType, Side, TimeInForce } from './wire/generated/index.js';
import { encode } from './wire/codec.js';
import { Verifier } from './wire/verifier.js';
import { loadWireReader } from './wire/wasm-reader.js';

export function selfCheck(): string {
  const frame = encode(Body.Order, new OrderT(1n, 'TRADER_001', 'AAPL', Side.BUY, OrderType.LIMIT, TimeInForce.GTC, false, 175_230_000n, 0n, 100n, 0n, null));
  const verifier = new Verifier();
  const reader = loadWireReader();
  reader.bytes.set(frame, 0);
  const ts = verifier.verifyBytes(frame);
  const wasm = reader.exports.verify(0, frame.length);
  if (ts !== Body.Order || wasm !== Body.Order) throw new Error(`tickwave self-check failed: verifier ${ts}, wasm reader ${wasm}`);
  const bad = frame.slice();
  bad[4] = 0;
  reader.bytes.set(bad, 0);
  if (verifier.verifyBytes(bad) >= 0 || reader.exports.verify(0, bad.length) !== verifier.verifyBytes(bad)) {
    throw new Error('tickwave self-check failed: a corrupted frame was not rejected alike');
  }
  return `ok (a ${frame.length}-byte Order verified by TypeScript and Wasm; a corrupted copy rejected: ${verifier.rejection().reason})`;
}
