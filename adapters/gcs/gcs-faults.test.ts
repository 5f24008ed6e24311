/**
 * Every fault the loopback server injects maps to the right typed error, idempotent calls
 * recover by bounded jittered retries (deterministic: the delays come from a seeded Random and
 * are recorded, never waited for), and mutations are never retried — an applied write whose
 * answer was lost is an AmbiguousWriteError, and reading back shows it applied.
 */
import { afterEach, describe, expect, it } from "vitest";
import { inspect } from "node:util";
import type { BlobStoreError } from "../../engine/blobstore/errors.ts";
import {
  AmbiguousWriteError,
  PreconditionFailedError,
  RateLimitedError,
  TransientError,
} from "../../engine/blobstore/errors.ts";
import type { Logger } from "../../engine/runtime.ts";
import type { GcsOp } from "./gcs-errors.ts";
import type { GcsFault } from "./testing/fake-gcs-server.ts";
import { LOOPBACK_BUCKET, type LoopbackStore, startLoopbackStore } from "./testing/loopback-store.ts";
import { RecordingClock, seededRandom, TriggeredDeadlineClock } from "./testing/test-runtime.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const open: LoopbackStore[] = [];
/** Nominal only: deadlines pass when the server stalls (TriggeredDeadlineClock), not by time. */
const DEADLINE_MS = 30_000;

async function loopback(seed = "faults", logger?: Logger) {
  const clock = new RecordingClock();
  const deadlines = new TriggeredDeadlineClock();
  const started = await startLoopbackStore({
    clock,
    random: seededRandom(seed),
    deadlineClock: deadlines,
    requestTimeoutMs: DEADLINE_MS,
    retry: { attemptsMax: 4, baseDelayMs: 100, maxDelayMs: 1_000 },
    logger,
  });
  started.server.onStall(() => deadlines.fire());
  open.push(started);
  return { ...started, clock };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((started) => started.close()));
});

describe("idempotent calls recover by retrying", () => {
  const readFaults: Array<[string, GcsFault]> = [
    ["429", { kind: "status", status: 429 }],
    ["503", { kind: "status", status: 503 }],
    ["500 with an HTML body", { kind: "status", status: 500, body: "html" }],
    ["a reset connection", { kind: "reset" }],
    ["a body cut halfway", { kind: "reset-mid-body" }],
    ["a stalled body (deadline)", { kind: "slow-body" }],
  ];
  const reads: Array<[GcsOp, (l: LoopbackStore) => Promise<unknown>]> = [
    ["get", (l) => l.store.get("obj")],
    ["metadata", (l) => l.store.head("obj")],
    ["list", (l) => l.store.list("")],
  ];

  for (const [faultName, fault] of readFaults) {
    it.each(reads)(`%s survives ${faultName}`, async (op, call) => {
      const started = await loopback();
      const version = await started.store.put("obj", bytes("payload-bytes"));
      started.server.inject({ op, times: 2, fault });
      const result = await call(started);
      expect(JSON.stringify(result)).toContain(version);
      expect(started.server.count(op)).toBe(3);
      expect(started.clock.sleptMs).toHaveLength(2);
      expect(started.server.pendingFaults()).toBe(0);
    });
  }

  it("a slow body that does finish is read whole, with no retry", async () => {
    const started = await loopback();
    const payload = new Uint8Array(64 * 1024).map((_, i) => i % 251);
    await started.store.put("slow", payload);
    started.server.inject({ op: "get", fault: { kind: "slow-body", stallMs: 50 } });
    expect((await started.store.get("slow"))?.bytes).toEqual(payload);
    expect(started.clock.sleptMs).toEqual([]);
  });

  it("gives up after attemptsMax with the last typed error", async () => {
    const started = await loopback();
    started.server.inject({ op: "metadata", times: 10, fault: { kind: "status", status: 503 } });
    await expect(started.store.head("obj")).rejects.toBeInstanceOf(TransientError);
    expect(started.server.count("metadata")).toBe(4);
    started.server.inject({ op: "list", times: 10, fault: { kind: "status", status: 429 } });
    await expect(started.store.list("")).rejects.toBeInstanceOf(RateLimitedError);
  });

  it("retry delays are bounded, jittered, and the same for the same seed", async () => {
    const delaysFor = async (seed: string) => {
      const started = await loopback(seed);
      started.server.inject({ op: "get", times: 10, fault: { kind: "status", status: 503 } });
      await started.store.get("obj").catch(() => undefined);
      return started.clock.sleptMs;
    };
    const first = await delaysFor("seed-1");
    expect(first).toHaveLength(3);
    first.forEach((delayMs, index) => {
      expect(delayMs).toBeGreaterThanOrEqual(0);
      expect(delayMs).toBeLessThan(Math.min(1_000, 100 * 2 ** index));
    });
    expect(await delaysFor("seed-1")).toEqual(first);
    expect(await delaysFor("seed-2")).not.toEqual(first);
  });

  it("logs each retry without credentials", async () => {
    const lines: string[] = [];
    const started = await loopback("log", {
      log: (kind, fields) => lines.push(`${kind} ${JSON.stringify(fields)}`),
    });
    started.server.inject({ op: "get", fault: { kind: "status", status: 503 } });
    await started.store.get("obj");
    expect(lines).toEqual([
      expect.stringMatching(/^gcs\.retry .*"op":"get".*"attempt":1.*"error":"TransientError"/),
    ]);
    expect(lines.join("\n")).not.toContain("loopback-token");
  });
});

