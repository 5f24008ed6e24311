/**
 * A GcsBlobStore wired to a fresh FakeGcsServer on loopback: the adapter's whole HTTP path,
 * offline. Used by the adapter's tests, the conformance run and `blobsim probe --store sim`.
 */
import type { Clock, Logger, Random } from "../../../engine/runtime.ts";
import { realClock } from "../../../engine/runtime-real.ts";
import { GcsBlobStore } from "../gcs-blob-store.ts";
import type { RetryPolicy } from "../retry-policy.ts";
import { staticTokenProvider, type TokenProvider } from "../token-provider.ts";
import { FakeGcsServer, type FakeGcsServerOptions } from "./fake-gcs-server.ts";

export const LOOPBACK_BUCKET = "blobsim-test";
export const LOOPBACK_TOKEN = "loopback-token";

export interface LoopbackStoreOptions {
  clock: Clock;
  random: Random;
  /** Request deadlines over real sockets: real time unless a test says otherwise. */
  deadlineClock?: Clock;
  requestTimeoutMs?: number;
  bucket?: string;
  prefix?: string;
  tokenProvider?: TokenProvider;
  retry?: Partial<RetryPolicy>;
  logger?: Logger;
  server?: FakeGcsServerOptions;
}

export interface LoopbackStore {
  store: GcsBlobStore;
  server: FakeGcsServer;
  close(): Promise<void>;
}

export async function startLoopbackStore(options: LoopbackStoreOptions): Promise<LoopbackStore> {
  const server = await FakeGcsServer.start({
    buckets: [LOOPBACK_BUCKET],
    validTokens: [LOOPBACK_TOKEN],
    ...options.server,
  });
  const store = new GcsBlobStore({
    bucket: options.bucket ?? LOOPBACK_BUCKET,
    prefix: options.prefix ?? "",
    baseUrl: server.baseUrl,
    tokenProvider: options.tokenProvider ?? staticTokenProvider(LOOPBACK_TOKEN, "loopback token"),
    clock: options.clock,
    random: options.random,
    deadlineClock: options.deadlineClock ?? realClock,
    requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
    retry: options.retry,
    logger: options.logger,
  });
  return { store, server, close: () => server.close() };
}
