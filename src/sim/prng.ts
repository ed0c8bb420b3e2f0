// Seeded randomness for the market simulator: mulberry32 for uniform 32-bit draws and Box–Muller for
// Gaussians. The simulator's determinism rests on this file: the same seed gives the same sequence,
// and nothing here reads a clock or Math.random.

const TWO_POW_32 = 4294967296;

export class SeededRandom {
  private state: number;
  // Box–Muller yields Gaussians in pairs; the second waits here for the next call.
  private spare = 0;
  private hasSpare = false;

  /** `seed` is taken modulo 2^32 (mulberry32 has 32 bits of state). */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform integer in [0, 2^32): one mulberry32 step. */
  nextU32(): number {
    const s = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextU32() / TWO_POW_32;
  }

  /** Uniform in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.uniform() < p;
  }

  /** +1 or -1, even odds. */
  sign(): number {
    return this.nextU32() < 0x80000000 ? 1 : -1;
  }

  /** Standard normal draw (Box–Muller). */
  gaussian(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    // 1 - u lies in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - this.uniform()));
    const angle = 2 * Math.PI * this.uniform();
    this.spare = radius * Math.sin(angle);
    this.hasSpare = true;
    return radius * Math.cos(angle);
  }

  /** Exponential draw with the given mean (waiting time of a Poisson process). */
  exponential(mean: number): number {
    return -Math.log(1 - this.uniform()) * mean;
  }
}

/**
 * The seed of one independent stream derived from the simulator's seed (murmur3's finalizer over
 * seed + stream * golden ratio), so that, for example, the price paths do not shift when the mix of
 * order and market events changes.
 */
export function streamSeed(seed: number, stream: number): number {
  let h = (seed + Math.imul(stream, 0x9e3779b9)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
