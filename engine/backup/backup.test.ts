import { describe, expect, it } from "vitest";
import type { BlobStore } from "../blobstore/blob-store.ts";
import { encodeManifest, emptyManifest, type Manifest } from "../manifest/manifest.ts";
import { MemoryBlobStore } from "../manifest/testing/memory-blob-store.ts";
import type { Clock } from "../runtime.ts";
import { sha256Hex } from "../wal/data-objects.ts";
import { type AdoptDecision, type AdoptRequest, ColdArchiver } from "./archiver.ts";
import { type BackupEntry, decodeBackupIndex, encodeBackupIndex, readBackupIndex } from "./backup-index.ts";
import { BackupIndexCorruptError, BackupObjectMissingError, BackupSizeMismatchError } from "./errors.ts";
import { findBackup, manifestInBackup, readBackupManifest } from "./restore-from-backup.ts";
import { applyRetention, DAY_MS, retainedIds } from "./retention.ts";

const EPOCH_MS = Date.UTC(2026, 0, 1);
let nowMs = EPOCH_MS;
const clock: Clock = { nowMs: () => nowMs, sleepMs: async () => undefined };
const bytesOf = (text: string) => new TextEncoder().encode(text);

/** A primary holding a manifest at `commitSeq` with a snapshot and one WAL range. */
async function primaryAt(store: BlobStore, commitSeq: number): Promise<Manifest> {
  const snapshot = bytesOf(`snapshot ${commitSeq} `.repeat(50));
  const segment = bytesOf(`wal ${commitSeq}`);
  const snapKey = `db/data/${commitSeq}-t1.snap`;
  const walKey = `db/data/${commitSeq}-t1.100-${100 + segment.length}.wal`;
  await store.put(snapKey, snapshot);
  await store.put(walKey, segment);
  const manifest: Manifest = {
    ...emptyManifest("t"),
    fencingToken: 1,
    writerId: "w",
    commitSeq,
    snapshot: {
      key: snapKey,
      bytes: snapshot.length,
      sha256: sha256Hex(snapshot),
      lsn: 100,
      fencingToken: 1,
    },
    segments: [
      {
        key: walKey,
        startLsn: 100,
        endLsn: 100 + segment.length,
        bytes: segment.length,
        sha256: sha256Hex(segment),
        fencingToken: 1,
      },
    ],
    resumeLsn: 100 + segment.length,
    lifeBaseLsn: 100,
  };
  await store.put("db/manifest.json", encodeManifest(manifest));
  return manifest;
}

function archiver(primary: BlobStore, cold: BlobStore, adopt?: (r: AdoptRequest) => Promise<AdoptDecision>) {
  return new ColdArchiver({
    source: primary,
    manifestKey: "db/manifest.json",
    target: cold,
    backupPrefix: "backups",
    clock,
    ...(adopt ? { seams: { adoptExisting: adopt } } : {}),
  });
}

function entry(id: string, takenAtMs: number, commitSeq: number): BackupEntry {
  const ref = { key: `backups/${id}/x`, sourceKey: "db/x", bytes: 1, sha256: "0".repeat(64) };
  return {
    id,
    commitSeq,
    fencingToken: 1,
    resumeLsn: 0,
    takenAtMs,
    manifest: ref,
    objects: [ref],
    totalBytes: 2,
  };
}

describe("backup index", () => {
  it("rejects a corrupt or duplicated index with a typed error naming the key", () => {
    expect(() => decodeBackupIndex(bytesOf("{not json"), "backups/index.json")).toThrow(
      BackupIndexCorruptError,
    );
    const twice = { formatVersion: 1, retired: [], backups: [entry("a", 0, 1), entry("a", 0, 1)] };
    expect(() => decodeBackupIndex(bytesOf(JSON.stringify(twice)), "k")).toThrow(/appears twice/);
    const good = { formatVersion: 1 as const, retired: [], backups: [entry("a", 0, 1)] };
    expect(decodeBackupIndex(encodeBackupIndex(good), "k")).toEqual(good);
  });
});

