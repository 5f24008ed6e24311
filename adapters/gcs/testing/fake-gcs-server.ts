/**
 * A loopback HTTP server (node:http on 127.0.0.1, an ephemeral port) speaking the subset of the
 * GCS JSON API that GcsBlobStore uses, so the adapter's real HTTP path runs offline and
 * deterministically in CI. Each bucket is the simulated store's own object table
 * (bucket-model/object-table.ts: generations, preconditions, 404/412) and, when asked, its own
 * per-object rate limiter and figures (bucket-model/rate-limit.ts): one model of GCS served
 * in-process by sim/blob-store.ts and over HTTP here, so the two cannot drift.
 *
 * Answers are shaped like GCS's: JSON error documents `{"error": {"code", "message", "errors":
 * [{"domain", "reason", "message"}]}}` for JSON calls, plain text for media downloads, 204 for a
 * delete, 206 + Content-Range for a ranged read, x-goog-generation on media.
 *
 * Fault model: a queue of rules, each matching an operation (and optionally an object name) for
 * a number of requests, injects one of:
 * - `status`: an error status (429, 503, …) answered BEFORE anything applies; its body can be
 *   the JSON document, an HTML page (a proxy's) or empty.
 * - `reset`: the connection is destroyed before anything applies.
 * - `drop-after-apply`: the mutation APPLIES, then the connection is destroyed with no answer
 *   (the ambiguous write).
 * - `slow-body`: the answer's headers and half its body are sent, then the rest after `stallMs`
 *   (never, if absent: only the client's deadline ends it). A mutation has applied by then.
 * - `reset-mid-body`: headers and half the body, then the connection is destroyed.
 * - `malformed-success`: the operation applies and a 200 comes back with an HTML body.
 * Credentials: requests must carry `Authorization: Bearer <one of validTokens>`, else 401.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { GcsOp } from "../gcs-errors.ts";
import {
  errorAnswer,
  jsonAnswer,
  type JsonApiRoute,
  objectResource,
  parseRoute,
  REASON_BY_STATUS,
  statusAnswer,
  textAnswer,
  type WireAnswer,
} from "../json-api-answers.ts";
import { performance } from "node:perf_hooks";
import {
  type BlobStoreError,
  NotFoundError,
  PreconditionFailedError,
  RateLimitedError,
} from "../../../engine/blobstore/errors.ts";
import type { PutOptions } from "../../../engine/blobstore/blob-store.ts";
import { ObjectTable, type StoredObject } from "../../../bucket-model/object-table.ts";
import { GCS_OBJECT_MUTATION_LIMIT, MutationRateLimiter } from "../../../bucket-model/rate-limit.ts";

export type GcsFault =
  | { kind: "status"; status: number; body?: "json" | "html" | "empty" }
  | { kind: "reset" }
  | { kind: "drop-after-apply" }
  | { kind: "slow-body"; stallMs?: number }
  | { kind: "reset-mid-body" }
  | { kind: "malformed-success" };

export interface FaultRule {
  /** Which calls it hits; all if absent. */
  op?: GcsOp;
  /** Only requests for this object name (prefix included). */
  name?: string;
  /** How many matching requests it hits (default 1). */
  times?: number;
  /** Hit only every n-th matching request (a background fault rate); default every one. */
  every?: number;
  fault: GcsFault;
}

export interface FakeGcsServerOptions {
  /** Buckets that exist (default ["blobsim-test"]); any other name answers "does not exist". */
  buckets?: string[];
  /** Bearer tokens accepted (default ["loopback-token"]). */
  validTokens?: string[];
  /** A hostile server: echo the Authorization header into 401 messages (redaction tests). */
  echoCredentialsInErrors?: boolean;
  /**
   * The per-object mutation rate limit (the model's limiter and figures, 12 burst, 1.1/s): on
   * for the conformance run and `probe --store sim`; off by default so example tests that write
   * one object quickly test what they name.
   */
  rateLimit?: boolean;
  /** Milliseconds for generations and the rate limit; real time (performance.now) by default. */
  nowMs?: () => number;
}

/** Generations are microseconds since the epoch, as on GCS; this epoch makes them look real. */
const LOOPBACK_EPOCH_MS = 1_700_000_000_000;

/** One bucket of the fake: the model's object table and (optionally) its rate limiter. */
export class LoopbackBucket {
  readonly table = new ObjectTable("gcs", LOOPBACK_EPOCH_MS);
  private readonly limiter: MutationRateLimiter | undefined;

