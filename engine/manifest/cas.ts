/**
 * Reading and conditionally writing the manifest.
 *
 * - `readManifest` returns the manifest with the version token to CAS on, or null if absent.
 * - `casManifest` writes `next` only if the manifest is still at `expectedVersion` (null: only if
 *   absent). A refused precondition is a ManifestConflictError: the caller must re-read and decide
 *   (a writer whose token is no longer the manifest's is fenced). 429 and known-not-applied
 *   failures are retried after a backoff (nothing was written). An ambiguous write is resolved by
 *   reading back: our exact bytes at the key mean it landed, an unchanged version means it did not
 *   (and it is retried), anything else is a conflict.
 * - `fenceStamp` is the CAS a new holder makes right after acquiring the lease: it writes its
 *   fencing token into the manifest, so every older holder's next CAS fails.
 */
import type { BlobStore, VersionToken } from "../blobstore/blob-store.ts";
import {
  AmbiguousWriteError,
  PreconditionFailedError,
  RateLimitedError,
  TransientError,
} from "../blobstore/errors.ts";
import { assert, type Clock } from "../runtime.ts";
import { FencedError, ManifestConflictError } from "./errors.ts";
import { decodeManifest, emptyManifest, encodeManifest, type Manifest } from "./manifest.ts";

export interface VersionedManifest {
  manifest: Manifest;
  version: VersionToken;
}

/** How store calls on the manifest are retried. Defaults suit the ~1 CAS/s per-object cap. */
export interface ManifestRetryOptions {
  /** Used to wait between attempts; without it nothing is retried. */
  clock?: Clock;
  /** Attempts per call, the first included. */
  attemptsMax?: number;
  /** Wait before the second attempt; doubles after each further failure. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

const DEFAULT_ATTEMPTS_MAX = 6;
const DEFAULT_BACKOFF_BASE_MS = 250;
const DEFAULT_BACKOFF_MAX_MS = 4_000;

function isRetryable(error: unknown): boolean {
  return error instanceof RateLimitedError || error instanceof TransientError;
}

async function withRetries<T>(options: ManifestRetryOptions, work: () => Promise<T>): Promise<T> {
  const attemptsMax = options.clock ? (options.attemptsMax ?? DEFAULT_ATTEMPTS_MAX) : 1;
  let waitMs = options.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isRetryable(error) || attempt >= attemptsMax || !options.clock) throw error;
      await options.clock.sleepMs(waitMs);
      waitMs = Math.min(waitMs * 2, options.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS);
    }
  }
}

export async function readManifest(
  store: BlobStore,
  key: string,
  retry: ManifestRetryOptions = {},
): Promise<VersionedManifest | null> {
  const object = await withRetries(retry, () => store.get(key));
  if (object === null) return null;
  return { manifest: decodeManifest(object.bytes, key), version: object.version };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

/** Writes `next` if the manifest is still at `expectedVersion`; returns the new version. */
export async function casManifest(
  store: BlobStore,
  key: string,
  expectedVersion: VersionToken | null,
  next: Manifest,
  retry: ManifestRetryOptions = {},
): Promise<VersionToken> {
  const bytes = encodeManifest(next, key);
  const precondition =
    expectedVersion === null ? { ifNoneMatch: true as const } : { ifMatch: expectedVersion };
  const attemptsMax = retry.clock ? (retry.attemptsMax ?? DEFAULT_ATTEMPTS_MAX) : 1;
  let ambiguousBefore = false;
  for (let attempt = 1; ; attempt++) {
    try {
      return await withRetries(retry, () => store.put(key, bytes, precondition));
    } catch (error) {
      const refused = error instanceof PreconditionFailedError;
      if (!refused && !(error instanceof AmbiguousWriteError)) throw error;
      if (refused && !ambiguousBefore) throw new ManifestConflictError(key, expectedVersion);
      // Did an attempt land? (An ambiguous write may apply late, after we retried, which makes
      // the retry fail its precondition.) Read back: our exact bytes mean yes. commitSeq and
      // writerId make every manifest a writer produces unique, so nobody else wrote these bytes.
      ambiguousBefore = true;
      const current = await withRetries(retry, () => store.get(key));
      if (current !== null && sameBytes(current.bytes, bytes)) return current.version;
      if (refused) throw new ManifestConflictError(key, expectedVersion);
      const unchanged = current === null ? expectedVersion === null : current.version === expectedVersion;
      if (!unchanged) throw new ManifestConflictError(key, expectedVersion);
      if (attempt >= attemptsMax) throw error;
    }
  }
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
