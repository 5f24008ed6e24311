/**
 * A crash: an exception that escaped simulated code — a process body's rejection that nothing
 * handled, a timer callback that threw, an error thrown in a microtask. It ends the seed (the
 * scheduler stops at the next event boundary) and becomes the seed's `crash` result with its
 * stack, instead of killing the whole run or being blamed on another test.
 */

export interface Crash {
  /** Where it escaped: `process <name>`, `timer <owner>/<kind>`, `unhandled rejection`, ... */
  where: string;
  atMs: number;
  name: string;
  message: string;
  stack: string;
}

/** What the scheduler throws out of `run()` once a crash was recorded. */
export class SimulationCrashError extends Error {
  override name = "SimulationCrashError";
  constructor(readonly crash: Crash) {
    super(`${crash.where} crashed at ${crash.atMs} ms: ${crash.name}: ${crash.message}`);
  }
}

/** Name, message and stack of anything thrown (a thrown string or object included). */
export function describeThrown(thrown: unknown): { name: string; message: string; stack: string } {
  if (thrown instanceof Error) {
    return {
      name: thrown.name,
      message: thrown.message,
      stack: thrown.stack ?? `${thrown.name}: ${thrown.message}`,
    };
  }
  const message = typeof thrown === "string" ? thrown : safeString(thrown);
  return { name: "NonError", message, stack: `(a non-Error value was thrown: ${message})` };
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
