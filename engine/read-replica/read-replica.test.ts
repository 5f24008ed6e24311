import { describe, expect, it } from "vitest";
import { memoryDisk } from "../../sim/local-disk.ts";
import { RateLimitedError, TransientError } from "../blobstore/errors.ts";
import type { Row } from "../db/database.ts";
import { modelDatabaseDriver } from "../db/model/model-database.ts";
import { casManifest, fenceStamp, readManifest } from "../manifest/cas.ts";
import { MemoryBlobStore } from "../manifest/testing/memory-blob-store.ts";
import { RestoreIntegrityError, RestoreObjectMissingError, restoreDatabase } from "../restore/restore.ts";
import { type Clock, EngineAssertionError } from "../runtime.ts";
import { DurableDatabase } from "../wal/durable-database.ts";
import { WalShipper } from "../wal/shipper.ts";
import {
  ManifestRegressedError,
  OverlayDisk,
  ReadReplica,
  ReplicaOptionsError,
  StaleReplicaError,
} from "./index.ts";

const KEY = "db/manifest.json";
const encoder = new TextEncoder();
const driver = () => modelDatabaseDriver({ segmentBytes: 16 * 1024, danglingHeaderProbability: 0 });

/** Time moves only when the test says so; sleeps return at once. */
function manualClock(): Clock & { advance(ms: number): void } {
  let nowMs = 1_000_000;
  return {
    nowMs: () => nowMs,
    sleepMs: async () => undefined,
    advance(ms: number) {
      nowMs += ms;
    },
  };
}

async function openWriter(store: MemoryBlobStore, clock: Clock, token = 1, compactAtBytes = 1 << 20) {
  const stamped = await fenceStamp(store, KEY, { fencingToken: token, writerId: `w${token}`, dbId: "t" });
  const disk = memoryDisk().disk;
  const { db } = await restoreDatabase({
    store,
    manifest: stamped.manifest,
    driver: driver(),
    disk,
    dir: "/w",
    clock,
    chunkBytes: 1 << 20,
  });
  const shipper = await WalShipper.open({
    store,
    prefix: "db",
    manifestKey: KEY,
    writerId: `w${token}`,
    fencingToken: token,
    base: stamped,
    db,
    disk,
    dir: "/w",
    clock,
    commitIntervalMs: 0,
    compactAtBytes,
  });
  return new DurableDatabase(db, shipper, { mode: "strict", clock });
}

function replicaOn(store: MemoryBlobStore, clock: Clock, overrides: { maxLagMs?: number } = {}) {
  return new ReadReplica({
    store,
    prefix: "db",
    manifestKey: KEY,
    driver: driver(),
    disk: memoryDisk().disk,
    dir: "/replica",
    clock,
    pollIntervalMs: 100,
    maxLagMs: overrides.maxLagMs ?? 1_000,
    chunkBytes: 1 << 20,
  });
}

const row = (key: string, text: string): Row => ({ key, value: encoder.encode(text) });

