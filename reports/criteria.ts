/**
 * The acceptance criteria catalog, as data. IDs are stable and follow ../spec/CRITERIA.md; the
 * wording is ours. Every scenario, property test and invariant declares the IDs it gives
 * evidence for, and `assertKnownCriteria` rejects an unknown ID at load.
 */

export type CriterionLevel = "MUST" | "SHOULD";
export type CriterionArea =
  | "durability-gate"
  | "object-store"
  | "lease"
  | "wal-shipping"
  | "cold-start"
  | "lifecycle"
  | "soak"
  | "backups"
  | "replication"
  | "retention";

export interface Criterion {
  id: string;
  level: CriterionLevel;
  area: CriterionArea;
  /** Source document (shared/seeds) the criterion comes from. */
  source: string;
  title: string;
}

const c = (
  id: string,
  level: CriterionLevel,
  area: CriterionArea,
  source: string,
  title: string,
): Criterion => ({
  id,
  level,
  area,
  source,
  title,
});

export const CRITERIA: readonly Criterion[] = [
  c(
    "DUR-1",
    "MUST",
    "durability-gate",
    "002",
    "A commit is acked only after its WAL is durable: segment PUT and manifest CAS both succeeded",
  ),
  c(
    "DUR-2",
    "MUST",
    "durability-gate",
    "002",
    "A crash after the CAS and before the ack leaves the commit either fully durable or never acked; no torn state",
  ),
  c(
    "DUR-3",
    "MUST",
    "durability-gate",
    "002",
    "A crash after the ack and before materialization loses no acked commit; materialization can be redone",
  ),
  c(
    "DUR-4",
    "MUST",
    "durability-gate",
    "002",
    "Crash injection is seeded and every failing run replays from its seed",
  ),
  c(
    "FEN-1",
    "MUST",
    "durability-gate",
    "002",
    "One writer per database: a writer that lost its lease is fenced by the CAS before anyone else appends",
  ),
  c("FEN-2", "MUST", "durability-gate", "002", "Never two lease holders that can both advance the manifest"),
  c(
    "EXP-1",
    "MUST",
    "durability-gate",
    "002",
    "Single strict commit latency p50/p99/p999 recorded per workload profile",
  ),
  c(
    "EXP-2",
    "MUST",
    "durability-gate",
    "002",
    "Group-commit throughput curve recorded: commits/s against concurrent writers",
  ),
  c(
    "EXP-3",
    "MUST",
    "durability-gate",
    "002",
    "Same-row contention measured and red-quadrant workloads detected",
  ),
  c(
    "PLC-1",
    "MUST",
    "durability-gate",
    "002",
    "Each workload profile placed in the green/amber/red quadrant; red goes to coupled Postgres",
  ),
  c(
    "CS-1",
    "SHOULD",
    "cold-start",
    "002",
    "Cold-start distribution (warm, cold, N concurrent cold) recorded with keep-warm advice",
  ),
  c(
    "SIGN-1",
    "MUST",
    "durability-gate",
    "002",
    "Sign-off summary: gate green, every profile placed, every risk rated",
  ),

  c(
    "E0-1",
    "MUST",
    "object-store",
    "001",
    "Create-if-absent succeeds on a new key and fails with 412 on an existing one",
  ),
  c(
    "E0-2",
    "MUST",
    "object-store",
    "001",
    "CAS on the current version succeeds; on a stale version it fails with 412",
  ),
  c(
    "E0-3",
    "MUST",
    "object-store",
    "001",
    "20 concurrent create-if-absent (and 20 CAS on one base) have exactly one winner, over 100 rounds",
  ),
  c("E0-4", "MUST", "object-store", "001", "A read after a write returns the winner's bytes"),
  c(
    "E0-5",
    "MUST",
    "object-store",
    "001",
    "GET/PUT/conditional-PUT latency p50/p99 at 1 KB, 1 MB, 16 MB recorded",
  ),
  c(
    "E5B-1",
    "MUST",
    "object-store",
    "000",
    "Sustained CAS on one object is rate limited near 1/s; pacing and 429 retry keep commits flowing",
  ),

  c(
    "E1-1",
    "MUST",
    "lease",
    "001",
    "A second acquirer is refused with LockedError naming the holder and expiry",
  ),
  c(
    "E1-2",
    "MUST",
    "lease",
    "001",
    "Two simultaneous takeovers of an expired lease: one wins and the token moves by exactly one",
  ),
  c(
    "E1-3",
    "MUST",
    "lease",
    "001",
    "A zombie whose lease was taken over fails its manifest CAS (100 iterations)",
  ),
  c(
    "E1-4",
    "MUST",
    "lease",
    "001",
    "Renewal under 0-2x TTL jitter: either the holder renews or the rival takes over, never both",
  ),

  c("E2-1", "MUST", "wal-shipping", "001", "Reopen from the bucket is byte-identical at 1, 10 and 100 MB"),
  c(
    "E2-2",
    "MUST",
    "wal-shipping",
    "001",
    "Dump, compressed size, upload and restore timings recorded per size",
  ),
  c(
    "E2B-1",
    "MUST",
    "wal-shipping",
    "001",
    "A kill at every commit fault point (x20 each) reopens to a clean pre- or post-commit state",
  ),
  c(
    "E2C-1",
    "MUST",
    "wal-shipping",
    "000",
    "Strict commits ship incremental LSN ranges and reopen byte-identical",
  ),
  c(
    "E2C-2",
    "MUST",
    "wal-shipping",
    "000",
    "Compaction past a size threshold rolls a new snapshot and keeps the old as previousSnapshot",
  ),
  c(
    "E2C-3",
    "MUST",
    "wal-shipping",
    "000",
    "A WAL range crossing a WAL-file boundary ships and restores intact",
  ),
  c("E2C-4", "MUST", "wal-shipping", "000", "Group commit: 10 concurrent writes share one manifest CAS"),
  c(
    "E2D-1",
    "MUST",
    "wal-shipping",
    "000",
    "Read replicas follow the manifest, never ahead of durable nor behind their lag bound",
  ),

  c(
    "E3-1",
    "MUST",
    "cold-start",
    "001",
    "Boot is split into container start, restore and open, from a seeded snapshot rather than initdb",
  ),
  c("E3-2", "MUST", "cold-start", "001", "Restore streams: peak memory does not grow with database size"),

  c(
    "E4-1",
    "MUST",
    "lifecycle",
    "001",
    "A CPU-throttled idle instance self-heals its lease on the request path before any commit",
  ),
  c(
    "E4-2",
    "MUST",
    "lifecycle",
    "001",
    "SIGTERM with pending relaxed writes: the grace flush lands and the successor sees it",
  ),
  c(
    "E4-2B",
    "MUST",
    "lifecycle",
    "001",
    "SIGKILL without grace loses only never-flushed writes, never an acked strict one; restore is clean",
  ),
  c(
    "E4-3",
    "MUST",
    "lifecycle",
    "001",
    "Revision-switch overlap: one lease holder, the other waits or is locked out, no interleaved manifests",
  ),
  c(
    "E4-4",
    "MUST",
    "lifecycle",
    "001",
    "Two services on one prefix with a forced zombie: the zombie's commit is fenced, the rival's data intact",
  ),
  c(
    "E4-5",
    "MUST",
    "lifecycle",
    "001",
    "A new instance waits for the lease and reads the manifest after acquiring it",
  ),

  c(
    "E5-1",
    "MUST",
    "soak",
    "001",
    "72 h of long-tail traffic with random kills: no corruption, checksums and durable watermark hold",
  ),
  c("E5-2", "MUST", "soak", "001", "Operation counts and a modeled monthly cost per small app recorded"),
  c(
    "E5-3",
    "MUST",
    "soak",
    "001",
    "Retention GC after the soak keeps a full restorable generation and restore succeeds",
  ),

  c(
    "E6-A",
    "MUST",
    "backups",
    "000",
    "A kill mid-backup leaves the primary intact and the next backup restorable",
  ),
  c(
    "E6-B",
    "MUST",
    "backups",
    "000",
    "With the primary snapshot deleted, restore from a cold backup is byte-identical",
  ),
  c(
    "E6-C",
    "MUST",
    "backups",
    "000",
    "After a full primary wipe the database is rebuilt from cold backups alone and serves",
  ),
  c(
    "E6-D",
    "MUST",
    "backups",
    "000",
    "Backup retention never deletes the last restorable backup, even if it crashes midway",
  ),
  c(
    "E6-E",
    "MUST",
    "backups",
    "000",
    "Two archivers racing on the backup index: no corruption, no lost update",
  ),
  c("E6-F", "MUST", "backups", "000", "A crash mid-restore retries cleanly to a byte-identical result"),
  c("E6-G", "MUST", "backups", "000", "Default auto-backup wiring round-trips at several sizes"),

  c(
    "A1",
    "MUST",
    "replication",
    "004",
    "Committed data survives promotion; the WAL truncation boundary is respected",
  ),
  c("A2", "MUST", "replication", "004", "Uncommitted data is truncated and never comes back"),
  c(
    "A3",
    "MUST",
    "replication",
    "004",
    "Stale epochs are fenced at sender, session and assignment; stale session IDs are rejected everywhere",
  ),
  c(
    "A4",
    "MUST",
    "replication",
    "004",
    "Short-gap catch-up is backed by a recoverability proof and the data is verified after",
  ),
  c(
    "A5",
    "MUST",
    "replication",
    "004",
    "Unrecoverable gaps and budget overruns escalate to NeedsRebuild with a proof",
  ),
  c(
    "A6",
    "MUST",
    "replication",
    "004",
    "The recoverability boundary is exact (tail +/- 1 LSN) and needs a contiguous range",
  ),
  c(
    "A7",
    "MUST",
    "replication",
    "004",
    "Historical data stays correct after the tail advances (snapshot-based reconstruction)",
  ),
  c(
    "A8",
    "MUST",
    "replication",
    "004",
    "Completion requires convergence; a replica ahead of committed is truncated first",
  ),
  c(
    "A10",
    "MUST",
    "replication",
    "004",
    "An address change with the same replica ID keeps the sender, invalidates the session, recovers",
  ),
  c(
    "REP-1",
    "MUST",
    "replication",
    "004",
    "Snapshot+tail only with a trusted checkpoint and a replayable tail; otherwise a full base",
  ),
  c("REP-2", "MUST", "replication", "004", "Every executor exit path releases every pin it took"),
  c(
    "REP-3",
    "MUST",
    "replication",
    "004",
    "Executors use the plan-bound source and targets, never re-derived caller data",
  ),
  c(
    "REP-4",
    "MUST",
    "replication",
    "004",
    "A catch-up target is frozen at start; progress beyond it is rejected",
  ),
  c("REP-5", "MUST", "replication", "004", "Every transition and rejection is logged with its cause"),

  c(
    "RET-1",
    "MUST",
    "retention",
    "003",
    "Pruning is gated by the slowest active peer's cursor minus a safety margin",
  ),
  c(
    "RET-2",
    "MUST",
    "retention",
    "003",
    "Cursor rows of non-peers, or unparseable ones, never pin the floor",
  ),
  c(
    "RET-3",
    "MUST",
    "retention",
    "003",
    "An implausible cursor counts as missing and is never echoed or persisted",
  ),
  c(
    "RET-4",
    "MUST",
    "retention",
    "003",
    "A peer behind the floor gets a gap signal, honoured only with an existing cursor, persisted after apply",
  ),
  c("RET-5", "MUST", "retention", "003", "Floor and served data come from one consistent snapshot"),
  c("RET-6", "MUST", "retention", "003", "Retention frees physical space and is off unless configured"),
];

