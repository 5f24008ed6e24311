/**
 * The relaxed-mode ("sleep" mode) loss bound on the platform (E4-2, E4-2B):
 *
 * A relaxed write is acked before it is durable. It may be lost only if the instance that acked
 * it died WITHOUT grace (SIGKILL, a crash, the grace deadline) before any commit of that instance
 * covered it: a write never flushed. It must never be lost because a successor took the
 * database over while the instance still held it: an instance fenced while holding relaxed-acked
 * writes that no commit covered broke the bound (B05: the successor's fence stamp landed before
 * the old instance's flush). Writes of an instance that exited gracefully must all be durable.
 *
 * `judgedHistory` turns the client history into what the durability checker judges: a strict
 * ack stays an ack; a relaxed ack counts as an ack when it was flushed or its instance exited
 * gracefully, and as "unknown" (may be lost) when its instance was killed before flushing it.
 */
import type { World } from "../sim/world.ts";
import type { WriteRecord } from "./durability.ts";

export interface RelaxedLedger {
  /** Write id → the instance that acked it and whether a commit covered it. */
  relaxed: ReadonlyMap<number, { instance: string; flushed: boolean }>;
  /** Instance → unflushed relaxed-acked writes it held when it was fenced. */
  fencedHolding: ReadonlyMap<string, number>;
}

export function judgedHistory(
  writes: readonly WriteRecord[],
  ledger: RelaxedLedger,
  killedInstances: ReadonlySet<string>,
): WriteRecord[] {
  return writes.map((write) => {
    const fate = ledger.relaxed.get(write.id);
    if (write.status !== "acked" || !fate || fate.flushed) return write;
    if (killedInstances.has(fate.instance) && !ledger.fencedHolding.has(fate.instance))
      return { ...write, status: "unknown" };
    return write;
  });
}

/** One violation per instance fenced while holding relaxed-acked unflushed writes. */
export function checkRelaxedLossBound(world: World, ledger: RelaxedLedger): number {
  for (const [instance, count] of ledger.fencedHolding)
    world.violate(
      "relaxed-loss-bound",
      `${instance} was fenced while holding ${count} relaxed-acked writes no commit covered: a successor took over before its flush (idle-flush backstop must land inside the lease TTL)`,
    );
  return ledger.fencedHolding.size;
}
