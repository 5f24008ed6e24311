import type { TraceEvent } from "./trace.ts";

/** A broken invariant: which one, when (simulated ms), what, and the events that prove it. */
export interface Violation {
  invariant: string;
  message: string;
  atMs: number;
  events: TraceEvent[];
}
