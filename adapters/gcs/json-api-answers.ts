/**
 * The GCS JSON API's answers as bytes: error documents `{"error": {"code", "message", "errors":
 * [{"domain", "reason", "message"}]}}`, object resources, media downloads. Written once and used
 * by both servers of the API this project has: the loopback fake (testing/fake-gcs-server.ts,
 * real sockets) and the kernel-served fetch of the adapter-in-the-loop mode (fixtures/adapter-loop/), so the
 * two cannot answer the adapter differently.
 */

export interface WireAnswer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

export const REASON_BY_STATUS: Record<number, { reason: string; message: string }> = {
  400: { reason: "invalid", message: "Invalid argument." },
  401: { reason: "authError", message: "Invalid Credentials" },
  403: { reason: "forbidden", message: "Forbidden" },
  404: { reason: "notFound", message: "Not Found" },
  412: {
    reason: "conditionNotMet",
    message: "At least one of the pre-conditions you specified did not hold.",
  },
  416: { reason: "requestedRangeNotSatisfiable", message: "Requested range not satisfiable" },
  429: {
    reason: "rateLimitExceeded",
    message:
      "The object exceeded the rate limit for object mutation operations (create, update, and delete).",
  },
  500: { reason: "backendError", message: "Internal Error" },
  502: { reason: "badGateway", message: "Bad Gateway" },
  503: { reason: "backendError", message: "Backend Error" },
};

/** What a 429 tells the client to wait, in seconds (GCS sends none; proxies and emulators do). */
export const RETRY_AFTER_S = 1;

export function errorAnswer(status: number, message: string, reason: string): WireAnswer {
  const answer = jsonAnswer(status, {
    error: { code: status, message, errors: [{ domain: "global", reason, message }] },
  });
  if (status === 429) answer.headers["retry-after"] = String(RETRY_AFTER_S);
  return answer;
}

/** The error document GCS sends for `status`, in its usual words. */
export function statusAnswer(status: number): WireAnswer {
  const known = REASON_BY_STATUS[status] ?? { reason: "unknown", message: `Status ${status}` };
  return errorAnswer(status, known.message, known.reason);
}

export function jsonAnswer(status: number, document: unknown): WireAnswer {
  return {
    status,
    headers: { "content-type": "application/json; charset=UTF-8" },
    body: new TextEncoder().encode(JSON.stringify(document)),
  };
}

export function textAnswer(
  status: number,
  text: string,
  contentType = "text/plain; charset=utf-8",
): WireAnswer {
  return { status, headers: { "content-type": contentType }, body: new TextEncoder().encode(text) };
}

/** An object resource (insert's answer, metadata, a list item). */
export function objectResource(
  bucket: string,
  object: { name: string; generation: string; size: number },
): Record<string, string> {
  return {
    kind: "storage#object",
    id: `${bucket}/${object.name}/${object.generation}`,
    name: object.name,
    bucket,
    generation: object.generation,
    metageneration: "1",
    contentType: "application/octet-stream",
    size: String(object.size),
  };
}

/** A media download: the whole object (200) or a slice of it (206 with Content-Range). */
export function mediaAnswer(
  generation: string,
  body: Uint8Array,
  slice?: { start: number; size: number },
): WireAnswer {
  const size = slice?.size ?? body.byteLength;
  const headers: Record<string, string> = {
    "content-type": "application/octet-stream",
    "x-goog-generation": generation,
    "x-goog-metageneration": "1",
    "x-goog-stored-content-length": String(size),
  };
  if (!slice) return { status: 200, headers, body };
  headers["content-range"] = `bytes ${slice.start}-${slice.start + body.byteLength - 1}/${size}`;
  return { status: 206, headers, body };
}

export function noSuchObject(bucket: string, name: string, media: boolean): WireAnswer {
  const message = `No such object: ${bucket}/${name}`;
  return media ? textAnswer(404, message) : errorAnswer(404, message, "notFound");
}

/** Which call a request is, by method and path: the subset of the JSON API the adapter uses. */
export interface JsonApiRoute {
  op: "insert" | "get" | "metadata" | "list" | "delete";
  bucket: string;
  name?: string;
}

export function parseRoute(method: string, url: URL): JsonApiRoute | undefined {
  const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
  if (upload && method === "POST") return { op: "insert", bucket: decodeURIComponent(upload[1]!) };
  const collection = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
  if (collection && method === "GET") return { op: "list", bucket: decodeURIComponent(collection[1]!) };
  const object = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
  if (!object) return undefined;
  const bucket = decodeURIComponent(object[1]!);
  const name = decodeURIComponent(object[2]!);
  if (method === "DELETE") return { op: "delete", bucket, name };
  if (method === "GET")
    return { op: url.searchParams.get("alt") === "media" ? "get" : "metadata", bucket, name };
  return undefined;
}
