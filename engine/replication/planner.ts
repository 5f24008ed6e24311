/**
 * The planner: turns a live session plus the primary's retained history into a RecoveryPlan
 * that binds everything an executor will need (outcome, proof, range, rebuild source and
 * targets) and holds the pins that keep those resources alive. If any pin fails, the pins
 * already taken are released and the session is invalidated (no dangling session, V05).
 */
import { PinFailedError, ReplicationError } from "./errors.ts";
import type { RebuildSource, RecoverabilityProof } from "./history.ts";
import type { RecoveryLog } from "./recovery-log.ts";
import type { Registry } from "./registry.ts";
import type { Pin, PinOwner, ReplicationStorage } from "./storage.ts";
import type { ReplicationStrategies } from "./strategies.ts";
import { checkLsn } from "./types.ts";

export interface CatchUpPlan {
  readonly kind: "catch_up";
  readonly replicaId: string;
  readonly sessionId: number;
  readonly epoch: number;
  readonly proof: RecoverabilityProof;
  readonly startLsn: number;
  readonly targetLsn: number;
  readonly truncateToLsn: number | null;
  readonly pins: Pin[];
}

export interface RebuildPlan {
  readonly kind: "rebuild";
  readonly replicaId: string;
  readonly sessionId: number;
  readonly epoch: number;
  readonly source: RebuildSource;
  readonly snapshotLsn: number;
  readonly targetLsn: number;
  readonly reason: string;
  readonly pins: Pin[];
}

export type RecoveryPlan = CatchUpPlan | RebuildPlan;

/** A zero-gap handshake completes at once: nothing to execute. */
export interface ZeroGapResult {
  readonly kind: "zero_gap";
  readonly proof: RecoverabilityProof;
}
export interface NeedsRebuildResult {
  readonly kind: "needs_rebuild";
  readonly proof: RecoverabilityProof;
}

export class Planner {
  constructor(
    private readonly registry: Registry,
    private readonly storage: ReplicationStorage,
    private readonly log: RecoveryLog,
    private readonly strategies: ReplicationStrategies,
  ) {}

  /**
   * For a catch-up session: connect, classify the replica's flushed LSN against retained
   * history, and pin what the catch-up will read.
   */
  planCatchUp(
    replicaId: string,
    sessionId: number,
    replicaFlushedLsn: number,
  ): CatchUpPlan | ZeroGapResult | NeedsRebuildResult {
    const sender = this.admit(replicaId, sessionId, "planCatchUp", () =>
      checkLsn("replicaFlushedLsn", replicaFlushedLsn),
    );
    sender.requireSession(sessionId);
    sender.requirePlanKind(sessionId, "catch_up", "planCatchUp");
    const history = this.readHistory(replicaId, sessionId, "planCatchUp");
    sender.beginConnect(sessionId);
    const proof = this.strategies.classifyOutcome(replicaFlushedLsn, history, this.strategies.isRecoverable);
    sender.recordHandshake(sessionId, proof);
    if (proof.outcome === "needs_rebuild") {
      this.log.record(replicaId, sessionId, "escalated", `needs_rebuild: ${proof.reason}`);
      return { kind: "needs_rebuild", proof };
    }
    if (proof.outcome === "zero_gap") {
      sender.completeCatchUp(sessionId);
      return { kind: "zero_gap", proof };
    }
    const owner = { replicaId, sessionId };
    const pins: Pin[] = [];
    const pinStart = this.strategies.walPinStart(proof);
    if (pinStart !== null)
      this.pin(owner, pins, "wal_pin_failed", () => this.storage.pinWalRetention(owner, pinStart));
    const plan: CatchUpPlan = {
      kind: "catch_up",
      replicaId,
      sessionId,
      epoch: sender.epoch,
      proof,
      startLsn: proof.replayStartExclusive,
      targetLsn: proof.replayEndInclusive,
      truncateToLsn: proof.truncateToLsn,
      pins,
    };
    const walPin = pins.find((pin) => pin.kind === "wal");
    this.log.record(
      replicaId,
      sessionId,
      plan.truncateToLsn !== null ? "plan_truncate_only" : "plan_catch_up",
      proof.reason,
      {
        from: plan.startLsn,
        to: plan.targetLsn,
        truncateTo: plan.truncateToLsn,
        walPinFrom: walPin ? walPin.lsn : null,
      },
    );
    return plan;
  }

