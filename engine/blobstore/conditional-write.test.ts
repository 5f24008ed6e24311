import { describe, expect, it } from "vitest";
import { MemoryBlobStore } from "../manifest/testing/memory-blob-store.ts";
import type { Clock } from "../runtime.ts";
import {
  conditionalWrite,
  DATA_OBJECT_RETRY,
  resolveRetry,
  type RetryPolicy,
  SMALL_OBJECT_RETRY,
  withStoreRetries,
} from "./conditional-write.ts";
import { AmbiguousWriteError, PreconditionFailedError, RateLimitedError, TransientError } from "./errors.ts";

const KEY = "db/manifest.json";
const bytes = (text: string) => new TextEncoder().encode(text);

function recordingClock(): Clock & { sleptMs: number[] } {
  const sleptMs: number[] = [];
  return { sleptMs, nowMs: () => 0, sleepMs: async (ms) => void sleptMs.push(ms) };
}

function policy(clock: Clock | undefined = recordingClock()): RetryPolicy {
  return resolveRetry({ clock }, SMALL_OBJECT_RETRY);
}

describe("withStoreRetries", () => {
  it("retries 429 and transient failures with doubling waits, capped", async () => {
    const clock = recordingClock();
    let calls = 0;
    const result = await withStoreRetries(
      { clock, attemptsMax: 6, backoffBaseMs: 250, backoffMaxMs: 600 },
      async () => {
        calls++;
        if (calls === 1) throw new RateLimitedError("slow down", KEY);
        if (calls <= 3) throw new TransientError("503", KEY);
        return "ok";
      },
    );
    expect(result).toBe("ok");
    expect(clock.sleptMs).toEqual([250, 500, 600]);
  });

  it("gives up after attemptsMax, and without a clock tries once", async () => {
    const failing = async () => {
      throw new TransientError("503", KEY);
    };
    const clock = recordingClock();
    await expect(withStoreRetries({ ...policy(clock), attemptsMax: 3 }, failing)).rejects.toThrow(
      TransientError,
    );
    expect(clock.sleptMs).toHaveLength(2);
    await expect(withStoreRetries(policy(undefined), failing)).rejects.toThrow(TransientError);
  });

  it("does not retry other errors", async () => {
    const clock = recordingClock();
    await expect(
      withStoreRetries(policy(clock), async () => {
        throw new PreconditionFailedError("no", KEY);
      }),
    ).rejects.toThrow(PreconditionFailedError);
    expect(clock.sleptMs).toEqual([]);
  });

  it("keeps the presets the callers always had", () => {
    expect(SMALL_OBJECT_RETRY).toEqual({ attemptsMax: 6, backoffBaseMs: 250, backoffMaxMs: 4_000 });
    expect(DATA_OBJECT_RETRY).toEqual({ attemptsMax: 8, backoffBaseMs: 200, backoffMaxMs: 4_000 });
  });
});

describe("conditionalWrite (compare-and-swap)", () => {
  const cas = (precondition: { ifNoneMatch: true } | { ifMatch: string }, text = "ours") => ({
    key: KEY,
    bytes: bytes(text),
    precondition,
    kind: "compare-and-swap" as const,
  });

  it("a write whose answer was lost after it applied landed: read back finds our bytes", async () => {
    const store = new MemoryBlobStore();
    store.failNext("put", { error: new AmbiguousWriteError("reply lost", KEY), applyFirst: true });
    const outcome = await conditionalWrite(store, cas({ ifNoneMatch: true }), policy());
    expect(outcome).toEqual({ landed: true, version: "1" });
    expect(store.calls.map((call) => call.op)).toEqual(["put", "get"]);
  });

  it("a write that did not apply is tried again once the key reads unchanged", async () => {
    const store = new MemoryBlobStore();
    store.failNext("put", { error: new AmbiguousWriteError("request lost", KEY) });
    const outcome = await conditionalWrite(store, cas({ ifNoneMatch: true }), policy());
    expect(outcome).toEqual({ landed: true, version: "1" });
    expect(store.calls.map((call) => call.op)).toEqual(["put", "get", "put"]);
  });

  it("a refused precondition with no ambiguity before is a lost race, without a read", async () => {
    const store = new MemoryBlobStore();
    await store.put(KEY, bytes("theirs"));
    const outcome = await conditionalWrite(store, cas({ ifNoneMatch: true }), policy());
    expect(outcome).toEqual({ landed: false });
    expect(store.calls.map((call) => call.op)).toEqual(["put", "put"]);
  });

  it("after an ambiguous attempt, a refused retry is read back: a late-applied attempt of ours landed", async () => {
    const store = new MemoryBlobStore();
    const version = await store.put(KEY, bytes("base"));
    // The first attempt's answer is lost and the key reads unchanged, so it is retried; the
    // retry is refused because (in this script) the first attempt applied late.
    store.failNext("put", { error: new AmbiguousWriteError("timed out", KEY) });
    const late = store.put.bind(store);
    let puts = 0;
    store.put = async (key, body, options) => {
      puts++;
      if (puts === 2) {
        await late(key, body, {});
        throw new PreconditionFailedError("generation mismatch", key);
      }
      return late(key, body, options);
    };
    const outcome = await conditionalWrite(store, cas({ ifMatch: version }), policy());
    expect(outcome.landed).toBe(true);
  });

  it("someone else's bytes after an ambiguous write: not landed", async () => {
    const store = new MemoryBlobStore();
    const version = await store.put(KEY, bytes("base"));
    store.failNext("put", { error: new AmbiguousWriteError("timed out", KEY) });
    const original = store.get.bind(store);
    store.get = async (key) => {
      await store.put(KEY, bytes("theirs"));
      store.get = original;
      return original(key);
    };
    expect(await conditionalWrite(store, cas({ ifMatch: version }), policy())).toEqual({ landed: false });
  });

  it("an ambiguity never resolved is thrown after attemptsMax", async () => {
    const store = new MemoryBlobStore();
    const lost = Array.from({ length: 3 }, () => ({ error: new AmbiguousWriteError("request lost", KEY) }));
    store.failNext("put", ...lost);
    await expect(
      conditionalWrite(store, cas({ ifNoneMatch: true }), { ...policy(), attemptsMax: 3 }),
    ).rejects.toThrow(AmbiguousWriteError);
    expect(store.objects.size).toBe(0);
  });
});

describe("conditionalWrite (write-once)", () => {
  const once = (text: string) => ({
    key: "db/wal/1-00000001.seg",
    bytes: bytes(text),
    precondition: { ifNoneMatch: true } as const,
    kind: "write-once" as const,
  });

  it("adopts identical bytes already at the key (an earlier attempt or life of ours)", async () => {
    const store = new MemoryBlobStore();
    await store.put("db/wal/1-00000001.seg", bytes("segment"));
    expect(await conditionalWrite(store, once("segment"), policy())).toEqual({ landed: true, version: "1" });
  });

  it("refuses different bytes at the key: a conflict, never overwritten", async () => {
    const store = new MemoryBlobStore();
    await store.put("db/wal/1-00000001.seg", bytes("other"));
    expect(await conditionalWrite(store, once("segment"), policy())).toEqual({ landed: false });
    expect(new TextDecoder().decode(store.objects.get("db/wal/1-00000001.seg")!.bytes)).toBe("other");
  });
});
