/**
 * Retention of cold backups: which to keep (a pure decision) and the crash-safe GC that applies
 * it.
 *
 * Keep-set = the union of every configured policy (keepLast, maxAgeDays, GFS daily / weekly /
 * monthly buckets, newest in each of the most recent N buckets), plus always the newest backup,
 * plus always the newest backup that is verified RESTORABLE (every object present at its size):
 * retention never deletes the last restorable backup, whatever the policy says.
 *
 * GC order: the index is updated first (the removed ids move to `retired`), only then are their
 * objects deleted. A crash anywhere leaves every indexed backup intact; what a crash leaves
 * behind is unindexed garbage of retired ids, which the next run sweeps.
 */
import type { BlobStore } from "../blobstore/blob-store.ts";
import { AmbiguousWriteError, NotFoundError } from "../blobstore/errors.ts";
import {
  BUGGIFY_DELAY_MS,
  buggify,
  type Clock,
  type FaultPoints,
  type Logger,
  noFaults,
  type Random,
  silentLogger,
} from "../runtime.ts";
import { withStoreRetries } from "../blobstore/conditional-write.ts";
import {
  type BackupEntry,
  type BackupIndex,
  backupIdOfKey,
  backupIndexKey,
  type IndexStoreOptions,
  RETIRED_IDS_MAX,
  readBackupIndex,
  storeRetryOf,
  updateBackupIndex,
} from "./backup-index.ts";
import { BackupConfigError } from "./errors.ts";

export const DAY_MS = 86_400_000;

export interface RetentionPolicy {
  /** Keep the N most recent backups. */
  keepLast?: number;
  /** Keep every backup taken within the last X days. */
  maxAgeDays?: number;
  /** Grandfather-father-son: newest backup of each of the last N UTC days / ISO weeks / months. */
  gfs?: { daily?: number; weekly?: number; monthly?: number };
}

export function checkRetentionPolicy(policy: RetentionPolicy): void {
  const counts: Array<[string, number | undefined]> = [
    ["keepLast", policy.keepLast],
    ["maxAgeDays", policy.maxAgeDays],
    ["gfs.daily", policy.gfs?.daily],
    ["gfs.weekly", policy.gfs?.weekly],
    ["gfs.monthly", policy.gfs?.monthly],
  ];
  for (const [name, value] of counts)
    if (value !== undefined && !(Number.isFinite(value) && value >= 0))
      throw new BackupConfigError(`retention ${name} must be a non-negative number, got ${String(value)}`);
}

/** Days since 1970-01-01 (UTC). */
const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);
/** ISO weeks start on Monday; 1970-01-01 was a Thursday, so day 4 (Jan 5) is the first Monday. */
const weekOf = (ms: number): number => Math.floor((dayOf(ms) + 3) / 7);
/** Calendar month index (year × 12 + month) from days since the epoch (civil-from-days). */
function monthOf(ms: number): number {
  const z = dayOf(ms) + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1_460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9; // 1..12
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return year * 12 + (month - 1);
}

function newestPerBucket(
  sorted: readonly BackupEntry[],
  bucketOf: (ms: number) => number,
  limit: number,
): string[] {
  if (limit <= 0) return [];
  const newest = new Map<number, BackupEntry>();
  for (const entry of sorted) newest.set(bucketOf(entry.takenAtMs), entry); // ascending: last wins
  return [...newest.keys()]
    .sort((a, b) => a - b)
    .slice(-limit)
    .map((bucket) => newest.get(bucket)!.id);
}

/** The ids `policy` keeps at `nowMs` (always including the newest backup). */
export function retainedIds(
  backups: readonly BackupEntry[],
  policy: RetentionPolicy,
  nowMs: number,
): Set<string> {
  checkRetentionPolicy(policy);
  const sorted = [...backups].sort((a, b) => a.takenAtMs - b.takenAtMs || a.commitSeq - b.commitSeq);
  const keep = new Set<string>();
  const newest = sorted.at(-1);
  if (newest) keep.add(newest.id);
  if (policy.keepLast) for (const entry of sorted.slice(-policy.keepLast)) keep.add(entry.id);
  if (policy.maxAgeDays) {
    const cutoffMs = nowMs - policy.maxAgeDays * DAY_MS;
    for (const entry of sorted) if (entry.takenAtMs >= cutoffMs) keep.add(entry.id);
  }
  if (policy.gfs) {
    for (const id of newestPerBucket(sorted, dayOf, policy.gfs.daily ?? 0)) keep.add(id);
    for (const id of newestPerBucket(sorted, weekOf, policy.gfs.weekly ?? 0)) keep.add(id);
    for (const id of newestPerBucket(sorted, monthOf, policy.gfs.monthly ?? 0)) keep.add(id);
  }
  return keep;
}

