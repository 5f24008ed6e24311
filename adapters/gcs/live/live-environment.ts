/**
 * What the live tests need from the environment: BLOBSIM_GCS_BUCKET (and optionally
 * BLOBSIM_GCS_PREFIX, BLOBSIM_GCS_ENDPOINT) plus credentials (BLOBSIM_GCS_TOKEN, or the metadata
 * server on Cloud Run / with BLOBSIM_GCS_TOKEN_SOURCE=metadata). Returns why not, if not.
 */
import { realClock } from "../../../engine/runtime-real.ts";
import { validateBucketName, normalizePrefix } from "../gcs-location.ts";
import { type TokenProvider, tokenProviderFromEnvironment } from "../token-provider.ts";

export const BUCKET_ENV_VARIABLE = "BLOBSIM_GCS_BUCKET";

export type LiveEnvironment =
  | { ready: true; bucket: string; prefix: string; endpoint?: string; tokenProvider: TokenProvider }
  | { ready: false; reason: string };

export function liveEnvironment(env: Record<string, string | undefined>): LiveEnvironment {
  const bucket = env[BUCKET_ENV_VARIABLE];
  if (bucket === undefined || bucket.length === 0)
    return { ready: false, reason: `${BUCKET_ENV_VARIABLE} is not set (the bucket to test against)` };
  try {
    validateBucketName(bucket);
    const tokenProvider = tokenProviderFromEnvironment(env, realClock);
    const endpoint = env.BLOBSIM_GCS_ENDPOINT;
    return {
      ready: true,
      bucket,
      prefix: normalizePrefix(env.BLOBSIM_GCS_PREFIX ?? "blobsim-live"),
      tokenProvider,
      ...(endpoint ? { endpoint } : {}),
    };
  } catch (error) {
    return { ready: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
