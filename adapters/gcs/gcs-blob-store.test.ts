/**
 * GcsBlobStore over its real HTTP path against the loopback GCS server: the BlobStore semantics
 * (create-if-absent, CAS, generations, ranges, paging, delete), bad input rejected before any
 * request, and the three errors a user meets first: a missing bucket, a wrong token, and an
 * answer that is not GCS's JSON. The shared BlobStore conformance suite runs here too: plain,
 * under a store prefix, and with a background rate of read faults that retries must absorb.
 * Fault-by-fault mapping and retries are in gcs-faults.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listAll } from "../../engine/blobstore/blob-store.ts";
import {
  AccessError,
  AmbiguousWriteError,
  InvalidRequestError,
  NotFoundError,
  PreconditionFailedError,
  TransientError,
} from "../../engine/blobstore/errors.ts";
import { realClock } from "../../engine/runtime-real.ts";
import {
  describeBlobStoreConformance,
  runConformanceChecks,
} from "../../fixtures/conformance/blob-store-conformance.ts";
import { GcsBlobStore } from "./gcs-blob-store.ts";
import { LOOPBACK_BUCKET, type LoopbackStore, startLoopbackStore } from "./testing/loopback-store.ts";
import { RecordingClock, seededRandom } from "./testing/test-runtime.ts";
import { staticTokenProvider } from "./token-provider.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const textOf = (data: Uint8Array | undefined) => new TextDecoder().decode(data);

describeBlobStoreConformance("GCS adapter over loopback (the simulated store's rate limit on)", async () => {
  const started = await startLoopbackStore({
    clock: new RecordingClock(),
    random: seededRandom("conformance"),
    server: { rateLimit: true },
  });
  return { store: started.store, close: started.close };
});

describeBlobStoreConformance("GCS adapter over loopback, under a store prefix", async () => {
  const started = await startLoopbackStore({
    clock: new RecordingClock(),
    random: seededRandom("conformance-prefix"),
    prefix: "tenants/t1",
  });
  return { store: started.store, close: started.close };
});

/** Every 2nd (and more) get, metadata and list request faulted (503, reset, 429, cut body, HTML 502). */
async function startFaultyLoopback(clock: RecordingClock) {
  const started = await startLoopbackStore({
    clock,
    random: seededRandom("conformance-faults"),
    retry: { attemptsMax: 6 },
  });
  const many = 1_000_000;
  started.server.inject({ op: "get", every: 2, times: many, fault: { kind: "status", status: 503 } });
  started.server.inject({ op: "get", every: 4, times: many, fault: { kind: "reset-mid-body" } });
  started.server.inject({ op: "metadata", every: 2, times: many, fault: { kind: "reset" } });
  started.server.inject({
    op: "metadata",
    every: 5,
    times: many,
    fault: { kind: "status", status: 502, body: "html" },
  });
  started.server.inject({ op: "list", every: 2, times: many, fault: { kind: "status", status: 429 } });
  return started;
}

describeBlobStoreConformance("GCS adapter over loopback, with read faults", async () => {
  const started = await startFaultyLoopback(new RecordingClock());
  return { store: started.store, close: started.close };
});

describe("the faulted conformance run", () => {
  it("really was faulted, and retries absorbed every fault", async () => {
    const clock = new RecordingClock();
    let faulted = 0;
    const failures = await runConformanceChecks(async () => {
      const started = await startFaultyLoopback(clock);
      return {
        store: started.store,
        close: async () => {
          faulted += started.server.requests.filter((record) => record.fault !== undefined).length;
          await started.close();
        },
      };
    });
    expect(failures).toEqual([]);
    expect(faulted).toBeGreaterThan(10);
    expect(clock.sleptMs.length).toBe(faulted);
  });

  it("fails, as it must, when the adapter is not allowed to retry", async () => {
    const failures = await runConformanceChecks(async () => {
      const started = await startLoopbackStore({
        clock: new RecordingClock(),
        random: seededRandom("no-retry"),
        retry: { attemptsMax: 1 },
      });
      started.server.inject({
        op: "get",
        every: 3,
        times: 1_000_000,
        fault: { kind: "status", status: 503 },
      });
      return { store: started.store, close: started.close };
    });
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.map((failure) => failure.error).join("\n")).toMatch(/TransientError|503/);
  });
});

let loopback: LoopbackStore;
let clock: RecordingClock;

beforeEach(async () => {
  clock = new RecordingClock();
  loopback = await startLoopbackStore({ clock, random: seededRandom("semantics"), prefix: "db1" });
});

afterEach(async () => {
  await loopback.close();
});

