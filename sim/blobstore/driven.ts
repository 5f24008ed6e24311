/**
 * Drives a world's event loop from outside it: each call on the returned store runs the
 * scheduler until that call settles. It lets plain async test code (the BlobStore conformance
 * suite) talk to a simulated client as if it were a real store, including concurrent calls.
 */
import type { BlobStore } from "../../engine/blobstore/blob-store.ts";
import type { World } from "../world.ts";

export class NeverSettlesError extends Error {
  override name = "NeverSettlesError";
}

export function drivenStore(world: World, client: BlobStore): BlobStore {
  let driving: Promise<unknown> | null = null;
  const settle = async <T>(work: Promise<T>): Promise<T> => {
    let done = false;
    work.then(
      () => (done = true),
      () => (done = true),
    );
    while (!done) {
      if (!driving) driving = world.run().finally(() => (driving = null));
      await driving;
      if (!done && world.scheduler.pending === 0 && !driving)
        throw new NeverSettlesError("the store call never settles (its process died or was paused)");
    }
    return work;
  };
  return {
    get: (key, options) => settle(client.get(key, options)),
    head: (key) => settle(client.head(key)),
    put: (key, bytes, options) => settle(client.put(key, bytes, options)),
    list: (prefix, options) => settle(client.list(prefix, options)),
    delete: (key, options) => settle(client.delete(key, options)),
  };
}
