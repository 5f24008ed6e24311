/**
 * The read replica's replaceable parts. The engine runs with `realReplicaStrategy`; forensic
 * variants (fixtures/forensic) replace one part to put a bug back, never through flags here.
 */
import type { BlobStore } from "../blobstore/blob-store.ts";
import { readManifest, type VersionedManifest } from "../manifest/cas.ts";
import type { Manifest } from "../manifest/manifest.ts";

export interface DiscoverRequest {
  store: BlobStore;
  manifestKey: string;
  /** Key prefix of the database's objects. */
  prefix: string;
  /** The manifest the replica serves now (null before its first state). */
  served: Manifest | null;
}

export interface FreshnessCheck {
  /** The replica's clock at the read. */
  nowMs: number;
  /** When the replica last confirmed the manifest, or null if it never has. */
  confirmedAtMs: number | null;
  maxLagMs: number;
}

export interface ReplicaStrategy {
  /**
   * The state to serve next. Real: one GET of the manifest. Only what the manifest references is
   * durable: a data object in the bucket that no manifest names is an upload whose CAS has not
   * landed (or never will: a fenced zombie's), so listing data keys is never a source of truth.
   */
  discover(request: DiscoverRequest): Promise<VersionedManifest | null>;
  /** May a read be served? Real: only if the manifest was confirmed within maxLagMs. */
  fresh(check: FreshnessCheck): boolean;
}

export const realReplicaStrategy: ReplicaStrategy = {
  // No retries inside a poll: a failed read is retried by the next poll, and the lag bound
  // (not a retry loop) decides how long the replica may go without confirming.
  discover: (request) => readManifest(request.store, request.manifestKey),
  fresh: (check) => check.confirmedAtMs !== null && check.nowMs - check.confirmedAtMs <= check.maxLagMs,
};
