/**
 * A `fetch` served by the simulation kernel: no sockets, no real time. It speaks the part of the
 * GCS JSON API that GcsBlobStore uses and answers it from the simulated bucket (sim/blob-store.ts,
 * reached through the process's in-process client, which keeps the store's latency, apply
 * points, faults, history and boundary hooks), encoded by json-api-answers.ts like the loopback
 * fake's answers. Every wait is a timer of the calling process, so a kill drops it and a replay
 * repeats it.
 *
 * Transport faults (transport-faults.ts), drawn once per request from the seed:
 * - refused: the connection is refused (ECONNREFUSED); the request never left.
 * - reset before the body: the connection resets while the request is sent (ECONNRESET); the
 *   server never read it, but the client cannot know that.
 * - answer lost: the request applies, then the connection resets with no answer.
 * - stalled body: the request applies, headers arrive, the body never ends (only the client's
 *   deadline ends it).
 * - truncated body: the request applies, the body breaks off half way (UND_ERR_SOCKET).
 * - 5xx applied / not applied: a 503 after the request applied, or instead of it.
 * - 429 with Retry-After, before anything applies.
 * - token expiry: bearer tokens stop being valid at a drawn lifetime; the answer is 401.
 * The store's own faults come through too: its 503 is a 503, its timeout a stall, its lost
 * answer a reset.
 */
import type { BlobStore } from "../../../engine/blobstore/blob-store.ts";
import {
  InvalidRequestError,
  NotFoundError,
  PreconditionFailedError,
  RateLimitedError,
} from "../../../engine/blobstore/errors.ts";
import { storeOutcomeOf } from "../../../sim/blob-store.ts";
import type { SimProcess } from "../../../sim/process.ts";
import type { Rng } from "../../../sim/rng.ts";
import {
  errorAnswer,
  jsonAnswer,
  mediaAnswer,
  noSuchObject,
  objectResource,
  parseRoute,
  statusAnswer,
  type JsonApiRoute,
  type WireAnswer,
} from "../json-api-answers.ts";
import type { SimTokens } from "./sim-tokens.ts";
import { drawTransportFault, type TransportFault, type TransportFaultRates } from "./transport-faults.ts";

export interface SimFetchOptions {
  bucket: string;
  direct: BlobStore;
  process: SimProcess;
  rng: Rng;
  faults: TransportFaultRates;
  tokens: SimTokens;
}

/** The error undici's fetch rejects with: a TypeError whose cause carries the socket's code. */
function networkError(message: string, code: string): TypeError {
  return new TypeError(message, { cause: Object.assign(new Error(message), { code }) });
}

type Delivered = { kind: "answer"; answer: WireAnswer } | { kind: "reset" } | { kind: "stall" };

export function simFetch(options: SimFetchOptions): typeof fetch {
  const { process } = options;
  const fetchImpl = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input));
    const method = init.method ?? "GET";
    const signal = init.signal ?? undefined;
    const headers = new Headers(init.headers);
    const body = init.body instanceof Uint8Array ? init.body : new Uint8Array(0);
    const route = parseRoute(method, url);
    const mutation = route?.op === "insert" || route?.op === "delete";
    const fault = drawTransportFault(options.rng, options.faults, mutation);

    const aborted = new Promise<never>((_, reject) => {
      if (signal?.aborted) reject(signal.reason);
      signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
    aborted.catch(() => undefined);
    const within = <T>(work: Promise<T>): Promise<T> => Promise.race([work, aborted]);
    const after = (ms: number, kind: string): Promise<void> =>
      new Promise((resolve) => process.setTimer(ms, kind, resolve));
    const connectMs = Math.max(1, Math.round(options.rng.between(1, 8)));

    if (fault === "refused") {
      await within(after(connectMs, "http.refused"));
      throw networkError("connect ECONNREFUSED", "ECONNREFUSED");
    }
    if (fault === "resetBeforeBody") {
      await within(after(connectMs, "http.reset"));
      throw networkError("socket hang up", "ECONNRESET");
    }
    const delivered = await within(serve(options, route, url, headers, body, fault, connectMs, after));
    if (delivered.kind === "reset") throw networkError("other side closed", "ECONNRESET");
    if (delivered.kind === "stall") return within(new Promise<never>(() => undefined));
    const { answer } = delivered;
    const whole = answer.body;
    const broken =
      fault === "truncatedBody"
        ? (): Promise<ArrayBuffer> =>
            Promise.reject(networkError("terminated: other side closed", "UND_ERR_SOCKET"))
        : fault === "stalledBody"
          ? (): Promise<ArrayBuffer> => within(new Promise<never>(() => undefined))
          : undefined;
    const response = {
      status: answer.status,
      ok: answer.status >= 200 && answer.status < 300,
      headers: new Headers(answer.headers),
      arrayBuffer: broken ?? (() => Promise.resolve(copyOut(whole))),
    };
    return response as unknown as Response;
  };
  return fetchImpl as typeof fetch;
}

function copyOut(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}

