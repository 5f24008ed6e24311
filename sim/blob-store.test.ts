import { describe, expect, it } from "vitest";
import type { BlobStore } from "../engine/blobstore/blob-store.ts";
import {
  AmbiguousWriteError,
  InvalidRequestError,
  PreconditionFailedError,
  RateLimitedError,
  TransientError,
} from "../engine/blobstore/errors.ts";
import { describeBlobStoreConformance } from "../fixtures/conformance/blob-store-conformance.ts";
import { type BlobStoreOptions, SimBlobStore } from "./blob-store.ts";
import { drivenStore } from "./blobstore/driven.ts";
import { World } from "./world.ts";

const text = (value: string): Uint8Array => new TextEncoder().encode(value);

function simStore(options: Partial<BlobStoreOptions> = {}, seed = 7) {
  const world = new World({ seed, keepFullTrace: true });
  const sim = new SimBlobStore(world, options);
  const process = world.spawn("client");
  const store: BlobStore = drivenStore(world, sim.client(process));
  return { world, sim, process, store };
}

let conformanceSeed = 100;
describeBlobStoreConformance("simulated store, GCS flavor", async () => ({
  store: simStore({}, conformanceSeed++).store,
}));
describeBlobStoreConformance("simulated store, ETag flavor", async () => ({
  store: simStore({ flavor: "etag" }, conformanceSeed++).store,
}));

describe("SimBlobStore", () => {
  it("gives generations strictly increasing per key, never reused after a delete", async () => {
    const { store, sim } = simStore({ rateLimitEnabled: false });
    const tokens: number[] = [];
    tokens.push(Number(await store.put("k", text("a"), { ifNoneMatch: true })));
    tokens.push(Number(await store.put("k", text("a"))));
    await store.delete("k");
    tokens.push(Number(await store.put("k", text("a"), { ifNoneMatch: true })));
    for (let i = 1; i < tokens.length; i++) expect(tokens[i]!).toBeGreaterThan(tokens[i - 1]!);
    expect(sim.history.map((m) => m.op)).toEqual(["put", "put", "delete", "put"]);
    expect(sim.objects().get("k")?.generation).toBe(tokens[2]);
  });

  it("ETag flavor: identical content gets the identical token, so a stale CAS can win (ABA)", async () => {
    const { store } = simStore({ flavor: "etag", rateLimitEnabled: false });
    const a = await store.put("k", text("A"));
    const b = await store.put("k", text("B"), { ifMatch: a });
    expect(b).not.toBe(a);
    expect(await store.put("k", text("A"), { ifMatch: b })).toBe(a);
    // The holder of the first token now succeeds although the object changed twice since.
    await expect(store.put("k", text("C"), { ifMatch: a })).resolves.toMatch(/^"[0-9a-f]{16}"$/);
  });

  it("rejects bad input with InvalidRequestError naming the problem, and records it", async () => {
    const { store, sim } = simStore();
    await store.put("k", text("0123"));
    await expect(store.get("k", { range: { start: 0, end: 9 } })).rejects.toThrow(/past the end/);
    await expect(store.put("k", text("x"), { ifMatch: "0x10" })).rejects.toThrow(InvalidRequestError);
    await expect(store.put("k", text("x"), { ifNoneMatch: true, ifMatch: "5" } as never)).rejects.toThrow(
      /at most one precondition/,
    );
    await expect(store.list("", { pageSize: 0 })).rejects.toThrow(/pageSize/);
    await expect(store.list("", { pageToken: "forged" })).rejects.toThrow(/not issued/);
    await expect(store.put("a\nb", text("x"))).rejects.toThrow(/line feeds/);
    expect(sim.counters.invalid).toBe(5);
    expect(sim.objects().get("k")?.size).toBe(4);
  });

  it("rate-limits mutations of one key beyond the burst with 429, writing nothing", async () => {
    const { store, sim } = simStore({ mutationsPerObjectPerS: 1, mutationBurstPerObject: 2 });
    await store.put("k", text("1"));
    await store.put("k", text("2"));
    await expect(store.put("k", text("3"))).rejects.toThrow(RateLimitedError);
    expect(sim.history).toHaveLength(2);
    // Other keys have their own bucket.
    await store.put("other", text("x"));
    expect(sim.counters.rateLimited).toBe(1);
  });

  it("races concurrent writers at their apply points: exactly one create-if-absent wins", async () => {
    const world = new World({ seed: 3 });
    const sim = new SimBlobStore(world);
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) {
      const client = sim.client(world.spawn(`w${i}`));
      void client.put("race", text(`w${i}`), { ifNoneMatch: true }).then(
        () => outcomes.push("ok"),
        (error: unknown) => outcomes.push(error instanceof PreconditionFailedError ? "412" : String(error)),
      );
    }
    await world.run();
    expect(outcomes.filter((o) => o === "ok")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "412")).toHaveLength(19);
    expect(sim.history).toHaveLength(1);
    expect(new TextDecoder().decode(sim.objects().get("race")!.bytes)).toBe(sim.history[0]!.process);
  });

  it("never applies a request whose caller died before its apply point, and never answers it", async () => {
    const world = new World({ seed: 5, keepFullTrace: true });
    const sim = new SimBlobStore(world);
    const victim = world.spawn("victim");
    let answered = false;
    void sim
      .client(victim)
      .put("k", text("x"))
      .then(() => (answered = true));
    victim.kill();
    await world.run();
    expect(answered).toBe(false);
    expect(sim.history).toHaveLength(0);
    expect(world.trace.events().some((e) => e.k === "store.put")).toBe(false);
  });

  it("applies a write whose caller dies after the apply point, but never answers it", async () => {
    const world = new World({ seed: 5 });
    const sim = new SimBlobStore(world, { putMedianMs: 100, latencySigma: 0 });
    const victim = world.spawn("victim");
    let answered = false;
    void sim
      .client(victim)
      .put("k", text("x"))
      .then(() => (answered = true));
    await world.run({ untilMs: 81 }); // the apply point lies in [30, 80] ms of 100 ms
    victim.kill();
    await world.run();
    expect(sim.history).toHaveLength(1);
    expect(answered).toBe(false);
  });

  it("injects 503s (not applied), timeouts and ambiguous writes (applied or not) as typed errors", async () => {
    const world = new World({ seed: 11 });
    const sim = new SimBlobStore(world, {
      rateLimitEnabled: false,
      transientErrorProbability: 0.2,
      timeoutProbability: 0.1,
      requestTimeoutMs: 500,
      ambiguousBeforeApplyProbability: 0.1,
      ambiguousAfterApplyProbability: 0.1,
    });
    const client = sim.client(world.spawn("c"));
    const answers: Array<{ key: string; outcome: string }> = [];
    for (let i = 0; i < 400; i++) {
      const key = `k${i}`;
      void client.put(key, text("x")).then(
        () => answers.push({ key, outcome: "ok" }),
        (error: unknown) =>
          answers.push({
            key,
            outcome:
              error instanceof TransientError
                ? "503"
                : error instanceof AmbiguousWriteError
                  ? "ambiguous"
                  : "other",
          }),
      );
    }
    await world.run();
    const applied = new Set(sim.history.map((m) => m.key));
    const byOutcome = (outcome: string) => answers.filter((a) => a.outcome === outcome);
    expect(byOutcome("other")).toHaveLength(0);
    for (const a of byOutcome("503")) expect(applied.has(a.key)).toBe(false);
    for (const a of byOutcome("ok")) expect(applied.has(a.key)).toBe(true);
    const ambiguous = byOutcome("ambiguous");
    expect(ambiguous.some((a) => applied.has(a.key))).toBe(true);
    expect(ambiguous.some((a) => !applied.has(a.key))).toBe(true);
    expect(sim.history.filter((m) => m.answerLost).length).toBe(
      ambiguous.filter((a) => applied.has(a.key)).length,
    );
  });

  it("is deterministic: same seed, same trace hash", async () => {
    const run = async (seed: number) => {
      const world = new World({ seed });
      const sim = new SimBlobStore(world, {
        transientErrorProbability: 0.1,
        ambiguousAfterApplyProbability: 0.1,
      });
      for (let i = 0; i < 10; i++) {
        const client = sim.client(world.spawn(`w${i}`));
        void client.put("k", text(`${i}`), { ifNoneMatch: true }).catch(() => undefined);
      }
      await world.run();
      return world.trace.hash();
    };
    expect(await run(1)).toBe(await run(1));
    expect(await run(1)).not.toBe(await run(2));
  });
});

