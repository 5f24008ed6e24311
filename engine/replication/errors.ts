/**
 * Typed errors of the replication engine. Every rejection names what was wrong; callers can tell
 * a stale caller (StaleEpochError, StaleSessionError) from bad input (UnknownReplicaError,
 * MissingHistoryError, LsnOutOfRangeError) from a refused transition (InvalidPhaseError, ...).
 * A rejection never mutates state unless its doc says so (budget escalation does).
 */

export class ReplicationError extends Error {
  override name = "ReplicationError";
  /** Stable machine-readable cause, also used as the recovery log cause. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export class UnknownReplicaError extends ReplicationError {
  override name = "UnknownReplicaError";
  constructor(readonly replicaId: string) {
    super("unknown_replica", `no sender for replica ${JSON.stringify(replicaId)}`);
  }
}

export class StaleEpochError extends ReplicationError {
  override name = "StaleEpochError";
  constructor(
    readonly currentEpoch: number,
    readonly givenEpoch: number,
    what: string,
  ) {
    super("stale_epoch", `${what}: epoch ${givenEpoch} is older than current epoch ${currentEpoch}`);
  }
}

export class StaleSessionError extends ReplicationError {
  override name = "StaleSessionError";
  constructor(
    readonly activeSessionId: number | null,
    readonly givenSessionId: number,
  ) {
    super(
      "stale_session",
      `session ${givenSessionId} is not the active session (active: ${activeSessionId ?? "none"})`,
    );
  }
}

export class SenderStoppedError extends ReplicationError {
  override name = "SenderStoppedError";
  constructor(replicaId: string) {
    super("sender_stopped", `sender for ${replicaId} is stopped`);
  }
}

export class InvalidPhaseError extends ReplicationError {
  override name = "InvalidPhaseError";
  constructor(operation: string, phase: string) {
    super("invalid_phase", `${operation} is not allowed in phase ${phase}`);
  }
}

export class WrongSessionKindError extends ReplicationError {
  override name = "WrongSessionKindError";
  constructor(operation: string, kind: string) {
    super("wrong_session_kind", `${operation} is not allowed for a ${kind} session`);
  }
}

export class MissingHistoryError extends ReplicationError {
  override name = "MissingHistoryError";
  constructor(where: string) {
    super("missing_history", `${where}: retained history is missing`);
  }
}

export class InvalidHistoryError extends ReplicationError {
  override name = "InvalidHistoryError";
  constructor(reason: string) {
    super("invalid_history", `retained history is inconsistent: ${reason}`);
  }
}

export class LsnOutOfRangeError extends ReplicationError {
  override name = "LsnOutOfRangeError";
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly min: number,
    readonly max: number,
  ) {
    super("lsn_out_of_range", `${field}=${String(value)} is not an integer LSN in [${min}, ${max}]`);
  }
}

export class ProgressError extends ReplicationError {
  override name = "ProgressError";
  constructor(code: "progress_regression" | "beyond_frozen_target" | "transfer_regression", message: string) {
    super(code, message);
  }
}

export class TickRequiredError extends ReplicationError {
  override name = "TickRequiredError";
  constructor(operation: string) {
    super("tick_required", `${operation} needs the current time: the session has a progress deadline`);
  }
}

export type BudgetViolation = "duration_exceeded" | "entries_exceeded" | "progress_stalled";

export class BudgetExceededError extends ReplicationError {
  override name = "BudgetExceededError";
  constructor(readonly violation: BudgetViolation) {
    super(`budget_${violation}`, `catch-up budget violated: ${violation}; escalated to needs_rebuild`);
  }
}

export class RebuildGateError extends ReplicationError {
  override name = "RebuildGateError";
  constructor(
    code: "tail_replay_before_base" | "rebuild_not_ready" | "no_tail_for_full_base",
    message: string,
  ) {
    super(code, message);
  }
}

export class CompletionRejectedError extends ReplicationError {
  override name = "CompletionRejectedError";
  constructor(reason: "not_converged" | "truncation_required" | "rebuild_session") {
    super(`completion_rejected_${reason}`, `completion rejected: ${reason}`);
  }
}

export class TruncationError extends ReplicationError {
  override name = "TruncationError";
  constructor(message: string) {
    super("truncation_rejected", message);
  }
}

export type PinKind = "wal" | "snapshot" | "full_base";

export class PinFailedError extends ReplicationError {
  override name = "PinFailedError";
  constructor(
    readonly kind: PinKind,
    reason: string,
  ) {
    super(`${kind}_pin_failed`, `${kind} pin failed: ${reason}`);
  }
}

export class SessionInvalidatedError extends ReplicationError {
  override name = "SessionInvalidatedError";
  constructor(sessionId: number, step: string) {
    super("session_invalidated_mid_execution", `session ${sessionId} was invalidated before ${step}`);
  }
}

export class TransportError extends ReplicationError {
  override name = "TransportError";
  constructor(message: string) {
    super("transport_failed", message);
  }
}

export class InvalidAssignmentError extends ReplicationError {
  override name = "InvalidAssignmentError";
  constructor(reason: string) {
    super("invalid_assignment", `assignment rejected: ${reason}`);
  }
}
