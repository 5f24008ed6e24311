/**
 * BlobStore over the GCS JSON API, with plain fetch (no SDK). The only code that knows GCS.
 *
 * - put    → POST {base}/upload/storage/v1/b/{bucket}/o?uploadType=media&name=…
 *            ifNoneMatch → ifGenerationMatch=0 (create-if-absent); ifMatch → ifGenerationMatch=G
 * - get    → GET  {base}/storage/v1/b/{bucket}/o/{name}?alt=media, `Range: bytes=a-b` for a range;
 *            the version comes from the x-goog-generation header
 * - head   → GET  {base}/storage/v1/b/{bucket}/o/{name} (the object's metadata)
 * - list   → GET  {base}/storage/v1/b/{bucket}/o?prefix=…&maxResults=…&pageToken=…
 * - delete → DELETE {base}/storage/v1/b/{bucket}/o/{name}?ifGenerationMatch=G
 *
 * Version tokens are generations (decimal strings). Keys live under an optional prefix that the
 * caller never sees. get/head/list are retried (bounded, jittered, on the injected Clock and
 * Random); put and delete never are: see retry-policy.ts. Errors: see gcs-errors.ts.
 */
import type {
  BlobHead,
  BlobObject,
  BlobStore,
  ByteRange,
  DeleteOptions,
  GetOptions,
  ListEntry,
  ListOptions,
  ListPage,
  PutOptions,
  VersionToken,
} from "../../engine/blobstore/blob-store.ts";
import { InvalidRequestError, NotFoundError } from "../../engine/blobstore/errors.ts";
import type { Clock, Logger, Random } from "../../engine/runtime.ts";
import { silentLogger } from "../../engine/runtime.ts";
import {
  errorForMalformedSuccess,
  errorForNetworkFailure,
  errorForStatus,
  type GcsCallContext,
  type GcsOp,
  makeRedactor,
} from "./gcs-errors.ts";
import { normalizePrefix, validateBucketName } from "./gcs-location.ts";
import { exchange, type HttpAnswer, type HttpRequest, NetworkFailure } from "./http-exchange.ts";
import { resolveRetryPolicy, type RetryPolicy, withRetries } from "./retry-policy.ts";
import type { TokenProvider } from "./token-provider.ts";

export const GCS_BASE_URL_DEFAULT = "https://storage.googleapis.com";

export interface GcsBlobStoreOptions {
  bucket: string;
  /** Prepended to every key ("db1/" for gcs://bucket/db1); the caller never sees it. */
  prefix?: string;
  /** Scheme + host (+ port) of the JSON API; tests point it at a loopback server. */
  baseUrl?: string;
  tokenProvider: TokenProvider;
  /** Sleeps between retries. Production: realClock; tests: a recording clock. */
  clock: Clock;
  /** Retry jitter. Production: realRandom; tests: a seeded stream. */
  random: Random;
  /** Times each request's deadline; defaults to `clock`. */
  deadlineClock?: Clock;
  /** Deadline for one request, body included. */
  requestTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Receives one line per retry; never a credential. */
  logger?: Logger;
  fetch?: typeof fetch;
  /** Replaceable parts (gcs-errors.ts and no resend by default); forensic variants put adapter bugs back here. */
  seams?: Partial<GcsAdapterSeams>;
}

/**
 * The adapter's replaceable functions: how answers become typed errors, and what a mutation
 * does after an attempt that got no usable answer. The real adapter never resends a mutation
 * (the engine resolves the ambiguity by reading back; see retry-policy.ts).
 */
export interface GcsAdapterSeams {
  errorForStatus: typeof errorForStatus;
  errorForNetworkFailure: typeof errorForNetworkFailure;
  errorForMalformedSuccess: typeof errorForMalformedSuccess;
  /** A second request to send after `failure` (a mutation's), or undefined to give up. */
  resendMutation(request: HttpRequest, failure: Error): HttpRequest | undefined;
}

export const REAL_GCS_ADAPTER: Readonly<GcsAdapterSeams> = Object.freeze({
  errorForStatus,
  errorForNetworkFailure,
  errorForMalformedSuccess,
  resendMutation: () => undefined,
});

/** GCS limits object names to 1024 bytes of UTF-8. */
const OBJECT_NAME_BYTES_MAX = 1024;
/** GCS answers at most 1000 entries per list page. */
const LIST_PAGE_SIZE_MAX = 1000;

interface ObjectResource {
  name?: unknown;
  generation?: unknown;
  size?: unknown;
}

