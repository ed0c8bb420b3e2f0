// Order ids as map keys. Ids are uint64 on the wire, so they arrive as bigints, but a Map hashes and
// compares a bigint key about three times slower than a number, and the trade engine looks an id up
// several times per order. An id below 2^53 is keyed by its number (exact), a larger one by its
// bigint: the two kinds never meet, so no two ids share a key.
export type OrderKey = number | bigint;

const LARGEST_EXACT = BigInt(Number.MAX_SAFE_INTEGER);
const TWO32 = 2 ** 32;

/** The key of an order id. */
export const orderKey = (id: bigint): OrderKey => (id <= LARGEST_EXACT ? Number(id) : id);

/** The key of the little-endian uint64 id at `at` in `v`, read without making a bigint when it is below 2^53. */
export function orderKeyAt(v: DataView, at: number): OrderKey {
  const high = v.getUint32(at + 4, true);
  return high < 0x200000 ? high * TWO32 + v.getUint32(at, true) : v.getBigUint64(at, true);
}
