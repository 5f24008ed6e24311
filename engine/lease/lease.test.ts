import { describe, expect, it } from "vitest";
import { casManifest, emptyManifest, manifestKey, readManifest } from "../manifest/index.ts";
import { MemoryBlobStore } from "../manifest/testing/memory-blob-store.ts";
import type { Clock } from "../runtime.ts";
import {
  commitFenced,
  FencedError,
  Lease,
  LeaseCorruptError,
  leaseKey,
  type LeaseOptions,
  LockedError,
} from "./index.ts";

const LEASE = leaseKey("db");
const MANIFEST = manifestKey("db");
const TTL_MS = 60_000;

/** One shared simulated time; each lease reads it through its own (possibly skewed) clock. */
function timeline() {
  const time = { nowMs: 1_000_000 };
  const clock = (offsetMs = 0): Clock => ({
    nowMs: () => time.nowMs + offsetMs,
    sleepMs: async (ms) => {
      time.nowMs += ms;
    },
  });
  return { time, clock };
}

function makeLease(store: MemoryBlobStore, holder: string, clock: Clock, extra: Partial<LeaseOptions> = {}) {
  return new Lease({
    store,
    key: LEASE,
    manifestKey: MANIFEST,
    dbId: "db",
    holder,
    clock,
    ttlMs: TTL_MS,
    takeoverGraceMs: 5_000,
    ...extra,
  });
}

async function commitOne(store: MemoryBlobStore, lease: Lease) {
  const base = (await readManifest(store, MANIFEST))!;
  const next = {
    ...base.manifest,
    commitSeq: base.manifest.commitSeq + 1,
    resumeLsn: base.manifest.resumeLsn,
  };
  return commitFenced({ store, manifestKey: MANIFEST, lease }, base, next);
}

