/**
 * How many compare-and-swap writes to one object a store lets through in quick succession
 * before its first 429: the figure the simulated store's `mutationBurstPerObject` is calibrated
 * to (sim/blobstore/options.ts). `blobsim probe` prints it beside the model's own figures, so a
 * user can recalibrate from a real bucket.
 */
import type { BlobStore } from "../../engine/blobstore/blob-store.ts";
import { RateLimitedError } from "../../engine/blobstore/errors.ts";

export interface CasBurst {
  /** CAS writes that succeeded before the first 429 (or all of them, if none came). */
  writes: number;
  /** A 429 ended the burst before `maxWrites`. */
  limited: boolean;
}

/** `settle` waits after the burst so the object can be mutated (deleted) again. */
export async function measureCasBurst(
  store: BlobStore,
  key: string,
  settle: () => Promise<void>,
  maxWrites = 20,
): Promise<CasBurst> {
  try {
    return await burst(store, key, maxWrites);
  } finally {
    await settle();
  }
}

async function burst(store: BlobStore, key: string, maxWrites: number): Promise<CasBurst> {
  let version = await store.put(key, new TextEncoder().encode("0"), { ifNoneMatch: true });
  for (let write = 1; write < maxWrites; write++) {
    try {
      version = await store.put(key, new TextEncoder().encode(String(write)), { ifMatch: version });
    } catch (error) {
      if (error instanceof RateLimitedError) return { writes: write, limited: true };
      throw error;
    }
  }
  return { writes: maxWrites, limited: false };
}
