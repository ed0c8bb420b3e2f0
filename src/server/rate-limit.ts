// Per-client rate limits: a token bucket per key (a client's address, or one WebSocket), refilled
// continuously. A client over its limit is refused (HTTP 429, or an error message on its socket)
// without affecting anyone else. Idle buckets are forgotten so the table cannot grow without bound.

export interface RateLimit {
  /** Sustained requests (or messages) per second. */
  perSecond: number;
  /** How many may come at once after a quiet spell. */
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = 0;

  constructor(readonly limit: RateLimit, private readonly now: () => number = () => performance.now()) {
    if (!(limit.perSecond > 0) || !(limit.burst >= 1)) throw new RangeError(`a rate limit needs perSecond > 0 and burst >= 1, got ${JSON.stringify(limit)}`);
  }

  /** Takes one token from `key`'s bucket; false when it is empty. */
  take(key: string): boolean {
    const t = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.limit.burst, at: t };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.limit.burst, b.tokens + ((t - b.at) / 1_000) * this.limit.perSecond);
      b.at = t;
    }
    if (t - this.lastSweep > 10_000) this.sweep(t);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Seconds until `key` may try again (for Retry-After). */
  retryAfterS(key: string): number {
    const b = this.buckets.get(key);
    if (!b || b.tokens >= 1) return 0;
    return Math.max(1, Math.ceil((1 - b.tokens) / this.limit.perSecond));
  }

  /** Forgets buckets that have refilled completely: they behave exactly like new ones. */
  private sweep(t: number): void {
    this.lastSweep = t;
    const fullAfterMs = (this.limit.burst / this.limit.perSecond) * 1_000;
    for (const [k, b] of this.buckets) if (t - b.at > fullAfterMs) this.buckets.delete(k);
  }

  get size(): number {
    return this.buckets.size;
  }
}
