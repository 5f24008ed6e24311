import { describe, expect, it } from "vitest";
import { SimBlobStore } from "../../sim/blob-store.ts";
import { resolveBlobStoreOptions } from "../../sim/blobstore/options.ts";
import { localDiskFor } from "../../sim/local-disk.ts";
import type { SimProcess } from "../../sim/process.ts";
import { World } from "../../sim/world.ts";
import { modelDatabaseDriver } from "../db/model/model-database.ts";
import { Lease, LockedError } from "../lease/lease.ts";
import { FencedError } from "../manifest/errors.ts";
import { restoreDatabase } from "../restore/restore.ts";
import {
  type OpenWriterOptions,
  openWriter,
  type Restorer,
  type WriterLease,
  type WriterPhase,
} from "./index.ts";

const text = (value: string) => new TextEncoder().encode(value);

function options(
  store: SimBlobStore,
  process: SimProcess,
  takeover: OpenWriterOptions["takeover"],
): OpenWriterOptions {
  return {
    store: store.client(process),
    prefix: "db",
    dbId: "t",
    writerId: process.name,
    clock: process.clock,
    logger: process,
    database: {
      driver: modelDatabaseDriver({ segmentBytes: 16 * 1024 }),
      disk: localDiskFor(process),
      dir: "/data",
    },
    takeover,
    durability: { mode: "strict" },
  };
}

const leased = {
  kind: "lease",
  options: { ttlMs: 10_000, takeoverGraceMs: 1_000, seams: { acquireTimeoutMs: 0 } },
} as const;

describe("openWriter", () => {
  it("takes the lease, restores, opens, in that order; a rival is locked out until the lease is released", async () => {
    const world = new World({ seed: 1 });
    const store = new SimBlobStore(world, resolveBlobStoreOptions({ name: "blobstore" }));
    const a = world.spawn("a");
    const b = world.spawn("b");
    const phases: WriterPhase[] = [];
    let rival = "";
    let rowsSeenByB: string[] = [];
    const done = a.start(async () => {
      const first = await openWriter({
        ...options(store, a, leased),
        onPhase: (phase) => void phases.push(phase),
      });
      await first.durable.write([{ key: "k1", value: text("v1") }]);
      rival = await openWriter(options(store, b, leased)).then(
        () => "opened",
        (error: unknown) => (error instanceof LockedError ? `locked by ${error.holder}` : String(error)),
      );
      await first.durable.terminate();
      await first.lease!.release();
      const second = await openWriter(options(store, b, leased));
      expect(second.fencingToken).toBe(first.fencingToken + 1);
      rowsSeenByB = (await second.durable.readRows()).map((row) => row.key);
    });
    await world.run();
    await done;
    expect(phases).toEqual(["taken", "restored", "opened"]);
    expect(rival).toBe("locked by a");
    expect(rowsSeenByB).toEqual(["k1"]);
  });

  it("a fence-stamp takeover fences the previous writer", async () => {
    const world = new World({ seed: 2 });
    const store = new SimBlobStore(world, resolveBlobStoreOptions({ name: "blobstore" }));
    const old = world.spawn("old");
    const next = world.spawn("next");
    let outcome = "";
    const done = old.start(async () => {
      const stamp = { kind: "fence-stamp", attemptsMax: 1 } as const;
      const first = await openWriter(options(store, old, stamp));
      expect(first.lease).toBeNull();
      await first.durable.write([{ key: "a", value: text("1") }]);
      await openWriter(options(store, next, stamp));
      outcome = await first.durable.write([{ key: "b", value: text("2") }]).then(
        () => "acked",
        (error: unknown) => (error instanceof FencedError ? "fenced" : String(error)),
      );
    });
    await world.run();
    await done;
    expect(outcome).toBe("fenced");
  });

  it("takes a second restorer, and Lease is a WriterLease, both without a cast", async () => {
    const world = new World({ seed: 3 });
    const store = new SimBlobStore(world, resolveBlobStoreOptions({ name: "blobstore" }));
    const w = world.spawn("w");
    let restores = 0;
    const countingRestorer: Restorer = (request) => {
      restores++;
      return restoreDatabase(request);
    };
    let lease: WriterLease | null = null;
    const done = w.start(async () => {
      lease = (await openWriter({ ...options(store, w, leased), restorer: countingRestorer })).lease;
    });
    await world.run();
    await done;
    expect(restores).toBe(1);
    expect(lease).toBeInstanceOf(Lease);
  });

  it("refuses a fence-stamp takeover with no attempts", async () => {
    const world = new World({ seed: 4 });
    const store = new SimBlobStore(world, resolveBlobStoreOptions({ name: "blobstore" }));
    const w = world.spawn("w");
    await expect(openWriter(options(store, w, { kind: "fence-stamp", attemptsMax: 0 }))).rejects.toThrow(
      /attemptsMax >= 1/,
    );
  });
});
