/**
 * Per-object mutation rate limit: a token bucket per key. GCS documents about one update per
 * second per object name, and tolerates short bursts; beyond that it answers 429 and writes
 * nothing. Only a mutation that applies spends a token: a 412 or a 429 changes nothing, so it
 * costs nothing (20 racers on one fresh key get one 200 and nineteen 412s, as E0 observed).
 * Pure: the caller hands in `nowMs` (the simulated clock in sim/, real time in the loopback fake).
 */

/** GCS's per-object mutation limit as this model calibrates it (sim and loopback fake alike). */
export const GCS_OBJECT_MUTATION_LIMIT = {
  // E5b: 2.43/s attempted, 48% answered ok = 1.17/s including the burst; 1.1/s sustained fits it.
  // GCS documents "about one write per second" to one object name (Cloud Storage quotas & limits).
  mutationsPerObjectPerS: 1.1,
  // Burst: a real bucket let twelve CAS writes to one object through in quick succession before
  // the first 429 (the source's conformance run, issue #21); 3 was too strict.
  mutationBurstPerObject: 12,
} as const;

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