  constructor(
    readonly name: string,
    rateLimit: boolean,
    private readonly nowMs: () => number,
  ) {
    this.limiter = rateLimit
      ? new MutationRateLimiter(
          GCS_OBJECT_MUTATION_LIMIT.mutationsPerObjectPerS,
          GCS_OBJECT_MUTATION_LIMIT.mutationBurstPerObject,
        )
      : undefined;
  }

  get size(): number {
    return this.table.snapshot().size;
  }

  get(name: string): StoredObject | undefined {
    return this.table.current(name);
  }

  /** A write through the model's rules: precondition, then admission; an applied one spends. */
  insert(name: string, bytes: Uint8Array, options: PutOptions = {}) {
    const nowMs = this.nowMs();
    const result = this.table.put(name, bytes.slice(), options, nowMs, () => this.admit(name, nowMs));
    if (result.ok) this.limiter?.spend(name, nowMs);
    return result;
  }

  delete(name: string, ifMatch: string | undefined) {
    const nowMs = this.nowMs();
    const result = this.table.delete(name, ifMatch, () => this.admit(name, nowMs));
    if (result.ok) this.limiter?.spend(name, nowMs);
    return result;
  }

  private admit(name: string, nowMs: number): RateLimitedError | undefined {
    if (!this.limiter || this.limiter.allows(name, nowMs)) return undefined;
    return new RateLimitedError(`too many mutations of ${name} (429); nothing changed`, name);
  }
}

export interface RequestRecord {
  op: GcsOp | "unknown";
  method: string;
  name?: string;
  fault?: GcsFault["kind"];
  /** The status sent, or "none" when the connection was cut. */
  status: number | "none";
}

type Route = JsonApiRoute;
type Answer = WireAnswer;