describe("read replica", () => {
  it("follows commits incrementally and across a compaction, byte for byte", async () => {
    const store = new MemoryBlobStore();
    const clock = manualClock();
    const writer = await openWriter(store, clock, 1, 600);
    const replica = replicaOn(store, clock);
    expect((await replica.pollOnce()).kind).toBe("confirmed"); // the empty database
    expect((await replica.readRows()).rows).toEqual([]);

    await writer.write([row("a", "1"), row("b", "2")]); // first of life: a snapshot
    expect((await replica.pollOnce()).kind).toBe("full");
    await writer.write([row("c", "3")]);
    expect((await replica.pollOnce()).kind).toBe("incremental");
    await writer.write([row("a", "x".repeat(700))]); // past compactAtBytes: a new snapshot
    const compacted = await replica.pollOnce();
    expect(compacted.kind).toBe("full");
    await writer.write([{ key: "b", value: null }]);
    expect((await replica.pollOnce()).kind).toBe("incremental");

    const read = await replica.readRows();
    expect(read.rows).toEqual(await writer.readRows());
    const current = await readManifest(store, KEY);
    expect(read.position.commitSeq).toBe(current!.manifest.commitSeq);
    expect(read.position.resumeLsn).toBe(current!.manifest.resumeLsn);
    expect(read.position.version).toBe(current!.version);
    expect((await replica.pollOnce()).kind).toBe("confirmed");
  });

  it("follows a takeover: the fence stamp needs no apply, the new life's snapshot a full restore", async () => {
    const store = new MemoryBlobStore();
    const clock = manualClock();
    const first = await openWriter(store, clock, 1);
    await first.write([row("a", "1")]);
    const replica = replicaOn(store, clock);
    await replica.pollOnce();
    const second = await openWriter(store, clock, 2);
    expect((await replica.pollOnce()).kind).toBe("confirmed");
    expect(replica.position.fencingToken).toBe(2);
    await second.write([row("b", "2")]);
    expect((await replica.pollOnce()).kind).toBe("full");
    expect((await replica.readRows()).rows).toEqual(await second.readRows());
  });

  it("never applies a data object the manifest does not name", async () => {
    const store = new MemoryBlobStore();
    const clock = manualClock();
    const writer = await openWriter(store, clock);
    await writer.write([row("a", "1")]);
    const replica = replicaOn(store, clock);
    await replica.pollOnce();
    const before = await replica.readRows();
    // An upload whose CAS never landed (a fenced zombie's), right where the next range would go.
    await store.put("db/data/0000000099-t9.0-100.wal", new Uint8Array(100));
    await replica.pollOnce();
    expect((await replica.readRows()).rows).toEqual(before.rows);
  });

  it("refuses reads before its first confirmation and once polls failed for longer than maxLagMs", async () => {
    const store = new MemoryBlobStore();
    const clock = manualClock();
    const writer = await openWriter(store, clock);
    await writer.write([row("a", "1")]);
    const replica = replicaOn(store, clock, { maxLagMs: 1_000 });
    await expect(replica.readRows()).rejects.toMatchObject({
      name: "StaleReplicaError",
      confirmedAtMs: null,
    });
    await replica.pollOnce();
    const confirmedAtMs = replica.position.confirmedAtMs!;
    await writer.write([row("b", "2")]);
    // A 503, then a 429: each poll fails, confirms nothing, and the next one tries again.
    store.failNext(
      "get",
      { error: new TransientError("503", KEY) },
      { error: new RateLimitedError("429", KEY) },
    );
    clock.advance(600);
    expect((await replica.pollOnce()).kind).toBe("failed");
    expect((await replica.readRows()).rows.map((r) => r.key)).toEqual(["a"]); // within the bound
    clock.advance(400);
    expect((await replica.readRows()).position.confirmedAtMs).toBe(confirmedAtMs); // exactly at the bound
    clock.advance(1);
    expect((await replica.pollOnce()).kind).toBe("failed");
    const stale = await replica.readRows().catch((error: unknown) => error);
    expect(stale).toBeInstanceOf(StaleReplicaError);
    expect(stale).toMatchObject({ confirmedAtMs, maxLagMs: 1_000 });
    expect((await replica.pollOnce()).kind).toBe("incremental"); // the store is back
    expect((await replica.readRows()).rows.map((r) => r.key)).toEqual(["a", "b"]);
  });

  it("keeps serving the previous state on a corrupt or missing object, with a typed error", async () => {
    const store = new MemoryBlobStore();
    const clock = manualClock();
    const writer = await openWriter(store, clock);
    await writer.write([row("a", "1")]);
    const replica = replicaOn(store, clock);
    await replica.pollOnce();
    await writer.write([row("b", "2")]);
    const segmentKey = (await readManifest(store, KEY))!.manifest.segments[0]!.key;
    const good = store.objects.get(segmentKey)!;
    store.objects.set(segmentKey, { ...good, bytes: good.bytes.map((byte) => byte ^ 0xff) });
    const corrupt = await replica.pollOnce();
    expect(corrupt.kind === "failed" && corrupt.error).toBeInstanceOf(RestoreIntegrityError);
    expect((await replica.readRows()).rows.map((r) => r.key)).toEqual(["a"]);
    store.objects.delete(segmentKey);
    const missing = await replica.pollOnce();
    expect(missing.kind === "failed" && missing.error).toBeInstanceOf(RestoreObjectMissingError);
    store.objects.set(segmentKey, good);
    // The half-written range made the image dirty: the repair is a full restore.
    expect((await replica.pollOnce()).kind).toBe("full");
    expect((await replica.readRows()).rows).toEqual(await writer.readRows());
  });

  it("refuses a manifest older than the one it serves", async () => {
    const store = new MemoryBlobStore();
    const clock = manualClock();
    const writer = await openWriter(store, clock);
    await writer.write([row("a", "1")]);
    const replica = replicaOn(store, clock);
    await replica.pollOnce();
    const current = (await readManifest(store, KEY))!;
    await casManifest(store, KEY, current.version, { ...current.manifest, commitSeq: 1 });
    const outcome = await replica.pollOnce();
    expect(outcome.kind === "failed" && outcome.error).toBeInstanceOf(ManifestRegressedError);
    expect(replica.position.commitSeq).toBe(current.manifest.commitSeq);
  });

  it("asserts that the served LSN never goes backwards without a new snapshot", async () => {
    const store = new MemoryBlobStore();
    const clock = manualClock();
    const writer = await openWriter(store, clock);
    await writer.write([row("a", "1")]);
    await writer.write([row("b", "2")]);
    const replica = replicaOn(store, clock);
    await replica.pollOnce();
    const current = (await readManifest(store, KEY))!;
    const snapshot = current.manifest.snapshot!;
    // A newer manifest that drops the WAL range: the same snapshot, an earlier resume LSN.
    const rewound = { ...current.manifest, commitSeq: current.manifest.commitSeq + 1, segments: [] };
    await casManifest(store, KEY, current.version, { ...rewound, resumeLsn: snapshot.lsn });
    const failure = await replica.pollOnce().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EngineAssertionError);
    expect((failure as Error).message).toMatch(/served LSN went backwards/);
  });

  it("rejects options no replica can meet", () => {
    const store = new MemoryBlobStore();
    const clock = manualClock();
    const base = {
      store,
      prefix: "db",
      manifestKey: KEY,
      driver: driver(),
      disk: memoryDisk().disk,
      dir: "/r",
      clock,
    };
    expect(() => new ReadReplica({ ...base, pollIntervalMs: 0, maxLagMs: 100 })).toThrow(ReplicaOptionsError);
    expect(() => new ReadReplica({ ...base, pollIntervalMs: 500, maxLagMs: 500 })).toThrow(/maxLagMs/);
  });
});

