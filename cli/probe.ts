/**
 * `blobsim probe --store gcs://BUCKET/PREFIX | sim`: the E0/E1 lease-and-commit probe against a
 * real bucket (through the GCS adapter) or against the loopback GCS fake (the adapter's whole
 * HTTP path, offline). Prints key=value lines: latency p50/p99 per operation class (E0-5) and
 * the safety answers. Real GCS needs credentials (BLOBSIM_GCS_TOKEN, or the metadata server on
 * Cloud Run); without them it stops before any request, with exit 2.
 */
import { measureCasBurst } from "../adapters/probes/cas-burst.ts";
import { DEFAULT_BLOB_STORE_OPTIONS } from "../sim/blobstore/options.ts";
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { GcsBlobStore } from "../adapters/gcs/gcs-blob-store.ts";
import { e1Passed, formatE1Report, ProbeClock, runE1LeaseProbe } from "../adapters/probes/e1-lease-probe.ts";
import { parseGcsLocation } from "../adapters/gcs/gcs-location.ts";
import { startLoopbackStore } from "../adapters/gcs/testing/loopback-store.ts";
import { tokenProviderFromEnvironment } from "../adapters/gcs/token-provider.ts";
import {
  formatProbeReport,
  probePassed,
  runLeaseCommitProbe,
} from "../adapters/probes/lease-commit-probe.ts";
import { type BlobStore, listAll } from "../engine/blobstore/blob-store.ts";
import {
  AccessError,
  InvalidRequestError,
  NotFoundError,
  PreconditionFailedError,
} from "../engine/blobstore/errors.ts";
import { realClock, realRandom } from "../engine/runtime-real.ts";
import { parseCount, UsageError } from "../harness/seeds.ts";
import { type Options, parse, str } from "./args.ts";

export const probeHelp = `blobsim probe --store gcs://BUCKET/PREFIX | sim [--iterations N] [--bytes SIZE]
              [--race-rounds R] [--racers K] [--e1-iterations M] [--endpoint URL]
Runs the lease + manifest commit path (create-if-absent, CAS, stale CAS, put, head, get, list,
delete) N times and K-way create-if-absent races R times against a store (E0), then the
engine's own Lease M times (E1: locked, zombie fenced, takeover race); prints latency p50/p99
per operation class and the safety answers as key=value lines.
  --store sim        the GCS adapter against a loopback GCS fake (offline)
  --store gcs://B/P  a real bucket; objects go under P/blobsim-probe/<run>/ and are deleted.
                     Credentials: BLOBSIM_GCS_TOKEN, or the metadata server on Cloud Run
                     (BLOBSIM_GCS_TOKEN_SOURCE=metadata elsewhere on GCP).
  --bytes SIZE       segment size: 1024, 1KB, 1MB, 16MB (default 1KB)
  --endpoint URL     another JSON API endpoint (an emulator); also BLOBSIM_GCS_ENDPOINT
Exit 0 all answers right, 1 a safety answer was wrong or calls failed, 2 usage or credentials.`;

const OBJECT_BYTES_MAX = 64 * 1024 * 1024;

interface OpenedStore {
  store: BlobStore;
  label: string;
  close(): Promise<void>;
}

export const probeFlags: Options = {
  store: {
    type: "string",
    value: "gcs://B/P|sim",
    description: "the store to probe: a real bucket, or sim (a loopback GCS fake)",
  },
  iterations: { type: "string", value: "N", description: "lease + commit path rounds (default 20)" },
  bytes: { type: "string", value: "SIZE", description: "segment size: 1024, 1KB, 1MB, 16MB (default 1KB)" },
  "race-rounds": { type: "string", value: "R", description: "create-if-absent race rounds (default 3)" },
  racers: { type: "string", value: "K", description: "racers per round (default 20)" },
  "e1-iterations": {
    type: "string",
    value: "M",
    description: "rounds of the engine's Lease probe, E1 (default 5)",
  },
  endpoint: {
    type: "string",
    value: "URL",
    description: "another JSON API endpoint (an emulator); also BLOBSIM_GCS_ENDPOINT",
  },
};

