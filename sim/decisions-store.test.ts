import { describe, expect, it } from "vitest";
import type { BlobStore } from "../engine/blobstore/blob-store.ts";
import { TransientError } from "../engine/blobstore/errors.ts";
import { type BlobStoreOptions, SimBlobStore } from "./blob-store.ts";
import { drivenStore } from "./blobstore/driven.ts";
import type { DecisionPlan } from "./decisions.ts";
import { World } from "./world.ts";

const text = (value: string): Uint8Array => new TextEncoder().encode(value);

function simStore(options: Partial<BlobStoreOptions>, plan?: DecisionPlan) {
  const world = new World({ seed: 5, ...(plan ? { plan } : {}) });
  const sim = new SimBlobStore(world, options);
  const store: BlobStore = drivenStore(world, sim.client(world.spawn("client")));
  return { world, store };
}

/** Ten puts of fresh keys; which ones were answered 503. */
async function tenPuts(store: BlobStore): Promise<number[]> {
  const failed: number[] = [];
  for (let i = 0; i < 10; i++) {
    try {
      await store.put(`k${i}`, text("v"), { ifNoneMatch: true });
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      failed.push(i);
    }
  }
  return failed;
}

describe("store faults as decisions", () => {
  it("logs each 503 with its request, and a plan drops or forces them", async () => {
    const free = simStore({ transientErrorProbability: 0.3 });
    const failed = await tenPuts(free.store);
    expect(failed.length).toBeGreaterThan(0);
    const log = free.world.decisions.entries;
    expect(log.map((d) => d.index)).toEqual(failed);
    expect(log.every((d) => d.site === "store:blobstore.fault" && d.value === "transient")).toBe(true);
    expect(log[0]!.detail).toMatchObject({ process: "client", op: "put", key: `k${failed[0]}` });

    const none = simStore(
      { transientErrorProbability: 0.3 },
      { version: 1, others: "neutral", decisions: [] },
    );
    expect(await tenPuts(none.store)).toEqual([]);

    const forced = simStore(
      {},
      {
        version: 1,
        others: "neutral",
        decisions: [{ site: "store:blobstore.fault", index: 4, value: "transient" }],
      },
    );
    expect(await tenPuts(forced.store)).toEqual([4]);
  });

  it("counts reach points: a refused precondition", async () => {
    const { world, store } = simStore({});
    await store.put("k", text("a"), { ifNoneMatch: true });
    await expect(store.put("k", text("b"), { ifNoneMatch: true })).rejects.toThrow();
    expect(world.reached["store.precondition-failed"]).toBe(1);
  });
});
