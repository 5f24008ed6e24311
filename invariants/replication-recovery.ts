/**
 * Checkers for what a recovery must achieve, against the simulation's ground truth:
 * - replica-data-verified: after every completed recovery the replica holds exactly the
 *   primary's pages at the recovery target, byte for byte, and nothing beyond it (A1, A2, A4,
 *   A7, A8); at the end every replica is in sync at the final committed LSN.
 * - proof-sound: every handshake proof and rebuild-source decision matches the truth at the
 *   moment it was made: zero-gap only on equality, ahead ⇒ truncation, catch-up only over a
 *   retained contiguous range, needs-rebuild only when it is not (exact boundary, A5, A6);
 *   snapshot+tail only with a trusted checkpoint and a replayable tail (REP-1).
 * - entry-budget-sound / stall-budget-enforced: an entries escalation only when the work done
 *   since the session's start exceeded the budget; no completed catch-up went longer than its
 *   progress deadline without progress (A5).
 */
import type { CatchUpBudget, RecoveryLogEntry } from "../engine/replication/index.ts";
import type { SimReplica } from "../sim/replica.ts";
import type { World } from "../sim/world.ts";
import type { PrimaryWal } from "../scenarios/replication/primary.ts";

export const DATA_VERIFIED = "replica-data-verified";
export const PROOF_SOUND = "proof-sound";
export const ENTRY_BUDGET_SOUND = "entry-budget-sound";
export const STALL_BUDGET_ENFORCED = "stall-budget-enforced";
export const BUDGET_ENFORCED = "budget-enforced";

/** Compares a replica with the primary's state at `targetLsn`; returns what differs, or null. */
export function replicaDiff(replica: SimReplica, primary: PrimaryWal, targetLsn: number): string | null {
  if (replica.flushedLsn !== targetLsn) return `flushed ${replica.flushedLsn}, expected ${targetLsn}`;
  const want = primary.stateAt(targetLsn);
  const have = replica.pages();
  for (const [page, bytes] of want) {
    const got = have.get(page);
    if (!got) return `page ${page} missing (expected the write of LSN ${bytes[0]}…)`;
    if (got.length !== bytes.length || got.some((b, i) => b !== bytes[i])) return `page ${page} differs`;
  }
  for (const page of have.keys()) if (!want.has(page)) return `page ${page} should not exist at ${targetLsn}`;
  return null;
}

export function verifyReplica(
  world: World,
  replica: SimReplica,
  primary: PrimaryWal,
  targetLsn: number,
  why: string,
): boolean {
  const diff = replicaDiff(replica, primary, targetLsn);
  if (diff === null) return true;
  world.violate(DATA_VERIFIED, `${replica.name} after ${why} at LSN ${targetLsn}: ${diff}`);
  return false;
}