describe("SimBlobStore: 5xx after apply and the operator API", () => {
  it("a 503 after the write applied is ambiguous to the caller, and the history says it applied", async () => {
    const { store, sim } = simStore({ serverErrorAfterApplyProbability: 1 });
    await expect(store.put("k", text("x"), { ifNoneMatch: true })).rejects.toBeInstanceOf(
      AmbiguousWriteError,
    );
    expect(sim.objects().get("k")?.bytes).toEqual(text("x"));
    expect(sim.history.map((m) => [m.op, m.key, m.answerLost])).toEqual([["put", "k", true]]);
    // A read is not a mutation: never answered this way.
    expect(await store.get("k")).not.toBeNull();
  });

  it("operatorWrite keeps or renews the generation; operatorDelete removes; both are in the history", async () => {
    const { store, sim } = simStore({});
    const v1 = await store.put("k", text("one"), { ifNoneMatch: true });
    const damaged = sim.operatorWrite("k", text("two"), { keepGeneration: true });
    expect(damaged.version).toBe(v1);
    expect((await store.get("k"))?.bytes).toEqual(text("two"));
    const replaced = sim.operatorWrite("k", text("three"));
    expect(Number(replaced.version)).toBeGreaterThan(Number(v1));
    await expect(store.put("k", text("x"), { ifMatch: v1 })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(sim.operatorDelete("k")).toBe(true);
    expect(sim.operatorDelete("k")).toBe(false);
    expect(await store.get("k")).toBeNull();
    expect(sim.history.filter((m) => m.operator).map((m) => m.op)).toEqual(["put", "put", "delete"]);
    expect(sim.counters.bytesStored).toBe(0);
  });
});
