/**
 * Real PGlite. Each instance costs seconds and hundreds of MB, so this file opens five in all:
 * the upstream gap on a bare backend (two), and the engine's database (three: create, crash
 * copy, restore from snapshot).
 */
import { PGlite } from "@electric-sql/pglite";
import { MemfsFrontendFS } from "@electric-sql/pglite/memfs-frontend";
import { describe, expect, it } from "vitest";
import { emptyDataDir } from "../../../scenarios/pglite/empty-datadir.ts";
import { memoryDisk } from "../../../sim/local-disk.ts";
import { DataDirCorruptError, WalUnavailableError } from "../database.ts";
import { joinPath, type LocalDisk } from "../local-disk.ts";
import { DataDirBackend } from "./backend.ts";
import { DataDir } from "./data-dir.ts";
import { DIR_INDEX, listDataDir } from "./disk-backend.ts";
import { parseLsn } from "./lsn.ts";
import { type PgliteDatabase, pgliteDatabaseDriver, pgliteWalLayout } from "./pglite-database.ts";

const encoder = new TextEncoder();

async function crashCopy(from: LocalDisk, dir: string): Promise<LocalDisk> {
  const to = memoryDisk().disk;
  const { files } = await listDataDir(from, dir);
  for (const path of [...files, DIR_INDEX])
    await to.writeFile(joinPath(dir, path), (await from.readFile(joinPath(dir, path)))!);
  return to;
}

describe("PGlite 0.5.16 itself", () => {
  it("pglite#1065: after transaction() resolves, what the backend received lacks the COMMIT; syncToFs() closes it", async () => {
    const backend = new DataDirBackend(DataDir.fromEntries(emptyDataDir()));
    const pg = await PGlite.create({ fs: new MemfsFrontendFS(backend) });
    await pg.exec("CREATE TABLE t (id int PRIMARY KEY)");
    await pg.transaction(async (tx) => {
      await tx.query("INSERT INTO t VALUES (1)");
    });
    await pg.transaction(async (tx) => {
      await tx.query("INSERT INTO t VALUES (2)");
    });
    const afterTransaction = backend.image.clone();
    const flushesBefore = backend.flushes;
    await pg.syncToFs();
    expect(backend.flushes).toBe(flushesBefore + 1); // the sync had the COMMIT to hand over
    const afterSync = backend.image.clone();
    await pg.close();
    expect(afterSync.md5()).not.toBe(afterTransaction.md5());

    const crashed = await PGlite.create({ fs: new MemfsFrontendFS(new DataDirBackend(afterTransaction)) });
    const rows = await crashed.query<{ id: number }>("SELECT id FROM t ORDER BY id");
    await crashed.close();
    expect(rows.rows.map((row) => row.id)).toEqual([1]); // row 2 was "committed" and is gone
  });
});

describe("PgliteDatabase", () => {
  it("writes, survives a crash copy, ships WAL by LSN, snapshots and restores byte for byte", async () => {
    const driver = pgliteDatabaseDriver({ emptyDataDir: emptyDataDir() });
    const disk = memoryDisk().disk;
    const db = (await driver.create(disk, "/data")) as PgliteDatabase;
    const startLsn = await db.flushLsn();
    await db.writeRows([
      { key: "b", value: encoder.encode("two") },
      { key: "a", value: encoder.encode("one") },
    ]);
    await db.writeRows([
      { key: "c", value: new Uint8Array([0, 255, 7]) },
      { key: "b", value: null },
    ]);
    const endLsn = await db.flushLsn();
    expect(endLsn).toBeGreaterThan(startLsn);
    const wal = await db.readWal(startLsn, endLsn);
    expect(wal.length).toBe(endLsn - startLsn);
    // The WAL bytes are the pg_wal segment's bytes at those offsets.
    const position = pgliteWalLayout.fileFor(startLsn);
    const segment = (await disk.readFile(joinPath("/data", position.path)))!;
    expect(segment.length).toBe(pgliteWalLayout.segmentBytes);
    expect(wal).toEqual(segment.subarray(position.offset, position.offset + wal.length));
    await expect(db.readWal(endLsn + 20 * 1024 * 1024, endLsn + 20 * 1024 * 1024 + 10)).rejects.toThrow(
      WalUnavailableError,
    );

    // The engine syncs after COMMIT: a crash right after the write resolved keeps it.
    const crashed = await driver.open(await crashCopy(disk, "/data"), "/data");
    const expected = [
      { key: "a", value: encoder.encode("one") },
      { key: "c", value: new Uint8Array([0, 255, 7]) },
    ];
    expect(await crashed.readRows()).toEqual(expected);
    await crashed.close();

    const checkpointLsn = await db.checkpoint();
    expect(checkpointLsn).toBeGreaterThan(endLsn);
    const usage = await db.diskUsage();
    // wal_recycle=off: no recycled segments to ship (B01); at most one preallocated ahead.
    expect(usage.walFiles).toBeLessThanOrEqual(2);
    const checksums = await db.rowChecksums();
    expect(checksums.map((row) => [row.key, row.intact])).toEqual([
      ["a", true],
      ["c", true],
    ]);
    const chunks: Uint8Array[] = [];
    for await (const chunk of db.snapshot()) chunks.push(chunk);
    await db.close();

    const target = memoryDisk().disk;
    await driver.unpackSnapshot(
      (async function* () {
        yield* chunks;
      })(),
      target,
      "/restored",
    );
    const restored = (await driver.open(target, "/restored")) as PgliteDatabase;
    expect(await restored.readRows()).toEqual(expected);
    expect(await restored.rowChecksums()).toEqual(checksums);
    expect(await restored.flushLsn()).toBeGreaterThanOrEqual(checkpointLsn);
    await restored.close();
    expect(parseLsn("0/0")).toBe(0);
  });

  it("refuses to open a directory that is not a Postgres data directory (PGlite would initdb over it)", async () => {
    const driver = pgliteDatabaseDriver({ emptyDataDir: emptyDataDir() });
    const disk = memoryDisk().disk;
    await disk.writeFile("/data/base/1/1259", new Uint8Array(8192));
    await expect(driver.open(disk, "/data")).rejects.toThrow(DataDirCorruptError);
  });
});
