/**
 * The simulated blob store's options: one flat record of typed, unit-suffixed fields, so that
 * a scenario can override any of them and the swarm draw can be printed with the seed.
 *
 * Defaults model one GCS bucket in the same region as the caller, calibrated to the source
 * experiments (E0: 1 KB conditional PUT p50 ≈ 44 ms; E5b: about one mutation per second per
 * object sustained; the instance NIC moves 100 MB/s and more). Faults are OFF by default: a
 * scenario opts in, or takes a per-seed mix from `drawBlobStoreOptions`.
 */
import type { Rng } from "../rng.ts";
import type { World } from "../world.ts";
import type { BlobStoreFlavor } from "../../bucket-model/object-table.ts";
import { GCS_OBJECT_MUTATION_LIMIT } from "../../bucket-model/rate-limit.ts";

export type { BlobStoreFlavor };

export interface BlobStoreOptions {
  /**
   * Version token semantics. "gcs": generations, strictly increasing per key and never reused
   * (not even after a delete). "etag": content-derived tokens as S3/R2 give them, so writing
   * A, then B, then A again makes the first token current again (the ABA window).
   */
  flavor: BlobStoreFlavor;

  // Latency. Each request: upload of the request body, server time (log-normal per operation
  // class), download of the response body. The mutation or read applies at one instant inside
  // the server time (the apply point), so concurrent requests race as they do on the wire.
  /** Median server time of a PUT (conditional or not); E0 measured 44 ms at 1 KB in-region. */
  putMedianMs: number;
  /** Median server time of a GET. */
  getMedianMs: number;
  /** Median server time of a HEAD (metadata only). */
  headMedianMs: number;
  /** Median server time of one LIST page. */
  listMedianMs: number;
  /** Median server time of a DELETE. */
  deleteMedianMs: number;
  /** Log-normal shape of the server time: p99 ≈ median × e^(2.33 σ). */
  latencySigma: number;
  /** Upload bandwidth of one request stream (large objects are bandwidth-bound). */
  uploadBytesPerS: number;
  /** Download bandwidth of one response stream. */
  downloadBytesPerS: number;
  /** Chance that one request lands in the slow tail (a GC pause, a retry inside the frontend). */
  slowTailProbability: number;
  /** Server time multiplier of a slow-tail request. */
  slowTailFactor: number;

  // Per-object mutation rate limit (GCS documents about one write per second per object name).
  /** Off only for scenarios that isolate something else; GCS always has it. */
  rateLimitEnabled: boolean;
  /** Sustained mutations per second per object name (token bucket refill). */
  mutationsPerObjectPerS: number;
  /** Bucket capacity: mutations one object takes in a burst before 429s start. */
  mutationBurstPerObject: number;

  // Faults, each drawn per request at the time it is issued.
  /** A 503 answered before the apply point: nothing happened, retryable (TransientError). */
  transientErrorProbability: number;
  /**
   * The caller's deadline passes before the answer comes: a read gets TransientError, a
   * mutation AmbiguousWriteError (it may still apply, even after the caller gave up).
   */
  timeoutProbability: number;
  /** The caller's deadline for one request (used when a timeout fault is drawn). */
  requestTimeoutMs: number;
  /** A mutation answered AmbiguousWriteError that did NOT apply (the request was lost). */
  ambiguousBeforeApplyProbability: number;
  /** A mutation answered AmbiguousWriteError that DID apply (the response was lost). */
  ambiguousAfterApplyProbability: number;
  /**
   * A mutation that DID apply answered 503 (AmbiguousWriteError, outcome "503"). GCS's retry
   * strategy guide: a 5xx to a request does not mean it was not carried out. Not in the
   * in-process swarm draw (it would shift every recorded seed); the adapter mode draws it.
   */
  serverErrorAfterApplyProbability: number;

  /**
   * Copy bodies in and out, as a network would: the caller may reuse its buffer after put, and
   * what get returns is the caller's own. Off only in measurement scenarios that move many
   * large objects and never touch a buffer again (copying 16 MB costs real milliseconds).
   */
  copyBodies: boolean;

  /** Names this store's random stream, so two stores in one world draw independently. */
  name: string;
}

