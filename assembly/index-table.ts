// A fixed-capacity open-addressing map from u64 keys to record indices, in linear memory, for the
// kernels' account, symbol and position tables. Carved once from the stub runtime's bump heap.
// Layout of a table: [mask u32, count i32, capacity i32, shift u32] then slots of (key u64, index+1 i32,
// pad). A key's home slot is the top bits of key x 2^64/phi (Fibonacci hashing: one multiply, and
// structured keys such as account << 32 | symbol still spread over the slots).

@inline export function mix64(k: u64): u64 {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccd;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53;
  k ^= k >> 33;
  return k;
}

/** A table for up to `capacity` keys (twice as many slots, so probes stay short and always end). */
export function newIndexTable(capacity: i32): usize {
  let slots: u32 = 16;
  let bits: u32 = 4;
  while (slots < <u32>capacity * 2) {
    slots <<= 1;
    bits++;
  }
  const t = heap.alloc(16 + (<usize>slots << 4));
  memory.fill(t, 0, 16 + (<usize>slots << 4));
  store<u32>(t, slots - 1);
  store<i32>(t, 0, 4);
  store<i32>(t, capacity, 8);
  store<u32>(t, 64 - bits, 12);
  return t;
}

@inline function home(t: usize, key: u64): u32 {
  return <u32>((key * 0x9e3779b97f4a7c15) >> <u64>load<u32>(t, 12));
}

/** The index stored for `key`, or -1. */
export function indexOf(t: usize, key: u64): i32 {
  const mask = load<u32>(t);
  let slot = home(t, key);
  while (true) {
    const at = t + 16 + (<usize>slot << 4);
    const idx = load<i32>(at, 8);
    if (idx == 0) return -1;
    if (load<u64>(at) == key) return idx - 1;
    slot = (slot + 1) & mask;
  }
  return unreachable();
}

/** The index for `key`, adding it as the next index when new; -1 when the table is full. */
export function indexOrAdd(t: usize, key: u64): i32 {
  const mask = load<u32>(t);
  let slot = home(t, key);
  while (true) {
    const at = t + 16 + (<usize>slot << 4);
    const idx = load<i32>(at, 8);
    if (idx == 0) {
      const count = load<i32>(t, 4);
      if (count >= load<i32>(t, 8)) return -1;
      store<u64>(at, key);
      store<i32>(at, count + 1, 8);
      store<i32>(t, count + 1, 4);
      return count;
    }
    if (load<u64>(at) == key) return idx - 1;
    slot = (slot + 1) & mask;
  }
  return unreachable();
}

export function indexCount(t: usize): i32 {
  return load<i32>(t, 4);
}
