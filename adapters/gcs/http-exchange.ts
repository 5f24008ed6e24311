/**
 * One HTTP request and its whole answer (status, headers, body read to the end), under one
 * deadline that covers the body too: a server that sends headers and then stalls is a timeout,
 * not a hang. A failure without a complete answer is classified by whether the request can
 * have reached the server, which is what decides "not applied" versus "ambiguous" for a write.
 */
import type { Clock } from "../../engine/runtime.ts";
import type { NetworkFailureKind } from "./gcs-errors.ts";
import { describeCause } from "./token-provider.ts";

export interface HttpRequest {
  method: "GET" | "POST" | "DELETE";
  url: string;
  headers: Record<string, string>;
  body?: Uint8Array;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

/** No complete answer arrived. `detail` is an error code or a phrase, never a header value. */
export class NetworkFailure extends Error {
  override name = "NetworkFailure";
  constructor(
    readonly kind: NetworkFailureKind,
    readonly detail: string,
  ) {
    super(`${kind}: ${detail}`);
  }
}

/** Failures raised while connecting: the request bytes cannot have reached the server. */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/**
 * The reason the deadline timer is cancelled with once an answer is complete. A fixed object:
 * `abort()` with no reason builds a DOMException (a stack trace) on every request, which was the
 * largest single cost of the adapter path under a seed (bench: adapter_ops_per_s). Nobody reads it.
 */
const ANSWER_COMPLETE = Object.freeze({ name: "AnswerComplete" });

export async function exchange(
  fetchImpl: typeof fetch,
  request: HttpRequest,
  deadlineClock: Clock,
  requestTimeoutMs: number,
): Promise<HttpAnswer> {
  const deadline = new AbortController();
  const finished = new AbortController();
  void deadlineClock.sleepMs(requestTimeoutMs, finished.signal).then(
    () => deadline.abort(),
    () => undefined,
  );
  try {
    const response = await fetchImpl(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: deadline.signal,
      redirect: "manual",
    });
    const body = new Uint8Array(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, body };
  } catch (error) {
    if (deadline.signal.aborted) throw new NetworkFailure("timeout", `${requestTimeoutMs} ms`);
    const detail = describeCause(error);
    const notSent = detail.split("/").some((code) => NOT_SENT_CODES.has(code));
    throw new NetworkFailure(notSent ? "not-sent" : "maybe-sent", detail);
  } finally {
    finished.abort(ANSWER_COMPLETE);
  }
}
