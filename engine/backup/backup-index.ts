/**
 * The backup index: to the backup store what the manifest is to the primary. One small JSON
 * object at `<backupPrefix>/index.json`, only ever written by a conditional write on the version
 * last read, so archivers and retention racing each other never lose an update: a refused write
 * (412) re-reads and re-applies its change to what is there now.
 *
 * Layout of the backup store, per backup `<id>` (id = commit point of the manifest copied):
 *   <backupPrefix>/<id>/<name of each data object>   snapshot + WAL ranges, byte copies
 *   <backupPrefix>/<id>/manifest.json                the primary manifest's exact bytes
 * A backup is self-contained: retention deletes one without reasoning about any other.
 *
 * `retired` remembers ids retention removed, so a slow archiver (or an ambiguous append that
 * applied late) can never put back an entry whose objects are being deleted.
 */
import type { BlobStore, VersionToken } from "../blobstore/blob-store.ts";
import { AmbiguousWriteError, PreconditionFailedError } from "../blobstore/errors.ts";
import type { Manifest } from "../manifest/manifest.ts";
import type { Clock, Random } from "../runtime.ts";
import { withStoreRetries } from "../blobstore/conditional-write.ts";
import { DEFAULT_STORE_RETRY, type StoreRetryOptions } from "../wal/data-objects.ts";
import { BackupConfigError, BackupIndexContendedError, BackupIndexCorruptError } from "./errors.ts";

export const BACKUP_INDEX_FORMAT_VERSION = 1;
/** Retired ids kept in the index (the newest); far more than any run of races needs. */
export const RETIRED_IDS_MAX = 500;

export interface BackupObjectRef {
  /** Key in the backup store. */
  key: string;
  /** Key the object had in the primary (where a rebuild puts it back). */
  sourceKey: string;
  bytes: number;
  sha256: string;
}

export interface BackupEntry {
  /** `b<commitSeq>-t<fencingToken>`: the same commit point always gets the same id (and keys). */
  id: string;
  commitSeq: number;
  fencingToken: number;
  resumeLsn: number;
  /** When the archiver read the manifest: the age retention reasons over. */
  takenAtMs: number;
  /** The copy of the primary manifest (its exact bytes). */
  manifest: BackupObjectRef;
  /** Snapshot first, then the WAL ranges in LSN order. */
  objects: BackupObjectRef[];
  totalBytes: number;
}

export interface BackupIndex {
  formatVersion: typeof BACKUP_INDEX_FORMAT_VERSION;
  /** Oldest first (by commitSeq, then id). */
  backups: BackupEntry[];
  retired: string[];
}

export interface VersionedBackupIndex {
  index: BackupIndex;
  version: VersionToken;
}

function checkPrefix(prefix: string): void {
  if (prefix === "" || prefix.startsWith("/") || prefix.endsWith("/"))
    throw new BackupConfigError(
      `backup prefix must be non-empty without leading/trailing '/': ${JSON.stringify(prefix)}`,
    );
}

export function backupIndexKey(prefix: string): string {
  checkPrefix(prefix);
  return `${prefix}/index.json`;
}

export function backupIdFor(manifest: Manifest): string {
  return `b${String(manifest.commitSeq).padStart(12, "0")}-t${manifest.fencingToken}`;
}

export function backupObjectKey(prefix: string, id: string, sourceKey: string): string {
  checkPrefix(prefix);
  const slash = sourceKey.lastIndexOf("/");
  return `${prefix}/${id}/${sourceKey.slice(slash + 1)}`;
}

export function backupManifestKey(prefix: string, id: string): string {
  checkPrefix(prefix);
  return `${prefix}/${id}/manifest.json`;
}

/** The id a backup-store key belongs to, or null for the index or a foreign key. */
export function backupIdOfKey(prefix: string, key: string): string | null {
  if (!key.startsWith(`${prefix}/`)) return null;
  const rest = key.slice(prefix.length + 1);
  const slash = rest.indexOf("/");
  return slash <= 0 ? null : rest.slice(0, slash);
}

