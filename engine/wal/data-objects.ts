/**
 * Uploading data objects (snapshots and WAL ranges): write-once PUTs with retries. 429s and
 * known-not-applied failures are retried after a backoff; an ambiguous answer, or a refused
 * create-if-absent, is resolved by reading the key back: our exact bytes there mean the upload
 * landed (an earlier attempt of ours), anything else is a conflict nobody may paper over.
 */
import { createHash } from "node:crypto";
import type { BlobStore, PutOptions } from "../blobstore/blob-store.ts";
import {
  AmbiguousWriteError,
  PreconditionFailedError,
  RateLimitedError,
  TransientError,
} from "../blobstore/errors.ts";
import type { Clock } from "../runtime.ts";

export interface StoreRetryOptions {
  clock: Clock;
  attemptsMax: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export const DEFAULT_STORE_RETRY: Omit<StoreRetryOptions, "clock"> = {
  attemptsMax: 8,
  backoffBaseMs: 200,
  backoffMaxMs: 4_000,
};

/** A data object key already holds different bytes: never overwrite, never adopt. */
export class DataObjectConflictError extends Error {
  override name = "DataObjectConflictError";
  constructor(readonly key: string) {
    super(`data object ${key} already exists with different content`);
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function retryable(error: unknown): boolean {
  return error instanceof RateLimitedError || error instanceof TransientError;
}

/** Runs `work`, retrying 429 / transient failures with exponential backoff. */
export async function withStoreRetries<T>(retry: StoreRetryOptions, work: () => Promise<T>): Promise<T> {
  let waitMs = retry.backoffBaseMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!retryable(error) || attempt >= retry.attemptsMax) throw error;
      await retry.clock.sleepMs(waitMs);
      waitMs = Math.min(waitMs * 2, retry.backoffMaxMs);
    }
  }
}

/** Uploads `bytes` to `key`; resolves once the store holds exactly them there. */
export async function putDataObject(
  store: BlobStore,
  key: string,
  bytes: Uint8Array,
  putOptions: PutOptions,
  retry: StoreRetryOptions,
): Promise<void> {
  const sha256 = sha256Hex(bytes);
  for (let attempt = 1; ; attempt++) {
    try {
      await withStoreRetries(retry, () => store.put(key, bytes, putOptions));
      return;
    } catch (error) {
      if (!(error instanceof AmbiguousWriteError || error instanceof PreconditionFailedError)) throw error;
      const current = await withStoreRetries(retry, () => store.get(key));
      if (current !== null && current.size === bytes.length && sha256Hex(current.bytes) === sha256) return;
      if (current !== null) throw new DataObjectConflictError(key);
      if (attempt >= retry.attemptsMax) throw error;
    }
  }
}
