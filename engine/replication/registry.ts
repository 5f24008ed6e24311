/**
 * The registry of senders, keyed by stable replica ID (the endpoint is an attribute: an address
 * change keeps the sender and invalidates its session). Assignment intents from the control
 * plane carry an epoch: an intent older than the newest one applied is rejected whole
 * (StaleEpochError) before anything changes.
 */
import { type CatchUpBudget, NO_BUDGET } from "./budget.ts";
import { InvalidAssignmentError, StaleEpochError, UnknownReplicaError } from "./errors.ts";
import type { RecoveryLog } from "./recovery-log.ts";
import { Sender } from "./sender.ts";
import type { SessionSnapshot } from "./session.ts";
import type { ReplicationStrategies } from "./strategies.ts";
import { checkLsn, type Endpoint, type ReplicaState, type SessionKind } from "./types.ts";

export interface ReplicaAssignment {
  readonly replicaId: string;
  readonly endpoint: Endpoint;
}

export interface AssignmentIntent {
  readonly epoch: number;
  readonly replicas: readonly ReplicaAssignment[];
  /** Replicas that need a recovery session now, and which kind. */
  readonly recoveryTargets?: Readonly<Record<string, SessionKind>>;
  /** Catch-up budget for the sessions this intent creates. */
  readonly budget?: CatchUpBudget;
}

export interface AssignmentResult {
  readonly added: string[];
  readonly removed: string[];
  readonly sessionsCreated: Array<{ replicaId: string; sessionId: number }>;
}

export interface SenderStatus {
  readonly replicaId: string;
  readonly incarnation: number;
  readonly endpoint: Endpoint;
  readonly epoch: number;
  readonly state: ReplicaState;
  readonly session: SessionSnapshot | null;
}

export interface RegistryStatus {
  readonly epoch: number;
  readonly senders: readonly SenderStatus[];
  readonly inSync: number;
  readonly recovering: number;
  readonly needsRebuild: number;
}

export class Registry {
  private readonly senders = new Map<string, Sender>();
  private epoch = 0;
  private incarnations = 0;
  private sessionIds = 0;

  constructor(
    private readonly log: RecoveryLog,
    private readonly strategies: ReplicationStrategies,
  ) {}

  get currentEpoch(): number {
    return this.epoch;
  }

  applyAssignment(intent: AssignmentIntent): AssignmentResult {
    this.validate(intent);
    if (intent.epoch < this.epoch) {
      this.log.record("", 0, "assignment_rejected", "stale_epoch", {
        epoch: intent.epoch,
        current: this.epoch,
      });
      throw new StaleEpochError(this.epoch, intent.epoch, "assignment intent");
    }
    this.epoch = intent.epoch;
    const result: AssignmentResult = { added: [], removed: [], sessionsCreated: [] };
    const wanted = new Map<string, ReplicaAssignment>();
    for (const replica of intent.replicas)
      wanted.set(this.strategies.registryKey(replica.replicaId, replica.endpoint), replica);

    for (const [key, sender] of [...this.senders]) {
      if (wanted.has(key)) continue;
      sender.stop("removed_from_assignment");
      this.senders.delete(key);
      result.removed.push(sender.replicaId);
      this.log.record(sender.replicaId, 0, "sender_removed", "removed_from_assignment", {
        incarnation: sender.incarnation,
      });
    }
    const endpointsBefore = new Map<string, Endpoint>();
    for (const [key, replica] of wanted) {
      const existing = this.senders.get(key);
      if (existing) {
        endpointsBefore.set(replica.replicaId, existing.endpoint);
        existing.updateEndpoint(replica.endpoint);
        existing.updateEpoch(intent.epoch);
        continue;
      }
      const sender = new Sender(
        replica.replicaId,
        ++this.incarnations,
        replica.endpoint,
        intent.epoch,
        this.log,
        this.strategies,
        () => ++this.sessionIds,
      );
      this.senders.set(key, sender);
      result.added.push(replica.replicaId);
      this.log.record(replica.replicaId, 0, "sender_added", "new_in_assignment", {
        incarnation: sender.incarnation,
        addr: replica.endpoint.dataAddr,
      });
    }
    for (const [replicaId, kind] of Object.entries(intent.recoveryTargets ?? {}).sort(([a], [b]) =>
      a < b ? -1 : 1,
    )) {
      const sender = this.sender(replicaId);
      const after = sender.endpoint;
      const before = endpointsBefore.get(replicaId) ?? after;
      const sessionId = sender.attachSession(
        intent.epoch,
        kind,
        intent.budget ?? NO_BUDGET,
        this.strategies.supersedeCause(before, after),
      );
      result.sessionsCreated.push({ replicaId, sessionId });
    }
    return result;
  }

