/**
 * Reach points: rare states of the engine worth reaching in simulation (Antithesis-style
 * "sometimes" assertions). Engine code marks one with `reach(faults, name)` (engine/runtime.ts);
 * a run counts the hits, and the report flags the points the main job never reached, so a fault
 * model that stopped reaching a hard state is noticed. Production does nothing with them.
 */
import type { FaultPointInfo } from "./fault-points.ts";

export const ENGINE_REACH_POINTS: readonly FaultPointInfo[] = [
  { name: "lease.took-over", description: "a writer acquired a lease another holder had held" },
  {
    name: "lease.takeover-after-wait",
    description: "a writer waited for a held lease to become takeable, then won it",
  },
  { name: "lease.lost-race", description: "a lease CAS lost to a racing taker (looked again)" },
  { name: "lease.renew-refused", description: "a renewal found the lease taken over (holder fenced)" },
  { name: "lease.locked-out", description: "acquire gave up: the lease stayed held past the deadline" },
  { name: "lease.stamp-fenced", description: "a winner found a newer holder's stamp on the manifest" },
  { name: "commit.fenced-at-cas", description: "a commit's manifest CAS was refused: a newer writer" },
  { name: "commit.snapshot", description: "a commit uploaded a snapshot (compaction or demand)" },
  {
    name: "commit.range-unavailable",
    description: "the WAL range to ship was gone locally, so a snapshot was shipped instead",
  },
];