export class FakeGcsServer {
  readonly requests: RequestRecord[] = [];
  private readonly buckets = new Map<string, LoopbackBucket>();
  private readonly validTokens: Set<string>;
  private readonly rules: Array<FaultRule & { left: number; seen: number }> = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly stallListeners: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly options: FakeGcsServerOptions,
  ) {
    const nowMs = options.nowMs ?? (() => performance.now());
    for (const name of options.buckets ?? ["blobsim-test"])
      this.buckets.set(name, new LoopbackBucket(name, options.rateLimit ?? false, nowMs));
    this.validTokens = new Set(options.validTokens ?? ["loopback-token"]);
  }

  static async start(options: FakeGcsServerOptions = {}): Promise<FakeGcsServer> {
    let fake: FakeGcsServer | undefined;
    const server = createServer((request, response) => {
      void fake!.handle(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeGcsServer(server, `http://127.0.0.1:${port}`, options);
    return fake;
  }

  bucket(name: string): LoopbackBucket {
    const bucket = this.buckets.get(name);
    if (!bucket) throw new Error(`fake GCS has no bucket ${name}`);
    return bucket;
  }

  inject(rule: FaultRule): void {
    if (rule.every !== undefined && !(Number.isInteger(rule.every) && rule.every >= 1))
      throw new RangeError(`fault rule "every" must be a positive integer, got ${rule.every}`);
    this.rules.push({ ...rule, left: rule.times ?? 1, seen: 0 });
  }

  /** Rules that have not fired yet (a test can assert its faults were all used). */
  pendingFaults(): number {
    return this.rules.reduce((sum, rule) => sum + rule.left, 0);
  }

  /** Called each time an answer stalls for good (a `slow-body` fault without `stallMs`). */
  onStall(listener: () => void): void {
    this.stallListeners.push(listener);
  }

  count(op: GcsOp): number {
    return this.requests.filter((record) => record.op === op).length;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // --- request handling ------------------------------------------------------------------

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const url = new URL(request.url ?? "/", this.baseUrl);
    const route = parseRoute(request.method ?? "GET", url);
    const record: RequestRecord = {
      op: route?.op ?? "unknown",
      method: request.method ?? "",
      status: "none",
    };
    if (route?.name !== undefined) record.name = route.name;
    this.requests.push(record);
    if (!route) return this.send(response, record, textAnswer(404, "Not Found", "text/html"));

    const credentials = request.headers.authorization ?? "";
    const token = /^Bearer (.+)$/.exec(credentials)?.[1];
    if (token === undefined)
      return this.send(response, record, errorAnswer(401, "Login Required", "required"));
    if (!this.validTokens.has(token)) {
      const echoed = this.options.echoCredentialsInErrors ? ` (token ${token} is not valid)` : "";
      return this.send(response, record, errorAnswer(401, `Invalid Credentials${echoed}`, "authError"));
    }
    const bucket = this.buckets.get(route.bucket);
    if (!bucket) {
      const message = "The specified bucket does not exist.";
      const answer = route.op === "get" ? textAnswer(404, message) : errorAnswer(404, message, "notFound");
      return this.send(response, record, answer);
    }

    const fault = this.takeFault(route);
    if (fault) record.fault = fault.kind;
    if (fault?.kind === "status") return this.send(response, record, faultAnswer(fault));
    if (fault?.kind === "reset") return this.cut(response);

    const answer = this.apply(bucket, route, url.searchParams, request.headers.range, body);
    switch (fault?.kind) {
      case "drop-after-apply":
        return this.cut(response);
      case "slow-body":
        return this.sendSlowly(response, record, answer, fault.stallMs);
      case "reset-mid-body":
        return this.sendHalfThenCut(response, record, answer);
      case "malformed-success":
        return this.send(
          response,
          record,
          textAnswer(200, "<html><body>Service Temporarily Unavailable</body></html>", "text/html"),
        );
      default:
        return this.send(response, record, answer);
    }
  }

  private takeFault(route: Route): GcsFault | undefined {
    for (const rule of this.rules) {
      if (rule.left <= 0) continue;
      if (rule.op !== undefined && rule.op !== route.op) continue;
      if (rule.name !== undefined && rule.name !== route.name) continue;
      rule.seen += 1;
      if (rule.every !== undefined && rule.seen % rule.every !== 0) continue;
      rule.left -= 1;
      return rule.fault;
    }
    return undefined;
  }

  private apply(
    bucket: LoopbackBucket,
    route: Route,
    query: URLSearchParams,
    range: string | undefined,
    body: Uint8Array,
  ): Answer {
    switch (route.op) {
      case "insert":
        return insert(bucket, query, body);
      case "get":
        return download(bucket, route.name!, range);
      case "metadata": {
        const object = bucket.get(route.name!);
        if (!object) return errorAnswer(404, `No such object: ${bucket.name}/${route.name}`, "notFound");
        return jsonAnswer(200, resource(bucket, route.name!, object));
      }
      case "list":
        return list(bucket, query);
      case "delete":
        return remove(bucket, route.name!, query);
    }
  }

  private send(response: ServerResponse, record: RequestRecord, answer: Answer): void {
    record.status = answer.status;
    response.writeHead(answer.status, {
      ...answer.headers,
      "content-length": String(answer.body.byteLength),
    });
    response.end(answer.body);
  }

  private cut(response: ServerResponse): void {
    response.socket?.destroy();
  }

  private sendSlowly(
    response: ServerResponse,
    record: RequestRecord,
    answer: Answer,
    stallMs?: number,
  ): void {
    record.status = answer.status;
    const half = Math.floor(answer.body.byteLength / 2);
    response.writeHead(answer.status, {
      ...answer.headers,
      "content-length": String(answer.body.byteLength),
    });
    if (stallMs === undefined) {
      // Only the client's deadline (or close) ends it; tell whoever drives that deadline.
      response.write(answer.body.subarray(0, half), () => {
        for (const listener of this.stallListeners) listener();
      });
      return;
    }
    response.write(answer.body.subarray(0, half));
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      response.end(answer.body.subarray(half));
    }, stallMs);
    this.timers.add(timer);
  }

  private sendHalfThenCut(response: ServerResponse, record: RequestRecord, answer: Answer): void {
    record.status = answer.status;
    response.writeHead(answer.status, {
      ...answer.headers,
      "content-length": String(answer.body.byteLength),
    });
    response.write(answer.body.subarray(0, Math.floor(answer.body.byteLength / 2)), () =>
      response.socket?.destroy(),
    );
  }
}

// --- the API subset ----------------------------------------------------------------------

/**
 * The JSON API's generation preconditions as the model's put options: ifGenerationMatch=0 is
 * "only if absent", any other value a CAS on that generation. GcsBlobStore sends nothing else;
 * ifGenerationNotMatch has no place in the model and is refused rather than half-served.
 */
function preconditions(query: URLSearchParams): PutOptions | string {
  if (query.has("ifGenerationNotMatch")) return "ifGenerationNotMatch is not served by the loopback fake";
  const value = query.get("ifGenerationMatch");
  if (value === null) return {};
  if (!/^\d+$/.test(value)) return `Invalid value for ifGenerationMatch: ${value}`;
  return Number(value) === 0 ? { ifNoneMatch: true } : { ifMatch: String(Number(value)) };
}

/** The model's typed refusal as the JSON API answers it. */
function refusal(bucket: LoopbackBucket, name: string, error: BlobStoreError): Answer {
  if (error instanceof RateLimitedError) return statusAnswer(429);
  if (error instanceof PreconditionFailedError)
    return errorAnswer(412, REASON_BY_STATUS[412]!.message, "conditionNotMet");
  if (error instanceof NotFoundError)
    return errorAnswer(404, `No such object: ${bucket.name}/${name}`, "notFound");
  return errorAnswer(400, error.message, "invalid");
}

