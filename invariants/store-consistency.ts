/**
 * Strong consistency of reads, judged from the store's history: a read returns the object as
 * it stood at some instant between the call and the answer. So the version it returns (or its
 * absence) is the one current when it was called, or one applied while it was in flight.
 */
import type { StoreMutation } from "../sim/blob-store.ts";
import { versionAt } from "./store-history.ts";

export const READ_CONSISTENCY_INVARIANT = "store-read-after-write";

export interface ObservedRead {
  reader: string;
  key: string;
  calledAtMs: number;
  answeredAtMs: number;
  /** The version returned, null if the key read as absent. */
  version: string | null;
}

/** A problem description, or undefined when the read is consistent with the history. */
export function checkRead(history: readonly StoreMutation[], read: ObservedRead): string | undefined {
  const allowed = new Set<string | null>([versionAt(history, read.key, read.calledAtMs)]);
  for (const mutation of history) {
    if (mutation.atMs <= read.calledAtMs || mutation.key !== read.key) continue;
    if (mutation.atMs > read.answeredAtMs) break;
    allowed.add(mutation.op === "put" ? mutation.version : null);
  }
  if (allowed.has(read.version)) return undefined;
  return (
    `${read.reader} read ${read.key} as ${read.version ?? "absent"} between ${read.calledAtMs} and ` +
    `${read.answeredAtMs} ms, but the history allows only ${[...allowed].map((v) => v ?? "absent").join(", ")}`
  );
}
