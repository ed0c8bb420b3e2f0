// The 64-bit mixing behind every kernel's stateHash(): the TypeScript references compute it with
// BigInt, the kernels with u64 (assembly/index-table.ts mix64); the same function, so equal states
// hash equal across the two.
export const M64 = (1n << 64n) - 1n;

/** MurmurHash3's 64-bit finaliser. */
export function mix64(k: bigint): bigint {
  k ^= k >> 33n;
  k = (k * 0xff51afd7ed558ccdn) & M64;
  k ^= k >> 33n;
  k = (k * 0xc4ceb9fe1a85ec53n) & M64;
  k ^= k >> 33n;
  return k;
}

/** A signed 64-bit value as the kernels see it in a u64. */
export const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