  /** The sender of a replica; UnknownReplicaError if there is none. */
  sender(replicaId: string): Sender {
    for (const sender of this.senders.values()) if (sender.replicaId === replicaId) return sender;
    throw new UnknownReplicaError(replicaId);
  }

  has(replicaId: string): boolean {
    for (const sender of this.senders.values()) if (sender.replicaId === replicaId) return true;
    return false;
  }

  all(): Sender[] {
    return [...this.senders.values()].sort((a, b) =>
      a.replicaId < b.replicaId ? -1 : a.replicaId > b.replicaId ? 1 : 0,
    );
  }

  /** Invalidates every live session older than `epoch`; returns how many. */
  invalidateEpoch(epoch: number): number {
    checkLsn("epoch", epoch);
    let count = 0;
    for (const sender of this.all()) {
      const session = sender.sessionSnapshot();
      if (
        session &&
        session.epoch < epoch &&
        sender.invalidateSession(session.id, "epoch_bump", "disconnected")
      )
        count++;
    }
    return count;
  }

  status(): RegistryStatus {
    const senders = this.all().map((sender) => ({
      replicaId: sender.replicaId,
      incarnation: sender.incarnation,
      endpoint: sender.endpoint,
      epoch: sender.epoch,
      state: sender.state,
      session: sender.sessionSnapshot(),
    }));
    const count = (states: ReplicaState[]) => senders.filter((s) => states.includes(s.state)).length;
    return {
      epoch: this.epoch,
      senders,
      inSync: count(["in_sync"]),
      recovering: count(["connecting", "catching_up", "rebuilding"]),
      needsRebuild: count(["needs_rebuild"]),
    };
  }

  private validate(intent: AssignmentIntent): void {
    if (!intent || typeof intent !== "object") throw new InvalidAssignmentError("intent is missing");
    checkLsn("intent.epoch", intent.epoch);
    if (!Array.isArray(intent.replicas)) throw new InvalidAssignmentError("replicas is not a list");
    const ids = new Set<string>();
    for (const replica of intent.replicas) {
      if (typeof replica?.replicaId !== "string" || replica.replicaId === "")
        throw new InvalidAssignmentError("a replica has no ID");
      if (ids.has(replica.replicaId))
        throw new InvalidAssignmentError(`replica ${replica.replicaId} listed twice`);
      ids.add(replica.replicaId);
      const endpoint = replica.endpoint;
      if (!endpoint || typeof endpoint.dataAddr !== "string" || typeof endpoint.ctrlAddr !== "string") {
        throw new InvalidAssignmentError(`replica ${replica.replicaId} has no endpoint`);
      }
      checkLsn(`endpoint.version of ${replica.replicaId}`, endpoint.version);
    }
    for (const replicaId of Object.keys(intent.recoveryTargets ?? {})) {
      if (!ids.has(replicaId)) throw new UnknownReplicaError(replicaId);
      const kind = intent.recoveryTargets?.[replicaId];
      if (kind !== "catch_up" && kind !== "rebuild")
        throw new InvalidAssignmentError(`unknown session kind for ${replicaId}`);
    }
  }
}
