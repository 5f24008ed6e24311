import { describe, expect, it } from "vitest";
import type { BlobStore } from "../../engine/blobstore/blob-store.ts";
import { OPERATOR, SimBlobStore } from "../blob-store.ts";
import { World } from "../world.ts";
import { applyDamage, drawDamage, type DamageTargets } from "./damage.ts";
import { drivenStore } from "./driven.ts";

const text = (value: string): Uint8Array => new TextEncoder().encode(value);

async function seeded() {
  const world = new World({ seed: 3, keepFullTrace: true });
  const sim = new SimBlobStore(world, { rateLimitEnabled: false });
  const store: BlobStore = drivenStore(world, sim.client(world.spawn("client")));
  await store.put("db/manifest.json", text("m1"));
  await store.put("db/data/1.snap", text("snapshot-bytes"));
  await store.put("db/data/2.wal", text("wal-bytes"));
  await store.put("other/x", text("outside"));
  const targets: DamageTargets = {
    prefix: "db",
    manifestKey: "db/manifest.json",
    referencedKeys: ["db/data/1.snap", "db/data/2.wal"],
    olderManifests: [text("m0")],
  };
  return { world, sim, store, targets };
}

describe("stored-object damage", () => {
  it("deletes and truncates referenced objects, recorded as the operator's", async () => {
    const { world, sim, store, targets } = await seeded();
    const rng = world.rng.fork("t");
    const deleted = applyDamage(sim, drawDamage(rng, sim, "delete", targets));
    expect(await store.get(deleted.damagedKeys[0]!)).toBeNull();
    const truncate = drawDamage(rng, sim, "truncate", targets);
    expect(truncate.kind).toBe("truncate");
    applyDamage(sim, truncate);
    const key = (truncate as { key: string }).key;
    expect(sim.objects().get(key)!.size).toBeLessThan(
      text(key.endsWith(".snap") ? "snapshot-bytes" : "wal-bytes").length,
    );
    expect(sim.history.filter((m) => m.process === OPERATOR).map((m) => m.op)).toEqual(["delete", "put"]);
  });

  it("overwrites keeping the generation (silent corruption) or with a new one (another upload)", async () => {
    const { sim } = await seeded();
    const before = sim.objects().get("db/data/2.wal")!;
    sim.operatorWrite("db/data/2.wal", text("WAL-BYTES"), { keepGeneration: true });
    const kept = sim.objects().get("db/data/2.wal")!;
    expect([kept.generation, kept.version]).toEqual([before.generation, before.version]);
    expect(new TextDecoder().decode(kept.bytes)).toBe("WAL-BYTES");
    sim.operatorWrite("db/data/2.wal", text("other"));
    expect(sim.objects().get("db/data/2.wal")!.generation).toBeGreaterThan(before.generation);
  });

  it("wipes only the prefix, adds foreign objects, rolls the manifest back to older bytes", async () => {
    const { world, sim, targets } = await seeded();
    const rng = world.rng.fork("t");
    const rollback = applyDamage(sim, drawDamage(rng, sim, "rollback-manifest", targets));
    expect(new TextDecoder().decode(sim.objects().get("db/manifest.json")!.bytes)).toBe("m0");
    expect(rollback.damagedKeys).toEqual(["db/manifest.json"]);
    const foreign = drawDamage(rng, sim, "foreign-object", targets);
    applyDamage(sim, foreign);
    expect((foreign as { key: string }).key.startsWith("db/")).toBe(true);
    const wiped = applyDamage(sim, drawDamage(rng, sim, "wipe-prefix", targets));
    expect([...sim.objects().keys()]).toEqual(["other/x"]);
    expect(wiped.damagedKeys.length).toBe(4);
  });

  it("falls back to a foreign object when there is nothing to aim at", async () => {
    const { world, sim, targets } = await seeded();
    const act = drawDamage(world.rng.fork("t"), sim, "delete", { ...targets, referencedKeys: [] });
    expect(act.kind).toBe("foreign-object");
  });
});
