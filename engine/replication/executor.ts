/**
 * Executors run a plan step by step over a ReplicaLink. They consume only plan-bound values
 * (V06), check that their session is still the live one between steps (an epoch bump or an
 * address change mid-step stops them), and release every pin the plan holds on every exit path:
 * success, failure, cancellation, invalidation (REP-2). A failed execution invalidates its
 * session if it is still live, so nothing is left dangling.
 */
import { type Clock, type FaultPoints, noFaults } from "../runtime.ts";
import type { ReplicationFaultPoint } from "./fault-points.ts";
import { ReplicationError, SessionInvalidatedError, TransportError } from "./errors.ts";
import type { CatchUpPlan, Planner, RebuildPlan, RecoveryPlan } from "./planner.ts";
import type { RecoveryLog } from "./recovery-log.ts";
import type { Registry } from "./registry.ts";
import type { LinkContext, ReplicaLink, ReplicationStorage } from "./storage.ts";
import type { ReplicationStrategies } from "./strategies.ts";

export interface ExecutorOptions {
  /** Entries shipped per streamWal call. */
  batchEntriesMax: number;
  /** Bound on link calls per execution (a loop without progress must end). */
  stepsMax: number;
  /** Wait after a failed step before the next (through the injected Clock). */
  stepRetryBackoffMs: number;
}

export const DEFAULT_EXECUTOR_OPTIONS: ExecutorOptions = {
  batchEntriesMax: 16,
  stepsMax: 400,
  stepRetryBackoffMs: 5,
};

export class Executor {
  constructor(
    private readonly registry: Registry,
    private readonly planner: Planner,
    private readonly storage: ReplicationStorage,
    private readonly log: RecoveryLog,
    private readonly strategies: ReplicationStrategies,
    private readonly clock: Clock,
    private readonly options: ExecutorOptions = DEFAULT_EXECUTOR_OPTIONS,
    private readonly faults: FaultPoints = noFaults,
  ) {}

  /**
   * A named place where the simulation may kill the engine's process (fault-points.ts). Awaited
   * only when points are hooked, so an engine without them runs exactly the same steps.
   */
  private faultPoint(point: ReplicationFaultPoint): Promise<void> | void {
    return this.faults.hit(point);
  }

  async executeCatchUp(plan: CatchUpPlan, link: ReplicaLink): Promise<void> {
    await this.run(plan, async (context) => {
      const sender = this.registry.sender(plan.replicaId);
      sender.beginCatchUp(plan.sessionId, this.tick());
      this.log.record(plan.replicaId, plan.sessionId, "exec_catch_up_started", "plan_bound", {
        from: plan.startLsn,
        target: plan.targetLsn,
      });
      if (this.faults !== noFaults) await this.faultPoint("replication.catch-up.after-begin");
      if (plan.truncateToLsn !== null) {
        const flushed = await wire(link.truncate(context, plan.truncateToLsn));
        this.check(plan, "record truncation");
        if (flushed !== plan.truncateToLsn) {
          this.log.record(
            plan.replicaId,
            plan.sessionId,
            "exec_truncation_short",
            "replica_reported_other_lsn",
            { flushed },
          );
        }
        sender.recordTruncation(plan.sessionId, flushed);
      }
      let reached = plan.startLsn;
      // The frozen target (REP-4): the writer may outpace catch-up; this session ends at the
      // target its handshake proved, and the next session picks up from there.
      const target = () =>
        this.strategies.catchUpTarget(plan.targetLsn, () => this.storage.retainedHistory()?.committedLsn);
      for (let step = 0; reached < target(); step++) {
        if (step >= this.options.stepsMax)
          throw new SessionInvalidatedError(plan.sessionId, "step bound reached");
        this.check(plan, `catch-up step ${step}`);
        const upTo = Math.min(target(), reached + this.options.batchEntriesMax);
        let flushed: number;
        try {
          flushed = await wire(link.streamWal(context, reached, upTo));
        } catch (error) {
          this.check(plan, `budget check after failed step ${step}`);
          this.log.record(plan.replicaId, plan.sessionId, "exec_step_failed", "transport", {
            step,
            message: messageOf(error),
          });
          sender.checkBudget(plan.sessionId, this.tick());
          await this.clock.sleepMs(this.options.stepRetryBackoffMs);
          continue;
        }
        if (this.faults !== noFaults) await this.faultPoint("replication.catch-up.after-batch");
        this.check(plan, `progress of step ${step}`);
        const acked = this.strategies.ackedProgress(flushed, upTo, plan.targetLsn);
        if (acked > reached) {
          sender.recordCatchUpProgress(plan.sessionId, acked, this.tick());
          reached = acked;
        } else {
          sender.checkBudget(plan.sessionId, this.tick());
        }
      }
      if (this.faults !== noFaults) await this.faultPoint("replication.catch-up.before-complete");
      this.check(plan, "completion");
      sender.completeCatchUp(plan.sessionId);
    });
  }

