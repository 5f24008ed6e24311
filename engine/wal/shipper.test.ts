import { describe, expect, it } from "vitest";
import { SimBlobStore } from "../../sim/blob-store.ts";
import { resolveBlobStoreOptions } from "../../sim/blobstore/options.ts";
import { localDiskFor } from "../../sim/local-disk.ts";
import type { SimProcess } from "../../sim/process.ts";
import { World } from "../../sim/world.ts";
import { modelDatabaseDriver } from "../db/model/model-database.ts";
import { fenceStamp } from "../manifest/cas.ts";
import { FencedError } from "../manifest/errors.ts";
import { restoreDatabase } from "../restore/restore.ts";
import { DurableDatabase } from "./durable-database.ts";
import { WalShipper } from "./shipper.ts";

const KEY = "db/manifest.json";
const text = (value: string) => new TextEncoder().encode(value);

async function openWriter(
  world: World,
  store: SimBlobStore,
  process: SimProcess,
  token: number,
  mode: "strict" | "relaxed" = "strict",
) {
  const client = store.client(process);
  const stamped = await fenceStamp(client, KEY, { fencingToken: token, writerId: process.name, dbId: "t" });
  const disk = localDiskFor(process);
  const driver = modelDatabaseDriver({ segmentBytes: 16 * 1024 });
  const { db } = await restoreDatabase({
    store: client,
    manifest: stamped.manifest,
    driver,
    disk,
    dir: "/data",
    clock: process.clock,
  });
  const shipper = await WalShipper.open({
    store: client,
    prefix: "db",
    manifestKey: KEY,
    writerId: process.name,
    fencingToken: token,
    base: stamped,
    db,
    disk,
    dir: "/data",
    clock: process.clock,
    logger: process,
    commitIntervalMs: 1_000,
  });
  return new DurableDatabase(db, shipper, { mode, clock: process.clock });
}

function manifestPuts(store: SimBlobStore): number {
  return store.history.filter((m) => m.op === "put" && m.key === KEY).length;
}

describe("WalShipper", () => {
  it("ships a snapshot first, then write-once WAL ranges whose keys embed the token", async () => {
    const world = new World({ seed: 1 });
    const store = new SimBlobStore(world, resolveBlobStoreOptions({ name: "blobstore" }));
    const writer = world.spawn("w");
    const done = writer.start(async () => {
      const durable = await openWriter(world, store, writer, 1);
      for (let n = 0; n < 4; n++) await durable.write([{ key: `k${n}`, value: text(`v${n}`) }]);
    });
    await world.run();
    await done;
    const data = store.history.filter((m) => m.key.includes("/data/"));
    expect(data.map((m) => m.key.endsWith(".snap"))).toEqual([true, false, false, false]);
    expect(data.every((m) => m.key.includes("-t1.") && m.precondition === "ifNoneMatch")).toBe(true);
  });

  it("groups 10 concurrent writes into one manifest CAS (E2C-4)", async () => {
    const world = new World({ seed: 2 });
    const store = new SimBlobStore(world, resolveBlobStoreOptions({ name: "blobstore" }));
    const writer = world.spawn("w");
    let cas = -1;
    const done = writer.start(async (self) => {
      const durable = await openWriter(world, store, writer, 1);
      await durable.write([{ key: "first", value: text("x") }]);
      await self.sleep(2_000);
      const before = manifestPuts(store);
      await Promise.all(
        Array.from({ length: 10 }, (_, n) => durable.write([{ key: `c${n}`, value: text("y") }])),
      );
      cas = manifestPuts(store) - before;
    });
    await world.run();
    await done;
    expect(cas).toBe(1);
  });

  it("is fenced once a newer writer stamped the manifest, and acks nothing after", async () => {
    const world = new World({ seed: 3 });
    const store = new SimBlobStore(world, resolveBlobStoreOptions({ name: "blobstore" }));
    const old = world.spawn("old");
    let outcome = "";
    const done = old.start(async () => {
      const durable = await openWriter(world, store, old, 1);
      await durable.write([{ key: "a", value: text("1") }]);
      await fenceStamp(store.client(old), KEY, { fencingToken: 2, writerId: "new", dbId: "t" });
      outcome = await durable.write([{ key: "b", value: text("2") }]).then(
        () => "acked",
        (error: unknown) => (error instanceof FencedError ? "fenced" : String(error)),
      );
    });
    await world.run();
    await done;
    expect(outcome).toBe("fenced");
  });

  it("uploads nothing for a life that only made no-op writes (B10)", async () => {
    const world = new World({ seed: 4 });
    const store = new SimBlobStore(world, resolveBlobStoreOptions({ name: "blobstore" }));
    const first = world.spawn("first");
    const second = world.spawn("second");
    let uploads = -1;
    const done = first.start(async () => {
      const durable = await openWriter(world, store, first, 1);
      await durable.write([{ key: "a", value: text("1") }]);
      first.kill();
    });
    const later = second.start(async (self) => {
      await self.sleep(5_000);
      const before = store.history.filter((m) => m.key.includes("/data/")).length;
      const durable = await openWriter(world, store, second, 2);
      await durable.write([]);
      await durable.terminate();
      uploads = store.history.filter((m) => m.key.includes("/data/")).length - before;
    });
    await world.run();
    void done;
    await later;
    expect(uploads).toBe(0);
  });

  it("relaxed mode acks before any upload, then flushes on the idle backstop and on terminate", async () => {
    const world = new World({ seed: 5 });
    const store = new SimBlobStore(world, resolveBlobStoreOptions({ name: "blobstore" }));
    const writer = world.spawn("w");
    const seen: number[] = [];
    const dataPuts = () => store.history.filter((m) => m.key.includes("/data/")).length;
    const done = writer.start(async (self) => {
      const durable = await openWriter(world, store, writer, 1, "relaxed");
      await durable.write([{ key: "a", value: text("1") }]);
      seen.push(dataPuts()); // acked, nothing uploaded yet
      await self.sleep(26_000); // past the 25 s idle-flush backstop
      seen.push(dataPuts());
      await durable.write([{ key: "b", value: text("2") }]);
      await durable.terminate();
      seen.push(dataPuts());
    });
    await world.run();
    await done;
    expect(seen).toEqual([0, 1, 2]);
  });
});
