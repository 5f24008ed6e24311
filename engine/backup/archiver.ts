/**
 * The cold-backup archiver: copies the restorable generation the primary manifest names right
 * now (its snapshot and WAL ranges, plus the manifest's own bytes) into a backup prefix,
 * normally in a second store (a second blast radius), then appends one entry to the CAS'd
 * backup index (backup-index.ts). It is leaseless and read-only on the primary: it never
 * contends with the writer.
 *
 * Crash safety: every backup object is written create-if-absent under a key derived from the
 * commit point, and the entry is appended only once every object is written, so a crash leaves
 * at worst objects the index does not name. A retry of the same commit point finds them (412)
 * and must ADOPT them: `adoptExisting` tells "already indexed" (an idempotent re-run: return
 * that entry) from "orphan" (a crash between the objects and the index, B14: check the stored
 * size by HEAD against the manifest's record and go on; the entry is rebuilt from the manifest).
 * Consulting only the index there, as the original did, leaves a good backup un-adoptable and
 * nothing restorable.
 */
import type { BlobStore } from "../blobstore/blob-store.ts";
import { AmbiguousWriteError, PreconditionFailedError } from "../blobstore/errors.ts";
import { decodeManifest } from "../manifest/manifest.ts";
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
import { sha256Hex } from "../wal/data-objects.ts";
import {
  type BackupEntry,
  type BackupObjectRef,
  backupIdFor,
  backupManifestKey,
  backupObjectKey,
  type IndexStoreOptions,
  readBackupIndex,
  sortBackups,
  storeRetryOf,
  updateBackupIndex,
} from "./backup-index.ts";
import { BackupIntegrityError, BackupObjectMissingError, BackupSizeMismatchError } from "./errors.ts";
import type { RebuildSeams, RestoreFromBackupSeams } from "./restore-from-backup.ts";
import type { RetentionSeams } from "./retention.ts";

export interface AdoptRequest {
  /** The backup store. */
  target: BlobStore;
  backupPrefix: string;
  /** The backup being written and the object whose create-if-absent was refused. */
  backupId: string;
  key: string;
  expectedBytes: number;
  indexOptions: IndexStoreOptions;
}

export type AdoptDecision =
  /** The index already names this backup: the run is a repeat; that entry is the result. */
  | { kind: "indexed"; entry: BackupEntry }
  /** An orphan of a crashed run with the right size: keep it and go on. */
  | { kind: "orphan"; storedBytes: number }
  /** The object vanished in between (retention swept it): write it again. */
  | { kind: "absent" }
  /** Nothing can be made of it: the backup is abandoned (this is what B14 did to orphans). */
  | { kind: "give-up"; reason: string };

export interface ArchiverSeams {
  adoptExisting(request: AdoptRequest): Promise<AdoptDecision>;
}

/**
 * Every seam of cold backups (scenarios/seams.ts `backup`): the archiver's adoption of existing
 * objects (B14), retention's GC order, the restore's choice of the newest backup and how it fills
 * the local directory, and the rebuild's handling of objects already in the primary. Each module
 * falls back to its real one for a part that is absent.
 */
export type BackupSeams = ArchiverSeams & RetentionSeams & RestoreFromBackupSeams & RebuildSeams;

/** The B14 fix: indexed vs orphan; an orphan is checked by HEAD against the manifest's size. */
export async function adoptExisting(request: AdoptRequest): Promise<AdoptDecision> {
  const current = await readBackupIndex(request.target, request.backupPrefix, request.indexOptions);
  const entry = current?.index.backups.find((backup) => backup.id === request.backupId);
  if (entry) return { kind: "indexed", entry };
  const retry = storeRetryOf(request.indexOptions);
  const head = await withStoreRetries(retry, () => request.target.head(request.key));
  if (head === null) return { kind: "absent" };
  if (head.size !== request.expectedBytes)
    throw new BackupSizeMismatchError(request.key, head.size, request.expectedBytes);
  return { kind: "orphan", storedBytes: head.size };
}

export const realBackupSeams: ArchiverSeams = { adoptExisting };

export interface ArchiverOptions {
  /** The primary store and the database's manifest key in it. */
  source: BlobStore;
  manifestKey: string;
  /** The backup store (may be the same store as `source`) and the prefix backups live under. */
  target: BlobStore;
  backupPrefix: string;
  clock: Clock;
  random?: Random;
  faults?: FaultPoints;
  logger?: Logger;
  seams?: Partial<BackupSeams>;
}

