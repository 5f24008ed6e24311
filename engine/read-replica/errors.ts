/**
 * Typed errors of the read replica. A read is refused rather than served when the replica cannot
 * vouch for its state (StaleReplicaError); a poll that cannot be applied leaves the served state
 * as it was and reports why (ManifestRegressedError, or restore's typed errors for a missing or
 * corrupt object the manifest names).
 */

/**
 * The replica has not confirmed the manifest within its lag bound: serving its state could hide
 * commits that were durable more than `maxLagMs` ago, so the read is refused.
 */
export class StaleReplicaError extends Error {
  override name = "StaleReplicaError";
  constructor(
    /** When the replica last confirmed the manifest (its clock), or null if it never has. */
    readonly confirmedAtMs: number | null,
    /** The replica's clock at the read. */
    readonly nowMs: number,
    readonly maxLagMs: number,
  ) {
    super(
      confirmedAtMs === null
        ? `read replica has not confirmed the manifest yet (lag bound ${maxLagMs} ms)`
        : `read replica last confirmed the manifest ${nowMs - confirmedAtMs} ms ago, more than its lag bound of ${maxLagMs} ms`,
    );
  }
}

/**
 * The store answered with a manifest older than the one the replica serves (a lower commitSeq).
 * A strongly consistent store never does this; the replica keeps its state and does not confirm.
 */
export class ManifestRegressedError extends Error {
  override name = "ManifestRegressedError";
  constructor(
    readonly key: string,
    readonly servedCommitSeq: number,
    readonly readCommitSeq: number,
  ) {
    super(
      `manifest ${key} went backwards: serving commitSeq ${servedCommitSeq}, the store answered ${readCommitSeq}`,
    );
  }
}

/** A read or a poll on a replica that was stopped. */
export class ReplicaStoppedError extends Error {
  override name = "ReplicaStoppedError";
  constructor() {
    super("read replica is stopped");
  }
}

/** Options that cannot work, named (a lag bound no poll interval can meet, a non-positive interval). */
export class ReplicaOptionsError extends Error {
  override name = "ReplicaOptionsError";
  constructor(
    readonly option: string,
    readonly reason: string,
  ) {
    super(`read replica option ${option}: ${reason}`);
  }
}
