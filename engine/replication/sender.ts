/**
 * A Sender owns the replication channel to one replica: its epoch, endpoint, state and at most
 * one live recovery session. Every execution API takes the caller's session ID and rejects a
 * stale one (StaleSessionError) or a session from an older epoch (StaleEpochError), so an
 * executor that lost its session can never move the replica's state. Every transition and
 * rejection goes to the recovery log with its cause.
 */
import type { CatchUpBudget } from "./budget.ts";
import {
  BudgetExceededError,
  CompletionRejectedError,
  InvalidPhaseError,
  ProgressError,
  ReplicationError,
  SenderStoppedError,
  StaleEpochError,
  StaleSessionError,
  TruncationError,
  WrongSessionKindError,
} from "./errors.ts";
import type { RecoverabilityProof, RebuildSource } from "./history.ts";
import { RebuildState } from "./rebuild.ts";
import type { RecoveryEvent, RecoveryLog } from "./recovery-log.ts";
import { Session, type SessionSnapshot } from "./session.ts";
import type { ReplicationStrategies } from "./strategies.ts";
import { checkLsn, type Endpoint, endpointDiffers, type ReplicaState, type SessionKind } from "./types.ts";

export class Sender {
  private currentState: ReplicaState = "disconnected";
  private currentSession: Session | null = null;
  private stoppedFlag = false;
  /** Catch-up sessions that failed in execution since the last completion or escalation. */
  private failedCatchUpsInARow = 0;

  constructor(
    readonly replicaId: string,
    /** Distinguishes senders created for the same replica ID (identity lost ⇒ new incarnation). */
    readonly incarnation: number,
    private currentEndpoint: Endpoint,
    private currentEpoch: number,
    private readonly log: RecoveryLog,
    private readonly strategies: ReplicationStrategies,
    private readonly nextSessionId: () => number,
  ) {}

  get state(): ReplicaState {
    return this.currentState;
  }
  get epoch(): number {
    return this.currentEpoch;
  }
  get endpoint(): Endpoint {
    return this.currentEndpoint;
  }
  get stopped(): boolean {
    return this.stoppedFlag;
  }
  get sessionId(): number | null {
    return this.currentSession?.active ? this.currentSession.id : null;
  }
  hasActiveSession(): boolean {
    return this.currentSession?.active === true;
  }
  sessionSnapshot(): SessionSnapshot | null {
    return this.currentSession?.snapshot() ?? null;
  }

  /** Advances the epoch; a session of an older epoch is invalidated. Older epochs are rejected. */
  updateEpoch(epoch: number): void {
    if (this.stoppedFlag) throw new SenderStoppedError(this.replicaId);
    if (epoch < this.currentEpoch)
      throw new StaleEpochError(this.currentEpoch, epoch, `sender ${this.replicaId}`);
    if (epoch === this.currentEpoch) return;
    const old = this.currentEpoch;
    this.currentEpoch = epoch;
    this.log.record(this.replicaId, 0, "epoch_advanced", "assignment_epoch", { from: old, to: epoch });
    if (this.currentSession?.active && this.currentSession.epoch < epoch) {
      this.dropSession(`epoch_advanced_${old}_to_${epoch}`, "disconnected");
    }
  }

  /** Records a new endpoint. Only a real change invalidates the session (and is logged as one). */
  updateEndpoint(endpoint: Endpoint): boolean {
    if (this.stoppedFlag) throw new SenderStoppedError(this.replicaId);
    if (!endpointDiffers(this.currentEndpoint, endpoint)) return false;
    const before = this.currentEndpoint;
    this.currentEndpoint = endpoint;
    this.log.record(this.replicaId, 0, "endpoint_updated", "assignment_endpoint", {
      from: before.dataAddr,
      to: endpoint.dataAddr,
      version: endpoint.version,
    });
    if (this.currentSession?.active)
      this.strategies.onEndpointChange({
        invalidate: () => this.dropSession("endpoint_changed", "disconnected", before, endpoint),
      });
    return true;
  }

  /**
   * Attaches a new session at `epoch`, replacing any live one. `cause` is the logged reason for
   * replacing it. Returns the new session's ID.
   */
  attachSession(epoch: number, kind: SessionKind, budget: CatchUpBudget, cause: string): number {
    if (this.stoppedFlag) throw new SenderStoppedError(this.replicaId);
    if (epoch !== this.currentEpoch) {
      throw new StaleEpochError(this.currentEpoch, epoch, `attach session to ${this.replicaId}`);
    }
    if (this.currentSession?.active) this.dropSession(cause, "disconnected");
    const rebuild = kind === "rebuild" ? new RebuildState(this.strategies.tailReplayGate) : null;
    const session = new Session(this.nextSessionId(), this.replicaId, epoch, kind, budget, rebuild);
    this.currentSession = session;
    this.log.record(this.replicaId, session.id, "session_created", cause, { kind, epoch });
    return session.id;
  }

