/**
 * The blob store seam: a scenario hands every BlobStore client it builds through `wrapStore`
 * (when present) before giving it to the code under test. A forensic variant puts a broken
 * store back this way (fixtures/forensic/store-*.ts); the real run leaves it absent.
 */
import type { BlobStore } from "../../engine/blobstore/blob-store.ts";

export interface BlobStoreSeams {
  wrapStore(store: BlobStore): BlobStore;
}

/** The store a scenario should use: the client, wrapped if a variant asked for it. */
export function seamedStore(seams: Partial<BlobStoreSeams> | undefined, store: BlobStore): BlobStore {
  return seams?.wrapStore ? seams.wrapStore(store) : store;
}

/**
 * `store` with some of its calls replaced: the rest pass straight through. The broken clients of
 * the forensic variants (fixtures/forensic/store-*.ts) are written this way.
 */
export function overrideStore(store: BlobStore, overrides: Partial<BlobStore>): BlobStore {
  return {
    get: (key, options) => store.get(key, options),
    head: (key) => store.head(key),
    put: (key, bytes, options) => store.put(key, bytes, options),
    list: (prefix, options) => store.list(prefix, options),
    delete: (key, options) => store.delete(key, options),
    ...overrides,
  };
}