export interface Risk {
  id: string;
  title: string;
  /** Criteria whose evidence bears on this risk. */
  criteria: readonly string[];
}

export const RISKS: readonly Risk[] = [
  { id: "R-01", title: "Commit latency tail", criteria: ["EXP-1", "E0-5", "E5B-1"] },
  {
    id: "R-02",
    title: "Acked write lost in a crash (the gate)",
    criteria: ["DUR-1", "DUR-2", "DUR-3", "E2B-1"],
  },
  { id: "R-03", title: "Hot-row workload on the wrong backend", criteria: ["EXP-3", "PLC-1"] },
  { id: "R-04", title: "Thundering herd of cold starts", criteria: ["CS-1", "E3-1"] },
  { id: "R-05", title: "Cross-cloud egress", criteria: ["E5-2"] },
  { id: "R-06", title: "Cost of the WASM port", criteria: ["E2-1", "E2-2"] },
  { id: "R-07", title: "Cold vector-index traversal", criteria: ["E3-2"] },
  { id: "R-08", title: "Immature dependencies", criteria: ["E2-1", "E5-1"] },
  {
    id: "R-09",
    title: "Split-brain writer after a lost lease",
    criteria: ["FEN-1", "FEN-2", "E1-3", "E4-4"],
  },
  { id: "R-10", title: "Cache exhaustion", criteria: ["E3-2"] },
];

const KNOWN = new Set(CRITERIA.map((criterion) => criterion.id));

export function isKnownCriterion(id: string): boolean {
  return KNOWN.has(id);
}

export class UnknownCriterionError extends Error {
  override name = "UnknownCriterionError";
}

/** Throws if any declared ID is not in the catalog. */
export function assertKnownCriteria(owner: string, ids: readonly string[]): void {
  const unknown = ids.filter((id) => !KNOWN.has(id));
  if (unknown.length > 0)
    throw new UnknownCriterionError(`${owner} declares unknown criteria: ${unknown.join(", ")}`);
}