  /** Invalidates the given session if it is still the live one. */
  invalidateSession(sessionId: number, cause: string, targetState: ReplicaState): boolean {
    if (this.currentSession?.id !== sessionId || !this.currentSession.active) return false;
    this.dropSession(cause, targetState);
    return true;
  }

  /**
   * The executor's failure path: ends the session if it is still the live one. A catch-up that
   * keeps failing never converges, so after the strategy's number of failures in a row the
   * replica needs a rebuild instead of one more catch-up (Go: maximum attempts, then escalate).
   */
  failSession(sessionId: number, cause: string): boolean {
    const session = this.currentSession;
    if (session?.id !== sessionId || !session.active) return false;
    let targetState: ReplicaState = "disconnected";
    let why = cause;
    if (session.kind === "catch_up") {
      this.failedCatchUpsInARow++;
      targetState = this.strategies.afterFailedCatchUps(this.failedCatchUpsInARow);
      if (targetState === "needs_rebuild") {
        why = `${cause}; catch_up_failed_${this.failedCatchUpsInARow}_times`;
        this.failedCatchUpsInARow = 0;
      }
    }
    this.dropSession(why, targetState);
    return true;
  }

  /** Catch-up sessions that failed in execution in a row (0 after a completion or escalation). */
  get failedCatchUps(): number {
    return this.failedCatchUpsInARow;
  }

  stop(cause: string): void {
    if (this.stoppedFlag) return;
    if (this.currentSession?.active) this.dropSession(cause, "disconnected");
    this.stoppedFlag = true;
    this.log.record(this.replicaId, 0, "sender_stopped", cause);
  }

  /**
   * A plan's admission check: the live session is of `kind`. Logs and throws before anything
   * moves, so a plan for the wrong kind leaves the session exactly as it was.
   */
  requirePlanKind(sessionId: number, kind: SessionKind, operation: string): void {
    this.step(operation, sessionId, (session) => {
      this.strategies.checkPlanKind(operation, kind, session.kind);
      return null;
    });
  }

  beginConnect(sessionId: number): void {
    this.step("begin_connect", sessionId, (session) => {
      this.advance(session, "connecting", "begin_connect");
      this.currentState = "connecting";
      return { event: "connected", cause: "connect_started" };
    });
  }

  /** Records a handshake classified from retained history; needs_rebuild ends the session. */
  recordHandshake(sessionId: number, proof: RecoverabilityProof): void {
    this.step("handshake", sessionId, (session) => {
      if (session.kind !== "catch_up") throw new WrongSessionKindError("catch-up handshake", session.kind);
      if (session.phase !== "connecting") throw new InvalidPhaseError("handshake", session.phase);
      const fields = {
        outcome: proof.outcome,
        flushed: proof.replicaFlushedLsn,
        committed: proof.committedLsn,
        tail: proof.tailLsn,
        head: proof.headLsn,
        recoverable: proof.recoverable,
        replayFrom: proof.replayStartExclusive,
        replayTo: proof.replayEndInclusive,
        truncateTo: proof.truncateToLsn,
      };
      if (proof.outcome === "needs_rebuild") {
        this.log.record(this.replicaId, session.id, "handshake", proof.reason, fields);
        this.dropSession(`needs_rebuild: ${proof.reason}`, "needs_rebuild");
        return null;
      }
      this.advance(session, "handshake", "handshake");
      session.setRange(proof.replayStartExclusive, proof.replayEndInclusive);
      session.truncateToLsn = proof.truncateToLsn;
      return { event: "handshake", cause: proof.reason, fields };
    });
  }

  /** Rebuild handshake: the rebuild will bring the replica to targetLsn from the chosen base. */
  recordRebuildHandshake(
    sessionId: number,
    source: RebuildSource,
    snapshotLsn: number,
    targetLsn: number,
    reason: string,
  ): void {
    this.step("rebuild_handshake", sessionId, (session) => {
      if (session.kind !== "rebuild" || !session.rebuild)
        throw new WrongSessionKindError("rebuild handshake", session.kind);
      checkLsn("targetLsn", targetLsn);
      checkLsn("snapshotLsn", snapshotLsn, 0, targetLsn);
      this.advance(session, "handshake", "rebuild_handshake");
      session.setRange(0, targetLsn);
      return {
        event: "rebuild_handshake",
        cause: reason,
        fields: { source, snapshot: snapshotLsn, target: targetLsn },
      };
    });
  }

