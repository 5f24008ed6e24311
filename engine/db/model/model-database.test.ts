import { describe, expect, it } from "vitest";
import { memoryDisk } from "../../../sim/local-disk.ts";
import type { Database, DatabaseDriver, Row } from "../database.ts";
import type { LocalDisk } from "../local-disk.ts";
import { modelDatabaseDriver } from "./model-database.ts";

/** The checkpoint record recovery writes: a 24-byte header and a 10-byte empty payload. */
const END_OF_RECOVERY_BYTES = 34;
const text = (value: string) => new TextEncoder().encode(value);
const row = (key: string, value: string): Row => ({ key, value: text(value) });

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

/** Copy the snapshot and the WAL range [from, to) to a fresh disk, the way restore does. */
async function transplant(
  driver: DatabaseDriver,
  db: Database,
  from: number,
  to: number,
  extend: boolean,
): Promise<{ disk: LocalDisk; reopened: Database }> {
  const { disk } = memoryDisk();
  await driver.unpackSnapshot(
    (async function* () {
      yield* await collect(db.snapshot());
    })(),
    disk,
    "/restored",
  );
  const wal = await db.readWal(from, to);
  for (let lsn = from; lsn < to;) {
    const at = driver.layout.fileFor(lsn);
    const take = Math.min(to - lsn, driver.layout.segmentBytes - at.offset);
    await disk.write(`/restored/${at.path}`, at.offset, wal.subarray(lsn - from, lsn - from + take));
    if (extend) await disk.truncate(`/restored/${at.path}`, driver.layout.segmentBytes);
    lsn += take;
  }
  return { disk, reopened: await driver.open(disk, "/restored") };
}

describe("model database", () => {
  it("replays shipped WAL over a snapshot, across WAL files, byte-identically", async () => {
    const driver = modelDatabaseDriver({ segmentBytes: 16 * 1024 });
    const { disk } = memoryDisk();
    const db = await driver.create(disk, "/data");
    await db.writeRows([row("a", "1"), row("b", "2")]);
    const snapshotLsn = await db.checkpoint();
    for (let n = 0; n < 200; n++) await db.writeRows([row(`k${n}`, "x".repeat(n))]);
    await db.writeRows([{ key: "a", value: null }]);
    const end = await db.flushLsn();
    expect(end).toBeGreaterThan(2 * 16 * 1024); // crosses WAL files
    const { reopened } = await transplant(driver, db, snapshotLsn, end, true);
    expect(await reopened.readRows()).toEqual(await db.readRows());
    expect(await reopened.flushLsn()).toBe(end + END_OF_RECOVERY_BYTES);
  });

  it("keeps WAL files preallocated at full size: size says nothing about content (B07)", async () => {
    const driver = modelDatabaseDriver({ segmentBytes: 16 * 1024 });
    const { disk } = memoryDisk();
    const db = await driver.create(disk, "/data");
    const path = `/data/${driver.layout.fileFor(0).path}`;
    expect(await disk.size(path)).toBe(16 * 1024);
    await db.writeRows([row("a", "1")]);
    expect(await disk.size(path)).toBe(16 * 1024);
  });

  it("stops replay at a short page, dropping the last commit, unless files are extended (B12)", async () => {
    const driver = modelDatabaseDriver({ segmentBytes: 64 * 1024 });
    const { disk } = memoryDisk();
    const db = await driver.create(disk, "/data");
    const snapshotLsn = await db.checkpoint();
    for (let n = 0; n < 30; n++) await db.writeRows([row(`k${n}`, "v".repeat(500))]);
    const end = await db.flushLsn();
    expect(end % driver.layout.pageBytes).not.toBe(0);
    const short = await transplant(driver, db, snapshotLsn, end, false);
    expect((await short.reopened.readRows()).length).toBeLessThan(30);
    const full = await transplant(driver, db, snapshotLsn, end, true);
    expect((await full.reopened.readRows()).length).toBe(30);
  });

  it("can end a life with the flush LSN one record header past the last record (B13)", async () => {
    const driver = modelDatabaseDriver({
      segmentBytes: 64 * 1024,
      danglingHeaderProbability: 1,
      random: { next: () => 0 },
    });
    const { disk } = memoryDisk();
    const db = await driver.create(disk, "/data");
    const snapshotLsn = await db.checkpoint();
    await db.writeRows([row("a", "1")]);
    await db.writeRows([row("b", "2")]);
    const end = await db.flushLsn();
    const { reopened } = await transplant(driver, db, snapshotLsn, end, true);
    expect(await reopened.flushLsn()).toBe(end - 24 + END_OF_RECOVERY_BYTES);
    expect((await reopened.readRows()).map((r) => r.key)).toEqual(["a", "b"]);
  });

  it("recycles WAL files behind a checkpoint and ignores their stale records", async () => {
    const driver = modelDatabaseDriver({ segmentBytes: 16 * 1024 });
    const { disk } = memoryDisk();
    const db = await driver.create(disk, "/data");
    for (let n = 0; n < 100; n++) await db.writeRows([row(`k${n}`, "y".repeat(300))]);
    await db.checkpoint();
    const files = await disk.list("/data/wal");
    expect(files.length).toBeGreaterThan(1);
    const reopened = await driver.open(disk, "/data");
    expect(await reopened.readRows()).toEqual(await db.readRows());
    expect(await reopened.flushLsn()).toBe((await db.flushLsn()) + END_OF_RECOVERY_BYTES);
    await reopened.writeRows([row("z", "after")]);
    const again = await driver.open(disk, "/data");
    expect((await again.readRows()).length).toBe(101);
  });

  it("writes rows recovered by replay into the next checkpoint's pages (snapshot after restore)", async () => {
    const driver = modelDatabaseDriver({ segmentBytes: 16 * 1024 });
    const { disk } = memoryDisk();
    const db = await driver.create(disk, "/data");
    const snapshotLsn = await db.checkpoint();
    await db.writeRows([row("replayed", "from WAL")]);
    const end = await db.flushLsn();
    const { reopened } = await transplant(driver, db, snapshotLsn, end, true);
    await reopened.checkpoint(); // a first-of-life compaction
    const again = await transplant(
      driver,
      reopened,
      await reopened.flushLsn(),
      await reopened.flushLsn(),
      true,
    );
    expect((await again.reopened.readRows()).map((r) => r.key)).toEqual(["replayed"]);
  });
});
