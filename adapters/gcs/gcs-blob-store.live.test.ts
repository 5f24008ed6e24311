/**
 * Live: the BlobStore conformance suite and the E0/E1 probes against a real GCS bucket, through
 * the same adapter the loopback tests exercise. Excluded from `npm test`; run with
 * `npm run test:live`, which explains what to set when BLOBSIM_GCS_BUCKET or credentials are
 * missing. Everything is written under <prefix>/<run id>/ and deleted afterwards.
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { afterAll, describe, expect, it } from "vitest";
import { listAll } from "../../engine/blobstore/blob-store.ts";
import { NotFoundError } from "../../engine/blobstore/errors.ts";
import { realClock, realRandom } from "../../engine/runtime-real.ts";
import { describeBlobStoreConformance } from "../../fixtures/conformance/blob-store-conformance.ts";
import { e1Passed, formatE1Report, ProbeClock, runE1LeaseProbe } from "../probes/e1-lease-probe.ts";
import { formatProbeReport, probePassed, runLeaseCommitProbe } from "../probes/lease-commit-probe.ts";
import { GcsBlobStore } from "./gcs-blob-store.ts";
import { liveEnvironment } from "./live/live-environment.ts";

const environment = liveEnvironment(process.env);
if (!environment.ready)
  throw new Error(
    `live GCS tests cannot run: ${environment.reason}. Use \`npm run test:live\` (see README "Real GCS").`,
  );

const runPrefix = `${environment.prefix}${new Date().toISOString().replace(/[:.]/g, "-")}-${randomBytes(3).toString("hex")}/`;

function liveStore(prefix = runPrefix): GcsBlobStore {
  if (!environment.ready) throw new Error("unreachable");
  return new GcsBlobStore({
    bucket: environment.bucket,
    prefix,
    baseUrl: environment.endpoint,
    tokenProvider: environment.tokenProvider,
    clock: realClock,
    random: realRandom,
  });
}

afterAll(async () => {
  const store = liveStore();
  for await (const entry of listAll(store, "")) {
    await store.delete(entry.key).catch((error: unknown) => {
      if (!(error instanceof NotFoundError)) throw error;
    });
  }
});

describeBlobStoreConformance(
  `real GCS gs://${environment.bucket}/${runPrefix}`,
  async () => ({ store: liveStore() }),
  {
    prefix: "conformance/",
  },
);

describe("E0/E1 probes on real GCS", () => {
  it("lease + commit path: every safety answer right; latency percentiles recorded (E0-5)", async () => {
    const report = await runLeaseCommitProbe({
      store: liveStore(),
      runPrefix: "probe/",
      iterations: 20,
      objectBytes: 1024,
      raceRounds: 5,
      racers: 20,
      nowMs: () => performance.now(),
      sleepMs: (ms) => realClock.sleepMs(ms),
    });
    console.log(formatProbeReport(report).join("\n"));
    expect(report.firstError).toBeUndefined();
    expect(probePassed(report)).toBe(true);
  });

  it("E1 with the engine's Lease: locked, zombie fenced, one winner per takeover race", async () => {
    const report = await runE1LeaseProbe({
      store: liveStore(),
      runPrefix: "probe-e1/",
      iterations: 10,
      clock: new ProbeClock((ms) => realClock.sleepMs(ms)),
    });
    console.log(formatE1Report(report).join("\n"));
    expect(report.firstError).toBeUndefined();
    expect(e1Passed(report)).toBe(true);
  });
});