  /** Starts catch-up and freezes its target (REP-4). */
  beginCatchUp(sessionId: number, nowMs: number | undefined): void {
    this.step("begin_catch_up", sessionId, (session) => {
      if (session.kind !== "catch_up") throw new WrongSessionKindError("begin catch-up", session.kind);
      this.advance(session, "catch_up", "begin_catch_up");
      session.frozenTargetLsn = session.targetLsn;
      session.tracker.startedAtMs = nowMs ?? null;
      session.tracker.lastProgressAtMs = nowMs ?? null;
      this.currentState = "catching_up";
      return {
        event: "catch_up_started",
        cause: "handshake_catch_up",
        fields: { from: session.startLsn, frozenTarget: session.targetLsn },
      };
    });
  }

  /**
   * Records catch-up progress. The budget is checked first, at `nowMs`, so a late ack after a
   * stall cannot hide the stall; a violation escalates to needs_rebuild.
   */
  recordCatchUpProgress(sessionId: number, recoveredTo: number, nowMs: number | undefined): void {
    this.step("catch_up_progress", sessionId, (session) => {
      if (session.kind !== "catch_up") throw new WrongSessionKindError("catch-up progress", session.kind);
      if (session.phase !== "catch_up") throw new InvalidPhaseError("catch-up progress", session.phase);
      checkLsn("recoveredTo", recoveredTo);
      if (recoveredTo <= session.recoveredTo) {
        throw new ProgressError("progress_regression", `progress ${recoveredTo} <= ${session.recoveredTo}`);
      }
      const frozen = session.frozenTargetLsn ?? session.targetLsn;
      if (recoveredTo > frozen) {
        throw new ProgressError(
          "beyond_frozen_target",
          `progress ${recoveredTo} exceeds frozen target ${frozen}`,
        );
      }
      this.enforceBudget(session, nowMs, "catch-up progress");
      session.recoveredTo = recoveredTo;
      session.tracker.entriesReplayed = this.strategies.countEntries(session.startLsn, recoveredTo);
      if (nowMs !== undefined) session.tracker.lastProgressAtMs = nowMs;
      this.enforceBudget(session, nowMs, "catch-up progress");
      return {
        event: "catch_up_progress",
        cause: "entries_applied",
        fields: { recoveredTo, entries: session.tracker.entriesReplayed },
      };
    });
  }

  /** A budget check without progress (a wake-up with nothing new): may escalate. */
  checkBudget(sessionId: number, nowMs: number | undefined): void {
    this.step("budget_check", sessionId, (session) => {
      if (session.phase !== "catch_up") return null;
      this.enforceBudget(session, nowMs, "budget check");
      return null;
    });
  }

  recordTruncation(sessionId: number, truncatedToLsn: number): void {
    this.step("truncation", sessionId, (session) => {
      if (session.truncateToLsn === null)
        throw new TruncationError("truncation not required in this session");
      if (truncatedToLsn !== session.truncateToLsn) {
        throw new TruncationError(`truncated to ${truncatedToLsn}, required ${session.truncateToLsn}`);
      }
      session.truncateRecorded = true;
      return {
        event: "truncation_recorded",
        cause: "replica_ahead",
        fields: { truncatedTo: truncatedToLsn },
      };
    });
  }

  /** Completes a catch-up or zero-gap session: converged, and truncated if it had to be (A8). */
  completeCatchUp(sessionId: number): void {
    this.step("complete", sessionId, (session) => {
      const rejection = this.strategies.completionGate(session);
      if (rejection !== null) throw new CompletionRejectedError(rejection);
      this.advance(session, "completed", "complete");
      this.failedCatchUpsInARow = 0;
      this.currentSession = null;
      this.currentState = "in_sync";
      return { event: "completed", cause: "converged", fields: { at: session.targetLsn } };
    });
  }

  selectRebuildSource(
    sessionId: number,
    source: RebuildSource,
    snapshotLsn: number,
    targetLsn: number,
  ): void {
    this.rebuildStep("rebuild_source", sessionId, (session, rebuild) => {
      if (session.phase !== "handshake") throw new InvalidPhaseError("select rebuild source", session.phase);
      rebuild.selectSource(source, snapshotLsn, targetLsn);
      this.advance(session, "rebuild", "rebuild_source");
      this.currentState = "rebuilding";
      return {
        event: "rebuild_source_selected",
        cause: "plan_bound",
        fields: { source, snapshot: snapshotLsn, target: targetLsn },
      };
    });
  }

  beginRebuildTransfer(sessionId: number): void {
    this.rebuildStep("rebuild_transfer", sessionId, (_session, rebuild) => {
      rebuild.beginTransfer();
      return { event: "rebuild_transfer_started", cause: "source_selected" };
    });
  }

