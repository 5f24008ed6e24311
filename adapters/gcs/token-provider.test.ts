/**
 * Token providers: the environment's choice (failing at once without credentials), the metadata
 * server (cached, refreshed near expiry and after a 401, one request for concurrent callers),
 * and the store refreshing a rejected token once.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AccessError } from "../../engine/blobstore/errors.ts";
import { realClock } from "../../engine/runtime-real.ts";
import { startLoopbackStore } from "./testing/loopback-store.ts";
import { FakeMetadataServer } from "./testing/fake-metadata-server.ts";
import { RecordingClock, seededRandom } from "./testing/test-runtime.ts";
import {
  MissingCredentialsError,
  metadataServerTokenProvider,
  staticTokenProvider,
  type TokenProvider,
  tokenProviderFromEnvironment,
} from "./token-provider.ts";

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function metadataServer(tokens: string[], expiresInS?: number, status?: number) {
  const server = await FakeMetadataServer.start(tokens, expiresInS, status);
  closers.push(() => server.close());
  return server;
}

describe("tokenProviderFromEnvironment", () => {
  it("uses BLOBSIM_GCS_TOKEN when set, naming the variable and not the token", async () => {
    const provider = tokenProviderFromEnvironment({ BLOBSIM_GCS_TOKEN: " tok-123 \n" }, realClock);
    expect(provider.source).toBe("env BLOBSIM_GCS_TOKEN");
    expect(await provider.token()).toBe("tok-123");
  });

  it("uses the metadata server on Cloud Run (K_SERVICE, a Job's CLOUD_RUN_JOB) or when asked to", () => {
    expect(tokenProviderFromEnvironment({ K_SERVICE: "svc" }, realClock).source).toBe(
      "metadata server metadata.google.internal",
    );
    expect(tokenProviderFromEnvironment({ CLOUD_RUN_JOB: "blobsim-sweep" }, realClock).source).toBe(
      "metadata server metadata.google.internal",
    );
    const explicit = tokenProviderFromEnvironment(
      { BLOBSIM_GCS_TOKEN_SOURCE: "metadata", GCE_METADATA_HOST: "127.0.0.1:9" },
      realClock,
    );
    expect(explicit.source).toBe("metadata server 127.0.0.1:9");
  });

  it("fails at once, before any request, when there are no credentials", () => {
    expect(() => tokenProviderFromEnvironment({ BLOBSIM_GCS_TOKEN: "  " }, realClock)).toThrow(
      MissingCredentialsError,
    );
    try {
      tokenProviderFromEnvironment({}, realClock);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AccessError);
      expect((error as Error).message).toMatch(/no GCS credentials: set BLOBSIM_GCS_TOKEN/);
    }
  });

  it("rejects an empty static token", () => {
    expect(() => staticTokenProvider("")).toThrow(MissingCredentialsError);
  });
});

describe("metadataServerTokenProvider", () => {
  it("fetches with Metadata-Flavor, caches until near expiry, then refreshes", async () => {
    const server = await metadataServer(["token-1", "token-2"], 3600);
    const clock = new RecordingClock();
    const provider = metadataServerTokenProvider({
      clock,
      deadlineClock: realClock,
      host: server.host,
      refreshMarginMs: 60_000,
    });
    const concurrent = await Promise.all([provider.token(), provider.token(), provider.token()]);
    expect(concurrent).toEqual(["token-1", "token-1", "token-1"]);
    expect(server.requests).toBe(1);
    clock.advance(3_500_000); // still 40 s before the refresh point
    expect(await provider.token()).toBe("token-1");
    clock.advance(50_000);
    expect(await provider.token()).toBe("token-2");
    expect(server.requests).toBe(2);
  });

  it("forgets its token when invalidated", async () => {
    const server = await metadataServer(["token-1", "token-2"]);
    const provider = metadataServerTokenProvider({
      clock: new RecordingClock(),
      deadlineClock: realClock,
      host: server.host,
    });
    expect(await provider.token()).toBe("token-1");
    provider.invalidate?.();
    expect(await provider.token()).toBe("token-2");
  });

  it("an unreachable or refusing metadata server is an AccessError saying what to do", async () => {
    const closed = await metadataServer(["unused"]);
    await closed.close();
    const unreachable = metadataServerTokenProvider({ clock: realClock, host: closed.host });
    await expect(unreachable.token()).rejects.toThrow(
      /unreachable \(ECONNREFUSED\); outside Cloud Run\/GCE set BLOBSIM_GCS_TOKEN/,
    );
    const refusing = await metadataServer(["unused"], 3600, 404);
    const provider = metadataServerTokenProvider({ clock: realClock, host: refusing.host });
    const error = await provider.token().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AccessError);
    expect((error as Error).message).toMatch(/answered 404/);
  });
});

describe("GcsBlobStore and its token provider", () => {
  it("after a 401 it invalidates the token and retries once with a fresh one", async () => {
    const tokens = ["expired-token", "loopback-token"];
    let issued = 0;
    let invalidated = 0;
    const provider: TokenProvider = {
      source: "rotating test provider",
      token: async () => tokens[Math.min(issued, tokens.length - 1)]!,
      invalidate: () => {
        invalidated += 1;
        issued += 1;
      },
    };
    const clock = new RecordingClock();
    const started = await startLoopbackStore({ clock, random: seededRandom("401"), tokenProvider: provider });
    closers.push(() => started.close());
    const version = await started.store.put("k", new Uint8Array([1]), { ifNoneMatch: true });
    expect(version).toMatch(/^\d+$/);
    expect(invalidated).toBe(1);
    expect(started.server.requests.map((record) => record.status)).toEqual([401, 200]);
  });

  it("works end to end with the metadata server as its token source", async () => {
    const server = await metadataServer(["loopback-token"]);
    const clock = new RecordingClock();
    const started = await startLoopbackStore({
      clock,
      random: seededRandom("metadata"),
      tokenProvider: metadataServerTokenProvider({ clock, deadlineClock: realClock, host: server.host }),
    });
    closers.push(() => started.close());
    await started.store.put("a", new Uint8Array([1]));
    await started.store.put("b", new Uint8Array([2]));
    expect((await started.store.list("")).entries).toHaveLength(2);
    expect(server.requests).toBe(1);
  });
});