function insert(bucket: LoopbackBucket, query: URLSearchParams, body: Uint8Array): Answer {
  if (query.get("uploadType") !== "media")
    return errorAnswer(400, "Upload type must be media here.", "invalid");
  const name = query.get("name");
  if (!name) return errorAnswer(400, "Required", "required");
  const conditions = preconditions(query);
  if (typeof conditions === "string") return errorAnswer(400, conditions, "invalid");
  const outcome = bucket.insert(name, body, conditions);
  if (!outcome.ok) return refusal(bucket, name, outcome.error);
  return jsonAnswer(200, resource(bucket, name, outcome.value));
}

function download(bucket: LoopbackBucket, name: string, range: string | undefined): Answer {
  const object = bucket.get(name);
  if (!object) return textAnswer(404, `No such object: ${bucket.name}/${name}`);
  const headers: Record<string, string> = {
    "content-type": "application/octet-stream",
    "x-goog-generation": String(object.generation),
    "x-goog-metageneration": "1",
    "x-goog-stored-content-length": String(object.bytes.byteLength),
  };
  if (range === undefined) return { status: 200, headers, body: object.bytes };
  const match = /^bytes=(\d+)-(\d*)$/.exec(range);
  if (!match) return { status: 200, headers, body: object.bytes }; // unparseable ranges are ignored (RFC 9110)
  const size = object.bytes.byteLength;
  const start = Number(match[1]);
  const last = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || last < start) return textAnswer(416, REASON_BY_STATUS[416]!.message);
  headers["content-range"] = `bytes ${start}-${last}/${size}`;
  return { status: 206, headers, body: object.bytes.subarray(start, last + 1) };
}

/** The table's page token ("after:NAME") travels base64url-encoded, opaque as GCS's. */
const PAGE_TOKEN_PREFIX = "after:";

function list(bucket: LoopbackBucket, query: URLSearchParams): Answer {
  const maxText = query.get("maxResults") ?? "1000";
  if (!/^\d+$/.test(maxText) || Number(maxText) < 1)
    return errorAnswer(400, `Invalid maxResults: ${maxText}`, "invalid");
  const wireToken = query.get("pageToken") ?? undefined;
  const pageToken =
    wireToken === undefined ? undefined : Buffer.from(wireToken, "base64url").toString("utf8");
  if (pageToken !== undefined && !pageToken.startsWith(PAGE_TOKEN_PREFIX))
    return errorAnswer(400, "Invalid page token.", "invalid");
  const page = bucket.table.list(query.get("prefix") ?? "", Math.min(1000, Number(maxText)), pageToken);
  const document: Record<string, unknown> = { kind: "storage#objects" };
  if (page.entries.length > 0)
    document.items = page.entries.map((entry) =>
      objectResource(bucket.name, { name: entry.key, generation: entry.version, size: entry.size }),
    );
  if (page.nextPageToken !== undefined)
    document.nextPageToken = Buffer.from(page.nextPageToken, "utf8").toString("base64url");
  return jsonAnswer(200, document);
}

function remove(bucket: LoopbackBucket, name: string, query: URLSearchParams): Answer {
  const conditions = preconditions(query);
  if (typeof conditions === "string") return errorAnswer(400, conditions, "invalid");
  // A delete "only if absent" can never hold on an object that is there.
  const ifMatch = conditions.ifNoneMatch ? "0" : conditions.ifMatch;
  const outcome = bucket.delete(name, ifMatch);
  if (outcome.ok) return { status: 204, headers: {}, body: new Uint8Array(0) };
  return refusal(bucket, name, outcome.error);
}

function resource(bucket: LoopbackBucket, name: string, object: StoredObject): Record<string, string> {
  return objectResource(bucket.name, { name, generation: object.version, size: object.size });
}

function faultAnswer(fault: Extract<GcsFault, { kind: "status" }>): Answer {
  if (fault.body !== "html" && fault.body !== "empty") return statusAnswer(fault.status);
  const known = REASON_BY_STATUS[fault.status] ?? { reason: "unknown", message: `Status ${fault.status}` };
  if (fault.body === "html")
    return textAnswer(
      fault.status,
      `<html><head><title>${fault.status}</title></head><body>${known.message}</body></html>`,
      "text/html",
    );
  return { status: fault.status, headers: {}, body: new Uint8Array(0) };
}

async function readBody(request: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}
