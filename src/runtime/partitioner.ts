// Which partition a frame belongs to: the key field of its message type (symbol for market data and
// alerts, account for orders, executions and positions), hashed exactly as Kafka's default
// partitioner does (murmur2, positive, modulo the partition count). So with as many partitions as
// the Kafka topic, a key lands in the same partition inside tickwave as on the broker. Reads the
// key's bytes where the frame lies; decodes nothing, allocates nothing.
import { FIELD_NAMES, FIELDS, MESSAGE_TYPE_NAMES } from '../wire/layout.generated.js';

/** The key field of each message type; types without one go to partition 0. */
export const KEY_FIELDS: Readonly<Record<string, 'symbol' | 'account'>> = {
  Instrument: 'symbol',
  Quote: 'symbol',
  Trade: 'symbol',
  PriceAlert: 'symbol',
  VolumeSpikeAlert: 'symbol',
  OrderImbalanceAlert: 'symbol',
  ArbitrageAlert: 'symbol',
  Order: 'account',
  Cancel: 'account',
  Replace: 'account',
  ExecReport: 'account',
  AccountPolicy: 'account',
  RiskDecision: 'account',
  Position: 'account',
  PnL: 'account',
  Portfolio: 'account',
  RiskAlert: 'account',
};

/** vtable offset of a `Table.field`, from the generated layout. */
export function voffsetOf(qualified: string): number {
  const name = FIELD_NAMES.indexOf(qualified);
  for (let r = 0; r < FIELDS.length; r += 7) if (FIELDS[r + 5] === name) return FIELDS[r]!;
  throw new Error(`no field ${qualified} in the wire schema`);
}

/** Key field voffset per message type (0: no key). */
const KEY_VOFFSET = new Uint16Array(256);
for (const [type, field] of Object.entries(KEY_FIELDS)) KEY_VOFFSET[MESSAGE_TYPE_NAMES.indexOf(type)] = voffsetOf(`${type}.${field}`);

const ENVELOPE_BODY_TYPE = voffsetOf('Envelope.body_type');
const ENVELOPE_BODY = voffsetOf('Envelope.body');

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2) over u8[start, start+len). */
export function murmur2(u8: Uint8Array, start: number, len: number): number {
  const m = 0x5bd1e995;
  let h = 0x9747b28c ^ len;
  const end4 = start + (len & ~3);
  for (let i = start; i < end4; i += 4) {
    let k = u8[i]! | (u8[i + 1]! << 8) | (u8[i + 2]! << 16) | (u8[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  switch (len & 3) {
    case 3:
      h ^= u8[end4 + 2]! << 16;
    // falls through
    case 2:
      h ^= u8[end4 + 1]! << 8;
    // falls through
    case 1:
      h ^= u8[end4]!;
      h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's default partition of a key: toPositive(murmur2(key)) % partitions. */
export const kafkaPartition = (u8: Uint8Array, start: number, len: number, partitions: number): number =>
  (murmur2(u8, start, len) & 0x7fffffff) % partitions;

/** The message type (Body tag) of the verified frame at u8[at..]. */
export function bodyTypeOf(view: DataView, u8: Uint8Array, at: number): number {
  const root = at + view.getUint32(at, true);
  const vt = root - view.getInt32(root, true);
  return u8[root + view.getUint16(vt + ENVELOPE_BODY_TYPE, true)]!;
}

/**
 * Where the key of the verified frame at u8[at..] lies: its start in u8 (or -1 for a type without a
 * key), with its length in `out[0]`.
 */
export function keyAt(view: DataView, u8: Uint8Array, at: number, out: Int32Array): number {
  const root = at + view.getUint32(at, true);
  const vt = root - view.getInt32(root, true);
  const type = bodyTypeOf(view, u8, at);
  const keyVoffset = KEY_VOFFSET[type]!;
  if (keyVoffset === 0) return -1;
  const bodyAt = root + view.getUint16(vt + ENVELOPE_BODY, true);
  const body = bodyAt + view.getUint32(bodyAt, true);
  const bvt = body - view.getInt32(body, true);
  const fieldAt = body + view.getUint16(bvt + keyVoffset, true);
  const str = fieldAt + view.getUint32(fieldAt, true);
  out[0] = view.getUint32(str, true);
  return str + 4;
}

/**
 * The partition of the verified frame at u8[at..]: its message type's key field, hashed; 0 for a type
 * without a key. `view` and `u8` cover the same buffer.
 */
export function partitionOf(view: DataView, u8: Uint8Array, at: number, partitions: number): number {
  const root = at + view.getUint32(at, true);
  const vt = root - view.getInt32(root, true);
  const type = u8[root + view.getUint16(vt + ENVELOPE_BODY_TYPE, true)]!;
  const keyVoffset = KEY_VOFFSET[type]!;
  if (keyVoffset === 0) return 0;
  const bodyAt = root + view.getUint16(vt + ENVELOPE_BODY, true);
  const body = bodyAt + view.getUint32(bodyAt, true);
  const bvt = body - view.getInt32(body, true);
  // Key fields are required strings: a verified frame has them.
  const fieldAt = body + view.getUint16(bvt + keyVoffset, true);
  const str = fieldAt + view.getUint32(fieldAt, true);
  return kafkaPartition(u8, str + 4, view.getUint32(str, true), partitions);
}