/** Every object of `entry` present in `store` at its recorded size. */
export async function isRestorable(
  store: BlobStore,
  entry: BackupEntry,
  options: IndexStoreOptions,
): Promise<boolean> {
  const retry = storeRetryOf(options);
  for (const ref of [entry.manifest, ...entry.objects]) {
    const head = await withStoreRetries(retry, () => store.head(ref.key));
    if (head === null || head.size !== ref.bytes) return false;
  }
  return true;
}

/** What one GC run decided: the ids it keeps and the entries it retires. */
export interface RetireDecision {
  kept: string[];
  retire: BackupEntry[];
}

/** The two steps of a GC run, handed to `RetentionSeams.collect` to put in order. */
export interface CollectSteps {
  /** The entries the run would retire, judged on the index as it was read (no I/O). */
  planned(): BackupEntry[];
  /** Move the retired ids from `backups` to `retired` in the index (CAS); what was decided. */
  retireInIndex(): Promise<RetireDecision>;
  /** Delete every object of `entries`. */
  deleteObjects(entries: readonly BackupEntry[]): Promise<void>;
}

export interface RetentionSeams {
  /**
   * Orders a GC run's steps. Real: retire in the index first, only then delete the retired
   * entries' objects, so a crash at any point leaves every indexed backup whole.
   */
  collect(steps: CollectSteps): Promise<RetireDecision>;
  /** The ids the policy keeps at `nowMs` (the newest always among them). Real: retainedIds. */
  keep(backups: readonly BackupEntry[], policy: RetentionPolicy, nowMs: number): Set<string>;
}

export const realRetentionSeams: RetentionSeams = {
  async collect(steps) {
    const decided = await steps.retireInIndex();
    await steps.deleteObjects(decided.retire);
    return decided;
  },
  keep: retainedIds,
};

export interface RetentionOptions {
  store: BlobStore;
  backupPrefix: string;
  policy: RetentionPolicy;
  clock: Clock;
  random?: Random;
  faults?: FaultPoints;
  logger?: Logger;
  seams?: Partial<RetentionSeams>;
}

export interface RetentionResult {
  kept: string[];
  retired: string[];
  /** Objects deleted (of backups retired now or by a crashed earlier run). */
  deletedObjects: number;
  /** The backup kept because it is the newest restorable one, if the policy did not keep it. */
  keptAsLastRestorable: string | null;
  /** The instant the policy was judged at (maxAgeDays counts back from it). */
  judgedAtMs: number;
}