  recordRebuildTransfer(sessionId: number, transferredTo: number): void {
    this.rebuildStep("rebuild_transfer_progress", sessionId, (_session, rebuild) => {
      checkLsn("transferredTo", transferredTo);
      rebuild.recordTransfer(transferredTo);
      return { event: "rebuild_transfer_progress", cause: "base_chunks_acked", fields: { transferredTo } };
    });
  }

  beginRebuildTailReplay(sessionId: number): void {
    this.rebuildStep("rebuild_tail_replay", sessionId, (_session, rebuild) => {
      rebuild.beginTailReplay();
      return {
        event: "rebuild_tail_replay_started",
        cause: "base_reached_snapshot",
        fields: { transferredTo: rebuild.transferredTo, snapshot: rebuild.snapshotLsn },
      };
    });
  }

  recordRebuildTailReplay(sessionId: number, replayedTo: number): void {
    this.rebuildStep("rebuild_tail_progress", sessionId, (_session, rebuild) => {
      checkLsn("replayedTo", replayedTo);
      rebuild.recordTailReplay(replayedTo);
      return { event: "rebuild_tail_progress", cause: "entries_applied", fields: { replayedTo } };
    });
  }

  completeRebuild(sessionId: number): void {
    this.rebuildStep("rebuild_complete", sessionId, (session, rebuild) => {
      rebuild.complete();
      this.advance(session, "completed", "rebuild_complete");
      this.failedCatchUpsInARow = 0;
      this.currentSession = null;
      this.currentState = "in_sync";
      return {
        event: "rebuild_completed",
        cause: "target_reached",
        fields: { at: rebuild.targetLsn, source: rebuild.source },
      };
    });
  }

  /** Throws unless `sessionId` is the live session at the sender's epoch. */
  requireSession(sessionId: number): Session {
    if (this.stoppedFlag) throw new SenderStoppedError(this.replicaId);
    const session = this.currentSession;
    if (!session || !session.active || session.id !== sessionId) {
      throw new StaleSessionError(session?.active ? session.id : null, sessionId);
    }
    if (session.epoch !== this.currentEpoch)
      throw new StaleEpochError(this.currentEpoch, session.epoch, "session");
    return session;
  }

  private enforceBudget(session: Session, nowMs: number | undefined, operation: string): void {
    const violation = this.strategies.evaluateBudget(session.budget, session.tracker, nowMs, operation);
    if (violation === null) return;
    this.log.record(this.replicaId, session.id, "budget_escalated", `budget_${violation}`, {
      startLsn: session.startLsn,
      recoveredTo: session.recoveredTo,
      entries: session.tracker.entriesReplayed,
      maxEntries: session.budget.maxEntries,
      lastProgressAtMs: session.tracker.lastProgressAtMs,
      deadlineMs: session.budget.progressDeadlineMs,
    });
    this.dropSession(`budget_${violation}`, "needs_rebuild");
    throw new BudgetExceededError(violation);
  }

  private advance(session: Session, to: Session["phase"], operation: string): void {
    if (!session.advance(to)) throw new InvalidPhaseError(operation, session.phase);
  }

  private dropSession(cause: string, targetState: ReplicaState, before?: Endpoint, after?: Endpoint): void {
    const session = this.currentSession;
    if (session?.active) {
      session.invalidate(cause);
      const fields: Record<string, string | number> = { kind: session.kind, phase: "invalidated" };
      if (before && after) {
        fields.fromAddr = before.dataAddr;
        fields.toAddr = after.dataAddr;
        fields.fromVersion = before.version;
        fields.toVersion = after.version;
      }
      this.log.record(this.replicaId, session.id, "session_invalidated", cause, fields);
    }
    this.currentSession = null;
    this.currentState = targetState;
  }

  private rebuildStep(
    operation: string,
    sessionId: number,
    body: (session: Session, rebuild: RebuildState) => StepResult | null,
  ): void {
    this.step(operation, sessionId, (session) => {
      if (session.kind !== "rebuild" || !session.rebuild)
        throw new WrongSessionKindError(operation, session.kind);
      return body(session, session.rebuild);
    });
  }

  /** Runs one gated step; logs its transition, or its rejection with the error's code as cause. */
  private step(operation: string, sessionId: number, body: (session: Session) => StepResult | null): void {
    try {
      const session = this.requireSession(sessionId);
      const result = body(session);
      if (result) this.log.record(this.replicaId, sessionId, result.event, result.cause, result.fields ?? {});
    } catch (error) {
      const cause = error instanceof ReplicationError ? error.code : "engine_error";
      this.log.record(this.replicaId, sessionId, "rejected", cause, {
        operation,
        message: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  }
}

interface StepResult {
  event: RecoveryEvent;
  cause: string;
  fields?: Record<string, string | number | boolean | null>;
}