export class GcsBlobStore implements BlobStore {
  readonly bucket: string;
  readonly prefix: string;
  private readonly baseUrl: string;
  private readonly tokenProvider: TokenProvider;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly deadlineClock: Clock;
  private readonly requestTimeoutMs: number;
  private readonly retryPolicy: RetryPolicy;
  private readonly logger: Logger;
  private readonly fetchImpl: typeof fetch;
  /** Every token this store has used, so that no message can carry one. */
  private readonly tokensSeen = new Set<string>();
  private readonly redact = makeRedactor(() => this.tokensSeen);
  private readonly seams: GcsAdapterSeams;

  constructor(options: GcsBlobStoreOptions) {
    this.bucket = validateBucketName(options.bucket);
    this.prefix = normalizePrefix(options.prefix ?? "");
    this.baseUrl = (options.baseUrl ?? GCS_BASE_URL_DEFAULT).replace(/\/+$/, "");
    if (!/^https?:\/\/[^/]+$/.test(this.baseUrl))
      throw new InvalidRequestError(`GCS base URL must be scheme://host[:port], got "${this.baseUrl}"`, "");
    this.tokenProvider = options.tokenProvider;
    this.clock = options.clock;
    this.random = options.random;
    this.deadlineClock = options.deadlineClock ?? options.clock;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    if (!(this.requestTimeoutMs > 0))
      throw new RangeError(`requestTimeoutMs must be > 0, got ${this.requestTimeoutMs}`);
    this.retryPolicy = resolveRetryPolicy(options.retry);
    this.logger = options.logger ?? silentLogger;
    this.fetchImpl = options.fetch ?? fetch;
    this.seams = { ...REAL_GCS_ADAPTER, ...options.seams };
  }

  /** `gcs://bucket/prefix`, for reports. */
  describe(): string {
    return `gcs://${this.bucket}/${this.prefix}`;
  }

  async get(key: string, options?: GetOptions): Promise<BlobObject | null> {
    const context = this.context("get", key, this.objectName(key));
    const range = options?.range;
    if (range) validateRange(key, range);
    return this.idempotent(context, async () => {
      // HTTP cannot ask for zero bytes; the object's existence and version still matter.
      if (range && range.end === range.start) return this.emptyRead(key, range);
      const headers: Record<string, string> = {};
      if (range) headers.Range = `bytes=${range.start}-${range.end === undefined ? "" : range.end - 1}`;
      const answer = await this.send(context, {
        method: "GET",
        url: `${this.objectUrl(context)}?alt=media`,
        headers,
      });
      if (answer.status === 404)
        return nullIfObjectMissing(this.seams.errorForStatus(context, 404, text(answer), type(answer)));
      if (answer.status === 416 && range) return this.emptyRead(key, range);
      if (answer.status !== 200 && answer.status !== 206) throw this.statusError(context, answer);
      const version = answer.headers.get("x-goog-generation");
      if (version === null || !/^\d+$/.test(version))
        throw this.seams.errorForMalformedSuccess(
          context,
          answer.status,
          "the x-goog-generation header is missing",
        );
      if (answer.status === 206) {
        const total = /\/(\d+)$/.exec(answer.headers.get("content-range") ?? "")?.[1];
        if (total === undefined)
          throw this.seams.errorForMalformedSuccess(
            context,
            206,
            "the content-range header is missing or has no total",
          );
        const size = Number(total);
        if (range) checkRangeWithin(key, range, size);
        return { bytes: answer.body, version, size };
      }
      // A 200 to a ranged request carries the whole object: cut the range out here.
      const size = answer.body.byteLength;
      if (!range) return { bytes: answer.body, version, size };
      checkRangeWithin(key, range, size);
      return { bytes: answer.body.slice(range.start, range.end ?? size), version, size };
    });
  }

  async head(key: string): Promise<BlobHead | null> {
    const context = this.context("metadata", key, this.objectName(key));
    return this.idempotent(context, () => this.metadataOnce(context));
  }

  async put(key: string, bytes: Uint8Array, options?: PutOptions): Promise<VersionToken> {
    const context = this.context("insert", key, this.objectName(key));
    if (!(bytes instanceof Uint8Array))
      throw new InvalidRequestError(`put ${key}: bytes must be a Uint8Array`, key);
    const query = new URLSearchParams({ uploadType: "media", name: context.objectName });
    if (options?.ifNoneMatch === true && options.ifMatch !== undefined)
      throw new InvalidRequestError(`put ${key}: ifNoneMatch and ifMatch are exclusive`, key);
    if (options?.ifNoneMatch === true) query.set("ifGenerationMatch", "0");
    else if (options?.ifMatch !== undefined)
      query.set("ifGenerationMatch", checkGeneration(key, options.ifMatch));
    const answer = await this.mutate(context, [200], {
      method: "POST",
      url: `${this.baseUrl}/upload/storage/v1/b/${encodeURIComponent(this.bucket)}/o?${query}`,
      headers: { "Content-Type": "application/octet-stream" },
      body: bytes,
    });
    return this.generationOf(context, answer);
  }