/** Subscribes to the engine's recovery log and checks each decision as it is made. */
export function watchRecoveryDecisions(
  world: World,
  primary: PrimaryWal,
  onLog: (observe: (entry: RecoveryLogEntry) => void) => void,
): void {
  const num = (entry: RecoveryLogEntry, key: string) => entry.fields[key] as number;
  onLog((entry) => {
    const where = `${entry.replicaId} session ${entry.sessionId}`;
    switch (entry.event) {
      case "handshake": {
        const flushed = num(entry, "flushed");
        const committed = num(entry, "committed");
        const outcome = entry.fields.outcome;
        const truncateTo = entry.fields.truncateTo;
        if (committed !== primary.committedLsn)
          world.violate(
            PROOF_SOUND,
            `${where}: proof used committed ${committed}, truth ${primary.committedLsn}`,
          );
        if (outcome === "zero_gap" && flushed !== committed) {
          world.violate(
            PROOF_SOUND,
            `${where}: zero-gap although flushed ${flushed} != committed ${committed}`,
          );
        } else if (flushed > committed && truncateTo !== committed) {
          world.violate(
            PROOF_SOUND,
            `${where}: replica ahead (${flushed} > ${committed}) without truncation to ${committed}`,
          );
        } else if (
          outcome === "catch_up" &&
          flushed < committed &&
          !primary.trulyRetained(flushed, committed)
        ) {
          world.violate(
            PROOF_SOUND,
            `${where}: catch-up proven over (${flushed}, ${committed}] but it is not retained contiguously (tail ${primary.tailLsn}, holes ${[...primary.holes].join(",")})`,
          );
        } else if (outcome === "needs_rebuild" && primary.trulyRetained(flushed, committed)) {
          world.violate(
            PROOF_SOUND,
            `${where}: needs-rebuild although (${flushed}, ${committed}] is retained`,
          );
        }
        break;
      }
      case "plan_rebuild_snapshot_tail": {
        const snapshot = num(entry, "snapshot");
        const target = num(entry, "target");
        const sound =
          primary.checkpointTrusted &&
          snapshot === primary.checkpointLsn &&
          primary.trulyRetained(snapshot, target);
        if (!sound) {
          world.violate(
            PROOF_SOUND,
            `${where}: snapshot+tail from ${snapshot} to ${target} chosen, but checkpoint ${primary.checkpointLsn} trusted=${primary.checkpointTrusted} tail=${primary.tailLsn} replayable=${primary.trulyRetained(snapshot, target)}`,
          );
        }
        break;
      }
      case "budget_escalated":
        if (entry.cause === "budget_entries_exceeded") {
          const work = num(entry, "recoveredTo") - num(entry, "startLsn");
          const max = num(entry, "maxEntries");
          if (work <= max)
            world.violate(
              ENTRY_BUDGET_SOUND,
              `${where}: escalated for entries although only ${work} entries were replayed (budget ${max}, counted ${num(entry, "entries")})`,
            );
        }
        break;
      default:
        break;
    }
  });
}

/** For a completed catch-up: no gap between its start and its progress records exceeded the deadline. */
export function checkStallBudget(
  world: World,
  entries: readonly RecoveryLogEntry[],
  sessionId: number,
  progressDeadlineMs: number,
): void {
  if (progressDeadlineMs <= 0) return;
  let last: number | null = null;
  for (const entry of entries) {
    if (entry.sessionId !== sessionId) continue;
    if (entry.event === "catch_up_started") last = entry.atMs;
    if (entry.event === "catch_up_progress" && last !== null) {
      if (entry.atMs - last > progressDeadlineMs) {
        world.violate(
          STALL_BUDGET_ENFORCED,
          `${entry.replicaId} session ${sessionId} made no progress for ${entry.atMs - last} ms (deadline ${progressDeadlineMs} ms) and still completed`,
        );
        return;
      }
      last = entry.atMs;
    }
  }
}

/**
 * budget-enforced: the entry and duration budgets hold, judged from the recovery log alone. No
 * accepted catch-up progress may lie beyond `maxEntries` replayed since the session's start, and
 * no progress or completion may come later than `maxDurationMs` after catch-up began; the engine
 * must escalate instead (entries counted from the frozen start, V01 notwithstanding).
 */
export function watchBudgets(
  world: World,
  budget: CatchUpBudget,
  onLog: (observe: (entry: RecoveryLogEntry) => void) => void,
): void {
  if (budget.maxEntries <= 0 && budget.maxDurationMs <= 0) return;
  const started = new Map<number, { atMs: number; fromLsn: number }>();
  onLog((entry) => {
    const where = `${entry.replicaId} session ${entry.sessionId}`;
    if (entry.event === "catch_up_started") {
      started.set(entry.sessionId, { atMs: entry.atMs, fromLsn: entry.fields.from as number });
      return;
    }
    if (entry.event !== "catch_up_progress" && entry.event !== "completed") return;
    const start = started.get(entry.sessionId);
    if (!start) return;
    if (entry.event === "catch_up_progress" && budget.maxEntries > 0) {
      const replayed = (entry.fields.recoveredTo as number) - start.fromLsn;
      if (replayed > budget.maxEntries)
        world.violate(
          BUDGET_ENFORCED,
          `${where}: progress accepted at ${replayed} entries replayed, budget ${budget.maxEntries}`,
        );
    }
    if (budget.maxDurationMs > 0 && entry.atMs - start.atMs > budget.maxDurationMs)
      world.violate(
        BUDGET_ENFORCED,
        `${where}: ${entry.event} ${entry.atMs - start.atMs} ms after catch-up began, budget ${budget.maxDurationMs} ms`,
      );
  });
}