export const DEFAULT_BLOB_STORE_OPTIONS: Readonly<BlobStoreOptions> = Object.freeze({
  flavor: "gcs",
  putMedianMs: 44,
  getMedianMs: 28,
  headMedianMs: 22,
  listMedianMs: 38,
  deleteMedianMs: 32,
  latencySigma: 0.22,
  uploadBytesPerS: 90_000_000,
  downloadBytesPerS: 120_000_000,
  slowTailProbability: 0.004,
  slowTailFactor: 4,
  rateLimitEnabled: true,
  // The figures and their sources: bucket-model/rate-limit.ts (the loopback fake uses the same).
  mutationsPerObjectPerS: GCS_OBJECT_MUTATION_LIMIT.mutationsPerObjectPerS,
  mutationBurstPerObject: GCS_OBJECT_MUTATION_LIMIT.mutationBurstPerObject,
  transientErrorProbability: 0,
  timeoutProbability: 0,
  requestTimeoutMs: 10_000,
  ambiguousBeforeApplyProbability: 0,
  ambiguousAfterApplyProbability: 0,
  serverErrorAfterApplyProbability: 0,
  copyBodies: true,
  name: "blobstore",
} satisfies BlobStoreOptions);

/** Fills in defaults and rejects nonsense once, at construction. */
export function resolveBlobStoreOptions(partial: Partial<BlobStoreOptions> = {}): BlobStoreOptions {
  const options: BlobStoreOptions = { ...DEFAULT_BLOB_STORE_OPTIONS, ...partial };
  if (options.flavor !== "gcs" && options.flavor !== "etag")
    throw new RangeError(`blob store flavor must be "gcs" or "etag", got ${String(options.flavor)}`);
  const positive: Array<keyof BlobStoreOptions> = [
    "putMedianMs",
    "getMedianMs",
    "headMedianMs",
    "listMedianMs",
    "deleteMedianMs",
    "uploadBytesPerS",
    "downloadBytesPerS",
    "slowTailFactor",
    "mutationsPerObjectPerS",
    "mutationBurstPerObject",
    "requestTimeoutMs",
  ];
  for (const field of positive) {
    const value = options[field];
    if (typeof value !== "number" || !(value > 0))
      throw new RangeError(`blob store option ${field} must be > 0, got ${String(value)}`);
  }
  const probabilities: Array<keyof BlobStoreOptions> = [
    "slowTailProbability",
    "transientErrorProbability",
    "timeoutProbability",
    "ambiguousBeforeApplyProbability",
    "ambiguousAfterApplyProbability",
    "serverErrorAfterApplyProbability",
  ];
  for (const field of probabilities) {
    const value = options[field];
    if (typeof value !== "number" || !(value >= 0 && value <= 1))
      throw new RangeError(`blob store option ${field} must be in [0, 1], got ${String(value)}`);
  }
  if (!(options.latencySigma >= 0)) throw new RangeError("blob store option latencySigma must be >= 0");
  return options;
}

/**
 * Swarm: this seed's fault mix. About a third of seeds run a clean store, the rest turn on a
 * random subset of faults at low, medium or high rates; the tail and the flavor vary too.
 * Recorded in the trace (world.draw), so a failing seed prints the mix it ran with.
 */
export function drawBlobStoreOptions(world: World, name = "blobstore"): BlobStoreOptions {
  const drawn = world.draw(name, (rng: Rng) => {
    const faulty = rng.chance(0.66);
    const rate = (): number => (faulty && rng.chance(0.5) ? rng.pick([0.002, 0.01, 0.05]) : 0);
    return {
      flavor: rng.chance(0.8) ? "gcs" : "etag",
      latencySigma: rng.pick([0.15, 0.22, 0.35]),
      slowTailProbability: rng.pick([0, 0.004, 0.02]),
      slowTailFactor: rng.pick([3, 4, 10]),
      transientErrorProbability: rate(),
      timeoutProbability: rate(),
      requestTimeoutMs: rng.pick([2_000, 10_000]),
      ambiguousBeforeApplyProbability: rate(),
      ambiguousAfterApplyProbability: rate(),
    } satisfies Partial<BlobStoreOptions>;
  });
  return resolveBlobStoreOptions({ ...drawn, name });
}
