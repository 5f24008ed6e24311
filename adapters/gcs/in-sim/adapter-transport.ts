/**
 * The adapter in the loop (`--store adapter`): every client a scenario takes from a simulated
 * bucket is a real `GcsBlobStore` whose `fetch` is served by the kernel (sim-fetch.ts), so the
 * engine's calls go through the adapter's URL building, precondition encoding, retries, token
 * refresh and error classification under every seed, with transport faults drawn from the seed.
 * Its clock and randomness are the calling process's (sleeps are process timers; jitter comes
 * from a forked stream), so a seed replays event for event.
 *
 * Only GCS-flavored stores go through it (the adapter speaks generations); an S3/R2-flavored
 * store of the same world keeps its in-process client.
 */
import type { BlobStore } from "../../../engine/blobstore/blob-store.ts";
import type { StoreEndpoint, StoreTransport } from "../../../sim/blobstore/transport.ts";
import type { SimProcess } from "../../../sim/process.ts";
import type { World } from "../../../sim/world.ts";
import { type GcsAdapterSeams, GcsBlobStore } from "../gcs-blob-store.ts";
import { simFetch } from "./sim-fetch.ts";
import { SimTokenProvider, SimTokens } from "./sim-tokens.ts";
import { CLEAN_TRANSPORT, drawTransportFaultRates, type TransportFaultRates } from "./transport-faults.ts";

/**
 * A scenario that turned the store's faults off (a measurement, a calibration) wants a clean
 * wire too; only an expired token (answered 401, refreshed, retried: invisible above the
 * adapter) still comes.
 */
function storeHasFaults({ options }: StoreEndpoint): boolean {
  return (
    options.transientErrorProbability > 0 ||
    options.timeoutProbability > 0 ||
    options.ambiguousBeforeApplyProbability > 0 ||
    options.ambiguousAfterApplyProbability > 0 ||
    options.serverErrorAfterApplyProbability > 0
  );
}

/** The simulated bucket's name on the wire (the adapter validates it like a real one). */
export const SIM_BUCKET = "blobsim-sim";
const SIM_BASE_URL = "http://storage.sim";

export class AdapterTransport implements StoreTransport {
  readonly name = "adapter";
  readonly faults: TransportFaultRates;
  clientsMade = 0;
  private readonly tokens: SimTokens;
  /** Faults handed in (a test's) apply to every store; drawn ones only to stores with faults on. */
  private readonly explicitFaults: boolean;

  constructor(
    world: World,
    private readonly seams: Partial<GcsAdapterSeams> = {},
    faults?: TransportFaultRates,
  ) {
    this.faults = faults ?? drawTransportFaultRates(world);
    this.explicitFaults = faults !== undefined;
    this.tokens = new SimTokens(this.faults.tokenLifetimeMs);
  }

  client(direct: BlobStore, process: SimProcess, store: StoreEndpoint): BlobStore {
    if (store.options.flavor !== "gcs") return direct;
    this.clientsMade++;
    const faults =
      this.explicitFaults || storeHasFaults(store)
        ? this.faults
        : { ...CLEAN_TRANSPORT, tokenLifetimeMs: this.faults.tokenLifetimeMs };
    const rng = process.rng.fork(`adapter:${store.options.name}`);
    return new GcsBlobStore({
      bucket: SIM_BUCKET,
      baseUrl: SIM_BASE_URL,
      tokenProvider: new SimTokenProvider(this.tokens, process.clock),
      clock: process.clock,
      random: rng.fork("retry"),
      // The store's own deadline: a stalled answer ends when the in-process client's would.
      requestTimeoutMs: store.options.requestTimeoutMs,
      logger: process,
      fetch: simFetch({
        bucket: SIM_BUCKET,
        direct,
        process,
        rng: rng.fork("transport"),
        faults,
        tokens: this.tokens,
      }),
      seams: this.seams,
    });
  }
}