export function emptyBackupIndex(): BackupIndex {
  return { formatVersion: BACKUP_INDEX_FORMAT_VERSION, backups: [], retired: [] };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function encodeBackupIndex(index: BackupIndex, key = "index"): Uint8Array {
  checkIndexShape(index, key); // never write what we would refuse to read
  return encoder.encode(JSON.stringify(index));
}

export function decodeBackupIndex(bytes: Uint8Array, key: string): BackupIndex {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new BackupIndexCorruptError(
      key,
      `not valid UTF-8 JSON, truncated? (${bytes.length} bytes: ${why})`,
    );
  }
  checkIndexShape(value, key);
  return value;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
const isText = (value: unknown): value is string => typeof value === "string" && value !== "";

function need(condition: boolean, key: string, reason: string): asserts condition {
  if (!condition) throw new BackupIndexCorruptError(key, reason);
}

function checkRef(value: unknown, key: string, where: string): void {
  need(isObject(value), key, `${where} must be an object`);
  need(isText(value.key) && isText(value.sourceKey), key, `${where}.key/sourceKey must be non-empty strings`);
  need(isCount(value.bytes), key, `${where}.bytes must be a non-negative integer`);
  need(
    typeof value.sha256 === "string" && /^[0-9a-f]{64}$/.test(value.sha256),
    key,
    `${where}.sha256 must be hex`,
  );
}

function checkIndexShape(value: unknown, key: string): asserts value is BackupIndex {
  need(isObject(value), key, "not a JSON object");
  need(
    value.formatVersion === BACKUP_INDEX_FORMAT_VERSION,
    key,
    `formatVersion ${JSON.stringify(value.formatVersion)} is not ${BACKUP_INDEX_FORMAT_VERSION}`,
  );
  need(Array.isArray(value.retired) && value.retired.every(isText), key, "retired must be an array of ids");
  need(Array.isArray(value.backups), key, "backups must be an array");
  const ids = new Set<string>();
  value.backups.forEach((entry: unknown, n) => {
    const where = `backups[${n}]`;
    need(isObject(entry), key, `${where} must be an object`);
    need(isText(entry.id), key, `${where}.id must be a non-empty string`);
    need(!ids.has(entry.id), key, `${where}.id ${entry.id} appears twice`);
    ids.add(entry.id);
    for (const field of ["commitSeq", "fencingToken", "resumeLsn", "takenAtMs", "totalBytes"])
      need(isCount(entry[field]), key, `${where}.${field} must be a non-negative integer`);
    checkRef(entry.manifest, key, `${where}.manifest`);
    need(Array.isArray(entry.objects) && entry.objects.length > 0, key, `${where}.objects must be non-empty`);
    (entry.objects as unknown[]).forEach((ref, m) => checkRef(ref, key, `${where}.objects[${m}]`));
  });
}

export interface IndexStoreOptions {
  clock: Clock;
  /** Jitter for the backoff between lost races (two archivers must not stay in lockstep). */
  random?: Random;
  storeRetry?: Partial<Omit<StoreRetryOptions, "clock">>;
  /** Lost races tolerated per update before BackupIndexContendedError. */
  racesMax?: number;
}

export function storeRetryOf(options: IndexStoreOptions): StoreRetryOptions {
  return { clock: options.clock, ...DEFAULT_STORE_RETRY, ...options.storeRetry };
}

export async function readBackupIndex(
  store: BlobStore,
  prefix: string,
  options: IndexStoreOptions,
): Promise<VersionedBackupIndex | null> {
  const key = backupIndexKey(prefix);
  const object = await withStoreRetries(storeRetryOf(options), () => store.get(key));
  if (object === null) return null;
  return { index: decodeBackupIndex(object.bytes, key), version: object.version };
}

export function sortBackups(backups: BackupEntry[]): BackupEntry[] {
  return [...backups].sort((a, b) => a.commitSeq - b.commitSeq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Applies `change` to the current index by CAS, re-reading and re-applying after every lost
 * race (412) and after an ambiguous answer. `change` sees the index as it is now and returns the
 * next one, or null for "nothing to write" (already done). Returns what was finally decided.
 */
export async function updateBackupIndex<T>(
  store: BlobStore,
  prefix: string,
  options: IndexStoreOptions,
  change: (current: BackupIndex) => { next: BackupIndex | null; result: T },
): Promise<T> {
  const key = backupIndexKey(prefix);
  const retry = storeRetryOf(options);
  const racesMax = options.racesMax ?? 40;
  let waitMs = 50;
  for (let races = 0; ; races++) {
    const current = await readBackupIndex(store, prefix, options);
    const decided = change(current?.index ?? emptyBackupIndex());
    if (decided.next === null) return decided.result;
    const bytes = encodeBackupIndex(decided.next, key);
    const precondition = current === null ? { ifNoneMatch: true as const } : { ifMatch: current.version };
    try {
      await withStoreRetries(retry, () => store.put(key, bytes, precondition));
      return decided.result;
    } catch (error) {
      // 412: someone else moved the index; ambiguous: it may have applied. Either way re-read:
      // `change` is idempotent against an index that already holds our update.
      if (!(error instanceof PreconditionFailedError || error instanceof AmbiguousWriteError)) throw error;
      if (races >= racesMax) throw new BackupIndexContendedError(key, races + 1);
      const jitter = options.random ? 0.5 + options.random.next() : 1;
      await options.clock.sleepMs(Math.round(waitMs * jitter));
      waitMs = Math.min(waitMs * 2, 2_000);
    }
  }
}
