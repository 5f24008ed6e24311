import { describe, expect, it } from "vitest";
import { SimBlobStore } from "../../sim/blob-store.ts";
import { resolveBlobStoreOptions } from "../../sim/blobstore/options.ts";
import { localDiskFor } from "../../sim/local-disk.ts";
import { World } from "../../sim/world.ts";
import { modelDatabaseDriver } from "../db/model/model-database.ts";
import { fenceStamp, readManifest } from "../manifest/cas.ts";
import type { Manifest } from "../manifest/manifest.ts";
import { DurableDatabase } from "../wal/durable-database.ts";
import { WalShipper } from "../wal/shipper.ts";
import { RestoreIntegrityError, RestoreObjectMissingError, restoreDatabase } from "./restore.ts";

const KEY = "db/manifest.json";

/** Writes `rowCount` rows of 4 KB, then restores with `mutate` applied to the store first. */
async function roundTrip(
  rowCount: number,
  mutate: (store: SimBlobStore, manifest: Manifest, world: World) => Promise<void> = async () => undefined,
) {
  const world = new World({ seed: 7 });
  const store = new SimBlobStore(
    world,
    resolveBlobStoreOptions({ name: "blobstore", rateLimitEnabled: false }),
  );
  const driver = modelDatabaseDriver({ segmentBytes: 64 * 1024 });
  const writer = world.spawn("writer");
  const reader = world.spawn("reader");
  let outcome: { peak: number; bound: number; rows: number } | Error | null = null;
  void writer.start(async () => {
    const client = store.client(writer);
    const stamped = await fenceStamp(client, KEY, { fencingToken: 1, writerId: "writer", dbId: "t" });
    const disk = localDiskFor(writer);
    const { db } = await restoreDatabase({
      store: client,
      manifest: stamped.manifest,
      driver,
      disk,
      dir: "/d",
      clock: writer.clock,
    });
    const shipper = await WalShipper.open({
      ...{
        store: client,
        prefix: "db",
        manifestKey: KEY,
        writerId: "writer",
        fencingToken: 1,
        base: stamped,
      },
      ...{ db, disk, dir: "/d", clock: writer.clock, commitIntervalMs: 0 },
    });
    const durable = new DurableDatabase(db, shipper, { mode: "strict", clock: writer.clock });
    const value = new Uint8Array(4096).fill(7);
    await Promise.all(Array.from({ length: rowCount }, (_, n) => durable.write([{ key: `r${n}`, value }])));
    await durable.write([{ key: "tail", value }]); // one WAL range after the snapshot
    writer.kill();
    const current = (await readManifest(store.client(reader), KEY))!;
    await mutate(store, current.manifest, world);
    try {
      const restored = await restoreDatabase({
        ...{ store: store.client(reader), manifest: current.manifest, driver },
        ...{
          disk: localDiskFor(reader),
          dir: "/d",
          clock: reader.clock,
          chunkBytes: 16 * 1024,
          parallelism: 3,
        },
      });
      outcome = {
        peak: restored.peakBufferedBytes,
        bound: restored.bufferBoundBytes,
        rows: (await restored.db.readRows()).length,
      };
    } catch (error) {
      outcome = error as Error;
    }
  });
  await world.run();
  return outcome as { peak: number; bound: number; rows: number } | Error | null;
}

describe("restoreDatabase", () => {
  it("keeps peak buffered bytes under parallelism x chunk whatever the size (B02)", async () => {
    const small = await roundTrip(16);
    const large = await roundTrip(600);
    expect(small).toMatchObject({ rows: 17, bound: 3 * 16 * 1024 });
    expect(large).toMatchObject({ rows: 601, bound: 3 * 16 * 1024 });
    const { peak } = large as { peak: number };
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(3 * 16 * 1024);
  });

  it("names a missing object with RestoreObjectMissingError", async () => {
    const outcome = await roundTrip(4, async (store, manifest, world) => {
      const admin = world.spawn("admin");
      await store.client(admin).delete(manifest.segments[0]!.key);
    });
    expect(outcome).toBeInstanceOf(RestoreObjectMissingError);
  });

  it("refuses an object whose bytes do not match the manifest with RestoreIntegrityError", async () => {
    const outcome = await roundTrip(4, async (store, manifest, world) => {
      const admin = world.spawn("admin");
      const segment = manifest.segments[0]!;
      const bytes = new Uint8Array(segment.bytes).fill(1);
      await store.client(admin).put(segment.key, bytes);
    });
    expect(outcome).toBeInstanceOf(RestoreIntegrityError);
  });
});
