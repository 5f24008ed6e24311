/**
 * The writer-lease role: what a writer (the service, a scenario, the fenced commit) holds when it
 * holds the lease. `Lease` (lease.ts) is the engine's implementation over a lease object; another
 * engine's lease can stand in behind this interface without a cast.
 */
import type { FencedError } from "../manifest/errors.ts";
import type { VersionedManifest } from "../manifest/cas.ts";

export interface Acquired {
  fencingToken: number;
  /** The manifest state to serve and to commit on. */
  manifest: VersionedManifest;
  tookOver: boolean;
}

export interface WriterLease {
  /** This writer's identity, unique per process life. */
  readonly holder: string;
  /** The token of the held lease; throws when not held. */
  readonly fencingToken: number;
  readonly holds: boolean;
  /** Waits for the lease, fence-stamps the manifest and says which state to serve. */
  acquire(beforeWait?: VersionedManifest | null): Promise<Acquired>;
  /** The request-path check before a commit: FencedError if lost, renews when little is left. */
  ensureLease(): Promise<void>;
  renew(): Promise<void>;
  /** Gives the lease up so a successor need not wait for the TTL. Idempotent. */
  release(): Promise<void>;
  /** Milliseconds left on the holder's clock (negative once past). */
  remainingMs(): number;
  /** Records that the writer was fenced; later calls fail fast with the error. */
  markLost(error: FencedError): FencedError;
}
