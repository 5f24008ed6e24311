/**
 * How the example engine talks to the object store: transient answers are retried with a
 * backoff on real timers, and a conditional write whose answer was lost is settled by reading the
 * object back (our bytes there: it applied).
 */
import {
  AmbiguousWriteError,
  type BlobObject,
  type BlobStore,
  PreconditionFailedError,
  type PutOptions,
  RateLimitedError,
  TransientError,
} from "../../api/index.ts";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function isTransient(error: unknown): boolean {
  return error instanceof TransientError || error instanceof RateLimitedError;
}

/**
 * Retries transient answers. `idempotent`: the call may be repeated even when its answer was
 * lost (a read; a write-once data object under a key no one else writes).
 */
export async function retrying<T>(call: () => Promise<T>, idempotent = true, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const retryable = isTransient(error) || (idempotent && error instanceof AmbiguousWriteError);
      if (!retryable || attempt >= attempts) throw error;
      await sleep(50 * 2 ** attempt);
    }
  }
}

export function read(store: BlobStore, key: string): Promise<BlobObject | null> {
  return retrying(() => store.get(key));
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** A conditional write: its new version, or null when the precondition did not hold. */
export async function writeIf(
  store: BlobStore,
  key: string,
  bytes: Uint8Array,
  options: PutOptions,
): Promise<string | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.put(key, bytes, options);
    } catch (error) {
      if (error instanceof PreconditionFailedError) return null;
      if (error instanceof AmbiguousWriteError || error instanceof TransientError) {
        const now = await read(store, key);
        if (now && same(now.bytes, bytes)) return now.version;
        // Not ours: if the precondition no longer holds someone else wrote; else retry.
        const refused =
          options.ifMatch !== undefined
            ? now?.version !== options.ifMatch
            : options.ifNoneMatch === true && now !== null;
        if (refused) return null;
      } else if (!(error instanceof RateLimitedError)) throw error;
      if (attempt >= 8) throw error;
      await sleep(50 * 2 ** attempt);
    }
  }
}
