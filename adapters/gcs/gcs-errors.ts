/**
 * From a GCS JSON API answer (or the lack of one) to the BlobStore's typed errors.
 *
 * The engine decides from the error's type alone, so the mapping is the whole contract:
 * - 412 → PreconditionFailedError (nothing written).
 * - 404 on an object → NotFoundError (get/head turn it into null before reaching here);
 *   404 on the bucket ("The specified bucket does not exist.", or any 404 to a list)
 *   → AccessError naming the bucket: a typo in the bucket must not look like an empty store.
 * - 401 / 403 → AccessError. 429 → RateLimitedError (GCS writes nothing on a 429).
 * - 5xx, 408, timeouts and network failures: a read gets TransientError (retryable). A mutation
 *   gets AmbiguousWriteError unless the request provably never left (connection refused, DNS):
 *   GCS may have applied a write whose answer was a 5xx, a reset or nothing at all, so the
 *   caller must read to find out. Only 412, 429, 401/403 and 400 mean "not applied" for sure.
 * - A body that is not the JSON error document (an HTML page from a proxy, a truncated body)
 *   still gets the type its status implies, with a message saying what came back.
 *
 * Every message passes through `redact`: a bearer token must never reach an error, a log line,
 * a trace or a report, even if a server echoes it back.
 */
import {
  AccessError,
  AmbiguousWriteError,
  type BlobStoreError,
  InvalidRequestError,
  NotFoundError,
  PreconditionFailedError,
  RateLimitedError,
  TransientError,
} from "../../engine/blobstore/errors.ts";

/** The JSON API calls this adapter makes. `insert` and `delete` are the mutations. */
export type GcsOp = "insert" | "get" | "metadata" | "list" | "delete";

export function isMutation(op: GcsOp): boolean {
  return op === "insert" || op === "delete";
}

/** What the caller was doing, for the message: never holds a credential. */
export interface GcsCallContext {
  op: GcsOp;
  /** The caller's key (or list prefix), as the BlobStore saw it. */
  key: string;
  bucket: string;
  /** The full object name in the bucket (prefix + key), or the list prefix. */
  objectName: string;
  /** Strips credentials from any text that goes into a message. */
  redact: (text: string) => string;
}

export interface GcsErrorDocument {
  json: true;
  message: string;
  reasons: string[];
}

export interface NonJsonBody {
  json: false;
  contentType: string;
  /** The first bytes of the body, redacted, on one line. */
  snippet: string;
}

/** Parses `{"error": {"code", "message", "errors": [{"reason", ...}]}}`, or says it was not that. */
export function parseErrorBody(bodyText: string, contentType: string | null): GcsErrorDocument | NonJsonBody {
  try {
    const parsed: unknown = JSON.parse(bodyText);
    const error = (parsed as { error?: unknown } | null)?.error;
    if (error && typeof error === "object") {
      const record = error as { message?: unknown; errors?: unknown };
      const reasons = Array.isArray(record.errors)
        ? record.errors
            .map((entry) => (entry as { reason?: unknown } | null)?.reason)
            .filter((reason): reason is string => typeof reason === "string")
        : [];
      return { json: true, message: typeof record.message === "string" ? record.message : "", reasons };
    }
  } catch {
    // Not JSON: described below.
  }
  return {
    json: false,
    contentType: contentType ?? "no content-type",
    snippet: bodyText.replace(/\s+/g, " ").trim().slice(0, 160),
  };
}

/** Bucket-level 404: GCS says so in words, for JSON and for media (plain-text) answers alike. */
function isMissingBucket(op: GcsOp, body: GcsErrorDocument | NonJsonBody): boolean {
  if (op === "list") return true;
  const text = body.json ? body.message : body.snippet;
  return /bucket does not exist/i.test(text);
}

/** A 404 whose body is neither GCS's JSON nor its plain-text "No such object": not GCS at all. */
function isForeign404(body: GcsErrorDocument | NonJsonBody): boolean {
  return !body.json && !/no such object/i.test(body.snippet);
}

function describeBody(body: GcsErrorDocument | NonJsonBody): string {
  if (body.json) {
    const reasons = body.reasons.length > 0 ? ` [${body.reasons.join(", ")}]` : "";
    return `"${body.message}"${reasons}`;
  }
  const snippet = body.snippet.length > 0 ? `: "${body.snippet}"` : " (empty body)";
  return `a non-JSON body (${body.contentType})${snippet}`;
}