describe("archiver", () => {
  it("copies the generation, appends to the index, and is idempotent", async () => {
    const primary = new MemoryBlobStore();
    const cold = new MemoryBlobStore();
    await primaryAt(primary, 5);
    const first = await archiver(primary, cold).backupOnce();
    expect(first.kind).toBe("created");
    const again = await archiver(primary, cold).backupOnce();
    expect(again.kind).toBe("exists");
    const index = await readBackupIndex(cold, "backups", { clock });
    expect(index?.index.backups.map((b) => b.id)).toEqual(["b000000000005-t1"]);
    const found = await findBackup(cold, "backups", clock);
    const copy = manifestInBackup(await readBackupManifest(cold, found, { clock }), found);
    expect(copy.snapshot?.key.startsWith("backups/b000000000005-t1/")).toBe(true);
  });

  it("adopts an orphan a crashed run left (B14), and the index-only adopt cannot", async () => {
    const primary = new MemoryBlobStore();
    const cold = new MemoryBlobStore();
    await primaryAt(primary, 7);
    await archiver(primary, cold).backupOnce();
    // The crash: the objects stay, the index entry is gone.
    await cold.delete("backups/index.json");
    const naive = await archiver(primary, cold, async () => ({
      kind: "give-up",
      reason: "not indexed",
    })).backupOnce();
    expect(naive.kind).toBe("unadoptable");
    const retry = await archiver(primary, cold).backupOnce();
    expect(retry.kind).toBe("created");
    expect(retry.kind === "created" && retry.adoptedOrphans).toBe(3);
  });

  it("refuses an orphan whose stored size is wrong", async () => {
    const primary = new MemoryBlobStore();
    const cold = new MemoryBlobStore();
    const manifest = await primaryAt(primary, 9);
    const name = manifest.snapshot!.key.split("/").at(-1);
    await cold.put(`backups/b000000000009-t1/${name}`, bytesOf("short"));
    await expect(archiver(primary, cold).backupOnce()).rejects.toBeInstanceOf(BackupSizeMismatchError);
  });

  it("a missing manifest copy is a typed error", async () => {
    const primary = new MemoryBlobStore();
    const cold = new MemoryBlobStore();
    await primaryAt(primary, 3);
    await archiver(primary, cold).backupOnce();
    const found = await findBackup(cold, "backups", clock);
    await cold.delete(found.manifest.key);
    await expect(readBackupManifest(cold, found, { clock })).rejects.toBeInstanceOf(BackupObjectMissingError);
  });
});

describe("retention", () => {
  it("keeps the union of keepLast, maxAgeDays and GFS, and always the newest", () => {
    const backups = [0, 1, 2, 3, 9, 40].map((day, n) => entry(`d${day}`, EPOCH_MS + day * DAY_MS, n + 1));
    const now = EPOCH_MS + 40 * DAY_MS;
    expect([...retainedIds(backups, {}, now)]).toEqual(["d40"]);
    expect([...retainedIds(backups, { keepLast: 2 }, now)].sort()).toEqual(["d40", "d9"]);
    expect([...retainedIds(backups, { maxAgeDays: 31 }, now)].sort()).toEqual(["d40", "d9"]);
    // Jan 1..4 2026 (Thu..Sun) share an ISO week; Jan 10 is the next week; Feb 10 a new month.
    expect([...retainedIds(backups, { gfs: { weekly: 3 } }, now)].sort()).toEqual(["d3", "d40", "d9"]);
    expect([...retainedIds(backups, { gfs: { monthly: 2 } }, now)].sort()).toEqual(["d40", "d9"]);
    expect([...retainedIds(backups, { gfs: { daily: 2 } }, now)].sort()).toEqual(["d40", "d9"]);
  });

  it("never deletes the last restorable backup, and retires in the index before deleting", async () => {
    const primary = new MemoryBlobStore();
    const cold = new MemoryBlobStore();
    await primaryAt(primary, 1);
    nowMs = EPOCH_MS;
    await archiver(primary, cold).backupOnce();
    await primaryAt(primary, 2);
    nowMs = EPOCH_MS + DAY_MS;
    const newest = await archiver(primary, cold).backupOnce();
    // Damage the newest: it is no longer restorable, so keepLast 1 must keep the older one too.
    if (newest.kind !== "created") throw new Error("expected a backup");
    await cold.delete(newest.entry.objects[0]!.key);
    const result = await applyRetention({
      store: cold,
      backupPrefix: "backups",
      policy: { keepLast: 1 },
      clock,
    });
    expect(result.retired).toEqual([]);
    expect(result.keptAsLastRestorable).toBe("b000000000001-t1");
    // With a restorable newest, the old one goes: index first (retired), then its objects.
    await primaryAt(primary, 3);
    await archiver(primary, cold).backupOnce();
    const after = await applyRetention({
      store: cold,
      backupPrefix: "backups",
      policy: { keepLast: 1 },
      clock,
    });
    expect(after.retired.sort()).toEqual(["b000000000001-t1", "b000000000002-t1"]);
    const index = await readBackupIndex(cold, "backups", { clock });
    expect(index?.index.backups.map((b) => b.id)).toEqual(["b000000000003-t1"]);
    expect([...cold.objects.keys()].filter((key) => key.includes("b000000000001"))).toEqual([]);
  });
});