describe("GcsBlobStore semantics over loopback", () => {
  it("create-if-absent succeeds once, then answers PreconditionFailedError (ifGenerationMatch=0)", async () => {
    const { store, server } = loopback;
    const version = await store.put("lease", bytes("holder=a"), { ifNoneMatch: true });
    expect(version).toMatch(/^\d+$/);
    await expect(store.put("lease", bytes("holder=b"), { ifNoneMatch: true })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    expect(textOf((await store.get("lease"))?.bytes)).toBe("holder=a");
    // The prefix is real: the object lives under db1/ in the bucket.
    expect(server.bucket(LOOPBACK_BUCKET).get("db1/lease")?.generation).toBe(Number(version));
  });

  it("compare-and-swap on the current generation wins; a stale or absent one fails 412", async () => {
    const { store } = loopback;
    const first = await store.put("manifest", bytes("v1"), { ifNoneMatch: true });
    const second = await store.put("manifest", bytes("v2"), { ifMatch: first });
    expect(BigInt(second)).toBeGreaterThan(BigInt(first));
    await expect(store.put("manifest", bytes("stale"), { ifMatch: first })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    await expect(store.put("absent", bytes("x"), { ifMatch: first })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    expect(await store.get("manifest")).toMatchObject({ version: second, size: 2 });
  });

  it("generations only grow, and a deleted key never gets its old generation back", async () => {
    const { store } = loopback;
    const first = await store.put("k", bytes("a"));
    await store.delete("k", { ifMatch: first });
    const again = await store.put("k", bytes("a"), { ifNoneMatch: true });
    expect(BigInt(again)).toBeGreaterThan(BigInt(first));
  });

  it("reads whole objects, byte ranges, empty ranges, and rejects ranges past the end", async () => {
    const { store } = loopback;
    const version = await store.put("seg", bytes("0123456789"));
    expect(await store.get("seg")).toEqual({ bytes: bytes("0123456789"), version, size: 10 });
    expect(await store.get("seg", { range: { start: 2, end: 5 } })).toEqual({
      bytes: bytes("234"),
      version,
      size: 10,
    });
    expect(textOf((await store.get("seg", { range: { start: 7 } }))?.bytes)).toBe("789");
    expect(await store.get("seg", { range: { start: 4, end: 4 } })).toEqual({
      bytes: new Uint8Array(0),
      version,
      size: 10,
    });
    expect(await store.get("seg", { range: { start: 10 } })).toEqual({
      bytes: new Uint8Array(0),
      version,
      size: 10,
    });
    await expect(store.get("seg", { range: { start: 11 } })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(store.get("seg", { range: { start: 5, end: 11 } })).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    expect(await store.get("seg", { range: { start: 0, end: 0 } })).not.toBeNull();
    expect(await store.get("missing", { range: { start: 0, end: 3 } })).toBeNull();
  });

  it("uploads exactly the bytes of a view into a larger buffer", async () => {
    const { store } = loopback;
    const buffer = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    await store.put("view", buffer.subarray(2, 5));
    expect((await store.get("view"))?.bytes).toEqual(new Uint8Array([3, 4, 5]));
  });

  it("answers null for a missing object on get and head, and NotFoundError on delete", async () => {
    const { store } = loopback;
    expect(await store.get("nothing")).toBeNull();
    expect(await store.head("nothing")).toBeNull();
    await expect(store.delete("nothing")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("head gives version and size without the body", async () => {
    const { store, server } = loopback;
    const version = await store.put("big", new Uint8Array(4096));
    expect(await store.head("big")).toEqual({ version, size: 4096 });
    expect(server.requests.at(-1)).toMatchObject({ op: "metadata", status: 200 });
  });

  it("deletes only on a matching generation", async () => {
    const { store } = loopback;
    const first = await store.put("d", bytes("1"));
    const second = await store.put("d", bytes("2"), { ifMatch: first });
    await expect(store.delete("d", { ifMatch: first })).rejects.toBeInstanceOf(PreconditionFailedError);
    await store.delete("d", { ifMatch: second });
    expect(await store.head("d")).toBeNull();
  });

  it("lists by prefix in byte order, page by page, with the store prefix hidden", async () => {
    const { store, server } = loopback;
    for (const key of ["wal/003", "wal/001", "wal/002", "walrus", "lease", "wal/010"])
      await store.put(key, bytes(key));
    server.bucket(LOOPBACK_BUCKET).insert("other-db/wal/001", bytes("not ours"));
    const first = await store.list("wal/", { pageSize: 2 });
    expect(first.entries.map((entry) => entry.key)).toEqual(["wal/001", "wal/002"]);
    expect(first.nextPageToken).toEqual(expect.any(String));
    const keys: string[] = [];
    for await (const entry of listAll(store, "wal", 2)) keys.push(entry.key);
    expect(keys).toEqual(["wal/001", "wal/002", "wal/003", "wal/010", "walrus"]);
    const last = await store.list("wal/", {
      pageSize: 2,
      pageToken: (await store.list("wal/", { pageSize: 3 })).nextPageToken,
    });
    expect(last).toEqual({ entries: [{ key: "wal/010", version: expect.any(String), size: 7 }] });
    expect(await store.list("nothing-here/")).toEqual({ entries: [] });
  });

  it("round-trips keys that need URL encoding", async () => {
    const { store } = loopback;
    const key = "a b/ü?#%2F&x=1";
    const version = await store.put(key, bytes("odd"), { ifNoneMatch: true });
    expect(await store.get(key)).toMatchObject({ version });
    expect((await store.list("a b/")).entries.map((entry) => entry.key)).toEqual([key]);
    await store.delete(key, { ifMatch: version });
  });

  it.each([
    ["an empty key", (store: GcsBlobStore) => store.get("")],
    ["a key with a line feed", (store: GcsBlobStore) => store.put("a\nb", bytes("x"))],
    ["a key past 1024 bytes", (store: GcsBlobStore) => store.head("k".repeat(1025))],
    ["generation 0 as ifMatch", (store: GcsBlobStore) => store.put("k", bytes("x"), { ifMatch: "0" })],
    ["a non-generation token", (store: GcsBlobStore) => store.delete("k", { ifMatch: '"etag"' })],
    ["a negative range", (store: GcsBlobStore) => store.get("k", { range: { start: -1 } })],
    ["an inverted range", (store: GcsBlobStore) => store.get("k", { range: { start: 5, end: 2 } })],
    ["page size 0", (store: GcsBlobStore) => store.list("", { pageSize: 0 })],
  ])("rejects %s with InvalidRequestError before any request", async (_what, call) => {
    const { store, server } = loopback;
    await expect(call(store)).rejects.toBeInstanceOf(InvalidRequestError);
    expect(server.requests).toHaveLength(0);
  });

  it("passes a page token it did not issue to GCS, which rejects it as invalid", async () => {
    await expect(loopback.store.list("", { pageToken: "garbage!" })).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
  });
});

describe("the errors a user meets first", () => {
  it("a missing bucket is an AccessError naming the bucket, for every call", async () => {
    const missing = new GcsBlobStore({
      bucket: "no-such-bucket",
      baseUrl: loopback.server.baseUrl,
      tokenProvider: staticTokenProvider("loopback-token"),
      clock,
      random: seededRandom("bucket"),
      deadlineClock: realClock,
    });
    const calls = [
      () => missing.get("k"),
      () => missing.head("k"),
      () => missing.put("k", bytes("x"), { ifNoneMatch: true }),
      () => missing.list(""),
      () => missing.delete("k"),
    ];
    for (const call of calls) {
      const error = await call().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AccessError);
      expect((error as Error).message).toMatch(/bucket "no-such-bucket" does not exist/);
    }
    // Not retried: an AccessError will not heal by waiting.
    expect(clock.sleptMs).toEqual([]);
  });

  it("a wrong token is an AccessError naming the token's source, never the token", async () => {
    const secret = "ya29.wrong-token-SECRET-4242";
    const wrong = new GcsBlobStore({
      bucket: LOOPBACK_BUCKET,
      baseUrl: loopback.server.baseUrl,
      tokenProvider: staticTokenProvider(secret, "env BLOBSIM_GCS_TOKEN"),
      clock,
      random: seededRandom("token"),
      deadlineClock: realClock,
    });
    const error = await wrong.put("k", bytes("x"), { ifNoneMatch: true }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AccessError);
    expect((error as Error).message).toMatch(/credentials refused.*401.*token source: env BLOBSIM_GCS_TOKEN/);
    expect(
      JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack }),
    ).not.toContain("SECRET");
    expect(loopback.server.bucket(LOOPBACK_BUCKET).size).toBe(0);
  });

  it("a non-JSON error body still gets its status's type, with a message saying what came back", async () => {
    const { store, server } = loopback;
    server.inject({ op: "metadata", times: 10, fault: { kind: "status", status: 502, body: "html" } });
    const read = await store.head("k").catch((caught: unknown) => caught);
    expect(read).toBeInstanceOf(TransientError);
    expect((read as Error).message).toMatch(/502 with a non-JSON body \(text\/html\): "<html>/);

    server.inject({ op: "insert", fault: { kind: "status", status: 502, body: "html" } });
    const write = await store.put("k", bytes("x"), { ifNoneMatch: true }).catch((caught: unknown) => caught);
    expect(write).toBeInstanceOf(AmbiguousWriteError);
    expect((write as Error).message).toMatch(/non-JSON body \(text\/html\)/);

    server.inject({ op: "list", fault: { kind: "status", status: 400, body: "html" } });
    await expect(store.list("")).rejects.toThrow(InvalidRequestError);

    server.inject({ op: "delete", fault: { kind: "status", status: 403, body: "empty" } });
    await expect(store.delete("k")).rejects.toThrow(
      /access denied.*non-JSON body \(no content-type\) \(empty body\)/,
    );
  });

  it("an endpoint that is not GCS (HTML 404s) is an AccessError, not an empty bucket", async () => {
    const { store, server } = loopback;
    server.inject({ op: "get", fault: { kind: "status", status: 404, body: "html" } });
    await expect(store.get("k")).rejects.toThrow(/does not look like the GCS JSON API/);
  });
});