  async list(prefix: string, options?: ListOptions): Promise<ListPage> {
    if (typeof prefix !== "string") throw new InvalidRequestError("list: prefix must be a string", "");
    const pageSize = options?.pageSize;
    if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1))
      throw new InvalidRequestError(
        `list ${prefix}: pageSize must be a positive integer, got ${pageSize}`,
        prefix,
      );
    const context = this.context("list", prefix, `${this.prefix}${prefix}`);
    const query = new URLSearchParams({ prefix: context.objectName });
    query.set("maxResults", String(Math.min(pageSize ?? LIST_PAGE_SIZE_MAX, LIST_PAGE_SIZE_MAX)));
    if (options?.pageToken !== undefined) query.set("pageToken", options.pageToken);
    return this.idempotent(context, async () => {
      const answer = await this.send(context, {
        method: "GET",
        url: `${this.baseUrl}/storage/v1/b/${encodeURIComponent(this.bucket)}/o?${query}`,
        headers: {},
      });
      if (answer.status !== 200) throw this.statusError(context, answer);
      const document = parseJson(answer) as { items?: unknown; nextPageToken?: unknown } | undefined;
      if (!document || typeof document !== "object")
        throw this.seams.errorForMalformedSuccess(context, 200, "the body is not a JSON object list");
      const items = document.items ?? [];
      if (!Array.isArray(items))
        throw this.seams.errorForMalformedSuccess(context, 200, "`items` is not an array");
      const entries = items.map((item: ObjectResource) => this.listEntry(context, item));
      const page: ListPage = { entries };
      if (typeof document.nextPageToken === "string" && document.nextPageToken.length > 0)
        page.nextPageToken = document.nextPageToken;
      return page;
    });
  }

  async delete(key: string, options?: DeleteOptions): Promise<void> {
    const context = this.context("delete", key, this.objectName(key));
    const query = new URLSearchParams();
    if (options?.ifMatch !== undefined) query.set("ifGenerationMatch", checkGeneration(key, options.ifMatch));
    const suffix = query.size > 0 ? `?${query}` : "";
    await this.mutate(context, [204, 200], {
      method: "DELETE",
      url: `${this.objectUrl(context)}${suffix}`,
      headers: {},
    });
  }

  // --- internals -------------------------------------------------------------------------

  private objectName(key: string): string {
    if (typeof key !== "string" || key.length === 0)
      throw new InvalidRequestError("key must be a non-empty string", "");
    if (/[\r\n]/.test(key))
      throw new InvalidRequestError(`key ${JSON.stringify(key)} contains CR or LF`, key);
    const name = `${this.prefix}${key}`;
    if (Buffer.byteLength(name, "utf8") > OBJECT_NAME_BYTES_MAX)
      throw new InvalidRequestError(`key too long: prefix + key exceeds ${OBJECT_NAME_BYTES_MAX} bytes`, key);
    return name;
  }

  private context(op: GcsOp, key: string, objectName: string): GcsCallContext {
    return { op, key, bucket: this.bucket, objectName, redact: this.redact };
  }

  private objectUrl(context: GcsCallContext): string {
    return `${this.baseUrl}/storage/v1/b/${encodeURIComponent(this.bucket)}/o/${encodeURIComponent(context.objectName)}`;
  }

  private idempotent<T>(context: GcsCallContext, call: () => Promise<T>): Promise<T> {
    return withRetries(
      this.retryPolicy,
      {
        clock: this.clock,
        random: this.random,
        onRetry: (attempt, delayMs, error) =>
          this.logger.log("gcs.retry", {
            op: context.op,
            key: context.key,
            attempt,
            delayMs,
            error: error instanceof Error ? error.name : "unknown",
          }),
      },
      call,
    );
  }

  /** One mutation: sent once, then only what the resend seam asks for (nothing, in the real adapter). */
  private async mutate(context: GcsCallContext, ok: number[], request: HttpRequest): Promise<HttpAnswer> {
    let failure: Error;
    try {
      const answer = await this.send(context, request);
      if (ok.includes(answer.status)) return answer;
      failure = this.statusError(context, answer);
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      failure = error;
    }
    const again = this.seams.resendMutation(request, failure);
    if (!again) throw failure;
    const answer = await this.send(context, again);
    if (!ok.includes(answer.status)) throw this.statusError(context, answer);
    return answer;
  }

  /**
   * Sends with a bearer token; on 401 forgets the token and tries once more with a fresh one
   * (a 401 means nothing was applied, so this is safe for mutations too).
   */
  private async send(context: GcsCallContext, request: HttpRequest): Promise<HttpAnswer> {
    let answer = await this.sendOnce(context, request);
    if (answer.status === 401 && this.tokenProvider.invalidate) {
      this.tokenProvider.invalidate();
      answer = await this.sendOnce(context, request);
    }
    return answer;
  }

  private async sendOnce(context: GcsCallContext, request: HttpRequest): Promise<HttpAnswer> {
    const token = await this.tokenProvider.token();
    this.tokensSeen.add(token);
    try {
      return await exchange(
        this.fetchImpl,
        { ...request, headers: { ...request.headers, Authorization: `Bearer ${token}` } },
        this.deadlineClock,
        this.requestTimeoutMs,
      );
    } catch (error) {
      if (error instanceof NetworkFailure)
        throw this.seams.errorForNetworkFailure(context, error.kind, error.detail);
      throw error;
    }
  }

  private statusError(context: GcsCallContext, answer: HttpAnswer): Error {
    const error = this.seams.errorForStatus(context, answer.status, text(answer), type(answer));
    // A 401 on the first token whose provider cannot refresh: name the token's source.
    if (answer.status === 401) error.message += ` (token source: ${this.tokenProvider.source})`;
    return error;
  }

  private async metadataOnce(context: GcsCallContext): Promise<BlobHead | null> {
    const answer = await this.send(context, { method: "GET", url: this.objectUrl(context), headers: {} });
    if (answer.status === 404)
      return nullIfObjectMissing(this.seams.errorForStatus(context, 404, text(answer), type(answer)));
    if (answer.status !== 200) throw this.statusError(context, answer);
    const resource = parseJson(answer) as ObjectResource | undefined;
    const version = resource?.generation;
    const size = Number(resource?.size);
    if (typeof version !== "string" || !/^\d+$/.test(version) || !Number.isSafeInteger(size))
      throw this.seams.errorForMalformedSuccess(
        context,
        200,
        "the body is not an object resource with generation and size",
      );
    return { version, size };
  }

  /** A zero-length read, or one starting at the very end: existence, version and size only. */
  private async emptyRead(key: string, range: ByteRange): Promise<BlobObject | null> {
    const head = await this.metadataOnce(this.context("metadata", key, this.objectName(key)));
    if (head === null) return null;
    checkRangeWithin(key, range, head.size);
    return { bytes: new Uint8Array(0), version: head.version, size: head.size };
  }

  private generationOf(context: GcsCallContext, answer: HttpAnswer): VersionToken {
    const resource = parseJson(answer) as ObjectResource | undefined;
    const generation = resource?.generation;
    if (typeof generation !== "string" || !/^\d+$/.test(generation))
      throw this.seams.errorForMalformedSuccess(
        context,
        answer.status,
        "the body carries no readable generation",
      );
    return generation;
  }

  private listEntry(context: GcsCallContext, item: ObjectResource): ListEntry {
    const size = Number(item?.size);
    if (
      typeof item?.name !== "string" ||
      !item.name.startsWith(this.prefix) ||
      typeof item.generation !== "string" ||
      !Number.isSafeInteger(size)
    )
      throw this.seams.errorForMalformedSuccess(context, 200, "a list item lacks name, generation or size");
    return { key: item.name.slice(this.prefix.length), version: item.generation, size };
  }
}