describe("mutations are never retried", () => {
  async function failedPut(fault: GcsFault, options?: { ifNoneMatch: true }) {
    const started = await loopback();
    started.server.inject({ op: "insert", fault });
    const error = (await started.store
      .put("lease", bytes("holder=a"), options ?? { ifNoneMatch: true })
      .catch((caught: unknown) => caught)) as BlobStoreError;
    expect(started.server.count("insert")).toBe(1);
    expect(started.clock.sleptMs).toEqual([]);
    return { started, error, applied: started.server.bucket(LOOPBACK_BUCKET).get("lease") !== undefined };
  }

  it("429 is RateLimitedError and nothing was written", async () => {
    const { error, applied } = await failedPut({ kind: "status", status: 429 });
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(applied).toBe(false);
  });

  it("a dropped answer after the conditional write applied is AmbiguousWriteError; reading shows it applied", async () => {
    const { started, error, applied } = await failedPut({ kind: "drop-after-apply" });
    expect(error).toBeInstanceOf(AmbiguousWriteError);
    expect(error.message).toMatch(/may have been applied/);
    expect(applied).toBe(true);
    expect(new TextDecoder().decode((await started.store.get("lease"))?.bytes)).toBe("holder=a");
    // Why a blind retry is wrong: the same create-if-absent now "loses" to its own write.
    await expect(started.store.put("lease", bytes("holder=a"), { ifNoneMatch: true })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
  });

  it("a deadline passing while the answer stalls is AmbiguousWriteError (the write applied)", async () => {
    const { error, applied } = await failedPut({ kind: "slow-body" });
    expect(error).toBeInstanceOf(AmbiguousWriteError);
    expect(error.message).toMatch(/deadline/);
    expect(applied).toBe(true);
  });

  it("a reset after the request was sent is AmbiguousWriteError even if nothing applied", async () => {
    const { error, applied } = await failedPut({ kind: "reset" });
    expect(error).toBeInstanceOf(AmbiguousWriteError);
    expect(applied).toBe(false);
  });

  it("a 5xx to a write is AmbiguousWriteError: GCS may have applied it", async () => {
    const { error } = await failedPut({ kind: "status", status: 503 });
    expect(error).toBeInstanceOf(AmbiguousWriteError);
    expect(error.message).toMatch(/503 with "Backend Error" \[backendError\]/);
  });

  it("a 200 whose body is unreadable is AmbiguousWriteError saying the write applied", async () => {
    const { error, applied } = await failedPut({ kind: "malformed-success" });
    expect(error).toBeInstanceOf(AmbiguousWriteError);
    expect(error.message).toMatch(/the write was applied/);
    expect(applied).toBe(true);
  });

  it("a dropped answer to a conditional delete is AmbiguousWriteError; the object is gone", async () => {
    const started = await loopback();
    const version = await started.store.put("old-segment", bytes("x"));
    started.server.inject({ op: "delete", fault: { kind: "drop-after-apply" } });
    await expect(started.store.delete("old-segment", { ifMatch: version })).rejects.toBeInstanceOf(
      AmbiguousWriteError,
    );
    expect(await started.store.head("old-segment")).toBeNull();
    expect(started.server.count("delete")).toBe(1);
  });

  it("a refused connection is TransientError for a write (it never left), after retries for a read", async () => {
    const started = await loopback();
    await started.close();
    const write = await started.store
      .put("k", bytes("x"), { ifNoneMatch: true })
      .catch((caught: unknown) => caught);
    expect(write).toBeInstanceOf(TransientError);
    expect((write as Error).message).toMatch(/never reached the server \(ECONNREFUSED\)/);
    await expect(started.store.get("k")).rejects.toBeInstanceOf(TransientError);
    expect(started.clock.sleptMs).toHaveLength(3);
  });
});

describe("no error carries the token", () => {
  it("holds for every injected fault, even from a server that echoes credentials", async () => {
    const clock = new RecordingClock();
    const secret = "opaque-SECRET-token-value-0123456789";
    const started = await startLoopbackStore({
      clock,
      random: seededRandom("redact"),
      requestTimeoutMs: DEADLINE_MS,
      server: { validTokens: ["some-other-token"], echoCredentialsInErrors: true },
      tokenProvider: { source: "test provider", token: async () => secret },
    });
    open.push(started);
    const errors: unknown[] = [];
    const collect = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (error: unknown) => errors.push(error),
      );
    await collect(started.store.put("k", bytes("x"), { ifNoneMatch: true })); // 401, echoed
    await collect(started.store.get("k"));
    await collect(started.store.list(""));
    expect(errors).toHaveLength(3);
    for (const error of errors) {
      const rendered = [
        String(error),
        (error as Error).stack,
        inspect(error, { depth: 10 }),
        JSON.stringify(error),
      ].join("\n");
      expect(rendered).toMatch(/credentials refused/);
      expect(rendered).toMatch(/\[redacted\]/);
      expect(rendered).not.toContain("SECRET-token");
      expect(rendered).not.toContain(secret);
    }
  });
});
