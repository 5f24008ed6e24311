/**
 * Shared vocabulary of the replication engine: a replica's network endpoint (an attribute, never
 * its identity), the per-replica state machine, session kinds and phases, and LSN validation.
 */
import { LsnOutOfRangeError } from "./errors.ts";

/** Where a replica listens. `version` is bumped by the control plane on every address change. */
export interface Endpoint {
  readonly dataAddr: string;
  readonly ctrlAddr: string;
  readonly version: number;
}

/** True when any address field or the version differs. */
export function endpointDiffers(a: Endpoint, b: Endpoint): boolean {
  return a.dataAddr !== b.dataAddr || a.ctrlAddr !== b.ctrlAddr || a.version !== b.version;
}

export type ReplicaState =
  "disconnected" | "connecting" | "catching_up" | "rebuilding" | "in_sync" | "needs_rebuild";

export type SessionKind = "catch_up" | "rebuild";

export type SessionPhase =
  "init" | "connecting" | "handshake" | "catch_up" | "rebuild" | "completed" | "invalidated";

const TRANSITIONS: Readonly<Record<SessionPhase, readonly SessionPhase[]>> = {
  init: ["connecting", "invalidated"],
  connecting: ["handshake", "invalidated"],
  handshake: ["catch_up", "rebuild", "completed", "invalidated"],
  catch_up: ["completed", "invalidated"],
  rebuild: ["completed", "invalidated"],
  completed: [],
  invalidated: [],
};

export function phaseTransitionAllowed(from: SessionPhase, to: SessionPhase): boolean {
  return TRANSITIONS[from].includes(to);
}

/** LSNs are non-negative safe integers; anything else is bad input, named in the error. */
export function checkLsn(name: string, value: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new LsnOutOfRangeError(name, value, min, max);
  }
  return value;
}