  async executeRebuild(plan: RebuildPlan, link: ReplicaLink): Promise<void> {
    await this.run(plan, async (context) => {
      const sender = this.registry.sender(plan.replicaId);
      const targets = this.strategies.executionTargets(
        { source: plan.source, snapshotLsn: plan.snapshotLsn, targetLsn: plan.targetLsn },
        () => this.storage.retainedHistory(),
      );
      sender.selectRebuildSource(plan.sessionId, targets.source, targets.snapshotLsn, targets.targetLsn);
      sender.beginRebuildTransfer(plan.sessionId);
      this.log.record(plan.replicaId, plan.sessionId, "exec_rebuild_started", "plan_bound", { ...targets });
      if (targets.source === "snapshot_tail") {
        const transferred = await wire(link.transferSnapshot(context, targets.snapshotLsn));
        if (this.faults !== noFaults) await this.faultPoint("replication.rebuild.after-transfer");
        this.check(plan, "record snapshot transfer");
        sender.recordRebuildTransfer(plan.sessionId, transferred);
        sender.beginRebuildTailReplay(plan.sessionId);
        let replayed = targets.snapshotLsn;
        for (let step = 0; replayed < targets.targetLsn; step++) {
          if (step >= this.options.stepsMax)
            throw new SessionInvalidatedError(plan.sessionId, "step bound reached");
          this.check(plan, `tail replay step ${step}`);
          const upTo = Math.min(targets.targetLsn, replayed + this.options.batchEntriesMax);
          let flushed: number;
          try {
            flushed = await wire(link.streamWal(context, replayed, upTo));
          } catch (error) {
            this.log.record(plan.replicaId, plan.sessionId, "exec_step_failed", "transport", {
              step,
              message: messageOf(error),
            });
            await this.clock.sleepMs(this.options.stepRetryBackoffMs);
            continue;
          }
          this.check(plan, `tail progress ${step}`);
          const acked = this.strategies.ackedProgress(flushed, upTo, targets.targetLsn);
          if (acked > replayed) {
            replayed = acked;
            sender.recordRebuildTailReplay(plan.sessionId, replayed);
          }
        }
      } else {
        const transferred = await wire(link.transferFullBase(context, targets.targetLsn));
        if (this.faults !== noFaults) await this.faultPoint("replication.rebuild.after-transfer");
        this.check(plan, "record full-base transfer");
        sender.recordRebuildTransfer(plan.sessionId, transferred);
      }
      if (this.faults !== noFaults) await this.faultPoint("replication.rebuild.before-complete");
      this.check(plan, "rebuild completion");
      sender.completeRebuild(plan.sessionId);
    });
  }

  /** Runs an execution body; whatever happens, the plan's pins are released. */
  private async run(plan: RecoveryPlan, body: (context: LinkContext) => Promise<void>): Promise<void> {
    let cause = "completed";
    try {
      const sender = this.registry.sender(plan.replicaId);
      sender.requireSession(plan.sessionId);
      const stillCurrent = () =>
        this.registry.has(plan.replicaId) &&
        this.registry.sender(plan.replicaId).sessionId === plan.sessionId &&
        this.registry.sender(plan.replicaId).epoch === plan.epoch;
      await body({
        replicaId: plan.replicaId,
        sessionId: plan.sessionId,
        epoch: plan.epoch,
        endpoint: sender.endpoint,
        stillCurrent,
      });
      this.log.record(plan.replicaId, plan.sessionId, "exec_completed", "in_sync");
    } catch (error) {
      cause = error instanceof ReplicationError ? error.code : "engine_error";
      this.log.record(plan.replicaId, plan.sessionId, "exec_failed", cause, { message: messageOf(error) });
      if (this.registry.has(plan.replicaId)) {
        this.registry.sender(plan.replicaId).failSession(plan.sessionId, `exec_failed: ${cause}`);
      }
      throw error;
    } finally {
      this.planner.releasePins(plan, cause);
    }
  }

  /** Between steps: the session must still be the live one at the plan's epoch. */
  private check(plan: RecoveryPlan, step: string): void {
    const sender = this.registry.sender(plan.replicaId);
    if (sender.sessionId !== plan.sessionId || sender.epoch !== plan.epoch) {
      this.log.record(
        plan.replicaId,
        plan.sessionId,
        "session_invalidated_mid_execution",
        "session_replaced_or_epoch_bumped",
        { step },
      );
      throw new SessionInvalidatedError(plan.sessionId, step);
    }
  }

  private tick(): number | undefined {
    return this.strategies.progressTickMs(this.clock);
  }
}

/** A link failure of any kind becomes a typed TransportError (the cause is kept in the message). */
async function wire<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof ReplicationError) throw error;
    throw new TransportError(`link failed: ${messageOf(error)}`);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