async function serve(
  options: SimFetchOptions,
  route: JsonApiRoute | undefined,
  url: URL,
  headers: Headers,
  body: Uint8Array,
  fault: TransportFault,
  connectMs: number,
  after: (ms: number, kind: string) => Promise<void>,
): Promise<Delivered> {
  const early = async (answer: WireAnswer): Promise<Delivered> => {
    await after(connectMs, "http.answer");
    return { kind: "answer", answer };
  };
  if (!route) return early(statusAnswer(404));
  const token = /^Bearer (.+)$/.exec(headers.get("authorization") ?? "")?.[1];
  if (token === undefined || !options.tokens.valid(token, options.process.clock.nowMs()))
    return early(errorAnswer(401, "Invalid Credentials", "authError"));
  if (route.bucket !== options.bucket)
    return early(errorAnswer(404, "The specified bucket does not exist.", "notFound"));
  if (fault === "rateLimited") return early(statusAnswer(429));
  if (fault === "serverErrorNotApplied") return early(statusAnswer(503));

  let answer: WireAnswer;
  try {
    answer = await call(options, route, url, headers, body);
  } catch (error) {
    const outcome = storeOutcomeOf(error);
    if (outcome === "timeout") return { kind: "stall" };
    if (outcome === "ambiguous") return { kind: "reset" };
    answer = errorToAnswer(options.bucket, route, error);
  }
  if (fault === "answerLost") return { kind: "reset" };
  if (fault === "serverErrorApplied") return { kind: "answer", answer: statusAnswer(503) };
  return { kind: "answer", answer };
}

/** The store's typed errors as GCS would have answered them. */
function errorToAnswer(bucket: string, route: JsonApiRoute, error: unknown): WireAnswer {
  if (error instanceof PreconditionFailedError) return statusAnswer(412);
  if (error instanceof RateLimitedError) return statusAnswer(429);
  if (error instanceof NotFoundError)
    // GCS answers 412, not 404, to ifGenerationMatch on a missing object.
    return route.op === "insert" ? statusAnswer(412) : noSuchObject(bucket, route.name ?? "", false);
  if (error instanceof InvalidRequestError) {
    if (route.op === "get" && /range/.test(error.message)) return statusAnswer(416);
    return errorAnswer(400, error.message, "invalid");
  }
  // The store's 503 (TransientError, or AmbiguousWriteError for one after an applied write).
  return statusAnswer(503);
}

async function call(
  options: SimFetchOptions,
  route: JsonApiRoute,
  url: URL,
  headers: Headers,
  body: Uint8Array,
): Promise<WireAnswer> {
  const { direct, bucket } = options;
  const query = url.searchParams;
  switch (route.op) {
    case "insert": {
      const name = query.get("name");
      if (!name) return errorAnswer(400, "Required", "required");
      const match = query.get("ifGenerationMatch");
      const precondition =
        match === null ? {} : match === "0" ? { ifNoneMatch: true as const } : { ifMatch: match };
      const version = await direct.put(name, body, precondition);
      return jsonAnswer(200, objectResource(bucket, { name, generation: version, size: body.byteLength }));
    }
    case "get": {
      const name = route.name!;
      const range = parseRange(headers.get("range"));
      const object = await direct.get(name, range ? { range } : {});
      if (!object) return noSuchObject(bucket, name, true);
      return mediaAnswer(
        object.version,
        object.bytes,
        range ? { start: range.start, size: object.size } : undefined,
      );
    }
    case "metadata": {
      const name = route.name!;
      const head = await direct.head(name);
      if (!head) return noSuchObject(bucket, name, false);
      return jsonAnswer(200, objectResource(bucket, { name, generation: head.version, size: head.size }));
    }
    case "list": {
      const maxResults = Number(query.get("maxResults") ?? "1000");
      const pageToken = query.get("pageToken") ?? undefined;
      const page = await direct.list(query.get("prefix") ?? "", {
        pageSize: maxResults,
        ...(pageToken !== undefined ? { pageToken } : {}),
      });
      const document: Record<string, unknown> = { kind: "storage#objects" };
      if (page.entries.length > 0)
        document.items = page.entries.map((entry) =>
          objectResource(bucket, { name: entry.key, generation: entry.version, size: entry.size }),
        );
      if (page.nextPageToken !== undefined) document.nextPageToken = page.nextPageToken;
      return jsonAnswer(200, document);
    }
    case "delete": {
      const match = query.get("ifGenerationMatch");
      await direct.delete(route.name!, match === null ? {} : { ifMatch: match });
      return { status: 204, headers: {}, body: new Uint8Array(0) };
    }
  }
}

/** `bytes=a-b` (inclusive) as a half-open range; anything else is ignored, as RFC 9110 allows. */
function parseRange(header: string | null): { start: number; end?: number } | undefined {
  const match = header === null ? null : /^bytes=(\d+)-(\d*)$/.exec(header);
  if (!match) return undefined;
  const start = Number(match[1]);
  return match[2] === "" ? { start } : { start, end: Number(match[2]) + 1 };
}