/** The typed error for an HTTP answer that was not a success. */
export function errorForStatus(
  context: GcsCallContext,
  status: number,
  bodyText: string,
  contentType: string | null,
): BlobStoreError {
  const body = parseErrorBody(context.redact(bodyText), contentType);
  const where = `gs://${context.bucket}/${context.objectName}`;
  const said = `GCS answered ${status} with ${describeBody(body)}`;
  const message = (text: string) => context.redact(`${context.op} ${where}: ${text}`);

  if (status === 412)
    return new PreconditionFailedError(message(`precondition failed; ${said}`), context.key);
  if (status === 429)
    return new RateLimitedError(message(`rate limited, nothing written; ${said}`), context.key);
  if (status === 401)
    return new AccessError(message(`credentials refused (wrong or expired token); ${said}`), context.key);
  if (status === 403)
    return new AccessError(message(`access denied: the credentials lack permission; ${said}`), context.key);
  if (status === 404) {
    if (isMissingBucket(context.op, body))
      return new AccessError(
        message(`bucket "${context.bucket}" does not exist or is not visible to these credentials; ${said}`),
        context.key,
      );
    if (isForeign404(body))
      return new AccessError(
        message(`the endpoint does not look like the GCS JSON API (check the base URL); ${said}`),
        context.key,
      );
    return new NotFoundError(message(`object not found; ${said}`), context.key);
  }
  if (status === 408 || status >= 500) {
    if (isMutation(context.op))
      return new AmbiguousWriteError(message(`the write may have been applied; ${said}`), context.key);
    return new TransientError(message(`server error, retryable; ${said}`), context.key);
  }
  if (status === 416) return new InvalidRequestError(message(`range not satisfiable; ${said}`), context.key);
  if (status >= 400) return new InvalidRequestError(message(`request rejected; ${said}`), context.key);
  // A 1xx/3xx that fetch did not follow: nothing we asked for.
  if (isMutation(context.op))
    return new AmbiguousWriteError(
      message(`unexpected answer; the write may have been applied; ${said}`),
      context.key,
    );
  return new TransientError(message(`unexpected answer; ${said}`), context.key);
}

/** A success status whose body was not what the API promises (not JSON, a field missing). */
export function errorForMalformedSuccess(
  context: GcsCallContext,
  status: number,
  problem: string,
): BlobStoreError {
  const text = context.redact(
    `${context.op} gs://${context.bucket}/${context.objectName}: GCS answered ${status} but ${problem}`,
  );
  // A 2xx to a mutation means it applied; without a readable generation the caller must read.
  if (isMutation(context.op)) return new AmbiguousWriteError(`${text}; the write was applied`, context.key);
  return new TransientError(text, context.key);
}

/** How a request failed when no HTTP answer (or only part of one) arrived. */
export type NetworkFailureKind = "not-sent" | "maybe-sent" | "timeout";

export function errorForNetworkFailure(
  context: GcsCallContext,
  kind: NetworkFailureKind,
  detail: string,
): BlobStoreError {
  const where = `gs://${context.bucket}/${context.objectName}`;
  const what =
    kind === "timeout"
      ? `no complete answer within the request deadline (${detail})`
      : kind === "not-sent"
        ? `the request never reached the server (${detail})`
        : `the connection failed after the request was sent (${detail})`;
  const text = context.redact(`${context.op} ${where}: ${what}`);
  if (isMutation(context.op) && kind !== "not-sent")
    return new AmbiguousWriteError(`${text}; the write may have been applied`, context.key);
  return new TransientError(text, context.key);
}

/** Removes every known secret, and anything shaped like a bearer or Google access token. */
export function makeRedactor(secrets: () => Iterable<string>): (text: string) => string {
  return (text) => {
    let result = text;
    for (const secret of secrets()) {
      if (secret.length > 0) result = result.split(secret).join("[redacted]");
    }
    return result
      .replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/gi, "Bearer [redacted]")
      .replace(/ya29\.[A-Za-z0-9._-]+/g, "[redacted]");
  };
}