export type BackupOutcome =
  /** Nothing to back up yet: no manifest, or no snapshot in it. */
  | { kind: "nothing"; reason: string }
  | { kind: "created"; entry: BackupEntry; adoptedOrphans: number }
  /** This commit point was backed up already (by us earlier, or a racing archiver). */
  | { kind: "exists"; entry: BackupEntry }
  /** Retention retired this commit point while we copied it; a newer backup covers it. */
  | { kind: "retired"; id: string }
  /** An existing object could not be adopted; no entry was written. */
  | { kind: "unadoptable"; id: string; key: string; reason: string };

const SOURCE_ATTEMPTS_MAX = 8;

export class ColdArchiver {
  private readonly faults: FaultPoints;
  private readonly logger: Logger;
  private readonly seams: ArchiverSeams;
  private readonly indexOptions: IndexStoreOptions;

  constructor(private readonly options: ArchiverOptions) {
    this.faults = options.faults ?? noFaults;
    this.logger = options.logger ?? silentLogger;
    this.seams = { ...realBackupSeams, ...options.seams };
    this.indexOptions = { clock: options.clock, ...(options.random ? { random: options.random } : {}) };
    backupManifestKey(options.backupPrefix, "check"); // validates the prefix once
  }

  get backupPrefix(): string {
    return this.options.backupPrefix;
  }

  /** Back up the commit point the primary manifest names now. */
  async backupOnce(): Promise<BackupOutcome> {
    const { source, manifestKey, clock } = this.options;
    const retry = storeRetryOf(this.indexOptions);
    if (buggify(this.faults, "backup.slow-before-manifest-read")) await clock.sleepMs(BUGGIFY_DELAY_MS);
    const read = await withStoreRetries(retry, () => source.get(manifestKey));
    if (read === null) return this.nothing("no manifest in the primary");
    const manifest = decodeManifest(read.bytes, manifestKey);
    if (manifest.snapshot === null) return this.nothing("the manifest has no snapshot yet");
    const takenAtMs = clock.nowMs();
    const id = backupIdFor(manifest);
    const existing = await readBackupIndex(this.options.target, this.options.backupPrefix, this.indexOptions);
    const indexed = existing?.index.backups.find((entry) => entry.id === id);
    if (indexed) return this.done({ kind: "exists", entry: indexed });
    if (existing?.index.retired.includes(id)) return this.done({ kind: "retired", id });

    const refs = [manifest.snapshot, ...manifest.segments];
    const objects: BackupObjectRef[] = [];
    let adoptedOrphans = 0;
    for (const ref of refs) {
      const key = backupObjectKey(this.options.backupPrefix, id, ref.key);
      const copied = await this.copyObject(id, ref.key, key, ref.bytes, ref.sha256, null);
      if (copied.kind !== "written") return this.done(copied.outcome);
      if (copied.adopted) adoptedOrphans++;
      objects.push({ key, sourceKey: ref.key, bytes: ref.bytes, sha256: ref.sha256 });
    }
    const manifestCopy: BackupObjectRef = {
      key: backupManifestKey(this.options.backupPrefix, id),
      sourceKey: manifestKey,
      bytes: read.bytes.length,
      sha256: sha256Hex(read.bytes),
    };
    const copied = await this.copyObject(
      id,
      manifestKey,
      manifestCopy.key,
      read.bytes.length,
      manifestCopy.sha256,
      read.bytes,
    );
    if (copied.kind !== "written") return this.done(copied.outcome);
    if (copied.adopted) adoptedOrphans++;

    const entry: BackupEntry = {
      id,
      commitSeq: manifest.commitSeq,
      fencingToken: manifest.fencingToken,
      resumeLsn: manifest.resumeLsn,
      takenAtMs,
      manifest: manifestCopy,
      objects,
      totalBytes: objects.reduce((sum, object) => sum + object.bytes, manifestCopy.bytes),
    };
    await this.faults.hit("backup.before-index-cas");
    if (buggify(this.faults, "backup.slow-before-index-cas")) await clock.sleepMs(BUGGIFY_DELAY_MS);
    const appended = await this.append(entry);
    await this.faults.hit("backup.after-index-cas");
    if (appended.kind === "created") return this.done({ ...appended, adoptedOrphans });
    return this.done(appended);
  }

