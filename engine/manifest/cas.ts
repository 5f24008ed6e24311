/**
 * Reading and conditionally writing the manifest.
 *
 * - `readManifest` returns the manifest with the version token to CAS on, or null if absent.
 * - `casManifest` writes `next` only if the manifest is still at `expectedVersion` (null: only if
 *   absent). A refused precondition is a ManifestConflictError: the caller must re-read and decide
 *   (a writer whose token is no longer the manifest's is fenced). Retries and ambiguous-write
 *   resolution are engine/blobstore/conditional-write.ts's (a compare-and-swap object).
 * - `fenceStamp` is the CAS a new holder makes right after acquiring the lease: it writes its
 *   fencing token into the manifest, so every older holder's next CAS fails.
 */
import type { BlobStore, VersionToken } from "../blobstore/blob-store.ts";
import {
  conditionalWrite,
  resolveRetry,
  type RetryOptions,
  SMALL_OBJECT_RETRY,
  withStoreRetries,
} from "../blobstore/conditional-write.ts";
import { assert } from "../runtime.ts";
import { FencedError, ManifestConflictError } from "./errors.ts";
import { decodeManifest, emptyManifest, encodeManifest, type Manifest } from "./manifest.ts";

export interface VersionedManifest {
  manifest: Manifest;
  version: VersionToken;
}

/**
 * How store calls on the manifest are retried (conditional-write.ts's one policy); unset fields
 * take SMALL_OBJECT_RETRY, which suits the ~1 CAS/s per-object cap. Without a clock nothing is
 * retried.
 */
export type ManifestRetryOptions = RetryOptions;

export async function readManifest(
  store: BlobStore,
  key: string,
  retry: ManifestRetryOptions = {},
): Promise<VersionedManifest | null> {
  const object = await withStoreRetries(resolveRetry(retry, SMALL_OBJECT_RETRY), () => store.get(key));
  if (object === null) return null;
  return { manifest: decodeManifest(object.bytes, key), version: object.version };
}

/** Writes `next` if the manifest is still at `expectedVersion`; returns the new version. */
export async function casManifest(
  store: BlobStore,
  key: string,
  expectedVersion: VersionToken | null,
  next: Manifest,
  retry: ManifestRetryOptions = {},
): Promise<VersionToken> {
  const outcome = await conditionalWrite(
    store,
    {
      key,
      bytes: encodeManifest(next, key),
      precondition: expectedVersion === null ? { ifNoneMatch: true } : { ifMatch: expectedVersion },
      kind: "compare-and-swap",
    },
    resolveRetry(retry, SMALL_OBJECT_RETRY),
  );
  if (!outcome.landed) throw new ManifestConflictError(key, expectedVersion);
  return outcome.version;
}

/** Throws FencedError unless the manifest still carries this writer's fencing token. */
export function assertManifestOwnedBy(manifest: Manifest, fencingToken: number, writerId: string): void {
  if (manifest.fencingToken === fencingToken && manifest.writerId === writerId) return;
  throw new FencedError(
    fencingToken,
    `manifest carries token ${manifest.fencingToken} of ${manifest.writerId ?? "nobody"}`,
    { holder: manifest.writerId, fencingToken: manifest.fencingToken },
  );
}

export interface FenceStampRequest {
  /** The new holder's fencing token; must exceed the manifest's. */
  fencingToken: number;
  writerId: string;
  /** Creates the manifest when the database has none yet. */
  dbId: string;
  retry?: ManifestRetryOptions;
  /** Conflicts tolerated (a predecessor's last commits landing) before giving up. */
  conflictsMax?: number;
}

/**
 * Stamps `fencingToken` into the manifest by CAS, re-reading on conflict. Returns the manifest
 * as stamped: everything committed before the stamp is in it (that is the read-after-acquire of
 * B09), and no holder with a lower token can commit after it (B04). Throws FencedError when the
 * manifest already carries a token at or above ours: a newer holder exists.
 */
export async function fenceStamp(
  store: BlobStore,
  key: string,
  request: FenceStampRequest,
): Promise<VersionedManifest> {
  const retry = request.retry ?? {};
  const conflictsMax = request.conflictsMax ?? 8;
  for (let conflicts = 0; ; conflicts++) {
    const current = await readManifest(store, key, retry);
    const base = current?.manifest;
    if (base && base.fencingToken >= request.fencingToken)
      throw new FencedError(
        request.fencingToken,
        `manifest already carries token ${base.fencingToken} of ${base.writerId ?? "nobody"}`,
        { holder: base.writerId, fencingToken: base.fencingToken },
      );
    const next = stampedManifest(base, request);
    try {
      const version = await casManifest(store, key, current?.version ?? null, next, retry);
      return { manifest: next, version };
    } catch (error) {
      if (!(error instanceof ManifestConflictError) || conflicts >= conflictsMax) throw error;
    }
  }
}

/** The manifest after the stamp: the same state, a new writer whose life begins at resumeLsn. */
export function stampedManifest(base: Manifest | undefined, request: FenceStampRequest): Manifest {
  if (base) assert(base.dbId === request.dbId, `manifest is for ${base.dbId}, not ${request.dbId}`);
  const from: Manifest = base ?? emptyManifest(request.dbId);
  return {
    ...from,
    fencingToken: request.fencingToken,
    writerId: request.writerId,
    commitSeq: from.commitSeq + 1,
    lifeBaseLsn: from.resumeLsn,
  };
}
