/**
 * The sender's gates held to the truth (issue #23):
 * - completion-gates: a hostile driver calls complete / truncate / progress at random with the
 *   live session ID; every call the sender accepts must be one the gates allow on the session
 *   as it was (catch-up only, truncation recorded when required, converged at the frozen
 *   target, zero gap only when start equals target; progress above what was recovered and
 *   within the frozen target; truncation exactly to the required LSN). The oracle below is
 *   written from the upstream tests, not taken from the engine, so a broken gate cannot agree
 *   with itself.
 * - acked-progress-true: every catch-up or tail-replay progress the log records is at or below
 *   what the replica really holds, so an over-reporting link cannot make the executor skip
 *   entries (and a frozen target cannot be chased past).
 */
import type { RecoveryLogEntry, SessionSnapshot } from "../engine/replication/index.ts";
import type { SimReplica } from "../sim/replica.ts";
import type { World } from "../sim/world.ts";

export const COMPLETION_GATES = "completion-gates";
export const ACKED_PROGRESS = "acked-progress-true";

export type HostileCall =
  { op: "complete" } | { op: "truncate"; toLsn: number } | { op: "progress"; recoveredTo: number };

/** Would the gates accept this call on this session? (the oracle; null = accept) */
export function gateVerdict(session: SessionSnapshot, call: HostileCall): string | null {
  if (session.kind !== "catch_up") return "rebuild session";
  switch (call.op) {
    case "complete":
      if (session.truncateToLsn !== null && !session.truncateRecorded) return "truncation not recorded";
      if (session.phase === "handshake")
        return session.startLsn === session.targetLsn ? null : "zero-gap completion with start ≠ target";
      if (session.phase !== "catch_up") return `completion in ${session.phase}`;
      return session.recoveredTo >= (session.frozenTargetLsn ?? session.targetLsn) ? null : "not converged";
    case "truncate":
      if (session.truncateToLsn === null) return "truncation not required";
      return call.toLsn === session.truncateToLsn
        ? null
        : `truncated to ${call.toLsn}, required ${session.truncateToLsn}`;
    case "progress":
      if (session.phase !== "catch_up") return `progress in ${session.phase}`;
      if (call.recoveredTo <= session.recoveredTo) return "progress regression";
      if (call.recoveredTo > (session.frozenTargetLsn ?? session.targetLsn))
        return "beyond the frozen target";
      return null;
  }
}

/** Judges one hostile call: accepted although the gates (on `before`) refuse it is a violation. */
export function judgeHostileCall(
  world: World,
  replicaId: string,
  before: SessionSnapshot,
  call: HostileCall,
  accepted: boolean,
): void {
  const refusal = gateVerdict(before, call);
  if (accepted && refusal !== null)
    world.violate(
      COMPLETION_GATES,
      `${replicaId} session ${before.id} (${before.phase}, start ${before.startLsn}, target ${before.targetLsn}, recovered ${before.recoveredTo}): ${JSON.stringify(call)} accepted although ${refusal}`,
    );
}

/** acked-progress-true on every progress entry of the recovery log. */
export function watchAckedProgress(
  world: World,
  replicaOf: (replicaId: string) => SimReplica | undefined,
  onLog: (observe: (entry: RecoveryLogEntry) => void) => void,
): void {
  onLog((entry) => {
    const claimed =
      entry.event === "catch_up_progress"
        ? entry.fields.recoveredTo
        : entry.event === "rebuild_tail_progress"
          ? entry.fields.replayedTo
          : undefined;
    if (typeof claimed !== "number") return;
    const replica = replicaOf(entry.replicaId);
    if (replica && claimed > replica.flushedLsn)
      world.violate(
        ACKED_PROGRESS,
        `${entry.replicaId} session ${entry.sessionId}: progress recorded at ${claimed}, the replica holds ${replica.flushedLsn}`,
      );
  });
}

export const CATCH_UP_BOUNDED = "catch-up-attempts-bounded";

/**
 * catch-up-attempts-bounded (A5): a catch-up that keeps failing in execution is not retried
 * forever; after `failuresMax` failed catch-up sessions in a row (no completion, no rebuild in
 * between) the next session of that replica is a rebuild. Judged on one engine's log (a
 * restarted engine starts counting again).
 */
export function watchFailedCatchUps(
  world: World,
  failuresMax: number,
  onLog: (observe: (entry: RecoveryLogEntry) => void) => void,
): void {
  const failed = new Map<string, number>();
  onLog((entry) => {
    if (
      entry.event === "completed" ||
      entry.event === "rebuild_completed" ||
      (entry.event === "session_created" && entry.fields.kind === "rebuild")
    ) {
      failed.set(entry.replicaId, 0);
      return;
    }
    if (
      entry.event !== "session_invalidated" ||
      entry.fields.kind !== "catch_up" ||
      !entry.cause.startsWith("exec_failed")
    )
      return;
    const count = (failed.get(entry.replicaId) ?? 0) + 1;
    failed.set(entry.replicaId, count);
    if (count > failuresMax)
      world.violate(
        CATCH_UP_BOUNDED,
        `${entry.replicaId}: catch-up session ${entry.sessionId} is the ${count}th in a row to fail without a rebuild (bound ${failuresMax})`,
      );
  });
}

export const FROZEN_TARGET = "frozen-target-held";

/**
 * frozen-target-held (REP-4, A5): a catch-up executor never asks for entries past the target
 * frozen when its catch-up began, however far the writer has moved on. Judged on one engine's
 * log (catch_up_started names the frozen target) and every stream the link sends.
 */
export function watchFrozenTargets(
  world: World,
  onLog: (observe: (entry: RecoveryLogEntry) => void) => void,
): (replicaId: string, sessionId: number, toLsn: number) => void {
  const frozen = new Map<string, number>();
  onLog((entry) => {
    const key = `${entry.replicaId}/${entry.sessionId}`;
    if (entry.event === "catch_up_started" && typeof entry.fields.frozenTarget === "number")
      frozen.set(key, entry.fields.frozenTarget);
    else if (entry.event === "completed" || entry.event === "session_invalidated") frozen.delete(key);
  });
  return (replicaId, sessionId, toLsn) => {
    const target = frozen.get(`${replicaId}/${sessionId}`);
    if (target !== undefined && toLsn > target)
      world.violate(
        FROZEN_TARGET,
        `${replicaId} session ${sessionId}: streamed up to ${toLsn}, past its frozen target ${target}`,
      );
  };
}