  /** For a rebuild session: choose the source from history and pin its base (and tail). */
  planRebuild(replicaId: string, sessionId: number): RebuildPlan {
    const sender = this.admit(replicaId, sessionId, "planRebuild", () => undefined);
    sender.requireSession(sessionId);
    // Kind first: beginConnect below moves the session, and a rejection must change nothing.
    sender.requirePlanKind(sessionId, "rebuild", "planRebuild");
    const history = this.readHistory(replicaId, sessionId, "planRebuild");
    const decision = this.strategies.selectRebuildSource(history, this.strategies.isRecoverable);
    sender.beginConnect(sessionId);
    sender.recordRebuildHandshake(
      sessionId,
      decision.source,
      decision.snapshotLsn,
      decision.targetLsn,
      decision.reason,
    );
    this.log.record(
      replicaId,
      sessionId,
      decision.source === "snapshot_tail" ? "plan_rebuild_snapshot_tail" : "plan_rebuild_full_base",
      decision.reason,
      {
        snapshot: decision.snapshotLsn,
        target: decision.targetLsn,
        checkpoint: history.checkpointLsn,
        trusted: history.checkpointTrusted,
        tail: history.tailLsn,
        head: history.headLsn,
      },
    );
    const owner = { replicaId, sessionId };
    const pins: Pin[] = [];
    if (decision.source === "snapshot_tail") {
      this.pin(owner, pins, "snapshot_pin_failed", () =>
        this.storage.pinSnapshot(owner, decision.snapshotLsn),
      );
      this.pin(owner, pins, "wal_pin_failed_during_rebuild", () =>
        this.storage.pinWalRetention(owner, decision.snapshotLsn),
      );
    } else {
      this.pin(owner, pins, "full_base_pin_failed", () =>
        this.storage.pinFullBase(owner, decision.targetLsn),
      );
    }
    return {
      kind: "rebuild",
      replicaId,
      sessionId,
      epoch: sender.epoch,
      source: decision.source,
      snapshotLsn: decision.snapshotLsn,
      targetLsn: decision.targetLsn,
      reason: decision.reason,
      pins,
    };
  }

  /** Releases every pin a plan still holds (idempotent: the list empties). */
  releasePins(plan: RecoveryPlan, cause: string): void {
    while (plan.pins.length > 0) {
      const pin = plan.pins.pop()!;
      this.storage.release(pin);
      this.log.record(plan.replicaId, plan.sessionId, "pin_released", cause, {
        kind: pin.kind,
        pin: pin.id,
        lsn: pin.lsn,
      });
    }
  }

  /** Input checks before anything moves; a rejection is logged with its cause (REP-5). */
  private admit(replicaId: string, sessionId: number, operation: string, checkInput: () => unknown) {
    try {
      checkInput();
      return this.registry.sender(replicaId);
    } catch (error) {
      if (error instanceof ReplicationError) {
        this.log.record(replicaId, sessionId, "rejected", error.code, { operation, message: error.message });
      }
      throw error;
    }
  }

  private readHistory(replicaId: string, sessionId: number, where: string) {
    try {
      return this.strategies.checkHistory(this.storage.retainedHistory(), where);
    } catch (error) {
      if (error instanceof ReplicationError)
        this.log.record(replicaId, sessionId, "rejected", error.code, {
          operation: where,
          message: error.message,
        });
      throw error;
    }
  }

  private pin(owner: PinOwner, pins: Pin[], cause: string, take: () => Pin): void {
    let pin: Pin;
    try {
      pin = take();
    } catch (error) {
      const failure =
        error instanceof PinFailedError
          ? error
          : new PinFailedError("wal", error instanceof Error ? error.message : String(error));
      this.log.record(owner.replicaId, owner.sessionId, "pin_failed", cause, {
        kind: failure.kind,
        message: failure.message,
      });
      this.releasePins(
        { replicaId: owner.replicaId, sessionId: owner.sessionId, pins } as RecoveryPlan,
        cause,
      );
      const sender = this.registry.sender(owner.replicaId);
      this.strategies.onPinFailure({
        cause,
        invalidate: (targetState) => sender.invalidateSession(owner.sessionId, cause, targetState),
      });
      throw failure;
    }
    pins.push(pin);
    this.log.record(owner.replicaId, owner.sessionId, "pin_taken", cause.replace(/_failed.*$/, "_needed"), {
      kind: pin.kind,
      pin: pin.id,
      lsn: pin.lsn,
    });
  }
}
