/**
 * What a commit ships, decided from LSNs alone. This is where the WAL-shipping rules of BUGS.md
 * live, so that each can be read (and re-broken by a forensic variant) in one place:
 *
 * - a zero delta commits nothing (B10): a dirty flag with no WAL growth is not a change;
 * - WAL ranges never span writer lives (B13): the first commit of a life that wrote anything
 *   compacts to a snapshot of its own state; a life that wrote nothing uploads nothing;
 * - the cluster behind the resume LSN is a continuity violation (B11): never a negative delta
 *   swallowed as a no-op, always a full snapshot of the actual state;
 * - the WAL tail since the snapshot past the threshold compacts (E2C-2).
 */
import type { Lsn } from "../db/database.ts";

export interface PlanInput {
  /** End of the WAL the commit may ship (the database's flush LSN). */
  walEndLsn: Lsn;
  /** End of what the manifest holds: the next range starts here. */
  resumeLsn: Lsn;
  /** The database's flush LSN when this life opened it. */
  lifeBaseLsn: Lsn;
  /** No commit of this life has landed yet. */
  firstCommitOfLife: boolean;
  /** Bytes of WAL ranges in the manifest since its snapshot. */
  tailBytes: number;
  /** Compact when the tail would grow past this. */
  compactAtBytes: number;
  /** The manifest has a snapshot (a brand-new database has none: its first commit makes one). */
  hasSnapshot: boolean;
  /** A continuity doubt (found at boot or by an earlier commit) demands a snapshot. */
  snapshotDemanded: boolean;
}

export type CommitPlan =
  | { kind: "nothing"; reason: "zero-delta" | "read-only-life" }
  | { kind: "segment"; startLsn: Lsn; endLsn: Lsn }
  | { kind: "snapshot"; reason: "first-of-life" | "continuity" | "threshold" | "demanded" };

/** True when the plan input shows the cluster behind what the manifest claims was shipped. */
export function continuityViolated(input: PlanInput): boolean {
  return !input.firstCommitOfLife && input.walEndLsn < input.resumeLsn;
}

export function planCommit(input: PlanInput): CommitPlan {
  if (input.firstCommitOfLife) {
    // The life's own WAL since it opened the database is what is new; the inherited resume
    // LSN may sit past this cluster's last record (B13), so it is never chained onto.
    if (input.walEndLsn <= input.lifeBaseLsn) return { kind: "nothing", reason: "read-only-life" };
    return { kind: "snapshot", reason: "first-of-life" };
  }
  if (input.walEndLsn < input.resumeLsn) return { kind: "snapshot", reason: "continuity" };
  if (input.snapshotDemanded) return { kind: "snapshot", reason: "demanded" };
  if (input.walEndLsn === input.resumeLsn) return { kind: "nothing", reason: "zero-delta" };
  const deltaBytes = input.walEndLsn - input.resumeLsn;
  if (input.tailBytes + deltaBytes > input.compactAtBytes) return { kind: "snapshot", reason: "threshold" };
  return { kind: "segment", startLsn: input.resumeLsn, endLsn: input.walEndLsn };
}
