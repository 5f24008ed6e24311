/**
 * Restoring from a cold backup, two ways:
 *
 * - `restoreFromBackup`: open the database as of a backup, on a local disk, straight from the
 *   backup store (the primary may be damaged or gone). It is engine/restore run on the backup's
 *   manifest copy with every key pointed at the backup's objects, so sizes and sha256 are
 *   verified exactly as for a primary restore. A crash mid-restore leaves nothing behind but a
 *   local disk the retry replaces.
 * - `rebuildPrimary`: after a full primary wipe, put a backup's objects back under their
 *   original keys and create the manifest again, fence-stamped with the next fencing token so
 *   that no writer of before the disaster can commit on top of it. Every step is create-if-absent
 *   and adopts identical bytes, so a crash mid-rebuild is retried cleanly.
 */
import type { BlobStore } from "../blobstore/blob-store.ts";
import { AmbiguousWriteError, PreconditionFailedError } from "../blobstore/errors.ts";

import { casManifest, readManifest } from "../manifest/cas.ts";
import type { Manifest } from "../manifest/manifest.ts";
import {
  RestoreObjectMissingError,
  type RestoreOptions,
  type RestoreResult,
  restoreDatabase,
} from "../restore/restore.ts";
import type { Clock, Logger } from "../runtime.ts";
import { silentLogger } from "../runtime.ts";
import { withStoreRetries } from "../blobstore/conditional-write.ts";
import { sha256Hex } from "../wal/data-objects.ts";
import { decodeBackupManifest } from "./backup-manifest.ts";
import { type BackupEntry, type IndexStoreOptions, readBackupIndex, storeRetryOf } from "./backup-index.ts";
import {
  BackupIntegrityError,
  BackupNotFoundError,
  BackupObjectMissingError,
  BackupRebuildRefusedError,
  BackupSizeMismatchError,
} from "./errors.ts";

/**
 * The seams of restoring from a backup: which entry "the newest" is, and how a local data
 * directory is brought to a backup's state. The real ones are below; a forensic variant may
 * replace either (scenarios/seams.ts `backup`).
 */
export interface RestoreFromBackupSeams {
  /** The entry a restore without an explicit one uses. Real: the last (the index is oldest first). */
  newestBackup(backups: readonly BackupEntry[]): BackupEntry | undefined;
  /**
   * Brings `options.dir` to the state of `options.manifest`. Real: engine/restore, which replaces
   * the directory entirely, so whatever a crashed earlier attempt left there is never reused.
   */
  restoreInto(options: RestoreOptions): Promise<RestoreResult>;
}

export const realRestoreFromBackupSeams: RestoreFromBackupSeams = {
  newestBackup: (backups) => backups.at(-1),
  restoreInto: restoreDatabase,
};

/** The index entry with `id`, or the newest one. */
export async function findBackup(
  store: BlobStore,
  backupPrefix: string,
  clock: Clock,
  id?: string,
  seams: Partial<RestoreFromBackupSeams> = {},
): Promise<BackupEntry> {
  const newestBackup = seams.newestBackup ?? realRestoreFromBackupSeams.newestBackup;
  const current = await readBackupIndex(store, backupPrefix, { clock });
  const backups = current?.index.backups ?? [];
  const entry = id === undefined ? newestBackup(backups) : backups.find((backup) => backup.id === id);
  if (!entry) throw new BackupNotFoundError(id ?? `any backup under ${backupPrefix}`);
  return entry;
}

/** The manifest copy of `entry`, verified, exactly as the primary had it. */
export async function readBackupManifest(
  store: BlobStore,
  entry: BackupEntry,
  options: IndexStoreOptions,
): Promise<Manifest> {
  const object = await withStoreRetries(storeRetryOf(options), () => store.get(entry.manifest.key));
  if (object === null) throw new BackupObjectMissingError(entry.manifest.key, "backup");
  return decodeBackupManifest(object.bytes, entry);
}

/** The manifest with every data key pointed at the backup's copy of it. */
export function manifestInBackup(manifest: Manifest, entry: BackupEntry): Manifest {
  const keyOf = new Map(entry.objects.map((ref) => [ref.sourceKey, ref.key]));
  const moved = (key: string): string => {
    const backupKey = keyOf.get(key);
    if (backupKey === undefined)
      throw new BackupIntegrityError(entry.manifest.key, `names ${key}, which backup ${entry.id} lacks`);
    return backupKey;
  };
  return {
    ...manifest,
    snapshot: manifest.snapshot === null ? null : { ...manifest.snapshot, key: moved(manifest.snapshot.key) },
    // The one-back snapshot is not part of the restorable generation and is not copied.
    previousSnapshot: null,
    segments: manifest.segments.map((segment) => ({ ...segment, key: moved(segment.key) })),
  };
}

export interface RestoreFromBackupOptions extends Omit<RestoreOptions, "store" | "manifest"> {
  /** The backup store. */
  store: BlobStore;
  backupPrefix: string;
  /** The backup to restore (default: the newest in the index). */
  entry?: BackupEntry;
  seams?: Partial<RestoreFromBackupSeams>;
}

