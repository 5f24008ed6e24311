/**
 * The replication engine as one object: the registry of senders, the planner and executors, the
 * recovery log, and the status snapshot. Time comes only from the injected Clock.
 */
import type { Clock, FaultPoints } from "../runtime.ts";
import { DEFAULT_EXECUTOR_OPTIONS, Executor, type ExecutorOptions } from "./executor.ts";
import { Planner } from "./planner.ts";
import { RecoveryLog } from "./recovery-log.ts";
import { Registry } from "./registry.ts";
import type { ReplicationStorage } from "./storage.ts";
import { type ReplicationStrategies, resolveStrategies } from "./strategies.ts";

export interface ReplicationEngineOptions {
  clock: Clock;
  storage: ReplicationStorage;
  strategies?: Partial<ReplicationStrategies>;
  executor?: Partial<ExecutorOptions>;
  /** Where transitions are recorded; default a fresh in-memory log on `clock`. */
  log?: RecoveryLog;
  /** Named kill points of the executors (fault-points.ts); production passes none. */
  faults?: FaultPoints;
}

export class ReplicationEngine {
  readonly log: RecoveryLog;
  readonly registry: Registry;
  readonly planner: Planner;
  readonly executor: Executor;
  readonly strategies: ReplicationStrategies;

  private readonly storage: ReplicationStorage;

  constructor(options: ReplicationEngineOptions) {
    this.storage = options.storage;
    this.strategies = resolveStrategies(options.strategies);
    this.log = options.log ?? new RecoveryLog(options.clock);
    this.registry = new Registry(this.log, this.strategies);
    this.planner = new Planner(this.registry, options.storage, this.log, this.strategies);
    this.executor = new Executor(
      this.registry,
      this.planner,
      options.storage,
      this.log,
      this.strategies,
      options.clock,
      {
        ...DEFAULT_EXECUTOR_OPTIONS,
        ...options.executor,
      },
      options.faults,
    );
  }

  /**
   * After a restart, before any session: releases the pins a dead predecessor left in storage
   * (its sessions died with it). Returns how many were released.
   */
  releaseOrphanedPins(): number {
    const orphaned = this.strategies.orphanedPins(this.storage.heldPins?.() ?? []);
    for (const pin of [...orphaned]) {
      this.storage.release(pin);
      this.log.record(pin.owner.replicaId, 0, "pin_released", "engine_restart", {
        kind: pin.kind,
        pin: pin.id,
        lsn: pin.lsn,
        ownerSession: pin.owner.sessionId,
      });
    }
    return orphaned.length;
  }

  status() {
    return this.registry.status();
  }
}