function validateRange(key: string, range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0)
    throw new InvalidRequestError(
      `get ${key}: range start must be a non-negative integer, got ${start}`,
      key,
    );
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start))
    throw new InvalidRequestError(
      `get ${key}: range end must be an integer >= start (${start}), got ${end}`,
      key,
    );
}

/** Like the simulated store: a range reaching past the object's end is the caller's mistake. */
function checkRangeWithin(key: string, range: ByteRange, size: number): void {
  const end = range.end ?? size;
  if (range.start > size || end > size)
    throw new InvalidRequestError(
      `get ${key}: range [${range.start}, ${end}) lies past the end of the object (${size} bytes)`,
      key,
    );
}

/** GCS generations are positive decimal integers; "0" would silently mean create-if-absent. */
function checkGeneration(key: string, token: VersionToken): string {
  if (typeof token !== "string" || !/^[1-9]\d*$/.test(token))
    throw new InvalidRequestError(
      `${key}: version token ${JSON.stringify(token)} is not a GCS generation`,
      key,
    );
  return token;
}

function nullIfObjectMissing(error: Error): null {
  if (error instanceof NotFoundError) return null;
  throw error;
}

function text(answer: HttpAnswer): string {
  return new TextDecoder().decode(answer.body);
}

function type(answer: HttpAnswer): string | null {
  return answer.headers.get("content-type");
}

function parseJson(answer: HttpAnswer): unknown {
  try {
    return JSON.parse(text(answer));
  } catch {
    return undefined;
  }
}