export async function restoreFromBackup(
  options: RestoreFromBackupOptions,
): Promise<RestoreResult & { entry: BackupEntry }> {
  const { store, backupPrefix, clock, seams: given, ...restoreOptions } = options;
  const seams = { ...realRestoreFromBackupSeams, ...given };
  const entry = options.entry ?? (await findBackup(store, backupPrefix, clock, undefined, seams));
  const manifest = manifestInBackup(await readBackupManifest(store, entry, { clock }), entry);
  const logger = options.logger ?? silentLogger;
  logger.log("backup.restore", { id: entry.id, commitSeq: entry.commitSeq });
  try {
    const restored = await seams.restoreInto({ ...restoreOptions, store, clock, manifest });
    return { ...restored, entry };
  } catch (error) {
    if (error instanceof RestoreObjectMissingError) throw new BackupObjectMissingError(error.key, "backup");
    throw error;
  }
}

/** What a put-back into the primary found under its key after a refused (412) or ambiguous write. */
export interface PutBackConflict {
  key: string;
  /** The bytes the key holds now; null: nothing (an ambiguous write that did not apply). */
  current: Uint8Array | null;
  /** The backup's sha256 of the object. */
  sha256: string;
}

export interface RebuildSeams {
  /**
   * Real: identical bytes are adopted (an earlier, crashed attempt's, or our own ambiguous write
   * that applied), different bytes refuse the rebuild, nothing there is written again.
   */
  putBackConflict(conflict: PutBackConflict): "adopt" | "refuse" | "write-again";
}

export const realRebuildSeams: RebuildSeams = {
  putBackConflict: ({ current, sha256 }) =>
    current === null ? "write-again" : sha256Hex(current) === sha256 ? "adopt" : "refuse",
};

export interface RebuildPrimaryOptions {
  backupStore: BlobStore;
  backupPrefix: string;
  entry?: BackupEntry;
  primary: BlobStore;
  manifestKey: string;
  clock: Clock;
  logger?: Logger;
  /** Names the rebuild in the manifest's writerId. */
  rebuilderId: string;
  seams?: Partial<RebuildSeams & Pick<RestoreFromBackupSeams, "newestBackup">>;
}

export interface RebuildResult {
  entry: BackupEntry;
  manifest: Manifest;
  /** Objects that were already in place (an earlier, crashed attempt). */
  adoptedObjects: number;
}

/** Put a backup back into a wiped primary: objects first, then the fence-stamped manifest. */
export async function rebuildPrimary(options: RebuildPrimaryOptions): Promise<RebuildResult> {
  const { backupStore, primary, manifestKey, clock } = options;
  const logger = options.logger ?? silentLogger;
  const indexOptions: IndexStoreOptions = { clock };
  const retry = storeRetryOf(indexOptions);
  const seams = { ...realRebuildSeams, ...options.seams };
  const entry =
    options.entry ?? (await findBackup(backupStore, options.backupPrefix, clock, undefined, seams));
  const copy = await readBackupManifest(backupStore, entry, indexOptions);
  const writerId = `rebuild:${options.rebuilderId}:${entry.id}`;
  const next: Manifest = {
    ...copy,
    fencingToken: copy.fencingToken + 1,
    writerId,
    commitSeq: copy.commitSeq + 1,
    previousSnapshot: null,
    lifeBaseLsn: copy.resumeLsn,
  };
  const existing = await readManifest(primary, manifestKey, { clock });
  if (existing !== null) {
    // Our own earlier attempt got this far: done. Anything else is a live database.
    if (existing.manifest.writerId === writerId && existing.manifest.commitSeq === next.commitSeq)
      return { entry, manifest: existing.manifest, adoptedObjects: entry.objects.length };
    throw new BackupRebuildRefusedError(
      manifestKey,
      `the primary has a manifest (commit ${existing.manifest.commitSeq})`,
    );
  }
  let adoptedObjects = 0;
  for (const ref of entry.objects) {
    const object = await withStoreRetries(retry, () => backupStore.get(ref.key));
    if (object === null) throw new BackupObjectMissingError(ref.key, "backup");
    if (object.size !== ref.bytes) throw new BackupSizeMismatchError(ref.key, object.size, ref.bytes);
    if (sha256Hex(object.bytes) !== ref.sha256)
      throw new BackupIntegrityError(ref.key, "sha256 differs from the index's");
    if (await putBack(primary, ref.sourceKey, object.bytes, ref.sha256, retry, seams)) adoptedObjects++;
  }
  await casManifest(primary, manifestKey, null, next, { clock });
  logger.log("backup.rebuilt", {
    id: entry.id,
    commitSeq: next.commitSeq,
    fencingToken: next.fencingToken,
    adoptedObjects,
  });
  return { entry, manifest: next, adoptedObjects };
}

/** Create-if-absent; identical bytes already there are adopted (true). */
async function putBack(
  store: BlobStore,
  key: string,
  bytes: Uint8Array,
  sha256: string,
  retry: ReturnType<typeof storeRetryOf>,
  seams: RebuildSeams,
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await withStoreRetries(retry, () => store.put(key, bytes, { ifNoneMatch: true }));
      return false;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError || error instanceof AmbiguousWriteError)) throw error;
      const current = await withStoreRetries(retry, () => store.get(key));
      const decision = seams.putBackConflict({ key, current: current?.bytes ?? null, sha256 });
      if (decision === "adopt") return error instanceof PreconditionFailedError;
      if (decision === "refuse")
        throw new BackupIntegrityError(key, "the primary holds different bytes under this key");
      if (attempt >= retry.attemptsMax) throw error;
    }
  }
}
