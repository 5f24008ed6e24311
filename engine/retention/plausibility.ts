/**
 * Whether a cursor (or an op ID, or a gap floor) can be real: it must parse, and its time must
 * lie between the epoch of the data and a little past our own clock. A far-future cursor would
 * make us skip every op; one before the data began (the zero ID, an epoch value) would make us
 * refetch and re-persist forever. Implausible values are treated as missing on load and refused
 * at every boundary, so they are never echoed or persisted.
 */
import { ImplausibleIdError, type ImplausibleReason, InvalidOpIdError } from "./errors.ts";
import { tryParseOpId } from "./op-id.ts";

export interface PlausibilityWindow {
  /** No real op is older than this (ms since the Unix epoch). */
  dataEpochMs: number;
  /** How far ahead of our clock an ID may be stamped (peer clock skew). */
  maxFutureSkewMs: number;
}

export type Verdict =
  | { ok: true; timeMs: number }
  | { ok: false; reason: "unparseable" | ImplausibleReason; timeMs: number | null };

export function judgeOpId(value: string, nowMs: number, window: PlausibilityWindow): Verdict {
  const parsed = typeof value === "string" ? tryParseOpId(value) : null;
  if (parsed === null) return { ok: false, reason: "unparseable", timeMs: null };
  if (parsed.timeMs > nowMs + window.maxFutureSkewMs) {
    return { ok: false, reason: "far-future", timeMs: parsed.timeMs };
  }
  if (parsed.timeMs < window.dataEpochMs) {
    return { ok: false, reason: "before-data-epoch", timeMs: parsed.timeMs };
  }
  return { ok: true, timeMs: parsed.timeMs };
}

/** Throws the typed error a refused value deserves: InvalidOpIdError or ImplausibleIdError. */
export function refuseUnlessPlausible(role: "cursor" | "op" | "gap", value: string, verdict: Verdict): void {
  if (verdict.ok) return;
  if (verdict.reason === "unparseable") throw new InvalidOpIdError(String(value), role);
  throw new ImplausibleIdError(role, value, verdict.timeMs ?? 0, verdict.reason);
}
