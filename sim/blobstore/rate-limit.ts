/**
 * Per-object mutation rate limit: a token bucket per key. GCS documents about one update per
 * second per object name, and tolerates short bursts; beyond that it answers 429 and writes
 * nothing. Only a mutation that applies spends a token: a 412 or a 429 changes nothing, so it
 * costs nothing (20 racers on one fresh key get one 200 and nineteen 412s, as E0 observed).
 */
export class MutationRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; refilledAtMs: number }>();

  constructor(
    private readonly mutationsPerS: number,
    private readonly burst: number,
  ) {}

  /** Whether a mutation of `key` may apply at `nowMs`. Does not spend. */
  allows(key: string, nowMs: number): boolean {
    return this.refill(key, nowMs).tokens >= 1;
  }

  /** Spend one token for a mutation of `key` that applied at `nowMs`. */
  spend(key: string, nowMs: number): void {
    const bucket = this.refill(key, nowMs);
    bucket.tokens -= 1;
  }

  private refill(key: string, nowMs: number): { tokens: number; refilledAtMs: number } {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: this.burst, refilledAtMs: nowMs };
      this.buckets.set(key, bucket);
      return bucket;
    }
    const elapsedMs = nowMs - bucket.refilledAtMs;
    bucket.tokens = Math.min(this.burst, bucket.tokens + (elapsedMs * this.mutationsPerS) / 1000);
    bucket.refilledAtMs = nowMs;
    return bucket;
  }
}
