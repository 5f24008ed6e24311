import { describe, expect, it } from "vitest";
import { AmbiguousWriteError, RateLimitedError } from "../blobstore/errors.ts";
import type { Clock } from "../runtime.ts";
import {
  assertManifestOwnedBy,
  casManifest,
  decodeManifest,
  emptyManifest,
  encodeManifest,
  fenceStamp,
  FencedError,
  type Manifest,
  ManifestConflictError,
  ManifestCorruptError,
  manifestKey,
  readManifest,
} from "./index.ts";
import { MemoryBlobStore } from "./testing/memory-blob-store.ts";

const KEY = manifestKey("db1");
const text = new TextEncoder();

function withSegments(): Manifest {
  return {
    ...emptyManifest("db1"),
    fencingToken: 3,
    writerId: "w3",
    commitSeq: 7,
    snapshot: { key: "db1/snap/3-100", bytes: 10, sha256: "aa", lsn: 100, fencingToken: 3 },
    segments: [
      { key: "db1/wal/3-100-150", startLsn: 100, endLsn: 150, bytes: 50, sha256: "bb", fencingToken: 3 },
      { key: "db1/wal/3-150-160", startLsn: 150, endLsn: 160, bytes: 10, sha256: "cc", fencingToken: 3 },
    ],
    resumeLsn: 160,
    lifeBaseLsn: 100,
  };
}

/** A clock that only counts what it was asked to sleep. */
function countingClock(): Clock & { sleptMs: number } {
  const clock = {
    sleptMs: 0,
    nowMs: () => clock.sleptMs,
    sleepMs: async (ms: number) => {
      clock.sleptMs += ms;
    },
  };
  return clock;
}

describe("manifest codec", () => {
  it("round-trips a manifest", () => {
    const manifest = withSegments();
    expect(decodeManifest(encodeManifest(manifest), KEY)).toEqual(manifest);
  });

  it.each([
    ["corrupt JSON", text.encode("{not json"), /not valid JSON/],
    ["truncated bytes", encodeManifest(withSegments()).slice(0, 40), /not valid JSON/],
    ["invalid UTF-8", new Uint8Array([0xff, 0xfe, 0x7b]), /UTF-8/],
    [
      "wrong formatVersion",
      text.encode(JSON.stringify({ ...withSegments(), formatVersion: 2 })),
      /formatVersion/,
    ],
    ["a string token", text.encode(JSON.stringify({ ...withSegments(), fencingToken: "3" })), /fencingToken/],
    ["an array", text.encode("[]"), /not a JSON object/],
  ])("refuses %s with a ManifestCorruptError naming the key", (_name, bytes, reason) => {
    let caught: unknown;
    try {
      decodeManifest(bytes, KEY);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ManifestCorruptError);
    expect((caught as ManifestCorruptError).key).toBe(KEY);
    expect((caught as Error).message).toContain(KEY);
    expect((caught as Error).message).toMatch(reason);
  });

  it("refuses segments that are not contiguous, out of order, or do not end at resumeLsn", () => {
    const good = withSegments();
    const gap = { ...good, segments: [good.segments[0]!, { ...good.segments[1]!, startLsn: 151 }] };
    const swapped = { ...good, segments: [good.segments[1]!, good.segments[0]!] };
    const detached = { ...good, segments: [{ ...good.segments[0]!, startLsn: 90 }, good.segments[1]!] };
    const short = { ...good, resumeLsn: 150 };
    for (const bad of [gap, swapped, detached, short])
      expect(() => decodeManifest(text.encode(JSON.stringify(bad)), KEY)).toThrow(ManifestCorruptError);
    expect(() => encodeManifest(gap as Manifest, KEY)).toThrow(/not contiguous/);
  });
});

