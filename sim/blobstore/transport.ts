/**
 * How a process reaches the simulated bucket. By default a client talks to the store in-process
 * (sim/blob-store.ts's own client). A transport, set on the world before the scenario runs, may
 * put something between them: the GCS adapter over a simulated HTTP exchange (fixtures/adapter-loop/),
 * so the engine's calls go through `GcsBlobStore` and its error classification under every seed.
 *
 * Defined here with no reference to the adapter, so sim/ never imports adapters/ (the adapter
 * imports sim/ to be served by it); the harness hands the transport in.
 */
import type { BlobStore } from "../../engine/blobstore/blob-store.ts";
import type { SimProcess } from "../process.ts";

export interface StoreTransport {
  /** Names the mode in traces and results ("adapter"). */
  readonly name: string;
  /** Clients it has made: none means no process reached a store through it. */
  readonly clientsMade: number;
  /**
   * The client `process` uses. `direct` is the in-process client (it keeps the store's timing,
   * faults, history, boundary hooks and trace events); the transport wraps or replaces it.
   */
  client(direct: BlobStore, process: SimProcess, store: StoreEndpoint): BlobStore;
}

/**
 * What a transport may know of the store it serves: a structural slice of BlobStoreOptions
 * (options.ts), written out so that this file, world.ts and options.ts form no import cycle.
 */
export interface StoreEndpoint {
  readonly options: {
    readonly flavor: "gcs" | "etag";
    readonly name: string;
    readonly requestTimeoutMs: number;
    readonly transientErrorProbability: number;
    readonly timeoutProbability: number;
    readonly ambiguousBeforeApplyProbability: number;
    readonly ambiguousAfterApplyProbability: number;
    readonly serverErrorAfterApplyProbability: number;
  };
}
