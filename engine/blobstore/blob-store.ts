/**
 * The provider-neutral object store the engine keeps its durable state in. It is the seam to
 * the simulated store (sim/blob-store.ts) and to real GCS (adapters/gcs).
 *
 * Version tokens are opaque strings. GCS maps them to object generations (strictly increasing
 * per key, never reused, `ifGenerationMatch=0` for create-if-absent); S3/R2 map them to ETags
 * (`If-None-Match: *`, `If-Match`). The engine only ever compares them for equality and hands
 * them back.
 *
 * Every method either resolves or rejects with one of the typed errors in errors.ts.
 */

export type VersionToken = string;

export interface BlobObject {
  bytes: Uint8Array;
  version: VersionToken;
  /** Size of the whole object, even when `bytes` is a range of it. */
  size: number;
}

export interface BlobHead {
  version: VersionToken;
  size: number;
}

/** Half-open byte range [start, end). `end` defaults to the object's size. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface GetOptions {
  range?: ByteRange;
}

/** Exactly one precondition, or none (an unconditional overwrite). */
export type PutOptions =
  | { ifNoneMatch: true; ifMatch?: undefined }
  | { ifMatch: VersionToken; ifNoneMatch?: undefined }
  | { ifNoneMatch?: undefined; ifMatch?: undefined };

export interface DeleteOptions {
  ifMatch?: VersionToken;
}

export interface ListOptions {
  /** Page size; the store may return fewer. */
  pageSize?: number;
  /** Opaque cursor from the previous page. */
  pageToken?: string;
}

export interface ListEntry {
  key: string;
  version: VersionToken;
  size: number;
}

export interface ListPage {
  entries: ListEntry[];
  /** Absent on the last page. */
  nextPageToken?: string;
}

export interface BlobStore {
  /** The object (or the byte range of it), or null if absent. */
  get(key: string, options?: GetOptions): Promise<BlobObject | null>;
  head(key: string): Promise<BlobHead | null>;
  /** Writes the object and returns its new version token. */
  put(key: string, bytes: Uint8Array, options?: PutOptions): Promise<VersionToken>;
  /** One page of keys under `prefix`, in lexicographic key order. */
  list(prefix: string, options?: ListOptions): Promise<ListPage>;
  /** Deleting an absent key rejects with NotFoundError. */
  delete(key: string, options?: DeleteOptions): Promise<void>;
}

/** Every key under `prefix`, following page tokens. */
export async function* listAll(
  store: BlobStore,
  prefix: string,
  pageSize?: number,
): AsyncGenerator<ListEntry, void, undefined> {
  let pageToken: string | undefined;
  do {
    const page: ListPage = await store.list(prefix, { pageSize, pageToken });
    yield* page.entries;
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined);
}
