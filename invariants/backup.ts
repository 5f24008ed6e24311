/**
 * Checkers of cold backups (E6). The scenario does the I/O (restores each indexed backup from
 * the backup store in a fresh process); these functions judge what it found:
 *
 * - backup-state-at-point: every indexed backup restores to the state of the primary at its
 *   backup point. Exactly (byte for byte) when the scenario knew that state (it quiesced the
 *   writer and read its rows: `recordQuiesced`); otherwise against the history window of the
 *   attempt that produced it: every write acked before the attempt began is there, nothing
 *   issued after the attempt ended is, and no write is torn;
 * - indexed-backup-restores: an entry in the index whose objects are missing or damaged;
 * - restorable-set-never-empty: once any backup was indexed, at least one indexed backup
 *   restores, through kills, races and retention;
 * - backup-index-lost-entry: an entry some archiver was told is indexed is neither in the index
 *   nor retired by retention (a lost update);
 * - backup-index-corrupt: the index does not decode.
 * The scenarios add orphan-blocks-backup: after a kill, the next backup of the same commit
 * point must succeed (B14).
 */
import type { Row } from "../engine/db/database.ts";
import { checkRestoredRows, firstDifference, type WriteRecord } from "./durability.ts";

export interface BackupProblem {
  invariant:
    | "backup-state-at-point"
    | "indexed-backup-restores"
    | "restorable-set-never-empty"
    | "backup-index-lost-entry"
    | "backup-index-corrupt"
    | "orphan-blocks-backup";
  message: string;
}

interface Window {
  ackedIds: ReadonlySet<number>;
  issuedMaxId: number;
}

export interface BackupAttempt {
  name: string;
  ackedIds: ReadonlySet<number>;
}

/** What the scenario knows about the primary's states and the archivers' answers. */
export class BackupOracle {
  private readonly quiesced = new Map<number, Row[]>();
  private readonly windows = new Map<string, Window>();
  /** Ids an archiver was told are indexed (created, or found already indexed). */
  readonly indexedIds = new Set<string>();

  constructor(private readonly writes: readonly WriteRecord[]) {}

  /** The writer is idle and flushed: `rows` is the primary's state at `commitSeq`. */
  recordQuiesced(commitSeq: number, rows: Row[]): void {
    this.quiesced.set(commitSeq, rows);
  }

  quiescedRows(commitSeq: number): Row[] | undefined {
    return this.quiesced.get(commitSeq);
  }

  startAttempt(name: string): BackupAttempt {
    const ackedIds = new Set(
      this.writes.filter((write) => write.status === "acked").map((write) => write.id),
    );
    return { name, ackedIds };
  }

  /** The attempt returned `id` as indexed (created or exists). */
  finishAttempt(attempt: BackupAttempt, id: string): void {
    const issuedMaxId = this.writes.reduce((max, write) => Math.max(max, write.id), 0);
    this.indexedIds.add(id);
    const known = this.windows.get(id);
    // Several attempts of one commit point: each window holds that point, so all must agree.
    this.windows.set(id, {
      ackedIds: known ? new Set([...known.ackedIds, ...attempt.ackedIds]) : attempt.ackedIds,
      issuedMaxId: known ? Math.min(known.issuedMaxId, issuedMaxId) : issuedMaxId,
    });
  }

  /** Problems of the rows a backup restored to. */
  judgeRestored(id: string, commitSeq: number, rows: readonly Row[]): BackupProblem[] {
    const exact = this.quiesced.get(commitSeq);
    if (exact) {
      const difference = firstDifference(exact, rows);
      return difference
        ? [
            {
              invariant: "backup-state-at-point",
              message: `backup ${id} (commit ${commitSeq}) differs from the primary then: ${difference}`,
            },
          ]
        : [];
    }
    const window = this.windows.get(id);
    const history = window
      ? this.writes
          .filter((write) => write.id <= window.issuedMaxId)
          .map((write) => ({
            ...write,
            status: window.ackedIds.has(write.id) ? ("acked" as const) : ("unknown" as const),
          }))
      : this.writes.map((write) => ({ ...write, status: "unknown" as const }));
    return checkRestoredRows(history, rows)
      .slice(0, 2)
      .map((problem) => ({
        invariant: "backup-state-at-point" as const,
        message: `backup ${id} (commit ${commitSeq}): ${problem.invariant}: ${problem.message}`,
      }));
  }

  /** Problems of the index as a whole, given which indexed ids restored. */
  judgeIndex(
    indexedIds: readonly string[],
    retiredIds: readonly string[],
    restoredIds: ReadonlySet<string>,
  ): BackupProblem[] {
    const problems: BackupProblem[] = [];
    const present = new Set([...indexedIds, ...retiredIds]);
    for (const id of this.indexedIds)
      if (!present.has(id))
        problems.push({
          invariant: "backup-index-lost-entry",
          message: `backup ${id} was indexed, now the index has no trace of it`,
        });
    if (this.indexedIds.size > 0 && restoredIds.size === 0)
      problems.push({
        invariant: "restorable-set-never-empty",
        message: `no indexed backup restores (indexed: ${indexedIds.join(", ") || "none"})`,
      });
    return problems;
  }
}

/**
 * orphan-blocks-backup (B14): the backup run after a killed one (same commit point) must leave
 * the backup indexed, whatever the killed run left behind. `outcome` is the run's answer, or
 * the error it failed with.
 */
export function judgeBackupAfterKill(
  what: string,
  outcome: { kind: string } | Error | null,
): BackupProblem[] {
  if (outcome instanceof Error)
    return [
      {
        invariant: "orphan-blocks-backup",
        message: `${what}: the next backup failed: ${outcome.name}: ${outcome.message}`,
      },
    ];
  if (outcome !== null && (outcome.kind === "created" || outcome.kind === "exists")) return [];
  return [
    {
      invariant: "orphan-blocks-backup",
      message: `${what}: the next backup left nothing indexed: ${JSON.stringify(outcome)}`,
    },
  ];
}