describe("manifest CAS", () => {
  it("creates, reads and advances only on the expected version", async () => {
    const store = new MemoryBlobStore();
    expect(await readManifest(store, KEY)).toBeNull();
    const v1 = await casManifest(store, KEY, null, emptyManifest("db1"));
    await expect(casManifest(store, KEY, null, emptyManifest("db1"))).rejects.toBeInstanceOf(
      ManifestConflictError,
    );
    const read = await readManifest(store, KEY);
    expect(read?.version).toBe(v1);
    const next = { ...read!.manifest, commitSeq: 1 };
    const v2 = await casManifest(store, KEY, v1, next);
    await expect(casManifest(store, KEY, v1, { ...next, commitSeq: 2 })).rejects.toBeInstanceOf(
      ManifestConflictError,
    );
    expect((await readManifest(store, KEY))?.version).toBe(v2);
  });

  it("gives a typed error naming the key when the stored manifest is truncated", async () => {
    const store = new MemoryBlobStore();
    await store.put(KEY, encodeManifest(withSegments()).slice(0, 17));
    await expect(readManifest(store, KEY)).rejects.toMatchObject({ name: "ManifestCorruptError", key: KEY });
  });

  it("retries 429s after a backoff and resolves an ambiguous write that landed", async () => {
    const store = new MemoryBlobStore();
    const clock = countingClock();
    store.failNext("put", { error: new RateLimitedError("slow down", KEY) });
    store.failNext("put", { error: new AmbiguousWriteError("reply lost", KEY), applyFirst: true });
    const version = await casManifest(store, KEY, null, emptyManifest("db1"), { clock });
    expect(clock.sleptMs).toBeGreaterThan(0);
    expect((await readManifest(store, KEY))?.version).toBe(version);
  });

  it("retries an ambiguous write that did not land, and reports a conflict if another did", async () => {
    const store = new MemoryBlobStore();
    const clock = countingClock();
    store.failNext("put", { error: new AmbiguousWriteError("request lost", KEY) });
    const v1 = await casManifest(store, KEY, null, emptyManifest("db1"), { clock });
    expect(store.objects.size).toBe(1);
    // Someone else's write lands behind our lost request: ours must not count as committed.
    await store.put(KEY, encodeManifest({ ...emptyManifest("db1"), commitSeq: 9 }));
    store.failNext("put", { error: new AmbiguousWriteError("request lost", KEY) });
    await expect(
      casManifest(store, KEY, v1, { ...emptyManifest("db1"), commitSeq: 1 }, { clock }),
    ).rejects.toBeInstanceOf(ManifestConflictError);
  });
});

describe("fence stamp", () => {
  it("bumps the token, names the writer, starts its life at resumeLsn and fences older writers", async () => {
    const store = new MemoryBlobStore();
    const base = withSegments();
    const v1 = await casManifest(store, KEY, null, base);
    const stamped = await fenceStamp(store, KEY, { fencingToken: 4, writerId: "w4", dbId: "db1" });
    expect(stamped.manifest).toMatchObject({
      fencingToken: 4,
      writerId: "w4",
      commitSeq: 8,
      lifeBaseLsn: 160,
    });
    expect(stamped.manifest.segments).toEqual(base.segments);
    // The old writer's commit on the version it knew fails.
    await expect(casManifest(store, KEY, v1, { ...base, commitSeq: 8 })).rejects.toBeInstanceOf(
      ManifestConflictError,
    );
    expect(() => assertManifestOwnedBy(stamped.manifest, 3, "w3")).toThrow(FencedError);
    assertManifestOwnedBy(stamped.manifest, 4, "w4");
    // A stamp with a token not above the manifest's is refused: a newer holder exists.
    await expect(
      fenceStamp(store, KEY, { fencingToken: 4, writerId: "w5", dbId: "db1" }),
    ).rejects.toBeInstanceOf(FencedError);
  });

  it("creates the manifest of a new database", async () => {
    const store = new MemoryBlobStore();
    const stamped = await fenceStamp(store, KEY, { fencingToken: 1, writerId: "w1", dbId: "db1" });
    expect(stamped.manifest).toMatchObject({ fencingToken: 1, writerId: "w1", commitSeq: 1, resumeLsn: 0 });
    expect((await readManifest(store, KEY))?.manifest).toEqual(stamped.manifest);
  });
});

describe("manifest schema", () => {
  it("names the first bad nested field by its path, as readers always have", () => {
    const good = withSegments();
    const bad = { ...good, segments: [good.segments[0]!, { ...good.segments[1]!, sha256: "" }] };
    expect(() => decodeManifest(text.encode(JSON.stringify(bad)), KEY)).toThrow(
      /segments\[1\]\.sha256 must be a non-empty string/,
    );
    const badSnapshot = { ...good, snapshot: { ...good.snapshot!, lsn: -1 } };
    expect(() => decodeManifest(text.encode(JSON.stringify(badSnapshot)), KEY)).toThrow(
      /snapshot\.lsn must be a non-negative integer/,
    );
    expect(() => decodeManifest(text.encode(JSON.stringify({ ...good, commitSeq: 1.5 })), KEY)).toThrow(
      /manifest\.commitSeq must be a non-negative integer/,
    );
  });

  it("keeps a field it does not know (a newer writer's), byte for byte on re-encode", () => {
    const stored = text.encode(JSON.stringify({ ...withSegments(), laterField: [1, 2] }));
    expect(encodeManifest(decodeManifest(stored, KEY), KEY)).toEqual(stored);
  });
});
