/**
 * Bounded retries with full jitter, for idempotent calls only (get, metadata, list). A mutation
 * is never retried here: a conditional PUT retried blindly after an answer was lost could turn
 * the caller's own success into a 412, and an unconditional one could overwrite a newer write.
 * The caller (the engine) decides about mutations, from the typed error.
 *
 * The delay before attempt n+1 is uniform in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))), drawn
 * from the injected Random and slept on the injected Clock, so tests replay the same delays.
 */
import { RateLimitedError, TransientError } from "../../engine/blobstore/errors.ts";
import type { Clock, Random } from "../../engine/runtime.ts";

export interface RetryPolicy {
  /** Total attempts, the first included (1 = no retry). */
  attemptsMax: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  attemptsMax: 4,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
});

export function resolveRetryPolicy(partial: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...partial };
  if (!Number.isInteger(policy.attemptsMax) || policy.attemptsMax < 1 || policy.attemptsMax > 20)
    throw new RangeError(`retry attemptsMax must be an integer in 1..20, got ${policy.attemptsMax}`);
  if (!(policy.baseDelayMs >= 0) || !(policy.maxDelayMs >= policy.baseDelayMs))
    throw new RangeError(
      `retry delays need 0 <= baseDelayMs <= maxDelayMs, got ${policy.baseDelayMs} and ${policy.maxDelayMs}`,
    );
  return policy;
}

/** Only errors known not to have changed anything are worth another attempt. */
export function isRetryable(error: unknown): boolean {
  return error instanceof TransientError || error instanceof RateLimitedError;
}

export function backoffDelayMs(policy: RetryPolicy, random: Random, attempt: number): number {
  const ceilingMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random.next() * ceilingMs);
}

export interface RetryHooks {
  clock: Clock;
  random: Random;
  /** Called before each retry's sleep: for the log, never with credentials. */
  onRetry?(attempt: number, delayMs: number, error: unknown): void;
}

export async function withRetries<T>(
  policy: RetryPolicy,
  hooks: RetryHooks,
  call: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= policy.attemptsMax || !isRetryable(error)) throw error;
      const delayMs = backoffDelayMs(policy, hooks.random, attempt);
      hooks.onRetry?.(attempt, delayMs, error);
      await hooks.clock.sleepMs(delayMs);
    }
  }
}
