/**
 * Checkers for ownership, fencing and bookkeeping of the replication engine:
 * - no-stale-epoch-effect: nothing is sent to a replica under an epoch older than the
 *   registry's, and replicas never apply traffic of a fenced epoch or session (A3).
 * - sender-identity: an address change keeps the replica's sender (same incarnation) (A10).
 * - pin-symmetry / pin-coverage: every pin taken is released when its execution ends; every
 *   executor read is covered by its own plan's pins; truncation-only plans hold none (REP-2/3).
 * - no-dangling-session: a failed plan leaves no live session; nothing is live at the end.
 * - log-causes: every log entry has a cause; endpoint_changed only on a real change (REP-5).
 * - typed-errors: the engine answers bad input and failures with ReplicationError, never a
 *   TypeError or other crash.
 */
import { ReplicationError, type RecoveryLogEntry } from "../engine/replication/index.ts";
import type { World } from "../sim/world.ts";

export const NO_STALE_EPOCH = "no-stale-epoch-effect";
export const SENDER_IDENTITY = "sender-identity";
export const PIN_SYMMETRY = "pin-symmetry";
export const PIN_COVERAGE = "pin-coverage";
export const NO_DANGLING_SESSION = "no-dangling-session";
export const LOG_CAUSES = "log-causes";
export const TYPED_ERRORS = "typed-errors";

export function checkTypedError(world: World, error: unknown, operation: string): boolean {
  if (error instanceof ReplicationError) return true;
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  world.violate(TYPED_ERRORS, `${operation} failed with an untyped error: ${text}`);
  return false;
}

/**
 * Watches the log for causes: every entry has one, and endpoint_changed appears only at a time
 * the control plane really changed that replica's address.
 */
export function watchLogCauses(
  world: World,
  onLog: (observe: (entry: RecoveryLogEntry) => void) => void,
  realAddressChangeAt: (replicaId: string, atMs: number) => boolean,
): void {
  onLog((entry) => {
    if (!entry.cause || entry.cause === "unspecified") {
      world.violate(LOG_CAUSES, `log entry ${entry.seq} (${entry.event}) has no cause`);
    }
    if (entry.cause === "endpoint_changed" && !realAddressChangeAt(entry.replicaId, entry.atMs)) {
      world.violate(
        LOG_CAUSES,
        `${entry.replicaId} session ${entry.sessionId}: ${entry.event} logged as endpoint_changed but the address did not change`,
      );
    }
  });
}
