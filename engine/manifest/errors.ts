/**
 * Typed errors of the manifest and of fencing. They live here (not in engine/lease) because the
 * manifest is where fencing is decided: a writer is fenced exactly when the manifest carries a
 * fencing token that is not its own, or its conditional write on the manifest is refused.
 */

import { isNamedError } from "../named-error.ts";

/** The manifest object exists but cannot be trusted: corrupt JSON, truncated, wrong shape. */
export class ManifestCorruptError extends Error {
  override name = "ManifestCorruptError";
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`manifest ${key} is corrupt: ${reason}`);
  }
}

/**
 * The manifest's conditional write was refused (HTTP 412): it changed since `expectedVersion`
 * was read. Nothing was written. The caller must re-read before deciding anything; it must never
 * retry blindly with the new version, or fencing means nothing.
 */
export class ManifestConflictError extends Error {
  override name = "ManifestConflictError";
  constructor(
    readonly key: string,
    readonly expectedVersion: string | null,
  ) {
    super(
      `manifest ${key} changed under us (expected ${
        expectedVersion === null ? "no manifest" : `version ${expectedVersion}`
      })`,
    );
  }
}

/**
 * This writer lost its right to write: the lease or the manifest now belongs to a newer holder
 * (a higher fencing token). A fenced writer must stop committing and must not ack anything that
 * is not already durable.
 */
export class FencedError extends Error {
  override name = "FencedError";
  /** Matched by name: a copy of this class from another module instance matches too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isNamedError(value, this);
  }
  constructor(
    /** The fencing token this writer held. */
    readonly fencingToken: number,
    /** What fenced it: the newer holder and token when known. */
    readonly detail: string,
    readonly supersededBy: { holder: string | null; fencingToken: number } | null = null,
  ) {
    super(`writer with fencing token ${fencingToken} is fenced: ${detail}`);
  }
}
