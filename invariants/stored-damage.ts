/**
 * Checkers for stored-object damage (sim/blobstore/damage.ts, issue 21): the engine never serves
 * or acks data it cannot prove, and what it reports lost matches what the damage removed.
 *
 * - damage-refusal: a writer or a restore over a manifest whose objects were deleted, truncated
 *   or replaced, or over a manifest that is not one, stops with a typed error
 *   (PROVABLE_REFUSALS), never a plain crash and never a database it then serves;
 * - damage-store-preserved: the engine deletes and overwrites nothing it did not write: every
 *   object present after the damage is still there, at the same generation, when the seed ends
 *   (the manifest aside, which commits replace, but whose data fields a refused boot keeps);
 * - damage-loss: after an act the engine can recover from (a prefix wiped, a manifest rolled
 *   back, a foreign object), the restored state is exactly the one the act left: nothing when
 *   the prefix was wiped, the older manifest's rows when it was rolled back, the last verified
 *   rows otherwise.
 */
import type { Row } from "../engine/db/database.ts";
import { decodeManifest } from "../engine/manifest/manifest.ts";
import type { StoredObject } from "../sim/blob-store.ts";
import { firstDifference } from "./durability.ts";

/** The typed errors that say "the store does not hold a state I can prove". */
export const PROVABLE_REFUSALS: readonly string[] = [
  "RestoreObjectMissingError",
  "RestoreIntegrityError",
  "ManifestCorruptError",
];

/** Null when `error` is a typed refusal; else why not. */
export function refusalProblem(error: unknown): string | null {
  const name = error instanceof Error ? error.name : typeof error;
  if (PROVABLE_REFUSALS.includes(name)) return null;
  const message = error instanceof Error ? error.message : String(error);
  return `refused with ${name} (${message}), not one of ${PROVABLE_REFUSALS.join(", ")}`;
}

/** Objects of `before` (but `except`) missing or at another generation in `after`. */
export function lostObjects(
  before: ReadonlyMap<string, StoredObject>,
  after: ReadonlyMap<string, StoredObject>,
  except: readonly string[],
): string[] {
  const problems: string[] = [];
  for (const [key, object] of before) {
    if (except.includes(key)) continue;
    const now = after.get(key);
    if (!now) problems.push(`${key} deleted`);
    else if (now.generation !== object.generation || now.version !== object.version)
      problems.push(`${key} overwritten (generation ${object.generation} -> ${now.generation})`);
  }
  return problems;
}

function dataFields(bytes: Uint8Array, key: string): string {
  const manifest = decodeManifest(bytes, key);
  return JSON.stringify({
    snapshot: manifest.snapshot,
    segments: manifest.segments,
    resumeLsn: manifest.resumeLsn,
    dataSeq: manifest.dataSeq ?? null,
  });
}

/** Null when the manifest still names the same data (a fence stamp changes who holds it and bumps commitSeq). */
export function manifestDataProblem(
  before: StoredObject | undefined,
  after: StoredObject | undefined,
  key: string,
): string | null {
  if (!before) return after ? "a manifest appeared over a damaged store" : null;
  if (!after) return "the manifest was deleted";
  let was: string;
  try {
    was = dataFields(before.bytes, key);
  } catch {
    // Not a manifest: the engine could not read it and must not have replaced it.
    return after.generation === before.generation ? null : "a corrupt manifest was overwritten";
  }
  return dataFields(after.bytes, key) === was ? null : "the manifest's data fields changed";
}

/** Null when `restored` is exactly the state the damage left. */
export function lossProblem(expected: readonly Row[], restored: readonly Row[]): string | null {
  const difference = firstDifference(expected, restored);
  return difference === null ? null : `restored state is not the one the damage left: ${difference}`;
}