/** Apply `policy`: retire in the index first, then delete the retired backups' objects. */
export async function applyRetention(options: RetentionOptions): Promise<RetentionResult> {
  const { store, backupPrefix, policy, clock } = options;
  checkRetentionPolicy(policy);
  const faults = options.faults ?? noFaults;
  const logger = options.logger ?? silentLogger;
  const seams: RetentionSeams = { ...realRetentionSeams, ...options.seams };
  const indexOptions: IndexStoreOptions = { clock, ...(options.random ? { random: options.random } : {}) };
  const restorable = new Map<string, boolean>();
  const verified = async (entry: BackupEntry): Promise<boolean> => {
    let known = restorable.get(entry.id);
    if (known === undefined) {
      known = await isRestorable(store, entry, indexOptions);
      restorable.set(entry.id, known);
    }
    return known;
  };
  // Verify outside the CAS loop's decision (which must be synchronous): the newest restorable.
  const before = await readBackupIndex(store, backupPrefix, indexOptions);
  if (before === null)
    return {
      kept: [],
      retired: [],
      deletedObjects: 0,
      keptAsLastRestorable: null,
      judgedAtMs: clock.nowMs(),
    };
  const judged = new Set(before.index.backups.map((entry) => entry.id));
  const newestFirst = [...before.index.backups].reverse();
  let lastRestorable: string | null = null;
  for (const entry of newestFirst)
    if (await verified(entry)) {
      lastRestorable = entry.id;
      break;
    }
  const nowMs = clock.nowMs();
  let keptAsLastRestorable: string | null = null;
  const decide = (index: BackupIndex): { next: BackupIndex | null; result: RetireDecision } => {
    const keep = seams.keep(index.backups, policy, nowMs);
    keptAsLastRestorable = null;
    if (
      lastRestorable !== null &&
      !keep.has(lastRestorable) &&
      index.backups.some((b) => b.id === lastRestorable)
    ) {
      keep.add(lastRestorable);
      keptAsLastRestorable = lastRestorable;
    }
    // Entries appended since our read are newer than anything we judged: never retire them now.
    for (const entry of index.backups) if (!judged.has(entry.id)) keep.add(entry.id);
    if (lastRestorable === null) for (const entry of index.backups) keep.add(entry.id);
    const retire = index.backups.filter((entry) => !keep.has(entry.id));
    const kept = index.backups.filter((entry) => keep.has(entry.id));
    if (retire.length === 0) return { next: null, result: { kept: kept.map((e) => e.id), retire: [] } };
    return {
      next: {
        ...index,
        backups: kept,
        retired: [...index.retired, ...retire.map((e) => e.id)].slice(-RETIRED_IDS_MAX),
      },
      result: { kept: kept.map((e) => e.id), retire },
    };
  };
  let deletedObjects = 0;
  const decided = await seams.collect({
    planned: () => decide(before.index).result.retire,
    retireInIndex: async () => {
      if (buggify(faults, "retention.slow-before-retire")) await clock.sleepMs(BUGGIFY_DELAY_MS);
      const result = await updateBackupIndex(store, backupPrefix, indexOptions, decide);
      logger.log("backup-gc.retired", {
        kept: result.kept.length,
        retired: result.retire.length,
        keptAsLastRestorable,
      });
      return result;
    },
    deleteObjects: async (entries) => {
      if (buggify(faults, "retention.slow-before-delete")) await clock.sleepMs(BUGGIFY_DELAY_MS);
      for (const entry of entries)
        for (const ref of [entry.manifest, ...entry.objects])
          if (await deleteObject(store, ref.key, faults, indexOptions)) deletedObjects++;
    },
  });
  deletedObjects += await sweepRetired(store, backupPrefix, faults, indexOptions);
  return {
    kept: decided.kept,
    retired: decided.retire.map((e) => e.id),
    deletedObjects,
    keptAsLastRestorable,
    judgedAtMs: nowMs,
  };
}

async function deleteObject(
  store: BlobStore,
  key: string,
  faults: FaultPoints,
  options: IndexStoreOptions,
): Promise<boolean> {
  await faults.hit("backup-gc.before-delete");
  const retry = storeRetryOf(options);
  for (let attempt = 1; ; attempt++) {
    try {
      await withStoreRetries(retry, () => store.delete(key));
      break;
    } catch (error) {
      // Ambiguous: it may have applied; delete again, and a 404 then means it did.
      if (error instanceof AmbiguousWriteError && attempt < retry.attemptsMax) continue;
      if (!(error instanceof NotFoundError)) throw error;
      return false; // gone already (an earlier run, or our ambiguous delete applied)
    }
  }
  await faults.hit("backup-gc.after-delete");
  return true;
}

/** Delete leftovers of retired backups (a GC that crashed after its index update). */
async function sweepRetired(
  store: BlobStore,
  backupPrefix: string,
  faults: FaultPoints,
  options: IndexStoreOptions,
): Promise<number> {
  const current = await readBackupIndex(store, backupPrefix, options);
  if (current === null) return 0;
  const retired = new Set(current.index.retired);
  for (const entry of current.index.backups) retired.delete(entry.id);
  if (retired.size === 0) return 0;
  const indexKey = backupIndexKey(backupPrefix);
  const leftovers: string[] = [];
  let pageToken: string | undefined;
  do {
    const token = pageToken;
    const page = await withStoreRetries(storeRetryOf(options), () =>
      store.list(`${backupPrefix}/`, token === undefined ? {} : { pageToken: token }),
    );
    for (const listed of page.entries) {
      if (listed.key === indexKey) continue;
      const id = backupIdOfKey(backupPrefix, listed.key);
      if (id !== null && retired.has(id)) leftovers.push(listed.key);
    }
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined);
  let deleted = 0;
  for (const key of leftovers) if (await deleteObject(store, key, faults, options)) deleted++;
  return deleted;
}
