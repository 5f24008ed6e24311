/**
 * The store's contents and the semantics of each operation at its apply point, with no time in
 * it: the simulated store (sim/blob-store.ts) decides WHEN a request applies, this decides WHAT
 * it does. The one model of a bucket: the loopback fake GCS (adapters/gcs/testing/) serves this
 * same table over HTTP, so the in-process and the HTTP model cannot drift. Pure: no world, no
 * clock, no randomness; the caller hands in `nowMs` and the admission (rate limit). Strongly consistent: a read or list sees every mutation applied before it.
 *
 * Version tokens: "gcs" flavor uses generations (a store-wide microsecond counter, so they are
 * strictly increasing per key and never reused, not even after a delete); "etag" flavor uses a
 * hash of the content, so identical content gets an identical token (the ABA window of S3/R2).
 */
import {
  type BlobStoreError,
  InvalidRequestError,
  NotFoundError,
  PreconditionFailedError,
} from "../engine/blobstore/errors.ts";
import type {
  BlobHead,
  BlobObject,
  ByteRange,
  ListPage,
  PutOptions,
  VersionToken,
} from "../engine/blobstore/blob-store.ts";

/** "gcs": generations as version tokens; "etag": content hashes (S3, R2). */
export type BlobStoreFlavor = "gcs" | "etag";

export interface StoredObject {
  readonly bytes: Uint8Array;
  readonly version: VersionToken;
  /** Store-wide apply counter of the write that made this object (every flavor has one). */
  readonly generation: number;
  readonly size: number;
}

export type Applied<T> = { ok: true; value: T } | { ok: false; error: BlobStoreError };

/** GCS lists at most 1000 entries per page. */
export const LIST_PAGE_SIZE_MAX = 1000;
/** GCS object names are at most 1024 bytes of UTF-8. */
export const KEY_BYTES_MAX = 1024;
const PAGE_TOKEN_PREFIX = "after:";
const GENERATION_PATTERN = /^[1-9][0-9]{0,15}$/;
const ETAG_PATTERN = /^"[0-9a-f]{16}"$/;

export class ObjectTable {
  private readonly objects = new Map<string, StoredObject>();
  private lastGeneration = 0;

  constructor(
    readonly flavor: BlobStoreFlavor,
    private readonly epochMs: number,
    private readonly copyBodies = true,
  ) {}

  snapshot(): ReadonlyMap<string, StoredObject> {
    return new Map(this.objects);
  }

  current(key: string): StoredObject | undefined {
    return this.objects.get(key);
  }

  get(key: string, range: ByteRange | undefined): Applied<BlobObject | null> {
    const object = this.objects.get(key);
    if (!object) return { ok: true, value: null };
    const start = range?.start ?? 0;
    const end = range?.end ?? object.size;
    if (start > object.size || end > object.size)
      return invalid(key, `range [${start}, ${end}) lies past the end of ${key} (${object.size} bytes)`);
    return {
      ok: true,
      value: {
        bytes: this.copyBodies ? object.bytes.slice(start, end) : object.bytes.subarray(start, end),
        version: object.version,
        size: object.size,
      },
    };
  }

  head(key: string): BlobHead | null {
    const object = this.objects.get(key);
    return object ? { version: object.version, size: object.size } : null;
  }

  /** Checks the precondition and, if it holds, writes. The new object on success. */
  put(
    key: string,
    bytes: Uint8Array,
    options: PutOptions,
    nowMs: number,
    admit: () => BlobStoreError | undefined = () => undefined,
  ): Applied<StoredObject> {
    const existing = this.objects.get(key);
    if (options.ifNoneMatch === true && existing)
      return { ok: false, error: new PreconditionFailedError(`${key} already exists (ifNoneMatch)`, key) };
    if (options.ifMatch !== undefined) {
      if (!existing) {
        // GCS answers 412 for ifGenerationMatch on a missing object; S3/R2 answer 404.
        return this.flavor === "gcs"
          ? { ok: false, error: new PreconditionFailedError(`${key} does not exist (ifMatch)`, key) }
          : { ok: false, error: new NotFoundError(`${key} does not exist (ifMatch)`, key) };
      }
      if (existing.version !== options.ifMatch)
        return {
          ok: false,
          error: new PreconditionFailedError(
            `${key} is at version ${existing.version}, not ${options.ifMatch} (ifMatch)`,
            key,
          ),
        };
    }
    // Admission (the rate limit) comes after the precondition: a 412 is answered as such.
    const refused = admit();
    if (refused) return { ok: false, error: refused };
    const generation = this.nextGeneration(nowMs);
    // The caller hands the bytes over (the client copied them when the request was made).
    const stored = bytes;
    const version = this.flavor === "gcs" ? String(generation) : contentEtag(stored);
    const object: StoredObject = { bytes: stored, version, generation, size: stored.length };
    this.objects.set(key, object);
    return { ok: true, value: object };
  }

  /** The deleted object on success. */
  delete(
    key: string,
    ifMatch: VersionToken | undefined,
    admit: () => BlobStoreError | undefined = () => undefined,
  ): Applied<StoredObject> {
    const existing = this.objects.get(key);
    if (!existing) return { ok: false, error: new NotFoundError(`${key} does not exist (delete)`, key) };
    if (ifMatch !== undefined && existing.version !== ifMatch)
      return {
        ok: false,
        error: new PreconditionFailedError(
          `${key} is at version ${existing.version}, not ${ifMatch} (delete)`,
          key,
        ),
      };
    const refused = admit();
    if (refused) return { ok: false, error: refused };
    this.objects.delete(key);
    return { ok: true, value: existing };
  }