describe("Lease", () => {
  it("acquires a fresh database with token 1 and stamps the manifest", async () => {
    const store = new MemoryBlobStore();
    const { clock } = timeline();
    const acquired = await makeLease(store, "A", clock()).acquire();
    expect(acquired.fencingToken).toBe(1);
    expect(acquired.tookOver).toBe(false);
    expect(acquired.manifest.manifest).toMatchObject({ fencingToken: 1, writerId: "A", commitSeq: 1 });
  });

  it("locks a second acquirer out, naming the holder and its expiry", async () => {
    const store = new MemoryBlobStore();
    const { clock, time } = timeline();
    await makeLease(store, "A", clock()).acquire();
    const startMs = time.nowMs;
    const error = await makeLease(store, "B", clock(), { seams: { acquireTimeoutMs: 10_000 } })
      .acquire()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LockedError);
    expect(error).toMatchObject({ holder: "A", expiresAtMs: startMs + TTL_MS, key: LEASE });
    expect((error as Error).message).toMatch(/locked by writer "A"/);
  });

  it("waits out a live holder and takes over at expiry (B03), fencing the old one (B04)", async () => {
    const store = new MemoryBlobStore();
    const { clock, time } = timeline();
    const a = makeLease(store, "A", clock());
    await a.acquire();
    const startMs = time.nowMs;
    const b = makeLease(store, "B", clock());
    const acquired = await b.acquire();
    expect(acquired).toMatchObject({ fencingToken: 2, tookOver: true });
    expect(time.nowMs - startMs).toBeGreaterThan(TTL_MS + 5_000);
    expect(time.nowMs - startMs).toBeLessThan(TTL_MS + 5_000 + 1_500);
    // A still believes it holds the lease (nothing told it); its commit is fenced by the stamp.
    await expect(commitOne(store, a)).rejects.toBeInstanceOf(FencedError);
    await expect(a.renew()).rejects.toBeInstanceOf(FencedError);
    await commitOne(store, b);
  });

  it("renews on its own version, and self-heals past the TTL when nobody took over", async () => {
    const store = new MemoryBlobStore();
    const { clock, time } = timeline();
    const a = makeLease(store, "A", clock());
    await a.acquire();
    time.nowMs += 3 * TTL_MS; // idle, CPU throttled: no heartbeat ran
    await a.ensureLease();
    expect(a.remainingMs()).toBe(TTL_MS);
    await commitOne(store, a);
  });

  it("hands over at once on release, with the token still rising", async () => {
    const store = new MemoryBlobStore();
    const { clock, time } = timeline();
    const a = makeLease(store, "A", clock());
    await a.acquire();
    await a.release();
    const startMs = time.nowMs;
    const acquired = await makeLease(store, "B", clock()).acquire();
    expect(time.nowMs).toBe(startMs);
    expect(acquired.fencingToken).toBe(2);
  });

  it("sources the token from the manifest when the lease object is gone", async () => {
    const store = new MemoryBlobStore();
    const { clock } = timeline();
    await casManifest(store, MANIFEST, null, { ...emptyManifest("db"), fencingToken: 7, writerId: "old" });
    const acquired = await makeLease(store, "A", clock()).acquire();
    expect(acquired.fencingToken).toBe(8);
  });

  it("gives a typed error naming the key for a corrupt lease and never takes it over", async () => {
    const store = new MemoryBlobStore();
    const { clock } = timeline();
    await store.put(LEASE, new TextEncoder().encode('{"formatVersion":1,"holder":"A","fencingTo'));
    const before = store.objects.get(LEASE)!.generation;
    const error = await makeLease(store, "B", clock())
      .acquire()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LeaseCorruptError);
    expect(error).toMatchObject({ key: LEASE });
    expect(store.objects.get(LEASE)!.generation).toBe(before);
    expect(store.objects.has(MANIFEST)).toBe(false);
  });

  it("refuses a truncated manifest with a typed error naming it, writing nothing", async () => {
    const store = new MemoryBlobStore();
    const { clock } = timeline();
    const truncated = new TextEncoder().encode('{"formatVersion":1,"dbId":"db","fencingToken":3,"wri');
    await store.put(MANIFEST, truncated);
    const error = await makeLease(store, "A", clock())
      .acquire()
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "ManifestCorruptError", key: MANIFEST });
    expect(store.objects.get(MANIFEST)!.bytes).toEqual(truncated);
    expect(store.objects.has(LEASE)).toBe(false);
  });

  it("does not take over a live lease from a clock ahead by less than the grace", async () => {
    const store = new MemoryBlobStore();
    const { clock, time } = timeline();
    await makeLease(store, "A", clock()).acquire();
    time.nowMs += TTL_MS - 1_000; // A's own clock: 1 s left
    const error = await makeLease(store, "B", clock(4_000), { seams: { acquireTimeoutMs: 0 } })
      .acquire()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LockedError);
  });

  it("takes over with a token above both the lease's and the manifest's", async () => {
    const store = new MemoryBlobStore();
    const { clock } = timeline();
    await makeLease(store, "A", clock()).acquire();
    const stamped = (await readManifest(store, MANIFEST))!;
    await casManifest(store, MANIFEST, stamped.version, {
      ...stamped.manifest,
      fencingToken: 5,
      writerId: "Z",
      commitSeq: stamped.manifest.commitSeq + 1,
    });
    // B waits A (token 1 in the lease object) out, then takes over with max(1, 5) + 1.
    const acquired = await makeLease(store, "B", clock()).acquire();
    expect(acquired.fencingToken).toBe(6);
  });

  it("is fenced if a newer holder stamped while it paused between winning and stamping", async () => {
    const store = new MemoryBlobStore();
    const { clock } = timeline();
    const faults = {
      async hit(point: string) {
        if (point !== "lease.after-acquire-before-stamp") return;
        // Meanwhile (A frozen) a writer with a higher token took over and stamped.
        await casManifest(store, MANIFEST, null, { ...emptyManifest("db"), fencingToken: 9, writerId: "Z" });
      },
    };
    const a = makeLease(store, "A", clock(), { faults });
    const error = await a.acquire().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FencedError);
    expect(error).toMatchObject({ supersededBy: { holder: "Z", fencingToken: 9 } });
    expect(a.holds).toBe(false);
  });
});
