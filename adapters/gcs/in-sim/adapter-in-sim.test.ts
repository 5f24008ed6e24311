/**
 * The adapter in the loop: the BlobStore conformance suite, unchanged, against GcsBlobStore
 * talking to the simulated bucket over the kernel-served fetch (rate limit on, as on GCS), and
 * the transport faults each doing what GCS would: an applied write answered 5xx or lost is
 * ambiguous, a refused connection is not, an expired token is refreshed once.
 */
import { describe, expect, it } from "vitest";
import type { BlobStore } from "../../../engine/blobstore/blob-store.ts";
import { AmbiguousWriteError, TransientError } from "../../../engine/blobstore/errors.ts";
import { describeBlobStoreConformance } from "../../../fixtures/conformance/blob-store-conformance.ts";
import { type BlobStoreOptions, SimBlobStore } from "../../../sim/blob-store.ts";
import { drivenStore } from "../../../sim/blobstore/driven.ts";
import { World } from "../../../sim/world.ts";
import { GcsBlobStore } from "../gcs-blob-store.ts";
import { AdapterTransport } from "./adapter-transport.ts";
import { CLEAN_TRANSPORT, type TransportFaultRates } from "./transport-faults.ts";

const text = (value: string): Uint8Array => new TextEncoder().encode(value);

function adapterInSim(
  faults: Partial<TransportFaultRates> = {},
  options: Partial<BlobStoreOptions> = {},
  seed = 11,
) {
  const world = new World({ seed, keepFullTrace: true });
  world.storeTransport = new AdapterTransport(world, {}, { ...CLEAN_TRANSPORT, ...faults });
  const sim = new SimBlobStore(world, options);
  const process = world.spawn("client");
  const client = sim.client(process);
  const store: BlobStore = drivenStore(world, client);
  return { world, sim, process, client, store };
}

let seed = 300;
describeBlobStoreConformance("GcsBlobStore in the loop (kernel-served fetch, rate limit on)", async () => ({
  store: adapterInSim({}, {}, seed++).store,
}));

describe("adapter in the loop", () => {
  it("every client is a GcsBlobStore, and its requests reach the simulated bucket's history", async () => {
    const { client, store, sim } = adapterInSim();
    expect(client).toBeInstanceOf(GcsBlobStore);
    const version = await store.put("a/b", text("x"), { ifNoneMatch: true });
    expect(sim.history.map((m) => [m.op, m.key, m.version, m.precondition])).toEqual([
      ["put", "a/b", version, "ifNoneMatch"],
    ]);
  });

  it("a 503 after the write applied is ambiguous, and the write is in the store", async () => {
    const { store, sim } = adapterInSim({ serverErrorAppliedProbability: 1 });
    await expect(store.put("k", text("x"), { ifNoneMatch: true })).rejects.toBeInstanceOf(
      AmbiguousWriteError,
    );
    expect(sim.objects().get("k")).toBeDefined();
    expect(sim.history[0]?.answerLost).toBe(false); // the store answered; the transport replaced it
  });

  it("a lost answer after the write applied is ambiguous; a refused connection is not, and writes nothing", async () => {
    const lost = adapterInSim({ answerLostProbability: 1 });
    await expect(lost.store.put("k", text("x"))).rejects.toBeInstanceOf(AmbiguousWriteError);
    expect(lost.sim.objects().has("k")).toBe(true);
    const refused = adapterInSim({ refusedProbability: 1 });
    await expect(refused.store.put("k", text("x"))).rejects.toBeInstanceOf(TransientError);
    expect(refused.sim.objects().has("k")).toBe(false);
  });

  it("a stalled or truncated body is a timeout or a broken answer: ambiguous for a write, retried for a read", async () => {
    const stalled = adapterInSim({ stalledBodyProbability: 1 }, { requestTimeoutMs: 2_000 });
    await expect(stalled.store.put("k", text("x"))).rejects.toBeInstanceOf(AmbiguousWriteError);
    expect(stalled.sim.objects().has("k")).toBe(true);
    const truncated = adapterInSim({ truncatedBodyProbability: 1 });
    await expect(truncated.store.get("k")).rejects.toBeInstanceOf(TransientError);
    expect(truncated.sim.counters.classB).toBe(4); // the adapter's four read attempts
  });

  it("an expired token is refreshed once and the request goes through", async () => {
    const { store, world, process } = adapterInSim({ tokenLifetimeMs: 1_000 });
    await store.put("k", text("1"));
    await drivenStore(world, { ...store, get: () => process.clock.sleepMs(5_000).then(() => null) }).get("x");
    await expect(store.put("k", text("2"))).resolves.toMatch(/^\d+$/);
  });

  it("the same seed gives the same trace", async () => {
    const run = async () => {
      const { store, world } = adapterInSim(
        {
          resetBeforeBodyProbability: 0.2,
          serverErrorAppliedProbability: 0.2,
          truncatedBodyProbability: 0.2,
        },
        {},
        5,
      );
      for (let i = 0; i < 20; i++) await store.put(`k${i}`, text(String(i))).catch(() => undefined);
      return world.trace.hash();
    };
    expect(await run()).toBe(await run());
  });
});
