/**
 * Checks over the store's own record of applied mutations (SimBlobStore.history), replayed key
 * by key: every applied conditional mutation's precondition held at its apply point; a
 * delete removed an object that existed; in the GCS flavor generations are strictly increasing
 * per key and never reused, even across deletes; and the replay ends where the store is.
 */
import type { StoredObject, StoreMutation } from "../sim/blob-store.ts";
import type { BlobStoreFlavor } from "../sim/blobstore/options.ts";

export const STORE_HISTORY_INVARIANT = "store-history-preconditions";

export function checkStoreHistory(
  history: readonly StoreMutation[],
  flavor: BlobStoreFlavor,
  objects?: ReadonlyMap<string, StoredObject>,
): string[] {
  const problems: string[] = [];
  const current = new Map<string, StoreMutation>();
  const lastGeneration = new Map<string, number>();
  const versionsUsed = new Map<string, Set<string>>();
  for (const [index, mutation] of history.entries()) {
    const where = `mutation #${index} (${mutation.op} ${mutation.key} by ${mutation.process} at ${mutation.atMs} ms)`;
    const existing = current.get(mutation.key);
    if (mutation.precondition === "ifNoneMatch" && existing)
      problems.push(`${where} applied with ifNoneMatch over version ${existing.version}`);
    if (mutation.precondition === "ifMatch" && existing?.version !== mutation.ifMatch)
      problems.push(
        `${where} applied with ifMatch ${mutation.ifMatch} while at ${existing?.version ?? "absent"}`,
      );
    if (mutation.op === "delete") {
      if (!existing) problems.push(`${where} deleted an absent key`);
      else if (existing.version !== mutation.version)
        problems.push(`${where} deleted version ${mutation.version}, the key was at ${existing.version}`);
      current.delete(mutation.key);
      continue;
    }
    const previousGeneration = lastGeneration.get(mutation.key) ?? 0;
    if (!(mutation.generation > previousGeneration))
      problems.push(`${where} generation ${mutation.generation} does not exceed ${previousGeneration}`);
    lastGeneration.set(mutation.key, mutation.generation);
    if (flavor === "gcs") {
      const used = versionsUsed.get(mutation.key) ?? new Set<string>();
      if (used.has(mutation.version)) problems.push(`${where} reused generation ${mutation.version}`);
      if (mutation.version !== String(mutation.generation))
        problems.push(`${where} token ${mutation.version} is not its generation ${mutation.generation}`);
      used.add(mutation.version);
      versionsUsed.set(mutation.key, used);
    }
    current.set(mutation.key, mutation);
  }
  if (objects) {
    for (const [key, object] of objects)
      if (current.get(key)?.version !== object.version)
        problems.push(
          `${key} is stored at ${object.version} but its history ends at ${current.get(key)?.version}`,
        );
    for (const key of current.keys())
      if (!objects.has(key))
        problems.push(`${key} is missing from the store but its history ends with a put`);
  }
  return problems;
}

/** The version `key` had just after simulated time `atMs` (null: absent), from the history. */
export function versionAt(history: readonly StoreMutation[], key: string, atMs: number): string | null {
  let version: string | null = null;
  for (const mutation of history) {
    if (mutation.atMs > atMs) break;
    if (mutation.key === key) version = mutation.op === "put" ? mutation.version : null;
  }
  return version;
}