  private async append(entry: BackupEntry): Promise<BackupOutcome> {
    return updateBackupIndex<BackupOutcome>(
      this.options.target,
      this.options.backupPrefix,
      this.indexOptions,
      (index) => {
        const present = index.backups.find((backup) => backup.id === entry.id);
        if (present) return { next: null, result: { kind: "exists", entry: present } };
        if (index.retired.includes(entry.id))
          return { next: null, result: { kind: "retired", id: entry.id } };
        return {
          next: { ...index, backups: sortBackups([...index.backups, entry]) },
          result: { kind: "created", entry, adoptedOrphans: 0 },
        };
      },
    ).then((result) => {
      // After an ambiguous append that applied, the re-read finds an equal entry: ours.
      if (result.kind === "exists" && sameEntry(result.entry, entry))
        return { kind: "created", entry, adoptedOrphans: 0 };
      return result;
    });
  }

  private async copyObject(
    id: string,
    sourceKey: string,
    key: string,
    bytes: number,
    sha256: string,
    known: Uint8Array | null,
  ): Promise<{ kind: "written"; adopted: boolean } | { kind: "stop"; outcome: BackupOutcome }> {
    const { target } = this.options;
    const retry = storeRetryOf(this.indexOptions);
    await this.faults.hit("backup.before-object");
    if (buggify(this.faults, "backup.slow-before-object")) await this.options.clock.sleepMs(BUGGIFY_DELAY_MS);
    const body = known ?? (await this.readSource(sourceKey, bytes, sha256));
    let adopted = false;
    for (let attempt = 1; ; attempt++) {
      try {
        await withStoreRetries(retry, () => target.put(key, body, { ifNoneMatch: true }));
        break;
      } catch (error) {
        if (error instanceof AmbiguousWriteError) {
          // Our own write may have landed: an object of the right size under a key only this
          // commit point uses is ours (or an identical orphan). Absent: send it again.
          const head = await withStoreRetries(retry, () => target.head(key));
          if (head !== null && head.size === bytes) break;
          if (head !== null) throw new BackupSizeMismatchError(key, head.size, bytes);
          if (attempt >= SOURCE_ATTEMPTS_MAX) throw error;
          continue;
        }
        if (!(error instanceof PreconditionFailedError)) throw error;
        const decision = await this.seams.adoptExisting({
          target,
          backupPrefix: this.options.backupPrefix,
          backupId: id,
          key,
          expectedBytes: bytes,
          indexOptions: this.indexOptions,
        });
        this.logger.log("backup.adopt", { id, key, decision: decision.kind });
        if (decision.kind === "indexed")
          return { kind: "stop", outcome: { kind: "exists", entry: decision.entry } };
        if (decision.kind === "give-up")
          return { kind: "stop", outcome: { kind: "unadoptable", id, key, reason: decision.reason } };
        if (decision.kind === "orphan") {
          adopted = true;
          break;
        }
        if (attempt >= SOURCE_ATTEMPTS_MAX) throw error;
      }
    }
    await this.faults.hit("backup.after-object");
    if (buggify(this.faults, "backup.slow-after-object")) await this.options.clock.sleepMs(BUGGIFY_DELAY_MS);
    return { kind: "written", adopted };
  }

  /** The primary's object, verified against the manifest (never back up damage silently). */
  private async readSource(key: string, bytes: number, sha256: string): Promise<Uint8Array> {
    const retry = storeRetryOf(this.indexOptions);
    const object = await withStoreRetries(retry, () => this.options.source.get(key));
    if (object === null) throw new BackupObjectMissingError(key, "primary");
    if (object.size !== bytes) throw new BackupSizeMismatchError(key, object.size, bytes);
    if (sha256Hex(object.bytes) !== sha256)
      throw new BackupIntegrityError(key, "sha256 differs from the manifest's");
    return object.bytes;
  }

  private nothing(reason: string): BackupOutcome {
    this.logger.log("backup.nothing", { reason });
    return { kind: "nothing", reason };
  }

  private done(outcome: BackupOutcome): BackupOutcome {
    const id = "entry" in outcome ? outcome.entry.id : "id" in outcome ? outcome.id : null;
    this.logger.log(`backup.${outcome.kind}`, { id, ...("key" in outcome ? { key: outcome.key } : {}) });
    return outcome;
  }
}

function sameEntry(a: BackupEntry, b: BackupEntry): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