describe("overlay disk", () => {
  it("keeps every write in memory and leaves the disk underneath untouched", async () => {
    const { disk } = memoryDisk();
    await disk.writeFile("/d/wal/1", new Uint8Array([1, 2, 3, 4]));
    await disk.writeFile("/d/pages/0", new Uint8Array([9]));
    const overlay = new OverlayDisk(disk);
    await overlay.write("/d/wal/1", 2, new Uint8Array([7, 7, 7]));
    await overlay.truncate("/d/wal/2", 4);
    await overlay.rename("/d/pages/0", "/d/pages/1");
    expect(await overlay.readFile("/d/wal/1")).toEqual(new Uint8Array([1, 2, 7, 7, 7]));
    expect(await overlay.read("/d/wal/1", 3, 10)).toEqual(new Uint8Array([7, 7]));
    expect(await overlay.list("/d/pages")).toEqual(["1"]);
    expect(await overlay.list("/d/wal")).toEqual(["1", "2"]);
    await overlay.remove("/d/wal");
    expect(await overlay.size("/d/wal/1")).toBeNull();
    expect(await overlay.list("/d/wal")).toEqual([]);
    expect(await disk.readFile("/d/wal/1")).toEqual(new Uint8Array([1, 2, 3, 4]));
    expect(await disk.list("/d/wal")).toEqual(["1"]);
    expect(await disk.list("/d/pages")).toEqual(["0"]);
  });
});
