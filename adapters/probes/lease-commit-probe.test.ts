/**
 * The E0/E1 probe: it passes against the GCS adapter over loopback, it fails (as it must) on a
 * store that lets a stale CAS through, and `blobsim probe` behaves as a user meets it: key=value
 * lines, exit 2 with one clear line for missing credentials, a wrong token, a missing bucket.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import type { BlobStore } from "../../engine/blobstore/blob-store.ts";
import { startLoopbackStore, type LoopbackStore } from "../gcs/testing/loopback-store.ts";
import { RecordingClock, seededRandom } from "../gcs/testing/test-runtime.ts";
import { formatProbeReport, probePassed, runLeaseCommitProbe } from "./lease-commit-probe.ts";
import { percentile } from "../../engine/percentile.ts";
import { parseSize, probeCommand } from "../../cli/probe.ts";
import { UsageError } from "../../harness/seeds.ts";

const open: LoopbackStore[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((started) => started.close()));
});

async function loopback() {
  const started = await startLoopbackStore({ clock: new RecordingClock(), random: seededRandom("probe") });
  open.push(started);
  return started;
}

function probe(store: BlobStore, iterations = 5) {
  let tick = 0;
  return runLeaseCommitProbe({
    store,
    runPrefix: "probe/run-1/",
    iterations,
    objectBytes: 2048,
    raceRounds: 2,
    racers: 20,
    nowMs: () => (tick += 1.5),
    sleepMs: async () => undefined,
  });
}

describe("the lease + commit probe", () => {
  it("passes against the GCS adapter over loopback, and cleans up after itself", async () => {
    const started = await loopback();
    const report = await probe(started.store);
    expect(probePassed(report)).toBe(true);
    expect(report.staleCasRejected).toEqual({ passed: 5, total: 5 });
    expect(report.rivalAcquireRejected).toEqual({ passed: 5, total: 5 });
    expect(report.readAfterWrite).toEqual({ passed: 5, total: 5 });
    expect(report.latenciesMs.create_if_absent).toHaveLength(10);
    expect(report.latenciesMs.delete).toHaveLength(15);
    expect(started.server.bucket("blobsim-test").size).toBe(0);
    const lines = formatProbeReport(report);
    expect(lines).toContain("cas_p50_ms=1.5");
    expect(lines).toContain("race_double_winners=0");
    expect(lines.at(-1)).toBe("e0_result=pass");
  });

  it("fails on a store that lets a zombie's stale CAS through", async () => {
    const started = await loopback();
    const broken: BlobStore = {
      get: (key, options) => started.store.get(key, options),
      head: (key) => started.store.head(key),
      list: (prefix, options) => started.store.list(prefix, options),
      delete: (key) => started.store.delete(key),
      // Ignores ifMatch: the split-brain bug E1-3 exists to catch.
      put: (key, bytes, options) =>
        started.store.put(key, bytes, options?.ifNoneMatch ? { ifNoneMatch: true } : undefined),
    };
    const report = await probe(broken, 3);
    expect(report.staleCasRejected).toEqual({ passed: 0, total: 3 });
    expect(probePassed(report)).toBe(false);
    expect(formatProbeReport(report).at(-1)).toBe("e0_result=fail");
  });

  it("counts retried 429s and still passes", async () => {
    const started = await loopback();
    started.server.inject({ op: "insert", times: 3, every: 4, fault: { kind: "status", status: 429 } });
    const report = await probe(started.store, 3);
    expect(report.rateLimitedRetries).toBe(3);
    expect(probePassed(report)).toBe(true);
  });

  it("percentiles are nearest-rank", () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe.concurrent("blobsim probe, as a process", () => {
  const bin = fileURLToPath(new URL("../../bin/blobsim.js", import.meta.url));
  const run = async (args: string[], env: Record<string, string> = {}) => {
    const environment: Record<string, string | undefined> = { ...process.env, CI: "true" };
    for (const name of ["BLOBSIM_GCS_TOKEN", "BLOBSIM_GCS_TOKEN_SOURCE", "K_SERVICE", "BLOBSIM_GCS_ENDPOINT"])
      delete environment[name];
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, "probe", ...args], {
        env: { ...environment, ...env },
      });
      return { code: 0, out: stdout, err: stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, out: failed.stdout, err: failed.stderr };
    }
  };
  const oneLine = (text: string) => {
    expect(text.trim().split("\n")).toHaveLength(1);
    expect(text).not.toMatch(/\n\s+at /);
  };

  it("--store sim prints percentiles per operation class and passes", async () => {
    const result = await run(["--store", "sim", "--iterations", "3", "--race-rounds", "1"]);
    expect(result.out).toMatch(/^result=pass$/m);
    expect(result.code).toBe(0);
    for (const key of [
      "create_if_absent_p50_ms",
      "cas_p99_ms",
      "get_p50_ms",
      "put_p99_ms",
      "stale_cas_rejected",
    ])
      expect(result.out).toMatch(new RegExp(`^${key}=\\S+$`, "m"));
  });

  it("gcs:// without credentials fails at once with MissingCredentialsError and exit 2", async () => {
    const result = await run(["--store", "gcs://some-bucket/db1"]);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/MissingCredentialsError: no GCS credentials: set BLOBSIM_GCS_TOKEN/);
    oneLine(result.err);
  });

  it("gcs:// through a loopback endpoint: passes and leaves the bucket empty; a wrong token and a missing bucket are one clear line and exit 2", async () => {
    const started = await startLoopbackStore({ clock: new RecordingClock(), random: seededRandom("cli") });
    try {
      const endpoint = ["--endpoint", started.server.baseUrl];
      const secret = "opaque-wrong-SECRET-token";
      const [good, wrongToken, missingBucket] = await Promise.all([
        run(
          [
            "--store",
            "gcs://blobsim-test/db1",
            ...endpoint,
            "--iterations",
            "2",
            "--race-rounds",
            "1",
            "--e1-iterations",
            "2",
          ],
          {
            BLOBSIM_GCS_TOKEN: "loopback-token",
          },
        ),
        run(["--store", "gcs://blobsim-test/db1", ...endpoint], { BLOBSIM_GCS_TOKEN: secret }),
        run(["--store", "gs://no-such-bucket", ...endpoint], { BLOBSIM_GCS_TOKEN: "loopback-token" }),
      ]);
      expect(good.out).toMatch(/^store=gcs:\/\/blobsim-test\/db1\/$/m);
      expect(good.out).toMatch(/^result=pass$/m);
      expect(good.code).toBe(0);
      expect(started.server.bucket("blobsim-test").size).toBe(0);
      expect(wrongToken.code).toBe(2);
      expect(wrongToken.err).toMatch(
        /AccessError: .*credentials refused.*token source: env BLOBSIM_GCS_TOKEN/,
      );
      expect(wrongToken.out + wrongToken.err).not.toContain(secret);
      oneLine(wrongToken.err);
      expect(missingBucket.code).toBe(2);
      expect(missingBucket.err).toMatch(/AccessError: .*bucket "no-such-bucket" does not exist/);
      oneLine(missingBucket.err);
    } finally {
      await started.close();
    }
  });
});

describe("blobsim probe arguments", () => {
  it.each([
    [["--store", "s3://bucket"], /--store must be gcs:\/\/BUCKET\/PREFIX or sim/],
    [["--store", "gcs://UPPER/x"], /invalid GCS bucket name "UPPER"/],
    [["--store", "sim", "--bytes", "3GB"], /--bytes must look like/],
    [["--store", "sim", "--iterations", "0"], /--iterations must be a positive integer/],
    [[], /probe needs --store/],
  ])("rejects %j with a UsageError (exit 2)", async (args, message) => {
    const error = await probeCommand(args).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });

  it("reads sizes like E0-5's", () => {
    expect([parseSize("1024"), parseSize("1KB"), parseSize("1mb"), parseSize("16MB")]).toEqual([
      1024,
      1024,
      1024 * 1024,
      16 * 1024 * 1024,
    ]);
  });
});
