/**
 * The manifest: one JSON object at `<prefix>/manifest.json` that says what the database is. A
 * commit is a conditional write (CAS) of a new manifest on the version the writer last read, so
 * the manifest's version history is the database's commit history, and its `fencingToken` names
 * the only writer allowed to extend it.
 *
 * Adding fields: other engine modules (WAL shipping, backups) add the fields they need HERE, in
 * `Manifest` and in its zod schema (manifest-schema.ts), so that every reader validates the same
 * schema. A new
 * optional field must decode from an older manifest that lacks it. Bump `MANIFEST_FORMAT_VERSION`
 * only for a change an older reader must refuse.
 */
import { ManifestCorruptError } from "./errors.ts";
import { MANIFEST_FORMAT_VERSION, manifestShapeProblem } from "./manifest-schema.ts";

export { MANIFEST_FORMAT_VERSION };

/** The manifest's key under a database prefix. */
export function manifestKey(prefix: string): string {
  return prefix === "" ? "manifest.json" : `${prefix}/manifest.json`;
}

/** A full snapshot of the data directory at `lsn`. */
export interface SnapshotRef {
  key: string;
  bytes: number;
  sha256: string;
  /** The LSN the snapshot's state ends at. */
  lsn: number;
  /** The fencing token of the writer that uploaded it (its key embeds it: write-once, B08). */
  fencingToken: number;
}

/** A WAL range [startLsn, endLsn) shipped after the snapshot. */
export interface SegmentRef {
  key: string;
  startLsn: number;
  endLsn: number;
  bytes: number;
  sha256: string;
  fencingToken: number;
}

export interface Manifest {
  formatVersion: typeof MANIFEST_FORMAT_VERSION;
  dbId: string;
  /** The current writer's fencing token. Acquire/takeover bumps it by CAS (a fence stamp). */
  fencingToken: number;
  /** The holder that stamped `fencingToken`; null for a manifest no writer has stamped yet. */
  writerId: string | null;
  /** +1 on every successful CAS of the manifest (commits and fence stamps alike). */
  commitSeq: number;
  snapshot: SnapshotRef | null;
  /** The snapshot before the current one, kept as a backup by compaction. */
  previousSnapshot: SnapshotRef | null;
  /** WAL ranges after the snapshot, in LSN order, contiguous. */
  segments: SegmentRef[];
  /** The LSN the restored state ends at: the next writer continues from here. */
  resumeLsn: number;
  /** The LSN at which the current writer's life began (WAL ranges never span lives, B13). */
  lifeBaseLsn: number | null;
  /**
   * Data objects (snapshots and WAL ranges) committed so far; names the next one. Fence stamps
   * leave it alone. Optional: a manifest without it counts as 0 (engine/wal).
   */
  dataSeq?: number;
}

/** The manifest of a database no writer has touched yet. */
export function emptyManifest(dbId: string): Manifest {
  return {
    formatVersion: MANIFEST_FORMAT_VERSION,
    dbId,
    fencingToken: 0,
    writerId: null,
    commitSeq: 0,
    snapshot: null,
    previousSnapshot: null,
    segments: [],
    resumeLsn: 0,
    lifeBaseLsn: null,
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function encodeManifest(manifest: Manifest, key = "manifest"): Uint8Array {
  // Refuse to write what we would refuse to read: a bad manifest is an engine bug.
  checkManifestShape(manifest, key);
  return encoder.encode(JSON.stringify(manifest));
}

/** Decodes and validates; any problem is a ManifestCorruptError naming `key`. */
export function decodeManifest(bytes: Uint8Array, key: string): Manifest {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new ManifestCorruptError(key, `not valid UTF-8 (${bytes.length} bytes)`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new ManifestCorruptError(key, `not valid JSON, truncated? (${bytes.length} bytes: ${why})`);
  }
  checkManifestShape(value, key);
  return value;
}

type Json = Record<string, unknown>;

function need(condition: boolean, key: string, reason: string): asserts condition {
  if (!condition) throw new ManifestCorruptError(key, reason);
}

/** WAL ranges (shapes already checked) are non-empty, contiguous from the snapshot, end at resumeLsn. */
function checkSegmentOrder(
  segments: readonly Json[],
  snapshot: Json | null,
  resumeLsn: number,
  key: string,
): void {
  let previousEndLsn: number | null = snapshot ? (snapshot.lsn as number) : null;
  segments.forEach((segment, index) => {
    const where = `segments[${index}]`;
    const startLsn = segment.startLsn as number;
    const endLsn = segment.endLsn as number;
    need(startLsn < endLsn, key, `${where} is empty or reversed: [${startLsn}, ${endLsn})`);
    need(
      previousEndLsn === null || startLsn === previousEndLsn,
      key,
      `${where} starts at ${startLsn}, not where the previous range ended (${previousEndLsn}): not contiguous`,
    );
    previousEndLsn = endLsn;
  });
  if (previousEndLsn !== null)
    need(
      resumeLsn === previousEndLsn,
      key,
      `resumeLsn ${resumeLsn} is not the end of the last WAL range / snapshot (${previousEndLsn})`,
    );
}

/** Throws ManifestCorruptError unless `value` is a well-formed manifest. */
export function checkManifestShape(value: unknown, key: string): asserts value is Manifest {
  const problem = manifestShapeProblem(value);
  if (problem !== null) throw new ManifestCorruptError(key, problem);
  const manifest = value as Json;
  checkSegmentOrder(
    manifest.segments as Json[],
    manifest.snapshot as Json | null,
    manifest.resumeLsn as number,
    key,
  );
}
