/**
 * Uploading data objects (snapshots and WAL ranges): write-once PUTs through
 * engine/blobstore/conditional-write.ts. An ambiguous answer, or a refused create-if-absent, is
 * resolved by reading the key back: our exact bytes there mean the upload landed (an earlier
 * attempt of ours), anything else is a conflict nobody may paper over.
 */
import { createHash } from "node:crypto";
import type { BlobStore, PutOptions } from "../blobstore/blob-store.ts";
import { conditionalWrite, DATA_OBJECT_RETRY, type RetryPolicy } from "../blobstore/conditional-write.ts";

/** The retry policy of data-object uploads; a clock is required (uploads are always retried). */
export type StoreRetryOptions = RetryPolicy & { clock: NonNullable<RetryPolicy["clock"]> };

export const DEFAULT_STORE_RETRY = DATA_OBJECT_RETRY;

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

/** Uploads `bytes` to `key`; resolves once the store holds exactly them there. */
export async function putDataObject(
  store: BlobStore,
  key: string,
  bytes: Uint8Array,
  putOptions: PutOptions,
  retry: StoreRetryOptions,
): Promise<void> {
  const outcome = await conditionalWrite(
    store,
    { key, bytes, precondition: putOptions, kind: "write-once" },
    retry,
  );
  if (!outcome.landed) throw new DataObjectConflictError(key);
}
