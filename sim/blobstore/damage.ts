/**
 * Stored-object damage: what operators, lifecycle rules and other tools do to a bucket behind the
 * engine's back (issue 21). Each act is applied at once through the store's operator surface
 * (`operatorWrite`, `operatorDelete`), never as a process's request, so no caller is told and the
 * store's history names the operator.
 *
 * - delete: an object gone (a lifecycle rule expired it, an operator removed it);
 * - truncate: a partial copy landed (a new generation holding a prefix of the bytes);
 * - overwrite: other bytes at the key, with a new generation (another tool uploaded) or keeping
 *   it (silent corruption: the version a reader sees does not change);
 * - corrupt-manifest: the manifest overwritten with bytes that are not a manifest;
 * - wipe-prefix: every object under the database's prefix deleted;
 * - foreign-object: an object the engine never wrote added under the prefix;
 * - rollback-manifest: an older manifest's bytes written back (a new generation, as restoring an
 *   old object version on GCS does).
 *
 * The act names what it removed, so a checker can compare it with what the engine reports lost.
 */
import type { SimBlobStore } from "../blob-store.ts";
import type { Rng } from "../rng.ts";

export const DAMAGE_KINDS = [
  "delete",
  "truncate",
  "overwrite",
  "corrupt-manifest",
  "wipe-prefix",
  "foreign-object",
  "rollback-manifest",
] as const;
export type DamageKind = (typeof DAMAGE_KINDS)[number];

export type DamageAct =
  | { kind: "delete"; key: string }
  | { kind: "truncate"; key: string; keepBytes: number }
  | { kind: "overwrite"; key: string; keepGeneration: boolean; bytes: Uint8Array }
  | { kind: "corrupt-manifest"; key: string; bytes: Uint8Array }
  | { kind: "wipe-prefix"; prefix: string }
  | { kind: "foreign-object"; key: string; bytes: Uint8Array }
  | { kind: "rollback-manifest"; key: string; bytes: Uint8Array; toIndex: number };

/** What a draw may aim at: the keys the current manifest names and the older manifests kept. */
export interface DamageTargets {
  prefix: string;
  manifestKey: string;
  /** Objects the current manifest needs (snapshot, WAL ranges). */
  referencedKeys: readonly string[];
  /** Earlier manifests' bytes, oldest first (an operator's rollback picks one). */
  olderManifests: readonly Uint8Array[];
}

/** The outcome of applying an act: the keys it removed or changed, for the checkers. */
export interface DamageRecord {
  act: DamageAct;
  /** Keys whose bytes the act removed or replaced. */
  damagedKeys: string[];
}

function randomBytes(rng: Rng, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) bytes[index] = rng.int(0, 255);
  return bytes;
}

/** One act of `kind` against `targets`; a kind with nothing to aim at becomes a foreign object. */
export function drawDamage(
  rng: Rng,
  store: SimBlobStore,
  kind: DamageKind,
  targets: DamageTargets,
): DamageAct {
  const objects = store.objects();
  const referenced = targets.referencedKeys.filter((key) => objects.has(key));
  const foreign = (): DamageAct => ({
    kind: "foreign-object",
    key: `${targets.prefix}/${rng.pick(["data/", "", "tmp/"])}foreign-${rng.int(0, 9_999)}.bin`,
    bytes: randomBytes(rng, rng.int(1, 512)),
  });
  switch (kind) {
    case "delete":
      return referenced.length > 0 ? { kind, key: rng.pick(referenced) } : foreign();
    case "truncate": {
      if (referenced.length === 0) return foreign();
      const key = rng.pick(referenced);
      const size = objects.get(key)!.size;
      return { kind, key, keepBytes: rng.int(0, Math.max(0, size - 1)) };
    }
    case "overwrite": {
      if (referenced.length === 0) return foreign();
      const key = rng.pick(referenced);
      const size = objects.get(key)!.size;
      // Same length half the time: only the checksum can tell.
      const length = rng.chance(0.5) ? size : rng.int(1, size + 64);
      return { kind, key, keepGeneration: rng.chance(0.5), bytes: randomBytes(rng, length) };
    }
    case "corrupt-manifest":
      return {
        kind,
        key: targets.manifestKey,
        bytes: rng.chance(0.5)
          ? randomBytes(rng, rng.int(1, 200))
          : new TextEncoder().encode('{"formatVersion":1}'),
      };
    case "wipe-prefix":
      return { kind, prefix: targets.prefix };
    case "foreign-object":
      return foreign();
    case "rollback-manifest": {
      if (targets.olderManifests.length === 0) return foreign();
      const toIndex = rng.int(0, targets.olderManifests.length - 1);
      return { kind, key: targets.manifestKey, bytes: targets.olderManifests[toIndex]!, toIndex };
    }
  }
}

export function applyDamage(store: SimBlobStore, act: DamageAct): DamageRecord {
  switch (act.kind) {
    case "delete":
      store.operatorDelete(act.key);
      return { act, damagedKeys: [act.key] };
    case "truncate": {
      const object = store.objects().get(act.key);
      if (object) store.operatorWrite(act.key, object.bytes.subarray(0, act.keepBytes));
      return { act, damagedKeys: object ? [act.key] : [] };
    }
    case "overwrite":
    case "corrupt-manifest":
      store.operatorWrite(act.key, act.bytes, {
        keepGeneration: act.kind === "overwrite" && act.keepGeneration,
      });
      return { act, damagedKeys: [act.key] };
    case "wipe-prefix": {
      const keys = [...store.objects().keys()].filter((key) => key.startsWith(`${act.prefix}/`)).sort();
      for (const key of keys) store.operatorDelete(key);
      return { act, damagedKeys: keys };
    }
    case "foreign-object":
      store.operatorWrite(act.key, act.bytes);
      return { act, damagedKeys: [] };
    case "rollback-manifest":
      store.operatorWrite(act.key, act.bytes);
      return { act, damagedKeys: [act.key] };
  }
}

/** The act as trace fields (no bodies). */
export function describeDamage(act: DamageAct): Record<string, string | number | boolean> {
  const { kind } = act;
  switch (act.kind) {
    case "wipe-prefix":
      return { kind, prefix: act.prefix };
    case "truncate":
      return { kind, key: act.key, keepBytes: act.keepBytes };
    case "overwrite":
      return { kind, key: act.key, keepGeneration: act.keepGeneration, bytes: act.bytes.length };
    case "rollback-manifest":
      return { kind, key: act.key, toIndex: act.toIndex };
    default:
      return { kind, key: act.key };
  }
}