export async function probeCommand(args: string[]): Promise<number> {
  const parsed = parse(args, probeFlags, false);
  const storeText = str(parsed, "store");
  if (storeText === undefined) throw new UsageError("probe needs --store gcs://BUCKET/PREFIX or --store sim");
  const iterations = parseCount(str(parsed, "iterations") ?? "20", "--iterations");
  const raceRounds = parseCount(str(parsed, "race-rounds") ?? "3", "--race-rounds");
  const racers = parseCount(str(parsed, "racers") ?? "20", "--racers");
  const e1Iterations = parseCount(str(parsed, "e1-iterations") ?? "5", "--e1-iterations");
  const objectBytes = parseSize(str(parsed, "bytes") ?? "1KB");

  let opened: OpenedStore;
  try {
    opened = await openStore(storeText, str(parsed, "endpoint") ?? process.env.BLOBSIM_GCS_ENDPOINT);
  } catch (error) {
    throw asUsageError(error);
  }
  try {
    const runPrefix = `blobsim-probe/${Date.now().toString(36)}-${randomBytes(4).toString("hex")}/`;
    const report = await runLeaseCommitProbe({
      store: opened.store,
      runPrefix,
      iterations,
      objectBytes,
      raceRounds,
      racers,
      nowMs: () => performance.now(),
      sleepMs: (ms) => realClock.sleepMs(ms),
    });
    console.log(`store=${opened.label}`);
    console.log(`iterations=${iterations}`);
    console.log(`object_bytes=${objectBytes}`);
    for (const line of formatProbeReport(report)) console.log(line);
    const e1 = await runE1LeaseProbe({
      store: opened.store,
      runPrefix,
      iterations: e1Iterations,
      clock: new ProbeClock((ms) => realClock.sleepMs(ms)),
    });
    for (const line of formatE1Report(e1)) console.log(line);
    // The rate-limit figures next to the simulated store's, to recalibrate sim/blobstore/options.ts.
    const burst = await measureCasBurst(opened.store, `${runPrefix}cas-burst`, () =>
      realClock.sleepMs(3_000),
    );
    console.log(`cas_burst_writes=${burst.writes}${burst.limited ? "" : "+"}`);
    console.log(`model_mutation_burst_per_object=${DEFAULT_BLOB_STORE_OPTIONS.mutationBurstPerObject}`);
    console.log(`model_mutations_per_object_per_s=${DEFAULT_BLOB_STORE_OPTIONS.mutationsPerObjectPerS}`);
    console.log(`model_put_p50_ms=${DEFAULT_BLOB_STORE_OPTIONS.putMedianMs}`);
    console.log(`model_get_p50_ms=${DEFAULT_BLOB_STORE_OPTIONS.getMedianMs}`);
    await removeUnder(opened.store, runPrefix);
    const passed = probePassed(report) && e1Passed(e1);
    console.log(`result=${passed ? "pass" : "fail"}`);
    return passed ? 0 : 1;
  } catch (error) {
    throw asUsageError(error);
  } finally {
    await opened.close();
  }
}

async function openStore(text: string, endpoint: string | undefined): Promise<OpenedStore> {
  if (text === "sim") {
    const loopback = await startLoopbackStore({
      clock: realClock,
      random: realRandom,
      requestTimeoutMs: 30_000,
      // The simulated store's per-object limit, so the probe's burst figure is the model's.
      server: { rateLimit: true },
    });
    return { store: loopback.store, label: "sim (GCS adapter over loopback)", close: loopback.close };
  }
  if (!/^(gcs|gs):\/\//.test(text))
    throw new UsageError(`--store must be gcs://BUCKET/PREFIX or sim, got "${text}"`);
  const location = parseGcsLocation(text);
  // Throws MissingCredentialsError here, before any request, when none are configured.
  const tokenProvider = tokenProviderFromEnvironment(process.env, realClock);
  const store = new GcsBlobStore({
    bucket: location.bucket,
    prefix: location.prefix,
    baseUrl: endpoint,
    tokenProvider,
    clock: realClock,
    random: realRandom,
  });
  return { store, label: store.describe(), close: async () => undefined };
}

/** The probe's leftovers (E1 leaves its lease and manifest objects): the bucket stays clean. */
async function removeUnder(store: BlobStore, prefix: string): Promise<void> {
  for await (const entry of listAll(store, prefix)) {
    await store.delete(entry.key, { ifMatch: entry.version }).catch((error: unknown) => {
      if (!(error instanceof NotFoundError) && !(error instanceof PreconditionFailedError)) throw error;
    });
  }
}

/** Bad credentials, a missing bucket or a malformed location: one line, exit 2. */
function asUsageError(error: unknown): unknown {
  if (error instanceof AccessError || error instanceof InvalidRequestError)
    return new UsageError(`${error.name}: ${error.message}`);
  return error;
}

export function parseSize(text: string): number {
  const match = /^(\d{1,9})(B|KB|MB)?$/i.exec(text);
  if (!match) throw new UsageError(`--bytes must look like 1024, 1KB or 16MB, got "${text}"`);
  const unit = (match[2] ?? "B").toUpperCase();
  const size = Number(match[1]) * (unit === "MB" ? 1024 * 1024 : unit === "KB" ? 1024 : 1);
  if (size < 1 || size > OBJECT_BYTES_MAX)
    throw new UsageError(`--bytes must be between 1 and 64MB, got "${text}"`);
  return size;
}
