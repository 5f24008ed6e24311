/**
 * A manifest commit made under the lease: the request-path lease check, then the CAS on the
 * version the writer last knew. A refused CAS is told apart by re-reading: a manifest carrying
 * another writer's token means we were fenced (and the lease is marked lost); our own token
 * means the caller's base was stale, which is a bug in the caller, reported as the conflict.
 * Never retried blindly with the newer version: that would undo fencing.
 */
import type { BlobStore } from "../blobstore/blob-store.ts";
import {
  casManifest,
  type ManifestRetryOptions,
  readManifest,
  type VersionedManifest,
} from "../manifest/cas.ts";
import { FencedError, ManifestConflictError } from "../manifest/errors.ts";
import type { Manifest } from "../manifest/manifest.ts";
import { assert, type FaultPoints, noFaults } from "../runtime.ts";
import type { WriterLease } from "./writer-lease.ts";

export interface FencedCommitOptions {
  store: BlobStore;
  manifestKey: string;
  lease: WriterLease;
  retry?: ManifestRetryOptions;
  faults?: FaultPoints;
}

export const FENCED_COMMIT_FAULT_POINTS = [
  {
    name: "lease.before-commit-cas",
    description: "lease checked on the request path, manifest CAS not yet sent",
  },
] as const;

/** Commits `next` on `base`; returns the committed manifest and its version. */
export async function commitFenced(
  options: FencedCommitOptions,
  base: VersionedManifest,
  next: Manifest,
): Promise<VersionedManifest> {
  const { store, manifestKey, lease } = options;
  await lease.ensureLease();
  const token = lease.fencingToken;
  assert(next.fencingToken === token, `commit carries token ${next.fencingToken}, the lease ${token}`);
  assert(next.writerId === lease.holder, `commit names writer ${next.writerId}, the lease ${lease.holder}`);
  assert(next.commitSeq === base.manifest.commitSeq + 1, "commitSeq must advance by one per commit");
  await (options.faults ?? noFaults).hit("lease.before-commit-cas");
  try {
    const version = await casManifest(store, manifestKey, base.version, next, options.retry);
    return { manifest: next, version };
  } catch (error) {
    if (!(error instanceof ManifestConflictError)) throw error;
    const current = await readManifest(store, manifestKey, options.retry);
    const owner = current?.manifest;
    if (owner && (owner.fencingToken !== token || owner.writerId !== lease.holder)) {
      throw lease.markLost(
        new FencedError(
          token,
          `manifest CAS refused: manifest now carries token ${owner.fencingToken} of ${owner.writerId ?? "nobody"}`,
          {
            holder: owner.writerId,
            fencingToken: owner.fencingToken,
          },
        ),
      );
    }
    throw error;
  }
}
