/**
 * The backup retention policy computed independently of engine/backup/retention.ts (issue 21),
 * from calendar arithmetic on `Date` in UTC rather than day counts, and a checker that holds a
 * GC run's decision against it:
 *
 * - retention-policy (over-deletion): no backup the policy keeps is retired;
 * - retention-policy (under-deletion): every backup the policy does not keep is retired, unless
 *   the engine kept it as the newest restorable one (its one documented exception).
 *
 * Policy: the newest always; keepLast N newest; maxAgeDays: taken at or after now − X days;
 * GFS: the newest backup of each of the N most recent UTC days / ISO weeks (Monday first) /
 * calendar months that hold a backup.
 */
import type { BackupEntry } from "../engine/backup/backup-index.ts";
import type { RetentionPolicy, RetentionResult } from "../engine/backup/retention.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The ISO week's Monday, as a date: Sunday belongs to the week that began six days before. */
function isoWeek(ms: number): string {
  const date = new Date(ms);
  const sinceMonday = (date.getUTCDay() + 6) % 7;
  return utcDay(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() - sinceMonday));
}

function utcMonth(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

function newestOfRecentBuckets(
  sorted: readonly BackupEntry[],
  bucket: (ms: number) => string,
  count: number,
): string[] {
  const newest = new Map<string, BackupEntry>();
  for (const entry of sorted) newest.set(bucket(entry.takenAtMs), entry);
  // Bucket names are ISO dates: their string order is their time order.
  return [...newest.keys()]
    .sort()
    .slice(-count)
    .map((name) => newest.get(name)!.id);
}

export function policyKeeps(
  entries: readonly BackupEntry[],
  policy: RetentionPolicy,
  nowMs: number,
): Set<string> {
  const sorted = [...entries].sort((a, b) => a.takenAtMs - b.takenAtMs || a.commitSeq - b.commitSeq);
  const keep = new Set<string>();
  if (sorted.length > 0) keep.add(sorted[sorted.length - 1]!.id);
  const keepLast = policy.keepLast ?? 0;
  if (keepLast > 0) for (const entry of sorted.slice(-keepLast)) keep.add(entry.id);
  if (policy.maxAgeDays)
    for (const entry of sorted) if (nowMs - entry.takenAtMs <= policy.maxAgeDays * DAY_MS) keep.add(entry.id);
  const gfs = policy.gfs ?? {};
  if (gfs.daily) for (const id of newestOfRecentBuckets(sorted, utcDay, gfs.daily)) keep.add(id);
  if (gfs.weekly) for (const id of newestOfRecentBuckets(sorted, isoWeek, gfs.weekly)) keep.add(id);
  if (gfs.monthly) for (const id of newestOfRecentBuckets(sorted, utcMonth, gfs.monthly)) keep.add(id);
  return keep;
}

/** Problems of one GC run's decision over `judged` (the index it read, every entry known). */
export function retentionDecisionProblems(
  judged: readonly BackupEntry[],
  policy: RetentionPolicy,
  result: RetentionResult,
): string[] {
  const keeps = policyKeeps(judged, policy, result.judgedAtMs);
  const retired = new Set(result.retired);
  const problems: string[] = [];
  for (const id of retired) if (keeps.has(id)) problems.push(`retired ${id}, which the policy keeps`);
  for (const entry of judged)
    if (!keeps.has(entry.id) && !retired.has(entry.id) && entry.id !== result.keptAsLastRestorable)
      problems.push(`kept ${entry.id}, which the policy retires`);
  return problems;
}
