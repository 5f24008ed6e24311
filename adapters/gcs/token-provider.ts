/**
 * Where the GCS bearer token comes from. A provider hands out the token and names its source;
 * the source name goes into messages, the token never does.
 *
 * - `staticTokenProvider`: a token given directly (tests, or `gcloud auth print-access-token`
 *   put into BLOBSIM_GCS_TOKEN).
 * - `metadataServerTokenProvider`: the instance metadata server (Cloud Run, GCE, GKE), cached
 *   until shortly before it expires and refreshed after a 401.
 * - `tokenProviderFromEnvironment`: picks one from the environment, or fails at once with a
 *   MissingCredentialsError, before any request is made.
 * Anything else (a workload-identity exchange, a secret manager) implements TokenProvider.
 */
import { AccessError } from "../../engine/blobstore/errors.ts";
import type { Clock } from "../../engine/runtime.ts";

export interface TokenProvider {
  /** Names where the token comes from ("env BLOBSIM_GCS_TOKEN"); never the token itself. */
  readonly source: string;
  /** A currently valid bearer token. Rejects with AccessError when none can be had. */
  token(): Promise<string>;
  /** Forget a cached token (GCS answered 401); the next `token()` fetches a fresh one. */
  invalidate?(): void;
}

/** No credentials were configured: raised before any request is made. */
export class MissingCredentialsError extends AccessError {
  override name = "MissingCredentialsError";
}

export const TOKEN_ENV_VARIABLE = "BLOBSIM_GCS_TOKEN";
/** Set to "metadata" to use the metadata server outside Cloud Run (GCE, GKE). */
export const TOKEN_SOURCE_ENV_VARIABLE = "BLOBSIM_GCS_TOKEN_SOURCE";

export function staticTokenProvider(token: string, source = "static token"): TokenProvider {
  if (token.trim().length === 0) throw new MissingCredentialsError(`${source} is empty`, "");
  const trimmed = token.trim();
  return { source, token: async () => trimmed };
}

export interface MetadataServerOptions {
  /** Expiry bookkeeping; production passes realClock. */
  clock: Clock;
  /** Times each metadata request's deadline; defaults to `clock`. */
  deadlineClock?: Clock;
  /** Host (and port) of the metadata server; GCE_METADATA_HOST overrides it by convention. */
  host?: string;
  /** "http:" in production; a loopback test server may need nothing else. */
  fetch?: typeof fetch;
  /** Refresh this long before the token's stated expiry. */
  refreshMarginMs?: number;
  /** Give up on one metadata request after this long (off-GCP, the host does not answer). */
  requestTimeoutMs?: number;
}

export const METADATA_HOST_DEFAULT = "metadata.google.internal";
const TOKEN_PATH = "/computeMetadata/v1/instance/service-accounts/default/token";

export function metadataServerTokenProvider(options: MetadataServerOptions): TokenProvider {
  const host = options.host ?? process.env.GCE_METADATA_HOST ?? METADATA_HOST_DEFAULT;
  const fetchImpl = options.fetch ?? fetch;
  const refreshMarginMs = options.refreshMarginMs ?? 60_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
  const source = `metadata server ${host}`;
  let cached: { token: string; refreshAtMs: number } | undefined;
  let inFlight: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    const deadline = new AbortController();
    const finished = new AbortController();
    void (options.deadlineClock ?? options.clock).sleepMs(requestTimeoutMs, finished.signal).then(
      () => deadline.abort(),
      () => undefined,
    );
    let status: number;
    let body: string;
    try {
      const response = await fetchImpl(`http://${host}${TOKEN_PATH}`, {
        headers: { "Metadata-Flavor": "Google" },
        signal: deadline.signal,
      });
      status = response.status;
      body = await response.text();
    } catch (error) {
      const reason = deadline.signal.aborted
        ? `no answer within ${requestTimeoutMs} ms`
        : describeCause(error);
      throw new AccessError(
        `no GCS token: ${source} unreachable (${reason}); outside Cloud Run/GCE set ${TOKEN_ENV_VARIABLE}`,
        "",
      );
    } finally {
      finished.abort();
    }
    if (status !== 200)
      throw new AccessError(
        `no GCS token: ${source} answered ${status} (is a service account attached?)`,
        "",
      );
    let parsed: { access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      throw new AccessError(`no GCS token: ${source} answered 200 with a non-JSON body`, "");
    }
    if (typeof parsed.access_token !== "string" || parsed.access_token.length === 0)
      throw new AccessError(`no GCS token: ${source} answered without an access_token`, "");
    const expiresInS = typeof parsed.expires_in === "number" ? parsed.expires_in : 300;
    const lifetimeMs = Math.max(0, expiresInS * 1000 - refreshMarginMs);
    cached = { token: parsed.access_token, refreshAtMs: options.clock.nowMs() + lifetimeMs };
    return parsed.access_token;
  }

  return {
    source,
    async token() {
      if (cached && options.clock.nowMs() < cached.refreshAtMs) return cached.token;
      // Concurrent callers share one metadata request.
      inFlight ??= fetchToken().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

/**
 * The provider the environment asks for: BLOBSIM_GCS_TOKEN if set, else the metadata server on
 * Cloud Run (K_SERVICE is set there) or when BLOBSIM_GCS_TOKEN_SOURCE=metadata. Otherwise it
 * throws MissingCredentialsError at once, so nothing ever tries the network without credentials.
 */
export function tokenProviderFromEnvironment(
  env: Record<string, string | undefined>,
  clock: Clock,
): TokenProvider {
  const token = env[TOKEN_ENV_VARIABLE];
  if (token !== undefined && token.trim().length > 0)
    return staticTokenProvider(token, `env ${TOKEN_ENV_VARIABLE}`);
  // A Cloud Run service sets K_SERVICE; a Cloud Run Job's task sets CLOUD_RUN_JOB instead.
  const onCloudRun = Boolean(env.K_SERVICE) || Boolean(env.CLOUD_RUN_JOB);
  if (onCloudRun || env[TOKEN_SOURCE_ENV_VARIABLE] === "metadata")
    return metadataServerTokenProvider({ clock, host: env.GCE_METADATA_HOST ?? METADATA_HOST_DEFAULT });
  throw new MissingCredentialsError(
    `no GCS credentials: set ${TOKEN_ENV_VARIABLE} (e.g. from \`gcloud auth print-access-token\`), ` +
      `or run on Cloud Run, or set ${TOKEN_SOURCE_ENV_VARIABLE}=metadata on GCE/GKE`,
    "",
  );
}

/** The code of a fetch failure's cause (ECONNREFUSED, UND_ERR_SOCKET, ...), never a header. */
export function describeCause(error: unknown): string {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  if (codes.length > 0) return codes.join("/");
  return error instanceof Error ? error.name : "unknown failure";
}
