/**
 * Writing one object conditionally and knowing whether it landed: the one retry policy for store
 * calls and the one answer to "did my write land?" after an ambiguous write. Manifest CAS, the
 * lease and data objects all write through here.
 *
 * - Retries: 429 (RateLimitedError) and known-not-applied failures (TransientError) are retried
 *   with exponential backoff; nothing was written, so retrying is always safe. Without a clock
 *   nothing is retried (one attempt).
 * - Ambiguous writes (AmbiguousWriteError: the write may or may not have applied) are resolved by
 *   reading the key back. Our exact bytes there mean it landed (every object a writer produces is
 *   unique: manifests carry commitSeq and writerId, lease records holder and expiry, data object
 *   keys the fencing token). A key still as it was before the write means it did not land, and
 *   the write is tried again. Anything else is someone else's write. An ambiguous write may also
 *   apply late, after the retry was sent, which makes the retry fail its precondition: so once an
 *   attempt was ambiguous a refused precondition is read back too.
 * - Two kinds of object differ only in what a refused precondition means before any ambiguity:
 *   "compare-and-swap" (manifest, lease): another writer moved the object, we lost the race.
 *   "write-once" (data objects under create-if-absent): the key may hold our own bytes from an
 *   earlier attempt or life, so it is read back; identical bytes are adopted, anything else is a
 *   conflict nobody may paper over, and an absent key is written again.
 */
import type { Clock } from "../runtime.ts";
import type { BlobStore, PutOptions, VersionToken } from "./blob-store.ts";
import { AmbiguousWriteError, PreconditionFailedError, RateLimitedError, TransientError } from "./errors.ts";

/** How store calls are retried. */
export interface RetryPolicy {
  /** Used to wait between attempts; without it nothing is retried. */
  clock?: Clock;
  /** Attempts per call, the first included; also bounds how often an ambiguous write is retried. */
  attemptsMax: number;
  /** Wait before the second attempt; doubles after each further failure. */
  backoffBaseMs: number;
  /** Cap on the doubling wait. */
  backoffMaxMs: number;
}

/** A policy whose unset fields take a preset's values. */
export type RetryOptions = Partial<RetryPolicy>;

/**
 * Small mutable objects with one writer at a time (manifest, lease record): the per-object
 * mutation cap (~1/s sustained) answers bursts with 429, so the first wait is a quarter second.
 */
export const SMALL_OBJECT_RETRY: Readonly<Omit<RetryPolicy, "clock">> = {
  attemptsMax: 6,
  backoffBaseMs: 250,
  backoffMaxMs: 4_000,
};

/** Write-once data objects (snapshots, WAL ranges, backups): new keys, no per-object cap to pace to. */
export const DATA_OBJECT_RETRY: Readonly<Omit<RetryPolicy, "clock">> = {
  attemptsMax: 8,
  backoffBaseMs: 200,
  backoffMaxMs: 4_000,
};

export function resolveRetry(
  options: RetryOptions,
  preset: Readonly<Omit<RetryPolicy, "clock">>,
): RetryPolicy {
  return {
    clock: options.clock,
    attemptsMax: options.attemptsMax ?? preset.attemptsMax,
    backoffBaseMs: options.backoffBaseMs ?? preset.backoffBaseMs,
    backoffMaxMs: options.backoffMaxMs ?? preset.backoffMaxMs,
  };
}

function isRetryable(error: unknown): boolean {
  return error instanceof RateLimitedError || error instanceof TransientError;
}

function attemptsOf(policy: RetryPolicy): number {
  return policy.clock ? policy.attemptsMax : 1;
}

/** Runs `work`, retrying 429 and known-not-applied failures with exponential backoff. */
export async function withStoreRetries<T>(policy: RetryPolicy, work: () => Promise<T>): Promise<T> {
  const attemptsMax = attemptsOf(policy);
  let waitMs = policy.backoffBaseMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isRetryable(error) || attempt >= attemptsMax || !policy.clock) throw error;
      await policy.clock.sleepMs(waitMs);
      waitMs = Math.min(waitMs * 2, policy.backoffMaxMs);
    }
  }
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

export type ObjectKind = "compare-and-swap" | "write-once";

export interface ConditionalWrite {
  key: string;
  bytes: Uint8Array;
  precondition: PutOptions;
  kind: ObjectKind;
}

/** Landed: the store holds our bytes at this version. Refused: someone else's write is there. */
export type ConditionalWriteOutcome = { landed: true; version: VersionToken } | { landed: false };

/** Did the key stay as it was before our write (so our write did not land and may be retried)? */
function unchanged(precondition: PutOptions, currentVersion: VersionToken | null): boolean {
  if (precondition.ifMatch !== undefined) return currentVersion === precondition.ifMatch;
  return currentVersion === null;
}

/**
 * Writes `write.bytes` under its precondition and says whether it landed, resolving ambiguous
 * answers by reading back. Errors other than a refused precondition or an ambiguous write (after
 * the retry policy) are thrown; an ambiguous write still unresolved after attemptsMax is thrown.
 */
export async function conditionalWrite(
  store: BlobStore,
  write: ConditionalWrite,
  policy: RetryPolicy,
): Promise<ConditionalWriteOutcome> {
  const { key, bytes, precondition, kind } = write;
  const attemptsMax = attemptsOf(policy);
  let ambiguousBefore = false;
  for (let attempt = 1; ; attempt++) {
    try {
      return {
        landed: true,
        version: await withStoreRetries(policy, () => store.put(key, bytes, precondition)),
      };
    } catch (error) {
      const refused = error instanceof PreconditionFailedError;
      if (!refused && !(error instanceof AmbiguousWriteError)) throw error;
      if (refused && !ambiguousBefore && kind === "compare-and-swap") return { landed: false };
      ambiguousBefore = true;
      const current = await withStoreRetries(policy, () => store.get(key));
      if (current !== null && sameBytes(current.bytes, bytes))
        return { landed: true, version: current.version };
      if (kind === "write-once") {
        if (current !== null) return { landed: false };
      } else {
        if (refused) return { landed: false };
        if (!unchanged(precondition, current?.version ?? null)) return { landed: false };
      }
      if (attempt >= attemptsMax) throw error;
    }
  }
}
