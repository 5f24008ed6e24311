/**
 * The hostile driver: at random moments it calls complete, truncate or progress on a live
 * session with that session's own ID, as a confused or racing executor would. It never lies
 * about the replica (a call the gates would accept is only made when it is true of the
 * replica), so every call the sender accepts must be one its gates allow on the session as it
 * was; invariants/replication-gates.ts judges each one.
 */
import { ReplicationError, type ReplicationEngine } from "../../engine/replication/index.ts";
import { checkTypedError } from "../../invariants/replication-fencing.ts";
import { gateVerdict, type HostileCall, judgeHostileCall } from "../../invariants/replication-gates.ts";
import type { SimReplica, WalEntry } from "../../sim/replica.ts";
import type { Rng } from "../../sim/rng.ts";
import type { World } from "../../sim/world.ts";

export function hostileCall(
  world: World,
  engine: ReplicationEngine,
  rng: Rng,
  replicas: ReadonlyMap<string, SimReplica>,
  lineage: (lsn: number) => WalEntry | undefined,
  metrics: Record<string, number>,
): void {
  const replicaId = rng.pick([...replicas.keys()]);
  const replica = replicas.get(replicaId)!;
  if (!engine.registry.has(replicaId)) return;
  const sender = engine.registry.sender(replicaId);
  const sessionId = sender.sessionId;
  const before = sender.sessionSnapshot();
  if (sessionId === null || !before) return;
  const target = before.frozenTargetLsn ?? before.targetLsn;
  const call: HostileCall = rng.pick<HostileCall>([
    { op: "complete" },
    { op: "truncate", toLsn: Math.max(0, (before.truncateToLsn ?? target) + rng.int(-1, 1)) },
    { op: "progress", recoveredTo: Math.max(1, before.recoveredTo + rng.int(-1, 4)) },
    { op: "progress", recoveredTo: target + rng.int(0, 2) },
  ]);
  // A call the gates would accept is only made when it is true of the replica.
  if (gateVerdict(before, call) === null) {
    const holds =
      call.op === "progress"
        ? call.recoveredTo <= replica.flushedLsn
        : call.op === "truncate"
          ? replica.flushedLsn === call.toLsn && replica.firstDivergentLsn(0, lineage) === null
          : replica.flushedLsn >= target && replica.firstDivergentLsn(0, lineage) === null;
    if (!holds) return;
  }
  metrics.hostileCalls = (metrics.hostileCalls ?? 0) + 1;
  let accepted = true;
  try {
    if (call.op === "complete") sender.completeCatchUp(sessionId);
    else if (call.op === "truncate") sender.recordTruncation(sessionId, call.toLsn);
    else sender.recordCatchUpProgress(sessionId, call.recoveredTo, world.nowMs);
  } catch (error) {
    accepted = false;
    if (!(error instanceof ReplicationError)) checkTypedError(world, error, `hostile ${call.op}`);
  }
  if (accepted) metrics.hostileAccepted = (metrics.hostileAccepted ?? 0) + 1;
  judgeHostileCall(world, replicaId, before, call, accepted);
}
