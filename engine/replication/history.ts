/**
 * Retained history: the primary's WAL retention state as the recovery decisions see it, and the
 * pure decisions taken from it, each with a proof that says why.
 *
 * LSN conventions: entries with LSN <= tailLsn are recycled; (tailLsn, headLsn] is retained,
 * except the LSNs listed in missingLsns (holes: lost or unreadable entries). committedLsn is the
 * lineage-safe boundary; checkpointLsn the newest durable base image, usable only if trusted.
 */
import { InvalidHistoryError, MissingHistoryError } from "./errors.ts";
import { checkLsn } from "./types.ts";

export interface RetainedHistory {
  readonly tailLsn: number;
  readonly headLsn: number;
  readonly committedLsn: number;
  readonly checkpointLsn: number;
  readonly checkpointTrusted: boolean;
  /** Sorted LSNs inside (tailLsn, headLsn] that are not readable. */
  readonly missingLsns: readonly number[];
}

/** Rejects missing or inconsistent history with a typed error (V07: never a crash). */
export function requireHistory(history: RetainedHistory | null | undefined, where: string): RetainedHistory {
  if (history === null || history === undefined || typeof history !== "object") {
    throw new MissingHistoryError(where);
  }
  const head = checkLsn("history.headLsn", history.headLsn);
  const tail = checkLsn("history.tailLsn", history.tailLsn, 0, head);
  checkLsn("history.committedLsn", history.committedLsn, 0, head);
  checkLsn("history.checkpointLsn", history.checkpointLsn, 0, head);
  if (typeof history.checkpointTrusted !== "boolean") {
    throw new InvalidHistoryError("checkpointTrusted is not a boolean");
  }
  if (!Array.isArray(history.missingLsns)) throw new InvalidHistoryError("missingLsns is not a list");
  let previous = tail;
  for (const lsn of history.missingLsns) {
    checkLsn("history.missingLsns[]", lsn, previous + 1, head);
    previous = lsn;
  }
  return history;
}

export type RecoverabilityCheck = (
  history: RetainedHistory,
  startExclusive: number,
  endInclusive: number,
) => boolean;

/**
 * All entries in (startExclusive, endInclusive] are retained: not recycled (start >= tail), not
 * beyond the head, and no hole in between (V10: bounds alone are not enough).
 */
export const retainedContiguously: RecoverabilityCheck = (history, startExclusive, endInclusive) => {
  if (startExclusive < history.tailLsn) return false;
  if (endInclusive > history.headLsn) return false;
  return !history.missingLsns.some((lsn) => lsn > startExclusive && lsn <= endInclusive);
};

export type RecoveryOutcome = "zero_gap" | "catch_up" | "needs_rebuild";

export interface RecoverabilityProof {
  readonly replicaFlushedLsn: number;
  readonly committedLsn: number;
  readonly tailLsn: number;
  readonly headLsn: number;
  readonly outcome: RecoveryOutcome;
  readonly recoverable: boolean;
  /** Entries the catch-up needs, (start, end]; empty when nothing is replayed. */
  readonly replayStartExclusive: number;
  readonly replayEndInclusive: number;
  readonly truncateToLsn: number | null;
  readonly reason: string;
}

export type OutcomeClassifier = (
  replicaFlushedLsn: number,
  history: RetainedHistory,
  isRecoverable: RecoverabilityCheck,
) => RecoverabilityProof;

/**
 * Zero-gap only on exact equality; a replica ahead of committed needs truncation before it may
 * complete (V09); a behind replica catches up only if the whole gap is retained contiguously.
 */
export const classifyByExactBoundary: OutcomeClassifier = (flushed, history, isRecoverable) => {
  const base = {
    replicaFlushedLsn: flushed,
    committedLsn: history.committedLsn,
    tailLsn: history.tailLsn,
    headLsn: history.headLsn,
  };
  if (flushed === history.committedLsn) {
    return {
      ...base,
      outcome: "zero_gap",
      recoverable: true,
      replayStartExclusive: flushed,
      replayEndInclusive: flushed,
      truncateToLsn: null,
      reason: "zero_gap",
    };
  }
  if (flushed > history.committedLsn) {
    return {
      ...base,
      outcome: "catch_up",
      recoverable: true,
      replayStartExclusive: history.committedLsn,
      replayEndInclusive: history.committedLsn,
      truncateToLsn: history.committedLsn,
      reason: `replica_ahead_needs_truncation: flushed=${flushed} committed=${history.committedLsn}`,
    };
  }
  if (isRecoverable(history, flushed, history.committedLsn)) {
    return {
      ...base,
      outcome: "catch_up",
      recoverable: true,
      replayStartExclusive: flushed,
      replayEndInclusive: history.committedLsn,
      truncateToLsn: null,
      reason: `gap_within_retention: need ${flushed + 1}..${history.committedLsn}, tail=${history.tailLsn} head=${history.headLsn}`,
    };
  }
  const hole = history.missingLsns.find((lsn) => lsn > flushed && lsn <= history.committedLsn);
  return {
    ...base,
    outcome: "needs_rebuild",
    recoverable: false,
    replayStartExclusive: flushed,
    replayEndInclusive: history.committedLsn,
    truncateToLsn: null,
    reason:
      flushed < history.tailLsn
        ? `gap_beyond_retention: need ${flushed + 1} but tail=${history.tailLsn}`
        : `gap_not_contiguous: hole at ${hole ?? "?"}`,
  };
};

export type RebuildSource = "snapshot_tail" | "full_base";

export interface RebuildDecision {
  readonly source: RebuildSource;
  /** The snapshot's LSN for snapshot_tail, 0 for full_base. */
  readonly snapshotLsn: number;
  readonly targetLsn: number;
  readonly reason: string;
}

export type RebuildSourceSelector = (
  history: RetainedHistory,
  isRecoverable: RecoverabilityCheck,
) => RebuildDecision;

/** Snapshot+tail only with a trusted checkpoint AND a replayable tail; else full base (V03). */
export const trustedAndReplayable: RebuildSourceSelector = (history, isRecoverable) => {
  const target = history.committedLsn;
  if (target === 0)
    return { source: "full_base", snapshotLsn: 0, targetLsn: 0, reason: "no_committed_boundary" };
  if (history.checkpointLsn === 0)
    return { source: "full_base", snapshotLsn: 0, targetLsn: target, reason: "no_checkpoint" };
  if (!history.checkpointTrusted) {
    return { source: "full_base", snapshotLsn: 0, targetLsn: target, reason: "untrusted_checkpoint" };
  }
  if (history.checkpointLsn > target) {
    return { source: "full_base", snapshotLsn: 0, targetLsn: target, reason: "checkpoint_beyond_committed" };
  }
  if (!isRecoverable(history, history.checkpointLsn, target)) {
    return {
      source: "full_base",
      snapshotLsn: 0,
      targetLsn: target,
      reason: `trusted_checkpoint_unreplayable_tail: checkpoint=${history.checkpointLsn} tail=${history.tailLsn}`,
    };
  }
  return {
    source: "snapshot_tail",
    snapshotLsn: history.checkpointLsn,
    targetLsn: target,
    reason: "trusted_checkpoint_replayable_tail",
  };
};