  /**
   * An operator's write outside any request (a restore tool, a partial copy, bit rot): no
   * precondition, no rate limit. `keepGeneration` keeps the object's generation and version, as
   * silent corruption would; otherwise the write gets a new generation, as any GCS upload does.
   */
  operatorSet(key: string, bytes: Uint8Array, nowMs: number, keepGeneration: boolean): StoredObject {
    const existing = this.objects.get(key);
    const generation = keepGeneration && existing ? existing.generation : this.nextGeneration(nowMs);
    const version =
      keepGeneration && existing
        ? existing.version
        : this.flavor === "gcs"
          ? String(generation)
          : contentEtag(bytes);
    const object: StoredObject = { bytes, version, generation, size: bytes.length };
    this.objects.set(key, object);
    return object;
  }

  /** An operator's delete outside any request; the deleted object, or undefined if absent. */
  operatorRemove(key: string): StoredObject | undefined {
    const existing = this.objects.get(key);
    this.objects.delete(key);
    return existing;
  }

  list(prefix: string, pageSize: number, pageToken: string | undefined): ListPage {
    const after = pageToken === undefined ? undefined : pageToken.slice(PAGE_TOKEN_PREFIX.length);
    const keys = [...this.objects.keys()]
      .filter((key) => key.startsWith(prefix) && (after === undefined || key > after))
      .sort();
    const pageKeys = keys.slice(0, pageSize);
    const entries = pageKeys.map((key) => {
      const object = this.objects.get(key)!;
      return { key, version: object.version, size: object.size };
    });
    const last = pageKeys[pageKeys.length - 1];
    return keys.length > pageSize && last !== undefined
      ? { entries, nextPageToken: PAGE_TOKEN_PREFIX + last }
      : { entries };
  }

  /** Microseconds since the epoch like GCS, bumped when two writes share a microsecond. */
  private nextGeneration(nowMs: number): number {
    const generation = Math.max(this.lastGeneration + 1, Math.floor((this.epochMs + nowMs) * 1000));
    this.lastGeneration = generation;
    return generation;
  }
}

function invalid(key: string, message: string): { ok: false; error: InvalidRequestError } {
  return { ok: false, error: new InvalidRequestError(message, key) };
}

/** 16 hex digits of a two-lane FNV-1a over the bytes, quoted as HTTP ETags are. */
export function contentEtag(bytes: Uint8Array): string {
  let low = 0x811c9dc5;
  let high = 0x050c5d1f;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    low = Math.imul(low ^ byte, 0x01000193);
    high = Math.imul(high ^ byte, 0x01000193) ^ (low >>> 15);
  }
  return `"${(high >>> 0).toString(16).padStart(8, "0")}${(low >>> 0).toString(16).padStart(8, "0")}"`;
}

// ---- argument validation: bad input is rejected before a request is issued ----

export function validateKey(key: unknown, what = "key"): string | undefined {
  if (typeof key !== "string") return `${what} must be a string, got ${typeof key}`;
  if (key.length === 0) return `${what} must not be empty`;
  if (Buffer.byteLength(key, "utf8") > KEY_BYTES_MAX) return `${what} is longer than ${KEY_BYTES_MAX} bytes`;
  if (/[\r\n]/.test(key)) return `${what} must not contain carriage returns or line feeds`;
  return undefined;
}

export function validateVersionToken(flavor: BlobStoreFlavor, token: unknown): string | undefined {
  if (typeof token !== "string") return `version token must be a string, got ${typeof token}`;
  if (flavor === "gcs") {
    if (!GENERATION_PATTERN.test(token))
      return `version token ${JSON.stringify(token)} is not a generation (a positive integer)`;
    if (!Number.isSafeInteger(Number(token))) return `version token ${token} is out of range`;
    return undefined;
  }
  if (!ETAG_PATTERN.test(token)) return `version token ${JSON.stringify(token)} is not an ETag`;
  return undefined;
}

export function validatePutOptions(flavor: BlobStoreFlavor, options: PutOptions): string | undefined {
  if (typeof options !== "object" || options === null) return "put options must be an object";
  if (options.ifNoneMatch !== undefined && options.ifNoneMatch !== true)
    return "ifNoneMatch must be true when given";
  if (options.ifNoneMatch === true && options.ifMatch !== undefined)
    return "give at most one precondition: ifNoneMatch or ifMatch";
  if (options.ifMatch !== undefined) return validateVersionToken(flavor, options.ifMatch);
  return undefined;
}

export function validateRange(range: ByteRange | undefined): string | undefined {
  if (range === undefined) return undefined;
  if (typeof range !== "object" || range === null) return "range must be an object";
  if (!Number.isSafeInteger(range.start) || range.start < 0)
    return `range start must be a non-negative integer, got ${String(range.start)}`;
  if (range.end !== undefined) {
    if (!Number.isSafeInteger(range.end)) return `range end must be an integer, got ${String(range.end)}`;
    if (range.end < range.start) return `range [${range.start}, ${range.end}) is inverted`;
  }
  return undefined;
}

export function validateListArguments(
  prefix: unknown,
  pageSize: unknown,
  pageToken: unknown,
): string | undefined {
  if (typeof prefix !== "string") return `prefix must be a string, got ${typeof prefix}`;
  if (pageSize !== undefined && (!Number.isSafeInteger(pageSize) || (pageSize as number) < 1))
    return `pageSize must be a positive integer, got ${String(pageSize)}`;
  if (pageToken !== undefined && (typeof pageToken !== "string" || !pageToken.startsWith(PAGE_TOKEN_PREFIX)))
    return `pageToken ${JSON.stringify(pageToken)} was not issued by this store`;
  return undefined;
}
